/*
 * The VTIMEZONEs of the feeds, in the compact form calendar apps take
 * (feed_vtimezone()), and the zones' lookup (feed_find_zone()). Both are
 * cached: a feed needs them on every render.
 */
#include "config.h"

#include <sys/types.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "calendars-private.h"
#include "xmalloc.h"

#define FEED_ZONE_CACHE		16
#define FEED_TZID_MAX		64	/* as zone.c */

/* One zone's compact VTIMEZONE for a range of years, as folded text. */
struct feed_zone {
	char	 tzid[FEED_TZID_MAX + 1];
	int	 from_year, until_year;
	char	*text;
	size_t	 len;
};

/*
 * VTIMEZONE text is cached: building it costs libical a few hundred
 * microseconds and a feed needs it on every render. The cache is a small
 * static array, replaced round-robin, so it stays bounded and reachable.
 */
static struct feed_zone	 feed_zones[FEED_ZONE_CACHE];
static u_int		 feed_zones_next;
static pthread_mutex_t	 feed_zones_lock = PTHREAD_MUTEX_INITIALIZER;

static int		 feed_same_rule(icalproperty *, icalproperty *);
static icalcomponent	**feed_vtz_list(icalcomponent *, size_t *);
static int		 feed_vtz_from(icalcomponent *);
static int		 feed_vtz_to(icalcomponent *);
static void		 feed_vtz_remove(icalcomponent *, icalcomponent **,
			    size_t);
static void		 feed_vtz_merge(icalcomponent *);
static void		 feed_vtz_prune(icalcomponent *, int);
static int		 feed_vtz_check(icalcomponent *);
static int		 feed_vtz_same(icaltimezone *, icaltimezone *, time_t);
static int		 feed_vtz_verify(icalcomponent *, icaltimezone *, int,
			    int);
static void		 feed_vtz_rename(icalcomponent *, const char *);
static char		*feed_vtimezone(const char *, icaltimezone *, int, int,
			    size_t *);

/*
 * The zone an event's times are written in with a TZID, or NULL to write
 * them in UTC: for UTC itself, and for a name libical does not know, so
 * the instant is still right.
 *
 * libical 3.0 looks a name up by a linear search through some 400 zones
 * (its binary search is disabled), 1.5 us a time, so the answers for the
 * last few names are kept. The zones belong to libical and stay valid
 * until zone_cleanup(), which is called once at exit after the last use.
 */
icaltimezone *
feed_find_zone(const char *tzid)
{
	static struct {
		char		 tzid[FEED_TZID_MAX + 1];
		icaltimezone	*zone;
	}			 found[FEED_ZONE_CACHE];
	static u_int		 next;
	static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
	icaltimezone		*zone = NULL;
	size_t			 i;

	if (tzid == NULL || strlen(tzid) > FEED_TZID_MAX)
		return (NULL);
	pthread_mutex_lock(&lock);
	for (i = 0; i < FEED_ZONE_CACHE; i++) {
		if (strcmp(found[i].tzid, tzid) == 0) {
			zone = found[i].zone;
			goto out;
		}
	}
	if ((zone = zone_lookup(tzid)) != NULL &&
	    (zone == icaltimezone_get_utc_timezone() ||
	    icaltimezone_get_component(zone) == NULL))
		zone = NULL;
	/* Unknown names are not kept: they must not push the real ones out. */
	if (zone != NULL) {
		snprintf(found[next].tzid, sizeof found[next].tzid, "%s", tzid);
		found[next].zone = zone;
		next = (next + 1) % FEED_ZONE_CACHE;
	}
out:
	pthread_mutex_unlock(&lock);
	return (zone);
}

/* Do two RRULEs say the same, UNTIL and COUNT aside? */
static int
feed_same_rule(icalproperty *a, icalproperty *b)
{
	struct icalrecurrencetype	 ra, rb;
	char				*sa, *sb;
	int				 same;

	ra = icalproperty_get_rrule(a);
	rb = icalproperty_get_rrule(b);
	ra.until = rb.until = icaltime_null_time();
	ra.count = rb.count = 0;
	sa = icalrecurrencetype_as_string_r(&ra);
	sb = icalrecurrencetype_as_string_r(&rb);
	same = (sa != NULL && sb != NULL && strcmp(sa, sb) == 0);
	free(sa);
	free(sb);
	return (same);
}

