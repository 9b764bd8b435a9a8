/*
 * Unit tests for calendars/feed.c: the iCalendar text of events and
 * feeds, checked byte by byte and read back with libical's own parser.
 * feed_event() against libical's writer on random events is in
 * test_feed_writer.c, invitations in test_invite.c.
 */
#include "config.h"

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "buf.h"
#include "calendars.h"
#include "calendars-private.h"
#include "feedref.h"
#include "feedtest.h"

static const char danish[] = DANISH;

static void
test_event_shape(void **state)
{
	struct cal_event	 ev;
	char			*s;
	size_t			 len;
	static const char	*order[] = { "BEGIN:VEVENT\r\n", "\r\nUID:",
	    "\r\nDTSTAMP:", "\r\nDTSTART;", "\r\nDTEND;", "\r\nSUMMARY:",
	    "\r\nSTATUS:", "\r\nSEQUENCE:", "\r\nCREATED:",
	    "\r\nLAST-MODIFIED:", "\r\nLOCATION:", "\r\nGEO:",
	    "\r\nDESCRIPTION:", "\r\nURL:", "\r\nCATEGORIES:",
	    "\r\nTRANSP:", "\r\nEND:VEVENT\r\n" };
	const char		*p, *q;
	size_t			 i;

	(void)state;
	base_event(&ev);
	s = render(&ev, "da", &len);
	assert_memory_equal(s, "BEGIN:VEVENT\r\n", 14);
	assert_string_equal(s + len - 12, "END:VEVENT\r\n");
	assert_line(s, "UID:session-42@kursus.example.dk");
	/* DTSTAMP is LAST-MODIFIED, so the text does not change by itself. */
	assert_line(s, "DTSTAMP:20261120T081530Z");
	assert_line(s, "LAST-MODIFIED:20261120T081530Z");
	assert_line(s, "CREATED:20260901T120000Z");
	assert_line(s, "DTSTART;TZID=Europe/Copenhagen:20261203T100000");
	assert_line(s, "DTEND;TZID=Europe/Copenhagen:20261203T113000");
	assert_line(s, "SUMMARY:Kom godt i gang med MitID");
	assert_line(s, "STATUS:CONFIRMED");
	assert_line(s, "SEQUENCE:3");
	assert_line(s, "LOCATION:Hovedbiblioteket\\, Krystalgade 15\\, 1172 "
	    "København K");
	assert_line(s, "GEO:55.680200;12.574300");
	assert_line(s, "DESCRIPTION:Medbring din telefon.");
	assert_line(s, "URL:https://kursus.example.dk/feeds/course/mitid.ics");
	assert_line(s, "CATEGORIES:MitID");
	assert_line(s, "TRANSP:OPAQUE");
	assert_null(strstr(s, "VALARM"));
	assert_null(strstr(s, "freeassociation"));
	for (p = s, i = 0; i < sizeof order / sizeof order[0]; i++) {
		q = strstr(p, order[i]);
		if (q == NULL)
			fail_msg("\"%s\" missing or out of order", order[i]);
		p = q + 1;
	}
	free(s);

	/* No UID, no event. */
	ev.uid = NULL;
	assert_null(feed_event(&ev, "da", &len));
	assert_int_equal(len, 0);
	ev.uid = "";
	assert_null(feed_event(&ev, "da", NULL));
	assert_null(feed_event(NULL, "da", NULL));
}

static void
test_event_optional(void **state)
{
	struct cal_event	 ev;
	char			*s;

	(void)state;
	base_event(&ev);
	ev.has_geo = 0;
	ev.url = NULL;
	ev.category = NULL;
	ev.location = "";
	ev.description = NULL;
	ev.created = 0;
	s = render(&ev, "da", NULL);
	assert_no_line(s, "GEO");
	assert_no_line(s, "URL");
	assert_no_line(s, "CATEGORIES");
	assert_no_line(s, "LOCATION");
	assert_no_line(s, "DESCRIPTION");
	assert_no_line(s, "CREATED");
	free(s);

	/* Coordinates out of range are left out, negative ones kept. */
	base_event(&ev);
	ev.lat = 91.0;
	s = render(&ev, "da", NULL);
	assert_no_line(s, "GEO");
	free(s);
	ev.lat = -33.8568;
	ev.lon = -70.6483;
	s = render(&ev, "da", NULL);
	assert_line(s, "GEO:-33.856800;-70.648300");
	free(s);

	/* A URI is not escaped, so what does not belong in one is encoded. */
	ev.url = "https://kursus.example.dk/s?sted=Ærø by&x=\"1\"";
	s = render(&ev, "da", NULL);
	assert_line(s, "URL:https://kursus.example.dk/s?sted=%C3%86r%C3%B8%20by"
	    "&x=%221%22");
	free(s);

	/* An end not after the start is left out. */
	base_event(&ev);
	ev.end = ev.start;
	s = render(&ev, "da", NULL);
	assert_no_line(s, "DTEND");
	free(s);
}

