/*
 * Unit tests for calendars/feed.c and calendars/invite.c: the iCalendar
 * text of events, feeds and invitations, checked byte by byte and read
 * back with libical's own parser.
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

#define CPH		"Europe/Copenhagen"
#define LINE_MAX_OCTETS	75

/* The earliest DTSTART a compact VTIMEZONE may carry. */
#define VTZ_YEAR_MIN	1970

static time_t	 utc(int, int, int, int, int, int);
static void	 base_event(struct cal_event *);
static char	*render(const struct cal_event *, const char *, size_t *);
static size_t	 utf8_len(const u_char *, size_t);
static int	 utf8_valid(const char *, size_t);
static void	 assert_wellformed(const char *, size_t);
static char	*unfold(const char *);
static char	*find_line(const char *, const char *);
static void	 assert_line(const char *, const char *);
static void	 assert_no_line(const char *, const char *);
static size_t	 count(const char *, const char *);
static char	*calendar(const char *const *, size_t, time_t, time_t,
		    const char *const *, const size_t *, size_t, size_t *);
static icalcomponent *parse(const char *);
static icaltimezone *parsed_zone(icalcomponent *, const char *);
static void	 assert_offset_form(const char *);
static void	 invite_base(struct cal_invite *, const char *);

/* Long Danish text: every fold falls among two-octet characters. */
static const char danish[] =
    "Ærøskøbing Bibliotek, Søndergade 28; 5970 Ærø – Kursus i MitID for "
    "ældre: Sådan bruger du Digital Post på din telefon. Tag din "
    "mobiltelefon, dit pas eller kørekort og din kode med. Vi går trin "
    "for trin igennem: åbn appen, log på, læs dine breve, svar på dem. "
    "ÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅæøåÆØÅ"
    "æøåÆØÅæøåÆØÅæøåÆØÅæøå€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€"
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85"
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85"
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85"
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85"
    "\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85\xf0\x9f\x93\x85"
    " slut.";

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (timegm(&tm));
}

/* A session at 10:00-11:30 on Thursday 3 December 2026 in Copenhagen. */
static void
base_event(struct cal_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->uid = "session-42@kursus.example.dk";
	ev->sequence = 3;
	ev->status = CAL_CONFIRMED;
	ev->start = utc(2026, 12, 3, 9, 0, 0);
	ev->end = utc(2026, 12, 3, 10, 30, 0);
	ev->tzid = CPH;
	ev->title = "Kom godt i gang med MitID";
	ev->category = "MitID";
	ev->location = "Hovedbiblioteket, Krystalgade 15, 1172 København K";
	ev->has_geo = 1;
	ev->lat = 55.6802;
	ev->lon = 12.5743;
	ev->description = "Medbring din telefon.";
	ev->url = "https://kursus.example.dk/feeds/course/mitid.ics";
	ev->created = utc(2026, 9, 1, 12, 0, 0);
	ev->last_modified = utc(2026, 11, 20, 8, 15, 30);
	ev->alarm_minutes = 0;
}

/* feed_event() that must succeed, checked for the basic form. */
static char *
render(const struct cal_event *ev, const char *lang, size_t *lenp)
{
	char	*s;
	size_t	 len = 0;

	s = feed_event(ev, lang, &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	assert_wellformed(s, len);
	if (lenp != NULL)
		*lenp = len;
	return (s);
}

/* Octets of the well-formed UTF-8 character at p, or 0. */
static size_t
utf8_len(const u_char *p, size_t left)
{
	size_t		 n, i;
	uint32_t	 c;

	if (p[0] < 0x80)
		return (1);
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return (0);
	if (left < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return (0);
	return (n);
}

static int
utf8_valid(const char *s, size_t len)
{
	size_t	i, n;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_len((const u_char *)s + i, len - i)) == 0)
			return (0);
	}
	return (1);
}

/*
 * Every line ends in CR LF, has no other CR or LF, is at most 75 octets,
 * and is well-formed UTF-8 on its own, so no fold split a character. No
 * line ends inside a backslash escape either.
 */
static void
assert_wellformed(const char *s, size_t len)
{
	const char	*p = s, *eol, *end = s + len;
	size_t		 n, bs;

	assert_true(len >= 2);
	assert_memory_equal(end - 2, "\r\n", 2);
	while (p < end) {
		eol = memchr(p, '\r', end - p);
		assert_non_null(eol);
		assert_true(eol + 1 < end);
		assert_int_equal(eol[1], '\n');
		n = eol - p;
		assert_null(memchr(p, '\n', n));
		if (n > LINE_MAX_OCTETS)
			fail_msg("line of %zu octets: %.*s", n, (int)n, p);
		if (!utf8_valid(p, n))
			fail_msg("fold splits a character: %.*s", (int)n, p);
		for (bs = 0; bs < n && p[n - 1 - bs] == '\\'; bs++)
			;
		if (bs % 2 != 0)
			fail_msg("fold splits an escape: %.*s", (int)n, p);
		/* No empty line, no empty continuation. */
		assert_true(n > 0 && (p[0] != ' ' || n > 1));
		p = eol + 2;
	}
}

