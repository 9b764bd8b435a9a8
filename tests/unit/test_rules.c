/*
 * Unit tests for the registration rules, driven through api_dispatch() on a
 * real store (a fresh SQLite file per test, WAL needs one) with the clock
 * pinned by store_set_now(), so "before" and "after the start" are exact.
 *
 * Every test starts with one venue (Malernes Seniorklub, Europe/Copenhagen)
 * and one course type (mitid, 90 minutes); the clock reads 2026-09-01 00:00Z.
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

/* --- helpers in the model's words */

/* A participant reachable by SMS, named for the test. */
static int64_t
mkmobile(struct store *st, const char *name, int n)
{
	char	 extra[64];

	snprintf(extra, sizeof extra, "\"phone\": \"2030%04d\"", n);
	return (mkperson(st, name, extra));
}

static json_t *
reg(struct store *st, int64_t sid, int64_t pid, int companion, int *status)
{
	char	 uri[64], body[96];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	snprintf(body, sizeof body, "{\"participant\": %lld%s}",
	    (long long)pid, companion ? ", \"companion\": true" : "");
	return (call(st, "POST", uri, body, status));
}

/* Registers and checks the resulting status; returns the running number. */
static json_int_t
reg_as(struct store *st, int64_t sid, int64_t pid, int companion,
    const char *want)
{
	json_t		*j;
	json_int_t	 number;
	int		 status;

	j = reg(st, sid, pid, companion, &status);
	if (status != 201) {
		char *s = json_dumps(j, JSON_COMPACT);

		fail_msg("registering %lld for %lld: %d %s", (long long)pid,
		    (long long)sid, status, s);
	}
	assert_string_equal(jstr(j, "status"), want);
	assert_int_equal(jint(j, "participant_id"), pid);
	assert_int_equal(jint(j, "session_id"), sid);
	assert_true(json_is_boolean(json_object_get(j, "companion")));
	assert_int_equal(json_is_true(json_object_get(j, "companion")),
	    companion);
	if (strcmp(want, "waitlisted") == 0)
		assert_true(jint(j, "waitlist_position") >= 1);
	else
		assert_true(json_is_null(json_object_get(j,
		    "waitlist_position")));
	number = jint(j, "number");
	json_decref(j);
	return (number);
}

static json_t *
unreg(struct store *st, int64_t sid, int64_t pid, int *status)
{
	char	 uri[96];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations/%lld",
	    (long long)sid, (long long)pid);
	return (call(st, "DELETE", uri, NULL, status));
}

/* Cancels and checks who was promoted (pids in order, n of them). */
static void
unreg_promotes(struct store *st, int64_t sid, int64_t pid,
    const int64_t *promoted, size_t n)
{
	json_t	*j, *list;
	char	*text;
	size_t	 i;
	int	 status, ok;

	j = unreg(st, sid, pid, &status);
	assert_int_equal(status, 200);
	assert_string_equal(jstr(json_object_get(j, "cancelled"), "status"),
	    "cancelled");
	assert_int_equal(jint(json_object_get(j, "cancelled"),
	    "participant_id"), pid);
	list = json_object_get(j, "promoted");
	assert_true(json_is_array(list));
	ok = json_array_size(list) == n;
	for (i = 0; ok && i < n; i++) {
		ok = jint(json_array_get(list, i), "participant_id") ==
		    promoted[i] && strcmp(jstr(json_array_get(list, i),
		    "status"), "confirmed") == 0;
	}
	if (ok) {
		json_decref(j);
		return;
	}
	text = json_dumps(list, JSON_COMPACT);
	json_decref(j);
	print_error("cancelling %lld in session %lld promoted %s, wanted "
	    "%zu people\n", (long long)pid, (long long)sid, text, n);
	free(text);
	fail();
}

static json_t *
session_get(struct store *st, int64_t sid)
{
	char	 uri[64];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld", (long long)sid);
	return (call_ok(st, "GET", uri, NULL, 200));
}

static json_t *
session_patch(struct store *st, int64_t sid, const char *body, int *status)
{
	char	 uri[64];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld", (long long)sid);
	return (call(st, "PATCH", uri, body, status));
}

/* Seats taken, confirmed and waitlisted counts as the session shows them. */
static void
assert_seats(struct store *st, int64_t sid, int taken, int confirmed,
    int waitlisted)
{
	json_t	*s = session_get(st, sid);

	assert_int_equal(jint(s, "seats_taken"), taken);
	assert_int_equal(jint(s, "seats_free"),
	    jint(s, "capacity") - taken < 0 ? 0 : jint(s, "capacity") - taken);
	assert_int_equal(jint(s, "confirmed"), confirmed);
	assert_int_equal(jint(s, "waitlisted"), waitlisted);
	json_decref(s);
}

/* The waitlist is exactly pids, in order, with positions 1..n. */
static void
assert_waitlist(struct store *st, int64_t sid, const int64_t *pids, size_t n)
{
	char	 uri[64];
	json_t	*j, *list, *r;
	size_t	 i;

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/waitlist", (long long)sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	list = json_object_get(j, "registrations");
	if (json_array_size(list) != n) {
		char *s = json_dumps(list, JSON_COMPACT);

		fail_msg("waitlist has %zu, wanted %zu: %s",
		    json_array_size(list), n, s);
	}
	for (i = 0; i < n; i++) {
		r = json_array_get(list, i);
		assert_int_equal(jint(r, "participant_id"), pids[i]);
		assert_string_equal(jstr(r, "status"), "waitlisted");
		assert_int_equal(jint(r, "waitlist_position"), i + 1);
	}
	json_decref(j);
}

/* The status of pid's live (or last) registration for sid. */
static void
assert_reg_status(struct store *st, int64_t sid, int64_t pid,
    const char *want)
{
	char	 uri[64], got[32];
	json_t	*j, *r, *found = NULL;
	size_t	 i;

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	json_array_foreach(json_object_get(j, "registrations"), i, r) {
		if (jint(r, "participant_id") != pid)
			continue;
		if (found == NULL ||
		    strcmp(jstr(r, "status"), "cancelled") != 0)
			found = r;
	}
	snprintf(got, sizeof got, "%s", found != NULL ?
	    jstr(found, "status") : "not registered");
	json_decref(j);
	/* freed first: the failing tests document defects, leak-free */
	if (strcmp(got, want) != 0)
		fail_msg("participant %lld in session %lld is %s, wanted %s",
		    (long long)pid, (long long)sid, got, want);
}

