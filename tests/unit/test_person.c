/*
 * Unit tests for one person per caller through api_dispatch(): a known
 * caller is found again, another name on their number is refused with
 * nothing written, the database holds one live seat per person and
 * session, a merge moves registrations with their numbers or refuses
 * without a partial write, a registration is named by its kursist nr.,
 * and search folds as Danes type.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apitest.h"

static int64_t
count(struct store *st, const char *sql)
{
	return (store_int(st, -1, sql, NULL));
}

static json_t *
reg_body(struct store *st, int64_t sid, const char *body, int want)
{
	char	uri[64];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	return (call_ok(st, "POST", uri, body, want));
}

static void
test_known_caller(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 s1, s2, s3, s4, pid, before;
	json_t		*j;
	int		 status;
	char		 uri[64];

	s1 = mksession(st, DEC3, 8);
	s2 = mksession(st, DEC10, 8);
	s3 = mksession(st, "2026-12-17 10:00", 8);
	s4 = mksession(st, "2026-12-18 10:00", 8);
	j = reg_body(st, s1, "{\"participant\": {\"name\": \"Jørgen "
	    "Smidstrup\", \"phone\": \"20 30 40 50\", \"email\": "
	    "\"Jorgen@Example.dk\"}}", 201);
	pid = jint(j, "participant_id");
	assert_false(json_is_true(json_object_get(j, "participant_known")));
	json_decref(j);

	/* The number written another way, the name folded. */
	j = reg_body(st, s2, "{\"participant\": {\"name\": \"JOERGEN "
	    "smidstrup\", \"phone\": \"+45 2030-4050\"}}", 201);
	assert_int_equal(jint(j, "participant_id"), pid);
	assert_true(json_is_true(json_object_get(j, "participant_known")));
	json_decref(j);
	/* By e-mail in another case. */
	j = reg_body(st, s3, "{\"participant\": {\"name\": \"Jørgen "
	    "Smidstrup\", \"email\": \"JORGEN@EXAMPLE.DK\"}}", 201);
	assert_int_equal(jint(j, "participant_id"), pid);
	json_decref(j);
	assert_int_equal(count(st, "SELECT count(*) FROM participant"), 1);

	/* Another name on the number: refused, nothing written. */
	before = count(st, "SELECT count(*) FROM outbox");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)s4);
	j = call(st, "POST", uri, "{\"participant\": {\"name\": \"Karen "
	    "Smidstrup\", \"phone\": \"20304050\"}}", &status);
	assert_non_null(strstr(jstr(j, "error"), "Jørgen Smidstrup"));
	assert_non_null(strstr(jstr(j, "error"), "--new"));
	refused(j, status, 409, "participant");
	assert_int_equal(count(st, "SELECT count(*) FROM participant"), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM registration"), 3);
	assert_int_equal(count(st, "SELECT count(*) FROM outbox"), before);
	/* With new_participant she is made. */
	j = reg_body(st, s4, "{\"participant\": {\"name\": \"Karen "
	    "Smidstrup\", \"phone\": \"20304050\", \"phone_type\": "
	    "\"landline\"}, \"new_participant\": true}", 201);
	assert_true(jint(j, "participant_id") != pid);
	json_decref(j);

	/* Twice in one session: refused, the seat named by its number. */
	j = call(st, "POST", uri, "{\"participant\": {\"name\": \"Karen "
	    "Smidstrup\", \"phone\": \"20304050\"}, \"new_participant\": "
	    "false}", &status);
	assert_int_equal(status, 409);
	json_decref(j);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)s1);
	j = call(st, "POST", uri, "{\"participant\": {\"name\": \"Jørgen "
	    "Smidstrup\", \"phone\": \"20304050\"}}", &status);
	assert_non_null(strstr(jstr(j, "error"), "kursist nr."));
	refused(j, status, 409, "participant");
}

/* The database itself refuses a second live seat of one person. */
static void
test_one_seat_in_database(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	struct fail	 f;
	int64_t		 sid, pid;

	sid = mksession(st, DEC3, 8);
	pid = mkperson(st, "Åse Ærø", "\"phone\": \"31415161\"");
	assert_int_equal(store_exec(st, &f, "INSERT INTO registration "
	    "(session_id, participant_id, number, status, queue, created_at, "
	    "updated_at) VALUES (?1, ?2, 901, 'confirmed', 1, 0, 0)", "ii",
	    sid, pid), 1);
	assert_int_equal(store_exec(st, &f, "INSERT INTO registration "
	    "(session_id, participant_id, number, status, queue, created_at, "
	    "updated_at) VALUES (?1, ?2, 902, 'waitlisted', 2, 0, 0)", "ii",
	    sid, pid), -1);
	assert_int_equal(f.status, 409);
}