/* The text with every fold (CR LF and one space) taken out; caller frees. */
static char *
unfold(const char *s)
{
	char	*out, *o;

	o = out = malloc(strlen(s) + 1);
	assert_non_null(out);
	while (*s != '\0') {
		if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ') {
			s += 3;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return (out);
}

/*
 * The first unfolded line of s that starts with prefix, without CR LF, or
 * NULL; caller frees.
 */
static char *
find_line(const char *s, const char *prefix)
{
	char	*text, *p, *eol, *line = NULL;
	size_t	 n = strlen(prefix);

	text = unfold(s);
	for (p = text; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		if ((size_t)(eol - p) >= n && strncmp(p, prefix, n) == 0) {
			line = strndup(p, eol - p);
			break;
		}
	}
	free(text);
	return (line);
}

/* s has the unfolded line want, exactly. */
static void
assert_line(const char *s, const char *want)
{
	char	*text, *p, *eol;
	size_t	 n = strlen(want);

	text = unfold(s);
	for (p = text; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		if ((size_t)(eol - p) == n && memcmp(p, want, n) == 0) {
			free(text);
			return;
		}
	}
	free(text);
	fail_msg("no line \"%s\" in:\n%s", want, s);
}

static void
assert_no_line(const char *s, const char *prefix)
{
	char	*line;

	if ((line = find_line(s, prefix)) != NULL)
		fail_msg("unexpected line \"%s\"", line);
}

static size_t
count(const char *s, const char *needle)
{
	size_t	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return (n);
}

/* feed_calendar() with a fixed head that must succeed. */
static char *
calendar(const char *const *tzids, size_t ntz, time_t from, time_t until,
    const char *const *events, const size_t *lens, size_t n, size_t *lenp)
{
	const struct cal_feed	 feed = { "Kurser", CPH, 60 };
	char			*s;
	size_t			 len = 0;

	s = feed_calendar(&feed, tzids, ntz, from, until, events, lens, n,
	    &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	assert_wellformed(s, len);
	if (lenp != NULL)
		*lenp = len;
	return (s);
}

/* libical's own reading of s, which must parse; caller frees. */
static icalcomponent *
parse(const char *s)
{
	icalcomponent	*c;

	c = icalparser_parse_string(s);
	assert_non_null(c);
	assert_int_equal(icalcomponent_count_errors(c), 0);
	return (c);
}

/* A zone built from the VTIMEZONE named tzid in cal; caller frees. */
static icaltimezone *
parsed_zone(icalcomponent *cal, const char *tzid)
{
	icalcomponent	*vtz;
	icaltimezone	*zone;

	for (vtz = icalcomponent_get_first_component(cal,
	    ICAL_VTIMEZONE_COMPONENT); vtz != NULL;
	    vtz = icalcomponent_get_next_component(cal,
	    ICAL_VTIMEZONE_COMPONENT)) {
		if (strcmp(icalproperty_get_tzid(
		    icalcomponent_get_first_property(vtz,
		    ICAL_TZID_PROPERTY)), tzid) == 0)
			break;
	}
	assert_non_null(vtz);
	zone = icaltimezone_new();
	assert_true(icaltimezone_set_component(zone,
	    icalcomponent_new_clone(vtz)));
	return (zone);
}

/* TZOFFSETFROM/TO are +HHMM or -HHMM, never with seconds. */
static void
assert_offset_form(const char *s)
{
	const char	*p = s, *v;
	size_t		 n;

	while ((p = strstr(p, "TZOFFSET")) != NULL) {
		v = strchr(p, ':');
		assert_non_null(v);
		v++;
		n = strcspn(v, "\r");
		if (n != 5 || (v[0] != '+' && v[0] != '-') ||
		    strspn(v + 1, "0123456789") < 4)
			fail_msg("offset \"%.*s\"", (int)n, v);
		p = v;
	}
}

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

static void
invite_base(struct cal_invite *inv, const char *method)
{
	memset(inv, 0, sizeof *inv);
	inv->method = method;
	inv->organizer_name = "Hovedbiblioteket, Kursusafdelingen";
	inv->organizer_email = "kursus@bibliotek.example.dk";
	inv->attendee_name = "Søren Ærø Ødegård";
	inv->attendee_email = "soeren@example.dk";
}

static void
test_invite_request(void **state)
{
	struct cal_event	 ev;
	struct cal_invite	 inv;
	icalcomponent		*c, *vev;
	icalproperty		*p;
	char			*s, *event, *line, *alarm, *vevent, *added, *rest;
	size_t			 len, added_lines;

	(void)state;
	base_event(&ev);
	ev.alarm_minutes = 60;
	invite_base(&inv, "REQUEST");
	s = invite_render(&ev, &inv, "da", &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	assert_wellformed(s, len);
	assert_memory_equal(s, "BEGIN:VCALENDAR\r\nPRODID:-//kursusd//kursusd "
	    PACKAGE_VERSION "//DA\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n"
	    "METHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\n",
	    strlen("BEGIN:VCALENDAR\r\nPRODID:-//kursusd//kursusd "
	    PACKAGE_VERSION "//DA\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n"
	    "METHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\n"));
	assert_string_equal(s + len - 27, "END:VEVENT\r\nEND:VCALENDAR\r\n");
	assert_line(s, "ORGANIZER;CN=\"Hovedbiblioteket, Kursusafdelingen\":"
	    "mailto:kursus@bibliotek.example.dk");
	assert_line(s, "ATTENDEE;CN=\"Søren Ærø Ødegård\";"
	    "ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
	    "mailto:soeren@example.dk");
	assert_line(s, "UID:session-42@kursus.example.dk");
	assert_line(s, "SEQUENCE:3");
	assert_line(s, "STATUS:CONFIRMED");
	assert_line(s, "DTSTAMP:20261120T081530Z");
	assert_line(s, "DTSTART;TZID=Europe/Copenhagen:20261203T100000");
	/* ORGANIZER and ATTENDEE sit in the event, before its alarm. */
	assert_true(strstr(s, "BEGIN:VEVENT") < strstr(s, "ORGANIZER"));
	assert_true(strstr(s, "ATTENDEE") < strstr(s, "BEGIN:VALARM"));
	assert_int_equal(count(s, "BEGIN:VTIMEZONE"), 1);

	/*
	 * The event is the feed's, with the two lines added before its
	 * alarm: the feed's bytes up to BEGIN:VALARM, ORGANIZER and
	 * ATTENDEE (two unfolded lines), then the rest of the feed's bytes.
	 */
	event = feed_event(&ev, "da", NULL);
	assert_non_null(event);
	alarm = strstr(event, "BEGIN:VALARM\r\n");
	assert_non_null(alarm);
	vevent = strstr(s, "BEGIN:VEVENT\r\n");
	assert_non_null(vevent);
	assert_memory_equal(vevent, event, alarm - event);
	added = vevent + (alarm - event);
	assert_memory_equal(added, "ORGANIZER", 9);
	rest = strstr(added, "BEGIN:VALARM\r\n");
	assert_non_null(rest);
	added_lines = 0;
	for (line = added; line < rest; line = strstr(line, "\r\n") + 2) {
		if (line[0] != ' ')
			added_lines++;
	}
	assert_int_equal(added_lines, 2);
	line = find_line(added, "ATTENDEE;");
	assert_non_null(line);
	assert_true(strstr(added, "\r\nATTENDEE;") < rest);
	free(line);
	assert_int_equal(strlen(rest), strlen(alarm) +
	    strlen("END:VCALENDAR\r\n"));
	assert_memory_equal(rest, alarm, strlen(alarm));
	free(event);

	c = parse(s);
	assert_int_equal(icalcomponent_get_method(c), ICAL_METHOD_REQUEST);
	vev = icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT);
	p = icalcomponent_get_first_property(vev, ICAL_ATTENDEE_PROPERTY);
	assert_string_equal(icalproperty_get_attendee(p),
	    "mailto:soeren@example.dk");
	assert_string_equal(icalparameter_get_cn(
	    icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)),
	    "Søren Ærø Ødegård");
	p = icalcomponent_get_first_property(vev, ICAL_ORGANIZER_PROPERTY);
	assert_string_equal(icalparameter_get_cn(
	    icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER)),
	    "Hovedbiblioteket, Kursusafdelingen");
	icalcomponent_free(c);
	free(s);

	/* No name: no CN. A quote in a name would end the parameter. */
	inv.organizer_name = NULL;
	inv.attendee_name = "Karen \"Kis\" Ærbø";
	s = invite_render(&ev, &inv, "da", &len);
	assert_non_null(s);
	assert_line(s, "ORGANIZER:mailto:kursus@bibliotek.example.dk");
	line = find_line(s, "ATTENDEE;");
	assert_non_null(line);
	assert_memory_equal(line, "ATTENDEE;CN=\"Karen 'Kis' Ærbø\";", 33);
	free(line);
	free(s);
}

