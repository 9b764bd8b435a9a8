/*
 * Sessions from a calendar file: the VEVENTs of an .ics file expanded into
 * occurrences in a window of time.
 *
 * Reading happens in two passes. The first unfolds the text into content
 * lines itself, so it knows the line each one starts on, checks their
 * syntax and the nesting of BEGIN and END, and hands libical's parser only
 * what import uses: VCALENDAR, VEVENT and VTIMEZONE with the properties
 * that decide when an event takes place and what it is called. Alarms,
 * to-dos, attendees and the X- properties of every app are checked for
 * syntax and otherwise left alone, so a quirk there cannot refuse a file.
 * Each line handed to libical carries an X-KURSUS-LINE parameter (each
 * component an X-KURSUS-LINE property) with its line number, so later
 * messages can name it. Anything libical cannot read refuses the whole
 * file with that line; nothing is returned then.
 *
 * The second pass resolves time zones (the file's own VTIMEZONE, an IANA
 * name, possibly behind a "/vendor/" prefix, a Windows name, UTC, or
 * floating times read in default_tzid; X-WR-TIMEZONE is not used),
 * expands each event in the wall-clock time of its own zone with libical's
 * recurrence iterator, adds RDATEs, removes EXDATEs, and lets overridden
 * occurrences (same UID and a RECURRENCE-ID) replace the generated ones.
 * Local times are read as RFC 5545 says: the repeated autumn hour is its
 * first pass, a time in the spring gap takes the offset from before it.
 * Events that cannot become sessions (all-day, no end, an unknown zone, a
 * rule finer than daily or one that never matches) are listed as skips
 * with a reason. More than max occurrences in the window refuse the whole
 * file. Work is bounded: libical has slow paths (it searches thousands of
 * years for a rule that never matches), so each rule and each VTIMEZONE is
 * checked before libical iterates it, and an event that would need more
 * than its share of a fixed allowance is skipped.
 *
 * Keys: a one-off event's key is its UID; each occurrence of a recurring
 * event (RRULE or RDATE) is UID "/" RECURRENCE-ID, the original start of
 * the occurrence in UTC basic format ("20261201T090000Z"), which an
 * overridden occurrence keeps when it moves. An event without a UID gets
 * "nouid-" and 16 hex digits of a 64-bit FNV-1a hash of its SUMMARY, its
 * DTSTART (as a UTC instant) and its LOCATION: importing the same file
 * again finds the same sessions, while a changed copy of such an event is
 * a new one (there is nothing else to recognise it by).
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "utf8.h"
#include "cause.h"
#include "xmalloc.h"

/* Bigger files are refused before anything is read. */
#define IMPORT_SIZE_MAX		(4 * 1024 * 1024)
/* Components nested deeper than this are refused. */
#define IMPORT_DEPTH_MAX	16
/* Events outside these years are skipped (zone.c's range). */
#define IMPORT_YEAR_MIN		1970
#define IMPORT_YEAR_MAX		2500
/*
 * Work units one event (or VTIMEZONE), and the whole file, may use: a
 * step of libical's recurrence iterator, or a month tried by
 * import_rule_reach(). Either takes about a microsecond.
 */
#define IMPORT_WORK_EVENT	50000
#define IMPORT_WORK_FILE	500000
#define IMPORT_WORK_TZ_CHANGE	4
/* Different TZIDs one file may use. */
#define IMPORT_ZONES_MAX	64
/* A VTIMEZONE's STANDARD and DAYLIGHT parts, and its RDATEs. */
#define IMPORT_TZ_PARTS_MAX	64
#define IMPORT_TZ_RDATES_MAX	1000
/* Time zone changes libical may compute, over every VTIMEZONE. */
#define IMPORT_TZ_CHANGES_MAX	200000
/* libical computes zone changes up to this year (ICALTIMEZONE_MAX_YEAR). */
#define IMPORT_TZ_YEAR_MAX	2582
#define IMPORT_TZ_YEAR_MIN	1583
#define IMPORT_OFFSET_MAX	(18 * 3600)
#define IMPORT_UID_MAX		1024
/* Quoted text in messages is cut to this many bytes. */
#define IMPORT_QUOTE_MAX	64
#define IMPORT_LINE_NAME	"X-KURSUS-LINE"
/* Room for "20261201T090000Z" from any struct tm. */
#define IMPORT_RID_LEN		72

enum import_kind {
	IMPORT_OTHER,		/* X- or unknown: anywhere in VCALENDAR */
	IMPORT_VCALENDAR,		/* top level only */
	IMPORT_VEVENT,		/* in VCALENDAR */
	IMPORT_VTIMEZONE,		/* in VCALENDAR */
	IMPORT_ENTRY,		/* VTODO and the like: in VCALENDAR */
	IMPORT_TZPART,		/* STANDARD, DAYLIGHT: in VTIMEZONE */
	IMPORT_ALARM		/* VALARM: in VEVENT or VTODO */
};

static const struct import_comp {
	const char	*name;
	enum import_kind	 kind;
	int		 fed;		/* handed to libical */
} import_comps[] = {
	{ "VCALENDAR", IMPORT_VCALENDAR, 1 },
	{ "VEVENT", IMPORT_VEVENT, 1 },
	{ "VTIMEZONE", IMPORT_VTIMEZONE, 1 },
	{ "STANDARD", IMPORT_TZPART, 1 },
	{ "DAYLIGHT", IMPORT_TZPART, 1 },
	{ "VALARM", IMPORT_ALARM, 0 },
	{ "VTODO", IMPORT_ENTRY, 0 },
	{ "VJOURNAL", IMPORT_ENTRY, 0 },
	{ "VFREEBUSY", IMPORT_ENTRY, 0 },
	{ "VAVAILABILITY", IMPORT_ENTRY, 0 },
};

/* The properties handed to libical, by the component they are in. */
static const struct import_prop {
	enum import_kind	 kind;
	const char	*name;
} import_props[] = {
	{ IMPORT_VEVENT, "UID" },
	{ IMPORT_VEVENT, "DTSTART" },
	{ IMPORT_VEVENT, "DTEND" },
	{ IMPORT_VEVENT, "DURATION" },
	{ IMPORT_VEVENT, "RRULE" },
	{ IMPORT_VEVENT, "RDATE" },
	{ IMPORT_VEVENT, "EXDATE" },
	{ IMPORT_VEVENT, "EXRULE" },
	{ IMPORT_VEVENT, "RECURRENCE-ID" },
	{ IMPORT_VEVENT, "SUMMARY" },
	{ IMPORT_VEVENT, "DESCRIPTION" },
	{ IMPORT_VEVENT, "LOCATION" },
	{ IMPORT_VEVENT, "STATUS" },
	{ IMPORT_VTIMEZONE, "TZID" },
	{ IMPORT_TZPART, "DTSTART" },
	{ IMPORT_TZPART, "TZOFFSETFROM" },
	{ IMPORT_TZPART, "TZOFFSETTO" },
	{ IMPORT_TZPART, "RRULE" },
	{ IMPORT_TZPART, "RDATE" },
};

/*
 * Windows time zone names, as Outlook and Exchange write them, and the
 * IANA zones with the same rules (the first one the system knows is used).
 * Europe first, then a few a Danish library meets, and the display names
 * older Outlook versions put in TZID.
 */
static const struct import_windows {
	const char	*windows;
	const char	*iana[2];
} import_windows[] = {
	{ "Romance Standard Time", { "Europe/Copenhagen", "Europe/Paris" } },
	{ "W. Europe Standard Time", { "Europe/Berlin", NULL } },
	{ "Central Europe Standard Time", { "Europe/Budapest", NULL } },
	{ "Central European Standard Time", { "Europe/Warsaw", NULL } },
	{ "GMT Standard Time", { "Europe/London", NULL } },
	{ "Greenwich Standard Time", { "Atlantic/Reykjavik", NULL } },
	{ "GTB Standard Time", { "Europe/Bucharest", NULL } },
	{ "E. Europe Standard Time", { "Europe/Chisinau", NULL } },
	{ "FLE Standard Time", { "Europe/Helsinki", NULL } },
	{ "Kaliningrad Standard Time", { "Europe/Kaliningrad", NULL } },
	{ "Russian Standard Time", { "Europe/Moscow", NULL } },
	{ "Belarus Standard Time", { "Europe/Minsk", NULL } },
	{ "Turkey Standard Time", { "Europe/Istanbul", NULL } },
	{ "Greenland Standard Time", { "America/Nuuk", "America/Godthab" } },
	{ "Azores Standard Time", { "Atlantic/Azores", NULL } },
	{ "UTC", { "UTC", NULL } },
	{ "Coordinated Universal Time", { "UTC", NULL } },
	{ "tzone://Microsoft/Utc", { "UTC", NULL } },
	{ "Eastern Standard Time", { "America/New_York", NULL } },
	{ "Central Standard Time", { "America/Chicago", NULL } },
	{ "Mountain Standard Time", { "America/Denver", NULL } },
	{ "Pacific Standard Time", { "America/Los_Angeles", NULL } },
	{ "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris",
	    { "Europe/Copenhagen", NULL } },
	{ "(GMT+01:00) Brussels, Copenhagen, Madrid, Paris",
	    { "Europe/Copenhagen", NULL } },
	{ "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
	    { "Europe/Berlin", NULL } },
	{ "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
	    { "Europe/Berlin", NULL } },
	{ "(UTC+00:00) Dublin, Edinburgh, Lisbon, London",
	    { "Europe/London", NULL } },
	{ "(UTC) Dublin, Edinburgh, Lisbon, London",
	    { "Europe/London", NULL } },
};

/* How an RRULE's UNTIL is compared (as in recur.c). */
enum import_until {
	IMPORT_UNTIL_NONE,
	IMPORT_UNTIL_UTC,	/* an instant */
	IMPORT_UNTIL_LOCAL	/* a date or floating time: wall-clock */
};

/* An override, sorted by UID and RECURRENCE-ID. */
struct import_ref {
	const char	*uid;
	time_t		 recid;
	int		 line;
	size_t		 idx;
};

/* One open component while reading. */
struct import_frame {
	char			*name;
	int			 line;
	enum import_kind	 kind;
	int			 fed;
};