/*
 * The outbox rows of one kind for one participant in a session: the sorted
 * channels joined by ',' ("" for none) into buf.
 */
static const char *
outbox_channels(struct store *st, int64_t sid, const char *kind, int64_t pid,
    char *buf, size_t len)
{
	char		 uri[64];
	const char	*ch[16];
	json_t		*j, *r;
	size_t		 i, n = 0, k, used = 0;

	snprintf(uri, sizeof uri, "/v1/outbox?session=%lld", (long long)sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	json_array_foreach(json_object_get(j, "outbox"), i, r) {
		if (strcmp(jstr(r, "kind"), kind) != 0 ||
		    jint(r, "participant_id") != pid)
			continue;
		assert_int_equal(jint(r, "session_id"), sid);
		assert_true(jint(r, "registration_id") > 0);
		/* A call row is a record for the call list, never sent. */
		assert_string_equal(jstr(r, "state"), strcmp(jstr(r,
		    "channel"), "call") == 0 ? "skipped" : "pending");
		assert_true(n < 16);
		/* insertion sort keeps the answer independent of row order */
		for (k = n; k > 0 && strcmp(ch[k - 1], jstr(r, "channel")) > 0;
		    k--)
			ch[k] = ch[k - 1];
		ch[k] = jstr(r, "channel");
		n++;
	}
	buf[0] = '\0';
	for (k = 0; k < n && used < len; k++)
		used += snprintf(buf + used, len - used, "%s%s",
		    k > 0 ? "," : "", ch[k]);
	json_decref(j);
	return (buf);
}

static size_t
outbox_count(struct store *st, int64_t sid)
{
	char	 uri[64];
	json_t	*j;
	size_t	 n;

	snprintf(uri, sizeof uri, "/v1/outbox?session=%lld", (long long)sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	n = json_array_size(json_object_get(j, "outbox"));
	json_decref(j);
	return (n);
}

/*
 * Every row of every table of the database, as text: the row counts first
 * (readable when a test fails), then the content.
 */
static char *
snapshot(struct store *st)
{
	sqlite3		*db = store_db(st);
	sqlite3_stmt	*tables, *rows;
	char		*buf = NULL, *sql;
	const char	*name, *v;
	size_t		 len = 0;
	FILE		*fp;
	int		 i, pass;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
		    "sqlite_master WHERE type = 'table' AND name NOT LIKE "
		    "'sqlite_%' ORDER BY name", -1, &tables, NULL), SQLITE_OK);
		while (sqlite3_step(tables) == SQLITE_ROW) {
			name = (const char *)sqlite3_column_text(tables, 0);
			sql = pass == 0 ?
			    xprintf("SELECT count(*) FROM \"%s\"", name) :
			    xprintf("SELECT * FROM \"%s\"", name);
			assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows,
			    NULL), SQLITE_OK);
			free(sql);
			fprintf(fp, "%s:", name);
			while (sqlite3_step(rows) == SQLITE_ROW) {
				for (i = 0; i < sqlite3_column_count(rows);
				    i++) {
					v = (const char *)sqlite3_column_text(
					    rows, i);
					fprintf(fp, "%s%s", i > 0 ? "|" : " ",
					    v != NULL ? v : "NULL");
				}
				fputc(pass == 0 ? ' ' : '\n', fp);
			}
			sqlite3_finalize(rows);
			fputc('\n', fp);
		}
		sqlite3_finalize(tables);
	}
	fclose(fp);
	return (buf);
}

/* A request that must be refused and leave the database as it was. */
static void
refused_unchanged(struct store *st, const char *method, const char *uri,
    const char *body, int want, const char *field)
{
	char	*before, *after;
	json_t	*j;
	int	 status;

	before = snapshot(st);
	j = call(st, method, uri, body, &status);
	refused(j, status, want, field);
	after = snapshot(st);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* --- capacity, waitlist, companions */

static void
test_capacity(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, p[5];
	size_t		 i;
	char		 name[32];

	sid = mksession(st, DEC3, 3);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "Person %zu", i + 1);
		p[i] = mkmobile(st, name, (int)i);
	}
	reg_as(st, sid, p[0], 0, "confirmed");
	assert_seats(st, sid, 1, 1, 0);
	reg_as(st, sid, p[1], 0, "confirmed");
	reg_as(st, sid, p[2], 0, "confirmed");
	assert_seats(st, sid, 3, 3, 0);
	reg_as(st, sid, p[3], 0, "waitlisted");
	reg_as(st, sid, p[4], 0, "waitlisted");
	assert_seats(st, sid, 3, 3, 2);
	assert_waitlist(st, sid, p + 3, 2);
}

static void
test_waitlist_promotion(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, p[6], w[3];
	json_t		*j;
	size_t		 i;
	int		 status;
	char		 name[32];

	sid = mksession(st, DEC3, 2);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof name, "Person %zu", i + 1);
		p[i] = mkmobile(st, name, (int)i);
	}
	reg_as(st, sid, p[0], 0, "confirmed");
	reg_as(st, sid, p[1], 0, "confirmed");
	for (i = 2; i < 6; i++)
		reg_as(st, sid, p[i], 0, "waitlisted");
	assert_waitlist(st, sid, p + 2, 4);

	/* A confirmed seat comes free: the first waiting moves up. */
	unreg_promotes(st, sid, p[0], &p[2], 1);
	assert_reg_status(st, sid, p[0], "cancelled");
	assert_reg_status(st, sid, p[2], "confirmed");
	assert_waitlist(st, sid, p + 3, 3);
	assert_seats(st, sid, 2, 2, 3);

	/* Leaving the waitlist promotes nobody and renumbers the rest. */
	unreg_promotes(st, sid, p[4], NULL, 0);
	w[0] = p[3];
	w[1] = p[5];
	assert_waitlist(st, sid, w, 2);
	assert_seats(st, sid, 2, 2, 2);

	/* The promoted registration answers with its new status. */
	unreg_promotes(st, sid, p[1], &p[3], 1);
	assert_waitlist(st, sid, &p[5], 1);

	/* Cancelling twice: the person is no longer registered. */
	j = unreg(st, sid, p[1], &status);
	refused(j, status, 404, "participant");
}

