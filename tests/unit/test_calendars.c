/*
 * Unit tests for calendars/: zones around the 2026 DST changes in
 * Copenhagen, date input, and recurrence expansion.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "calendars.h"
#include "unittest.h"

#define CPH	"Europe/Copenhagen"

static struct cal_local local(int, int, int, int, int, int);
static void	 assert_local_to_utc(const char *, struct cal_local, time_t);
static void	 assert_refused(const char *, struct cal_local, const char *);
static void	 assert_when(const char *, time_t, time_t);
static char	*when_refused(const char *, const char *, time_t);
static void	 assert_all_local(const time_t *, size_t, int, int);

static struct cal_local
local(int y, int mo, int d, int h, int mi, int s)
{
	struct cal_local	l;

	memset(&l, 0, sizeof l);
	l.year = y;
	l.month = mo;
	l.day = d;
	l.hour = h;
	l.minute = mi;
	l.second = s;
	return (l);
}

/* Converts l in CPH, checks the instant, and that it reads back as l. */
static void
assert_local_to_utc(const char *tzid, struct cal_local l, time_t want)
{
	struct cal_local	 back;
	time_t			 t = 0;
	char			*cause = NULL;

	assert_int_equal(zone_local_to_utc(tzid, &l, &t, &cause), 0);
	assert_null(cause);
	assert_int_equal(t, want);
	assert_int_equal(zone_utc_to_local(tzid, t, &back), 0);
	assert_int_equal(back.year, l.year);
	assert_int_equal(back.month, l.month);
	assert_int_equal(back.day, l.day);
	assert_int_equal(back.hour, l.hour);
	assert_int_equal(back.minute, l.minute);
	assert_int_equal(back.second, l.second);
}