static void
test_invite_cancel(void **state)
{
	struct cal_event	 ev;
	struct cal_invite	 inv;
	icalcomponent		*c;
	char			*s;
	size_t			 len;

	(void)state;
	base_event(&ev);
	ev.alarm_minutes = 60;
	ev.sequence = 4;
	invite_base(&inv, "CANCEL");
	s = invite_render(&ev, &inv, "da", &len);
	assert_non_null(s);
	assert_wellformed(s, len);
	assert_line(s, "METHOD:CANCEL");
	assert_line(s, "STATUS:CANCELLED");
	assert_line(s, "SEQUENCE:4");
	assert_line(s, "UID:session-42@kursus.example.dk");
	assert_line(s, "SUMMARY:AFLYST: Kom godt i gang med MitID");
	assert_line(s, "ATTENDEE;CN=\"Søren Ærø Ødegård\";"
	    "ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
	    "mailto:soeren@example.dk");
	assert_null(strstr(s, "VALARM"));
	c = parse(s);
	assert_int_equal(icalcomponent_get_method(c), ICAL_METHOD_CANCEL);
	icalcomponent_free(c);
	free(s);

	s = invite_render(&ev, &inv, "en", &len);
	assert_line(s, "SUMMARY:CANCELLED: Kom godt i gang med MitID");
	free(s);
}