static void
test_companion(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c, d, e, w[3];
	json_t		*s;

	sid = mksession(st, DEC3, 3);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	c = mkmobile(st, "Carl", 3);
	d = mkmobile(st, "Dorte", 4);
	e = mkmobile(st, "Erik", 5);

	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 1, "confirmed");	/* two seats: full */
	assert_seats(st, sid, 3, 2, 0);
	s = session_get(st, sid);
	assert_int_equal(jint(s, "seats_free"), 0);
	json_decref(s);

	/* c with a companion waits first, d alone second. */
	reg_as(st, sid, c, 1, "waitlisted");
	reg_as(st, sid, d, 0, "waitlisted");
	w[0] = c;
	w[1] = d;
	assert_waitlist(st, sid, w, 2);

	/* One seat free: c needs two and blocks d (strict queue order). */
	unreg_promotes(st, sid, a, NULL, 0);
	assert_seats(st, sid, 2, 1, 2);
	assert_waitlist(st, sid, w, 2);

	/* Nobody jumps the queue, even into the free seat. */
	reg_as(st, sid, e, 0, "waitlisted");
	w[2] = e;
	assert_waitlist(st, sid, w, 3);

	/* Three seats free: c (two seats) and then d move up; e waits. */
	w[0] = c;
	w[1] = d;
	unreg_promotes(st, sid, b, w, 2);
	assert_seats(st, sid, 3, 2, 1);
	assert_waitlist(st, sid, &e, 1);

	/* One seat free again: e, alone, fits. */
	unreg_promotes(st, sid, d, &e, 1);
	assert_seats(st, sid, 3, 2, 0);
}

/*
 * When the head of the queue that blocked a free seat leaves the waitlist,
 * the next in line fits and must move up: the seat is free either way.
 */
static void
test_waitlist_blocker_leaves(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c, d;
	char		 buf[64];

	sid = mksession(st, DEC3, 3);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	c = mkmobile(st, "Carl", 3);
	d = mkmobile(st, "Dorte", 4);
	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 1, "confirmed");
	reg_as(st, sid, c, 1, "waitlisted");
	reg_as(st, sid, d, 0, "waitlisted");
	/* One seat free, c (two seats) at the head blocks d. */
	unreg_promotes(st, sid, a, NULL, 0);
	assert_seats(st, sid, 2, 1, 2);

	/* c gives up: d fits the free seat. */
	unreg_promotes(st, sid, c, &d, 1);
	assert_reg_status(st, sid, d, "confirmed");
	assert_seats(st, sid, 3, 2, 0);
	assert_string_equal(outbox_channels(st, sid, "promoted", d, buf,
	    sizeof buf), "sms");
}

static void
test_companion_one_seat(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a;
	char		 uri[64], body[96];

	/*
	 * One seat in all: a companion could never be seated, and waiting
	 * for it would block everyone behind, so it is refused outright.
	 */
	sid = mksession(st, DEC3, 1);
	a = mkmobile(st, "Anna", 1);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	snprintf(body, sizeof body, "{\"participant\": %lld, \"companion\": "
	    "true}", (long long)a);
	refused_unchanged(st, "POST", uri, body, 409, "companion");
	reg_as(st, sid, a, 0, "confirmed");
}

/*
 * The same holds when the capacity is cut to one seat: a companion must
 * not end up at the head of the queue where it can never fit. Either the
 * cut is refused, or the queue behind still moves.
 */
static void
test_companion_capacity_cut_to_one(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b;
	json_t		*j, *s;
	int		 status;

	sid = mksession(st, DEC3, 2);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	reg_as(st, sid, a, 1, "confirmed");
	reg_as(st, sid, b, 0, "waitlisted");

	j = session_patch(st, sid, "{\"capacity\": 1, \"force\": true}",
	    &status);
	if (status != 200) {
		refused(j, status, 409, "capacity");
		assert_seats(st, sid, 2, 1, 1);
		return;
	}
	json_decref(j);
	s = session_get(st, sid);
	assert_int_equal(jint(s, "capacity"), 1);
	json_decref(s);
	/* Accepted: then b, who fits the one seat, must not wait forever. */
	assert_reg_status(st, sid, b, "confirmed");
}

/* Removing a participant cancels their future seats and promotes. */
static void
test_participant_removed_promotes(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c;
	char		 uri[64], buf[64];
	json_t		*j;

	sid = mksession(st, DEC3, 1);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	c = mkmobile(st, "Carl", 3);
	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 0, "waitlisted");
	reg_as(st, sid, c, 0, "waitlisted");

	snprintf(uri, sizeof uri, "/v1/participants/%lld", (long long)a);
	j = call_ok(st, "DELETE", uri, NULL, 200);
	json_decref(j);
	assert_reg_status(st, sid, b, "confirmed");
	assert_waitlist(st, sid, &c, 1);
	assert_string_equal(outbox_channels(st, sid, "promoted", b, buf,
	    sizeof buf), "sms");
}

/* Once a session has started, a larger capacity moves nobody up. */
static void
test_capacity_raise_after_start(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b;
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 1);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 0, "waitlisted");
	store_set_now(st, DEC3_T + 60);
	j = session_patch(st, sid, "{\"capacity\": 2}", &status);
	assert_int_equal(status, 200);
	json_decref(j);
	assert_reg_status(st, sid, b, "waitlisted");
}

