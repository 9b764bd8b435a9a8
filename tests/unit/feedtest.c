/*
 * The helpers the unit tests of calendars/feed.c and calendars/invite.c
 * share (feedtest.h).
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
#include "feedtest.h"

/* A session at 10:00-11:30 on Thursday 3 December 2026 in Copenhagen. */
void
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
char *
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
size_t
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

int
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
void
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
char *
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
char *
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
void
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

void
assert_no_line(const char *s, const char *prefix)
{
	char	*line;

	if ((line = find_line(s, prefix)) != NULL)
		fail_msg("unexpected line \"%s\"", line);
}

size_t
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
char *
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
icalcomponent *
parse(const char *s)
{
	icalcomponent	*c;

	c = icalparser_parse_string(s);
	assert_non_null(c);
	assert_int_equal(icalcomponent_count_errors(c), 0);
	return (c);
}

/* A zone built from the VTIMEZONE named tzid in cal; caller frees. */
icaltimezone *
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
void
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

/* The builtin zones belong to libical; hand them back for leak checkers. */
int
teardown_zones(void **state)
{
	(void)state;
	zone_cleanup();
	return (0);
}