/*
 * Long names and addresses fold at 75 octets without splitting a
 * character, wherever the folds fall. libical's own folding would cut the
 * line's CR LF in two for two of these addresses.
 */
static void
test_invite_folding(void **state)
{
	static const char	*names[] = {
	    "Ærø Søndergård Åkjær-Østergaard Æbelø Ølstykke Årø Ærøskøbing "
	    "Bøgebjerg €€€ \xf0\x9f\x93\x85",
	    "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz "
	    "abcdefghijklmnopqrstuvwxyz",
	};
	struct cal_event	 ev;
	struct cal_invite	 inv;
	char			*s, *line, name[240], mail[240], want[260];
	size_t			 len, shift, i;
	icalcomponent		*c, *vev;
	icalproperty		*p;

	(void)state;
	base_event(&ev);
	invite_base(&inv, "REQUEST");
	for (shift = 0; shift < 80; shift++) {
		memset(mail, 'x', shift);
		snprintf(mail + shift, sizeof mail - shift, "%s",
		    "soeren.oedegaard.aeroe.hansen.med.et.meget.langt.navn"
		    "@eksempel.dk");
		inv.attendee_email = mail;
		s = invite_render(&ev, &inv, "da", &len);
		assert_non_null(s);
		assert_wellformed(s, len);
		c = parse(s);
		vev = icalcomponent_get_first_component(c,
		    ICAL_VEVENT_COMPONENT);
		p = icalcomponent_get_first_property(vev,
		    ICAL_ATTENDEE_PROPERTY);
		snprintf(want, sizeof want, "mailto:%s", mail);
		assert_string_equal(icalproperty_get_attendee(p), want);
		icalcomponent_free(c);
		free(s);
	}
	invite_base(&inv, "REQUEST");
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		for (shift = 0; shift < 80; shift++) {
			memset(name, 'x', shift);
			snprintf(name + shift, sizeof name - shift, "%s",
			    names[i]);
			inv.attendee_name = name;
			s = invite_render(&ev, &inv, "da", &len);
			assert_non_null(s);
			assert_wellformed(s, len);
			line = find_line(s, "ATTENDEE;CN=\"");
			assert_non_null(line);
			free(line);
			c = parse(s);
			vev = icalcomponent_get_first_component(c,
			    ICAL_VEVENT_COMPONENT);
			p = icalcomponent_get_first_property(vev,
			    ICAL_ATTENDEE_PROPERTY);
			assert_string_equal(icalparameter_get_cn(
			    icalproperty_get_first_parameter(p,
			    ICAL_CN_PARAMETER)), name);
			icalcomponent_free(c);
			free(s);
		}
	}
}

