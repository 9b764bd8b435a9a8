/*
 * Unit tests for calendars/feed.c's event writer: feed_event() against
 * feed_event_ical(), libical's way of old, on random events, and the
 * tails the texts share.
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

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_event_writer_random),
		cmocka_unit_test(test_event_writer_zones),
	};

	return (cmocka_run_group_tests_name("feed-writer", tests, NULL,
	    teardown_zones));
}