static void
test_number(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, other, a, nr;
	json_t		*j;
	int		 status;
	char		 uri[96], body[64];

	json_decref(call_ok(st, "PATCH", "/v1/settings",
	    "{\"number_start\": 3000}", 200));
	sid = mksession(st, DEC3, 8);
	other = mksession(st, DEC10, 8);
	a = mkperson(st, "Bent Nummer", "\"phone\": \"40404040\"");
	snprintf(body, sizeof body, "{\"participant\": %lld}", (long long)a);
	j = reg_body(st, sid, body, 201);
	nr = jint(j, "number");
	json_decref(j);

	/* The number of another session's registration: said so. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations/nr:%lld",
	    (long long)other, (long long)nr);
	j = call(st, "DELETE", uri, NULL, &status);
	assert_non_null(strstr(jstr(j, "error"), "not session"));
	refused(j, status, 404, "number");
	/* The number as a participant id: the message says which is which. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations/%lld",
	    (long long)sid, (long long)nr);
	j = call(st, "DELETE", uri, NULL, &status);
	assert_non_null(strstr(jstr(j, "error"), "nr:3000"));
	refused(j, status, 404, "participant");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations/nr:%lld",
	    (long long)sid, (long long)nr);
	j = call_ok(st, "DELETE", uri, NULL, 200);
	assert_string_equal(jstr(json_object_get(j, "cancelled"), "status"),
	    "cancelled");
	assert_int_equal(jint(json_object_get(j, "cancelled"), "number"), 3000);
	json_decref(j);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations/nr:x",
	    (long long)sid);
	j = call(st, "DELETE", uri, NULL, &status);
	refused(j, status, 404, "participant");
}

static void
test_merge(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 s1, s2, a, b;
	json_t		*j;
	int		 status;
	char		 body[64], uri[64];
	int64_t		 before;

	s1 = mksession(st, DEC3, 8);
	s2 = mksession(st, DEC10, 8);
	a = mkperson(st, "Grethe Hansen", "\"phone\": \"50505050\"");
	b = mkperson(st, "Grete Hansen", "\"email\": \"grete@example.dk\"");
	snprintf(body, sizeof body, "{\"participant\": %lld}", (long long)a);
	json_decref(reg_body(st, s1, body, 201));
	snprintf(body, sizeof body, "{\"participant\": %lld}", (long long)b);
	json_decref(reg_body(st, s1, body, 201));
	json_decref(reg_body(st, s2, body, 201));

	/* Both in s1: refused, naming it; nothing moved. */
	before = count(st, "SELECT sum(participant_id * number) FROM "
	    "registration");
	snprintf(uri, sizeof uri, "/v1/participants/%lld/merge",
	    (long long)a);
	snprintf(body, sizeof body, "{\"other\": %lld}", (long long)b);
	j = call(st, "POST", uri, body, &status);
	assert_non_null(strstr(jstr(j, "error"), "session"));
	refused(j, status, 409, "other");
	assert_int_equal(count(st, "SELECT sum(participant_id * number) FROM "
	    "registration"), before);
	assert_int_equal(count(st, "SELECT count(*) FROM participant_merge"),
	    0);

	/* b gives up s1; then the merge moves s1 (cancelled) and s2. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations/%lld",
	    (long long)s1, (long long)b);
	json_decref(call_ok(st, "DELETE", uri, NULL, 200));
	snprintf(uri, sizeof uri, "/v1/participants/%lld/merge",
	    (long long)a);
	j = call_ok(st, "POST", uri, body, 200);
	assert_int_equal(jint(j, "registrations_moved"), 2);
	assert_string_equal(jstr(json_object_get(j, "participant"), "email"),
	    "grete@example.dk");
	json_decref(j);
	assert_int_equal(store_int(st, -1, "SELECT count(*) FROM registration "
	    "WHERE participant_id = ?", "i", b), 0);
	assert_int_equal(store_int(st, -1, "SELECT count(*) FROM "
	    "participant_merge WHERE kept_id = ? AND merged_id = ?", "ii", a,
	    b), 1);
	/* Merged away: not found, not merged again. */
	j = call(st, "POST", uri, body, &status);
	refused(j, status, 404, "other");
	snprintf(body, sizeof body, "{\"other\": \"%lld\"}", (long long)b);
	j = call(st, "POST", uri, body, &status);
	refused(j, status, 400, "other");
}

static void
test_search(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	static const char *finds[] = { "20%2030%2040%2050", "%2B45%2020304050",
	    "20304050", "Jorgen", "Joergen", "J%C3%B8rgen", "J%C3%98RGEN",
	    "smid%20jorg" };
	json_t		*j;
	char		 uri[128];
	size_t		 i;

	mkperson(st, "Jørgen Smidstrup", "\"phone\": \"20304050\"");
	mkperson(st, "Karen Jensen", "\"phone\": \"20304051\"");
	for (i = 0; i < sizeof finds / sizeof finds[0]; i++) {
		snprintf(uri, sizeof uri, "/v1/participants?q=%s", finds[i]);
		j = call_ok(st, "GET", uri, NULL, 200);
		if (json_array_size(json_object_get(j, "participants")) != 1)
			fail_msg("%s: %s", finds[i], json_dumps(j, 0));
		json_decref(j);
	}
	/* Renamed: found by the new name only (the triggers). */
	json_decref(call_ok(st, "PATCH", "/v1/participants/1",
	    "{\"name\": \"Jens Smidstrup\"}", 200));
	j = call_ok(st, "GET", "/v1/participants?q=jorgen", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "participants")),
	    0);
	json_decref(j);
	j = call_ok(st, "GET", "/v1/participants?q=jens", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "participants")),
	    2);
	json_decref(j);
	/* Removed: not found. */
	json_decref(call_ok(st, "DELETE", "/v1/participants/2", NULL, 200));
	j = call_ok(st, "GET", "/v1/participants?q=jensen", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "participants")),
	    0);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_known_caller, api_setup,
		    api_teardown),
		cmocka_unit_test_setup_teardown(test_one_seat_in_database,
		    api_setup, api_teardown),
		cmocka_unit_test_setup_teardown(test_number, api_setup,
		    api_teardown),
		cmocka_unit_test_setup_teardown(test_merge, api_setup,
		    api_teardown),
		cmocka_unit_test_setup_teardown(test_search, api_setup,
		    api_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