static void
test_double_registration(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, other, a, b;
	json_int_t	 n1, n2;
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 1);
	other = mksession(st, DEC10, 1);
	a = mkperson(st, "J\\u00f8rgen Smidstrup", "\"phone\": \"20304050\"");
	b = mkmobile(st, "Bent", 2);

	n1 = reg_as(st, sid, a, 0, "confirmed");
	j = reg(st, sid, a, 0, &status);
	refused(j, status, 409, "participant");
	j = reg(st, sid, a, 1, &status);
	refused(j, status, 409, "participant");

	/* Waitlisted is registered too. */
	reg_as(st, sid, b, 0, "waitlisted");
	j = reg(st, sid, b, 0, &status);
	refused(j, status, 409, "participant");
	assert_seats(st, sid, 1, 1, 1);

	/* Another session is another matter. */
	reg_as(st, other, a, 0, "confirmed");

	/* After cancelling, the same person may register again, anew. */
	unreg_promotes(st, sid, a, &b, 1);
	n2 = reg_as(st, sid, a, 0, "waitlisted");
	assert_true(n2 > n1);
	assert_waitlist(st, sid, &a, 1);
}

static void
test_registration_after_start(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b;
	char		 uri[64];
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 8);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);

	store_set_now(st, DEC3_T - 60);
	reg_as(st, sid, a, 0, "confirmed");

	/* At the start and after it: refused, nothing written. */
	store_set_now(st, DEC3_T);
	j = reg(st, sid, b, 0, &status);
	refused(j, status, 409, "session");
	store_set_now(st, DEC3_T + 3600);
	j = reg(st, sid, b, 0, &status);
	refused(j, status, 409, "session");
	assert_seats(st, sid, 1, 1, 0);

	/* A participant created inline is not kept either. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	refused_unchanged(st, "POST", uri, "{\"participant\": {\"name\": "
	    "\"Sen Kommer\", \"phone\": \"20309999\"}}", 409, "session");

	/* Cancelling after the start is refused: record attendance instead. */
	j = unreg(st, sid, a, &status);
	refused(j, status, 409, "session");
}

/*
 * Someone who walks in on the day: taken from an hour before the start to
 * the end of the day in the venue's zone, confirmed and present at once,
 * over the capacity if need be (the answer says so), and sent nothing.
 */
static void
test_walk_in(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c;
	char		 uri[64], body[96];
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 1);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	c = mkmobile(st, "Carl", 3);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	reg_as(st, sid, a, 0, "confirmed");

	/* More than an hour before the start: not yet a walk-in. */
	store_set_now(st, DEC3_T - 3601);
	snprintf(body, sizeof body, "{\"participant\": %lld, \"walk_in\": "
	    "true}", (long long)b);
	refused_unchanged(st, "POST", uri, body, 409, "walk_in");

	/* During the class, with the one seat taken: in, present, over. */
	store_set_now(st, DEC3_T + 1800);
	j = call_ok(st, "POST", uri, body, 201);
	assert_string_equal(jstr(j, "status"), "confirmed");
	assert_string_equal(jstr(j, "attendance"), "attended");
	assert_true(json_is_true(json_object_get(j, "over_capacity")));
	json_decref(j);
	assert_seats(st, sid, 2, 2, 0);
	/* The confirmation of Anna's, made before; nothing for Bent. */
	assert_int_equal(outbox_count(st, sid), 1);

	/* Late in the evening of the same day (23:30 local): still taken. */
	store_set_now(st, DEC3_T + 13 * 3600 + 1800);
	snprintf(body, sizeof body, "{\"participant\": %lld, \"walk_in\": "
	    "true}", (long long)c);
	j = call_ok(st, "POST", uri, body, 201);
	json_decref(j);

	/* The next day: refused, naming walk_in. */
	store_set_now(st, DEC3_T + 15 * 3600);
	snprintf(body, sizeof body, "{\"participant\": {\"name\": \"Dora\", "
	    "\"no_contact\": true}, \"walk_in\": true}");
	refused_unchanged(st, "POST", uri, body, 409, "walk_in");

	/* A walk-in to a cancelled session: refused as any registration. */
	store_set_now(st, DEC3_T + 1800);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	json_decref(call_ok(st, "POST", uri, "{}", 200));
	j = reg(st, sid, mkmobile(st, "Eva", 5), 0, &status);
	refused(j, status, 409, "session");
}

static void
test_registration_cancelled_session(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, done, a, b;
	char		 uri[64];
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 8);
	done = mksession(st, DEC10, 8);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	reg_as(st, sid, a, 0, "confirmed");

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	j = call_ok(st, "POST", uri, "{\"reason\": \"Sygdom\"}", 200);
	assert_string_equal(jstr(json_array_get(json_object_get(j,
	    "sessions"), 0), "status"), "cancelled");
	json_decref(j);

	j = reg(st, sid, b, 0, &status);
	refused(j, status, 409, "session");

	/* Cancelling twice is refused. */
	j = call(st, "POST", uri, NULL, &status);
	refused(j, status, 409, "session");

	/* A session marked done takes nobody either. */
	j = session_patch(st, done, "{\"status\": \"done\"}", &status);
	assert_int_equal(status, 200);
	json_decref(j);
	j = reg(st, done, b, 0, &status);
	refused(j, status, 409, "session");
}

/*
 * A person who leaves a cancelled session must not "promote" anyone into
 * it: the session will not take place, and a promoted notice would tell
 * the waitlisted person they have a seat.
 */
static void
test_no_promotion_on_cancelled_session(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b;
	char		 uri[64], buf[64];
	json_t		*j;

	sid = mksession(st, DEC3, 1);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 0, "waitlisted");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	j = call_ok(st, "POST", uri, NULL, 200);
	json_decref(j);

	unreg_promotes(st, sid, a, NULL, 0);
	assert_reg_status(st, sid, b, "waitlisted");
	assert_string_equal(outbox_channels(st, sid, "promoted", b, buf,
	    sizeof buf), "");
}

/* --- capacity changes */

