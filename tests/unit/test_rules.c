/*
 * Unit tests for the registration rules, driven through api_dispatch() on a
 * real store (a fresh SQLite file per test, WAL needs one) with the clock
 * pinned by store_set_now(), so "before" and "after the start" are exact.
 *
 * Here: capacity, the waitlist and companions, capacity changes, running
 * numbers and attendance; the outbox, series and refused requests have
 * files of their own (test_rules_outbox.c, test_rules_series.c,
 * test_rules_requests.c), the helpers rulestest.c.
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
#include "rulestest.h"

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
#undef T
	};
	int	 rc;

	log_init("test_rules", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("rules", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
