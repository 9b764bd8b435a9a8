/*
 * iCalendar feeds: a VCALENDAR (METHOD:PUBLISH) of the VEVENTs, thousands
 * to a feed, that feed_event() writes as text (feed-event.c), and the
 * VTIMEZONEs of their zones (feed-vtz.c). Its head is built with libical
 * and written by feed_write() (feed-text.c).
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "calendars-private.h"
#include "xmalloc.h"

#define FEED_REFRESH_DEFAULT	60	/* minutes */
#define FEED_REFRESH_MAX	(7 * 24 * 60)

static int		 feed_year(time_t);
static void		 feed_years(time_t, time_t, int *, int *);

static int
feed_year(time_t t)
{
	struct tm	tm;
	int		year;

	if (gmtime_r(&t, &tm) == NULL)
		return (FEED_YEAR_MIN);
	year = tm.tm_year + 1900;
	if (year < FEED_YEAR_MIN)
		return (FEED_YEAR_MIN);
	if (year > FEED_YEAR_MAX)
		return (FEED_YEAR_MAX);
	return (year);
}

/* The years a head's VTIMEZONEs cover, from its first start to last end. */
static void
feed_years(time_t from, time_t until, int *from_year, int *until_year)
{
	*from_year = feed_year(from);
	*until_year = feed_year(until);
	if (*until_year < *from_year)
		*until_year = *from_year;
}

void
feed_calendar_zones(const char *const *tzids, size_t ntz, time_t from,
    time_t until)
{
	size_t	 i, len;
	int	 from_year, until_year;

	feed_years(from, until, &from_year, &until_year);
	for (i = 0; i < ntz; i++) {
		if (tzids[i] != NULL)
			free(feed_zone_text(tzids[i], from_year, until_year,
			    &len));
	}
}

char *
feed_calendar_head(const struct cal_feed *feed, const char *const *tzids,
    size_t ntz, time_t from, time_t until, size_t *len)
{
	static const char		 footer[] = FEED_CALENDAR_END;
	icalcomponent			*c;
	icalproperty			*prop;
	struct icaldurationtype		 refresh;
	struct buf			 head = BUF_INIT;
	char				**zones = NULL, *prodid, *ttl;
	size_t				*zlens = NULL, i, j;
	int				 minutes, from_year, until_year;

	if (len != NULL)
		*len = 0;
	if (feed == NULL || (ntz > 0 && tzids == NULL))
		return (NULL);

	minutes = feed->refresh_minutes;
	if (minutes <= 0)
		minutes = FEED_REFRESH_DEFAULT;
	if (minutes > FEED_REFRESH_MAX)
		minutes = FEED_REFRESH_MAX;
	refresh = icaldurationtype_from_int(minutes * 60);

	c = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	prodid = xprintf("-//kursusd//kursusd %s//DA", PACKAGE_VERSION);
	icalcomponent_add_property(c, icalproperty_new_prodid(prodid));
	free(prodid);
	icalcomponent_add_property(c, icalproperty_new_version("2.0"));
	icalcomponent_add_property(c, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(c,
	    icalproperty_new_method(ICAL_METHOD_PUBLISH));
	if (feed->name != NULL && *feed->name != '\0') {
		feed_add_text(c, icalproperty_new_name, feed->name);
		icalcomponent_add_property(c,
		    feed_x("X-WR-CALNAME", feed->name));
	}
	if (feed->tzid != NULL && *feed->tzid != '\0')
		icalcomponent_add_property(c,
		    feed_x("X-WR-TIMEZONE", feed->tzid));
	prop = icalproperty_new_refreshinterval(refresh);
	icalproperty_add_parameter(prop,
	    icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(c, prop);
	ttl = icaldurationtype_as_ical_string_r(refresh);
	icalcomponent_add_property(c, feed_x("X-PUBLISHED-TTL", ttl));
	free(ttl);
	feed_write(&head, c);
	icalcomponent_free(c);
	/* feed_write() closed the calendar; the zones and events go first. */
	head.len -= sizeof footer - 1;
	head.data[head.len] = '\0';

	feed_years(from, until, &from_year, &until_year);
	if (ntz > 0) {
		zones = xcalloc(ntz, sizeof *zones);
		zlens = xcalloc(ntz, sizeof *zlens);
	}
	for (i = 0; i < ntz; i++) {
		if (tzids[i] == NULL || feed_find_zone(tzids[i]) == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (tzids[j] != NULL && strcmp(tzids[i], tzids[j]) == 0)
				break;
		}
		if (j < i)
			continue;
		zones[i] = feed_zone_text(tzids[i], from_year, until_year,
		    &zlens[i]);
		if (zones[i] != NULL)
			buf_add(&head, zones[i], zlens[i]);
		free(zones[i]);
	}
	free(zones);
	free(zlens);
	if (len != NULL)
		*len = head.len;
	return (head.data);
}

char *
feed_calendar(const struct cal_feed *feed, const char *const *tzids,
    size_t ntz, time_t from, time_t until, const char *const *events,
    const size_t *lens, size_t n, size_t *len)
{
	static const char	 footer[] = FEED_CALENDAR_END;
	char			*head, *out, *o;
	size_t			 hlen, total, i;

	if (len != NULL)
		*len = 0;
	if (n > 0 && (events == NULL || lens == NULL))
		return (NULL);
	if ((head = feed_calendar_head(feed, tzids, ntz, from, until,
	    &hlen)) == NULL)
		return (NULL);
	total = hlen + sizeof footer - 1;
	for (i = 0; i < n; i++) {
		if (events[i] != NULL)
			total += lens[i];
	}
	o = out = xmalloc(total + 1);
	memcpy(o, head, hlen);
	o += hlen;
	for (i = 0; i < n; i++) {
		if (events[i] != NULL) {
			memcpy(o, events[i], lens[i]);
			o += lens[i];
		}
	}
	memcpy(o, footer, sizeof footer);
	if (len != NULL)
		*len = total;
	free(head);
	return (out);
}
