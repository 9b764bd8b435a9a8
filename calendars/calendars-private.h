/*
 * What the files of the calendars library share among themselves and show
 * no one else: the wall-clock fields between struct cal_local and
 * libical's time, and the parts of the feeds (their text, the VTIMEZONEs,
 * the events).
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
