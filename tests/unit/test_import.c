/*
 * Unit tests for calendars/import.c on the sample files in tests/data/ics
 * in the shapes Google Calendar, Outlook/Exchange and Apple Calendar
 * export, UTC and floating times, Danish text and broken files. The small
 * calendars written for the edges are test_import_edges.c's.
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

#define G1	"4c2kq0v8d1m3r5t7b9f2h4j6l8@google.com"
#define O1	"040000008200E00074C5B7101A82E0080000000010B6F4C2A09DDA01" \
		"000000000000000010000000E3B1F2A7C9D04E4B8F3A6C1D2E5F7A90"
#define O2	"040000008200E00074C5B7101A82E00800000000A0C3D5E7F9B1DA01" \
		"000000000000000010000000AB12CD34EF56AB78CD90EF12AB34CD56"
#define APPLE1	"6B29FC40-CA47-1067-B31D-00DD010662DA"

static void
test_google(void **state)
{
	struct cal_import		*imp;
	const struct cal_import_event	*e;

	(void)state;
	imp = parse_file("google.ics", CPH, utc(2026, 9, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 8);
	assert_int_equal(imp->nskips, 1);

	/* 10:00 on both sides of the autumn change (2026-10-25). */
	assert_start(imp, G1 "/20260922T080000Z",
	    "2026-09-22T10:00:00+02:00");
	assert_start(imp, G1 "/20261020T080000Z",
	    "2026-10-20T10:00:00+02:00");
	assert_start(imp, G1 "/20261110T090000Z",
	    "2026-11-10T10:00:00+01:00");
	e = find(imp, G1 "/20260922T080000Z");
	assert_int_equal(e->end - e->start, 2 * 3600);
	assert_string_equal(e->uid, G1);
	assert_string_equal(e->summary, "Akvarel for begyndere");
	assert_string_equal(e->location,
	    "Kulturhuset, Vestergade 1, 5970 Ærøskøbing");
	assert_false(e->cancelled);

	/* EXDATE removes the 13th. */
	assert_null(find(imp, G1 "/20261013T080000Z"));

	/* The 27th moved to the afternoon keeps its RECURRENCE-ID key. */
	assert_start(imp, G1 "/20261027T090000Z",
	    "2026-10-27T13:00:00+01:00");
	e = find(imp, G1 "/20261027T090000Z");
	assert_string_equal(e->summary,
	    "Akvarel for begyndere (flyttet til eftermiddag)");
	assert_int_equal(e->end - e->start, 2 * 3600);
	/* Its empty DESCRIPTION falls back to the series'. */
	assert_string_equal(e->description, "Medbring pensler, akvarelpapir "
	    "og forklæde. Holdet mødes i sal 2 ved indgangen fra gården.");

	/* The 3rd of November is cancelled. */
	e = find(imp, G1 "/20261103T090000Z");
	assert_non_null(e);
	assert_true(e->cancelled);

	/* A one-off event in UTC: its key is the UID alone. */
	assert_start(imp, "0a9s8d7f6g5h4j3k2l1z@google.com",
	    "2026-12-01T18:00:00+01:00");
	e = find(imp, "0a9s8d7f6g5h4j3k2l1z@google.com");
	assert_null(e->location);	/* "LOCATION:" with nothing */
	assert_string_equal(e->description,
	    "Gløgg og æbleskiver. Husk en pakke til 25 kr.");

	assert_skip(imp, "1q2w3e4r5t6y7u8i9o0p@google.com", "all-day");
	import_free(imp);
}

