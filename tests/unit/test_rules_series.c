/*
 * Unit tests of sessions in series and local time: weekly series across
 * the change to winter time, RRULE series, moving a series from one
 * session on, and times as staff type them. Driven through
 * api_dispatch() on a real store with the clock pinned (apitest.c), as
 * test_rules.c.
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
#include <unistd.h>

#include <cmocka.h>

#include "apitest.h"
#include "rulestest.h"

/* --- sessions, series and local time */

/* The local start strings of a series answer, in order. */
static void
assert_starts(json_t *sessions, const char *const *want, size_t n)
{
	size_t	 i;

	if (json_array_size(sessions) != n) {
		char *s = json_dumps(sessions, JSON_COMPACT);

		fail_msg("%zu sessions, wanted %zu: %s",
		    json_array_size(sessions), n, s);
	}
	for (i = 0; i < n; i++)
		assert_string_equal(jstr(json_array_get(sessions, i), "start"),
		    want[i]);
}

static const char *const weekly_oct[] = {
	"2026-10-13T10:00:00+02:00",
	"2026-10-20T10:00:00+02:00",
	"2026-10-27T10:00:00+01:00",	/* after 2026-10-25, CET */
	"2026-11-03T10:00:00+01:00",
	"2026-11-10T10:00:00+01:00",
	"2026-11-17T10:00:00+01:00",
};

static void
test_series_weekly_dst(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	json_t		*j, *list, *s;
	json_int_t	 series;
	size_t		 i;

	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-10-13 10:00\", "
	    "\"weekly\": 6}", 201);
	list = json_object_get(j, "sessions");
	assert_starts(list, weekly_oct, 6);
	series = jint(j, "series_id");
	assert_true(series > 0);
	json_array_foreach(list, i, s) {
		assert_int_equal(jint(s, "series_id"), series);
		assert_int_equal(jint(s, "sequence"), 0);
		assert_string_equal(jstr(s, "status"), "scheduled");
		assert_string_equal(jstr(s, "timezone"), "Europe/Copenhagen");
		/* 90 minutes from the course. */
		assert_true(strncmp(jstr(s, "end"), weekly_oct[i], 11) == 0);
		assert_string_equal(jstr(s, "end") + 11, i < 2 ?
		    "11:30:00+02:00" : "11:30:00+01:00");
		/* capacity: the smaller of course (8) and venue (20) */
		assert_int_equal(jint(s, "capacity"), 8);
	}
	assert_string_equal(jstr(json_array_get(list, 1), "start_utc"),
	    "2026-10-20T08:00:00Z");
	assert_string_equal(jstr(json_array_get(list, 2), "start_utc"),
	    "2026-10-27T09:00:00Z");
	/* Every UID its own. */
	assert_string_not_equal(jstr(json_array_get(list, 0), "uid"),
	    jstr(json_array_get(list, 1), "uid"));
	json_decref(j);
}

static void
test_series_rrule(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	static const char *const twice[] = {
		"2026-10-20T13:00:00+02:00",
		"2026-10-22T13:00:00+02:00",
		"2026-10-27T13:00:00+01:00",
		"2026-10-29T13:00:00+01:00",
	};
	json_t		*j;

	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-10-13 10:00\", "
	    "\"rrule\": \"FREQ=WEEKLY;BYDAY=TU;COUNT=6\"}", 201);
	assert_starts(json_object_get(j, "sessions"), weekly_oct, 6);
	assert_true(jint(j, "series_id") > 0);
	json_decref(j);

	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-10-20 13:00\", "
	    "\"rrule\": \"RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4\"}", 201);
	assert_starts(json_object_get(j, "sessions"), twice, 4);
	json_decref(j);

	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-10-13 10:00\", "
	    "\"rrule\": \"FREQ=WEEKLY;UNTIL=20261103T235959Z\", "
	    "\"allow_overlap\": true}", 201);
	assert_starts(json_object_get(j, "sessions"), weekly_oct, 4);
	json_decref(j);

	/* A single session has no series. */
	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"" DEC3 "\"}", 201);
	assert_true(json_is_null(json_object_get(j, "series_id")));
	json_decref(j);
}

