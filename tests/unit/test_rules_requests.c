/*
 * Unit tests of requests refused whole: every kind of refusal leaves
 * every table as it was, bad requests get a clear error, and a
 * registration counts on the metrics page only once committed. Driven through
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

/* Every kind of refusal leaves every table as it was. */
static void
test_refused_writes_nothing(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, full, a, b;
	char		 uri[64], body[256];
	json_t		*j;

	sid = mksession(st, DEC3, 1);
	full = mksession(st, DEC10, 1);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, full, b, 0, "confirmed");

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	/* Double registration. */
	snprintf(body, sizeof body, "{\"participant\": %lld}", (long long)a);
	refused_unchanged(st, "POST", uri, body, 409, "participant");
	/* Unknown person, unknown session. */
	refused_unchanged(st, "POST", uri, "{\"participant\": 999}", 404,
	    "participant");
	refused_unchanged(st, "POST", "/v1/sessions/999/registrations",
	    body, 404, "session");
	/* An inline participant that fails validation. */
	refused_unchanged(st, "POST", uri, "{\"participant\": {\"name\": "
	    "\"Uden kontakt\"}}", 422, "phone");
	refused_unchanged(st, "POST", uri, "{\"participant\": {\"name\": "
	    "\"Forkert\", \"phone\": \"12 34\"}}", 422, "phone");
	/* Bad bodies. */
	refused_unchanged(st, "POST", uri, "{\"participant\": ", 400, NULL);
	refused_unchanged(st, "POST", uri, "[1]", 400, NULL);
	refused_unchanged(st, "POST", uri, "{\"participant\": 2, \"seat\": 3}",
	    400, "seat");
	refused_unchanged(st, "POST", uri, "{\"participant\": 2, "
	    "\"companion\": \"yes\"}", 400, "companion");
	refused_unchanged(st, "POST", uri, "{\"participant\": \"Bent\"}", 400,
	    "participant");
	refused_unchanged(st, "POST", uri, "{}", 422, "participant");
	/* Capacity below the seats taken; a status change before it undone. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld", (long long)full);
	j = call_ok(st, "PATCH", uri, "{\"capacity\": 3}", 200);
	json_decref(j);
	reg_as(st, full, a, 1, "confirmed");
	refused_unchanged(st, "PATCH", uri, "{\"notes\": \"Lokale 2\", "
	    "\"capacity\": 2}", 409, "capacity");
	refused_unchanged(st, "PATCH", uri, "{\"status\": \"done\", "
	    "\"capacity\": 1}", 409, "capacity");
	refused_unchanged(st, "PATCH", uri, "{\"status\": \"done\", "
	    "\"capacity\": 2000}", 422, "capacity");
	/* Sessions that cannot be made. */
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"nowhere\", \"start\": \"" DEC3 "\"}", 404, "venue");
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"" DEC3 "\", \"end\": "
	    "\"2026-12-03 09:00\"}", 422, "end");
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"" DEC3 "\", \"weekly\": 6, "
	    "\"rrule\": \"FREQ=WEEKLY;COUNT=6\"}", 422, "rrule");
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"" DEC3 "\", \"rrule\": "
	    "\"FREQ=WEEKLY;BYDAY=TU\"}", 422, "rrule");
	/* Cancelling with a bad scope, moving into the spring gap. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	refused_unchanged(st, "POST", uri, "{\"scope\": \"all\"}", 422,
	    "scope");
	refused_unchanged(st, "POST", uri, "{\"scope\": \"following\"}", 422,
	    "scope");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/move", (long long)sid);
	refused_unchanged(st, "POST", uri, "{\"start\": \"2026-03-29 02:30\"}",
	    422, "start");
	refused_unchanged(st, "POST", uri, "{}", 422, "start");
}

static void
test_bad_requests(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid;
	char		 uri[64];

	sid = mksession(st, DEC3, 8);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld", (long long)sid);

	refused_unchanged(st, "POST", "/v1/venues", "{\"slug\": \"x\", "
	    "\"name\": \"X\", \"colour\": \"red\"}", 400, "colour");
	refused_unchanged(st, "POST", "/v1/venues", "{\"slug\": \"x\", ", 400,
	    NULL);
	refused_unchanged(st, "POST", "/v1/venues", "{\"slug\": \"x\", "
	    "\"slug\": \"y\", \"name\": \"X\"}", 400, NULL);
	refused_unchanged(st, "POST", "/v1/venues", "\"venue\"", 400, NULL);
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"" DEC3 "\", \"room\": 2}",
	    400, "room");
	refused_unchanged(st, "POST", "/v1/sessions", "{\"course\": \"mitid\", "
	    "\"venue\": \"malernes\", \"start\": \"" DEC3 "\", \"weekly\": "
	    "\"6\"}", 400, "weekly");
	refused_unchanged(st, "PATCH", uri, "{\"capcity\": 3}", 400,
	    "capcity");
	refused_unchanged(st, "PATCH", uri, "not json", 400, NULL);
	/* A CPR number is refused in any field, known or not, at any depth. */
	refused_unchanged(st, "POST", "/v1/participants", "{\"name\": "
	    "\"Anna\", \"phone\": \"20304050\", \"cpr\": \"010203-1234\"}", 422,
	    "cpr");
	refused_unchanged(st, "POST", "/v1/participants", "{\"name\": "
	    "\"Anna\", \"email\": \"010203-1234@example.org\"}", 422,
	    "email");
	refused_unchanged(st, "POST", "/v1/instructors", "{\"slug\": \"anna\", "
	    "\"name\": \"Anna\", \"email\": \"01.02.03-1234@example.org\"}",
	    422, "email");
	refused_unchanged(st, "POST", "/v1/participants", "{\"name\": "
	    "\"Anna 010203 1234\", \"phone\": \"20304050\"}", 422, "name");
	refused_unchanged(st, "POST", "/v1/venues", "{\"slug\": \"010203-1234\", "
	    "\"name\": \"Klubben\"}", 422, "slug");
	refused_unchanged(st, "POST", "/v1/participants", "{\"name\": "
	    "\"Anna\", \"phone\": \"20304050\", \"sms_consent\": true}", 400,
	    "sms_consent");
	refused_unchanged(st, "POST", "/v2/sessions", "{}", 400, NULL);
	refused_unchanged(st, "POST", "/v1/nothing", "{}", 404, NULL);
	refused_unchanged(st, "PUT", uri, "{}", 405, NULL);
	/* The backup takes nothing, and answers only through a door. */
	refused_unchanged(st, "GET", "/v1/backup?format=zip", NULL, 400,
	    "format");
	refused_unchanged(st, "GET", "/v1/backup", "{\"to\": \"x\"}", 400,
	    "to");
	refused_unchanged(st, "GET", "/v1/backup", NULL, 501, NULL);
	refused_unchanged(st, "POST", "/v1/backup", "{}", 405, NULL);
}