static void
test_capacity_lower(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, p[5], w[3];
	size_t		 i;
	char		 name[32], uri[64], buf[64];
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 4);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "Person %zu", i + 1);
		p[i] = mkmobile(st, name, (int)i);
	}
	for (i = 0; i < 4; i++)
		reg_as(st, sid, p[i], 0, "confirmed");
	reg_as(st, sid, p[4], 0, "waitlisted");

	/* Without force: 409 on capacity, and nothing changes. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld", (long long)sid);
	refused_unchanged(st, "PATCH", uri, "{\"capacity\": 2}", 409,
	    "capacity");
	refused_unchanged(st, "PATCH", uri, "{\"capacity\": 2, \"force\": "
	    "false}", 409, "capacity");

	/* Down to the seats taken needs no force. */
	j = session_patch(st, sid, "{\"capacity\": 4}", &status);
	assert_int_equal(status, 200);
	json_decref(j);

	/* With force the latest confirmed go to the front, in order. */
	j = session_patch(st, sid, "{\"capacity\": 2, \"force\": true}",
	    &status);
	assert_int_equal(status, 200);
	assert_int_equal(jint(j, "capacity"), 2);
	assert_int_equal(jint(j, "seats_taken"), 2);
	assert_int_equal(jint(j, "waitlisted"), 3);
	json_decref(j);
	assert_reg_status(st, sid, p[0], "confirmed");
	assert_reg_status(st, sid, p[1], "confirmed");
	w[0] = p[2];
	w[1] = p[3];
	w[2] = p[4];
	assert_waitlist(st, sid, w, 3);
	assert_string_equal(outbox_channels(st, sid, "demoted", p[2], buf,
	    sizeof buf), "sms");
	assert_string_equal(outbox_channels(st, sid, "demoted", p[3], buf,
	    sizeof buf), "sms");
	assert_string_equal(outbox_channels(st, sid, "demoted", p[1], buf,
	    sizeof buf), "");

	/* Those moved down are the first to move back up. */
	unreg_promotes(st, sid, p[0], &p[2], 1);
	w[0] = p[3];
	w[1] = p[4];
	assert_waitlist(st, sid, w, 2);

	/* Out of range. */
	j = session_patch(st, sid, "{\"capacity\": 0, \"force\": true}",
	    &status);
	refused(j, status, 422, "capacity");
}

static void
test_capacity_lower_companion(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c, w[2];
	json_t		*j;
	int		 status;

	/* a (1) + b with companion (2) + c (1) = 4 seats. */
	sid = mksession(st, DEC3, 4);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	c = mkmobile(st, "Carl", 3);
	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 1, "confirmed");
	reg_as(st, sid, c, 0, "confirmed");

	/* To 2: c goes, then b (still over); b stays ahead of c. */
	j = session_patch(st, sid, "{\"capacity\": 2, \"force\": true}",
	    &status);
	assert_int_equal(status, 200);
	json_decref(j);
	w[0] = b;
	w[1] = c;
	assert_waitlist(st, sid, w, 2);
	assert_seats(st, sid, 1, 1, 2);
}

static void
test_capacity_raise(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c, d;
	char		 buf[64];
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 2);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	c = mkmobile(st, "Carl", 3);
	d = mkmobile(st, "Dorte", 4);
	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 0, "confirmed");
	reg_as(st, sid, c, 1, "waitlisted");
	reg_as(st, sid, d, 0, "waitlisted");

	/* One more seat: c needs two, d must wait behind c. */
	j = session_patch(st, sid, "{\"capacity\": 3}", &status);
	assert_int_equal(status, 200);
	json_decref(j);
	assert_seats(st, sid, 2, 2, 2);

	/* Two more: c with companion moves up. */
	j = session_patch(st, sid, "{\"capacity\": 4}", &status);
	assert_int_equal(status, 200);
	assert_int_equal(jint(j, "seats_taken"), 4);
	json_decref(j);
	assert_reg_status(st, sid, c, "confirmed");
	assert_waitlist(st, sid, &d, 1);
	assert_string_equal(outbox_channels(st, sid, "promoted", c, buf,
	    sizeof buf), "sms");

	/* Plenty: d too. */
	j = session_patch(st, sid, "{\"capacity\": 10}", &status);
	assert_int_equal(status, 200);
	json_decref(j);
	assert_seats(st, sid, 5, 4, 0);
	assert_string_equal(outbox_channels(st, sid, "promoted", d, buf,
	    sizeof buf), "sms");
}

/* --- running numbers */

static void
test_running_number(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 s1, s2, a, b, c;
	json_t		*j;

	j = call_ok(st, "GET", "/v1/settings", NULL, 200);
	assert_int_equal(jint(j, "number_start"), 1);
	assert_int_equal(jint(j, "next_number"), 1);
	json_decref(j);

	/* The library taught 2,999 people before kursusd. */
	j = call_ok(st, "PATCH", "/v1/settings", "{\"number_start\": 3000}",
	    200);
	assert_int_equal(jint(j, "number_start"), 3000);
	assert_int_equal(jint(j, "next_number"), 3000);
	json_decref(j);

	s1 = mksession(st, DEC3, 1);
	s2 = mksession(st, DEC10, 8);
	a = mkperson(st, "J\\u00f8rgen Smidstrup", "\"phone\": \"20304050\"");
	b = mkmobile(st, "Bent", 2);
	c = mkmobile(st, "Carl", 3);

	assert_int_equal(reg_as(st, s1, a, 0, "confirmed"), 3000);
	assert_int_equal(reg_as(st, s2, b, 0, "confirmed"), 3001);
	/* Waitlisted registrations are numbered too. */
	assert_int_equal(reg_as(st, s1, c, 0, "waitlisted"), 3002);
	assert_int_equal(reg_as(st, s2, a, 0, "confirmed"), 3003);
	/* A cancelled number is not given again. */
	unreg_promotes(st, s2, b, NULL, 0);
	assert_int_equal(reg_as(st, s2, b, 0, "confirmed"), 3004);

	j = call_ok(st, "GET", "/v1/settings", NULL, 200);
	assert_int_equal(jint(j, "next_number"), 3005);
	json_decref(j);
}