/* The first pass. */
struct import_reader {
	icalparser		*parser;
	icalcomponent		**roots;
	size_t			 nroots;
	struct import_frame	 stack[IMPORT_DEPTH_MAX];
	int			 depth;
	struct buf		 buf;		/* the logical line */
	int			 line;		/* where it starts */
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

/* One occurrence of a series inside the window. */
struct import_instance {
	time_t		 recid;
	time_t		 start, end;
	int		 line;		/* of the RDATE or the event */
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

static int	 import_read(struct import_reader *, const char *, size_t,
		    char **);
static int	 import_line(struct import_reader *, char **);
static int	 import_begin(struct import_reader *, const char *, int,
		    char **);
static int	 import_end(struct import_reader *, const char *, int,
		    char **);
static int	 import_property(struct import_reader *, const char *, size_t,
		    const char *, int, char **);
static int	 import_feed(struct import_reader *, char *, int,
		    const char *, char **);
static char	*import_rebuild(const char *, const char *, int);
static int	 import_syntax(const char *, size_t *, const char **,
		    const char **, const char **);
static const struct import_comp *import_comp_find(const char *);
static int	 import_fits(enum import_kind, const struct import_frame *);
static void	 import_reader_free(struct import_reader *);
static int	 import_errors(icalcomponent *, char **);
static int	 import_comp_line(icalcomponent *);
static int	 import_prop_line(icalproperty *);
static int	 import_collect(struct import_state *, struct import_reader *,
		    char **);

static int	 import_work(struct import_state *, unsigned long *,
		    unsigned long);
static unsigned long import_work_left(struct import_state *, unsigned long);
static icaltimezone *import_builtin(const char *);
static icaltimezone *import_tzid(struct import_state *, const char *,
		    const char **);
static int	 import_tzcheck(struct import_state *, icalcomponent *,
		    char **);
static int	 import_prop_time(struct import_state *, icalproperty *,
		    struct icaltimetype, icaltimezone *, struct import_time *,
		    char **);
static int	 import_fields_ok(const struct icaltimetype *, int, int);
static time_t	 import_days(int, int, int);
static time_t	 import_naive(const struct icaltimetype *);
static int	 import_mdays(int, int);
static time_t	 import_offset(icaltimezone *, time_t);
static time_t	 import_to_utc(icaltimezone *,
		    const struct icaltimetype *);
static struct icaltimetype import_to_local(icaltimezone *, time_t);
static void	 import_basic(time_t, char *, size_t);
static char	*import_when(icaltimezone *, time_t);
static int	 import_rule_check(struct import_state *, unsigned long *,
		    const struct icalrecurrencetype *,
		    const struct icaltimetype *, char **);
static int	 import_rule_reach(const struct icalrecurrencetype *,
		    const struct icaltimetype *, int, unsigned long *,
		    unsigned long, int *);
static int	 import_master(struct import_state *, size_t);
static int	 import_expand(struct import_state *, struct import_event *,
		    unsigned long *, struct import_instance **, size_t *,
		    size_t *);
static int	 import_rrule(struct import_state *, struct import_event *,
		    icalproperty *, unsigned long *, struct import_instance **,
		    size_t *, size_t *, char **);
static void	 import_add(struct import_instance **, size_t *, size_t *,
		    time_t, time_t, time_t, int);
static time_t	 import_end_of(const struct import_event *, time_t);
static int	 import_excluded(const struct import_event *, time_t);
static int	 import_override(struct import_state *, size_t);
static size_t	 import_find_override(struct import_state *, const char *,
		    time_t);
static int	 import_emit(struct import_state *, struct import_event *,
		    struct import_event *, char *, time_t, time_t, int);
static void	 import_skipped(struct import_state *,
		    const struct import_event *, const char *, int,
		    const char *, ...) __attribute__((format(printf, 5, 6)));
static const char *import_key_of(const struct import_event *);
static char	*import_made_uid(struct import_event *);
static const char *import_text(icalcomponent *, icalproperty_kind);
static int	 import_count(icalcomponent *, icalproperty_kind);
static int	 import_cmp_tzdef(const void *, const void *);
static int	 import_cmp_time(const void *, const void *);
static int	 import_cmp_instance(const void *, const void *);
static int	 import_cmp_out(const void *, const void *);
static int	 import_cmp_skip(const void *, const void *);
static void	 import_state_free(struct import_state *);
static int	 import_cmp_ref(const void *, const void *);
static int	 import_cancelled(icalcomponent *, int);
static void	 import_pair(struct import_state *);

/*
 * Checks a content line, NAME *(";" param) ":" value, where a parameter is
 * NAME "=" value *("," value) and a value is quoted or free of ";:,\"".
 * Sets the name's length, where the parameters (or ':') begin, the value,
 * and on failure what is wrong.
 */
static int
import_syntax(const char *s, size_t *namelen, const char **rest,
    const char **value, const char **why)
{
	const char	*p = s, *q;

#define IMPORT_NAMECHAR(c) (isalnum((u_char)(c)) || (c) == '-' || (c) == '_')
	while (IMPORT_NAMECHAR(*p))
		p++;
	if (p == s) {
		*why = "expected a name such as SUMMARY or DTSTART first";
		return (-1);
	}
	*namelen = p - s;
	*rest = p;
	while (*p == ';') {
		q = ++p;
		while (IMPORT_NAMECHAR(*p))
			p++;
		if (p == q || *p != '=') {
			*why = "a parameter needs a name and '='";
			return (-1);
		}
		p++;
		for (;;) {
			if (*p == '"') {
				if ((q = strchr(p + 1, '"')) == NULL) {
					*why = "a quoted parameter value does "
					    "not end";
					return (-1);
				}
				p = q + 1;
			} else {
				while (*p != '\0' && strchr(";:,\"", *p) ==
				    NULL)
					p++;
			}
			if (*p != ',')
				break;
			p++;
		}
	}
#undef IMPORT_NAMECHAR
	if (*p != ':') {
		*why = "expected ':' before the value";
		return (-1);
	}
	*value = p + 1;
	return (0);
}

static const struct import_comp *
import_comp_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof import_comps / sizeof import_comps[0]; i++) {
		if (strcasecmp(import_comps[i].name, name) == 0)
			return (&import_comps[i]);
	}
	return (NULL);
}

/* Whether a component of this kind may be directly inside parent. */
static int
import_fits(enum import_kind kind, const struct import_frame *parent)
{
	if (parent == NULL)
		return (kind == IMPORT_VCALENDAR);
	switch (kind) {
	case IMPORT_VCALENDAR:
		return (0);
	case IMPORT_VEVENT:
	case IMPORT_VTIMEZONE:
	case IMPORT_ENTRY:
		return (parent->kind == IMPORT_VCALENDAR);
	case IMPORT_TZPART:
		return (parent->kind == IMPORT_VTIMEZONE);
	case IMPORT_ALARM:
		return (parent->kind == IMPORT_VEVENT ||
		    parent->kind == IMPORT_ENTRY);
	case IMPORT_OTHER:
		break;
	}
	return (1);
}

/* Hands one line to libical; refuses the file if libical cannot read it. */
static int
import_feed(struct import_reader *r, char *text, int line, const char *shown,
    char **cause)
{
	icalcomponent	*c;
	char		 q[IMPORT_QUOTE_MAX];

	icalerror_clear_errno();
	c = icalparser_add_line(r->parser, text);
	if (icalparser_get_state(r->parser) == ICALPARSER_ERROR) {
		if (c != NULL)
			icalcomponent_free(c);
		cause_quote(shown, q, sizeof q);
		return (cause_set(cause, "line %d: cannot read \"%s\"", line,
		    q));
	}
	if (c != NULL) {
		r->roots = xreallocarray(r->roots, r->nroots + 1,
		    sizeof *r->roots);
		r->roots[r->nroots++] = c;
	}
	return (0);
}

static int
import_begin(struct import_reader *r, const char *name, int line, char **cause)
{
	const struct import_comp	*c;
	struct import_frame		*top, *f;
	enum import_kind		 kind = IMPORT_OTHER;
	char				*text;
	int				 i, fed = 0, rc;

	if ((c = import_comp_find(name)) != NULL) {
		kind = c->kind;
		fed = c->fed;
	}
	top = r->depth > 0 ? &r->stack[r->depth - 1] : NULL;
	if (!import_fits(kind, top)) {
		if (top == NULL) {
			return (cause_set(cause, "line %d: BEGIN:%s is "
			    "outside BEGIN:VCALENDAR and END:VCALENDAR", line,
			    name));
		}
		/*
		 * If a component further out could hold it, the ones in
		 * between were not closed; name the innermost.
		 */
		for (i = r->depth - 2; i >= -1; i--) {
			if (import_fits(kind, i >= 0 ? &r->stack[i] : NULL))
				break;
		}
		if (i >= -1) {
			return (cause_set(cause, "line %d: BEGIN:%s has no "
			    "END:%s before BEGIN:%s on line %d", top->line,
			    top->name, top->name, name, line));
		}
		return (cause_set(cause, "line %d: BEGIN:%s cannot be inside "
		    "%s (line %d)", line, name, top->name, top->line));
	}
	if (r->depth == IMPORT_DEPTH_MAX) {
		return (cause_set(cause, "line %d: components are nested more "
		    "than %d deep", line, IMPORT_DEPTH_MAX));
	}
	if (top != NULL && !top->fed)
		fed = 0;
	f = &r->stack[r->depth++];
	f->name = xstrdup(name);
	f->line = line;
	f->kind = kind;
	f->fed = fed;
	if (!fed)
		return (0);

	text = xprintf("BEGIN:%s", c->name);
	rc = import_feed(r, text, line, text, cause);
	free(text);
	if (rc != 0)
		return (-1);
	text = xprintf("%s:%d", IMPORT_LINE_NAME, line);
	rc = import_feed(r, text, line, text, cause);
	free(text);
	return (rc);
}

static int
import_end(struct import_reader *r, const char *name, int line, char **cause)
{
	struct import_frame	*top;
	char			*text;
	int			 i, rc = 0;

	if (r->depth == 0) {
		return (cause_set(cause, "line %d: END:%s without BEGIN:%s",
		    line, name, name));
	}
	top = &r->stack[r->depth - 1];
	if (strcasecmp(top->name, name) != 0) {
		for (i = r->depth - 2; i >= 0; i--) {
			if (strcasecmp(r->stack[i].name, name) == 0)
				break;
		}
		if (i >= 0) {
			return (cause_set(cause, "line %d: BEGIN:%s has no "
			    "END:%s before END:%s on line %d", top->line,
			    top->name, top->name, name, line));
		}
		return (cause_set(cause, "line %d: END:%s does not match "
		    "BEGIN:%s on line %d", line, name, top->name, top->line));
	}
	if (top->fed) {
		text = xprintf("END:%s", import_comp_find(top->name)->name);
		rc = import_feed(r, text, line, text, cause);
		free(text);
	}
	free(top->name);
	top->name = NULL;
	r->depth--;
	return (rc);
}

static int
import_property(struct import_reader *r, const char *text, size_t namelen,
    const char *rest, int line, char **cause)
{
	struct import_frame		*top;
	const struct import_prop	*p = NULL;
	char				*fed, q[IMPORT_QUOTE_MAX];
	size_t				 i;
	int				 rc;

	if (r->depth == 0) {
		cause_quote(text, q, sizeof q);
		return (cause_set(cause, "line %d: \"%s\" is outside "
		    "BEGIN:VCALENDAR and END:VCALENDAR", line, q));
	}
	top = &r->stack[r->depth - 1];
	if (!top->fed)
		return (0);
	for (i = 0; i < sizeof import_props / sizeof import_props[0]; i++) {
		if (import_props[i].kind == top->kind &&
		    strlen(import_props[i].name) == namelen &&
		    strncasecmp(import_props[i].name, text, namelen) == 0) {
			p = &import_props[i];
			break;
		}
	}
	if (p == NULL)
		return (0);

	/*
	 * libical refuses a property without a value, and Google writes
	 * "DESCRIPTION:" and "LOCATION:" for every event that has none:
	 * leave such a property out, as if it were not there.
	 */
	if ((fed = import_rebuild(p->name, rest, line)) == NULL)
		return (0);
	rc = import_feed(r, fed, line, text, cause);
	free(fed);
	return (rc);
}

/*
 * The line handed to libical: the property's name, its parameters with
 * TZID always quoted, an X-KURSUS-LINE parameter last (so TZID never is:
 * libical's own fix-up for an unquoted TZID with a colon misreads the line
 * when another parameter comes first), and the value. Like libical, an
 * unquoted TZID that is the last parameter runs to the last colon:
 * "DTSTART;TZID=GMT+05:30:20120904T020000" (Google did this). NULL if the
 * value is empty. rest is checked by import_syntax(). Caller frees.
 */
