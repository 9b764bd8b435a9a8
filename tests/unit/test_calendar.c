/*
 * Unit tests for the venue's calendar (daemon/calendar.c and its callers)
 * through api_dispatch() with the clock pinned at 2026-09-01 00:00Z:
 * the edges of the past and far rules, closures to the minute on both
 * sides of the DST changes of 2026 and 2027 (local days, whatever the
 * offset), a session past midnight, the holiday settings, clashes that
 * touch but do not overlap, and a series sign-up's one message.
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

#include "apitest.h"

/* POST /v1/sessions of one session at start; its status. extra: more
 * members ("\"duration\": 60"), or "". */
static int
add_at(struct store *st, const char *start, const char *extra)
{
	char	 body[256];
	json_t	*j;
	int	 status;

	snprintf(body, sizeof body, "{\"course\": \"mitid\", \"venue\": "
	    "\"malernes\", \"start\": \"%s\", \"allow_overlap\": true%s%s}",
	    start, *extra != '\0' ? ", " : "", extra);
	j = call(st, "POST", "/v1/sessions", body, &status);
	json_decref(j);
	return (status);
}

/* A request that must be refused with want, naming field. */
static void
nope(struct store *st, const char *method, const char *uri, const char *body,
    int want, const char *field)
{
	json_t	*j;
	int	 status;

	j = call(st, method, uri, body, &status);
	refused(j, status, want, field);
}

static void
test_past_far(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;

	/* NOW is 02:00 local: a minute ago is now, ten minutes the past. */
	assert_int_equal(add_at(st, "2026-09-01 01:59", ""), 201);
	nope(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-09-01 01:50\"}", 422,
	    "start");
	assert_int_equal(add_at(st, "2026-09-01 01:50", "\"past\": true"),
	    201);
	assert_int_equal(add_at(st, "2020-01-06 10:00", "\"past\": true"),
	    201);
	/* Two years ahead (732 days) is the edge. */
	assert_int_equal(add_at(st, "2028-08-31 10:00", ""), 201);
	assert_int_equal(add_at(st, "2028-09-05 10:00", ""), 422);
	assert_int_equal(add_at(st, "2028-09-05 10:00", "\"far\": true"), 201);
	/* A series checks its last session too. */
	assert_int_equal(add_at(st, "2028-07-03 10:00", "\"weekly\": 12"),
	    422);
}

static void
closure(struct store *st, const char *from, const char *to)
{
	char	 body[160];

	snprintf(body, sizeof body, "{\"from\": \"%s\", \"to\": \"%s\", "
	    "\"reason\": \"Lukket\"}", from, to);
	json_decref(call_ok(st, "POST", "/v1/closures", body, 201));
}

static void
test_closure_dst(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;

	store_set_holidays(st, HOLIDAYS_NONE);
	/* Autumn 2026: 25 October has 25 hours; 02:30 comes twice. */
	closure(st, "2026-10-25", "2026-10-25");
	assert_int_equal(add_at(st, "2026-10-24 23:55", "\"duration\": 5"),
	    201);
	assert_int_equal(add_at(st, "2026-10-25 00:00", ""), 409);
	assert_int_equal(add_at(st, "2026-10-25 02:30", ""), 409);
	assert_int_equal(add_at(st, "2026-10-25 23:59", ""), 409);
	assert_int_equal(add_at(st, "2026-10-26 00:00", ""), 201);
	/* Past midnight into the closed day: its second day counts. */
	assert_int_equal(add_at(st, "2026-10-24 23:30", "\"duration\": 60"),
	    409);
	/* Spring 2027: 28 March has 23 hours; 02:30 does not exist. */
	closure(st, "2027-03-27", "2027-03-28");
	assert_int_equal(add_at(st, "2027-03-26 23:55", "\"duration\": 5"),
	    201);
	assert_int_equal(add_at(st, "2027-03-27 00:00", ""), 409);
	assert_int_equal(add_at(st, "2027-03-28 03:00", ""), 409);
	assert_int_equal(add_at(st, "2027-03-28 23:59", ""), 409);
	assert_int_equal(add_at(st, "2027-03-29 00:00", ""), 201);
	/* allow_closed takes it all the same. */
	assert_int_equal(add_at(st, "2027-03-28 10:00",
	    "\"allow_closed\": true"), 201);
}