static void
test_number_start_guard(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b;
	json_t		*j;

	/* Before any registration it may go down as well as up. */
	j = call_ok(st, "PATCH", "/v1/settings", "{\"number_start\": 5000}",
	    200);
	json_decref(j);
	j = call_ok(st, "PATCH", "/v1/settings", "{\"number_start\": 3000}",
	    200);
	json_decref(j);

	sid = mksession(st, DEC3, 8);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	assert_int_equal(reg_as(st, sid, a, 0, "confirmed"), 3000);
	assert_int_equal(reg_as(st, sid, b, 0, "confirmed"), 3001);

	/* At or below a number given: refused, nothing changes. */
	refused_unchanged(st, "PATCH", "/v1/settings",
	    "{\"number_start\": 3001}", 409, "number_start");
	refused_unchanged(st, "PATCH", "/v1/settings",
	    "{\"number_start\": 3000}", 409, "number_start");
	refused_unchanged(st, "PATCH", "/v1/settings",
	    "{\"number_start\": 1}", 409, "number_start");
	refused_unchanged(st, "PATCH", "/v1/settings",
	    "{\"number_start\": 0}", 422, "number_start");
	refused_unchanged(st, "PATCH", "/v1/settings",
	    "{\"next_number\": 4000}", 400, "next_number");
	refused_unchanged(st, "PATCH", "/v1/settings",
	    "{\"number_start\": \"4000\"}", 400, "number_start");

	/* Above every number given: fine, and the next one follows it. */
	j = call_ok(st, "PATCH", "/v1/settings", "{\"number_start\": 3500}",
	    200);
	assert_int_equal(jint(j, "next_number"), 3500);
	json_decref(j);
	unreg_promotes(st, sid, a, NULL, 0);
	assert_int_equal(reg_as(st, sid, a, 0, "confirmed"), 3500);
}

/* --- attendance */

static void
test_attendance(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c, d;
	char		 uri[64], body[128];
	json_t		*j, *r;
	size_t		 i;
	int		 seen = 0;

	sid = mksession(st, DEC3, 2);
	a = mkmobile(st, "Anna", 1);
	b = mkmobile(st, "Bent", 2);
	c = mkmobile(st, "Carl", 3);
	d = mkmobile(st, "Dorte", 4);
	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 0, "confirmed");
	reg_as(st, sid, c, 0, "waitlisted");
	reg_as(st, sid, d, 0, "waitlisted");
	unreg_promotes(st, sid, d, NULL, 0);

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/attendance",
	    (long long)sid);
	snprintf(body, sizeof body, "{\"present\": [%lld], \"absent\": "
	    "[%lld]}", (long long)a, (long long)b);

	/* Before the start: refused. */
	refused_unchanged(st, "POST", uri, body, 409, "session");
	store_set_now(st, DEC3_T - 1);
	refused_unchanged(st, "POST", uri, body, 409, "session");

	/* After the start: only confirmed people. */
	store_set_now(st, DEC3_T + 2 * 3600);
	snprintf(body, sizeof body, "{\"present\": [%lld, %lld]}",
	    (long long)a, (long long)c);
	refused_unchanged(st, "POST", uri, body, 422, "present");
	snprintf(body, sizeof body, "{\"absent\": [%lld]}", (long long)d);
	refused_unchanged(st, "POST", uri, body, 422, "absent");
	snprintf(body, sizeof body, "{\"present\": [%lld], \"absent\": "
	    "[%lld]}", (long long)a, (long long)a);
	refused_unchanged(st, "POST", uri, body, 422, "absent");
	refused_unchanged(st, "POST", uri, "{\"present\": [999]}", 422,
	    "present");
	refused_unchanged(st, "POST", uri, "{\"present\": [true]}", 400,
	    "present");
	refused_unchanged(st, "POST", uri, "{\"late\": []}", 400, "late");

	snprintf(body, sizeof body, "{\"present\": [%lld], \"absent\": "
	    "[%lld]}", (long long)a, (long long)b);
	j = call_ok(st, "POST", uri, body, 200);
	json_array_foreach(json_object_get(j, "registrations"), i, r) {
		assert_string_equal(jstr(r, "status"), "confirmed");
		if (jint(r, "participant_id") == a) {
			assert_string_equal(jstr(r, "attendance"), "attended");
			seen |= 1;
		} else if (jint(r, "participant_id") == b) {
			assert_string_equal(jstr(r, "attendance"), "no-show");
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	assert_int_equal(json_array_size(json_object_get(j,
	    "registrations")), 2);
	json_decref(j);

	/* Attendance can be corrected. */
	snprintf(body, sizeof body, "{\"present\": [%lld]}", (long long)b);
	j = call_ok(st, "POST", uri, body, 200);
	json_array_foreach(json_object_get(j, "registrations"), i, r) {
		if (jint(r, "participant_id") == b)
			assert_string_equal(jstr(r, "attendance"), "attended");
	}
	json_decref(j);
}

static void
test_attendance_cancelled_session(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a;
	char		 uri[64], body[64];
	json_t		*j;

	sid = mksession(st, DEC3, 2);
	a = mkmobile(st, "Anna", 1);
	reg_as(st, sid, a, 0, "confirmed");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	j = call_ok(st, "POST", uri, NULL, 200);
	json_decref(j);
	store_set_now(st, DEC3_T + 3600);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/attendance",
	    (long long)sid);
	snprintf(body, sizeof body, "{\"present\": [%lld]}", (long long)a);
	refused_unchanged(st, "POST", uri, body, 409, "session");
}

/* --- the outbox */