/* The frame's calendar for inv is the one invite_render() makes. */
static void
invite_same(const struct cal_event *ev, const struct cal_invite_frame *f,
    const struct cal_invite *inv)
{
	char	*a, *b;
	size_t	 alen, blen;

	a = invite_render(ev, inv, "da", &alen);
	b = invite_frame_render(f, inv, &blen);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

/*
 * One frame for many attendees (the mails of a session): each calendar
 * the same bytes as invite_render() makes for that attendee alone, for a
 * REQUEST and a CANCEL; an address refused by both.
 */
static void
test_invite_frame(void **state)
{
	static const char	*methods[] = { "REQUEST", "CANCEL" };
	static const char	*names[] = { "Søren Ærø", "", "Anna",
	    "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz "
	    "abcdefghijklmnopqrstuvwxyz" };
	struct cal_invite_frame	 f;
	struct cal_event	 ev;
	struct cal_invite	 inv;
	char			 mail[64];
	size_t			 i, m;

	(void)state;
	base_event(&ev);
	for (m = 0; m < 2; m++) {
		invite_base(&inv, methods[m]);
		inv.gone = CAL_GONE_WITHDRAWN;
		assert_int_equal(invite_frame(&ev, &inv, "da", &f), 0);
		for (i = 0; i < sizeof names / sizeof names[0]; i++) {
			snprintf(mail, sizeof mail, "deltager%zu@eksempel.dk",
			    i);
			inv.attendee_name = names[i];
			inv.attendee_email = mail;
			invite_same(&ev, &f, &inv);
		}
		/* An organizer other than the frame's: its own line. */
		for (i = 0; i < 3; i++) {
			inv.organizer_name = i == 0 ? "Et andet bibliotek" :
			    i == 1 ? NULL : "Horsens Bibliotek";
			inv.organizer_email = i == 2 ? "andet@eksempel.dk" :
			    inv.organizer_email;
			invite_same(&ev, &f, &inv);
		}
		inv.attendee_email = "a@b.dk\r\nATTENDEE:mailto:x@y.dk";
		assert_null(invite_frame_render(&f, &inv, NULL));
		invite_frame_clear(&f);
	}
	invite_base(&inv, "PUBLISH");
	assert_int_equal(invite_frame(&ev, &inv, "da", &f), -1);
}

static void
test_invite_refused(void **state)
{
	struct cal_event	 ev;
	struct cal_invite	 inv;
	size_t			 len = 99;

	(void)state;
	base_event(&ev);
	invite_base(&inv, "REQUEST");
	inv.attendee_email = NULL;
	assert_null(invite_render(&ev, &inv, "da", &len));
	assert_int_equal(len, 0);
	inv.attendee_email = "";
	assert_null(invite_render(&ev, &inv, "da", NULL));
	inv.attendee_email = "not an address";
	assert_null(invite_render(&ev, &inv, "da", NULL));
	inv.attendee_email = "a@b.dk\r\nATTENDEE:mailto:x@y.dk";
	assert_null(invite_render(&ev, &inv, "da", NULL));
	inv.attendee_email = "soeren@example.dk";
	inv.organizer_email = NULL;
	assert_null(invite_render(&ev, &inv, "da", NULL));
	invite_base(&inv, "PUBLISH");
	assert_null(invite_render(&ev, &inv, "da", NULL));
	inv.method = NULL;
	assert_null(invite_render(&ev, &inv, "da", NULL));
	invite_base(&inv, "REQUEST");
	assert_null(invite_render(NULL, &inv, "da", NULL));
	assert_null(invite_render(&ev, NULL, "da", NULL));
	ev.uid = NULL;
	assert_null(invite_render(&ev, &inv, "da", NULL));
}

/* --- feed_event() against feed_event_ical(), libical's way of old */

/* xorshift64*: the same events on every run. */
static uint64_t
rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * UINT64_C(2685821657736338717));
}

static size_t
rnd(uint64_t *s, size_t n)
{
	return ((size_t)(rnd_next(s) % n));
}

/*
 * Text made of pieces that matter to the writer: escapes, line breaks,
 * control bytes, multi-octet characters, bytes that are no UTF-8, and
 * plain runs of every length (so folds fall everywhere).
 */