/* The observances (STANDARD, DAYLIGHT) of vtz; caller frees the array. */
static icalcomponent **
feed_vtz_list(icalcomponent *vtz, size_t *n)
{
	icalcomponent	**list = NULL, *c;
	size_t		  size = 0;

	*n = 0;
	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(vtz,
	    ICAL_ANY_COMPONENT)) {
		if (*n == size) {
			size = size == 0 ? 8 : size * 2;
			list = xreallocarray(list, size, sizeof *list);
		}
		list[(*n)++] = c;
	}
	return (list);
}

/* An observance's offsets in seconds east of UTC; INT_MIN if missing. */
static int
feed_vtz_from(icalcomponent *c)
{
	icalproperty	*p;

	p = icalcomponent_get_first_property(c, ICAL_TZOFFSETFROM_PROPERTY);
	return (p == NULL ? INT_MIN : icalproperty_get_tzoffsetfrom(p));
}

static int
feed_vtz_to(icalcomponent *c)
{
	icalproperty	*p;

	p = icalcomponent_get_first_property(c, ICAL_TZOFFSETTO_PROPERTY);
	return (p == NULL ? INT_MIN : icalproperty_get_tzoffsetto(p));
}

/* Removes and frees observance i of list. */
static void
feed_vtz_remove(icalcomponent *vtz, icalcomponent **list, size_t i)
{
	icalcomponent_remove_component(vtz, list[i]);
	icalcomponent_free(list[i]);
	list[i] = NULL;
}

/*
 * libical builds zones from the TZif files, whose explicit transitions end
 * in 2037; after that it adds a second pair of observances for the POSIX
 * rule. So Copenhagen comes out as "last Sunday of March, until 2037" plus
 * "last Sunday of March, from 2038". Outlook wants one STANDARD and one
 * DAYLIGHT: when an observance with an UNTIL is continued by an otherwise
 * equal one starting the year after, the two become one.
 */
static void
feed_vtz_merge(icalcomponent *vtz)
{
	icalcomponent			**list, *a, *b;
	icalproperty			 *ra, *rb;
	struct icalrecurrencetype	  rule, next;
	struct icaltimetype		  sa, sb;
	size_t				  n, i, j;

	list = feed_vtz_list(vtz, &n);
	for (i = 0; i < n; i++) {
		if ((a = list[i]) == NULL)
			continue;
		ra = icalcomponent_get_first_property(a, ICAL_RRULE_PROPERTY);
		if (ra == NULL)
			continue;
		for (j = 0; j < n; j++) {
			if (j == i || (b = list[j]) == NULL)
				continue;
			rule = icalproperty_get_rrule(ra);
			if (icaltime_is_null_time(rule.until))
				break;
			if (icalcomponent_isa(a) != icalcomponent_isa(b))
				continue;
			rb = icalcomponent_get_first_property(b,
			    ICAL_RRULE_PROPERTY);
			if (rb == NULL || !feed_same_rule(ra, rb))
				continue;
			if (feed_vtz_from(a) != feed_vtz_from(b) ||
			    feed_vtz_to(a) != feed_vtz_to(b))
				continue;
			sa = icalcomponent_get_dtstart(a);
			sb = icalcomponent_get_dtstart(b);
			if (sb.hour != sa.hour || sb.minute != sa.minute ||
			    sb.second != sa.second)
				continue;
			if (sb.year != rule.until.year + 1 &&
			    !(sb.year == rule.until.year &&
			    icaltime_compare(sb, rule.until) > 0))
				continue;
			next = icalproperty_get_rrule(rb);
			rule.until = next.until;
			rule.count = next.count;
			icalproperty_set_rrule(ra, rule);
			feed_vtz_remove(vtz, list, j);
			/* a may go on in yet another one: look again. */
			j = (size_t)-1;
		}
	}
	free(list);
}

/*
 * Drops what cannot matter before the horizon year: observances that
 * start there, RDATEs there, and transitions that change nothing (libical
 * adds one where the 32-bit TZif data end, 2038-01-19 at a time with
 * seconds, sometimes with a made-up RRULE). libical 3.0's reading of the
 * TZif footer is wrong for some zones after 2037 (America/St_Johns gets
 * daylight time at -0130), so nothing past the horizon is trusted. The
 * earliest observance stays: it gives the offset at the start.
 */
