/*
 * Unit tests for calendars/import.c: the sample files in tests/data/ics in
 * the shapes Google Calendar, Outlook/Exchange and Apple Calendar export,
 * UTC and floating times, Danish text, broken files, and small calendars
 * written here for the edges (DST gaps, overrides, runaway rules).
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
#include "unittest.h"

#define CPH	"Europe/Copenhagen"
#define G1	"4c2kq0v8d1m3r5t7b9f2h4j6l8@google.com"
#define O1	"040000008200E00074C5B7101A82E0080000000010B6F4C2A09DDA01" \
		"000000000000000010000000E3B1F2A7C9D04E4B8F3A6C1D2E5F7A90"
#define O2	"040000008200E00074C5B7101A82E00800000000A0C3D5E7F9B1DA01" \
		"000000000000000010000000AB12CD34EF56AB78CD90EF12AB34CD56"
#define APPLE1	"6B29FC40-CA47-1067-B31D-00DD010662DA"

static char	*sample(const char *, size_t *);
static struct cal_import *parse_text(const char *, const char *, time_t,
		    time_t, size_t);
static struct cal_import *parse_file(const char *, const char *, time_t,
		    time_t, size_t);
static char	*refuse_text(const char *, size_t, const char *, time_t,
		    time_t, size_t);
static void	 assert_refused_file(const char *, const char *);
static const struct cal_import_event *find(const struct cal_import *,
		    const char *);
static const struct cal_import_skip *find_skip(const struct cal_import *,
		    const char *);
static void	 assert_start(const struct cal_import *, const char *,
		    const char *);
static void	 assert_skip(const struct cal_import *, const char *,
		    const char *);
static void	 assert_sane(const struct cal_import *, time_t, time_t);
static char	*wrap(const char *);
static struct cal_import *one(const char *);
static void	 assert_one_skipped(const char *, const char *);

/*
 * Reads tests/data/ics/name from the source tree: $KURSUS_SRCDIR (set by
 * make check), else the directory this file was compiled from.
 */
static char *
sample(const char *name, size_t *len)
{
	static const char	 self[] = "tests/unit/test_import.c";
	const char		*src = getenv("KURSUS_SRCDIR");
	char			 dir[4096], path[4200], *buf;
	size_t			 n;
	long			 size;
	FILE			*f;

	if (src != NULL)
		snprintf(dir, sizeof dir, "%s/", src);
	else {
		snprintf(dir, sizeof dir, "%s", __FILE__);
		n = strlen(dir);
		if (n >= sizeof self - 1 &&
		    strcmp(dir + n - (sizeof self - 1), self) == 0)
			dir[n - (sizeof self - 1)] = '\0';
		else
			snprintf(dir, sizeof dir, "./");
	}
	snprintf(path, sizeof path, "%stests/data/ics/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return (buf);
}

static struct cal_import *
parse_text(const char *text, const char *tz, time_t from, time_t until,
    size_t max)
{
	struct cal_import	*imp = NULL;
	char			*cause = NULL;

	if (import_parse(text, strlen(text), tz, from, until, max, &imp,
	    &cause) != 0)
		fail_msg("refused: %s", cause);
	assert_null(cause);
	assert_non_null(imp);
	assert_sane(imp, from, until);
	return (imp);
}

static struct cal_import *
parse_file(const char *name, const char *tz, time_t from, time_t until,
    size_t max)
{
	struct cal_import	*imp = NULL;
	char			*text, *cause = NULL;
	size_t			 len;

	text = sample(name, &len);
	if (import_parse(text, len, tz, from, until, max, &imp, &cause) != 0)
		fail_msg("%s refused: %s", name, cause);
	free(text);
	assert_null(cause);
	assert_non_null(imp);
	assert_sane(imp, from, until);
	return (imp);
}

/* The cause (caller frees) after checking nothing was returned. */
static char *
refuse_text(const char *text, size_t len, const char *tz, time_t from,
    time_t until, size_t max)
{
	static struct cal_import	 sentinel;
	struct cal_import		*imp = &sentinel;
	char				*cause = NULL;

	assert_int_equal(import_parse(text, len, tz, from, until, max, &imp,
	    &cause), -1);
	assert_null(imp);
	assert_non_null(cause);
	/* Without a cause it must not crash either. */
	imp = &sentinel;
	assert_int_equal(import_parse(text, len, tz, from, until, max, &imp,
	    NULL), -1);
	assert_null(imp);
	return (cause);
}

static void
assert_refused_file(const char *name, const char *want)
{
	char	*text, *cause;
	size_t	 len;

	text = sample(name, &len);
	cause = refuse_text(text, len, CPH, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), RECUR_MAX);
	assert_string_equal(cause, want);
	free(cause);
	free(text);
}

static const struct cal_import_event *
find(const struct cal_import *imp, const char *key)
{
	size_t	i;

	for (i = 0; i < imp->nevents; i++) {
		if (strcmp(imp->events[i].key, key) == 0)
			return (&imp->events[i]);
	}
	return (NULL);
}

static const struct cal_import_skip *
find_skip(const struct cal_import *imp, const char *key)
{
	size_t	i;

	for (i = 0; i < imp->nskips; i++) {
		if (strcmp(imp->skips[i].key, key) == 0)
			return (&imp->skips[i]);
	}
	return (NULL);
}

/* The occurrence with this key starts at want, in Copenhagen time. */
static void
assert_start(const struct cal_import *imp, const char *key, const char *want)
{
	const struct cal_import_event	*e;
	char				*s;

	if ((e = find(imp, key)) == NULL)
		fail_msg("no occurrence %s", key);
	s = zone_format_local(CPH, e->start);
	if (strcmp(s, want) != 0)
		fail_msg("%s starts %s, not %s", key, s, want);
	free(s);
}

static void
assert_skip(const struct cal_import *imp, const char *key, const char *want)
{
	const struct cal_import_skip	*s;

	if ((s = find_skip(imp, key)) == NULL)
		fail_msg("%s was not skipped", key);
	if (strstr(s->reason, want) == NULL)
		fail_msg("%s skipped with \"%s\", not \"%s\"", key, s->reason,
		    want);
}

/* What every result must be, whatever went in. */
static void
assert_sane(const struct cal_import *imp, time_t from, time_t until)
{
	const struct cal_import_event	*e;
	size_t				 i, n;

	for (i = 0; i < imp->nevents; i++) {
		e = &imp->events[i];
		assert_non_null(e->key);
		assert_non_null(e->uid);
		n = strlen(e->uid);
		assert_true(n > 0);
		assert_memory_equal(e->key, e->uid, n);
		assert_true(e->key[n] == '\0' || e->key[n] == '/');
		assert_true(e->end > e->start);
		assert_true(e->start >= from && e->start < until);
		if (i > 0)
			assert_true(imp->events[i - 1].start <= e->start);
	}
	for (i = 0; i < imp->nskips; i++) {
		assert_true(imp->skips[i].key[0] != '\0');
		assert_true(strncmp(imp->skips[i].reason, "line ", 5) == 0);
	}
}

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
		cmocka_unit_test(test_gap_and_repeat),
		cmocka_unit_test(test_own_vtimezone),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_bad_vtimezone),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_tolerated),
		cmocka_unit_test(test_stray_backslash),
	};

	return (cmocka_run_group_tests_name("import", tests, NULL,
	    teardown_zones));
}