static char *
rnd_text(uint64_t *s, size_t maxparts)
{
	static const char *const pieces[] = {
	    "a", "Kursus i MitID", " ", "\\", ";", ",", ":", "\"", "\n",
	    "\r\n", "\r", "\t", "\x01", "\x1f", "\x7f", "\\n", "\\,", "æ",
	    "Ø", "å€", "€", "\xf0\x9f\x93\x85", "\x80", "\xc3", "\xc0\x80",
	    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xef\xbf\xbd", "\xe2\x82",
	    "0123456789012345678901234567890123456789012345678901234567890123",
	    "https://kursus.example.dk/x?a=1&b=<2>", "'", "^", "{|}", "%",
	    "\\\\", ";;", ",,", "\xc2\xa0", "\xe2\x80\xa8" };
	size_t	 n = rnd(s, maxparts + 1), i, len = 0, k;
	char	*out = NULL;
	const char *p;

	out = malloc(1);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		if (rnd(s, 4) == 0) {
			/* a plain run of 1..80 letters */
			k = 1 + rnd(s, 80);
			out = realloc(out, len + k + 1);
			assert_non_null(out);
			memset(out + len, 'a' + (int)rnd(s, 26), k);
			len += k;
			continue;
		}
		p = pieces[rnd(s, sizeof pieces / sizeof pieces[0])];
		k = strlen(p);
		out = realloc(out, len + k + 1);
		assert_non_null(out);
		memcpy(out + len, p, k);
		len += k;
	}
	out[len] = '\0';
	return (out);
}

/*
 * A time for DTSTAMP, CREATED and LAST-MODIFIED (UTC): mostly 1970-2100,
 * sometimes far out, before 1970 or past the year 3000.
 */
static time_t
rnd_time(uint64_t *s)
{
	switch (rnd(s, 12)) {
	case 0:
		return ((time_t)rnd(s, 86400 * 3) - 86400);	/* around 1970 */
	case 1:
		/* around the last second libical writes, in 3000 */
		return ((time_t)(INT64_C(32535216000) - 86400 * 2 +
		    (int64_t)rnd(s, 86400 * 4)));
	case 2:
		return (-(time_t)rnd(s, INT64_C(100000000000)));
	case 3:
		return ((time_t)rnd(s, INT64_C(400000000000)));
	default:
		return ((time_t)rnd(s, INT64_C(4102444800)));
	}
}

/*
 * A session's start or end, in local time: the years the daemon takes
 * (1970-2500, zone.c), and some before 1970. Not later: past its tables
 * libical's wall-clock time depends on what it was asked before, so it
 * cannot be compared with itself.
 */
static time_t
rnd_local(uint64_t *s)
{
	switch (rnd(s, 8)) {
	case 0:
		return ((time_t)rnd(s, 86400 * 3) - 86400);	/* around 1970 */
	case 1:
		return (-(time_t)rnd(s, INT64_C(2000000000)));
	case 2:
		return ((time_t)rnd(s, INT64_C(16725225600)));	/* to 2500 */
	default:
		return ((time_t)rnd(s, INT64_C(4102444800)));
	}
}

/*
 * ours and the reference must be the same bytes; says where they differ.
 * Returns 1 when there was an event to compare, 0 when both refused it
 * (so that a caller can tell a comparison from two refusals).
 */
static int
assert_same_event(const struct cal_event *ev, const char *lang, size_t i)
{
	char	*ours, *ref;
	size_t	 olen = 7, rlen = 7, k;

	ours = feed_event(ev, lang, &olen);
	ref = feed_event_ical(ev, lang, &rlen);
	if (ref == NULL) {
		assert_null(ours);
		assert_int_equal(olen, 0);
		return (0);
	}
	assert_non_null(ours);
	assert_int_equal(olen, strlen(ours));
	for (k = 0; k < olen && k < rlen && ours[k] == ref[k]; k++)
		;
	if (k < olen || k < rlen) {
		k = k > 40 ? k - 40 : 0;
		fail_msg("event %zu differs after octet %zu: ours \"%.160s\","
		    " libical's \"%.160s\"", i, k, ours + k, ref + k);
	}
	free(ours);
	free(ref);
	return (1);
}

/*
 * The tail of ev's text (the lines after LAST-MODIFIED) into b; its
 * head and tail together are feed_event()'s bytes.
 */
static void
event_tail(const struct cal_event *ev, const char *lang, struct buf *b)
{
	char	*whole;
	size_t	 len, hlen, i;

	b->len = 0;
	if (feed_event_add_head(ev, lang, b) != 0)
		return;
	hlen = b->len;
	feed_event_add_tail(ev, lang, b);
	whole = feed_event(ev, lang, &len);
	assert_non_null(whole);
	assert_int_equal(len, b->len);
	assert_memory_equal(whole, b->data, len);
	free(whole);
	/*
	 * The split is where calendars.h puts it, told from the bytes: the
	 * head's last line is LAST-MODIFIED (a value never folded), the tail
	 * the rest of the VEVENT.
	 */
	assert_true(hlen > 2 && memcmp(b->data + hlen - 2, "\r\n", 2) == 0);
	for (i = hlen - 2; i > 0 && b->data[i - 1] != '\n'; i--)
		continue;
	assert_true(hlen - i > 14 &&
	    memcmp(b->data + i, "LAST-MODIFIED:", 14) == 0);
	assert_true(b->len - hlen >= 12 &&
	    memcmp(b->data + b->len - 12, "END:VEVENT\r\n", 12) == 0);
	memmove(b->data, b->data + hlen, b->len - hlen);
	b->len -= hlen;
}