/*
 * Folding at 75 octets never splits a character or an escape (checked by
 * render()), and unfolds to the same text. The text is shifted an octet
 * at a time, so folds fall on every octet of two-, three- and four-octet
 * characters and of escapes.
 */
static void
test_event_folding(void **state)
{
	static const char	 escapes[] = ",;\\,;\\n,;\\,;\\,;\\,;\\,;"
	    "\\,;\\,;\\,;\\,;\\,;\\,;\\,;\\,;\\,;\\,;\\,;\\,;\\,;\\,;"
	    "\\,;\\,;\\,;\\,;\\,;\\,;\\,;\\";
	struct cal_event	 ev;
	icalcomponent		*c, *vev;
	char			*s, *text;
	char			 title[sizeof danish + 80];
	char			 location[sizeof escapes + 80];
	size_t			 len, shift;

	(void)state;
	base_event(&ev);
	ev.location = danish;
	ev.description = danish;
	s = render(&ev, "da", &len);
	assert_true(count(s, "\r\n ") > 10);
	free(s);

	for (shift = 0; shift < 80; shift++) {
		memset(title, 'x', shift);
		snprintf(title + shift, sizeof title - shift, "%s", danish);
		memset(location, 'y', shift);
		snprintf(location + shift, sizeof location - shift, "%s",
		    escapes);
		ev.title = title;
		ev.description = title + shift / 2;
		ev.location = location;
		s = render(&ev, "da", &len);
		text = malloc(len + 64);
		assert_non_null(text);
		snprintf(text, len + 64,
		    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n%sEND:VCALENDAR\r\n", s);
		c = parse(text);
		vev = icalcomponent_get_first_component(c,
		    ICAL_VEVENT_COMPONENT);
		assert_string_equal(icalcomponent_get_summary(vev), title);
		assert_string_equal(icalcomponent_get_description(vev),
		    title + shift / 2);
		assert_string_equal(icalcomponent_get_location(vev), location);
		icalcomponent_free(c);
		free(text);
		free(s);
	}
}

/* Escaping, checked in the bytes. */
static void
test_event_escaping_bytes(void **state)
{
	struct cal_event	 ev;
	char			*s;

	(void)state;
	base_event(&ev);
	ev.title = "a\\b;c,d";
	ev.location = "Borgergade 1; 2. sal, lokale \"Æblet\"";
	ev.description = "Linje 1\nLinje 2\r\nLinje 3\rLinje 4\tfane";
	ev.category = "Borger.dk, NemID; MitID";
	s = render(&ev, "da", NULL);
	assert_line(s, "SUMMARY:a\\\\b\\;c\\,d");
	assert_line(s, "LOCATION:Borgergade 1\\; 2. sal\\, lokale \"Æblet\"");
	assert_line(s, "DESCRIPTION:Linje 1\\nLinje 2\\nLinje 3\\nLinje 4\t"
	    "fane");
	/* libical would write "Borger.dk, NemID; MitID": three categories. */
	assert_line(s, "CATEGORIES:Borger.dk\\, NemID\\; MitID");
	free(s);

	/* Control bytes and broken UTF-8 do not reach the output. */
	ev.title = "bell\a esc\x1b del\x7f bad\xc3 \xff end";
	ev.description = NULL;
	s = render(&ev, "da", NULL);
	assert_line(s, "SUMMARY:bell  esc  del  bad\xef\xbf\xbd "
	    "\xef\xbf\xbd end");
	free(s);

	/* The UID is TEXT too. */
	ev.uid = "a,b;c";
	s = render(&ev, "da", NULL);
	assert_line(s, "UID:a\\,b\\;c");
	free(s);
}

/* Escaping, read back by libical's parser. */
static void
test_event_escaping_roundtrip(void **state)
{
	struct cal_event	 ev;
	const char		*texts[] = {
	    "a\\b;c,d\\ne",
	    "Ærøskøbing Bibliotek, Søndergade 28; 5970 Ærøskøbing",
	    "\\\\,,;;\\;\\,\n\n\\n",
	    "trailing backslash \\",
	    danish,
	    NULL,
	};
	icalcomponent		*c, *vev;
	icalproperty		*p;
	char			*s, *text, backslashes[101];
	size_t			 i;

	(void)state;
	/* A run of 100 backslashes: 200 octets of escapes. */
	memset(backslashes, '\\', sizeof backslashes - 1);
	backslashes[sizeof backslashes - 1] = '\0';
	texts[sizeof texts / sizeof texts[0] - 1] = backslashes;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		base_event(&ev);
		ev.title = texts[i];
		ev.location = texts[i];
		ev.description = texts[i];
		ev.category = texts[i];
		ev.uid = texts[i];
		s = render(&ev, "da", NULL);
		text = malloc(strlen(s) + 64);
		assert_non_null(text);
		snprintf(text, strlen(s) + 64,
		    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n%sEND:VCALENDAR\r\n", s);
		c = parse(text);
		vev = icalcomponent_get_first_component(c,
		    ICAL_VEVENT_COMPONENT);
		assert_non_null(vev);
		assert_string_equal(icalcomponent_get_summary(vev), texts[i]);
		assert_string_equal(icalcomponent_get_location(vev), texts[i]);
		assert_string_equal(icalcomponent_get_description(vev),
		    texts[i]);
		assert_string_equal(icalcomponent_get_uid(vev), texts[i]);
		/* One category, whatever its commas. */
		assert_int_equal(icalcomponent_count_properties(vev,
		    ICAL_CATEGORIES_PROPERTY), 1);
		p = icalcomponent_get_first_property(vev,
		    ICAL_CATEGORIES_PROPERTY);
		assert_string_equal(icalproperty_get_categories(p), texts[i]);
		icalcomponent_free(c);
		free(text);
		free(s);
	}
}

/*
 * The text is what libical itself would write for the same component,
 * but for CATEGORIES (escaped here) and the folds.
 */
static void
test_event_matches_libical(void **state)
{
	struct cal_event	 ev;
	icalcomponent		*c;
	char			*s, *ours, *theirs, *libical;
	char			*p, *q, *pe, *qe;

	(void)state;
	base_event(&ev);
	ev.alarm_minutes = 15;
	ev.description = danish;
	ev.category = "MitID";
	s = render(&ev, "da", NULL);
	c = parse(s);
	libical = icalcomponent_as_ical_string_r(c);
	ours = unfold(s);
	theirs = unfold(libical);
	for (p = ours, q = theirs; *p != '\0' && *q != '\0';
	    p = pe + 2, q = qe + 2) {
		pe = strstr(p, "\r\n");
		qe = strstr(q, "\r\n");
		assert_non_null(pe);
		assert_non_null(qe);
		if (pe - p != qe - q || memcmp(p, q, pe - p) != 0)
			fail_msg("ours \"%.*s\", libical's \"%.*s\"",
			    (int)(pe - p), p, (int)(qe - q), q);
	}
	assert_int_equal(*p, '\0');
	assert_int_equal(*q, '\0');
	free(ours);
	free(theirs);
	free(libical);
	icalcomponent_free(c);
	free(s);
}

static void
test_event_stable(void **state)
{
	struct cal_event	 ev;
	char			*a, *b;
	size_t			 alen, blen;

	(void)state;
	base_event(&ev);
	ev.description = danish;
	ev.alarm_minutes = 30;
	a = render(&ev, "da", &alen);
	b = render(&ev, "da", &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(b);
	ev.sequence++;
	b = render(&ev, "da", &blen);
	assert_line(b, "SEQUENCE:4");
	free(b);
	free(a);
}

static void
test_event_status(void **state)
{
	struct cal_event	 ev;
	char			*s;

	(void)state;
	base_event(&ev);
	ev.status = CAL_CANCELLED;
	s = render(&ev, "da", NULL);
	assert_line(s, "SUMMARY:AFLYST: Kom godt i gang med MitID");
	assert_line(s, "STATUS:CANCELLED");
	free(s);
	s = render(&ev, "en", NULL);
	assert_line(s, "SUMMARY:CANCELLED: Kom godt i gang med MitID");
	free(s);

	ev.status = CAL_CONFIRMED;
	ev.waitlisted = 1;
	s = render(&ev, "da", NULL);
	assert_line(s, "SUMMARY:Kom godt i gang med MitID (venteliste)");
	assert_line(s, "STATUS:TENTATIVE");
	free(s);
	s = render(&ev, "en", NULL);
	assert_line(s, "SUMMARY:Kom godt i gang med MitID (waiting list)");
	assert_line(s, "STATUS:TENTATIVE");
	free(s);
	/* Danish unless English is asked for. */
	s = render(&ev, NULL, NULL);
	assert_line(s, "SUMMARY:Kom godt i gang med MitID (venteliste)");
	free(s);

	/* Cancelled wins over waitlisted. */
	ev.status = CAL_CANCELLED;
	s = render(&ev, "da", NULL);
	assert_line(s, "SUMMARY:AFLYST: Kom godt i gang med MitID "
	    "(venteliste)");
	assert_line(s, "STATUS:CANCELLED");
	free(s);

	ev.status = CAL_TENTATIVE;
	ev.waitlisted = 0;
	s = render(&ev, "da", NULL);
	assert_line(s, "SUMMARY:Kom godt i gang med MitID");
	assert_line(s, "STATUS:TENTATIVE");
	free(s);
}

static void
test_event_alarm(void **state)
{
	struct cal_event	 ev;
	char			*s;

	(void)state;
	base_event(&ev);
	ev.alarm_minutes = 90;
	s = render(&ev, "da", NULL);
	assert_non_null(strstr(s, "TRANSP:OPAQUE\r\nBEGIN:VALARM\r\n"
	    "ACTION:DISPLAY\r\nTRIGGER:-PT90M\r\n"
	    "DESCRIPTION:Kom godt i gang med MitID\r\nEND:VALARM\r\n"
	    "END:VEVENT\r\n"));
	free(s);

	ev.alarm_minutes = 0;
	s = render(&ev, "da", NULL);
	assert_null(strstr(s, "VALARM"));
	assert_null(strstr(s, "TRIGGER"));
	free(s);
	ev.alarm_minutes = -5;
	s = render(&ev, "da", NULL);
	assert_null(strstr(s, "VALARM"));
	free(s);

	/* No reminder of a cancelled session. */
	ev.alarm_minutes = 60;
	ev.status = CAL_CANCELLED;
	s = render(&ev, "da", NULL);
	assert_null(strstr(s, "VALARM"));
	free(s);

	/* At most four weeks ahead. */
	ev.status = CAL_CONFIRMED;
	ev.alarm_minutes = 1000000;
	s = render(&ev, "da", NULL);
	assert_line(s, "TRIGGER:-PT40320M");
	free(s);
}

/*
 * 10:00 stays 10:00 on both sides of a DST change, and a calendar that
 * only has the feed's VTIMEZONE finds the same instants.
 */
static void
test_event_dst(void **state)
{
	struct {
		time_t		 start;
		const char	*want;
		int		 repeated;
	} cases[] = {
		/* Autumn: CEST on Saturday, CET on Monday. */
		{ utc(2026, 10, 24, 8, 0, 0),
		  "DTSTART;TZID=Europe/Copenhagen:20261024T100000", 0 },
		{ utc(2026, 10, 26, 9, 0, 0),
		  "DTSTART;TZID=Europe/Copenhagen:20261026T100000", 0 },
		/* Spring: CET on Saturday, CEST on Monday. */
		{ utc(2026, 3, 28, 9, 0, 0),
		  "DTSTART;TZID=Europe/Copenhagen:20260328T100000", 0 },
		{ utc(2026, 3, 30, 8, 0, 0),
		  "DTSTART;TZID=Europe/Copenhagen:20260330T100000", 0 },
		/* The repeated hour, first pass. */
		{ utc(2026, 10, 25, 0, 30, 0),
		  "DTSTART;TZID=Europe/Copenhagen:20261025T023000", 1 },
	};
	struct cal_local	 l;
	time_t			 t;
	struct cal_event	 ev;
	const char		*events[1], *tzids[1] = { CPH };
	size_t			 lens[1], i;
	icalcomponent		*cal, *vev;
	icaltimezone		*zone;
	struct icaltimetype	 dt;
	char			*s, *feed;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		base_event(&ev);
		ev.start = cases[i].start;
		ev.end = cases[i].start + 5400;
		s = render(&ev, "da", &lens[0]);
		assert_line(s, cases[i].want);
		events[0] = s;
		feed = calendar(tzids, 1, ev.start, ev.end, events, lens, 1,
		    NULL);
		cal = parse(feed);
		zone = parsed_zone(cal, CPH);
		vev = icalcomponent_get_first_component(cal,
		    ICAL_VEVENT_COMPONENT);
		dt = icalproperty_get_dtstart(icalcomponent_get_first_property(
		    vev, ICAL_DTSTART_PROPERTY));
		dt.zone = NULL;
		if (cases[i].repeated) {
			/*
			 * RFC 5545 3.3.5: a repeated local time means its
			 * first occurrence (zone_local_to_utc() reads it so);
			 * libical 3.0 takes the second.
			 */
			cal_local_from_ical(&dt, &l);
			assert_int_equal(zone_local_to_utc(CPH, &l, &t, NULL),
			    0);
			assert_int_equal(t, ev.start);
			assert_int_equal(icaltime_as_timet_with_zone(dt, zone),
			    ev.start + 3600);
		} else {
			assert_int_equal(icaltime_as_timet_with_zone(dt,
			    zone), ev.start);
		}
		dt = icalproperty_get_dtend(icalcomponent_get_first_property(
		    vev, ICAL_DTEND_PROPERTY));
		dt.zone = NULL;
		assert_int_equal(icaltime_as_timet_with_zone(dt, zone),
		    ev.end);
		icaltimezone_free(zone, 1);
		icalcomponent_free(cal);
		free(feed);
		free(s);
	}
}

/* A zone libical does not know, or UTC: the instant in UTC. */
static void
test_event_utc(void **state)
{
	struct cal_event	 ev;
	const char		*tzids[2] = { "Nowhere/Special", "UTC" };
	char			*s;

	(void)state;
	base_event(&ev);
	ev.tzid = "Nowhere/Special";
	s = render(&ev, "da", NULL);
	assert_line(s, "DTSTART:20261203T090000Z");
	assert_line(s, "DTEND:20261203T103000Z");
	free(s);
	ev.tzid = "UTC";
	s = render(&ev, "da", NULL);
	assert_line(s, "DTSTART:20261203T090000Z");
	free(s);
	ev.tzid = "Europe/../Europe/Copenhagen";
	s = render(&ev, "da", NULL);
	assert_line(s, "DTSTART:20261203T090000Z");
	free(s);
	ev.tzid = NULL;
	s = render(&ev, "da", NULL);
	assert_line(s, "DTSTART:20261203T090000Z");
	free(s);

	/* And no VTIMEZONE for them. */
	s = calendar(tzids, 2, ev.start, ev.end, NULL, NULL, 0, NULL);
	assert_null(strstr(s, "VTIMEZONE"));
	free(s);
}

static void
test_calendar_head(void **state)
{
	struct cal_feed		 feed = { "Kurser – Malernes Seniorklub, "
				    "Nørrebro; 2. sal", CPH, 0 };
	struct cal_event	 ev;
	const char		*events[3], *tzids[3] = { CPH, CPH, NULL };
	size_t			 lens[3], len, i;
	char			*s, *want;
	icalcomponent		*c;

	(void)state;
	s = feed_calendar(&feed, NULL, 0, 0, 0, NULL, NULL, 0, &len);
	assert_non_null(s);
	want = "BEGIN:VCALENDAR\r\n"
	    "PRODID:-//kursusd//kursusd " PACKAGE_VERSION "//DA\r\n"
	    "VERSION:2.0\r\n"
	    "CALSCALE:GREGORIAN\r\n"
	    "METHOD:PUBLISH\r\n"
	    "NAME:Kurser – Malernes Seniorklub\\, Nørrebro\\; 2. sal\r\n"
	    "X-WR-CALNAME:Kurser – Malernes Seniorklub\\, Nørrebro\\; "
	    "2. sal\r\n"
	    "X-WR-TIMEZONE:Europe/Copenhagen\r\n"
	    "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
	    "X-PUBLISHED-TTL:PT1H\r\n"
	    "END:VCALENDAR\r\n";
	assert_string_equal(s, want);
	assert_int_equal(len, strlen(want));
	c = parse(s);
	assert_string_equal(icalproperty_get_name(
	    icalcomponent_get_first_property(c, ICAL_NAME_PROPERTY)),
	    feed.name);
	assert_string_equal(icalproperty_get_x(
	    icalcomponent_get_first_property(c, ICAL_X_PROPERTY)), feed.name);
	icalcomponent_free(c);
	free(s);

	feed.refresh_minutes = 90;
	s = feed_calendar(&feed, NULL, 0, 0, 0, NULL, NULL, 0, &len);
	assert_line(s, "REFRESH-INTERVAL;VALUE=DURATION:PT1H30M");
	assert_line(s, "X-PUBLISHED-TTL:PT1H30M");
	free(s);
	feed.refresh_minutes = 15;
	s = feed_calendar(&feed, NULL, 0, 0, 0, NULL, NULL, 0, &len);
	assert_line(s, "REFRESH-INTERVAL;VALUE=DURATION:PT15M");
	assert_line(s, "X-PUBLISHED-TTL:PT15M");
	free(s);

	/* Zones once each, then the events as given, in order. */
	for (i = 0; i < 3; i++) {
		base_event(&ev);
		ev.start += (time_t)i * 86400 * 7;
		ev.end += (time_t)i * 86400 * 7;
		events[i] = render(&ev, "da", &lens[i]);
	}
	s = calendar(tzids, 3, utc(2026, 12, 1, 0, 0, 0),
	    utc(2026, 12, 31, 0, 0, 0), events, lens, 3, &len);
	assert_int_equal(count(s, "BEGIN:VTIMEZONE"), 1);
	assert_int_equal(count(s, "BEGIN:VEVENT"), 3);
	assert_true(strstr(s, "END:VTIMEZONE") < strstr(s, "BEGIN:VEVENT"));
	assert_non_null(strstr(s, events[2]));
	assert_true(strstr(s, "20261203T100000") <
	    strstr(s, "20261210T100000"));
	assert_true(strstr(s, "20261210T100000") <
	    strstr(s, "20261217T100000"));
	assert_string_equal(s + len - 15, "END:VCALENDAR\r\n");
	c = parse(s);
	assert_int_equal(icalcomponent_count_components(c,
	    ICAL_VEVENT_COMPONENT), 3);
	icalcomponent_free(c);
	free(s);
	for (i = 0; i < 3; i++)
		free((char *)events[i]);

	assert_null(feed_calendar(NULL, NULL, 0, 0, 0, NULL, NULL, 0, &len));
	assert_int_equal(len, 0);
}

/*
 * Copenhagen's VTIMEZONE in the form Outlook takes: one STANDARD and one
 * DAYLIGHT, each an RRULE without UNTIL, no history, offsets +HHMM.
 */
static void
test_vtimezone_compact(void **state)
{
	const char	*tzids[1] = { CPH };
	char		*s, *a, *b;

	(void)state;
	s = calendar(tzids, 1, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 6, 1, 0, 0, 0), NULL, NULL, 0, NULL);
	a = strstr(s, "BEGIN:VTIMEZONE\r\n");
	assert_non_null(a);
	assert_string_equal(a,
	    "BEGIN:VTIMEZONE\r\n"
	    "TZID:Europe/Copenhagen\r\n"
	    "X-LIC-LOCATION:Europe/Copenhagen\r\n"
	    "BEGIN:DAYLIGHT\r\n"
	    "TZNAME:CEST\r\n"
	    "TZOFFSETFROM:+0100\r\n"
	    "TZOFFSETTO:+0200\r\n"
	    "DTSTART:19810329T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
	    "END:DAYLIGHT\r\n"
	    "BEGIN:STANDARD\r\n"
	    "TZNAME:CET\r\n"
	    "TZOFFSETFROM:+0200\r\n"
	    "TZOFFSETTO:+0100\r\n"
	    "DTSTART:19961027T030000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
	    "END:STANDARD\r\n"
	    "END:VTIMEZONE\r\n"
	    "END:VCALENDAR\r\n");

	/* The same bytes again, from the cache. */
	b = calendar(tzids, 1, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 6, 1, 0, 0, 0), NULL, NULL, 0, NULL);
	assert_string_equal(s, b);
	free(b);
	free(s);
}