static void
assert_refused(const char *tzid, struct cal_local l, const char *want)
{
	time_t	 t = 0;
	char	*cause = NULL;

	assert_int_equal(zone_local_to_utc(tzid, &l, &t, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	/* A NULL cause is allowed and must not crash. */
	assert_int_equal(zone_local_to_utc(tzid, &l, &t, NULL), -1);
}

static void
assert_when(const char *text, time_t now, time_t want)
{
	time_t	 t = 0;
	char	*cause = NULL;

	if (when_parse(text, CPH, now, &t, &cause) != 0)
		fail_msg("when_parse(\"%s\") refused: %s", text, cause);
	assert_null(cause);
	assert_int_equal(t, want);
}

/* Returns the cause (caller frees) after checking the text is refused. */
static char *
when_refused(const char *text, const char *tzid, time_t now)
{
	time_t	 t = 0;
	char	*cause = NULL;

	assert_int_equal(when_parse(text, tzid, now, &t, &cause), -1);
	assert_non_null(cause);
	return (cause);
}

/* Every instant reads as hour:minute in CPH. */
static void
assert_all_local(const time_t *list, size_t n, int hour, int minute)
{
	struct cal_local	l;
	size_t			i;

	for (i = 0; i < n; i++) {
		assert_int_equal(zone_utc_to_local(CPH, list[i], &l), 0);
		assert_int_equal(l.hour, hour);
		assert_int_equal(l.minute, minute);
	}
}

static void
test_zone_valid(void **state)
{
	(void)state;
	assert_true(zone_valid(CPH));
	assert_true(zone_valid("UTC"));
	assert_true(zone_valid("America/New_York"));
	assert_false(zone_valid("Europe/Kobenhavn"));
	assert_false(zone_valid("europe/copenhagen"));
	assert_false(zone_valid(""));
	assert_false(zone_valid(NULL));
	/* libical would open these paths under the zoneinfo directory. */
	assert_false(zone_valid("Europe/../Europe/Copenhagen"));
	assert_false(zone_valid("../../../etc/passwd"));
	assert_false(zone_valid("/Europe/Copenhagen"));
	assert_false(zone_valid("Europe//Copenhagen"));
}

static void
test_zone_spring(void **state)
{
	(void)state;
	/* The day before and after clocks go forward on 2026-03-29. */
	assert_local_to_utc(CPH, local(2026, 3, 28, 10, 0, 0),
	    utc(2026, 3, 28, 9, 0, 0));
	assert_local_to_utc(CPH, local(2026, 3, 30, 10, 0, 0),
	    utc(2026, 3, 30, 8, 0, 0));
	/* Right around the change itself. */
	assert_local_to_utc(CPH, local(2026, 3, 29, 1, 59, 59),
	    utc(2026, 3, 29, 0, 59, 59));
	assert_local_to_utc(CPH, local(2026, 3, 29, 3, 0, 0),
	    utc(2026, 3, 29, 1, 0, 0));
}

static void
test_zone_autumn(void **state)
{
	(void)state;
	assert_local_to_utc(CPH, local(2026, 10, 24, 10, 0, 0),
	    utc(2026, 10, 24, 8, 0, 0));
	assert_local_to_utc(CPH, local(2026, 10, 26, 10, 0, 0),
	    utc(2026, 10, 26, 9, 0, 0));
	assert_local_to_utc(CPH, local(2026, 10, 25, 1, 59, 0),
	    utc(2026, 10, 24, 23, 59, 0));
	assert_local_to_utc(CPH, local(2026, 10, 25, 3, 0, 0),
	    utc(2026, 10, 25, 2, 0, 0));
}

static void
test_zone_gap_refused(void **state)
{
	(void)state;
	assert_refused(CPH, local(2026, 3, 29, 2, 30, 0),
	    "2026-03-29 02:30 does not exist in Europe/Copenhagen "
	    "(clocks skip forward)");
	assert_refused(CPH, local(2026, 3, 29, 2, 0, 0),
	    "2026-03-29 02:00 does not exist in Europe/Copenhagen "
	    "(clocks skip forward)");
	assert_refused(CPH, local(2026, 3, 29, 2, 59, 59),
	    "2026-03-29 02:59:59 does not exist in Europe/Copenhagen "
	    "(clocks skip forward)");
	assert_refused("America/New_York", local(2026, 3, 8, 2, 30, 0),
	    "2026-03-08 02:30 does not exist in America/New_York "
	    "(clocks skip forward)");
}

static void
test_zone_ambiguous_first(void **state)
{
	struct cal_local	 l;
	time_t			 t = 0;

	(void)state;
	/* 02:30 happens twice on 2026-10-25; the first is +02:00. */
	l = local(2026, 10, 25, 2, 30, 0);
	assert_int_equal(zone_local_to_utc(CPH, &l, &t, NULL), 0);
	assert_int_equal(t, utc(2026, 10, 25, 0, 30, 0));

	/* Both instants read back as 02:30, with their own offsets. */
	assert_int_equal(zone_utc_to_local(CPH, t, &l), 0);
	assert_int_equal(l.hour, 2);
	assert_int_equal(l.minute, 30);
	assert_int_equal(l.utc_offset, 7200);
	assert_int_equal(zone_utc_to_local(CPH, t + 3600, &l), 0);
	assert_int_equal(l.hour, 2);
	assert_int_equal(l.minute, 30);
	assert_int_equal(l.utc_offset, 3600);

	/* The edges of the repeated hour. */
	l = local(2026, 10, 25, 2, 0, 0);
	assert_int_equal(zone_local_to_utc(CPH, &l, &t, NULL), 0);
	assert_int_equal(t, utc(2026, 10, 25, 0, 0, 0));
	l = local(2026, 10, 25, 2, 59, 59);
	assert_int_equal(zone_local_to_utc(CPH, &l, &t, NULL), 0);
	assert_int_equal(t, utc(2026, 10, 25, 0, 59, 59));
}

static void
test_zone_ranges(void **state)
{
	(void)state;
	assert_refused(CPH, local(2026, 13, 3, 10, 0, 0),
	    "month 13 is out of range (1..12)");
	assert_refused(CPH, local(2026, 0, 3, 10, 0, 0),
	    "month 0 is out of range (1..12)");
	assert_refused(CPH, local(2026, 4, 31, 10, 0, 0),
	    "day 31 is out of range: April 2026 has 30 days");
	assert_refused(CPH, local(2026, 2, 29, 10, 0, 0),
	    "day 29 is out of range: February 2026 has 28 days");
	assert_refused(CPH, local(2026, 2, 0, 10, 0, 0),
	    "day 0 is out of range: February 2026 has 28 days");
	assert_refused(CPH, local(2026, 12, 3, 24, 0, 0),
	    "hour 24 is out of range (0..23)");
	assert_refused(CPH, local(2026, 12, 3, -1, 0, 0),
	    "hour -1 is out of range (0..23)");
	assert_refused(CPH, local(2026, 12, 3, 10, 60, 0),
	    "minute 60 is out of range (0..59)");
	assert_refused(CPH, local(2026, 12, 3, 10, 0, 60),
	    "second 60 is out of range (0..59)");
	assert_refused(CPH, local(1969, 12, 3, 10, 0, 0),
	    "year 1969 is out of range (1970..2500)");
	assert_refused("Europe/Kobenhavn", local(2026, 12, 3, 10, 0, 0),
	    "unknown time zone \"Europe/Kobenhavn\"");
	assert_refused(NULL, local(2026, 12, 3, 10, 0, 0),
	    "unknown time zone \"\"");
	/* A leap year has its 29 February. */
	assert_local_to_utc(CPH, local(2028, 2, 29, 10, 0, 0),
	    utc(2028, 2, 29, 9, 0, 0));
}

static void
test_zone_utc_to_local(void **state)
{
	struct cal_local	l;

	(void)state;
	assert_int_equal(zone_utc_to_local(CPH, utc(2026, 12, 3, 9, 0, 5),
	    &l), 0);
	assert_int_equal(l.year, 2026);
	assert_int_equal(l.month, 12);
	assert_int_equal(l.day, 3);
	assert_int_equal(l.hour, 10);
	assert_int_equal(l.minute, 0);
	assert_int_equal(l.second, 5);
	assert_int_equal(l.wday, 4);	/* Thursday */
	assert_int_equal(l.utc_offset, 3600);

	/* The local date can differ from the UTC date. */
	assert_int_equal(zone_utc_to_local(CPH, utc(2026, 6, 30, 23, 30, 0),
	    &l), 0);
	assert_int_equal(l.month, 7);
	assert_int_equal(l.day, 1);
	assert_int_equal(l.hour, 1);
	assert_int_equal(l.wday, 3);	/* Wednesday */
	assert_int_equal(l.utc_offset, 7200);

	assert_int_equal(zone_utc_to_local("Asia/Kolkata",
	    utc(2026, 12, 3, 9, 0, 0), &l), 0);
	assert_int_equal(l.hour, 14);
	assert_int_equal(l.minute, 30);
	assert_int_equal(l.utc_offset, 19800);

	assert_int_equal(zone_utc_to_local("UTC", utc(2026, 12, 3, 9, 0, 0),
	    &l), 0);
	assert_int_equal(l.hour, 9);
	assert_int_equal(l.utc_offset, 0);

	assert_int_equal(zone_utc_to_local("Mars/Olympus_Mons", 0, &l), -1);
}

static void
test_zone_format(void **state)
{
	char	*s;

	(void)state;
	s = zone_format_local(CPH, utc(2026, 12, 3, 9, 0, 0));
	assert_string_equal(s, "2026-12-03T10:00:00+01:00");
	free(s);
	s = zone_format_local(CPH, utc(2026, 7, 1, 8, 0, 0));
	assert_string_equal(s, "2026-07-01T10:00:00+02:00");
	free(s);
	s = zone_format_local("America/New_York", utc(2026, 12, 3, 15, 0, 0));
	assert_string_equal(s, "2026-12-03T10:00:00-05:00");
	free(s);
	s = zone_format_local("Asia/Kolkata", utc(2026, 12, 3, 4, 30, 0));
	assert_string_equal(s, "2026-12-03T10:00:00+05:30");
	free(s);
	s = zone_format_local("UTC", utc(2026, 12, 3, 9, 0, 0));
	assert_string_equal(s, "2026-12-03T09:00:00+00:00");
	free(s);
	/* Both passes of the repeated hour, told apart by the offset. */
	s = zone_format_local(CPH, utc(2026, 10, 25, 0, 30, 0));
	assert_string_equal(s, "2026-10-25T02:30:00+02:00");
	free(s);
	s = zone_format_local(CPH, utc(2026, 10, 25, 1, 30, 0));
	assert_string_equal(s, "2026-10-25T02:30:00+01:00");
	free(s);
	/* An unknown zone still names the right instant. */
	s = zone_format_local("Nowhere/Special", utc(2026, 12, 3, 9, 0, 0));
	assert_string_equal(s, "2026-12-03T09:00:00Z");
	free(s);
	s = zone_format_utc(utc(2026, 12, 3, 9, 0, 0));
	assert_string_equal(s, "2026-12-03T09:00:00Z");
	free(s);
	s = zone_format_utc(0);
	assert_string_equal(s, "1970-01-01T00:00:00Z");
	free(s);
	/* Written by hand, not printf: a half hour west, the edges. */
	s = zone_format_local("America/St_Johns", utc(2026, 12, 3, 13, 30, 59));
	assert_string_equal(s, "2026-12-03T10:00:59-03:30");
	free(s);
	s = zone_format_utc(-1);
	assert_string_equal(s, "1969-12-31T23:59:59Z");
	free(s);
	s = zone_format_utc((time_t)253402300800);	/* past year 9999 */
	assert_string_equal(s, "10000-01-01T00:00:00Z");
	free(s);
}

static void
test_when_absolute_forms(void **state)
{
	time_t	now = utc(2026, 1, 1, 12, 0, 0);

	(void)state;
	assert_when("2026-12-03 10:00", now, utc(2026, 12, 3, 9, 0, 0));
	assert_when("2026-12-03T10:00", now, utc(2026, 12, 3, 9, 0, 0));
	assert_when("2026-12-03T10:00:30", now, utc(2026, 12, 3, 9, 0, 30));
	assert_when("2026-12-03 10:00:30", now, utc(2026, 12, 3, 9, 0, 30));
	assert_when("2026-07-01 10:00", now, utc(2026, 7, 1, 8, 0, 0));
	assert_when("2026-12-03", now, utc(2026, 12, 2, 23, 0, 0));
	assert_when("2026-07-01", now, utc(2026, 6, 30, 22, 0, 0));
	assert_when("2026-12-03T10:00:00+01:00", now,
	    utc(2026, 12, 3, 9, 0, 0));
	assert_when("2026-12-03T10:00:00Z", now, utc(2026, 12, 3, 10, 0, 0));
	assert_when("2026-12-03T10:00:00z", now, utc(2026, 12, 3, 10, 0, 0));
	assert_when("2026-12-03T10:00Z", now, utc(2026, 12, 3, 10, 0, 0));
	assert_when("2026-12-03T10:00:00-05:00", now,
	    utc(2026, 12, 3, 15, 0, 0));
	assert_when("2026-12-03T10:00:00+0530", now,
	    utc(2026, 12, 3, 4, 30, 0));
	/* An explicit offset wins over the zone, even in summer. */
	assert_when("2026-07-01T10:00:00+01:00", now,
	    utc(2026, 7, 1, 9, 0, 0));
	/* Space around, Danish dots, "kl.", one-digit month and day. */
	assert_when("  2026-12-03 10:00 \n", now, utc(2026, 12, 3, 9, 0, 0));
	assert_when("2026-12-03 10.00", now, utc(2026, 12, 3, 9, 0, 0));
	assert_when("2026-12-03 kl. 10.00", now, utc(2026, 12, 3, 9, 0, 0));
	assert_when("2026-12-03 kl. 10", now, utc(2026, 12, 3, 9, 0, 0));
	assert_when("2026-12-3 9:05", now, utc(2026, 12, 3, 8, 5, 0));
	/* The repeated hour means its first pass. */
	assert_when("2026-10-25 02:30", now, utc(2026, 10, 25, 0, 30, 0));
}

static void
test_when_relative_forms(void **state)
{
	/* 22:30 on Saturday 28 March in Copenhagen; DST starts overnight. */
	time_t	now = utc(2026, 3, 28, 21, 30, 0);
	time_t	today10 = utc(2026, 3, 28, 9, 0, 0);
	time_t	tomorrow10 = utc(2026, 3, 29, 8, 0, 0);

	(void)state;
	assert_when("today 10:00", now, today10);
	assert_when("Today 10:00", now, today10);
	assert_when("i dag 10:00", now, today10);
	assert_when("I dag kl. 10.00", now, today10);
	assert_when("tomorrow 10:00", now, tomorrow10);
	assert_when("TOMORROW 10:00", now, tomorrow10);
	assert_when("i morgen 10:00", now, tomorrow10);
	assert_when("i morgen kl. 10:00", now, tomorrow10);
	assert_when("i morgen kl 10.00", now, tomorrow10);
	assert_when("i  morgen  kl.  10", now, tomorrow10);
	assert_when("i morgen kl. 10.00.00", now, tomorrow10);
	assert_when("tomorrow 10:00:15", now, tomorrow10 + 15);

	/*
	 * 00:30 on 3 December in Copenhagen is still 2 December in UTC:
	 * "today" is the local day.
	 */
	now = utc(2026, 12, 2, 23, 30, 0);
	assert_when("today 10:00", now, utc(2026, 12, 3, 9, 0, 0));
	assert_when("i morgen 10:00", now, utc(2026, 12, 4, 9, 0, 0));
	/* Tomorrow across the end of a month and a year. */
	now = utc(2026, 12, 31, 12, 0, 0);
	assert_when("tomorrow 10:00", now, utc(2027, 1, 1, 9, 0, 0));
}

/* As Danes type a date: 8.12.2026, 8/12, 8. december, tirsdag kl. 10. */
static void
test_when_danish_forms(void **state)
{
	/* Sunday 6 December 2026, 13:00 in Copenhagen. */
	time_t		 now = utc(2026, 12, 6, 12, 0, 0);
	time_t		 tue10 = utc(2026, 12, 8, 9, 0, 0);
	char		*cause;
	size_t		 i;
	const char	*same[] = { "8.12.2026 10:00", "8/12 10.00",
	    "8. december kl. 10", "8. December kl. 10.00", "8 dec 10:00",
	    "8. dec. kl. 10", "8.12. kl. 10", "8.12 10.00", "08.12.2026 10.00",
	    "8/12/2026 10:00", "tirsdag kl. 10", "Tirsdag kl 10.00",
	    "TIRSDAG KL. 10", "tuesday 10:00", "tirsdag 10.00",
	    "tirsdag den 8. december 2026 kl. 10.00", "tirsdag 8/12 10:00",
	    "Tuesday, 8 December 2026, 10:00", "8 december 2026 10:00",
	    "8.12.2026, kl. 10", NULL };
	const char	*unreadable[] = { "tirsdag", "8/12", "8.12.2026 10:00Z",
	    "8. decembr kl. 10", "8.12.2026 10", "tirsdag 10", "8-12 10:00",
	    "8.12.26 10:00", "tirsdagen kl. 10", "8/12.2026 10:00",
	    "kl. 10", "8. kl. 10", NULL };

	(void)state;
	for (i = 0; same[i] != NULL; i++)
		assert_when(same[i], now, tue10);
	assert_when("8.12.2026", now, utc(2026, 12, 7, 23, 0, 0));
	/* A day and month gone by this year is next year's. */
	assert_when("5/12 10:00", now, utc(2027, 12, 5, 9, 0, 0));
	assert_when("6/12 10:00", now, utc(2026, 12, 6, 9, 0, 0));
	assert_when("1. januar kl. 10", now, utc(2027, 1, 1, 9, 0, 0));
	/* A weekday is the next one; today's weekday is a week on. */
	assert_when("søndag kl. 10", now, utc(2026, 12, 13, 9, 0, 0));
	assert_when("SØNDAG KL. 10", now, utc(2026, 12, 13, 9, 0, 0));
	assert_when("lørdag kl. 9.30", now, utc(2026, 12, 12, 8, 30, 0));
	assert_when("mandag kl. 10", now, utc(2026, 12, 7, 9, 0, 0));
	for (i = 0; unreadable[i] != NULL; i++) {
		cause = when_refused(unreadable[i], CPH, now);
		assert_non_null(strstr(cause, "cannot read"));
		assert_non_null(strstr(cause, "8. december") == NULL ?
		    strstr(cause, "3. december kl. 10") : cause);
		free(cause);
	}
	cause = when_refused("onsdag 8.12.2026 10:00", CPH, now);
	assert_string_equal(cause, "\"onsdag 8.12.2026 10:00\": 2026-12-08 "
	    "is a tuesday, not a wednesday");
	free(cause);
	cause = when_refused("32.12.2026 10:00", CPH, now);
	assert_non_null(strstr(cause, "day 32 is out of range"));
	free(cause);
	cause = when_refused("8.13 10:00", CPH, now);
	assert_non_null(strstr(cause, "month 13 is out of range"));
	free(cause);
}

/*
 * A Danish time on the last Sunday of October, when the clocks go back:
 * 10:00 is CET, the day before CEST; 2.30 comes twice and means the first.
 */
static void
test_when_danish_dst(void **state)
{
	/* Saturday 24 October 2026, 12:00 in Copenhagen (CEST). */
	time_t	now = utc(2026, 10, 24, 10, 0, 0);

	(void)state;
	assert_when("søndag kl. 10", now, utc(2026, 10, 25, 9, 0, 0));
	assert_when("25.10.2026 10:00", now, utc(2026, 10, 25, 9, 0, 0));
	assert_when("25/10 10.00", now, utc(2026, 10, 25, 9, 0, 0));
	assert_when("25. oktober kl. 2.30", now, utc(2026, 10, 25, 0, 30, 0));
	assert_when("i morgen kl. 3", now, utc(2026, 10, 25, 2, 0, 0));
	assert_when("i dag kl. 10", now, utc(2026, 10, 24, 8, 0, 0));
	assert_when("lørdag kl. 10", now, utc(2026, 10, 31, 9, 0, 0));
	/* And the spring gap: 2.30 on the last Sunday of March is not. */
	now = utc(2027, 3, 27, 10, 0, 0);
	free(when_refused("søndag kl. 2.30", CPH, now));
	assert_when("søndag kl. 3.30", now, utc(2027, 3, 28, 1, 30, 0));
}

static void
test_when_refused(void **state)
{
	time_t		 now = utc(2026, 3, 28, 21, 30, 0);
	char		*cause;
	const char	*unreadable[] = { "next tuesday", "today", "i morgen",
	    "i morgen kl.", "tomorrow 10", "2026-12-03T10",
	    "2026-12-03 10:00 please", "03-12-2026 10:00", "2026/12/03 10:00",
	    "26-12-03 10:00", "2026-12-03 100:00", "2026-12-03 10:0",
	    "today 10:00Z", "2026-12-03T10:00:00+1", "2026-12-03T10:00:00+15:00",
	    "idag 10:00", "tomorrow10:00", "2026-12-03T10:00:00+053",
	    "2026-12-03T10:00:00+05300", NULL };
	size_t		 i;

	(void)state;
	for (i = 0; unreadable[i] != NULL; i++) {
		cause = when_refused(unreadable[i], CPH, now);
		/* The cause quotes the text and shows what works. */
		assert_non_null(strstr(cause, unreadable[i]));
		assert_non_null(strstr(cause, "2026-12-03 10:00"));
		assert_non_null(strstr(cause, "i morgen kl. 10.00"));
		free(cause);
	}

	cause = when_refused("", CPH, now);
	assert_non_null(strstr(cause, "no date and time given"));
	free(cause);
	cause = when_refused("   ", CPH, now);
	assert_non_null(strstr(cause, "no date and time given"));
	free(cause);
	cause = when_refused(NULL, CPH, now);
	assert_non_null(strstr(cause, "no date and time given"));
	free(cause);

	/* Readable but impossible: the cause says what is wrong. */
	cause = when_refused("2026-13-03 10:00", CPH, now);
	assert_string_equal(cause,
	    "\"2026-13-03 10:00\": month 13 is out of range (1..12)");
	free(cause);
	cause = when_refused("2026-02-30 10:00", CPH, now);
	assert_string_equal(cause, "\"2026-02-30 10:00\": day 30 is out of "
	    "range: February 2026 has 28 days");
	free(cause);
	cause = when_refused("2026-12-03 25:00", CPH, now);
	assert_string_equal(cause,
	    "\"2026-12-03 25:00\": hour 25 is out of range (0..23)");
	free(cause);
	cause = when_refused("2026-12-03T10:61:00Z", CPH, now);
	assert_string_equal(cause,
	    "\"2026-12-03T10:61:00Z\": minute 61 is out of range (0..59)");
	free(cause);
	cause = when_refused("2026-03-29 02:30", CPH, now);
	assert_string_equal(cause, "\"2026-03-29 02:30\": 2026-03-29 02:30 "
	    "does not exist in Europe/Copenhagen (clocks skip forward)");
	free(cause);
	/* Tomorrow from 28 March is the day of the gap. */
	cause = when_refused("i morgen kl. 2.30", CPH, now);
	assert_non_null(strstr(cause, "2026-03-29 02:30 does not exist"));
	free(cause);
	cause = when_refused("2026-12-03 10:00", "Europe/Kobenhavn", now);
	assert_non_null(strstr(cause, "unknown time zone \"Europe/Kobenhavn\""));
	free(cause);
	cause = when_refused("today 10:00", "Europe/Kobenhavn", now);
	assert_non_null(strstr(cause, "unknown time zone \"Europe/Kobenhavn\""));
	free(cause);

	/* Long or binary junk is cut and made printable in the cause. */
	cause = when_refused("\x01\x02 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", CPH, now);
	assert_non_null(strstr(cause, "\"?? xxx"));
	assert_non_null(strstr(cause, "...\""));
	free(cause);
}

static void
test_recur_rrule_weekly(void **state)
{
	/* Tuesday 6 October 2026, 10:00 in Copenhagen. */
	time_t	 start = utc(2026, 10, 6, 8, 0, 0), *list = NULL;
	size_t	 n = 0;
	char	*cause = NULL;

	(void)state;
	assert_int_equal(recur_expand(CPH, start, "FREQ=WEEKLY;BYDAY=TU;COUNT=6",
	    RECUR_MAX, &list, &n, &cause), 0);
	assert_null(cause);
	assert_int_equal(n, 6);
	assert_int_equal(list[0], start);
	assert_int_equal(list[1], utc(2026, 10, 13, 8, 0, 0));
	assert_int_equal(list[2], utc(2026, 10, 20, 8, 0, 0));
	/* Clocks go back on 25 October: 10:00 is now 09:00Z. */
	assert_int_equal(list[3], utc(2026, 10, 27, 9, 0, 0));
	assert_int_equal(list[4], utc(2026, 11, 3, 9, 0, 0));
	assert_int_equal(list[5], utc(2026, 11, 10, 9, 0, 0));
	assert_all_local(list, n, 10, 0);
	free(list);

	/* The property name a paste brings along is forgiven. */
	list = NULL;
	assert_int_equal(recur_expand(CPH, start,
	    " RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4 ", RECUR_MAX, &list, &n,
	    &cause), 0);
	assert_int_equal(n, 4);
	assert_int_equal(list[1], utc(2026, 10, 8, 8, 0, 0));
	assert_int_equal(list[3], utc(2026, 10, 15, 8, 0, 0));
	free(list);
}

static void
test_recur_weekly_spring(void **state)
{
	/* Tuesday 17 March 2026, 10:00; clocks go forward on 29 March. */
	time_t	 start = utc(2026, 3, 17, 9, 0, 0), *list = NULL;
	size_t	 n = 0;
	char	*cause = NULL;

	(void)state;
	assert_int_equal(recur_weekly(CPH, start, 6, &list, &n, &cause), 0);
	assert_null(cause);
	assert_int_equal(n, 6);
	assert_int_equal(list[0], start);
	assert_int_equal(list[1], utc(2026, 3, 24, 9, 0, 0));
	assert_int_equal(list[2], utc(2026, 3, 31, 8, 0, 0));
	assert_int_equal(list[3], utc(2026, 4, 7, 8, 0, 0));
	assert_int_equal(list[4], utc(2026, 4, 14, 8, 0, 0));
	assert_int_equal(list[5], utc(2026, 4, 21, 8, 0, 0));
	assert_all_local(list, n, 10, 0);
	free(list);

	/* And across the autumn change, for a daily rule. */
	list = NULL;
	start = utc(2026, 10, 23, 8, 0, 0);
	assert_int_equal(recur_expand(CPH, start, "FREQ=DAILY;COUNT=5",
	    RECUR_MAX, &list, &n, &cause), 0);
	assert_int_equal(n, 5);
	assert_all_local(list, n, 10, 0);
	assert_int_equal(list[1] - list[0], 86400);
	assert_int_equal(list[2] - list[1], 90000);	/* 25-hour day */
	assert_int_equal(list[3] - list[2], 86400);
	free(list);
}

static void
test_recur_weekly_refused(void **state)
{
	time_t	 start = utc(2026, 3, 17, 9, 0, 0), *list = NULL;
	size_t	 n = 1;
	char	*cause = NULL;

	(void)state;
	assert_int_equal(recur_weekly(CPH, start, 0, &list, &n, &cause), -1);
	assert_string_equal(cause, "a weekly series needs at least one session");
	assert_null(list);
	assert_int_equal(n, 0);
	free(cause);
	cause = NULL;
	assert_int_equal(recur_weekly(CPH, start, RECUR_MAX + 1, &list, &n,
	    &cause), -1);
	assert_string_equal(cause,
	    "a weekly series has at most 260 sessions, not 261");
	free(cause);
	assert_int_equal(recur_weekly(CPH, start, RECUR_MAX, &list, &n, NULL),
	    0);
	assert_int_equal(n, RECUR_MAX);
	assert_all_local(list, n, 10, 0);
	free(list);
	assert_int_equal(recur_weekly("Nowhere/Special", start, 6, &list, &n,
	    &cause), -1);
	assert_string_equal(cause, "unknown time zone \"Nowhere/Special\"");
	free(cause);
}

static void
test_recur_until(void **state)
{
	time_t	 start = utc(2026, 10, 6, 8, 0, 0), *list = NULL;
	size_t	 n = 0;
	char	*cause = NULL;
	struct timespec	 t0, t1;

	(void)state;
	/* A date UNTIL includes sessions on that day. */
	assert_int_equal(recur_expand(CPH, start, "FREQ=WEEKLY;UNTIL=20261027",
	    RECUR_MAX, &list, &n, &cause), 0);
	assert_int_equal(n, 4);
	assert_int_equal(list[3], utc(2026, 10, 27, 9, 0, 0));
	free(list);

	/* A UTC UNTIL is an instant: the 27th at 10:00 is 09:00Z. */
	assert_int_equal(recur_expand(CPH, start,
	    "FREQ=WEEKLY;UNTIL=20261027T090000Z", RECUR_MAX, &list, &n,
	    &cause), 0);
	assert_int_equal(n, 4);
	free(list);
	assert_int_equal(recur_expand(CPH, start,
	    "FREQ=WEEKLY;UNTIL=20261027T085959Z", RECUR_MAX, &list, &n,
	    &cause), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[2], utc(2026, 10, 20, 8, 0, 0));
	free(list);

	/* A floating UNTIL is read as wall-clock time in the zone. */
	assert_int_equal(recur_expand(CPH, start,
	    "FREQ=WEEKLY;UNTIL=20261027T100000", RECUR_MAX, &list, &n,
	    &cause), 0);
	assert_int_equal(n, 4);
	free(list);
	assert_int_equal(recur_expand(CPH, start,
	    "FREQ=WEEKLY;UNTIL=20261027T095959", RECUR_MAX, &list, &n,
	    &cause), 0);
	assert_int_equal(n, 3);
	free(list);

	/* UNTIL on the first day: just the one session. */
	assert_int_equal(recur_expand(CPH, start, "FREQ=WEEKLY;UNTIL=20261006",
	    RECUR_MAX, &list, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0], start);
	free(list);
	assert_null(cause);

	/* UNTIL before the start gives nothing, which is refused. */
	list = NULL;
	assert_int_equal(recur_expand(CPH, start, "FREQ=WEEKLY;UNTIL=20261001",
	    RECUR_MAX, &list, &n, &cause), -1);
	assert_string_equal(cause, "recurrence rule \"FREQ=WEEKLY;"
	    "UNTIL=20261001\" gives no sessions from 2026-10-06T10:00:00+02:00");
	assert_null(list);
	free(cause);
	cause = NULL;

	/*
	 * A rule that never matches a day is refused the same way, at once:
	 * libical would search on for a second or more.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(recur_expand(CPH, start,
	    "FREQ=MONTHLY;BYDAY=7MO;COUNT=2", RECUR_MAX, &list, &n, &cause),
	    -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_string_equal(cause, "recurrence rule \"FREQ=MONTHLY;BYDAY=7MO;"
	    "COUNT=2\" gives no sessions from 2026-10-06T10:00:00+02:00");
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 < 100);
	free(cause);
}

static void
test_recur_start(void **state)
{
	/* Monday 5 October: not a Tuesday, so not a session. */
	time_t	 start = utc(2026, 10, 5, 8, 0, 0), *list = NULL;
	size_t	 n = 0;

	(void)state;
	assert_int_equal(recur_expand(CPH, start, "FREQ=WEEKLY;BYDAY=TU;COUNT=3",
	    RECUR_MAX, &list, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[0], utc(2026, 10, 6, 8, 0, 0));
	assert_int_equal(list[2], utc(2026, 10, 20, 8, 0, 0));
	free(list);

	/* Last weekday of the month, three times. */
	assert_int_equal(recur_expand(CPH, start,
	    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3",
	    RECUR_MAX, &list, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[0], utc(2026, 10, 30, 9, 0, 0));
	assert_int_equal(list[1], utc(2026, 11, 30, 9, 0, 0));
	assert_int_equal(list[2], utc(2026, 12, 31, 9, 0, 0));
	free(list);

	/* A start in the second pass of the repeated hour is kept as is. */
	start = utc(2026, 10, 25, 1, 30, 0);
	assert_int_equal(recur_expand(CPH, start, "FREQ=DAILY;COUNT=2",
	    RECUR_MAX, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0], start);
	assert_int_equal(list[1], utc(2026, 10, 26, 1, 30, 0));
	free(list);
}

static void
test_recur_refused(void **state)
{
	time_t		 start = utc(2026, 10, 6, 8, 0, 0), *list;
	size_t		 n, i;
	char		*cause;
	const struct {
		const char	*rule;
		size_t		 max;
		const char	*want;
	} cases[] = {
		{ "FREQ=WEEKLY;BYDAY=TU", RECUR_MAX,
		  "recurrence rule \"FREQ=WEEKLY;BYDAY=TU\" never ends; add "
		  "COUNT or UNTIL" },
		{ "FREQ=WEEKLY;COUNT=261", RECUR_MAX,
		  "recurrence rule \"FREQ=WEEKLY;COUNT=261\" asks for 261 "
		  "sessions, more than the 260 allowed" },
		{ "FREQ=WEEKLY;COUNT=6", 5,
		  "recurrence rule \"FREQ=WEEKLY;COUNT=6\" asks for 6 "
		  "sessions, more than the 5 allowed" },
		{ "FREQ=DAILY;UNTIL=20301231", RECUR_MAX,
		  "recurrence rule \"FREQ=DAILY;UNTIL=20301231\" gives more "
		  "than the 260 sessions allowed" },
		{ "FREQ=WEEKLY;UNTIL=20261110", 5,
		  "recurrence rule \"FREQ=WEEKLY;UNTIL=20261110\" gives more "
		  "than the 5 sessions allowed" },
		{ "garbage", RECUR_MAX,
		  "cannot read recurrence rule \"garbage\"; write for example "
		  "FREQ=WEEKLY;BYDAY=TU;COUNT=6" },
		{ "FREQ=SOMETIMES;COUNT=3", RECUR_MAX,
		  "cannot read recurrence rule \"FREQ=SOMETIMES;COUNT=3\"; "
		  "write for example FREQ=WEEKLY;BYDAY=TU;COUNT=6" },
		{ "FREQ=WEEKLY;COUNT=abc", RECUR_MAX,
		  "cannot read recurrence rule \"FREQ=WEEKLY;COUNT=abc\"; "
		  "write for example FREQ=WEEKLY;BYDAY=TU;COUNT=6" },
		{ "FREQ=WEEKLY;BYDAY=XX;COUNT=2", RECUR_MAX,
		  "cannot read recurrence rule \"FREQ=WEEKLY;BYDAY=XX;COUNT=2\"; "
		  "write for example FREQ=WEEKLY;BYDAY=TU;COUNT=6" },
		{ "FREQ=WEEKLY;COUNT=2;UNTIL=20261201", RECUR_MAX,
		  "cannot read recurrence rule \"FREQ=WEEKLY;COUNT=2;"
		  "UNTIL=20261201\"; write for example "
		  "FREQ=WEEKLY;BYDAY=TU;COUNT=6" },
		{ "COUNT=3", RECUR_MAX,
		  "cannot read recurrence rule \"COUNT=3\"; write for example "
		  "FREQ=WEEKLY;BYDAY=TU;COUNT=6" },
		{ "FREQ=WEEKLY;BYMONTHDAY=3;COUNT=2", RECUR_MAX,
		  "recurrence rule \"FREQ=WEEKLY;BYMONTHDAY=3;COUNT=2\" is not "
		  "valid (do its BY parts fit its FREQ?)" },
		{ "FREQ=HOURLY;COUNT=3", RECUR_MAX,
		  "recurrence rule \"FREQ=HOURLY;COUNT=3\": sessions can repeat "
		  "at most daily, not HOURLY" },
		{ "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30;COUNT=1", RECUR_MAX,
		  "recurrence rule \"FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30;"
		  "COUNT=1\": sessions can repeat at most daily, not MINUTELY" },
		{ "", RECUR_MAX,
		  "recurrence rule is empty; write for example "
		  "FREQ=WEEKLY;BYDAY=TU;COUNT=6" },
		{ "RRULE:", RECUR_MAX,
		  "recurrence rule is empty; write for example "
		  "FREQ=WEEKLY;BYDAY=TU;COUNT=6" },
	};

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		list = (time_t *)&start;	/* must be reset */
		n = 99;
		cause = NULL;
		if (recur_expand(CPH, start, cases[i].rule, cases[i].max,
		    &list, &n, &cause) != -1)
			fail_msg("rule \"%s\" was accepted", cases[i].rule);
		assert_null(list);
		assert_int_equal(n, 0);
		assert_non_null(cause);
		assert_string_equal(cause, cases[i].want);
		free(cause);
		/* And with no cause wanted. */
		assert_int_equal(recur_expand(CPH, start, cases[i].rule,
		    cases[i].max, &list, &n, NULL), -1);
	}
	/* libical's error state is left clean. */
	assert_int_equal(icalerrno, ICAL_NO_ERROR);

	cause = NULL;
	assert_int_equal(recur_expand("Nowhere/Special", start,
	    "FREQ=WEEKLY;COUNT=2", RECUR_MAX, &list, &n, &cause), -1);
	assert_string_equal(cause, "unknown time zone \"Nowhere/Special\"");
	free(cause);
}

static void
test_recur_gap(void **state)
{
	/* Daily at 02:30 from 27 March runs into the gap on the 29th. */
	time_t	 start = utc(2026, 3, 27, 1, 30, 0), *list = NULL;
	size_t	 n = 0;
	char	*cause = NULL;

	(void)state;
	assert_int_equal(recur_expand(CPH, start, "FREQ=DAILY;COUNT=4",
	    RECUR_MAX, &list, &n, &cause), -1);
	assert_string_equal(cause, "session 3 of \"FREQ=DAILY;COUNT=4\": "
	    "2026-03-29 02:30 does not exist in Europe/Copenhagen "
	    "(clocks skip forward)");
	assert_null(list);
	free(cause);

	/* Weekly on Fridays misses the Sunday gap and keeps 02:30. */
	assert_int_equal(recur_expand(CPH, start, "FREQ=WEEKLY;COUNT=3",
	    RECUR_MAX, &list, &n, &cause), 0);
	assert_int_equal(n, 3);
	assert_all_local(list, n, 2, 30);
	free(list);
}

static void
test_recur_shift(void **state)
{
	time_t	 from, to, t, out = 0;
	char	*cause = NULL;

	(void)state;
	/* Tuesday 20 Oct 10:00 -> Wednesday 21 Oct 11:00 (both +02:00). */
	from = utc(2026, 10, 20, 8, 0, 0);
	to = utc(2026, 10, 21, 9, 0, 0);
	/* A later Tuesday at 10:00, after clocks went back: 09:00Z. */
	t = utc(2026, 10, 27, 9, 0, 0);
	assert_int_equal(recur_shift(CPH, t, from, to, &out, &cause), 0);
	/* Wednesday 28 October 11:00 +01:00. */
	assert_int_equal(out, utc(2026, 10, 28, 10, 0, 0));
	assert_null(cause);

	/* The session being moved itself lands on to. */
	assert_int_equal(recur_shift(CPH, from, from, to, &out, NULL), 0);
	assert_int_equal(out, to);

	/* Moving back a week and an hour earlier, across the spring change. */
	from = utc(2026, 4, 7, 8, 0, 0);	/* Tue 7 April 10:00 */
	to = utc(2026, 3, 31, 7, 0, 0);		/* Tue 31 March 09:00 */
	t = utc(2026, 4, 14, 8, 0, 0);		/* Tue 14 April 10:00 */
	assert_int_equal(recur_shift(CPH, t, from, to, &out, NULL), 0);
	assert_int_equal(out, utc(2026, 4, 7, 7, 0, 0));
	t = utc(2026, 3, 31, 8, 0, 0);		/* Tue 31 March 10:00 */
	assert_int_equal(recur_shift(CPH, t, from, to, &out, NULL), 0);
	assert_int_equal(out, utc(2026, 3, 24, 8, 0, 0));	/* 09:00 +01 */

	/* A move that lands a session in the gap is refused. */
	from = utc(2026, 3, 21, 9, 0, 0);	/* Sat 21 March 10:00 */
	to = utc(2026, 3, 22, 1, 30, 0);	/* Sun 22 March 02:30 */
	t = utc(2026, 3, 28, 9, 0, 0);		/* Sat 28 March 10:00 */
	assert_int_equal(recur_shift(CPH, t, from, to, &out, &cause), -1);
	assert_string_equal(cause, "cannot move the session at "
	    "2026-03-28T10:00:00+01:00: 2026-03-29 02:30 does not exist in "
	    "Europe/Copenhagen (clocks skip forward)");
	free(cause);
	cause = NULL;
	assert_int_equal(recur_shift("Nowhere/Special", t, from, to, &out,
	    &cause), -1);
	assert_string_equal(cause, "unknown time zone \"Nowhere/Special\"");
	free(cause);
}

/* The builtin zones belong to libical; hand them back for leak checkers. */
static int
teardown_zones(void **state)
{
	(void)state;
	zone_cleanup();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_zone_valid),
		cmocka_unit_test(test_zone_spring),
		cmocka_unit_test(test_zone_autumn),
		cmocka_unit_test(test_zone_gap_refused),
		cmocka_unit_test(test_zone_ambiguous_first),
		cmocka_unit_test(test_zone_ranges),
		cmocka_unit_test(test_zone_utc_to_local),
		cmocka_unit_test(test_zone_format),
		cmocka_unit_test(test_when_absolute_forms),
		cmocka_unit_test(test_when_relative_forms),
		cmocka_unit_test(test_when_refused),
		cmocka_unit_test(test_when_danish_forms),
		cmocka_unit_test(test_when_danish_dst),
		cmocka_unit_test(test_recur_rrule_weekly),
		cmocka_unit_test(test_recur_weekly_spring),
		cmocka_unit_test(test_recur_weekly_refused),
		cmocka_unit_test(test_recur_until),
		cmocka_unit_test(test_recur_start),
		cmocka_unit_test(test_recur_refused),
		cmocka_unit_test(test_recur_gap),
		cmocka_unit_test(test_recur_shift),
	};

	return (cmocka_run_group_tests_name("calendars", tests, NULL,
	    teardown_zones));
}