static void
test_outbox_channels(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, sms, mail, both, none, nosms, land, nosms_mail;
	char		 buf[64], uri[64];
	json_t		*j, *r;
	size_t		 i;

	sid = mksession(st, DEC3, 20);
	sms = mkperson(st, "Mobil", "\"phone\": \"20 30 40 50\"");
	mail = mkperson(st, "Mail", "\"email\": \"mail@Example.DK\"");
	both = mkperson(st, "Begge", "\"phone\": \"20304051\", \"email\": "
	    "\"begge@example.dk\"");
	none = mkperson(st, "Ingen", "\"no_contact\": true");
	nosms = mkperson(st, "Nej tak", "\"phone\": \"20304052\", "
	    "\"no_sms\": true");
	land = mkperson(st, "Fastnet", "\"phone\": \"75 62 00 00\", "
	    "\"phone_type\": \"landline\"");
	nosms_mail = mkperson(st, "Kun mail", "\"phone\": \"20304053\", "
	    "\"email\": \"kunmail@example.dk\", \"no_sms\": true");

	reg_as(st, sid, sms, 0, "confirmed");
	reg_as(st, sid, mail, 0, "confirmed");
	reg_as(st, sid, both, 0, "confirmed");
	reg_as(st, sid, none, 0, "confirmed");
	reg_as(st, sid, nosms, 0, "confirmed");
	reg_as(st, sid, land, 0, "confirmed");
	reg_as(st, sid, nosms_mail, 0, "confirmed");

	assert_string_equal(outbox_channels(st, sid, "confirmation", sms, buf,
	    sizeof buf), "sms");
	assert_string_equal(outbox_channels(st, sid, "confirmation", mail, buf,
	    sizeof buf), "email");
	assert_string_equal(outbox_channels(st, sid, "confirmation", both, buf,
	    sizeof buf), "email,sms");
	assert_string_equal(outbox_channels(st, sid, "confirmation", none, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "confirmation", nosms,
	    buf, sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "confirmation", land, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "confirmation",
	    nosms_mail, buf, sizeof buf), "email");
	assert_int_equal(outbox_count(st, sid), 8);

	/* Recipients: the normalised number and address; none for a call. */
	snprintf(uri, sizeof uri, "/v1/outbox?session=%lld", (long long)sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	json_array_foreach(json_object_get(j, "outbox"), i, r) {
		if (jint(r, "participant_id") == sms)
			assert_string_equal(jstr(r, "recipient"),
			    "+4520304050");
		else if (jint(r, "participant_id") == mail)
			assert_string_equal(jstr(r, "recipient"),
			    "mail@example.dk");
		else if (strcmp(jstr(r, "channel"), "call") == 0)
			assert_true(json_is_null(json_object_get(r,
			    "recipient")));
	}
	json_decref(j);
}

static void
test_outbox_kinds(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, a, b, c, d, e;
	char		 buf[64], uri[64];
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 2);
	a = mkperson(st, "Anna", "\"phone\": \"20304050\"");
	b = mkperson(st, "Bent", "\"email\": \"bent@example.dk\"");
	c = mkperson(st, "Carl", "\"no_contact\": true");
	d = mkperson(st, "Dorte", "\"phone\": \"20304051\", \"no_sms\": true");
	e = mkperson(st, "Erik", "\"phone\": \"20304052\", \"email\": "
	    "\"erik@example.dk\"");

	reg_as(st, sid, a, 0, "confirmed");
	reg_as(st, sid, b, 0, "confirmed");
	reg_as(st, sid, c, 0, "waitlisted");
	reg_as(st, sid, d, 0, "waitlisted");
	reg_as(st, sid, e, 0, "waitlisted");
	assert_string_equal(outbox_channels(st, sid, "confirmation", a, buf,
	    sizeof buf), "sms");
	assert_string_equal(outbox_channels(st, sid, "confirmation", b, buf,
	    sizeof buf), "email");
	assert_string_equal(outbox_channels(st, sid, "waitlisted", c, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "waitlisted", d, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "waitlisted", e, buf,
	    sizeof buf), "email,sms");
	assert_int_equal(outbox_count(st, sid), 6);

	/* a leaves (and is told so); c moves up. */
	unreg_promotes(st, sid, a, &c, 1);
	assert_string_equal(outbox_channels(st, sid, "withdrawn", a, buf,
	    sizeof buf), "sms");
	assert_string_equal(outbox_channels(st, sid, "promoted", c, buf,
	    sizeof buf), "call");
	assert_int_equal(outbox_count(st, sid), 8);

	/* Capacity cut: c goes back to the waitlist. */
	j = session_patch(st, sid, "{\"capacity\": 1, \"force\": true}",
	    &status);
	assert_int_equal(status, 200);
	json_decref(j);
	assert_string_equal(outbox_channels(st, sid, "demoted", c, buf,
	    sizeof buf), "call");
	assert_int_equal(outbox_count(st, sid), 9);

	/* Moved: everyone still registered (b, c, d, e), not a. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/move", (long long)sid);
	j = call_ok(st, "POST", uri, "{\"start\": \"2026-12-04 13:00\"}", 200);
	assert_string_equal(jstr(json_array_get(json_object_get(j, "sessions"),
	    0), "start"), "2026-12-04T13:00:00+01:00");
	assert_int_equal(jint(json_array_get(json_object_get(j, "sessions"),
	    0), "sequence"), 1);
	json_decref(j);
	assert_string_equal(outbox_channels(st, sid, "moved", a, buf,
	    sizeof buf), "");
	assert_string_equal(outbox_channels(st, sid, "moved", b, buf,
	    sizeof buf), "email");
	assert_string_equal(outbox_channels(st, sid, "moved", c, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "moved", d, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "moved", e, buf,
	    sizeof buf), "email,sms");
	assert_int_equal(outbox_count(st, sid), 14);

	/* Cancelled: the same people. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	j = call_ok(st, "POST", uri, "{\"reason\": \"Instrukt\\u00f8ren er "
	    "syg\"}", 200);
	assert_int_equal(jint(json_array_get(json_object_get(j, "sessions"),
	    0), "sequence"), 2);
	json_decref(j);
	assert_string_equal(outbox_channels(st, sid, "cancelled", a, buf,
	    sizeof buf), "");
	assert_string_equal(outbox_channels(st, sid, "cancelled", b, buf,
	    sizeof buf), "email");
	assert_string_equal(outbox_channels(st, sid, "cancelled", c, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "cancelled", d, buf,
	    sizeof buf), "call");
	assert_string_equal(outbox_channels(st, sid, "cancelled", e, buf,
	    sizeof buf), "email,sms");
	assert_int_equal(outbox_count(st, sid), 19);
}

/* The daemon's mail and SMS settings, with these reminder rules. */
static struct outbox_conf *reminders_conf;

static void
reminders_configure(struct store *st, const char *rules)
{
	struct config	*conf;
	char		*cause = NULL, *o[5];

	store_set_outbox(st, NULL);
	outbox_conf_free(reminders_conf);
	reminders_conf = NULL;
	if (rules == NULL)
		return;		/* back to the defaults */
	o[0] = xprintf("reminders.rules=%s", rules);
	o[1] = xstrdup("smtp.host=127.0.0.1");
	o[2] = xstrdup("smtp.from=kurser@bibliotek.example");
	o[3] = xstrdup("sms.driver=kannel");
	o[4] = xstrdup("sms.url=http://127.0.0.1/cgi-bin/sendsms");
	if (config_load(NULL, o, 5, &conf, &cause) != 0)
		fail_msg("config: %s", cause);
	reminders_conf = outbox_conf_new(conf);
	store_set_outbox(st, reminders_conf);
	config_free(conf);
	free(o[0]);
	free(o[1]);
	free(o[2]);
	free(o[3]);
	free(o[4]);
}

/* The pending reminders of a session, "channel@due_at;..." in id order. */
static char *
reminders_of(struct store *st, int64_t sid)
{
	static const char *sql = "SELECT group_concat(channel || '@' || "
	    "utc_iso(next_attempt), ';') FROM (SELECT * FROM outbox WHERE "
	    "session_id = ? AND kind = 'reminder' AND state = 'pending' "
	    "ORDER BY id)";
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	char		*out;

	sqlite3_bind_int64(stmt, 1, sid);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	out = xstrdup(sqlite3_column_type(stmt, 0) == SQLITE_NULL ? "" :
	    (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_reset(stmt);
	return (out);
}

/*
 * Reminders are planned at confirmation by the rules (the course type's
 * own, else the configured), on the channel the person has, with SMS out
 * of the quiet hours; a move plans them again; leaving withdraws them.
 */
static void
test_reminders_planned(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, both, mail, phone, waiting;
	char		*r, uri[96];
	json_t		*j;

	reminders_configure(st, "email:2d,sms:1d@10:00");
	sid = mksession(st, DEC3, 3);
	both = mkperson(st, "Begge", "\"phone\": \"20304050\", \"email\": "
	    "\"begge@example.dk\"");
	reg_as(st, sid, both, 0, "confirmed");
	/* 2 days before 10:00 +01 is Dec 1 09:00Z; Dec 2 10:00 local. */
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z");
	free(r);

	/* Only e-mail: the SMS rule goes by e-mail. */
	mail = mkperson(st, "Mail", "\"email\": \"mail@example.dk\"");
	reg_as(st, sid, mail, 0, "confirmed");
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z;email@2026-12-01T09:00:00Z;"
	    "email@2026-12-02T09:00:00Z");
	free(r);

	/* Waitlisted people get none until they move up. */
	phone = mkmobile(st, "Mobil", 1);
	reg_as(st, sid, phone, 0, "confirmed");
	waiting = mkmobile(st, "Venter", 2);
	reg_as(st, sid, waiting, 0, "waitlisted");
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z;email@2026-12-01T09:00:00Z;"
	    "email@2026-12-02T09:00:00Z;sms@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z");
	free(r);

	/* Leaving withdraws; the one moving up gets them. */
	unreg_promotes(st, sid, phone, &waiting, 1);
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z;email@2026-12-01T09:00:00Z;"
	    "email@2026-12-02T09:00:00Z;sms@2026-12-01T09:00:00Z;"
	    "sms@2026-12-02T09:00:00Z");
	free(r);

	/* Moved a day later: planned again from the new start. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/move", (long long)sid);
	j = call_ok(st, "POST", uri, "{\"start\": \"2026-12-04 10:00\"}", 200);
	json_decref(j);
	r = reminders_of(st, sid);
	assert_string_equal(r, "email@2026-12-02T09:00:00Z;"
	    "sms@2026-12-03T09:00:00Z;email@2026-12-02T09:00:00Z;"
	    "email@2026-12-03T09:00:00Z;sms@2026-12-02T09:00:00Z;"
	    "sms@2026-12-03T09:00:00Z");
	free(r);

	/* The course type's own rule; an SMS at 22:00 is quiet: 20:59. */
	j = call_ok(st, "PATCH", "/v1/courses/mitid",
	    "{\"reminders\": \"sms:1d@22:00\"}", 200);
	json_decref(j);
	sid = mksession(st, DEC10, 3);
	reg_as(st, sid, both, 0, "confirmed");
	r = reminders_of(st, sid);
	assert_string_equal(r, "sms@2026-12-09T19:59:00Z");
	free(r);

	/* Cancelling the session withdraws every reminder. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)sid);
	j = call_ok(st, "POST", uri, "{}", 200);
	json_decref(j);
	r = reminders_of(st, sid);
	assert_string_equal(r, "");
	free(r);

	reminders_configure(st, NULL);
}

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
		T(test_capacity),
		T(test_waitlist_promotion),
		T(test_companion),
		T(test_waitlist_blocker_leaves),
		T(test_companion_one_seat),
		T(test_companion_capacity_cut_to_one),
		T(test_participant_removed_promotes),
		T(test_capacity_raise_after_start),
		T(test_double_registration),
		T(test_registration_after_start),
		T(test_walk_in),
		T(test_registration_cancelled_session),
		T(test_no_promotion_on_cancelled_session),
		T(test_capacity_lower),
		T(test_capacity_lower_companion),
		T(test_capacity_raise),
		T(test_running_number),
		T(test_number_start_guard),
		T(test_attendance),
		T(test_attendance_cancelled_session),
		T(test_outbox_channels),
		T(test_outbox_kinds),
		T(test_reminders_planned),
		T(test_refused_writes_nothing),
		T(test_series_weekly_dst),
		T(test_series_rrule),
		T(test_series_move_following),
		T(test_local_time),
		T(test_bad_requests),
		T(test_metrics_commit),
#undef T
	};

	int			 rc;

	log_init("test_rules", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("rules", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
