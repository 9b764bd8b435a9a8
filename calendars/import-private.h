/*
 * What the files of the import share and show no one else: import.c (the
 * entry point, the events and how their overrides pair up), import-lex.c
 * (reading the text into libical's components), import-zone.c (time
 * zones, times and the work allowance) and import-expand.c (each event's
 * occurrences). Their prototypes are grouped by file.
 */
#ifndef IMPORT_PRIVATE_H
#define IMPORT_PRIVATE_H

#include <stddef.h>
#include <time.h>

#include <libical/ical.h>

/* Events outside these years are skipped (zone.c's range). */
#define IMPORT_YEAR_MIN		1970
#define IMPORT_YEAR_MAX		2500
/* Different TZIDs one file may use. */
#define IMPORT_ZONES_MAX	64
#define IMPORT_OFFSET_MAX	(18 * 3600)
/* Quoted text in messages is cut to this many bytes. */
#define IMPORT_QUOTE_MAX	64
/* Room for "20261201T090000Z" from any struct tm. */
#define IMPORT_RID_LEN		72

/* An override, sorted by UID and RECURRENCE-ID. */
struct import_ref {
	const char	*uid;
	time_t		 recid;
	int		 line;
	size_t		 idx;
};

/* A TZID and what it turned out to be. */
struct import_zone {
	char		*tzid;
	icaltimezone	*zone;		/* NULL: unusable, see why */
	int		 owned;		/* the file's VTIMEZONE */
	char		*why;
};

/* A VTIMEZONE in the file. */
struct import_tzdef {
	const char	*tzid;
	icalcomponent	*comp;
	int		 line;
};

/* A DATE or DATE-TIME property value with its zone. */
struct import_time {
	struct icaltimetype	 tt;	/* the fields as written */
	icaltimezone		*zone;	/* NULL for a DATE */
	int			 line;
};

/* How long each occurrence lasts. */
struct import_length {
	int		 nominal;	/* DURATION: wall-clock days */
	int		 days;
	time_t		 seconds;
};

/* One EXDATE. */
struct import_exdate {
	int		 is_date;
	time_t		 t;	/* an instant, or yyyymmdd */
};

/* One VEVENT. */
struct import_event {
	icalcomponent		*comp;
	int			 line;
	const char		*uid;		/* NULL if none */
	char			*made_uid;	/* when there is none */
	int			 has_recid;
	int			 recid_ok;
	time_t			 recid;
	int			 skipped;
	size_t			 master;	/* or SIZE_MAX */

	/* A master that was expanded. */
	int			 expanded;
	int			 recurring;
	icaltimezone		*zone;
	struct import_time	 start;
	time_t			 start_t;
	struct import_length	 length;
	struct import_exdate	*exdates;
	size_t			 nexdates;
};

struct import_skip {
	char		*key;
	char		*reason;
	int		 line;
	size_t		 order;
};

/* The second pass. */
struct import_state {
	icaltimezone		*floating;	/* default_tzid */
	time_t			 from, until;
	size_t			 max;

	struct import_tzdef	*tzdefs;
	size_t			 ntzdefs;
	struct import_zone	 zones[IMPORT_ZONES_MAX];
	size_t			 nzones;
	unsigned long		 tz_changes;
	unsigned long		 work;

	struct import_event	*events;
	size_t			 nevents;
	struct import_ref	*overrides;	/* by UID, RECURRENCE-ID */
	size_t			 noverrides;

	struct cal_import_event	*out;
	size_t			 nout, outsize;
	struct import_skip	*skips;
	size_t			 nskips, skipsize;

	char			*cause;
};

/* import-lex.c */
/*
 * Reads text into libical's components, one for each VCALENDAR, in
 * *roots (free them with import_lex_free()). A file that does not read is
 * refused with the line that broke it, and nothing is returned.
 */
int	 import_lex(const char *, size_t, icalcomponent ***roots,
	    size_t *nroots, char **);
void	 import_lex_free(icalcomponent **, size_t);
/* The line a component began on, the line a property is on. */
int	 import_comp_line(icalcomponent *);
int	 import_prop_line(icalproperty *);
/* The text of the first property of this kind, or NULL. */
const char *import_text(icalcomponent *, icalproperty_kind);
/* How many properties of this kind c has. */
int	 import_count(icalcomponent *, icalproperty_kind);

/* import-zone.c */
/*
 * Counts n units of work against the event's allowance (*event) and the
 * file's; 1 once either is used up.
 */
int	 import_work(struct import_state *, unsigned long *event,
	    unsigned long n);
/* What is left of both allowances. */
unsigned long import_work_left(struct import_state *, unsigned long event);
/* The zone libical knows by IANA name, or NULL; it belongs to libical. */
icaltimezone *import_builtin(const char *);
/*
 * A DATE or DATE-TIME value tt of property p with its zone: its TZID,
 * UTC, or floating (then in the zone given). Fails with *why set (caller
 * frees).
 */
int	 import_prop_time(struct import_state *, icalproperty *p,
	    struct icaltimetype tt, icaltimezone *floating,
	    struct import_time *, char **why);
/* Whether the fields are a real date (and time) within the years given. */
int	 import_fields_ok(const struct icaltimetype *, int, int);
/* t as wall-clock time in zone. */
struct icaltimetype import_to_local(icaltimezone *, time_t);
/* Wall-clock time in zone to UTC, as RFC 5545 reads it. */
time_t	 import_to_utc(icaltimezone *, const struct icaltimetype *);
/* "20261201T090000Z" */
void	 import_basic(time_t, char *, size_t);
/* "2026-12-01 10:00 (09:00 UTC)" for messages; caller frees. */
char	*import_when(icaltimezone *, time_t);

/* import-expand.c */
/*
 * Reads a master (an event without RECURRENCE-ID) and emits its
 * occurrences in the window, or skips it with the reason. -1 when there
 * are more than max (st->cause says so).
 */
int	 import_master(struct import_state *, size_t);
/* Emits an override (an event with RECURRENCE-ID), or skips it. */
int	 import_override(struct import_state *, size_t);
/*
 * Lists e as skipped, under key or e's own, with the reason on line (0:
 * e's).
 */
void	 import_skipped(struct import_state *, const struct import_event *e,
	    const char *key, int line, const char *, ...)
	    __attribute__((format(printf, 5, 6)));
/* struct import_ref by UID, then RECURRENCE-ID, then line. */
int	 import_cmp_ref(const void *, const void *);

#endif
