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
static int		 zone_local_equal(const struct cal_local *,
			    const struct cal_local *);
static const char	*zone_month_name(int);

/*
 * Looks up a zone by IANA name. libical turns the name into a path under the
 * zoneinfo directory, and would happily open "Europe/../Europe/Copenhagen",
 * so only the characters IANA names use are let through. The zone returned
 * belongs to libical (freed by icaltimezone_free_builtin_timezones at exit)
 * and must never be freed here.
 */
static icaltimezone *
zone_find(const char *tzid)
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

static int
zone_local_equal(const struct cal_local *a, const struct cal_local *b)
{
	return (a->year == b->year && a->month == b->month &&
	    a->day == b->day && a->hour == b->hour && a->minute == b->minute &&
	    a->second == b->second);
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
	struct tm		 tm;
	time_t			 naive;

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
	memset(&tm, 0, sizeof tm);
	tm.tm_year = out->year - 1900;
	tm.tm_mon = out->month - 1;
	tm.tm_mday = out->day;
	tm.tm_hour = out->hour;
	tm.tm_min = out->minute;
	tm.tm_sec = out->second;
	naive = timegm(&tm);
	out->wday = tm.tm_wday;
	out->utc_offset = (int)(naive - t);
	return (0);
}

int
zone_local_to_utc(const char *tzid, const struct cal_local *l, time_t *out,
    char **cause)
{
	struct cal_local	 back;
	struct tm		 tm;
	time_t			 naive, t, best = 0, probe[3];
	int			 mdays, found = 0, offsets[3];
	size_t			 i, j, noffsets = 0;
	char			 sec[8] = "";

	if (l->year < ZONE_YEAR_MIN || l->year > ZONE_YEAR_MAX) {
		return (cause_set(cause, "year %d is out of range (%d..%d)",
		    l->year, ZONE_YEAR_MIN, ZONE_YEAR_MAX));
	}
	if (l->month < 1 || l->month > 12) {
		return (cause_set(cause, "month %d is out of range (1..12)",
		    l->month));
	}
	mdays = icaltime_days_in_month(l->month, l->year);
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
	if (zone_find(tzid) == NULL) {
		return (cause_set(cause, "unknown time zone \"%s\"",
		    tzid == NULL ? "" : tzid));
	}

	memset(&tm, 0, sizeof tm);
	tm.tm_year = l->year - 1900;
	tm.tm_mon = l->month - 1;
	tm.tm_mday = l->day;
	tm.tm_hour = l->hour;
	tm.tm_min = l->minute;
	tm.tm_sec = l->second;
	naive = timegm(&tm);

	/*
	 * libical's own answer is no good at the edges: for a time in the
	 * spring gap it returns an instant that reads back as another time,
	 * and for the repeated autumn hour it picks the second (standard
	 * time) occurrence. So do it by hand: collect the offsets in force a
	 * day before, at and a day after the wall-clock time (zones change
	 * offset at most once in a day), try the instant each implies, and
	 * keep those that read back as the same wall-clock time. None means
	 * the time falls in a gap; two mean the repeated hour, and the
	 * earlier instant is its first occurrence.
	 */
	probe[0] = naive - 86400;
	probe[1] = naive;
	probe[2] = naive + 86400;
	for (i = 0; i < 3; i++) {
		if (zone_utc_to_local(tzid, probe[i], &back) != 0)
			continue;
		for (j = 0; j < noffsets; j++) {
			if (offsets[j] == back.utc_offset)
				break;
		}
		if (j == noffsets)
			offsets[noffsets++] = back.utc_offset;
	}
	for (i = 0; i < noffsets; i++) {
		t = naive - offsets[i];
		if (zone_utc_to_local(tzid, t, &back) != 0)
			continue;
		if (!zone_local_equal(l, &back))
			continue;
		if (!found || t < best)
			best = t;
		found = 1;
	}
	if (!found) {
		if (l->second != 0)
			snprintf(sec, sizeof sec, ":%02d", l->second);
		return (cause_set(cause, "%04d-%02d-%02d %02d:%02d%s does not "
		    "exist in %s (clocks skip forward)", l->year, l->month,
		    l->day, l->hour, l->minute, sec, tzid));
	}
	*out = best;
	return (0);
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
	return (xprintf("%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", l.year,
	    l.month, l.day, l.hour, l.minute, l.second, sign, off / 3600,
	    (off % 3600) / 60));
}

char *
zone_format_utc(time_t t)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL)
		return (xprintf("@%lld", (long long)t));
	return (xprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec));
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
