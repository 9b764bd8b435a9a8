#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "calendars.h"
#include "calendars-private.h"
#include "cause.h"
#include "xmalloc.h"

/*
 * Years we accept. libical stops applying DST rules after 2582, and nobody
 * books a course before 1970, so refusing outside this range keeps every
 * answer right instead of quietly an hour off.
 */
#define ZONE_YEAR_MIN	1970
#define ZONE_YEAR_MAX	2500

static icaltimezone	*zone_find(const char *);
static time_t		 zone_offset(icaltimezone *, time_t);
static const char	*zone_month_name(int);

/*
 * Looks up a zone by IANA name. libical turns the name into a path under the
 * zoneinfo directory, and would happily open "Europe/../Europe/Copenhagen",
 * so only the characters IANA names use are let through. The zone returned
 * belongs to libical (freed by icaltimezone_free_builtin_timezones at exit)
 * and must never be freed here.
 */
icaltimezone *
zone_lookup(const char *tzid)
{
	const char	*p;
	size_t		 len;

	if (tzid == NULL || (len = strlen(tzid)) == 0 || len > 64)
		return (NULL);
	if (tzid[0] == '/' || tzid[len - 1] == '/' ||
	    strstr(tzid, "//") != NULL)
		return (NULL);
	for (p = tzid; *p != '\0'; p++) {
		if (isalnum((u_char)*p))
			continue;
		if (strchr("/_+-", *p) == NULL)
			return (NULL);
	}
	return (icaltimezone_get_builtin_timezone(tzid));
}

/*
 * The same, through feed_find_zone()'s few names kept (a list of sessions
 * asks local_iso() the same zone for every row); UTC and zones without
 * rules, which it does not keep, are looked up each time.
 */
static icaltimezone *
zone_find(const char *tzid)
{
	icaltimezone	*zone;

	if ((zone = feed_find_zone(tzid)) != NULL)
		return (zone);
	return (zone_lookup(tzid));
}

/* Seconds east of UTC in force in zone at t. */
static time_t
zone_offset(icaltimezone *zone, time_t t)
{
	struct icaltimetype	tt = icaltime_from_timet_with_zone(t, 0, zone);

	return (cal_naive(&tt) - t);
}

static const char *
zone_month_name(int month)
{
	static const char	*names[] = { "January", "February", "March",
	    "April", "May", "June", "July", "August", "September", "October",
	    "November", "December" };

	if (month < 1 || month > 12)
		return ("?");
	return (names[month - 1]);
}

int
zone_valid(const char *tzid)
{
	return (zone_find(tzid) != NULL);
}

int
zone_utc_to_local(const char *tzid, time_t t, struct cal_local *out)
{
	icaltimezone		*zone;
	struct icaltimetype	 tt;

	if ((zone = zone_find(tzid)) == NULL)
		return (-1);
	tt = icaltime_from_timet_with_zone(t, 0, zone);
	if (icaltime_is_null_time(tt))
		return (-1);

	cal_local_from_ical(&tt, out);

	/*
	 * libical does not hand back the offset it used, so work it out: the
	 * wall-clock fields read as if they were UTC, minus the real instant.
	 */
	out->wday = cal_wday(tt.year, tt.month, tt.day);
	out->utc_offset = (int)(cal_naive(&tt) - t);
	return (0);
}

int
zone_local_to_utc(const char *tzid, const struct cal_local *l, time_t *out,
    char **cause)
{
	icaltimezone		*zone;
	struct icaltimetype	 tt;
	time_t			 t;
	int			 mdays;
	char			 sec[8] = "";

	if (l->year < ZONE_YEAR_MIN || l->year > ZONE_YEAR_MAX) {
		return (cause_set(cause, "year %d is out of range (%d..%d)",
		    l->year, ZONE_YEAR_MIN, ZONE_YEAR_MAX));
	}
	if (l->month < 1 || l->month > 12) {
		return (cause_set(cause, "month %d is out of range (1..12)",
		    l->month));
	}
	mdays = cal_mdays(l->year, l->month);
	if (l->day < 1 || l->day > mdays) {
		return (cause_set(cause, "day %d is out of range: %s %d has "
		    "%d days", l->day, zone_month_name(l->month), l->year,
		    mdays));
	}
	if (l->hour < 0 || l->hour > 23) {
		return (cause_set(cause, "hour %d is out of range (0..23)",
		    l->hour));
	}
	if (l->minute < 0 || l->minute > 59) {
		return (cause_set(cause, "minute %d is out of range (0..59)",
		    l->minute));
	}
	if (l->second < 0 || l->second > 59) {
		return (cause_set(cause, "second %d is out of range (0..59)",
		    l->second));
	}
	if ((zone = zone_find(tzid)) == NULL) {
		return (cause_set(cause, "unknown time zone \"%s\"",
		    tzid == NULL ? "" : tzid));
	}

	tt = cal_local_to_ical(l);
	if (cal_to_utc(zone, &tt, &t) != 0) {
		if (l->second != 0)
			snprintf(sec, sizeof sec, ":%02d", l->second);
		return (cause_set(cause, "%04d-%02d-%02d %02d:%02d%s does not "
		    "exist in %s (clocks skip forward)", l->year, l->month,
		    l->day, l->hour, l->minute, sec, tzid));
	}
	*out = t;
	return (0);
}