/* What GET /metrics says of registrations made, from the page itself. */
static long long
page_made(void)
{
	static const char	*name = "\nkursusd_registrations_made_total ";
	struct metrics_scrape	 m;
	char			*text, *p;
	long long		 v;

	memset(&m, 0, sizeof m);
	m.version = "test";
	text = metrics_text(&m, NULL);
	assert_non_null(p = strstr(text, name));
	v = strtoll(p + strlen(name), NULL, 10);
	free(text);
	return (v);
}

/* One registration through api_run(), as the admin door runs it. */
static int
batched_reg(struct store *st, int64_t sid, int64_t pid, int batched)
{
	const struct api_ctx	 ctx = { .store = st };
	struct api_call		 c;
	char			 uri[64], body[64], *out = NULL;
	int			 status;

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	snprintf(body, sizeof body, "{\"participant\": %lld}",
	    (long long)pid);
	memset(&c, 0, sizeof c);
	c.method = API_POST;
	c.uri = uri;
	c.body = body;
	c.len = strlen(body);
	c.peer_uid = (uid_t)-1;
	status = api_run(&ctx, &c, batched, &out);
	free(out);
	return (status);
}

/*
 * A registration counts on the metrics page once its transaction is
 * committed: not when the group commit it was in fails, not when its own
 * request was refused after it counted (the savepoint rolled back to).
 */
static void
test_metrics_commit(void **state)
{
	struct fx		*fx = *state;
	struct store		*st = fx->st;
	struct fail		 f;
	struct metrics_mark	 mk;
	int64_t			 sid, a, b;
	long long		 made = page_made();

	sid = mksession(st, DEC3, 8);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	assert_int_equal(batched_reg(st, sid, a, 0), 201);
	assert_int_equal(page_made(), made + 1);

	/* A batch whose COMMIT does not happen counts nothing. */
	assert_int_equal(store_begin(st, &f), 0);
	assert_int_equal(batched_reg(st, sid, b, 1), 201);
	assert_int_equal(page_made(), made + 1);
	store_rollback(st);
	assert_int_equal(page_made(), made + 1);

	/*
	 * In a batch that commits, a refused request counts nothing, and one
	 * that counted before it was refused (as api_run() rolls it back to
	 * its savepoint) takes that back.
	 */
	assert_int_equal(store_begin(st, &f), 0);
	assert_int_equal(batched_reg(st, sid, b, 1), 201);
	assert_int_equal(batched_reg(st, sid, b, 1), 409);
	metrics_mark(&mk);
	metrics_count(METRICS_REG_MADE, 1);
	metrics_undo(&mk);
	assert_int_equal(store_commit(st, &f), 0);
	assert_int_equal(page_made(), made + 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, api_setup, api_teardown)
		T(test_refused_writes_nothing),
		T(test_bad_requests),
		T(test_metrics_commit),
#undef T
	};
	int	 rc;

	log_init("test_rules_requests", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("rules_requests", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
