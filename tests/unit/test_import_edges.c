/*
 * Unit tests for calendars/import.c on small calendars written here for
 * the edges: DST gaps and repeats, a file's own VTIMEZONE, overrides,
 * runaway rules, bad zones, syntax errors and what is tolerated.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "calendars.h"
#include "importtest.h"
#include "unittest.h"

/* A calendar around one VEVENT body, with LF line ends. */
static char *
wrap(const char *body)
{
	static const char	 head[] = "BEGIN:VCALENDAR\nVERSION:2.0\n"
	    "PRODID:-//test//EN\nBEGIN:VEVENT\nUID:u1\n";
	static const char	 tail[] = "END:VEVENT\nEND:VCALENDAR\n";
	char			*s;

	s = malloc(sizeof head + strlen(body) + sizeof tail);
	assert_non_null(s);
	strcpy(s, head);
	strcat(s, body);
	strcat(s, tail);
	return (s);
}

/* One VEVENT; returns the result for a 2026 window. */
static struct cal_import *
one(const char *body)
{
	struct cal_import	*imp;
	char			*text = wrap(body);

	imp = parse_text(text, CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	free(text);
	return (imp);
}

static void
assert_one_skipped(const char *body, const char *want)
{
	struct cal_import	*imp = one(body);

	assert_int_equal(imp->nevents, 0);
	assert_int_equal(imp->nskips, 1);
	if (strstr(imp->skips[0].reason, want) == NULL)
		fail_msg("skipped with \"%s\", not \"%s\"",
		    imp->skips[0].reason, want);
	import_free(imp);
}

/* RFC 5545: a time in the spring gap uses the offset from before it. */
static void
test_gap_and_repeat(void **state)
{
	struct cal_import	*imp;

	(void)state;
	imp = one("DTSTART;TZID=Europe/Copenhagen:20260329T023000\n"
	    "DURATION:PT1H\n");
	assert_int_equal(imp->events[0].start, utc(2026, 3, 29, 1, 30, 0));
	import_free(imp);
	/* The repeated autumn hour means its first occurrence. */
	imp = one("DTSTART;TZID=Europe/Copenhagen:20261025T023000\n"
	    "DURATION:PT1H\n");
	assert_int_equal(imp->events[0].start, utc(2026, 10, 25, 0, 30, 0));
	import_free(imp);
	/* The week after the gap is at 02:30 again. */
	imp = one("DTSTART;TZID=Europe/Copenhagen:20260322T023000\n"
	    "DTEND;TZID=Europe/Copenhagen:20260322T033000\n"
	    "RRULE:FREQ=WEEKLY;COUNT=3\n");
	assert_int_equal(imp->nevents, 3);
	assert_int_equal(imp->events[0].start, utc(2026, 3, 22, 1, 30, 0));
	assert_int_equal(imp->events[1].start, utc(2026, 3, 29, 1, 30, 0));
	assert_int_equal(imp->events[2].start, utc(2026, 4, 5, 0, 30, 0));
	import_free(imp);
	/* DURATION in days is wall-clock days across the change. */
	imp = one("DTSTART;TZID=Europe/Copenhagen:20260328T100000\n"
	    "DURATION:P1DT1H\n");
	assert_int_equal(imp->events[0].end, utc(2026, 3, 29, 9, 0, 0));
	import_free(imp);
}

/* The file's VTIMEZONE wins over what its name would mean. */
static void
test_own_vtimezone(void **state)
{
	static const char	 text[] =
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
	    "BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\n"
	    "BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
	    "TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\n"
	    "END:VTIMEZONE\r\n"
	    "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\n"
	    "BEGIN:STANDARD\r\nDTSTART:16011104T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"
	    "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n"
	    "BEGIN:DAYLIGHT\r\nDTSTART:16010311T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"
	    "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\n"
	    "END:VTIMEZONE\r\n"
	    "BEGIN:VEVENT\r\nUID:a\r\n"
	    "DTSTART;TZID=Romance Standard Time:20260701T100000\r\n"
	    "DURATION:PT1H\r\nEND:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:b\r\n"
	    "DTSTART;TZID=Customized Time Zone:20260701T100000\r\n"
	    "DURATION:PT1H\r\nEND:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:c\r\n"
	    "DTSTART;TZID=Customized Time Zone:20261201T100000\r\n"
	    "DURATION:PT1H\r\nEND:VEVENT\r\n"
	    "END:VCALENDAR\r\n";
	struct cal_import	*imp;

	(void)state;
	imp = parse_text(text, CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 3);
	assert_int_equal(find(imp, "a")->start, utc(2026, 7, 1, 7, 0, 0));
	assert_int_equal(find(imp, "b")->start, utc(2026, 7, 1, 14, 0, 0));
	assert_int_equal(find(imp, "c")->start, utc(2026, 12, 1, 15, 0, 0));
	import_free(imp);
}

static void
test_overrides(void **state)
{
	static const char	 text[] =
	    "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n"
	    /* 4: a series, cancelled as a whole */
	    "BEGIN:VEVENT\nUID:s\nSTATUS:CANCELLED\nSUMMARY:Serie\n"
	    "DTSTART:20261005T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=WEEKLY;COUNT=4\nEXDATE:20261012T080000Z\n"
	    "END:VEVENT\n"
	    /* 13: the same UID again */
	    "BEGIN:VEVENT\nUID:s\nDTSTART:20261101T080000Z\n"
	    "DURATION:PT1H\nEND:VEVENT\n"
	    /* 18: an override that confirms one occurrence */
	    "BEGIN:VEVENT\nUID:s\nRECURRENCE-ID:20261019T080000Z\n"
	    "STATUS:CONFIRMED\nDTSTART:20261019T090000Z\n"
	    "DURATION:PT1H\nEND:VEVENT\n"
	    /* 25: and again, for the same occurrence */
	    "BEGIN:VEVENT\nUID:s\nRECURRENCE-ID:20261019T080000Z\n"
	    "DTSTART:20261019T100000Z\nDURATION:PT1H\nEND:VEVENT\n"
	    /* 31: an override of an EXDATE'd occurrence */
	    "BEGIN:VEVENT\nUID:s\nRECURRENCE-ID:20261012T080000Z\n"
	    "DTSTART:20261012T090000Z\nDURATION:PT1H\nEND:VEVENT\n"
	    /* 37: RANGE=THISANDFUTURE */
	    "BEGIN:VEVENT\nUID:s\n"
	    "RECURRENCE-ID;RANGE=THISANDFUTURE:20261026T080000Z\n"
	    "DTSTART:20261026T090000Z\nDURATION:PT1H\nEND:VEVENT\n"
	    /* 43: an occurrence without its series (an invitation) */
	    "BEGIN:VEVENT\nUID:lone\nRECURRENCE-ID:20261201T080000Z\n"
	    "DTSTART:20261202T080000Z\nDTEND:20261202T090000Z\n"
	    "SUMMARY:Alene\nEND:VEVENT\n"
	    /* 50: RECURRENCE-ID but no UID */
	    "BEGIN:VEVENT\nRECURRENCE-ID:20261201T080000Z\n"
	    "DTSTART:20261202T080000Z\nDURATION:PT1H\nEND:VEVENT\n"
	    /* 55: an override of a one-off event keeps the plain key */
	    "BEGIN:VEVENT\nUID:one\nDTSTART;TZID=Europe/Copenhagen:"
	    "20261110T100000\nDURATION:PT2H\nSUMMARY:Enkelt\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:one\nRECURRENCE-ID;TZID=Europe/Copenhagen:"
	    "20261110T100000\nDTSTART;TZID=Europe/Copenhagen:"
	    "20261110T110000\nEND:VEVENT\n"
	    "END:VCALENDAR\n";
	struct cal_import		*imp;
	const struct cal_import_event	*e;

	(void)state;
	imp = parse_text(text, CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	/* the 5th, 19th (moved, confirmed), 26th (cancelled), lone, one */
	assert_int_equal(imp->nevents, 5);
	assert_true(find(imp, "s/20261005T080000Z")->cancelled);
	assert_null(find(imp, "s/20261012T080000Z"));
	e = find(imp, "s/20261019T080000Z");
	assert_int_equal(e->start, utc(2026, 10, 19, 9, 0, 0));
	assert_false(e->cancelled);
	assert_string_equal(e->summary, "Serie");
	/* RANGE=THISANDFUTURE is skipped; the occurrence stays. */
	assert_int_equal(find(imp, "s/20261026T080000Z")->start,
	    utc(2026, 10, 26, 8, 0, 0));
	e = find(imp, "lone/20261201T080000Z");
	assert_int_equal(e->start, utc(2026, 12, 2, 8, 0, 0));
	assert_string_equal(e->summary, "Alene");
	e = find(imp, "one");
	assert_int_equal(e->start, utc(2026, 11, 10, 10, 0, 0));
	assert_int_equal(e->end - e->start, 2 * 3600);
	assert_string_equal(e->summary, "Enkelt");

	assert_int_equal(imp->nskips, 5);
	assert_string_equal(imp->skips[0].key, "s");
	assert_string_equal(imp->skips[0].reason, "line 13: another event "
	    "with this UID, on line 4, comes first");
	assert_string_equal(imp->skips[1].key, "s/20261019T080000Z");
	assert_string_equal(imp->skips[1].reason, "line 25: another event "
	    "with this UID and RECURRENCE-ID, on line 18, comes first");
	assert_string_equal(imp->skips[2].key, "s/20261012T080000Z");
	assert_string_equal(imp->skips[2].reason, "line 31: an EXDATE of "
	    "the series (line 4) removes this occurrence");
	assert_string_equal(imp->skips[3].key, "s");
	assert_string_equal(imp->skips[3].reason, "line 39: RANGE="
	    "THISANDFUTURE is not supported; change the series itself");
	assert_string_equal(imp->skips[4].key, "line 50");
	assert_string_equal(imp->skips[4].reason, "line 50: RECURRENCE-ID "
	    "without a UID cannot be matched with its series");
	import_free(imp);
}

static void
test_rules(void **state)
{
	struct cal_import	*imp;
	char			*text;
	size_t			 i;

	(void)state;
	assert_one_skipped("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=SECONDLY\n", "at most daily, not SECONDLY");
	assert_one_skipped("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=DAILY;BYHOUR=9,14;COUNT=4\n",
	    "more than once a day");
	/* libical searches for thousands of years for these. */
	assert_one_skipped("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=7\n", "never matches");
	assert_one_skipped("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\n", "never matches");
	assert_one_skipped("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=MONTHLY;INTERVAL=12;BYMONTH=3\n", "never matches");
	assert_one_skipped("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=YEARLY;BYWEEKNO=20\n", "BYWEEKNO");
	assert_one_skipped("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "EXRULE:FREQ=WEEKLY\n", "EXRULE");
	assert_one_skipped("DTSTART:19650101T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=WEEKLY\n", "DTSTART is not a date between 1970");
	assert_one_skipped("DTSTART:20261001T080000Z\nDURATION:-PT1H\n",
	    "DURATION must be positive");
	assert_one_skipped("DTSTART:20261001T080000Z\n", "neither DTEND");
	assert_one_skipped("DTSTART;VALUE=DATE:20261001\n"
	    "DTEND;VALUE=DATE:20261002\nRRULE:FREQ=WEEKLY\n", "all-day");
	assert_one_skipped("DTSTART:20261001T080000Z\n"
	    "DTEND;VALUE=DATE:20261002\n", "DTEND is a date");
	assert_one_skipped("DTSTART:20261345T080000Z\nDURATION:PT1H\n",
	    "DTSTART is not a date");

	/*
	 * Every other week since 2000 without end: started at the window,
	 * the weeks still line up with DTSTART (a Tuesday).
	 */
	imp = one("DTSTART;TZID=Europe/Copenhagen:20000104T100000\n"
	    "DTEND;TZID=Europe/Copenhagen:20000104T120000\n"
	    "RRULE:FREQ=WEEKLY;INTERVAL=2\n");
	assert_int_equal(imp->nevents, 26);
	for (i = 0; i < imp->nevents; i++) {
		assert_int_equal((imp->events[i].start / 86400 -
		    utc(2000, 1, 4, 0, 0, 0) / 86400) % 14, 0);
	}
	assert_int_equal(imp->events[0].start, utc(2026, 1, 13, 9, 0, 0));
	import_free(imp);

	/* The last weekday of the month, 10:00 across DST. */
	imp = one("DTSTART;TZID=Europe/Copenhagen:20260130T100000\n"
	    "DURATION:PT1H\n"
	    "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=5\n");
	assert_int_equal(imp->nevents, 5);
	assert_int_equal(imp->events[2].start, utc(2026, 3, 31, 8, 0, 0));
	assert_int_equal(imp->events[4].start, utc(2026, 5, 29, 8, 0, 0));
	import_free(imp);

	/*
	 * COUNT makes the rule start at DTSTART: 65,000 days to the window
	 * are more work than one event may take.
	 */
	text = wrap("DTSTART:19700101T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=DAILY;COUNT=1000000\n");
	imp = parse_text(text, CPH, utc(2150, 1, 1, 0, 0, 0),
	    utc(2151, 1, 1, 0, 0, 0), RECUR_MAX);
	free(text);
	assert_int_equal(imp->nevents, 0);
	assert_skip(imp, "u1", "line 8: the rule needs too much work");
	import_free(imp);

	/* An RDATE PERIOD brings its own end. */
	imp = one("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "RDATE;VALUE=PERIOD:20261008T080000Z/PT3H\n");
	assert_int_equal(imp->nevents, 2);
	assert_int_equal(find(imp, "u1/20261008T080000Z")->end,
	    utc(2026, 10, 8, 11, 0, 0));
	import_free(imp);
}

/* A VTIMEZONE that would make libical work for ages is not used. */
static void
test_bad_vtimezone(void **state)
{
	static const char	 text[] =
	    "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n"
	    "BEGIN:VTIMEZONE\nTZID:Hurtig\nBEGIN:STANDARD\n"
	    "DTSTART:16010101T000000\nRRULE:FREQ=SECONDLY\n"
	    "TZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\n"
	    "END:VTIMEZONE\n"
	    "BEGIN:VTIMEZONE\nTZID:Europe/Copenhagen\nBEGIN:STANDARD\n"
	    "DTSTART:16010101T000000\nRRULE:FREQ=MINUTELY\n"
	    "TZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\n"
	    "END:VTIMEZONE\n"
	    "BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Hurtig:20261001T100000\n"
	    "DURATION:PT1H\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:b\n"
	    "DTSTART;TZID=Europe/Copenhagen:20261001T100000\n"
	    "DURATION:PT1H\nEND:VEVENT\n"
	    "END:VCALENDAR\n";
	struct cal_import	*imp;

	(void)state;
	imp = parse_text(text, CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	/* A known IANA name still works without its broken VTIMEZONE. */
	assert_int_equal(imp->nevents, 1);
	assert_int_equal(find(imp, "b")->start, utc(2026, 10, 1, 8, 0, 0));
	assert_skip(imp, "a", "line 24: time zone \"Hurtig\": its VTIMEZONE "
	    "on line 4 cannot be used: line 8: a time zone rule must be "
	    "yearly");
	import_free(imp);
}

static void
test_syntax(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "", "line 1: no calendar in the file (expected "
		    "BEGIN:VCALENDAR)" },
		{ "\r\n\r\n", "line 2: no calendar in the file (expected "
		    "BEGIN:VCALENDAR)" },
		{ "BEGIN:VEVENT\nEND:VEVENT\n", "line 1: BEGIN:VEVENT is "
		    "outside BEGIN:VCALENDAR and END:VCALENDAR" },
		{ "VERSION:2.0\nBEGIN:VCALENDAR\n", "line 1: \"VERSION:2.0\" "
		    "is outside BEGIN:VCALENDAR and END:VCALENDAR" },
		{ "BEGIN:VCALENDAR\nEND:VEVENT\n", "line 2: END:VEVENT does "
		    "not match BEGIN:VCALENDAR on line 1" },
		{ "END:VCALENDAR\n", "line 1: END:VCALENDAR without "
		    "BEGIN:VCALENDAR" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nBEGIN:STANDARD\n",
		    "line 3: BEGIN:STANDARD cannot be inside VEVENT (line 2)" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n",
		    "line 2: BEGIN:VEVENT has no END:VEVENT before "
		    "END:VCALENDAR on line 3" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;X:1\n",
		    "line 3: cannot read \"DTSTART;X:1\": a parameter needs a "
		    "name and '='" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=\"Eur:1\n",
		    "line 3: cannot read \"DTSTART;TZID=\"Eur:1\": a quoted "
		    "parameter value does not end" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\n:no name\n",
		    "line 3: cannot read \":no name\": expected a name such "
		    "as SUMMARY or DTSTART first" },
		{ "BEGIN:VCALENDAR\nBEGIN:V EVENT\n", "line 2: cannot read "
		    "\"BEGIN:V EVENT\": expected BEGIN or END and a component "
		    "name such as VEVENT" },
		{ "BEGIN:VCALENDAR\n BEGIN:VEVENT\n", "line 1: cannot read "
		    "\"BEGIN:VCALENDARBEGIN:VEVENT\": expected BEGIN or END "
		    "and a component name such as VEVENT" },
		/* Lines counted with CRLF, LF and lone CR alike. */
		{ "BEGIN:VCALENDAR\r\nX-A:1\nX-B:2\rX-C:3\r\n"
		    "NOT VALID\n", "line 5: cannot read \"NOT VALID\": "
		    "expected ':' before the value" },
		{ "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDESCRIPTION:a\r\n"
		    " b\r\n\tc\r\nRRULE:FREQ=FOO\r\n",
		    "line 6: cannot read \"RRULE:FREQ=FOO\"" },
		{ "\xef\xbb\xbf" "BEGIN:VCALENDAR\nBEGIN:VEVENT\n",
		    "line 2: BEGIN:VEVENT has no END:VEVENT (the file ends on "
		    "line 2)" },
		{ "BEGIN:VCALENDAR\nSUMMARY:\xc3\x28\n",
		    "line 2 is not valid UTF-8" },
		/* libical notes these and carries on; still refused. */
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n"
		    "DTSTART;VALUE=BOOLEAN:20261001T080000Z\nDURATION:PT1H\n"
		    "END:VEVENT\nEND:VCALENDAR\n", "line 4: "
		    "Invalid VALUE type for property DTSTART: VALUE=BOOLEAN" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n"
		    "DTSTART:20261001T080000Z\nSUMMARY:a\n"
		    "DURATION;VALUE=FOO:PT1H\nEND:VEVENT\nEND:VCALENDAR\n",
		    "line 6: Invalid VALUE type for property "
		    "DURATION: VALUE=FOO" },
	};
	char	*cause, deep[2048], *text;
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = refuse_text(cases[i].text, strlen(cases[i].text), CPH,
		    0, utc(2030, 1, 1, 0, 0, 0), RECUR_MAX);
		if (strcmp(cause, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", not \"%s\"", i, cause,
			    cases[i].want);
		free(cause);
	}

	/* A NUL byte. */
	cause = refuse_text("BEGIN:VCALENDAR\nX:\0\n", 20, CPH, 0,
	    utc(2030, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_string_equal(cause, "line 2: the file holds a NUL byte, so it "
	    "is not a calendar file");
	free(cause);

	/* Deep nesting. */
	strcpy(deep, "BEGIN:VCALENDAR\n");
	for (i = 0; i < 20; i++)
		strcat(deep, "BEGIN:X-A\n");
	cause = refuse_text(deep, strlen(deep), CPH, 0,
	    utc(2030, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_string_equal(cause, "line 17: components are nested more "
	    "than 16 deep");
	free(cause);

	/* Too big. */
	n = 4 * 1024 * 1024 + 1;
	text = malloc(n);
	assert_non_null(text);
	memset(text, ' ', n);
	cause = refuse_text(text, n, CPH, 0, utc(2030, 1, 1, 0, 0, 0),
	    RECUR_MAX);
	assert_string_equal(cause, "the file is larger than 4 MiB");
	free(cause);
	free(text);

	/* An unknown default zone. */
	cause = refuse_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n", 30,
	    "Europe/../etc", 0, 1, RECUR_MAX);
	assert_string_equal(cause,
	    "unknown time zone \"Europe/../etc\" for floating times");
	free(cause);
}

/* What apps add around events does not refuse the file. */
static void
test_tolerated(void **state)
{
	static const char	 text[] =
	    "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n"
	    "X-LIC-ERROR:from an earlier libical\n"
	    "BEGIN:VTODO\nUID:t\nDUE:not a date\nEND:VTODO\n"
	    "BEGIN:X-SOMETHING\nFOO;BAR=1:whatever\nEND:X-SOMETHING\n"
	    "BEGIN:VEVENT\nUID:e\nDTSTART:20261001T080000Z\n"
	    "DURATION:PT1H\nATTENDEE;RSVP=MAYBE:mailto:x@example.com\n"
	    "GEO:not;numbers\nCOLOR:red\nSUMMARY:\nLOCATION:  \n"
	    "BEGIN:VALARM\nTRIGGER:garbage\nACTION:DISPLAY\nEND:VALARM\n"
	    "END:VEVENT\n"
	    /* Google once wrote a TZID with a colon and no quotes. */
	    "BEGIN:VEVENT\nUID:g\nDTSTART;TZID=GMT+05:30:20261003T080000\n"
	    "DURATION:PT1H\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:h\nDTSTART;VALUE=DATE-TIME;"
	    "TZID=Europe/Copenhagen:20261004T100000\nDURATION:PT1H\n"
	    "END:VEVENT\n"
	    "END:VCALENDAR\n"
	    "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:f\n"
	    "DTSTART:20261002T080000Z\nDURATION:PT1H\nEND:VEVENT\n"
	    "END:VCALENDAR\n";
	struct cal_import	*imp;

	(void)state;
	imp = parse_text(text, CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 3);
	assert_null(imp->events[0].summary);
	assert_null(imp->events[0].location);
	assert_string_equal(imp->events[1].key, "f");
	assert_int_equal(find(imp, "h")->start, utc(2026, 10, 4, 8, 0, 0));
	assert_int_equal(imp->nskips, 1);
	assert_string_equal(imp->skips[0].reason, "line 28: unknown time zone "
	    "\"GMT+05:30\" (no VTIMEZONE for it in the file, and not a zone "
	    "name kursusd knows)");
	import_free(imp);
	import_free(NULL);
}

/*
 * A backslash before a character that is no escape: libical made a space
 * of the first byte of "ø" and left the second alone, invalid UTF-8 (a
 * fuzzer found it). The backslash goes; real escapes stay.
 */
static void
test_stray_backslash(void **state)
{
	struct cal_import	*imp;

	(void)state;
	imp = one("DTSTART:20261001T080000Z\nDURATION:PT1H\n"
	    "SUMMARY:K\\\xc3\xb8rsel \\\\\xc3\xa6 \\, ok\\n2\n"
	    "DESCRIPTION:\\\xe2\x80\x93 og \\\xf0\x9f\x98\x80\n"
	    "LOCATION:Sal \\\xc3\x86\n");
	assert_int_equal(imp->nevents, 1);
	assert_string_equal(imp->events[0].summary,
	    "K\xc3\xb8rsel \\\xc3\xa6 , ok\n2");
	assert_string_equal(imp->events[0].description,
	    "\xe2\x80\x93 og \xf0\x9f\x98\x80");
	assert_string_equal(imp->events[0].location, "Sal \xc3\x86");
	import_free(imp);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_gap_and_repeat),
		cmocka_unit_test(test_own_vtimezone),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_bad_vtimezone),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_tolerated),
		cmocka_unit_test(test_stray_backslash),
	};

	return (cmocka_run_group_tests_name("import_edges", tests, NULL,
	    teardown_zones));
}
