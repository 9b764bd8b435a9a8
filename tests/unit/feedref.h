/*
 * feed_event() as libical builds it (feedref.c): the reference the unit
 * tests compare feed_event()'s own text with. Caller frees.
 */
#ifndef FEEDREF_H
#define FEEDREF_H

#include <stddef.h>

struct cal_event;

char	*feed_event_ical(const struct cal_event *, const char *lang,
	    size_t *len);

#endif