static void
feed_vtz_prune(icalcomponent *vtz, int horizon)
{
	icalcomponent			**list, *c;
	icalproperty			 *p, **rdates = NULL;
	struct icaltimetype		  t;
	struct icaldatetimeperiodtype	  rdate;
	size_t				  n, i, first = 0, nr, size = 0, k;

	list = feed_vtz_list(vtz, &n);
	for (i = 1; i < n; i++) {
		if (icaltime_compare(icalcomponent_get_dtstart(list[i]),
		    icalcomponent_get_dtstart(list[first])) < 0)
			first = i;
	}
	for (i = 0; i < n; i++) {
		c = list[i];
		if (i != first &&
		    (icalcomponent_get_dtstart(c).year >= horizon ||
		    (feed_vtz_from(c) == feed_vtz_to(c) &&
		    icalcomponent_get_first_property(c,
		    ICAL_RRULE_PROPERTY) == NULL))) {
			feed_vtz_remove(vtz, list, i);
			continue;
		}
		nr = 0;
		for (p = icalcomponent_get_first_property(c,
		    ICAL_RDATE_PROPERTY); p != NULL;
		    p = icalcomponent_get_next_property(c,
		    ICAL_RDATE_PROPERTY)) {
			rdate = icalproperty_get_rdate(p);
			t = icaltime_is_null_time(rdate.time) ?
			    rdate.period.start : rdate.time;
			if (t.year < horizon)
				continue;
			if (nr == size) {
				size = size == 0 ? 8 : size * 2;
				rdates = xreallocarray(rdates, size,
				    sizeof *rdates);
			}
			rdates[nr++] = p;
		}
		for (k = 0; k < nr; k++) {
			icalcomponent_remove_property(c, rdates[k]);
			icalproperty_free(rdates[k]);
		}
	}
	free(rdates);
	free(list);
}

/*
 * The compact form we promise: at least one observance; each with DTSTART
 * in or after FEED_YEAR_MIN and its offsets in whole minutes (+0100, not
 * libical's +005020 for the 1890s).
 */
static int
feed_vtz_check(icalcomponent *vtz)
{
	icalcomponent		*c;
	struct icaltimetype	 start;
	int			 n = 0, from, to;

	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(vtz,
	    ICAL_ANY_COMPONENT)) {
		n++;
		start = icalcomponent_get_dtstart(c);
		if (icaltime_is_null_time(start) || start.year < FEED_YEAR_MIN)
			return (-1);
		from = feed_vtz_from(c);
		to = feed_vtz_to(c);
		if (from == INT_MIN || to == INT_MIN || from % 60 != 0 ||
		    to % 60 != 0)
			return (-1);
	}
	return (n == 0 ? -1 : 0);
}

/* 1 January of year, 00:00 UTC. */
static time_t
feed_year_start(int year)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mday = 1;
	return (timegm(&tm));
}

/* The offset of both zones at t, or INT_MIN if they differ. */
static int
feed_vtz_same(icaltimezone *a, icaltimezone *b, time_t t)
{
	struct icaltimetype	tt;
	int			dst, off;

	tt = icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
	off = icaltimezone_get_utc_offset_of_utc_time(a, &tt, &dst);
	if (off != icaltimezone_get_utc_offset_of_utc_time(b, &tt, &dst))
		return (INT_MIN);
	return (off);
}

/*
 * Does vtz give the same UTC offset as libical's own zone from the start
 * of from_year to the end of until_year? A calendar app only has the
 * VTIMEZONE to go by, so this is what it will compute. Compared once a
 * day, and hour by hour through each day on which the offset changes.
 */