static void
test_series_move_following(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	static const char *const moved[] = {
		"2026-10-21T11:00:00+02:00",
		"2026-10-28T11:00:00+01:00",
		"2026-11-04T11:00:00+01:00",
		"2026-11-11T11:00:00+01:00",
		"2026-11-18T11:00:00+01:00",
	};
	json_t		*j, *list, *s;
	int64_t		 ids[6], a;
	char		*uids[6], uri[64], buf[64];
	size_t		 i;

	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-10-13 10:00\", "
	    "\"weekly\": 6}", 201);
	json_array_foreach(json_object_get(j, "sessions"), i, s) {
		ids[i] = jint(s, "id");
		uids[i] = xstrdup(jstr(s, "uid"));
	}
	json_decref(j);
	a = mkmobile(st, "Anna", 1);
	reg_as(st, ids[2], a, 0, "confirmed");

	/* The second, Tuesday 10:00, to Wednesday 11:00 and the rest along. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/move", (long long)ids[1]);
	j = call_ok(st, "POST", uri, "{\"start\": \"2026-10-21 11:00\", "
	    "\"scope\": \"following\"}", 200);
	list = json_object_get(j, "sessions");
	assert_starts(list, moved, 5);
	json_array_foreach(list, i, s) {
		assert_int_equal(jint(s, "id"), ids[i + 1]);
		assert_int_equal(jint(s, "sequence"), 1);
		assert_string_equal(jstr(s, "uid"), uids[i + 1]);
		/* the duration is kept */
		assert_string_equal(jstr(s, "end") + 11, i == 0 ?
		    "12:30:00+02:00" : "12:30:00+01:00");
	}
	json_decref(j);

	/* The first is untouched. */
	s = session_get(st, ids[0]);
	assert_string_equal(jstr(s, "start"), weekly_oct[0]);
	assert_int_equal(jint(s, "sequence"), 0);
	assert_string_equal(jstr(s, "uid"), uids[0]);
	json_decref(s);
	assert_string_equal(outbox_channels(st, ids[2], "moved", a, buf,
	    sizeof buf), "sms");

	/* scope "this" moves one only, and raises its sequence again. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/move", (long long)ids[3]);
	j = call_ok(st, "POST", uri, "{\"start\": \"2026-11-05 09:00\"}", 200);
	assert_int_equal(json_array_size(json_object_get(j, "sessions")), 1);
	s = json_array_get(json_object_get(j, "sessions"), 0);
	assert_string_equal(jstr(s, "start"), "2026-11-05T09:00:00+01:00");
	assert_int_equal(jint(s, "sequence"), 2);
	json_decref(j);
	s = session_get(st, ids[4]);
	assert_string_equal(jstr(s, "start"), moved[3]);
	json_decref(s);

	/* Cancelling the following ones from the fifth. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel",
	    (long long)ids[4]);
	j = call_ok(st, "POST", uri, "{\"scope\": \"following\"}", 200);
	assert_int_equal(json_array_size(json_object_get(j, "sessions")), 2);
	json_decref(j);
	s = session_get(st, ids[3]);
	assert_string_equal(jstr(s, "status"), "scheduled");
	json_decref(s);
	s = session_get(st, ids[5]);
	assert_string_equal(jstr(s, "status"), "cancelled");
	assert_int_equal(jint(s, "sequence"), 2);
	json_decref(s);

	for (i = 0; i < 6; i++)
		free(uids[i]);
}

static void
test_local_time(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	json_t		*j, *s;

	/* Inside the spring gap: that time does not exist. */
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-03-29 02:30\"}", 422,
	    "start");
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-03-29T02:30\"}", 422,
	    "start");
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-02-30 10:00\"}", 422,
	    "start");

	/* Either side of the gap is fine. */
	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-03-29 01:30\", "
	    "\"duration\": 120, \"past\": true}", 201);
	s = json_array_get(json_object_get(j, "sessions"), 0);
	assert_string_equal(jstr(s, "start"), "2026-03-29T01:30:00+01:00");
	assert_string_equal(jstr(s, "start_utc"), "2026-03-29T00:30:00Z");
	/* two hours later is 04:30 CEST: the gap's hour is skipped */
	assert_string_equal(jstr(s, "end"), "2026-03-29T04:30:00+02:00");
	json_decref(j);

	/* The repeated autumn hour means its first occurrence. */
	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-10-25 02:30\"}", 201);
	s = json_array_get(json_object_get(j, "sessions"), 0);
	assert_string_equal(jstr(s, "start"), "2026-10-25T02:30:00+02:00");
	assert_string_equal(jstr(s, "start_utc"), "2026-10-25T00:30:00Z");
	json_decref(j);

	/* An offset given is taken as it is. */
	j = call_ok(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-12-03T09:00:00Z\"}",
	    201);
	s = json_array_get(json_object_get(j, "sessions"), 0);
	assert_string_equal(jstr(s, "start"), "2026-12-03T10:00:00+01:00");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, api_setup, api_teardown)
		T(test_series_weekly_dst),
		T(test_series_rrule),
		T(test_series_move_following),
		T(test_local_time),
#undef T
	};
	int	 rc;

	log_init("test_rules_series", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("rules_series", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