static char *
import_rebuild(const char *name, const char *rest, int line)
{
	const char	*p = rest, *q, *v, *last;
	char		*out, *text;
	size_t		 len, n;
	int		 dates;

	/* Only these have a TZID, and values without a colon. */
	dates = strcmp(name, "DTSTART") == 0 || strcmp(name, "DTEND") == 0 ||
	    strcmp(name, "RDATE") == 0 || strcmp(name, "EXDATE") == 0 ||
	    strcmp(name, "RECURRENCE-ID") == 0;
	len = strlen(name) + 2 * strlen(rest) + 64;
	out = xmalloc(len);
	n = snprintf(out, len, "%s", name);
	while (*p == ';') {
		q = p + 1;
		v = strchr(q, '=') + 1;
		if (v - q == 5 && strncasecmp(q, "TZID", 4) == 0 &&
		    *v != '"') {
			for (p = v; *p != '\0' && strchr(";:", *p) == NULL;
			    p++)
				/* nothing */;
			if (dates && *p == ':' && strchr(p, ';') == NULL &&
			    (last = strrchr(p, ':')) != p)
				p = last;
			n += snprintf(out + n, len - n, ";TZID=\"%.*s\"",
			    (int)(p - v), v);
			continue;
		}
		/* Any other parameter as it is. */
		for (p = v;;) {
			if (*p == '"')
				p = strchr(p + 1, '"') + 1;
			else {
				while (*p != '\0' && strchr(";:,", *p) == NULL)
					p++;
			}
			if (*p != ',')
				break;
			p++;
		}
		n += snprintf(out + n, len - n, "%.*s", (int)(p - q + 1),
		    q - 1);
	}
	/* p is at the ':' before the value. */
	text = (char *)p + 1;
	text += strspn(text, " \t");
	if (*text == '\0') {
		free(out);
		return (NULL);
	}
	n += snprintf(out + n, len - n, ";%s=%d:", IMPORT_LINE_NAME, line);
	/*
	 * RFC 5545 escapes only \\, \; \, and \n; libical turns any other
	 * escaped byte into a space, which cuts a UTF-8 character in two
	 * when the byte is the first of one ("\ø"). The backslash goes.
	 */
	for (q = p + 1; *q != '\0' && n + 1 < len; q++) {
		if (*q == '\\' && (u_char)q[1] >= 0x80)
			continue;
		out[n++] = *q;
		if (*q == '\\' && q[1] != '\0')
			out[n++] = *++q;
	}
	out[n] = '\0';
	return (out);
}

/* One unfolded content line, in r->buf, starting on line r->line. */
static int
import_line(struct import_reader *r, char **cause)
{
	const char	*rest, *value, *why;
	char		 q[IMPORT_QUOTE_MAX], *name, *end;
	size_t		 namelen, i;
	int		 line = r->line;

	for (i = 0; i < r->buf.len; i++) {
		if (r->buf.data[i] != ' ' && r->buf.data[i] != '\t')
			break;
	}
	if (i == r->buf.len)
		return (0);
	if (utf8_first_bad((u_char *)r->buf.data, r->buf.len) != r->buf.len)
		return (cause_set(cause, "line %d is not valid UTF-8", line));
	if (import_syntax(r->buf.data, &namelen, &rest, &value, &why) != 0) {
		cause_quote(r->buf.data, q, sizeof q);
		return (cause_set(cause, "line %d: cannot read \"%s\": %s",
		    line, q, why));
	}

	if ((namelen == 5 && strncasecmp(r->buf.data, "BEGIN", 5) == 0) ||
	    (namelen == 3 && strncasecmp(r->buf.data, "END", 3) == 0)) {
		name = xstrdup(value + strspn(value, " \t"));
		end = name + strlen(name);
		while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		for (i = 0; name[i] != '\0'; i++) {
			if (!isalnum((u_char)name[i]) && name[i] != '-' &&
			    name[i] != '_')
				break;
		}
		if (*rest != ':' || i == 0 || name[i] != '\0' || i > 64) {
			free(name);
			cause_quote(r->buf.data, q, sizeof q);
			return (cause_set(cause, "line %d: cannot read \"%s\": "
			    "expected BEGIN or END and a component name such "
			    "as VEVENT", line, q));
		}
		if (namelen == 5) {
			if (import_begin(r, name, line, cause) != 0) {
				free(name);
				return (-1);
			}
		} else if (import_end(r, name, line, cause) != 0) {
			free(name);
			return (-1);
		}
		free(name);
		return (0);
	}
	return (import_property(r, r->buf.data, namelen, rest, line, cause));
}

/*
 * Unfolds the text into content lines: a physical line ends at CRLF, LF
 * or a lone CR, and one that begins with a space or tab continues the line
 * before it (that character removed). Line numbers count physical lines,
 * as an editor shows them.
 */
static int
import_read(struct import_reader *r, const char *text, size_t len, char **cause)
{
	const char	*p = text, *end = text + len, *q;
	size_t		 n;
	int		 line = 0, open = 0;

	/* A byte order mark is no part of the first line. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		q = p;
		while (q < end && *q != '\n' && *q != '\r' && *q != '\0')
			q++;
		line++;
		if (q < end && *q == '\0') {
			return (cause_set(cause, "line %d: the file holds a "
			    "NUL byte, so it is not a calendar file", line));
		}
		n = q - p;
		if (n > 0 && open && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		} else {
			if (open && import_line(r, cause) != 0)
				return (-1);
			buf_reset(&r->buf);
			r->line = line;
			open = (n > 0);
		}
		buf_add(&r->buf, p, n);

		if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n')
			q++;
		p = (q < end) ? q + 1 : q;
	}
	if (open && import_line(r, cause) != 0)
		return (-1);
	if (r->depth > 0) {
		return (cause_set(cause, "line %d: BEGIN:%s has no END:%s (the "
		    "file ends on line %d)", r->stack[r->depth - 1].line,
		    r->stack[r->depth - 1].name, r->stack[r->depth - 1].name,
		    line));
	}
	if (r->nroots == 0) {
		return (cause_set(cause, "line %d: no calendar in the file "
		    "(expected BEGIN:VCALENDAR)", line == 0 ? 1 : line));
	}
	return (0);
}

static void
import_reader_free(struct import_reader *r)
{
	size_t	i;
	int	d;

	for (d = 0; d < r->depth; d++)
		free(r->stack[d].name);
	for (i = 0; i < r->nroots; i++)
		icalcomponent_free(r->roots[i]);
	free(r->roots);
	if (r->parser != NULL)
		icalparser_free(r->parser);
	buf_free(&r->buf);
}

/* The line a component began on (its X-KURSUS-LINE property). */
static int
import_comp_line(icalcomponent *c)
{
	icalproperty	*p;
	const char	*name, *v;

	for (p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c,
	    ICAL_X_PROPERTY)) {
		name = icalproperty_get_x_name(p);
		if (name == NULL || strcmp(name, IMPORT_LINE_NAME) != 0)
			continue;
		if ((v = icalproperty_get_x(p)) != NULL)
			return (atoi(v));
	}
	return (0);
}

/* The line a property is on (its X-KURSUS-LINE parameter). */
static int
import_prop_line(icalproperty *p)
{
	icalparameter	*a;
	const char	*name, *v;

	for (a = icalproperty_get_first_parameter(p, ICAL_X_PARAMETER);
	    a != NULL; a = icalproperty_get_next_parameter(p,
	    ICAL_X_PARAMETER)) {
		name = icalparameter_get_xname(a);
		if (name == NULL || strcmp(name, IMPORT_LINE_NAME) != 0)
			continue;
		if ((v = icalparameter_get_xvalue(a)) != NULL)
			return (atoi(v));
	}
	return (0);
}

/*
 * What libical could not read without saying so through its state (an
 * unknown VALUE or parameter value: it notes the error, then carries on):
 * an X-LIC-ERROR property it added, here or further in. It adds that right
 * after the property it is about, so the line is that property's.
 */
static int
import_errors(icalcomponent *c, char **cause)
{
	icalproperty	*p;
	icalcomponent	*sub;
	const char	*text;
	char		 q[IMPORT_QUOTE_MAX * 2];
	int		 line = import_comp_line(c), n;

	for (p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c,
	    ICAL_ANY_PROPERTY)) {
		if (icalproperty_isa(p) != ICAL_XLICERROR_PROPERTY) {
			if ((n = import_prop_line(p)) != 0)
				line = n;
			continue;
		}
		text = icalproperty_get_xlicerror(p);
		cause_quote(text != NULL ? text : "?", q, sizeof q);
		return (cause_set(cause, "line %d: %s", line, q));
	}
	for (sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    sub != NULL; sub = icalcomponent_get_next_component(c,
	    ICAL_ANY_COMPONENT)) {
		if (import_errors(sub, cause) != 0)
			return (-1);
	}
	return (0);
}

/* The VEVENTs and VTIMEZONEs of every VCALENDAR read. */
static int
import_collect(struct import_state *st, struct import_reader *r, char **cause)
{
	icalcomponent		*c;
	icalproperty		*p;
	struct import_event	*e;
	struct import_tzdef	*z;
	size_t			 i, nev = 0, ntz = 0;
	int			 line;

	for (i = 0; i < r->nroots; i++) {
		if (import_errors(r->roots[i], cause) != 0)
			return (-1);
		for (c = icalcomponent_get_first_component(r->roots[i],
		    ICAL_ANY_COMPONENT); c != NULL;
		    c = icalcomponent_get_next_component(r->roots[i],
		    ICAL_ANY_COMPONENT)) {
			switch (icalcomponent_isa(c)) {
			case ICAL_VEVENT_COMPONENT:
				nev++;
				break;
			case ICAL_VTIMEZONE_COMPONENT:
				ntz++;
				break;
			default:
				break;
			}
		}
	}
	st->events = xcalloc(nev + 1, sizeof *st->events);
	st->tzdefs = xcalloc(ntz + 1, sizeof *st->tzdefs);
	for (i = 0; i < r->nroots; i++) {
		for (c = icalcomponent_get_first_component(r->roots[i],
		    ICAL_ANY_COMPONENT); c != NULL;
		    c = icalcomponent_get_next_component(r->roots[i],
		    ICAL_ANY_COMPONENT)) {
			line = import_comp_line(c);
			if (icalcomponent_isa(c) == ICAL_VTIMEZONE_COMPONENT) {
				p = icalcomponent_get_first_property(c,
				    ICAL_TZID_PROPERTY);
				if (p == NULL || icalproperty_get_tzid(p) ==
				    NULL)
					continue;
				z = &st->tzdefs[st->ntzdefs++];
				z->tzid = icalproperty_get_tzid(p);
				z->comp = c;
				z->line = line;
				continue;
			}
			if (icalcomponent_isa(c) != ICAL_VEVENT_COMPONENT)
				continue;
			e = &st->events[st->nevents++];
			e->comp = c;
			e->line = line;
			e->master = SIZE_MAX;
			e->uid = import_text(c, ICAL_UID_PROPERTY);
			if (e->uid != NULL && *e->uid == '\0')
				e->uid = NULL;
			if (e->uid != NULL && strlen(e->uid) > IMPORT_UID_MAX) {
				e->uid = NULL;
				e->skipped = 1;
				import_skipped(st, e, NULL, 0, "the UID is "
				    "longer than %d bytes", IMPORT_UID_MAX);
			}
			e->has_recid = (icalcomponent_get_first_property(c,
			    ICAL_RECURRENCEID_PROPERTY) != NULL);
		}
	}
	/* The first VTIMEZONE of a TZID counts. */
	if (st->ntzdefs > 1) {
		qsort(st->tzdefs, st->ntzdefs, sizeof *st->tzdefs,
		    import_cmp_tzdef);
	}
	return (0);
}

static int
import_cmp_tzdef(const void *a, const void *b)
{
	const struct import_tzdef	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->tzid, y->tzid)) != 0)
		return (c);
	return (x->line < y->line ? -1 : x->line > y->line);
}

/* Counts work against the event's and the file's allowance. */
static int
import_work(struct import_state *st, unsigned long *event, unsigned long n)
{
	*event += n;
	st->work += n;
	return (*event > IMPORT_WORK_EVENT || st->work > IMPORT_WORK_FILE);
}