/* Two digits of v (0-99) at p. */
static char *
zone_2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return (p + 2);
}

/*
 * "2026-12-03T10:00:00+01:00", or with sign 'Z' "2026-12-03T09:00:00Z",
 * as printf's "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d" writes it; the
 * digits by hand, since the SQL functions write two a row of every list
 * (vfprintf was 18 % of a page of 1,000 sessions).
 */
static char *
zone_iso(int year, int mon, int day, int h, int mi, int sec, char sign,
    int oh, int om)
{
	char	*s, *p;

	if (year < 0 || year > 9999 || mon < 0 || mon > 99 || day < 0 ||
	    day > 99 || h < 0 || h > 99 || mi < 0 || mi > 99 || sec < 0 ||
	    sec > 99 || oh < 0 || oh > 99 || om < 0 || om > 99) {
		if (sign == 'Z')
			return (xprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", year,
			    mon, day, h, mi, sec));
		return (xprintf("%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    year, mon, day, h, mi, sec, sign, oh, om));
	}
	p = s = xmalloc(sizeof "2026-12-03T10:00:00+01:00");
	p = zone_2(zone_2(p, year / 100), year % 100);
	*p++ = '-';
	p = zone_2(p, mon);
	*p++ = '-';
	p = zone_2(p, day);
	*p++ = 'T';
	p = zone_2(p, h);
	*p++ = ':';
	p = zone_2(p, mi);
	*p++ = ':';
	p = zone_2(p, sec);
	*p++ = sign;
	if (sign != 'Z') {
		p = zone_2(p, oh);
		*p++ = ':';
		p = zone_2(p, om);
	}
	*p = '\0';
	return (s);
}

/*
 * An unknown zone cannot be reported from here (no cause), so fall back to
 * UTC: the string still names the right instant.
 */
char *
zone_format_local(const char *tzid, time_t t)
{
	struct cal_local	 l;
	int			 off;
	char			 sign = '+';

	if (zone_utc_to_local(tzid, t, &l) != 0)
		return (zone_format_utc(t));
	off = l.utc_offset;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	/* Whole minutes: ISO 8601 has no seconds in an offset. */
	return (zone_iso(l.year, l.month, l.day, l.hour, l.minute, l.second,
	    sign, off / 3600, (off % 3600) / 60));
}

char *
zone_format_utc(time_t t)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL)
		return (xprintf("@%lld", (long long)t));
	return (zone_iso(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, 'Z', 0, 0));
}

void
zone_cleanup(void)
{
	icaltimezone_free_builtin_timezones();
}

struct icaltimetype
cal_local_to_ical(const struct cal_local *l)
{
	struct icaltimetype	 tt = icaltime_null_time();

	tt.year = l->year;
	tt.month = l->month;
	tt.day = l->day;
	tt.hour = l->hour;
	tt.minute = l->minute;
	tt.second = l->second;
	return (tt);
}

void
cal_local_from_ical(const struct icaltimetype *tt, struct cal_local *l)
{
	memset(l, 0, sizeof *l);
	l->year = tt->year;
	l->month = tt->month;
	l->day = tt->day;
	l->hour = tt->hour;
	l->minute = tt->minute;
	l->second = tt->second;
}

int
cal_mdays(int year, int month)
{
	static const int	 days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) ||
	    year % 400 == 0))
		return (29);
	return (days[month - 1]);
}

time_t
cal_days(int year, int month, int day)
{
	time_t	era, yoe, doy, doe;

	if (month <= 2)
		year--;
	era = (year >= 0 ? year : year - 399) / 400;
	yoe = year - era * 400;
	doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* 1970-01-01 was a Thursday. */
int
cal_wday(int year, int month, int day)
{
	return ((int)((cal_days(year, month, day) % 7 + 11) % 7));
}

time_t
cal_naive(const struct icaltimetype *tt)
{
	return (cal_days(tt->year, tt->month, tt->day) * 86400 +
	    tt->hour * 3600 + tt->minute * 60 + tt->second);
}

/*
 * libical's own answer is no good at the edges: for a time in the spring
 * gap it returns an instant that reads back as another time, and for the
 * repeated autumn hour it picks the second (standard time) occurrence. So
 * do it by hand: take the offsets in force a day before, at and a day
 * after the wall-clock time (zones change offset at most once in a day),
 * try the instant each implies, and keep those at which that offset is in
 * force, that is, that read back as the same wall-clock time. None means
 * the time falls in a gap; two mean the repeated hour, and the earlier
 * instant is its first occurrence.
 */
int
cal_to_utc(icaltimezone *zone, const struct icaltimetype *tt, time_t *out)
{
	time_t	naive = cal_naive(tt), off[3], t, best = 0;
	int	i, found = 0;

	if (zone == icaltimezone_get_utc_timezone()) {
		*out = naive;
		return (0);
	}
	off[0] = zone_offset(zone, naive - 86400);
	off[1] = zone_offset(zone, naive);
	off[2] = zone_offset(zone, naive + 86400);
	for (i = 0; i < 3; i++) {
		t = naive - off[i];
		if (zone_offset(zone, t) != off[i])
			continue;
		if (!found || t < best)
			best = t;
		found = 1;
	}
	if (!found) {
		*out = naive - off[0];
		return (-1);
	}
	*out = best;
	return (0);
}