/*
 * Two events whose values say their tails are the same (a renderer then
 * shares the first's, render.c) have the same tail bytes; other is ev
 * with some of its values changed or taken from another event.
 */
static size_t
assert_tail_shared(const struct cal_event *ev, const struct cal_event *other,
    uint64_t *seed, const char *lang)
{
	struct cal_event	 b = *ev;
	struct buf		 ta = BUF_INIT, tb = BUF_INIT;

	if (rnd(seed, 2))
		b.location = other->location;
	if (rnd(seed, 4) == 0)
		b.description = other->description;
	if (rnd(seed, 4) == 0)
		b.has_geo = other->has_geo;
	if (rnd(seed, 4) == 0)
		b.lat = other->lat;
	if (rnd(seed, 3) == 0)
		b.alarm_minutes = other->alarm_minutes;
	b.uid = other->uid;
	b.title = other->title;
	b.start = other->start;
	b.status = other->status;
	b.sequence = other->sequence;
	/* Without a UID there is no text, nor a tail. */
	if (b.uid == NULL || *b.uid == '\0' || ev->uid == NULL ||
	    *ev->uid == '\0' || !feed_event_same_tail(ev, &b))
		return (0);
	event_tail(ev, lang, &ta);
	event_tail(&b, lang, &tb);
	assert_int_equal(ta.len, tb.len);
	assert_memory_equal(ta.data, tb.data, ta.len);
	buf_free(&ta);
	buf_free(&tb);
	return (1);
}