/* An occurrence moved into the window counts, its original time not. */
static void
test_google_window(void **state)
{
	struct cal_import	*imp;

	(void)state;
	imp = parse_file("google.ics", CPH, utc(2026, 10, 27, 11, 0, 0),
	    utc(2026, 11, 4, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 2);
	assert_non_null(find(imp, G1 "/20261027T090000Z"));
	assert_non_null(find(imp, G1 "/20261103T090000Z"));
	import_free(imp);

	/* Its original time in the window, the moved one after it. */
	imp = parse_file("google.ics", CPH, utc(2026, 10, 27, 0, 0, 0),
	    utc(2026, 10, 27, 11, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 0);
	import_free(imp);
}

static void
test_outlook(void **state)
{
	struct cal_import		*imp;
	const struct cal_import_event	*e;

	(void)state;
	imp = parse_file("outlook.ics", CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 7);
	assert_int_equal(imp->nskips, 0);

	/* "Romance Standard Time", 14:00 before and after 2026-03-29. */
	assert_start(imp, O1 "/20260303T130000Z",
	    "2026-03-03T14:00:00+01:00");
	assert_start(imp, O1 "/20260310T130000Z",
	    "2026-03-10T14:00:00+01:00");
	assert_start(imp, O1 "/20260331T120000Z",
	    "2026-03-31T14:00:00+02:00");
	assert_start(imp, O1 "/20260407T120000Z",
	    "2026-04-07T14:00:00+02:00");
	/* EXDATE and RDATE. */
	assert_null(find(imp, O1 "/20260317T130000Z"));
	assert_start(imp, O1 "/20260416T120000Z",
	    "2026-04-16T14:00:00+02:00");
	/* The changed occurrence: same time, another room. */
	assert_start(imp, O1 "/20260324T130000Z",
	    "2026-03-24T14:00:00+01:00");
	e = find(imp, O1 "/20260324T130000Z");
	assert_string_equal(e->location,
	    "Hovedbiblioteket, mødelokale 2, 1. sal");
	assert_string_equal(e->description,
	    "Vi er flyttet til mødelokale 2 denne ene gang.\n");
	e = find(imp, O1 "/20260303T130000Z");
	assert_string_equal(e->summary, "Slægtsforskning for begyndere");
	assert_string_equal(e->location,
	    "Hovedbiblioteket, Krystalgade 15; 1172 København K");
	/* Folded lines, one of them in the middle of "å". */
	assert_string_equal(e->description, "Vi gennemgår kirkebøger, "
	    "folketællinger og lægdsruller på Rigsarkivets hjemmeside. "
	    "Medbring gerne egen bærbar computer og et par navne på "
	    "oldeforældre; så kommer vi hurtigt i gang.\n\nVenlig hilsen\n"
	    "Kursusafdelingen");

	/* "W. Europe Standard Time" with its own VTIMEZONE. */
	assert_start(imp, O2, "2026-05-12T09:30:00+02:00");
	e = find(imp, O2);
	assert_int_equal(e->end - e->start, 90 * 60);
	assert_string_equal(e->location,
	    "Flensborghus, Norderstraße 76, Flensburg");
	import_free(imp);
}

static void
test_zone_names(void **state)
{
	/* Each starts at 10:00 local time; its UTC hour on that day. */
	static const struct {
		const char	*key;
		int		 month, hour;
	} cases[] = {
		{ "zone-romance-summer", 7, 8 },
		{ "zone-romance-winter", 12, 9 },
		{ "zone-w-europe", 7, 8 },
		{ "zone-central-europe", 7, 8 },
		{ "zone-central-european", 7, 8 },
		{ "zone-gmt", 7, 9 },
		{ "zone-gtb", 7, 7 },
		{ "zone-e-europe", 7, 7 },
		{ "zone-fle", 7, 7 },
		{ "zone-utc", 7, 10 },
		{ "zone-display-name", 7, 8 },
		{ "zone-freeassociation", 7, 8 },
		{ "zone-mozilla", 7, 8 },
		{ "zone-iana", 7, 14 },
	};
	struct cal_import		*imp;
	const struct cal_import_event	*e;
	time_t				 want;
	size_t				 i;

	(void)state;
	imp = parse_file("zone-names.ics", CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, sizeof cases / sizeof cases[0]);
	assert_int_equal(imp->nskips, 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if ((e = find(imp, cases[i].key)) == NULL)
			fail_msg("no %s", cases[i].key);
		want = utc(2026, cases[i].month, 1, cases[i].hour, 0, 0);
		if (e->start != want)
			fail_msg("%s at %lld, not %lld", cases[i].key,
			    (long long)e->start, (long long)want);
		assert_int_equal(e->end - e->start, 2 * 3600);
	}
	import_free(imp);
}

static void
test_apple(void **state)
{
	struct cal_import		*imp;
	const struct cal_import_event	*e;

	(void)state;
	imp = parse_file("apple.ics", CPH, utc(2026, 9, 1, 0, 0, 0),
	    utc(2027, 2, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 6);
	assert_int_equal(imp->nskips, 1);
	/* First Wednesday of the month, 18:30 on both sides of DST. */
	assert_start(imp, APPLE1 "/20260902T163000Z",
	    "2026-09-02T18:30:00+02:00");
	assert_start(imp, APPLE1 "/20261007T163000Z",
	    "2026-10-07T18:30:00+02:00");
	assert_start(imp, APPLE1 "/20261104T173000Z",
	    "2026-11-04T18:30:00+01:00");
	assert_start(imp, APPLE1 "/20261202T173000Z",
	    "2026-12-02T18:30:00+01:00");
	assert_start(imp, APPLE1 "/20270106T173000Z",
	    "2027-01-06T18:30:00+01:00");
	e = find(imp, APPLE1 "/20261104T173000Z");
	assert_string_equal(e->summary, "Syng med – fællessang");
	assert_string_equal(e->location,
	    "Nørrebro Bibliotek\nBragesgade 8B, 2200 København N");
	/* DURATION instead of DTEND. */
	assert_start(imp, "A7F3C2E1-9B8D-4F6A-8C5E-1D2B3A4F5E6D",
	    "2026-10-29T10:00:00+01:00");
	e = find(imp, "A7F3C2E1-9B8D-4F6A-8C5E-1D2B3A4F5E6D");
	assert_int_equal(e->end - e->start, 90 * 60);
	assert_skip(imp, "C0FFEE00-1234-5678-9ABC-DEF012345678",
	    "line 73: the event has neither DTEND nor DURATION");
	import_free(imp);
}

static void
test_utc(void **state)
{
	struct cal_import	*imp;
	size_t			 i;

	(void)state;
	imp = parse_file("utc.ics", CPH, utc(2026, 10, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 8);
	/* A rule in UTC stays at 09:00 UTC: 11:00, then 10:00 here. */
	assert_start(imp, "booking-4711@kommune.example.dk/20261022T090000Z",
	    "2026-10-22T11:00:00+02:00");
	assert_start(imp, "booking-4711@kommune.example.dk/20261029T090000Z",
	    "2026-10-29T10:00:00+01:00");
	for (i = 0; i < imp->nevents; i++) {
		if (strncmp(imp->events[i].key, "booking-4711", 12) == 0)
			assert_int_equal(imp->events[i].start % 86400,
			    9 * 3600);
	}
	assert_int_equal(find(imp, "booking-4712@kommune.example.dk")->end -
	    find(imp, "booking-4712@kommune.example.dk")->start, 2 * 3600);
	/* UNTIL as a date includes that day. */
	assert_non_null(find(imp,
	    "booking-4713@kommune.example.dk/20261203T080000Z"));
	import_free(imp);
}

static void
test_floating(void **state)
{
	struct cal_import	*imp;
	char			*text, *p, key[64];
	size_t			 len;

	(void)state;
	imp = parse_file("floating.ics", CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 7);
	/* 19:00 Copenhagen time, before and after 2026-03-29. */
	assert_start(imp, "laesekreds-foraar-2026/20260319T180000Z",
	    "2026-03-19T19:00:00+01:00");
	assert_start(imp, "laesekreds-foraar-2026/20260402T170000Z",
	    "2026-04-02T19:00:00+02:00");
	/* Floating EXDATE and RDATE. */
	assert_null(find(imp, "strikkeuge-2026/20261002T080000Z"));
	assert_non_null(find(imp, "strikkeuge-2026/20261003T080000Z"));
	assert_non_null(find(imp, "strikkeuge-2026/20261010T080000Z"));

	/* No UID: a key from SUMMARY, DTSTART and LOCATION. */
	assert_string_equal(imp->events[6].summary, "Filmaften");
	assert_int_equal(strncmp(imp->events[6].key, "nouid-", 6), 0);
	assert_int_equal(strlen(imp->events[6].key), 6 + 16);
	snprintf(key, sizeof key, "%s", imp->events[6].key);
	import_free(imp);

	/* The same file gives the same key; another SUMMARY another. */
	imp = parse_file("floating.ics", CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_non_null(find(imp, key));
	import_free(imp);
	text = sample("floating.ics", &len);
	p = strstr(text, "Filmaften");
	memcpy(p, "Filmkveld", 9);
	imp = parse_text(text, CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_null(find(imp, key));
	import_free(imp);
	free(text);

	/* Floating times are read in the zone given. */
	imp = parse_file("floating.ics", "America/New_York",
	    utc(2026, 1, 1, 0, 0, 0), utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->events[0].start, utc(2026, 3, 19, 23, 0, 0));
	assert_int_equal(imp->events[2].start, utc(2026, 4, 2, 23, 0, 0));
	import_free(imp);
}

static void
test_danish(void **state)
{
	struct cal_import		*imp;
	const struct cal_import_event	*e;

	(void)state;
	imp = parse_file("danish.ics", CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 1);
	e = &imp->events[0];
	assert_string_equal(e->key,
	    "strikkecafe-2026-11-05@foreningsportalen.example.dk");
	assert_string_equal(e->summary,
	    "Strikkecafé – hygge, kaffe og æøå ÆØÅ");
	assert_string_equal(e->location,
	    "Ærøskøbing Bibliotek, Vestergade 52; 5970 Ærøskøbing");
	assert_string_equal(e->description, "Tag garn med!\nVi starter kl. "
	    "10; slutter kl. 12.\nSpørgsmål: ring til Åse på 12 34 56 78, "
	    "eller skriv. Sti: C:\\Kurser\\Strik – færdig.");
	assert_start(imp, e->key, "2026-11-05T10:00:00+01:00");
	import_free(imp);
}

static void
test_broken_refused(void **state)
{
	(void)state;
	assert_refused_file("broken-unterminated.ics",
	    "line 10: BEGIN:VEVENT has no END:VEVENT (the file ends on "
	    "line 14)");
	assert_refused_file("broken-garbage.ics",
	    "line 12: cannot read \"Dette er ikke en iCalendar-linje\": "
	    "expected ':' before the value");
	assert_refused_file("broken-mismatch.ics",
	    "line 4: BEGIN:VEVENT has no END:VEVENT before BEGIN:VEVENT on "
	    "line 9");
	assert_refused_file("broken-value.ics",
	    "line 6: cannot read \"DTSTART:2026-10-01 08:00\"");
	assert_refused_file("broken-latin1.ics",
	    "line 8 is not valid UTF-8");
}

static void
test_broken_skipped(void **state)
{
	struct cal_import	*imp;
	char			*text, *cause;
	size_t			 len;

	(void)state;
	imp = parse_file("broken-dtend.ics", CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 1);
	assert_string_equal(imp->events[0].key, "dtend-ok@example.com");
	assert_int_equal(imp->nskips, 2);
	assert_string_equal(find_skip(imp, "dtend-before@example.com")->reason,
	    "line 13: DTEND 2026-10-13 08:00 (06:00 UTC) is not after "
	    "DTSTART 2026-10-13 10:00 (08:00 UTC)");
	assert_skip(imp, "dtend-equal@example.com", "line 19: DTEND");
	import_free(imp);

	imp = parse_file("broken-tzid.ics", CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 1);
	assert_string_equal(imp->events[0].key, "tzid-ok@example.com");
	assert_string_equal(imp->skips[0].key, "tzid-atlantis@example.com");
	assert_string_equal(imp->skips[0].reason, "line 6: unknown time zone "
	    "\"Europe/Atlantis\" (no VTIMEZONE for it in the file, and not a "
	    "zone name kursusd knows)");
	assert_skip(imp, "tzid-mars@example.com",
	    "line 12: unknown time zone \"Mars Standard Time\"");
	import_free(imp);

	/* A daily rule without end stops at the window: 91 days. */
	imp = parse_file("broken-endless.ics", CPH, utc(2026, 9, 1, 0, 0, 0),
	    utc(2026, 12, 1, 0, 0, 0), RECUR_MAX);
	assert_int_equal(imp->nevents, 91);
	assert_start(imp, "endless-daily@example.com/20261130T090000Z",
	    "2026-11-30T10:00:00+01:00");
	assert_skip(imp, "endless-hourly@example.com",
	    "line 15: sessions repeat at most daily, not HOURLY");
	assert_skip(imp, "endless-never@example.com",
	    "line 22: the rule never matches a day");
	import_free(imp);

	/* More than max in the window refuses the whole file. */
	text = sample("broken-endless.ics", &len);
	cause = refuse_text(text, len, CPH, utc(2026, 9, 1, 0, 0, 0),
	    utc(2026, 12, 1, 0, 0, 0), 50);
	assert_string_equal(cause, "line 4: the file gives more than the 50 "
	    "sessions taken in one import between 2026-09-01 00:00 UTC and "
	    "2026-12-01 00:00 UTC; choose a shorter period (from, to)");
	free(cause);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_google),
		cmocka_unit_test(test_google_window),
		cmocka_unit_test(test_outlook),
		cmocka_unit_test(test_zone_names),
		cmocka_unit_test(test_apple),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_floating),
		cmocka_unit_test(test_danish),
		cmocka_unit_test(test_broken_refused),
		cmocka_unit_test(test_broken_skipped),
	};

	return (cmocka_run_group_tests_name("import", tests, NULL,
	    teardown_zones));
}