static int
feed_vtz_verify(icalcomponent *vtz, icaltimezone *zone, int from_year,
    int until_year)
{
	icaltimezone		*ours;
	time_t			 t, h, end;
	int			 prev = INT_MIN, now;

	ours = icaltimezone_new();
	if (!icaltimezone_set_component(ours, icalcomponent_new_clone(vtz))) {
		icaltimezone_free(ours, 1);
		return (-1);
	}
	t = feed_year_start(from_year);
	end = feed_year_start(until_year + 1);
	for (; t <= end; t += 86400) {
		if ((now = feed_vtz_same(ours, zone, t)) == INT_MIN)
			break;
		if (prev != INT_MIN && now != prev) {
			for (h = t - 86400 + 3600; h < t; h += 3600) {
				if (feed_vtz_same(ours, zone, h) == INT_MIN)
					break;
			}
			if (h < t)
				break;
		}
		prev = now;
	}
	icaltimezone_free(ours, 1);
	return (t <= end ? -1 : 0);
}

/* Names the zone by its plain IANA name, not libical's prefixed one. */
static void
feed_vtz_rename(icalcomponent *vtz, const char *tzid)
{
	icalproperty	*prop;

	prop = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (prop != NULL)
		icalproperty_set_tzid(prop, tzid);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
}

/* A UTC offset in whole minutes, rounded: calendar apps refuse seconds. */
static int
feed_vtz_minutes(int off)
{
	return (off >= 0 ? (off + 30) / 60 * 60 : -((-off + 30) / 60 * 60));
}

/*
 * The name libical's own zone gives the observance of its kind (STANDARD
 * or DAYLIGHT) that has offset to and starts last before onset; NULL if
 * none does.
 */
static const char *
feed_vtz_name(icalcomponent *full, icalcomponent_kind kind, int to,
    struct icaltimetype onset)
{
	icalcomponent		*c;
	icalproperty		*p;
	struct icaltimetype	 start, best = icaltime_null_time();
	const char		*name = NULL;

	for (c = icalcomponent_get_first_component(full, kind); c != NULL;
	    c = icalcomponent_get_next_component(full, kind)) {
		if (feed_vtz_to(c) != to ||
		    (p = icalcomponent_get_first_property(c,
		    ICAL_TZNAME_PROPERTY)) == NULL)
			continue;
		start = icalcomponent_get_dtstart(c);
		if (icaltime_compare(start, onset) > 0)
			continue;
		if (name == NULL || icaltime_compare(start, best) > 0) {
			best = start;
			name = icalproperty_get_tzname(p);
		}
	}
	return (name);
}

/* Adds an observance: at local wall time onset, the offset from -> to. */
static void
feed_vtz_add(icalcomponent *vtz, icalcomponent *full, int dst, int from,
    int to, time_t onset)
{
	icalcomponent_kind	 kind;
	icalcomponent		*obs;
	struct icaltimetype	 t;
	const char		*name;

	kind = dst ? ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT;
	t = icaltime_from_timet_with_zone(onset, 0, NULL);
	obs = icalcomponent_new(kind);
	if ((name = feed_vtz_name(full, kind, to, t)) != NULL)
		icalcomponent_add_property(obs, icalproperty_new_tzname(name));
	icalcomponent_add_property(obs,
	    icalproperty_new_tzoffsetfrom(feed_vtz_minutes(from)));
	icalcomponent_add_property(obs,
	    icalproperty_new_tzoffsetto(feed_vtz_minutes(to)));
	icalcomponent_add_property(obs, icalproperty_new_dtstart(t));
	icalcomponent_add_component(vtz, obs);
}

/*
 * The zone as it is in the years [from_year, until_year + 1], written
 * transition by transition, read off libical's own offsets: for zones
 * whose rules the compact form cannot say (America/Vancouver in tzdata
 * 2026b, where daylight time becomes permanent, loses its winters when
 * libical truncates it). Offsets are rounded to whole minutes. The first
 * observance gives the offset at the start of the range.
 */