static void
test_event_writer_random(void **state)
{
	static const char *const zones[] = { CPH, "Europe/London",
	    "America/St_Johns", "Asia/Kolkata", "Australia/Lord_Howe",
	    "Pacific/Chatham", "America/Argentina/Buenos_Aires", "UTC",
	    "Etc/GMT+1", "Nowhere/Unknown", "", "Europe/Copenhagen ",
	    "Europe/Copenhagen;x", "Europe/Copenhagen,Europe/Paris",
	    "EUROPE/COPENHAGEN", "America/Port-au-Prince", "Asia/Ust-Nera",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxx" };
	static const char *const langs[] = { "da", "en", "en-GB", "", "de" };
	static const int alarms[] = { 0, 1, 15, 59, 60, 61, 90, 1440, 10080,
	    40320, 40321, 100000, -5, INT32_MAX };
	static const int sequences[] = { 0, 1, 3, 17, -1, INT32_MAX,
	    INT32_MIN };
	static const double coords[] = { 55.6802, 12.5743, 0.0, -0.0, 90.0,
	    -90.0, 180.0, -180.0, 90.0000001, -180.5, 1e-7, 5e-7, 4.9999995e-7,
	    55.68025, -12.3456785, 1e300, 0.1 + 0.2 };
	struct cal_event	 ev, prev;
	uint64_t		 seed = UINT64_C(0x6b757273757364);
	char			*text[6], *prev_text[6] = { NULL };
	size_t			 i, k, compared = 0, shared = 0;

	(void)state;
	memset(&prev, 0, sizeof prev);
	for (i = 0; i < 6000; i++) {
		memset(&ev, 0, sizeof ev);
		text[0] = rnd_text(&seed, 4);
		text[1] = rnd_text(&seed, 6);
		text[2] = rnd_text(&seed, 3);
		text[3] = rnd_text(&seed, 8);
		text[4] = rnd_text(&seed, 30);
		text[5] = rnd_text(&seed, 6);
		ev.uid = rnd(&seed, 20) == 0 ? NULL : text[0];
		ev.sequence = sequences[rnd(&seed, sizeof sequences /
		    sizeof sequences[0])];
		ev.status = (int)rnd(&seed, 3);
		ev.waitlisted = rnd(&seed, 3) == 0;
		ev.start = rnd_local(&seed);
		ev.end = rnd(&seed, 8) == 0 ? rnd_local(&seed) :
		    ev.start + (time_t)rnd(&seed, 86400 * 2) - 3600;
		ev.tzid = rnd(&seed, 10) == 0 ? NULL : zones[rnd(&seed,
		    sizeof zones / sizeof zones[0])];
		ev.title = rnd(&seed, 10) == 0 ? NULL : text[1];
		ev.category = rnd(&seed, 5) == 0 ? NULL : text[2];
		ev.location = rnd(&seed, 5) == 0 ? NULL : text[3];
		ev.has_geo = rnd(&seed, 2);
		ev.lat = rnd(&seed, 3) == 0 ? (double)rnd_next(&seed) /
		    (double)UINT64_MAX * 180.0 - 90.0 :
		    coords[rnd(&seed, sizeof coords / sizeof coords[0])];
		ev.lon = rnd(&seed, 3) == 0 ? (double)rnd_next(&seed) /
		    (double)UINT64_MAX * 360.0 - 180.0 :
		    coords[rnd(&seed, sizeof coords / sizeof coords[0])];
		ev.description = rnd(&seed, 6) == 0 ? NULL : text[4];
		ev.url = rnd(&seed, 4) == 0 ? NULL : text[5];
		ev.created = rnd(&seed, 4) == 0 ? 0 : rnd_time(&seed);
		ev.last_modified = rnd_time(&seed);
		ev.alarm_minutes = alarms[rnd(&seed, sizeof alarms /
		    sizeof alarms[0])];
		compared += assert_same_event(&ev, rnd(&seed, 8) == 0 ?
		    NULL : langs[rnd(&seed, sizeof langs / sizeof langs[0])],
		    i);
		if (i > 0)
			shared += assert_tail_shared(&ev, &prev, &seed,
			    langs[i % 2]);
		for (k = 0; k < 6; k++) {
			free(prev_text[k]);
			prev_text[k] = text[k];
		}
		prev = ev;
	}
	for (k = 0; k < 6; k++)
		free(prev_text[k]);
	/*
	 * Both refuse only an event without a UID (about a quarter here);
	 * were the reference to refuse everything, nothing was compared.
	 */
	if (compared < 6000 / 2)
		fail_msg("only %zu of 6000 events compared", compared);
	if (shared < 6000 / 40)
		fail_msg("only %zu of 6000 tails shared", shared);
}

/*
 * Every field combination of the daemon's feeds (status, waiting list,
 * alarm, language, with and without place, position and link) in every
 * zone libical knows, at times around its changes of offset.
 */
static void
test_event_writer_zones(void **state)
{
	icalarray		*all;
	icaltimezone		*zone;
	struct cal_event	 ev;
	char			*tzid;
	size_t			 i, k, n = 0, compared = 0;
	time_t			 t;

	(void)state;
	all = icaltimezone_get_builtin_timezones();
	assert_non_null(all);
	for (i = 0; i < all->num_elements; i++) {
		zone = icalarray_element_at(all, i);
		/* A copy: loading the zone replaces libical's string. */
		if (icaltimezone_get_location(zone) == NULL)
			continue;
		tzid = strdup(icaltimezone_get_location(zone));
		assert_non_null(tzid);
		for (k = 0; k < 48; k++, n++) {
			base_event(&ev);
			ev.tzid = tzid;
			/* Every half year and a bit, hour by hour near March. */
			t = utc(2020, 3, 1, 0, 0, 0) + (time_t)(k / 2) *
			    (86400 * 183 + 3600 * 7) + (time_t)(k % 2) *
			    (86400 * 28 + 3600 * (k % 24));
			ev.start = t;
			ev.end = t + (time_t)(k % 3) * 5400;
			ev.status = (int)(k % 3);
			ev.waitlisted = (k / 3) % 2;
			ev.alarm_minutes = (k / 6) % 2 ? 90 : 0;
			if ((k / 12) % 2) {
				ev.location = NULL;
				ev.has_geo = 0;
				ev.url = NULL;
				ev.description = danish;
			}
			compared += assert_same_event(&ev, (k / 24) % 2 ?
			    "en" : "da", n);
		}
		free(tzid);
	}
	/* Every event has a UID: each one is compared, none refused. */
	assert_true(n > 300 * 48);
	assert_int_equal(compared, n);
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
		cmocka_unit_test(test_event_shape),
		cmocka_unit_test(test_event_optional),
		cmocka_unit_test(test_event_folding),
		cmocka_unit_test(test_event_escaping_bytes),
		cmocka_unit_test(test_event_escaping_roundtrip),
		cmocka_unit_test(test_event_matches_libical),
		cmocka_unit_test(test_event_writer_random),
		cmocka_unit_test(test_event_writer_zones),
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
		cmocka_unit_test(test_invite_request),
		cmocka_unit_test(test_invite_cancel),
		cmocka_unit_test(test_invite_folding),
		cmocka_unit_test(test_invite_frame),
		cmocka_unit_test(test_invite_refused),
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