static void
test_holiday_settings(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	json_t		*j, *h;

	/* customary is the default. */
	assert_int_equal(add_at(st, "2026-12-24 10:00", ""), 409);
	assert_int_equal(add_at(st, "2026-12-25 10:00", ""), 409);
	assert_int_equal(add_at(st, "2026-12-23 10:00", ""), 201);
	store_set_holidays(st, HOLIDAYS_OFFICIAL);
	assert_int_equal(add_at(st, "2026-12-24 10:00", ""), 201);
	assert_int_equal(add_at(st, "2026-12-25 10:00", ""), 409);
	j = call_ok(st, "GET", "/v1/closures?from=2026-12-20&to=2026-12-31",
	    NULL, 200);
	h = json_object_get(j, "holidays");
	assert_int_equal(json_array_size(h), 2);
	assert_string_equal(jstr(json_array_get(h, 0), "date"), "2026-12-25");
	assert_string_equal(jstr(json_array_get(h, 1), "name"), "2. juledag");
	json_decref(j);
	store_set_holidays(st, HOLIDAYS_NONE);
	assert_int_equal(add_at(st, "2026-12-25 10:00", ""), 201);
}

static void
test_clash_edges(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	json_t		*j;
	int		 status;
	int64_t		 a;

	a = mksession(st, DEC3, 8);	/* 10:00 to 11:30 */
	j = call(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-12-03 11:29\"}",
	    &status);
	assert_int_equal(status, 409);
	assert_non_null(strstr(jstr(j, "error"), "session 1 "));
	assert_int_equal(a, 1);
	json_decref(j);
	nope(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"2026-12-03 08:31\"}", 409, "start");
	/* Touching is not overlapping. */
	mksession(st, "2026-12-03 11:30", 8);
	mksession(st, "2026-12-03 08:30", 8);
	/* Nothing was written by the refusals: three sessions. */
	j = call_ok(st, "GET", "/v1/sessions?from=2026-12-03&to=2026-12-03",
	    NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "sessions")), 3);
	json_decref(j);
}

static void
test_series_one_message(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	json_t		*j;
	int64_t		 pid;

	json_decref(call_ok(st, "POST", "/v1/sessions", "{\"course\": "
	    "\"mitid\", \"venue\": \"malernes\", \"start\": \"" DEC3 "\", "
	    "\"weekly\": 4, \"capacity\": 1}", 201));
	pid = mkperson(st, "Hanne Bach", "\"email\": \"hanne@example.org\"");
	json_decref(call_ok(st, "POST", "/v1/sessions/2/registrations",
	    "{\"participant\": {\"name\": \"Anna\", \"no_contact\": true}}",
	    201));
	j = call_ok(st, "POST", "/v1/series/1/registrations",
	    "{\"participant\": 1}", 201);
	assert_int_equal(jint(j, "confirmed"), 3);
	assert_int_equal(jint(j, "waitlisted"), 1);
	json_decref(j);
	j = call_ok(st, "GET", "/v1/outbox?participant=1&kind=confirmation",
	    NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "outbox")), 0);
	json_decref(j);
	j = call_ok(st, "GET", "/v1/outbox?participant=1&kind="
	    "series-confirmation", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "outbox")), 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(
	    json_array_get(json_object_get(j, "outbox"), 0), "detail"),
	    "registrations")), 4);
	json_decref(j);
	/* Companions need two seats: refused whole, nothing written. */
	nope(st, "POST", "/v1/series/1/registrations",
	    "{\"participant\": {\"name\": \"Bo\", \"no_contact\": true}, "
	    "\"companion\": true}", 409, "companion");
	j = call_ok(st, "GET", "/v1/participants", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "participants")),
	    2);
	json_decref(j);
	/* Leaving: four cancelled, one message. */
	j = call_ok(st, "DELETE", "/v1/series/1/registrations/1", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "cancelled")), 4);
	json_decref(j);
	j = call_ok(st, "GET", "/v1/outbox?participant=1&kind=withdrawn",
	    NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "outbox")), 0);
	json_decref(j);
	nope(st, "DELETE", "/v1/series/1/registrations/1", NULL, 404,
	    "participant");
	nope(st, "POST", "/v1/series/9/registrations",
	    "{\"participant\": 1}", 404, "series");
	(void)pid;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, api_setup, api_teardown)
		T(test_past_far),
		T(test_closure_dst),
		T(test_holiday_settings),
		T(test_clash_edges),
		T(test_series_one_message),
#undef T
	};
	int	 rc;

	log_init("test_calendar", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