/* Other shapes: southern hemisphere, half hours, no DST at all. */
static void
test_vtimezone_others(void **state)
{
	const char	*tzids[5] = { "America/New_York", "Australia/Sydney",
			    "Asia/Kolkata", "Asia/Tokyo", "Europe/London" };
	char		*s;

	(void)state;
	s = calendar(tzids, 5, utc(2026, 1, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0), NULL, NULL, 0, NULL);
	assert_int_equal(count(s, "BEGIN:VTIMEZONE"), 5);
	assert_int_equal(count(s, "BEGIN:DAYLIGHT"), 3);
	assert_int_equal(count(s, "BEGIN:STANDARD"), 5);
	assert_int_equal(count(s, "RRULE:"), 6);
	assert_int_equal(count(s, "UNTIL"), 0);
	assert_null(strstr(s, "TZUNTIL"));
	assert_null(strstr(s, "freeassociation"));
	assert_non_null(strstr(s, "TZID:America/New_York\r\n"));
	assert_non_null(strstr(s, "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"));
	assert_non_null(strstr(s,
	    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"));
	assert_non_null(strstr(s,
	    "TZOFFSETFROM:+1100\r\nTZOFFSETTO:+1000\r\n"));
	assert_non_null(strstr(s, "TZOFFSETTO:+0530\r\n"));
	assert_non_null(strstr(s, "TZOFFSETTO:+0900\r\n"));
	assert_offset_form(s);
	free(s);
}

/*
 * Every zone libical knows: the VTIMEZONE parses, has no DTSTART before
 * VTZ_YEAR_MIN, offsets +HHMM, and gives the same offset as libical's own
 * zone every day of the range.
 */
static void
test_vtimezone_all_zones(void **state)
{
	icalarray		*all;
	icalcomponent		*cal, *vtz, *obs;
	icaltimezone		*ours, *theirs;
	struct icaltimetype	 tt;
	char			**names, *s;
	const char		*tzids[1];
	time_t			 from = utc(2026, 1, 1, 0, 0, 0);
	time_t			 until = utc(2027, 12, 31, 0, 0, 0), t;
	size_t			 i, n;
	int			 dst;

	(void)state;
	all = icaltimezone_get_builtin_timezones();
	assert_non_null(all);
	n = all->num_elements;
	/* The world, or the few of dev/zones. */
	assert_true(n > (getenv("KURSUS_TEST_ZONEINFO") != NULL ? 4 : 300));
	/* Copied first: loading a zone replaces its location string. */
	names = calloc(n, sizeof *names);
	assert_non_null(names);
	for (i = 0; i < n; i++) {
		names[i] = strdup(icaltimezone_get_location(
		    icalarray_element_at(all, i)));
		assert_non_null(names[i]);
	}
	for (i = 0; i < n; i++) {
		tzids[0] = names[i];
		s = calendar(tzids, 1, from, until, NULL, NULL, 0, NULL);
		assert_offset_form(s);
		cal = parse(s);
		vtz = icalcomponent_get_first_component(cal,
		    ICAL_VTIMEZONE_COMPONENT);
		if (vtz == NULL) {
			/* Only UTC itself is written without a zone. */
			assert_true(strcmp(names[i], "UTC") == 0 ||
			    strcmp(names[i], "GMT") == 0);
			icalcomponent_free(cal);
			free(s);
			continue;
		}
		for (obs = icalcomponent_get_first_component(vtz,
		    ICAL_ANY_COMPONENT); obs != NULL;
		    obs = icalcomponent_get_next_component(vtz,
		    ICAL_ANY_COMPONENT)) {
			if (icalcomponent_get_dtstart(obs).year < VTZ_YEAR_MIN)
				fail_msg("%s: DTSTART before %d", names[i],
				    VTZ_YEAR_MIN);
		}
		ours = parsed_zone(cal, names[i]);
		theirs = icaltimezone_get_builtin_timezone(names[i]);
		assert_non_null(theirs);
		for (t = from; t < until; t += 86400) {
			tt = icaltime_from_timet_with_zone(t, 0,
			    icaltimezone_get_utc_timezone());
			if (icaltimezone_get_utc_offset_of_utc_time(ours, &tt,
			    &dst) != icaltimezone_get_utc_offset_of_utc_time(
			    theirs, &tt, &dst))
				fail_msg("%s: wrong offset at %lld", names[i],
				    (long long)t);
		}
		icaltimezone_free(ours, 1);
		icalcomponent_free(cal);
		free(s);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* feed_calendar_head(), the events and FEED_CALENDAR_END: feed_calendar(). */
static void
test_calendar_head_parts(void **state)
{
	const struct cal_feed	 feed = { "Kurser – Ærø", CPH, 30 };
	const char		*tzids[] = { CPH, "America/St_Johns", CPH };
	struct cal_event	 ev;
	const char		*events[2];
	size_t			 lens[2], len, hlen, i;
	char			*whole, *head, *parts;

	(void)state;
	base_event(&ev);
	events[0] = render(&ev, "da", &lens[0]);
	ev.uid = "session-43@kursus.example.dk";
	ev.start += 7 * 86400;
	ev.end += 7 * 86400;
	events[1] = render(&ev, "da", &lens[1]);
	whole = feed_calendar(&feed, tzids, 3, ev.start - 7 * 86400, ev.end,
	    events, lens, 2, &len);
	assert_non_null(whole);
	assert_int_equal(len, strlen(whole));
	head = feed_calendar_head(&feed, tzids, 3, ev.start - 7 * 86400,
	    ev.end, &hlen);
	assert_non_null(head);
	assert_int_equal(hlen, strlen(head));
	assert_int_equal(count(head, "BEGIN:VTIMEZONE"), 2);
	assert_int_equal(count(head, "BEGIN:VEVENT"), 0);
	assert_int_equal(count(head, "END:VCALENDAR"), 0);
	assert_true(hlen + lens[0] + lens[1] + strlen(FEED_CALENDAR_END) ==
	    len);
	parts = malloc(len + 1);
	assert_non_null(parts);
	memcpy(parts, head, hlen);
	for (i = 0; i < 2; i++) {
		memcpy(parts + hlen, events[i], lens[i]);
		hlen += lens[i];
	}
	memcpy(parts + hlen, FEED_CALENDAR_END, sizeof FEED_CALENDAR_END);
	assert_string_equal(parts, whole);
	assert_null(feed_calendar_head(NULL, tzids, 1, 0, 0, &hlen));
	assert_int_equal(hlen, 0);
	assert_null(feed_calendar_head(&feed, NULL, 1, 0, 0, NULL));
	free(parts);
	free(head);
	free(whole);
	free((char *)events[0]);
	free((char *)events[1]);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_event_shape),
		cmocka_unit_test(test_event_optional),
		cmocka_unit_test(test_event_folding),
		cmocka_unit_test(test_event_escaping_bytes),
		cmocka_unit_test(test_event_escaping_roundtrip),
		cmocka_unit_test(test_event_matches_libical),
		cmocka_unit_test(test_event_stable),
		cmocka_unit_test(test_event_status),
		cmocka_unit_test(test_event_alarm),
		cmocka_unit_test(test_event_dst),
		cmocka_unit_test(test_event_utc),
		cmocka_unit_test(test_calendar_head),
		cmocka_unit_test(test_calendar_head_parts),
		cmocka_unit_test(test_vtimezone_compact),
		cmocka_unit_test(test_vtimezone_others),
		cmocka_unit_test(test_vtimezone_all_zones),
	};

	/*
	 * KURSUS_TEST_ZONEINFO names a zoneinfo of a few hard zones that
	 * dev/zones has put in the system's place: every zone it has is
	 * written and read back, whatever else the tests would need.
	 */
	const struct CMUnitTest zones_only[] = {
		cmocka_unit_test(test_vtimezone_all_zones),
	};

	if (getenv("KURSUS_TEST_ZONEINFO") != NULL)
		return (cmocka_run_group_tests_name("feed-zones", zones_only,
		    NULL, teardown_zones));
	return (cmocka_run_group_tests_name("feed", tests, NULL,
	    teardown_zones));
}