/* What is left of both allowances. */
static unsigned long
import_work_left(struct import_state *st, unsigned long event)
{
	unsigned long	a, b;

	a = event < IMPORT_WORK_EVENT ? IMPORT_WORK_EVENT - event : 0;
	b = st->work < IMPORT_WORK_FILE ? IMPORT_WORK_FILE - st->work : 0;
	return (a < b ? a : b);
}

/*
 * A zone libical knows by IANA name. zone_valid() lets only the characters
 * of IANA names through, so a TZID cannot make libical open another path
 * under the zoneinfo directory. The zone belongs to libical.
 */
static icaltimezone *
import_builtin(const char *name)
{
	if (!zone_valid(name))
		return (NULL);
	return (icaltimezone_get_builtin_timezone(name));
}

/*
 * The zone a TZID names: the file's own VTIMEZONE for it, an IANA name
 * (also behind a prefix such as "/freeassociation.sourceforge.net/" or
 * "/mozilla.org/20050126_1/"), or a Windows name. NULL with *why set if
 * none fits.
 */
static icaltimezone *
import_tzid(struct import_state *st, const char *tzid, const char **why)
{
	struct import_zone	*z;
	struct import_tzdef	*def = NULL;
	icaltimezone		*zone = NULL;
	const char		*p;
	char			 q[IMPORT_QUOTE_MAX], *bad = NULL;
	size_t			 i, j, lo, hi, mid, n;

	for (i = 0; i < st->nzones; i++) {
		if (strcmp(st->zones[i].tzid, tzid) == 0) {
			*why = st->zones[i].why;
			return (st->zones[i].zone);
		}
	}
	if (st->nzones == IMPORT_ZONES_MAX) {
		*why = "the file uses too many different time zones";
		return (NULL);
	}
	z = &st->zones[st->nzones++];
	z->tzid = xstrdup(tzid);

	/* The first VTIMEZONE with this TZID. */
	lo = 0;
	hi = st->ntzdefs;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(st->tzdefs[mid].tzid, tzid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->ntzdefs && strcmp(st->tzdefs[lo].tzid, tzid) == 0)
		def = &st->tzdefs[lo];
	if (def != NULL && import_tzcheck(st, def->comp, &bad) == 0) {
		zone = icaltimezone_new();
		if (icaltimezone_set_component(zone,
		    icalcomponent_new_clone(def->comp)))
			z->owned = 1;
		else {
			icaltimezone_free(zone, 1);
			zone = NULL;
		}
	}

	if (zone == NULL && tzid[0] == '/') {
		for (p = tzid; zone == NULL && p != NULL;
		    p = strchr(p + 1, '/'))
			zone = import_builtin(p + 1);
	} else if (zone == NULL)
		zone = import_builtin(tzid);

	n = strlen(tzid);
	while (n > 0 && tzid[n - 1] == ' ')
		n--;
	for (i = 0; zone == NULL &&
	    i < sizeof import_windows / sizeof import_windows[0]; i++) {
		if (strlen(import_windows[i].windows) != n ||
		    strncasecmp(import_windows[i].windows, tzid, n) != 0)
			continue;
		for (j = 0; zone == NULL && j < 2 &&
		    import_windows[i].iana[j] != NULL; j++)
			zone = import_builtin(import_windows[i].iana[j]);
	}

	z->zone = zone;
	if (zone == NULL) {
		cause_quote(tzid, q, sizeof q);
		if (def != NULL) {
			z->why = xprintf("time zone \"%s\": its VTIMEZONE on "
			    "line %d cannot be used: %s", q, def->line,
			    bad != NULL ? bad : "libical refuses it");
		} else {
			z->why = xprintf("unknown time zone \"%s\" (no "
			    "VTIMEZONE for it in the file, and not a zone "
			    "name kursusd knows)", q);
		}
	}
	free(bad);
	*why = z->why;
	return (zone);
}

/*
 * Checks a VTIMEZONE before libical computes its changes: libical steps
 * through each part's RRULE from its DTSTART (Outlook writes 1601) up to
 * the year asked for, so a rule that repeats often or never matches, or an
 * offset that makes no sense, would cost seconds or give nonsense.
 */