static icalcomponent *
feed_vtz_explicit(const char *tzid, icaltimezone *zone, int from_year,
    int until_year)
{
	icalcomponent		*vtz, *full = icaltimezone_get_component(zone);
	struct icaltimetype	 tt;
	icaltimezone		*utc = icaltimezone_get_utc_timezone();
	time_t			 t, end, lo, hi, mid;
	int			 off, prev, dst, pdst;

	vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
	feed_vtz_rename(vtz, tzid);
	t = feed_year_start(from_year);
	end = feed_year_start(until_year + 2);

	tt = icaltime_from_timet_with_zone(t, 0, utc);
	prev = icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &pdst);
	feed_vtz_add(vtz, full, pdst, prev, prev, t + prev);
	for (t += 3600; t <= end; t += 3600) {
		tt = icaltime_from_timet_with_zone(t, 0, utc);
		off = icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &dst);
		if (off == prev && dst == pdst)
			continue;
		/* The first second of the new offset, within this hour. */
		for (lo = t - 3600, hi = t; hi - lo > 1;) {
			mid = lo + (hi - lo) / 2;
			tt = icaltime_from_timet_with_zone(mid, 0, utc);
			if (icaltimezone_get_utc_offset_of_utc_time(zone, &tt,
			    NULL) == prev)
				lo = mid;
			else
				hi = mid;
		}
		feed_vtz_add(vtz, full, dst, prev, off, hi + prev);
		prev = off;
		pdst = dst;
	}
	return (vtz);
}

/*
 * The VTIMEZONE for tzid covering the years [from_year, until_year], as
 * folded text: the compact form (libical's rules, truncated) when it
 * passes the checks, else the zone's transitions in those years one by
 * one. Never libical's whole zone: its history goes back to 1890 with
 * offsets in seconds, which calendar apps refuse.
 */
static char *
feed_vtimezone(const char *tzid, icaltimezone *zone, int from_year,
    int until_year, size_t *len)
{
	icalcomponent		*vtz;
	struct icaltimetype	 start;
	struct buf		 b = BUF_INIT;

	vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
	feed_vtz_rename(vtz, tzid);

	/*
	 * Cut the history before the range. No end: with one, libical adds
	 * TZUNTIL (which Outlook does not know) and gives every RRULE an
	 * UNTIL. ms_compatible keeps DTSTART of a running RRULE where it was,
	 * since Outlook mishandles RRULEs whose start was moved.
	 */
	start = icaltime_null_time();
	start.year = from_year;
	start.month = 1;
	start.day = 1;
	start = icaltime_set_timezone(&start, icaltimezone_get_utc_timezone());
	icaltimezone_truncate_vtimezone(vtz, start, icaltime_null_time(), 1);
	feed_vtz_merge(vtz);
	feed_vtz_prune(vtz, until_year + 2);

	if (feed_vtz_check(vtz) != 0 ||
	    feed_vtz_verify(vtz, zone, from_year, until_year) != 0) {
		icalcomponent_free(vtz);
		vtz = feed_vtz_explicit(tzid, zone, from_year, until_year);
	}
	feed_write(&b, vtz);
	icalcomponent_free(vtz);
	*len = b.len;
	return (b.data);
}

/*
 * A copy of the cached VTIMEZONE text for tzid and the years, built on a
 * miss. NULL (with *len 0) when the zone is written in UTC and needs none.
 */
char *
feed_zone_text(const char *tzid, int from_year, int until_year, size_t *len)
{
	struct feed_zone	*fz;
	icaltimezone		*zone;
	char			*text = NULL;
	size_t			 i;

	*len = 0;
	pthread_mutex_lock(&feed_zones_lock);
	if ((zone = feed_find_zone(tzid)) == NULL)
		goto out;
	for (i = 0; i < FEED_ZONE_CACHE; i++) {
		fz = &feed_zones[i];
		if (fz->text != NULL && strcmp(fz->tzid, tzid) == 0 &&
		    fz->from_year == from_year &&
		    fz->until_year == until_year)
			break;
	}
	if (i == FEED_ZONE_CACHE) {
		fz = &feed_zones[feed_zones_next];
		feed_zones_next = (feed_zones_next + 1) % FEED_ZONE_CACHE;
		free(fz->text);
		memset(fz, 0, sizeof *fz);
		fz->text = feed_vtimezone(tzid, zone, from_year, until_year,
		    &fz->len);
		if (fz->text == NULL)
			goto out;
		snprintf(fz->tzid, sizeof fz->tzid, "%s", tzid);
		fz->from_year = from_year;
		fz->until_year = until_year;
	}
	text = xmalloc(fz->len + 1);
	memcpy(text, fz->text, fz->len + 1);
	*len = fz->len;
out:
	pthread_mutex_unlock(&feed_zones_lock);
	return (text);
}
