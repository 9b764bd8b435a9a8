/*
 * What the files of the calendars library share among themselves and show
 * no one else: calendar arithmetic and the reading of wall-clock time in a
 * zone (zone.c), the recurrence layer under both recur_expand() and the
 * import (recur.c), and the parts of the feeds (their text, the
 * VTIMEZONEs, the events). The import's own files share
 * import-private.h besides.
 */
#ifndef CALENDARS_PRIVATE_H
#define CALENDARS_PRIVATE_H

#include <stddef.h>
#include <time.h>

#include <libical/ical.h>

struct buf;
struct cal_event;
struct cal_local;

/* zone.c */
/* l's date and time of day as a floating libical time (no zone). */
struct icaltimetype cal_local_to_ical(const struct cal_local *l);
/* tt's date and time of day into l, the rest of l zeroed. */
void	cal_local_from_ical(const struct icaltimetype *tt, struct cal_local *l);
/* Days in a month of the proleptic Gregorian calendar (month 1..12). */
int	cal_mdays(int year, int month);
/* Days from 1970-01-01 to a proleptic Gregorian date. */
time_t	cal_days(int year, int month, int day);
/* The day of the week of a date, 0 = Sunday. */
int	cal_wday(int year, int month, int day);
/* tt's wall-clock fields read as if they were UTC (its zone ignored). */
time_t	cal_naive(const struct icaltimetype *tt);
/*
 * The instant at which wall-clock time tt (its fields) occurs in zone,
 * read as RFC 5545 says: the repeated autumn hour is its first pass. For
 * a time in the spring gap, which does not occur, returns -1 and sets
 * *out to the time read with the offset from before the gap (02:30 is
 * 03:30 summer time); else 0.
 */
int	cal_to_utc(icaltimezone *zone, const struct icaltimetype *tt,
	    time_t *out);

/* recur.c: the recurrence layer under recur_expand() and the import */
/* Whether a rule can give sessions: daily or coarser, Gregorian. */
enum recur_fit {
	RECUR_FITS,
	RECUR_NO_FREQ,		/* no FREQ (or one libical does not know) */
	RECUR_TOO_OFTEN,	/* finer than daily */
	RECUR_NOT_GREGORIAN	/* RSCALE other than GREGORIAN */
};
enum recur_fit recur_fit(const struct icalrecurrencetype *);
/* A rule's UNTIL, as the caller applies it. */
enum recur_until_kind {
	RECUR_UNTIL_NONE,
	RECUR_UNTIL_UTC,	/* an instant: compare in UTC */
	RECUR_UNTIL_LOCAL	/* a date or floating time: wall-clock */
};
struct recur_until {
	enum recur_until_kind	 kind;
	/*
	 * LOCAL: the last wall-clock time (a date's 23:59:59), floating;
	 * UTC: as written (each caller turns it into an instant).
	 */
	struct icaltimetype	 at;
};
/* Takes UNTIL out of rule into *u (rule->until is then null). */
void	recur_until_take(struct icalrecurrencetype *rule,
	    struct recur_until *u);
/* libical's iterator, in floating wall-clock time. */
struct recur_iter {
	icalrecur_iterator	*it;
	struct recur_until	 until;
	unsigned long		 steps;		/* recur_iter_next() calls */
	unsigned long		 limit;
};
/*
 * Starts iterating rule (its UNTIL taken out) from dtstart, both floating,
 * stopping at until when it is wall-clock time and after limit steps. -1
 * if libical refuses the rule; else free it with recur_iter_free().
 */
int	recur_iter_new(struct recur_iter *, struct icalrecurrencetype rule,
	    struct icaltimetype dtstart, const struct recur_until *until,
	    unsigned long limit);
/* Goes on from from instead (a rule without COUNT); -1 if libical cannot. */
int	recur_iter_from(struct recur_iter *, struct icaltimetype from);
/*
 * The next occurrence's wall-clock time in *tt: 1, or 0 at the end of the
 * rule or past a wall-clock UNTIL, or -1 once limit steps are taken.
 */
int	recur_iter_next(struct recur_iter *, struct icaltimetype *tt);
void	recur_iter_free(struct recur_iter *);
/*
 * Whether a MONTHLY or YEARLY rule from dt ever gives an occurrence: 1 or
 * 0, or -1 once *work passes limit (each month tried is a unit). *per is
 * the most occurrences one period gives (over a whole cycle when all).
 */
int	recur_reach(const struct icalrecurrencetype *,
	    const struct icaltimetype *dt, int all, unsigned long *work,
	    unsigned long limit, int *per);

/* feed-text.c: the feeds' text, from libical's components */
#define FEED_LINE_MAX		75	/* octets in a line, before CR LF */
/*
 * Appends one logical line folded at 75 octets, never inside a UTF-8
 * character or a backslash escape, and CR LF.
 */
void	 feed_fold(struct buf *, const char *, size_t);
/*
 * s fit for a TEXT value: well-formed UTF-8, LF as the only line break,
 * tab kept, other control bytes a space. s itself when it is fine as it
 * is, else a cleaned copy, also left in *copy for the caller to free.
 */
const char *feed_clean(const char *s, char **copy);
/* s with every octet a URI may not hold percent-encoded; caller frees. */
char	*feed_clean_uri(const char *s);
/* Appends c as iCalendar text, folded. */
void	 feed_write(struct buf *, icalcomponent *c);
/* Adds the TEXT property fn makes of s, when s has something in it. */
void	 feed_add_text(icalcomponent *c, icalproperty *(*fn)(const char *),
	    const char *s);
/* An X- property with a TEXT value. */
icalproperty *feed_x(const char *name, const char *value);

/* feed-vtz.c: the VTIMEZONEs of the feeds */
#define FEED_YEAR_MIN		1970	/* no VTIMEZONE history before this */
#define FEED_YEAR_MAX		2500	/* as zone.c */
/*
 * The zone times are written in with TZID=tzid, or NULL for UTC (UTC
 * itself, or a name libical does not know). The zone is libical's.
 */
icaltimezone *feed_find_zone(const char *tzid);
/* A zone by IANA name, the name checked first; not kept (zone.c). */
icaltimezone *zone_lookup(const char *tzid);
/*
 * A copy of the VTIMEZONE text for tzid and the years (caller frees),
 * NULL (with *len 0) when the zone is written in UTC and needs none.
 */
char	*feed_zone_text(const char *tzid, int from_year, int until_year,
	    size_t *len);

/* feed-event.c: feed_event() */
#define FEED_ALARM_MAX		(28 * 24 * 60)	/* minutes: four weeks */
/* DTSTART or DTEND made by fn: t as wall-clock time with TZID=tzid. */
icalproperty *feed_time(icalproperty *(*fn)(struct icaltimetype), time_t t,
	    const char *tzid);
/* A DATE-TIME property made by fn: t in UTC. */
icalproperty *feed_utc(icalproperty *(*fn)(struct icaltimetype), time_t t);
/* SUMMARY: the title, marked when cancelled or waitlisted; caller frees. */
char	*feed_summary(const struct cal_event *, const char *lang);

#endif
