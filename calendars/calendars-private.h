/*
 * What the files of the calendars library share among themselves and show
 * no one else: the growing text buffer, the RFC 5545 line folding, and the
 * wall-clock fields between struct cal_local and libical's time.
 */
#ifndef CALENDARS_PRIVATE_H
#define CALENDARS_PRIVATE_H

#include <stddef.h>

#include <libical/ical.h>

/* zone.c */
struct cal_local;
/* l's date and time of day as a floating libical time (no zone). */
struct icaltimetype cal_local_to_ical(const struct cal_local *l);
/* tt's date and time of day into l, the rest of l zeroed. */
void	cal_local_from_ical(const struct icaltimetype *tt, struct cal_local *l);

/* feed.c */
struct buf;
/*
 * Appends one logical line folded at 75 octets, never inside a UTF-8
 * character or a backslash escape, and CR LF.
 */
void	feed_fold(struct buf *, const char *, size_t);
/*
 * feed_event() as libical builds it: the reference the unit tests compare
 * feed_event()'s own text with. Caller frees.
 */
struct cal_event;
char	*feed_event_ical(const struct cal_event *, const char *lang,
	    size_t *len);

#endif