static int
import_tzcheck(struct import_state *st, icalcomponent *vtz, char **why)
{
	icalcomponent			*c;
	icalproperty			*p;
	struct icalrecurrencetype	 rule;
	struct icaltimetype		 dt;
	struct icaldatetimeperiodtype	 rd;
	unsigned long			 changes = 0, work = 0, units;
	int				 parts = 0, rdates = 0, off, per, n;

	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(vtz,
	    ICAL_ANY_COMPONENT)) {
		if (++parts > IMPORT_TZ_PARTS_MAX) {
			*why = xprintf("more than %d STANDARD and DAYLIGHT "
			    "parts", IMPORT_TZ_PARTS_MAX);
			return (-1);
		}
		if (import_count(c, ICAL_DTSTART_PROPERTY) != 1 ||
		    import_count(c, ICAL_TZOFFSETTO_PROPERTY) != 1 ||
		    import_count(c, ICAL_TZOFFSETFROM_PROPERTY) > 1 ||
		    import_count(c, ICAL_RRULE_PROPERTY) > 1) {
			*why = xprintf("the part on line %d needs one DTSTART, "
			    "one TZOFFSETTO and at most one TZOFFSETFROM and "
			    "RRULE", import_comp_line(c));
			return (-1);
		}
		dt = icalproperty_get_dtstart(icalcomponent_get_first_property(
		    c, ICAL_DTSTART_PROPERTY));
		if (dt.is_date || !import_fields_ok(&dt, IMPORT_TZ_YEAR_MIN,
		    IMPORT_TZ_YEAR_MAX)) {
			*why = xprintf("the part on line %d has no usable "
			    "DTSTART", import_comp_line(c));
			return (-1);
		}
		for (p = icalcomponent_get_first_property(c,
		    ICAL_ANY_PROPERTY); p != NULL;
		    p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
			switch (icalproperty_isa(p)) {
			case ICAL_TZOFFSETTO_PROPERTY:
			case ICAL_TZOFFSETFROM_PROPERTY:
				off = icalproperty_isa(p) ==
				    ICAL_TZOFFSETTO_PROPERTY ?
				    icalproperty_get_tzoffsetto(p) :
				    icalproperty_get_tzoffsetfrom(p);
				if (off < -IMPORT_OFFSET_MAX ||
				    off > IMPORT_OFFSET_MAX) {
					*why = xprintf("line %d: UTC offset "
					    "out of range",
					    import_prop_line(p));
					return (-1);
				}
				break;
			case ICAL_RDATE_PROPERTY:
				rd = icalproperty_get_rdate(p);
				if (++rdates > IMPORT_TZ_RDATES_MAX ||
				    !icalperiodtype_is_null_period(rd.period) ||
				    !import_fields_ok(&rd.time,
				    IMPORT_TZ_YEAR_MIN, IMPORT_TZ_YEAR_MAX)) {
					*why = xprintf("line %d: RDATE not "
					    "usable here", import_prop_line(p));
					return (-1);
				}
				changes++;
				break;
			case ICAL_RRULE_PROPERTY:
				rule = icalproperty_get_rrule(p);
				n = import_prop_line(p);
				if (rule.freq != ICAL_YEARLY_RECURRENCE ||
				    rule.by_second[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    rule.by_minute[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    rule.by_hour[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    rule.by_year_day[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    rule.by_week_no[0] !=
				    ICAL_RECURRENCE_ARRAY_MAX ||
				    (rule.rscale != NULL && strcasecmp(
				    rule.rscale, "GREGORIAN") != 0)) {
					*why = xprintf("line %d: a time zone "
					    "rule must be yearly, on a day",
					    n);
					return (-1);
				}
				units = 0;
				n = import_rule_reach(&rule, &dt, 1, &units,
				    import_work_left(st, work), &per);
				if (import_work(st, &work, units) || n < 0) {
					*why = xstrdup("its rules need too "
					    "much work");
					return (-1);
				}
				if (!n) {
					*why = xprintf("line %d: the rule "
					    "never matches",
					    import_prop_line(p));
					return (-1);
				}
				changes += (unsigned long)per *
				    (IMPORT_TZ_YEAR_MAX + 1 - dt.year);
				break;
			default:
				break;
			}
			if (st->tz_changes + changes > IMPORT_TZ_CHANGES_MAX) {
				*why = xstrdup("its rules change the offset "
				    "too often");
				return (-1);
			}
		}
	}
	if (parts == 0) {
		*why = xstrdup("it has no STANDARD or DAYLIGHT part");
		return (-1);
	}
	/*
	 * libical finds each change with its recurrence iterator, here built
	 * with ICU: a yearly step costs about four units.
	 */
	if (import_work(st, &work, changes * IMPORT_WORK_TZ_CHANGE)) {
		*why = xstrdup("its rules need too much work");
		return (-1);
	}
	st->tz_changes += changes;
	return (0);
}

/* Whether the fields are a real date (and time) within the years given. */
static int
import_fields_ok(const struct icaltimetype *tt, int ymin, int ymax)
{
	if (tt->year < ymin || tt->year > ymax || tt->month < 1 ||
	    tt->month > 12 || tt->day < 1 ||
	    tt->day > import_mdays(tt->year, tt->month))
		return (0);
	if (tt->is_date)
		return (1);
	return (tt->hour >= 0 && tt->hour <= 23 && tt->minute >= 0 &&
	    tt->minute <= 59 && tt->second >= 0 && tt->second <= 59);
}

static int
import_mdays(int y, int m)
{
	static const int	 days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return (29);
	return (days[m - 1]);
}

/* Days from 1970-01-01 to a proleptic Gregorian date. */
static time_t
import_days(int y, int m, int d)
{
	time_t	era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* The wall-clock fields read as if they were UTC. */
static time_t
import_naive(const struct icaltimetype *tt)
{
	return (import_days(tt->year, tt->month, tt->day) * 86400 +
	    tt->hour * 3600 + tt->minute * 60 + tt->second);
}

static struct icaltimetype
import_to_local(icaltimezone *zone, time_t t)
{
	return (icaltime_from_timet_with_zone(t, 0, zone));
}

/* Seconds east of UTC in force at t. */
static time_t
import_offset(icaltimezone *zone, time_t t)
{
	struct icaltimetype	tt = import_to_local(zone, t);

	return (import_naive(&tt) - t);
}

/*
 * Wall-clock time in zone to UTC, as RFC 5545 reads it: the repeated
 * autumn hour means its first occurrence, and a time in the spring gap is
 * read with the offset from before the gap (02:30 becomes 03:30 summer
 * time). libical's own conversion does neither, so try the offsets in
 * force a day before, at and a day after the time, as zone.c does.
 */
static time_t
import_to_utc(icaltimezone *zone, const struct icaltimetype *tt)
{
	time_t	naive = import_naive(tt), off[3], t, best = 0;
	int	i, found = 0;

	if (zone == icaltimezone_get_utc_timezone())
		return (naive);
	off[0] = import_offset(zone, naive - 86400);
	off[1] = import_offset(zone, naive);
	off[2] = import_offset(zone, naive + 86400);
	for (i = 0; i < 3; i++) {
		t = naive - off[i];
		if (import_offset(zone, t) != off[i])
			continue;
		if (!found || t < best)
			best = t;
		found = 1;
	}
	if (!found)
		best = naive - off[0];
	return (best);
}

/* "20261201T090000Z" */
static void
import_basic(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	snprintf(buf, len, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "2026-12-01 10:00 (09:00 UTC)" for messages; caller frees. */
static char *
import_when(icaltimezone *zone, time_t t)
{
	struct icaltimetype	tt = import_to_local(zone, t);
	struct tm		tm;

	if (zone == icaltimezone_get_utc_timezone() ||
	    gmtime_r(&t, &tm) == NULL) {
		return (xprintf("%04d-%02d-%02d %02d:%02d UTC", tt.year,
		    tt.month, tt.day, tt.hour, tt.minute));
	}
	return (xprintf("%04d-%02d-%02d %02d:%02d (%02d:%02d UTC)", tt.year,
	    tt.month, tt.day, tt.hour, tt.minute, tm.tm_hour, tm.tm_min));
}

/*
 * Reads a DATE or DATE-TIME value of p with its zone: its TZID, UTC, or
 * floating (then in the zone given). Fails with *why set (caller frees).
 */
static int
import_prop_time(struct import_state *st, icalproperty *p,
    struct icaltimetype tt, icaltimezone *floating, struct import_time *out,
    char **why)
{
	icalparameter	*a;
	const char	*tzid, *bad;
	int		 line = import_prop_line(p);

	memset(out, 0, sizeof *out);
	out->tt = tt;
	out->line = line;
	if (!import_fields_ok(&tt, IMPORT_YEAR_MIN, IMPORT_YEAR_MAX)) {
		*why = xprintf("%s is not a date between %d and %d",
		    icalproperty_get_property_name(p), IMPORT_YEAR_MIN,
		    IMPORT_YEAR_MAX);
		return (-1);
	}
	if (tt.is_date)
		return (0);
	if (icaltime_is_utc(tt)) {
		out->zone = icaltimezone_get_utc_timezone();
		return (0);
	}
	a = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	if (a != NULL && (tzid = icalparameter_get_tzid(a)) != NULL) {
		if ((out->zone = import_tzid(st, tzid, &bad)) == NULL) {
			*why = xstrdup(bad);
			return (-1);
		}
		return (0);
	}
	out->zone = floating;
	return (0);
}

static int
import_count(icalcomponent *c, icalproperty_kind kind)
{
	icalproperty	*p;
	int		 n = 0;

	for (p = icalcomponent_get_first_property(c, kind); p != NULL;
	    p = icalcomponent_get_next_property(c, kind))
		n++;
	return (n);
}

/* The text of the first property of this kind, or NULL. */
static const char *
import_text(icalcomponent *c, icalproperty_kind kind)
{
	icalproperty	*p;
	icalvalue	*v;

	if ((p = icalcomponent_get_first_property(c, kind)) == NULL)
		return (NULL);
	if ((v = icalproperty_get_value(p)) == NULL)
		return (NULL);
	return (icalvalue_get_text(v));
}

/*
 * Whether a MONTHLY or YEARLY rule from dtstart ever gives an occurrence,
 * found without libical: for a rule that never matches (February 30th,
 * the 7th Monday of a month), libical's iterator searches on for
 * thousands of years. The calendar repeats every 400 years, so one cycle
 * of the months or years the rule visits decides it. Sets *per to the
 * most occurrences one period gives (one cycle is tried when all is set;
 * otherwise it stops at the first period with any). BYHOUR and the like
 * are not counted, BYYEARDAY and BYWEEKNO must not be there. Each month
 * tried is a unit of work; past limit units, gives up with -1.
 */
static int
import_rule_reach(const struct icalrecurrencetype *r,
    const struct icaltimetype *dt, int all, unsigned long *work,
    unsigned long limit, int *per)
{
	uint64_t	pos[7], neg[7];
	int		plain[7], months[13], mpos[32], mneg[32];
	int		has_month = 0, has_md = 0, has_bd = 0, found = 0;
	int		interval, cycle, a, b, k, y, m, d, first, last, dim;
	int		n, w, doy, diy, v, c;
	long		idx;
	size_t		i;

	memset(pos, 0, sizeof pos);
	memset(neg, 0, sizeof neg);
	memset(plain, 0, sizeof plain);
	memset(months, 0, sizeof months);
	memset(mpos, 0, sizeof mpos);
	memset(mneg, 0, sizeof mneg);
	*per = 0;

	for (i = 0; i < ICAL_BY_MONTH_SIZE &&
	    r->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		has_month = 1;
		v = icalrecurrencetype_month_month(r->by_month[i]);
		if (!icalrecurrencetype_month_is_leap(r->by_month[i]) &&
		    v >= 1 && v <= 12)
			months[v] = 1;
	}
	for (i = 0; i < ICAL_BY_MONTHDAY_SIZE &&
	    r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		has_md = 1;
		v = r->by_month_day[i];
		if (v >= 1 && v <= 31)
			mpos[v] = 1;
		else if (v <= -1 && v >= -31)
			mneg[-v] = 1;
	}
	for (i = 0; i < ICAL_BY_DAY_SIZE &&
	    r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		has_bd = 1;
		w = (int)icalrecurrencetype_day_day_of_week(r->by_day[i]) - 1;
		v = icalrecurrencetype_day_position(r->by_day[i]);
		if (w < 0 || w > 6)
			continue;
		if (v == 0)
			plain[w] = 1;
		else if (v >= 1 && v <= 53)
			pos[w] |= (uint64_t)1 << v;
		else if (v <= -1 && v >= -53)
			neg[w] |= (uint64_t)1 << -v;
	}

	interval = r->interval < 1 ? 1 : r->interval;
	a = r->freq == ICAL_MONTHLY_RECURRENCE ? 4800 : 400;
	b = interval;
	while (b != 0) {
		c = a % b;
		a = b;
		b = c;
	}
	cycle = (r->freq == ICAL_MONTHLY_RECURRENCE ? 4800 : 400) / a;

	for (k = 0; k < cycle; k++) {
		*work += r->freq == ICAL_MONTHLY_RECURRENCE ? 1 : 12;
		if (*work > limit)
			return (-1);
		if (r->freq == ICAL_MONTHLY_RECURRENCE) {
			idx = (long)dt->year * 12 + (dt->month - 1) +
			    (long)k * interval;
			y = (int)(idx / 12);
			first = last = (int)(idx % 12) + 1;
		} else {
			y = dt->year + (int)((long)k * interval % 400);
			first = 1;
			last = 12;
		}
		/* Only the place in the 400-year cycle matters. */
		y = 2000 + ((y - 2000) % 400 + 400) % 400;
		diy = import_mdays(y, 2) == 29 ? 366 : 365;
		n = 0;
		doy = 0;
		for (m = 1; m < first; m++)
			doy += import_mdays(y, m);
		for (m = first; m <= last; m++) {
			dim = import_mdays(y, m);
			if (has_month && !months[m]) {
				doy += dim;
				continue;
			}
			if (r->freq == ICAL_YEARLY_RECURRENCE && !has_month &&
			    !has_md && !has_bd) {
				/* Once a year, on DTSTART's month and day. */
				if (m == dt->month && dt->day <= dim)
					n++;
				doy += dim;
				continue;
			}
			w = (int)((import_days(y, m, 1) % 7 + 11) % 7);
			for (d = 1; d <= dim; d++, w = (w + 1) % 7) {
				doy++;
				if (has_md && !mpos[d] && !mneg[dim + 1 - d])
					continue;
				if (!has_md && !has_bd && d != dt->day)
					continue;
				if (!has_bd || plain[w]) {
					n++;
					continue;
				}
				/* Ordinals count in the month, or the year. */
				if (r->freq == ICAL_MONTHLY_RECURRENCE ||
				    has_month) {
					v = (d - 1) / 7 + 1;
					c = (dim - d) / 7 + 1;
				} else {
					v = (doy - 1) / 7 + 1;
					c = (diy - doy) / 7 + 1;
				}
				if ((pos[w] >> v & 1) || (neg[w] >> c & 1))
					n++;
			}
		}
		if (r->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX) {
			c = 0;
			for (i = 0; i < ICAL_BY_SETPOS_SIZE &&
			    r->by_set_pos[i] != ICAL_RECURRENCE_ARRAY_MAX;
			    i++) {
				v = r->by_set_pos[i];
				if ((v > 0 && v <= n) || (v < 0 && -v <= n))
					c++;
			}
			n = c < n ? c : n;
		}
		if (n > *per)
			*per = n;
		if (n > 0) {
			found = 1;
			if (!all)
				break;
		}
	}
	return (found);
}

/*
 * Whether an event's RRULE can be expanded here. Sessions repeat at most
 * daily: finer rules are no use, and libical can spin for a very long time
 * on one that never matches (recur.c).
 */
static int
import_rule_check(struct import_state *st, unsigned long *work,
    const struct icalrecurrencetype *r, const struct icaltimetype *dt,
    char **why)
{
	unsigned long	units = 0;
	size_t		n;
	int		per, reach;

	if (r->freq == ICAL_NO_RECURRENCE) {
		*why = xstrdup("the rule has no FREQ");
		return (-1);
	}
	if (r->freq < ICAL_DAILY_RECURRENCE) {
		*why = xprintf("sessions repeat at most daily, not %s",
		    icalrecur_freq_to_string(r->freq));
		return (-1);
	}
	if (r->rscale != NULL && strcasecmp(r->rscale, "GREGORIAN") != 0) {
		*why = xstrdup("only the Gregorian calendar is supported");
		return (-1);
	}
	for (n = 0; n < ICAL_BY_HOUR_SIZE &&
	    r->by_hour[n] != ICAL_RECURRENCE_ARRAY_MAX; n++)
		/* nothing */;
	if (n > 1 || (r->by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX &&
	    r->by_minute[1] != ICAL_RECURRENCE_ARRAY_MAX) ||
	    (r->by_second[0] != ICAL_RECURRENCE_ARRAY_MAX &&
	    r->by_second[1] != ICAL_RECURRENCE_ARRAY_MAX)) {
		*why = xstrdup("the rule repeats more than once a day");
		return (-1);
	}
	if (r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX) {
		*why = xstrdup("BYYEARDAY and BYWEEKNO are not supported");
		return (-1);
	}
	if (r->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX &&
	    r->freq != ICAL_MONTHLY_RECURRENCE &&
	    r->freq != ICAL_YEARLY_RECURRENCE) {
		*why = xstrdup("BYSETPOS is supported in MONTHLY and YEARLY "
		    "rules only");
		return (-1);
	}
	if (r->freq == ICAL_MONTHLY_RECURRENCE ||
	    r->freq == ICAL_YEARLY_RECURRENCE) {
		reach = import_rule_reach(r, dt, 0, &units,
		    import_work_left(st, *work), &per);
		if (import_work(st, work, units) || reach < 0) {
			*why = xstrdup("the rule needs too much work to "
			    "expand");
			return (-1);
		}
		if (!reach) {
			*why = xstrdup("the rule never matches a day");
			return (-1);
		}
	}
	return (0);
}

static void
import_add(struct import_instance **list, size_t *n, size_t *size, time_t recid,
    time_t start, time_t end, int line)
{
	if (*n == *size) {
		*size = *size == 0 ? 16 : *size * 2;
		*list = xreallocarray(*list, *size, sizeof **list);
	}
	(*list)[*n].recid = recid;
	(*list)[*n].start = start;
	(*list)[*n].end = end;
	(*list)[*n].line = line;
	(*n)++;
}

/* The end of an occurrence of e that starts at t. */
static time_t
import_end_of(const struct import_event *e, time_t t)
{
	struct icaltimetype	tt;

	if (!e->length.nominal)
		return (t + e->length.seconds);
	tt = import_to_local(e->zone, t);
	icaltime_adjust(&tt, e->length.days, 0, 0, 0);
	return (import_to_utc(e->zone, &tt) + e->length.seconds);
}

/* Whether an EXDATE of master e removes the occurrence at t. */
static int
import_excluded(const struct import_event *e, time_t t)
{
	struct icaltimetype	tt;
	struct import_exdate	key;

	key.is_date = 0;
	key.t = t;
	if (e->nexdates > 0 && bsearch(&key, e->exdates, e->nexdates,
	    sizeof *e->exdates, import_cmp_time) != NULL)
		return (1);
	/* Dates sort after instants. */
	if (e->nexdates == 0 || !e->exdates[e->nexdates - 1].is_date)
		return (0);
	tt = import_to_local(e->zone, t);
	key.is_date = 1;
	key.t = tt.year * 10000 + tt.month * 100 + tt.day;
	return (bsearch(&key, e->exdates, e->nexdates, sizeof *e->exdates,
	    import_cmp_time) != NULL);
}

static int
import_cmp_time(const void *a, const void *b)
{
	const struct import_exdate	*x = a, *y = b;

	if (x->is_date != y->is_date)
		return (x->is_date < y->is_date ? -1 : 1);
	return (x->t < y->t ? -1 : x->t > y->t);
}

/*
 * Expands one RRULE of e into the occurrences that start in the window,
 * iterating in floating wall-clock time and turning each time into an
 * instant in e's zone: so 10:00 stays 10:00 across DST, and libical's
 * habit of keeping a gap-shifted time for every later occurrence (recur.c)
 * does not apply.
 */
static int
import_rrule(struct import_state *st, struct import_event *e, icalproperty *p,
    unsigned long *work, struct import_instance **list, size_t *n,
    size_t *size, char **why)
{
	struct icalrecurrencetype	 rule;
	struct icaltimetype		 dtstart, until, tt, horizon, from;
	icalrecur_iterator		*it;
	time_t				 until_t = 0, naive, t, end;
	enum import_until		 until_kind = IMPORT_UNTIL_NONE;

	rule = icalproperty_get_rrule(p);
	dtstart = e->start.tt;
	dtstart.zone = NULL;
	dtstart.is_date = 0;
	if (import_rule_check(st, work, &rule, &dtstart, why) != 0)
		return (-1);

	/*
	 * UNTIL is applied here, as in recur.c: a date UNTIL includes that
	 * day, a UTC one is compared with each instant, a floating one with
	 * the wall-clock time.
	 */
	until = rule.until;
	if (!icaltime_is_null_time(until)) {
		if (icaltime_is_utc(until) && !until.is_date) {
			until_kind = IMPORT_UNTIL_UTC;
			until_t = import_naive(&until);
		} else {
			until_kind = IMPORT_UNTIL_LOCAL;
			if (until.is_date) {
				until.is_date = 0;
				until.hour = 23;
				until.minute = 59;
				until.second = 59;
			}
			until.zone = NULL;
		}
	}
	/*
	 * libical stops at UNTIL, here the end of the window and a day, so
	 * a rule that never ends, or never matches again, costs no more than
	 * the window.
	 */
	end = st->until;
	if (end > import_days(IMPORT_YEAR_MAX, 12, 31) * 86400)
		end = import_days(IMPORT_YEAR_MAX, 12, 31) * 86400;
	horizon = import_to_local(e->zone, end + 86400);
	horizon.zone = NULL;
	rule.until = horizon;

	icalerror_clear_errno();
	if ((it = icalrecur_iterator_new(rule, dtstart)) == NULL) {
		icalerror_clear_errno();
		*why = xstrdup("the rule is not valid (do its BY parts fit "
		    "its FREQ?)");
		return (-1);
	}
	/*
	 * A rule without COUNT can start at the window instead of at
	 * DTSTART, possibly years before.
	 */
	if (rule.count == 0 && st->from > e->start_t + 2 * 86400) {
		from = import_to_local(e->zone, st->from - 86400);
		from.zone = NULL;
		from.is_date = 0;
		if (!icalrecur_iterator_set_start(it, from)) {
			icalrecur_iterator_free(it);
			icalerror_clear_errno();
			*why = xstrdup("libical cannot start the rule at the "
			    "import window");
			return (-1);
		}
	}
	for (;;) {
		if (import_work(st, work, 1)) {
			icalrecur_iterator_free(it);
			*why = xstrdup("the rule needs too much work to "
			    "expand");
			return (-1);
		}
		tt = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(tt))
			break;
		if (until_kind == IMPORT_UNTIL_LOCAL && icaltime_compare(tt,
		    until) > 0)
			break;
		if (!import_fields_ok(&tt, IMPORT_YEAR_MIN, IMPORT_YEAR_MAX))
			break;
		naive = import_naive(&tt);
		if (until_kind == IMPORT_UNTIL_UTC &&
		    naive - IMPORT_OFFSET_MAX > until_t)
			break;
		if (naive + IMPORT_OFFSET_MAX < st->from)
			continue;
		if (naive - IMPORT_OFFSET_MAX >= st->until)
			break;
		t = import_to_utc(e->zone, &tt);
		if (until_kind == IMPORT_UNTIL_UTC && t > until_t)
			break;
		if (t < st->from || t >= st->until)
			continue;
		import_add(list, n, size, t, t, import_end_of(e, t), e->line);
	}
	icalrecur_iterator_free(it);
	icalerror_clear_errno();
	return (0);
}

/*
 * The occurrences of master e in the window: DTSTART, its RRULEs and
 * RDATEs, sorted and without repeats (EXDATE and overrides are applied by
 * the caller). Skips e and returns -1 when it cannot be expanded.
 */
static int
import_expand(struct import_state *st, struct import_event *e,
    unsigned long *work, struct import_instance **list, size_t *n, size_t *size)
{
	icalproperty			*p;
	struct icaldatetimeperiodtype	 rd;
	struct import_time		 it, et;
	struct icaltimetype		 tt;
	struct icaldurationtype		 dur;
	time_t				 t, end;
	char				*why = NULL;
	size_t				 i, j;

	*n = 0;
	if (e->start_t >= st->from && e->start_t < st->until) {
		import_add(list, n, size, e->start_t, e->start_t,
		    import_end_of(e, e->start_t), e->line);
	}
	for (p = icalcomponent_get_first_property(e->comp,
	    ICAL_RRULE_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(e->comp,
	    ICAL_RRULE_PROPERTY)) {
		if (import_rrule(st, e, p, work, list, n, size, &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(p), "%s",
			    why);
			free(why);
			return (-1);
		}
	}
	for (p = icalcomponent_get_first_property(e->comp,
	    ICAL_RDATE_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(e->comp,
	    ICAL_RDATE_PROPERTY)) {
		rd = icalproperty_get_rdate(p);
		tt = icalperiodtype_is_null_period(rd.period) ? rd.time :
		    rd.period.start;
		if (tt.is_date) {
			/* A date means DTSTART's time on that day. */
			tt.is_date = 0;
			tt.hour = e->start.tt.hour;
			tt.minute = e->start.tt.minute;
			tt.second = e->start.tt.second;
			tt.zone = NULL;
		}
		if (import_prop_time(st, p, tt, e->zone, &it, &why) != 0) {
			/* A date out of range cannot be in the window. */
			if (import_fields_ok(&tt, IMPORT_YEAR_MIN,
			    IMPORT_YEAR_MAX)) {
				import_skipped(st, e, NULL, import_prop_line(p),
				    "%s", why);
				free(why);
				return (-1);
			}
			free(why);
			why = NULL;
			continue;
		}
		if (it.zone == NULL)
			it.zone = e->zone;
		t = import_to_utc(it.zone, &it.tt);
		if (t < st->from || t >= st->until)
			continue;
		end = import_end_of(e, t);
		if (!icalperiodtype_is_null_period(rd.period)) {
			if (!icaltime_is_null_time(rd.period.end)) {
				if (import_prop_time(st, p, rd.period.end,
				    it.zone, &et, &why) != 0) {
					import_skipped(st, e, NULL, it.line,
					    "%s", why);
					free(why);
					return (-1);
				}
				end = import_to_utc(et.zone != NULL ? et.zone :
				    it.zone, &et.tt);
			} else {
				dur = rd.period.duration;
				end = t + (time_t)icaldurationtype_as_int(dur);
			}
			if (end <= t) {
				import_skipped(st, e, NULL, it.line, "the "
				    "RDATE period does not end after it "
				    "starts");
				return (-1);
			}
		}
		import_add(list, n, size, t, t, end, it.line);
	}
	if (*n > 1)
		qsort(*list, *n, sizeof **list, import_cmp_instance);
	for (i = j = 0; i < *n; i++) {
		if (j > 0 && (*list)[j - 1].recid == (*list)[i].recid)
			continue;
		(*list)[j++] = (*list)[i];
	}
	*n = j;
	return (0);
}

static int
import_cmp_instance(const void *a, const void *b)
{
	const struct import_instance	*x = a, *y = b;

	if (x->recid != y->recid)
		return (x->recid < y->recid ? -1 : 1);
	return (x->line < y->line ? -1 : x->line > y->line);
}

/* An event's UID, or the one made for it. */
static const char *
import_key_of(const struct import_event *e)
{
	return (e->uid != NULL ? e->uid : e->made_uid);
}

/*
 * A UID for an event without one: "nouid-" and FNV-1a (64 bit) of its
 * SUMMARY, DTSTART in UTC and LOCATION, each followed by a 0x1f byte.
 */
static char *
import_made_uid(struct import_event *e)
{
	const char	*parts[3];
	char		 when[IMPORT_RID_LEN];
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;
	const u_char	*s;

	import_basic(e->start_t, when, sizeof when);
	parts[0] = import_text(e->comp, ICAL_SUMMARY_PROPERTY);
	parts[1] = when;
	parts[2] = import_text(e->comp, ICAL_LOCATION_PROPERTY);
	for (i = 0; i < 3; i++) {
		for (s = (const u_char *)(parts[i] != NULL ? parts[i] : "");
		    *s != '\0'; s++) {
			h ^= *s;
			h *= 0x100000001b3ULL;
		}
		h ^= 0x1f;
		h *= 0x100000001b3ULL;
	}
	return (xprintf("nouid-%016llx", (unsigned long long)h));
}

static void
import_skipped(struct import_state *st, const struct import_event *e,
    const char *key, int line, const char *fmt, ...)
{
	struct import_skip	*s;
	va_list			 ap;
	char			*text, rid[IMPORT_RID_LEN];

	if (st->nskips == st->skipsize) {
		st->skipsize = st->skipsize == 0 ? 16 : st->skipsize * 2;
		st->skips = xreallocarray(st->skips, st->skipsize,
		    sizeof *st->skips);
	}
	if (line == 0)
		line = e->line;
	s = &st->skips[st->nskips];
	s->order = st->nskips++;
	s->line = line;
	if (key != NULL)
		s->key = xstrdup(key);
	else if (e->uid != NULL && e->recid_ok) {
		import_basic(e->recid, rid, sizeof rid);
		s->key = xprintf("%s/%s", e->uid, rid);
	} else if (e->uid != NULL)
		s->key = xstrdup(e->uid);
	else
		s->key = xprintf("line %d", e->line);
	va_start(ap, fmt);
	xvasprintf(&text, fmt, ap);
	va_end(ap);
	s->reason = xprintf("line %d: %s", line, text);
	free(text);
}

/*
 * Adds an occurrence to the result, its text from e or, where e has none,
 * from master. Takes key. Fails once there would be more than max.
 */
static int
import_emit(struct import_state *st, struct import_event *e,
    struct import_event *master, char *key, time_t start, time_t end,
    int cancelled)
{
	struct cal_import_event	*o;
	const char		*s;
	char			*a, *b;
	icalproperty_kind	 kinds[3] = { ICAL_SUMMARY_PROPERTY,
	    ICAL_DESCRIPTION_PROPERTY, ICAL_LOCATION_PROPERTY };
	char			**fields[3];
	int			 i;

	if (st->nout == st->max) {
		a = import_when(icaltimezone_get_utc_timezone(), st->from);
		b = import_when(icaltimezone_get_utc_timezone(), st->until);
		cause_set(&st->cause, "line %d: the file gives more than the "
		    "%zu sessions taken in one import between %s and %s; "
		    "choose a shorter period (from, to)", e->line, st->max, a,
		    b);
		free(a);
		free(b);
		free(key);
		return (-1);
	}
	if (st->nout == st->outsize) {
		st->outsize = st->outsize == 0 ? 16 : st->outsize * 2;
		st->out = xreallocarray(st->out, st->outsize,
		    sizeof *st->out);
	}
	o = &st->out[st->nout++];
	memset(o, 0, sizeof *o);
	o->key = key;
	o->uid = xstrdup(import_key_of(master != NULL ? master : e));
	o->start = start;
	o->end = end;
	o->cancelled = cancelled;
	fields[0] = &o->summary;
	fields[1] = &o->description;
	fields[2] = &o->location;
	for (i = 0; i < 3; i++) {
		s = import_text(e->comp, kinds[i]);
		if (s == NULL && master != NULL)
			s = import_text(master->comp, kinds[i]);
		if (s != NULL)
			*fields[i] = xstrdup(s);
	}
	return (0);
}

static int
import_cancelled(icalcomponent *c, int dflt)
{
	icalproperty	*p;

	if ((p = icalcomponent_get_first_property(c,
	    ICAL_STATUS_PROPERTY)) == NULL)
		return (dflt);
	return (icalproperty_get_status(p) == ICAL_STATUS_CANCELLED);
}

/*
 * Reads a master (an event without RECURRENCE-ID) and emits its
 * occurrences in the window, or skips it with the reason.
 */
static int
import_master(struct import_state *st, size_t idx)
{
	struct import_event	*e = &st->events[idx], *o;
	icalproperty		*p, *pe, *pd;
	struct import_time	 end;
	struct import_instance	*list = NULL;
	struct icaldurationtype	 dur;
	struct icaltimetype	 tt;
	unsigned long		 work = 0;
	size_t			 n = 0, size = 0, i, k, ne;
	time_t			 end_t;
	char			*why = NULL, *a, *b, rid[IMPORT_RID_LEN];
	int			 cancelled, rc = 0;

	if (import_count(e->comp, ICAL_DTSTART_PROPERTY) != 1) {
		import_skipped(st, e, NULL, 0, "the event needs exactly one "
		    "DTSTART");
		return (0);
	}
	if (import_count(e->comp, ICAL_DTEND_PROPERTY) > 1 ||
	    import_count(e->comp, ICAL_DURATION_PROPERTY) > 1) {
		import_skipped(st, e, NULL, 0, "the event has more than one "
		    "DTEND or DURATION");
		return (0);
	}
	if (icalcomponent_get_first_property(e->comp,
	    ICAL_EXRULE_PROPERTY) != NULL) {
		import_skipped(st, e, NULL, 0, "EXRULE is not supported (RFC "
		    "5545 dropped it); list the dates with EXDATE");
		return (0);
	}
	p = icalcomponent_get_first_property(e->comp, ICAL_DTSTART_PROPERTY);
	tt = icalproperty_get_dtstart(p);
	if (tt.is_date) {
		import_skipped(st, e, NULL, import_prop_line(p), "all-day "
		    "event; a session needs a start and an end time");
		return (0);
	}
	if (import_prop_time(st, p, tt, st->floating, &e->start, &why) != 0) {
		import_skipped(st, e, NULL, import_prop_line(p), "%s", why);
		free(why);
		return (0);
	}
	e->zone = e->start.zone;
	e->start_t = import_to_utc(e->zone, &e->start.tt);

	pe = icalcomponent_get_first_property(e->comp, ICAL_DTEND_PROPERTY);
	pd = icalcomponent_get_first_property(e->comp,
	    ICAL_DURATION_PROPERTY);
	if (pe != NULL) {
		tt = icalproperty_get_dtend(pe);
		if (tt.is_date) {
			import_skipped(st, e, NULL, import_prop_line(pe),
			    "DTEND is a date, but DTSTART has a time");
			return (0);
		}
		if (import_prop_time(st, pe, tt, e->zone, &end, &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(pe), "%s",
			    why);
			free(why);
			return (0);
		}
		end_t = import_to_utc(end.zone, &end.tt);
		if (end_t <= e->start_t) {
			a = import_when(e->zone, e->start_t);
			b = import_when(end.zone, end_t);
			import_skipped(st, e, NULL, import_prop_line(pe),
			    "DTEND %s is not after DTSTART %s", b, a);
			free(a);
			free(b);
			return (0);
		}
		e->length.seconds = end_t - e->start_t;
	} else if (pd != NULL) {
		dur = icalproperty_get_duration(pd);
		if (dur.is_neg || icaldurationtype_as_int(dur) <= 0 ||
		    dur.weeks > 52 || dur.days > 366) {
			import_skipped(st, e, NULL, import_prop_line(pd),
			    "DURATION must be positive and at most a year");
			return (0);
		}
		e->length.nominal = 1;
		e->length.days = (int)(dur.weeks * 7 + dur.days);
		e->length.seconds = (time_t)dur.hours * 3600 +
		    (time_t)dur.minutes * 60 + dur.seconds;
	} else {
		import_skipped(st, e, NULL, 0, "the event has neither DTEND "
		    "nor DURATION, so its sessions would have no end");
		return (0);
	}
	if (e->uid == NULL)
		e->made_uid = import_made_uid(e);

	/* EXDATEs: instants, or local dates for VALUE=DATE. */
	ne = import_count(e->comp, ICAL_EXDATE_PROPERTY);
	e->exdates = xcalloc(ne + 1, sizeof *e->exdates);
	for (p = icalcomponent_get_first_property(e->comp,
	    ICAL_EXDATE_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(e->comp,
	    ICAL_EXDATE_PROPERTY)) {
		struct import_time	 x;
		struct import_exdate	*d = &e->exdates[e->nexdates];

		tt = icalproperty_get_exdate(p);
		if (import_prop_time(st, p, tt, e->zone, &x, &why) != 0) {
			free(why);
			why = NULL;
			if (!import_fields_ok(&tt, IMPORT_YEAR_MIN,
			    IMPORT_YEAR_MAX))
				continue;	/* cannot match anything */
			import_skipped(st, e, NULL, import_prop_line(p),
			    "EXDATE: unknown time zone, so the dates it "
			    "removes are unknown");
			return (0);
		}
		if (tt.is_date) {
			d->is_date = 1;
			d->t = tt.year * 10000 + tt.month * 100 + tt.day;
		} else
			d->t = import_to_utc(x.zone, &x.tt);
		e->nexdates++;
	}
	if (e->nexdates > 1) {
		qsort(e->exdates, e->nexdates, sizeof *e->exdates,
		    import_cmp_time);
	}

	e->recurring = icalcomponent_get_first_property(e->comp,
	    ICAL_RRULE_PROPERTY) != NULL || icalcomponent_get_first_property(
	    e->comp, ICAL_RDATE_PROPERTY) != NULL;
	if (import_expand(st, e, &work, &list, &n, &size) != 0) {
		free(list);
		return (0);
	}
	e->expanded = 1;

	cancelled = import_cancelled(e->comp, 0);
	for (i = 0; i < n && rc == 0; i++) {
		if (import_excluded(e, list[i].recid))
			continue;
		/* An override replaces the generated occurrence. */
		k = import_find_override(st, import_key_of(e), list[i].recid);
		if (k != SIZE_MAX) {
			o = &st->events[k];
			if (!o->skipped && o->master == idx)
				continue;
		}
		if (e->recurring) {
			import_basic(list[i].recid, rid, sizeof rid);
			rc = import_emit(st, e, NULL, xprintf("%s/%s",
			    import_key_of(e), rid), list[i].start, list[i].end,
			    cancelled);
		} else {
			rc = import_emit(st, e, NULL, xstrdup(import_key_of(e)),
			    list[i].start, list[i].end, cancelled);
		}
	}
	free(list);
	return (rc);
}

/*
 * The override (same UID, a RECURRENCE-ID) at recid, or SIZE_MAX. Of
 * several, the first in the file; the others are skipped.
 */
static size_t
import_find_override(struct import_state *st, const char *uid, time_t recid)
{
	struct import_ref	 key;
	size_t			 lo = 0, hi = st->noverrides, mid;

	key.uid = uid;
	key.recid = recid;
	key.line = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (import_cmp_ref(&st->overrides[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == st->noverrides ||
	    strcmp(st->overrides[lo].uid, uid) != 0 ||
	    st->overrides[lo].recid != recid)
		return (SIZE_MAX);
	return (st->overrides[lo].idx);
}

/* By UID, then RECURRENCE-ID, then line. */
static int
import_cmp_ref(const void *a, const void *b)
{
	const struct import_ref	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->uid, y->uid)) != 0)
		return (c);
	if (x->recid != y->recid)
		return (x->recid < y->recid ? -1 : 1);
	return (x->line < y->line ? -1 : x->line > y->line);
}

/* Emits an override (an event with RECURRENCE-ID), or skips it. */
static int
import_override(struct import_state *st, size_t idx)
{
	struct import_event	*e = &st->events[idx], *m = NULL;
	icalproperty		*p, *pe, *pd;
	struct import_time	 start, end;
	struct icaltimetype	 tt;
	struct icaldurationtype	 dur;
	icaltimezone		*zone;
	time_t			 s, t;
	char			*why = NULL, rid[IMPORT_RID_LEN], *key;
	int			 length_known = 0;

	if (e->skipped)
		return (0);
	if (e->master != SIZE_MAX) {
		m = &st->events[e->master];
		if (!m->expanded) {
			import_skipped(st, e, NULL, 0, "the series it changes "
			    "(line %d) was skipped", m->line);
			return (0);
		}
		if (import_excluded(m, e->recid)) {
			import_skipped(st, e, NULL, 0, "an EXDATE of the "
			    "series (line %d) removes this occurrence",
			    m->line);
			return (0);
		}
	}
	if (import_count(e->comp, ICAL_DTSTART_PROPERTY) > 1 ||
	    import_count(e->comp, ICAL_DTEND_PROPERTY) > 1 ||
	    import_count(e->comp, ICAL_DURATION_PROPERTY) > 1) {
		import_skipped(st, e, NULL, 0, "the event has more than one "
		    "DTSTART, DTEND or DURATION");
		return (0);
	}
	zone = m != NULL ? m->zone : st->floating;

	/* Without a DTSTART of its own the occurrence keeps its time. */
	if ((p = icalcomponent_get_first_property(e->comp,
	    ICAL_DTSTART_PROPERTY)) != NULL) {
		tt = icalproperty_get_dtstart(p);
		if (tt.is_date) {
			import_skipped(st, e, NULL, import_prop_line(p),
			    "all-day event; a session needs a start and an end "
			    "time");
			return (0);
		}
		if (import_prop_time(st, p, tt, zone, &start, &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(p), "%s",
			    why);
			free(why);
			return (0);
		}
		zone = start.zone;
		s = import_to_utc(zone, &start.tt);
	} else
		s = e->recid;

	pe = icalcomponent_get_first_property(e->comp, ICAL_DTEND_PROPERTY);
	pd = icalcomponent_get_first_property(e->comp,
	    ICAL_DURATION_PROPERTY);
	if (pe != NULL) {
		tt = icalproperty_get_dtend(pe);
		if (tt.is_date || import_prop_time(st, pe, tt, zone, &end,
		    &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(pe), "%s",
			    why != NULL ? why : "DTEND is a date, but DTSTART "
			    "has a time");
			free(why);
			return (0);
		}
		t = import_to_utc(end.zone, &end.tt);
		length_known = 1;
	} else if (pd != NULL) {
		dur = icalproperty_get_duration(pd);
		if (dur.is_neg || icaldurationtype_as_int(dur) <= 0 ||
		    dur.weeks > 52 || dur.days > 366) {
			import_skipped(st, e, NULL, import_prop_line(pd),
			    "DURATION must be positive and at most a year");
			return (0);
		}
		tt = import_to_local(zone, s);
		icaltime_adjust(&tt, (int)(dur.weeks * 7 + dur.days), 0, 0, 0);
		t = import_to_utc(zone, &tt) + (time_t)dur.hours * 3600 +
		    (time_t)dur.minutes * 60 + dur.seconds;
		length_known = 1;
	} else if (m != NULL)
		t = import_end_of(m, s);
	else
		t = s;
	if (!length_known && m == NULL) {
		import_skipped(st, e, NULL, 0, "the event has neither DTEND "
		    "nor DURATION, so the session would have no end");
		return (0);
	}
	if (t <= s) {
		import_skipped(st, e, NULL,
		    pe != NULL ? import_prop_line(pe) : 0, "the occurrence "
		    "does not end after it starts");
		return (0);
	}
	if (s < st->from || s >= st->until)
		return (0);

	import_basic(e->recid, rid, sizeof rid);
	if (m != NULL && !m->recurring && e->recid == m->start_t)
		key = xstrdup(e->uid);
	else
		key = xprintf("%s/%s", e->uid, rid);
	return (import_emit(st, e, m, key, s, t, import_cancelled(e->comp,
	    m != NULL ? import_cancelled(m->comp, 0) : 0)));
}

static int
import_cmp_out(const void *a, const void *b)
{
	const struct cal_import_event	*x = a, *y = b;

	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	return (strcmp(x->key, y->key));
}

static int
import_cmp_skip(const void *a, const void *b)
{
	const struct import_skip	*x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->order < y->order ? -1 : x->order > y->order);
}

/*
 * Pairs each override with its master (same UID, no RECURRENCE-ID),
 * works out its RECURRENCE-ID, and skips repeated masters and overrides.
 */
static void
import_pair(struct import_state *st)
{
	struct import_event	*e, *m;
	icalproperty		*p;
	icalparameter		*range;
	struct icaltimetype	 tt;
	struct import_time	 rt;
	struct import_ref	*masters, *ref, key;
	size_t			 nmasters = 0, i, lo, hi, mid;
	char			*why = NULL;

	masters = xcalloc(st->nevents + 1, sizeof *masters);
	st->overrides = xcalloc(st->nevents + 1, sizeof *st->overrides);
	for (i = 0; i < st->nevents; i++) {
		e = &st->events[i];
		if (e->uid == NULL || e->has_recid || e->skipped)
			continue;
		ref = &masters[nmasters++];
		ref->uid = e->uid;
		ref->recid = 0;
		ref->line = e->line;
		ref->idx = i;
	}
	qsort(masters, nmasters, sizeof *masters, import_cmp_ref);
	for (i = 1; i < nmasters; i++) {
		if (strcmp(masters[i].uid, masters[i - 1].uid) != 0)
			continue;
		e = &st->events[masters[i].idx];
		e->skipped = 1;
		import_skipped(st, e, NULL, 0, "another event with this UID, "
		    "on line %d, comes first", masters[i - 1].line);
	}

	for (i = 0; i < st->nevents; i++) {
		e = &st->events[i];
		if (!e->has_recid || e->skipped)
			continue;
		if (e->uid == NULL) {
			import_skipped(st, e, NULL, 0, "RECURRENCE-ID without "
			    "a UID cannot be matched with its series");
			e->skipped = 1;
			continue;
		}
		key.uid = e->uid;
		key.recid = 0;
		key.line = 0;
		lo = 0;
		hi = nmasters;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (import_cmp_ref(&masters[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		m = NULL;
		if (lo < nmasters && strcmp(masters[lo].uid, e->uid) == 0) {
			e->master = masters[lo].idx;
			m = &st->events[e->master];
		}

		p = icalcomponent_get_first_property(e->comp,
		    ICAL_RECURRENCEID_PROPERTY);
		if (icalcomponent_get_next_property(e->comp,
		    ICAL_RECURRENCEID_PROPERTY) != NULL) {
			import_skipped(st, e, NULL, import_prop_line(p), "the "
			    "event has more than one RECURRENCE-ID");
			e->skipped = 1;
			continue;
		}
		range = icalproperty_get_first_parameter(p,
		    ICAL_RANGE_PARAMETER);
		if (range != NULL) {
			import_skipped(st, e, NULL, import_prop_line(p),
			    "RANGE=THISANDFUTURE is not supported; change the "
			    "series itself");
			e->skipped = 1;
			continue;
		}
		tt = icalproperty_get_recurrenceid(p);
		if (tt.is_date && m != NULL) {
			/*
			 * A date names the occurrence on that day, at the
			 * series' time (the master's DTSTART as written).
			 */
			struct icaltimetype	ms;

			ms = icalproperty_get_dtstart(
			    icalcomponent_get_first_property(m->comp,
			    ICAL_DTSTART_PROPERTY));
			if (!ms.is_date) {
				tt.is_date = 0;
				tt.hour = ms.hour;
				tt.minute = ms.minute;
				tt.second = ms.second;
				tt.zone = ms.zone;
			}
		}
		if (tt.is_date) {
			import_skipped(st, e, NULL, import_prop_line(p),
			    "all-day occurrence; a session needs a start and "
			    "an end time");
			e->skipped = 1;
			continue;
		}
		if (import_prop_time(st, p, tt, NULL, &rt, &why) != 0) {
			import_skipped(st, e, NULL, import_prop_line(p), "%s",
			    why);
			free(why);
			why = NULL;
			e->skipped = 1;
			continue;
		}
		if (rt.zone == NULL) {
			/* Floating: in the series' zone, once known. */
			if (m != NULL) {
				p = icalcomponent_get_first_property(m->comp,
				    ICAL_DTSTART_PROPERTY);
				if (import_prop_time(st, p,
				    icalproperty_get_dtstart(p), st->floating,
				    &rt, &why) != 0 || rt.zone == NULL) {
					free(why);
					why = NULL;
					rt.zone = st->floating;
				}
			} else
				rt.zone = st->floating;
			rt.tt = tt;
		}
		e->recid = import_to_utc(rt.zone, &rt.tt);
		e->recid_ok = 1;
		ref = &st->overrides[st->noverrides++];
		ref->uid = e->uid;
		ref->recid = e->recid;
		ref->line = e->line;
		ref->idx = i;
	}
	qsort(st->overrides, st->noverrides, sizeof *st->overrides,
	    import_cmp_ref);
	for (i = 1; i < st->noverrides; i++) {
		if (import_cmp_ref(&st->overrides[i], &st->overrides[i - 1]) ==
		    0 || strcmp(st->overrides[i].uid,
		    st->overrides[i - 1].uid) != 0 ||
		    st->overrides[i].recid != st->overrides[i - 1].recid)
			continue;
		e = &st->events[st->overrides[i].idx];
		e->skipped = 1;
		import_skipped(st, e, NULL, 0, "another event with this UID "
		    "and RECURRENCE-ID, on line %d, comes first",
		    st->overrides[i - 1].line);
	}
	free(masters);
}

static void
import_state_free(struct import_state *st)
{
	size_t	i;

	for (i = 0; i < st->nzones; i++) {
		if (st->zones[i].owned)
			icaltimezone_free(st->zones[i].zone, 1);
		free(st->zones[i].tzid);
		free(st->zones[i].why);
	}
	for (i = 0; i < st->nevents; i++) {
		free(st->events[i].made_uid);
		free(st->events[i].exdates);
	}
	free(st->events);
	free(st->tzdefs);
	free(st->overrides);
	for (i = 0; i < st->nout; i++) {
		free(st->out[i].key);
		free(st->out[i].uid);
		free(st->out[i].summary);
		free(st->out[i].description);
		free(st->out[i].location);
	}
	free(st->out);
	for (i = 0; i < st->nskips; i++) {
		free(st->skips[i].key);
		free(st->skips[i].reason);
	}
	free(st->skips);
	free(st->cause);
}

int
import_parse(const char *text, size_t len, const char *default_tzid,
    time_t from, time_t until, size_t max, struct cal_import **out,
    char **cause)
{
	struct import_reader	 r;
	struct import_state	 st;
	struct cal_import	*imp;
	icalerrorstate		 es;
	size_t			 i;
	int			 rc = -1;

	*out = NULL;
	memset(&r, 0, sizeof r);
	memset(&st, 0, sizeof st);
	if (len > IMPORT_SIZE_MAX) {
		return (cause_set(cause, "the file is larger than %d MiB",
		    IMPORT_SIZE_MAX / (1024 * 1024)));
	}
	if ((st.floating = import_builtin(default_tzid)) == NULL) {
		return (cause_set(cause, "unknown time zone \"%s\" for "
		    "floating times", default_tzid == NULL ? "" :
		    default_tzid));
	}
	st.from = from;
	st.until = until;
	st.max = max;

	/*
	 * libical reports malformed data through icalerrno, and would abort
	 * on it if built to treat errors as fatal: make that error
	 * non-fatal while reading, as icalparser_parse() does.
	 */
	es = icalerror_get_error_state(ICAL_MALFORMEDDATA_ERROR);
	icalerror_set_error_state(ICAL_MALFORMEDDATA_ERROR,
	    ICAL_ERROR_NONFATAL);
	r.parser = icalparser_new();
	if (import_read(&r, text, len, cause) != 0)
		goto done;
	icalparser_free(r.parser);
	r.parser = NULL;
	if (import_collect(&st, &r, cause) != 0)
		goto done;

	import_pair(&st);
	for (i = 0; i < st.nevents; i++) {
		if (st.events[i].skipped || st.events[i].has_recid)
			continue;
		if (import_master(&st, i) != 0)
			goto fail;
	}
	for (i = 0; i < st.nevents; i++) {
		if (!st.events[i].has_recid)
			continue;
		if (import_override(&st, i) != 0)
			goto fail;
	}

	imp = xcalloc(1, sizeof *imp);
	if (st.nout > 1)
		qsort(st.out, st.nout, sizeof *st.out, import_cmp_out);
	imp->events = st.out;
	imp->nevents = st.nout;
	st.out = NULL;
	st.nout = 0;
	if (st.nskips > 1)
		qsort(st.skips, st.nskips, sizeof *st.skips, import_cmp_skip);
	imp->skips = xcalloc(st.nskips + 1, sizeof *imp->skips);
	for (i = 0; i < st.nskips; i++) {
		imp->skips[i].key = st.skips[i].key;
		imp->skips[i].reason = st.skips[i].reason;
	}
	imp->nskips = st.nskips;
	st.nskips = 0;
	*out = imp;
	rc = 0;
	goto done;

fail:
	if (cause != NULL) {
		*cause = st.cause;
		st.cause = NULL;
	}
done:
	import_state_free(&st);
	import_reader_free(&r);
	icalerror_set_error_state(ICAL_MALFORMEDDATA_ERROR, es);
	icalerror_clear_errno();
	return (rc);
}

void
import_free(struct cal_import *imp)
{
	size_t	i;

	if (imp == NULL)
		return;
	for (i = 0; i < imp->nevents; i++) {
		free(imp->events[i].key);
		free(imp->events[i].uid);
		free(imp->events[i].summary);
		free(imp->events[i].description);
		free(imp->events[i].location);
	}
	free(imp->events);
	for (i = 0; i < imp->nskips; i++) {
		free(imp->skips[i].key);
		free(imp->skips[i].reason);
	}
	free(imp->skips);
	free(imp);
}
