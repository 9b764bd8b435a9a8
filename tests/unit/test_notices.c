/*
 * Unit tests for the staff's side of the notifier (daemon/notices.c),
 * driven through api_dispatch() on a real store with the clock pinned:
 * remind now (rows per channel, the unreachable and why, the batch key,
 * refusals), retry and cancel, the call list, the course types' own
 * templates and reminder rules, and the preview of one person's message.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "apitest.h"
#include "notifier.h"
#include "unittest.h"


static void
reg_as(struct store *st, int64_t sid, int64_t pid, const char *want)
{
	char	 uri[64], body[96];
	json_t	*j;

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations",
	    (long long)sid);
	snprintf(body, sizeof body, "{\"participant\": %lld}",
	    (long long)pid);
	j = call_ok(st, "POST", uri, body, 201);
	assert_string_equal(jstr(j, "status"), want);
	json_decref(j);
}

static json_t *
remind(struct store *st, int64_t sid, const char *body, int *status)
{
	char	 uri[64];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/remind", (long long)sid);
	return (call(st, "POST", uri, body, status));
}

static json_t *
remind_ok(struct store *st, int64_t sid, const char *body)
{
	json_t	*j;
	int	 status;

	j = remind(st, sid, body, &status);
	if (status != 201) {
		char *s = json_dumps(j, JSON_COMPACT);

		fail_msg("remind %s: %d %s", body != NULL ? body : "", status,
		    s);
	}
	return (j);
}

/* The outbox rows of a batch. */
static json_t *
batch_rows(struct store *st, const char *batch)
{
	char	 uri[128];
	json_t	*j, *rows;

	snprintf(uri, sizeof uri, "/v1/outbox?batch=%s", batch);
	j = call_ok(st, "GET", uri, NULL, 200);
	rows = json_incref(json_object_get(j, "outbox"));
	json_decref(j);
	return (rows);
}

/* The channels of pid's rows in rows, sorted and joined: "email,sms". */
static const char *
channels_of(json_t *rows, int64_t pid, char *buf, size_t len)
{
	json_t	*r;
	size_t	 i;
	int	 sms = 0, email = 0;

	json_array_foreach(rows, i, r) {
		if (jint(r, "participant_id") != pid)
			continue;
		if (strcmp(jstr(r, "channel"), "sms") == 0)
			sms++;
		else if (strcmp(jstr(r, "channel"), "email") == 0)
			email++;
		else
			fail_msg("a %s row in a batch", jstr(r, "channel"));
	}
	assert_true(sms <= 1 && email <= 1);
	snprintf(buf, len, "%s%s%s", email ? "email" : "",
	    email && sms ? "," : "", sms ? "sms" : "");
	return (buf);
}

/* The reason given for pid in an answer's list (key "reason" or
 * "reasons"), or NULL when pid is not in it. */
static const char *
reason_of(json_t *list, int64_t pid, const char *key)
{
	json_t	*u;
	size_t	 i;

	json_array_foreach(list, i, u) {
		if (jint(u, "participant_id") == pid)
			return (jstr(u, key));
	}
	return (NULL);
}

static int
in_array(json_t *arr, json_int_t v)
{
	json_t	*x;
	size_t	 i;

	json_array_foreach(arr, i, x) {
		if (json_integer_value(x) == v)
			return (1);
	}
	return (0);
}

static void
assert_contains(const char *text, const char *part)
{
	if (text == NULL || strstr(text, part) == NULL)
		fail_msg("\"%s\" does not hold \"%s\"", text != NULL ? text :
		    "(null)", part);
}

/* The first row id of a batch. */
static int64_t
first_row(struct store *st, const char *batch)
{
	json_t	*rows;
	int64_t	 id;

	rows = batch_rows(st, batch);
	assert_true(json_array_size(rows) > 0);
	id = jint(json_array_get(rows, 0), "id");
	json_decref(rows);
	return (id);
}

static json_t *
notice_post(struct store *st, int64_t id, const char *action, int *status)
{
	char	 uri[64];

	snprintf(uri, sizeof uri, "/v1/outbox/%lld/%s", (long long)id, action);
	return (call(st, "POST", uri, NULL, status));
}

/* --- remind */

static void
test_remind_channels(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, sms, mail, both, land, none, nosms, wait;
	char		 buf[32];
	json_t		*j, *rows, *r, *u;
	const char	*batch;
	size_t		 i;

	sid = mksession(st, DEC3, 6);
	sms = mkperson(st, "Mobil", "\"phone\": \"20 30 40 50\"");
	mail = mkperson(st, "Mail", "\"email\": \"mail@example.dk\"");
	both = mkperson(st, "Begge", "\"phone\": \"20304051\", \"email\": "
	    "\"begge@example.dk\"");
	land = mkperson(st, "Fastnet", "\"phone\": \"75 62 00 00\", "
	    "\"phone_type\": \"landline\"");
	none = mkperson(st, "Ingen", "\"no_contact\": true");
	nosms = mkperson(st, "Nej tak", "\"phone\": \"20304052\", "
	    "\"no_sms\": true");
	wait = mkperson(st, "Venter", "\"phone\": \"20304053\"");
	reg_as(st, sid, sms, "confirmed");
	reg_as(st, sid, mail, "confirmed");
	reg_as(st, sid, both, "confirmed");
	reg_as(st, sid, land, "confirmed");
	reg_as(st, sid, none, "confirmed");
	reg_as(st, sid, nosms, "confirmed");
	reg_as(st, sid, wait, "waitlisted");

	j = remind_ok(st, sid, NULL);
	batch = jstr(j, "batch");
	assert_int_equal(strlen(batch), 16);
	assert_int_equal(strspn(batch, "0123456789abcdef"), 16);
	assert_int_equal(jint(j, "queued"), 4);
	assert_int_equal(json_array_size(json_object_get(j, "messages")), 4);
	u = json_object_get(j, "unreachable");
	assert_int_equal(json_array_size(u), 3);
	assert_string_equal(reason_of(u, land, "reason"), "landline only");
	assert_string_equal(reason_of(u, none, "reason"),
	    "no contact details");
	assert_string_equal(reason_of(u, nosms, "reason"),
	    "no consent to SMS, no e-mail address");
	assert_null(reason_of(u, wait, "reason"));
	json_array_foreach(u, i, r) {
		assert_true(json_is_string(json_object_get(r, "name")));
		assert_true(json_object_get(r, "phone") != NULL);
	}
	assert_string_equal(jstr(json_array_get(u, 0), "name"), "Fastnet");
	assert_string_equal(jstr(json_array_get(u, 0), "phone"),
	    "+4575620000");

	rows = batch_rows(st, batch);
	assert_int_equal(json_array_size(rows), 4);
	assert_string_equal(channels_of(rows, sms, buf, sizeof buf), "sms");
	assert_string_equal(channels_of(rows, mail, buf, sizeof buf), "email");
	assert_string_equal(channels_of(rows, both, buf, sizeof buf),
	    "email,sms");
	assert_string_equal(channels_of(rows, wait, buf, sizeof buf), "");
	json_array_foreach(rows, i, r) {
		assert_string_equal(jstr(r, "kind"), "reminder");
		assert_string_equal(jstr(r, "state"), "pending");
		assert_string_equal(jstr(r, "batch"), batch);
		assert_int_equal(jint(r, "session_id"), sid);
		assert_true(in_array(json_object_get(j, "messages"),
		    jint(r, "id")));
	}
	json_decref(rows);

	/* A second remind is a new batch, not a duplicate refused. */
	r = remind_ok(st, sid, "{\"via\": \"sms\", \"include_waitlist\": "
	    "true}");
	assert_string_not_equal(jstr(r, "batch"), batch);
	assert_int_equal(jint(r, "queued"), 3);
	u = json_object_get(r, "unreachable");
	assert_string_equal(reason_of(u, mail, "reason"), "no mobile number");
	assert_string_equal(reason_of(u, land, "reason"), "landline only");
	assert_string_equal(reason_of(u, nosms, "reason"),
	    "no consent to SMS");
	rows = batch_rows(st, jstr(r, "batch"));
	assert_string_equal(channels_of(rows, wait, buf, sizeof buf), "sms");
	assert_string_equal(channels_of(rows, both, buf, sizeof buf), "sms");
	json_decref(rows);
	json_decref(r);

	/* E-mail only. */
	r = remind_ok(st, sid, "{\"via\": \"email\"}");
	assert_int_equal(jint(r, "queued"), 2);
	assert_string_equal(reason_of(json_object_get(r, "unreachable"), sms,
	    "reason"), "no e-mail address");
	json_decref(r);
	json_decref(j);
}

static void
test_remind_message(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, p;
	json_t		*j, *rows, *r;
	size_t		 i;

	sid = mksession(st, DEC3, 6);
	p = mkperson(st, "Mobil", "\"phone\": \"20304050\", \"email\": "
	    "\"m@example.dk\"");
	reg_as(st, sid, p, "confirmed");
	j = remind_ok(st, sid, "{\"message\": \"Husk at tage "
	    "sundhedskortet med.\", \"via\": \"both\"}");
	assert_int_equal(jint(j, "queued"), 2);
	rows = batch_rows(st, jstr(j, "batch"));
	/* Not an empty list, over which the checks below would pass. */
	assert_int_equal(json_array_size(rows), 2);
	json_array_foreach(rows, i, r) {
		assert_string_equal(jstr(r, "kind"), "staff");
		assert_string_equal(jstr(json_object_get(r, "detail"),
		    "message"), "Husk at tage sundhedskortet med.");
	}
	json_decref(rows);
	json_decref(j);

	/* Nobody registered: an empty batch, not a refusal. */
	sid = mksession(st, "2026-12-10 10:00", 6);
	j = remind_ok(st, sid, "{}");
	assert_int_equal(jint(j, "queued"), 0);
	assert_int_equal(json_array_size(json_object_get(j, "unreachable")),
	    0);
	json_decref(j);
}

static void
test_remind_refusals(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, gone, p;
	char		 uri[64], *body, *msg;
	json_t		*j;
	int		 status, i;

	sid = mksession(st, DEC3, 6);
	p = mkperson(st, "Mobil", "\"phone\": \"20304050\"");
	reg_as(st, sid, p, "confirmed");

	j = remind(st, sid, "{\"via\": \"fax\"}", &status);
	assert_contains(jstr(j, "error"), "fax");
	refused(j, status, 422, "via");
	j = remind(st, sid, "{\"via\": 2}", &status);
	refused(j, status, 400, "via");
	j = remind(st, sid, "{\"to\": \"all\"}", &status);
	refused(j, status, 400, "to");
	j = remind(st, sid, "{\"message\": \"Mit CPR er 010203-1234\"}",
	    &status);
	refused(j, status, 422, "message");
	j = remind(st, sid, "{\"message\": \"  \"}", &status);
	refused(j, status, 422, "message");

	/* 1000 characters pass, 1001 do not; æ is one character. */
	msg = malloc(2 * 1001 + 1);
	assert_non_null(msg);
	memset(msg, 'a', 1000);
	msg[1000] = '\0';
	body = xprintf("{\"message\": \"%s\"}", msg);
	j = remind_ok(st, sid, body);
	json_decref(j);
	free(body);
	for (i = 0; i < 1001; i++)
		memcpy(msg + 2 * i, "\xc3\xa6", 2);
	msg[2 * 1001] = '\0';
	body = xprintf("{\"message\": \"%s\"}", msg);
	j = remind(st, sid, body, &status);
	assert_contains(jstr(j, "error"), "1001");
	refused(j, status, 422, "message");
	free(body);
	free(msg);

	j = remind(st, 999, "{}", &status);
	refused(j, status, 404, "session");

	gone = mksession(st, "2026-12-10 10:00", 6);
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/cancel", (long long)gone);
	json_decref(call_ok(st, "POST", uri, "{}", 200));
	j = remind(st, gone, "{}", &status);
	assert_contains(jstr(j, "error"), "cancelled");
	refused(j, status, 409, "session");

	/* Over: the clock after the session's end. */
	store_set_now(st, DEC3_T + 2 * 3600);
	j = remind(st, sid, "{}", &status);
	assert_contains(jstr(j, "error"), "ended");
	refused(j, status, 409, "session");
	/* Under way but not over: still allowed. */
	store_set_now(st, DEC3_T + 10 * 60);
	json_decref(remind_ok(st, sid, "{}"));
}

/* --- the outbox: list, show, retry, cancel */

static void
test_retry_cancel(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, p, land, id, call_id;
	char		 uri[96];
	json_t		*j, *r;
	int		 status;

	sid = mksession(st, DEC3, 6);
	p = mkperson(st, "Mobil", "\"phone\": \"20304050\"");
	land = mkperson(st, "Fastnet", "\"phone\": \"75620000\", "
	    "\"phone_type\": \"landline\"");
	reg_as(st, sid, p, "confirmed");
	reg_as(st, sid, land, "confirmed");
	j = remind_ok(st, sid, NULL);
	id = first_row(st, jstr(j, "batch"));
	json_decref(j);

	/* pending -> cancelled, with who did it */
	j = notice_post(st, id, "cancel", &status);
	assert_int_equal(status, 200);
	assert_string_equal(jstr(j, "state"), "cancelled");
	assert_string_equal(jstr(j, "last_error"), "cancelled by staff (test)");
	json_decref(j);
	j = notice_post(st, id, "cancel", &status);
	assert_contains(jstr(j, "error"), "cancelled");
	refused(j, status, 409, "notice");

	/* cancelled -> pending, now, the last error kept */
	store_set_now(st, NOW + 600);
	j = notice_post(st, id, "retry", &status);
	assert_int_equal(status, 200);
	assert_string_equal(jstr(j, "state"), "pending");
	assert_string_equal(jstr(j, "last_error"), "cancelled by staff (test)");
	assert_string_equal(jstr(j, "next_attempt"), "2026-09-01T00:10:00Z");
	json_decref(j);
	j = notice_post(st, id, "retry", &status);
	assert_contains(jstr(j, "error"), "pending");
	refused(j, status, 409, "notice");

	/* failed and skipped may be retried; sent and sending may not */
	assert_true(store_exec(st, NULL, "UPDATE outbox SET state = ?, "
	    "last_error = ? WHERE id = ?", "tti", "failed",
	    "550 no such user", id) == 1);
	j = notice_post(st, id, "cancel", &status);
	assert_contains(jstr(j, "error"), "failed");
	refused(j, status, 409, "notice");
	j = notice_post(st, id, "retry", &status);
	assert_int_equal(status, 200);
	assert_string_equal(jstr(j, "last_error"), "550 no such user");
	json_decref(j);
	assert_true(store_exec(st, NULL, "UPDATE outbox SET state = ? WHERE "
	    "id = ?", "ti", "skipped", id) == 1);
	json_decref(notice_post(st, id, "retry", &status));
	assert_int_equal(status, 200);
	assert_true(store_exec(st, NULL, "UPDATE outbox SET state = ? WHERE "
	    "id = ?", "ti", "sent", id) == 1);
	j = notice_post(st, id, "retry", &status);
	assert_contains(jstr(j, "error"), "sent");
	refused(j, status, 409, "notice");
	assert_true(store_exec(st, NULL, "UPDATE outbox SET state = ? WHERE "
	    "id = ?", "ti", "sending", id) == 1);
	j = notice_post(st, id, "cancel", &status);
	refused(j, status, 409, "notice");

	/* A call-list record is never sent. */
	call_id = store_int(st, 0, "SELECT id FROM outbox WHERE channel = "
	    "'call' AND participant_id = ?", "i", land);
	assert_true(call_id > 0);
	j = notice_post(st, call_id, "retry", &status);
	assert_contains(jstr(j, "error"), "call");
	refused(j, status, 409, "notice");

	j = notice_post(st, 9999, "retry", &status);
	refused(j, status, 404, "notice");
	j = notice_post(st, 9999, "cancel", &status);
	refused(j, status, 404, "notice");
	j = call(st, "POST", "/v1/outbox/abc/cancel", NULL, &status);
	refused(j, status, 404, "notice");

	/* show: everything of one row */
	snprintf(uri, sizeof uri, "/v1/outbox/%lld", (long long)id);
	r = call_ok(st, "GET", uri, NULL, 200);
	assert_int_equal(jint(r, "id"), id);
	assert_string_equal(jstr(r, "kind"), "reminder");
	assert_true(json_is_integer(json_object_get(r, "attempts")));
	json_decref(r);
	j = call(st, "GET", "/v1/outbox/9999", NULL, &status);
	assert_contains(jstr(j, "error"), "9999");
	refused(j, status, 404, "notice");
}

static void
test_outbox_filters(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, other, p, q;
	char		 uri[128];
	json_t		*j, *r;
	size_t		 i;
	int		 status;

	sid = mksession(st, DEC3, 6);
	other = mksession(st, "2026-12-10 10:00", 6);
	p = mkperson(st, "Mobil", "\"phone\": \"20304050\"");
	q = mkperson(st, "Mail", "\"email\": \"q@example.dk\"");
	reg_as(st, sid, p, "confirmed");
	reg_as(st, other, q, "confirmed");

	snprintf(uri, sizeof uri, "/v1/outbox?session=%lld&kind=confirmation",
	    (long long)sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "outbox")), 1);
	json_decref(j);
	snprintf(uri, sizeof uri, "/v1/outbox?participant=%lld",
	    (long long)q);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_true(json_array_size(json_object_get(j, "outbox")) >= 1);
	json_array_foreach(json_object_get(j, "outbox"), i, r)
		assert_int_equal(jint(r, "participant_id"), q);
	json_decref(j);
	j = call_ok(st, "GET", "/v1/outbox?state=pending&kind=change", NULL,
	    200);
	assert_int_equal(json_array_size(json_object_get(j, "outbox")), 0);
	json_decref(j);

	j = call(st, "GET", "/v1/outbox?state=lost", NULL, &status);
	assert_contains(jstr(j, "error"), "lost");
	assert_contains(jstr(j, "error"), "pending");
	refused(j, status, 422, "state");
	j = call(st, "GET", "/v1/outbox?kind=sms", NULL, &status);
	assert_contains(jstr(j, "error"), "reminder");
	refused(j, status, 422, "kind");
	j = call(st, "GET", "/v1/outbox?session=x", NULL, &status);
	refused(j, status, 422, "session");
	j = call(st, "GET", "/v1/outbox?participant=0", NULL, &status);
	refused(j, status, 422, "participant");
	j = call(st, "GET", "/v1/outbox?who=me", NULL, &status);
	refused(j, status, 400, "who");
}

/* --- the call list */

static void
test_calllist(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, land, none, noboth, wland, ok, gone, mail;
	char		 uri[64];
	json_t		*j, *list;
	int		 status;

	sid = mksession(st, DEC3, 4);
	land = mkperson(st, "Bent Fastnet", "\"phone\": \"75620000\", "
	    "\"phone_type\": \"landline\"");
	none = mkperson(st, "\\u00c5se Ingen", "\"no_contact\": true");
	noboth = mkperson(st, "Carl Nej", "\"phone\": \"20304050\", "
	    "\"email\": \"c@example.dk\", \"no_sms\": true, "
	    "\"no_email\": true");
	ok = mkperson(st, "Dorte Mobil", "\"phone\": \"20304051\"");
	mail = mkperson(st, "Anna Mail", "\"email\": \"anna@example.dk\"");
	gone = mkperson(st, "Erik Afmeldt", "\"phone\": \"75620001\", "
	    "\"phone_type\": \"landline\"");
	wland = mkperson(st, "Finn Venter", "\"phone\": \"75620002\", "
	    "\"phone_type\": \"landline\"");
	reg_as(st, sid, land, "confirmed");
	reg_as(st, sid, none, "confirmed");
	reg_as(st, sid, noboth, "confirmed");
	reg_as(st, sid, ok, "confirmed");
	reg_as(st, sid, gone, "waitlisted");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations/%lld",
	    (long long)sid, (long long)gone);
	json_decref(call_ok(st, "DELETE", uri, NULL, 200));
	reg_as(st, sid, wland, "waitlisted");
	reg_as(st, sid, mail, "waitlisted");
	/* Dorte's SMS failed, twice with the same words; Anna's mail too. */
	assert_true(store_exec(st, NULL, "UPDATE outbox SET state = 'failed', "
	    "last_error = '500 unknown number' WHERE participant_id = ? AND "
	    "channel = 'sms'", "i", ok) >= 1);
	assert_true(store_exec(st, NULL, "UPDATE outbox SET state = 'failed', "
	    "last_error = '550 mailbox unavailable' WHERE participant_id = ?",
	    "i", mail) >= 1);

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/calllist", (long long)sid);
	j = call_ok(st, "GET", uri, NULL, 200);
	list = json_object_get(j, "calllist");
	assert_int_equal(jint(json_object_get(j, "session"), "id"), sid);
	assert_int_equal(json_array_size(list), 6);
	/* sorted by name (Å after the others in NOCASE byte order) */
	assert_string_equal(jstr(json_array_get(list, 0), "name"),
	    "Anna Mail");
	assert_string_equal(jstr(json_array_get(list, 1), "name"),
	    "Bent Fastnet");
	assert_string_equal(jstr(json_array_get(list, 2), "name"), "Carl Nej");
	assert_string_equal(jstr(json_array_get(list, 3), "name"),
	    "Dorte Mobil");
	assert_string_equal(jstr(json_array_get(list, 4), "name"),
	    "Finn Venter");
	assert_string_equal(reason_of(list, land, "reasons"), "landline only");
	assert_string_equal(reason_of(list, none, "reasons"),
	    "no contact details");
	assert_string_equal(reason_of(list, noboth, "reasons"),
	    "no consent to SMS or e-mail");
	assert_string_equal(reason_of(list, ok, "reasons"),
	    "SMS failed: 500 unknown number");
	assert_string_equal(reason_of(list, mail, "reasons"),
	    "e-mail failed: 550 mailbox unavailable");
	assert_string_equal(reason_of(list, wland, "reasons"),
	    "landline only");
	assert_null(reason_of(list, gone, "reasons"));
	assert_string_equal(jstr(json_array_get(list, 4), "status"),
	    "waitlisted");
	assert_string_equal(jstr(json_array_get(list, 1), "phone_type"),
	    "landline");
	assert_string_equal(jstr(json_array_get(list, 1), "phone"),
	    "+4575620000");
	json_decref(j);

	/* A person both unreachable and failed: the reasons joined. */
	assert_true(store_exec(st, NULL, "UPDATE outbox SET state = 'failed', "
	    "channel = 'sms', last_error = 'gateway said no' WHERE "
	    "participant_id = ? AND channel = 'call'", "i", land) >= 1);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_string_equal(reason_of(json_object_get(j, "calllist"), land,
	    "reasons"), "landline only; SMS failed: gateway said no");
	json_decref(j);

	j = call(st, "GET", "/v1/sessions/999/calllist", NULL, &status);
	refused(j, status, 404, "session");
}

/* --- templates */

static void
test_templates(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	json_t		*j, *list;
	int		 status;

	j = call_ok(st, "GET", "/v1/courses/mitid/templates", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "templates")), 0);
	json_decref(j);

	j = call_ok(st, "PUT", "/v1/courses/mitid/templates/reminder/sms",
	    "{\"body\": \"Hej {first_name}! Husk {course} {date} i "
	    "{venue}.\"}", 201);
	assert_string_equal(jstr(j, "kind"), "reminder");
	assert_string_equal(jstr(j, "channel"), "sms");
	assert_string_equal(jstr(j, "language"), "da");
	assert_contains(jstr(json_object_get(j, "sample"), "body"),
	    "torsdag den 3. december kl. 10.00");
	json_decref(j);
	/* Again: replaced, 200. */
	json_decref(call_ok(st, "PUT", "/v1/courses/mitid/templates/reminder/"
	    "sms", "{\"body\": \"Husk {course} {date}, {venue}.\"}", 200));
	json_decref(call_ok(st, "PUT", "/v1/courses/mitid/templates/change/"
	    "email?language=en", "{\"subject\": \"Moved: {course}\", "
	    "\"body\": \"Dear {name},\\n{course} is now {date}.\"}", 201));
	j = call_ok(st, "GET", "/v1/courses/mitid/templates", NULL, 200);
	list = json_object_get(j, "templates");
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(jstr(json_array_get(list, 0), "kind"), "moved");
	assert_string_equal(jstr(json_array_get(list, 0), "language"), "en");
	assert_string_equal(jstr(json_array_get(list, 0), "subject"),
	    "Moved: {course}");
	assert_string_equal(jstr(json_array_get(list, 1), "body"),
	    "Husk {course} {date}, {venue}.");
	json_decref(j);

	/* An unknown placeholder is refused with its line and column. */
	j = call(st, "PUT", "/v1/courses/mitid/templates/reminder/email",
	    "{\"body\": \"Kære {name}\\nHusk {kursus} den {date}.\"}",
	    &status);
	assert_contains(jstr(j, "error"), "{kursus}");
	assert_contains(jstr(j, "error"), "line 2, column 6");
	refused(j, status, 422, "body");
	j = call(st, "PUT", "/v1/courses/mitid/templates/reminder/email",
	    "{\"subject\": \"Husk {dato\", \"body\": \"{course}\"}", &status);
	assert_contains(jstr(j, "error"), "line 1, column 6");
	refused(j, status, 422, "subject");
	j = call(st, "PUT", "/v1/courses/mitid/templates/reminder/sms",
	    "{\"subject\": \"x\", \"body\": \"{course}\"}", &status);
	refused(j, status, 422, "subject");
	j = call(st, "PUT", "/v1/courses/mitid/templates/reminder/sms",
	    "{\"subject\": null}", &status);
	refused(j, status, 422, "body");
	j = call(st, "PUT", "/v1/courses/mitid/templates/reminder/sms",
	    "{\"body\": \"CPR 010203-1234\"}", &status);
	refused(j, status, 422, "body");
	j = call(st, "PUT", "/v1/courses/mitid/templates/reminder/sms?"
	    "language=fr", "{\"body\": \"{course}\"}", &status);
	refused(j, status, 422, "language");
	j = call(st, "PUT", "/v1/courses/mitid/templates/hello/sms",
	    "{\"body\": \"{course}\"}", &status);
	refused(j, status, 404, "kind");
	j = call(st, "PUT", "/v1/courses/mitid/templates/reminder/fax",
	    "{\"body\": \"{course}\"}", &status);
	refused(j, status, 404, "channel");
	j = call(st, "PUT", "/v1/courses/nope/templates/reminder/sms",
	    "{\"body\": \"{course}\"}", &status);
	refused(j, status, 404, "course");
	j = call(st, "PUT", "/v1/courses/mitid/templates/reminder/sms",
	    "{\"body\": \"{course}\", \"x\": 1}", &status);
	refused(j, status, 400, "x");

	/* Unset: the built-in text again; twice is 404. */
	j = call_ok(st, "DELETE", "/v1/courses/mitid/templates/reminder/sms",
	    NULL, 200);
	assert_string_equal(jstr(json_object_get(j, "deleted"), "kind"),
	    "reminder");
	json_decref(j);
	j = call(st, "DELETE", "/v1/courses/mitid/templates/reminder/sms",
	    NULL, &status);
	refused(j, status, 404, "kind");
	j = call(st, "DELETE", "/v1/courses/mitid/templates/change/email",
	    NULL, &status);
	refused(j, status, 404, "kind");
	json_decref(call_ok(st, "DELETE", "/v1/courses/mitid/templates/"
	    "change/email?language=en", NULL, 200));
}

/* --- reminder rules on the course type */

static void
test_course_reminders(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	json_t		*j;
	int		 status;

	j = call_ok(st, "GET", "/v1/courses/mitid", NULL, 200);
	assert_true(json_is_null(json_object_get(j, "reminders")));
	json_decref(j);
	j = call_ok(st, "PATCH", "/v1/courses/mitid", "{\"reminders\": "
	    "\"email:2d,sms:1d@10:00\"}", 200);
	assert_string_equal(jstr(j, "reminders"), "email:2d,sms:1d@10:00");
	json_decref(j);
	j = call_ok(st, "PATCH", "/v1/courses/mitid", "{\"reminders\": "
	    "\"none\"}", 200);
	assert_string_equal(jstr(j, "reminders"), "");
	json_decref(j);
	j = call_ok(st, "PATCH", "/v1/courses/mitid", "{\"reminders\": null}",
	    200);
	assert_true(json_is_null(json_object_get(j, "reminders")));
	json_decref(j);

	j = call(st, "PATCH", "/v1/courses/mitid", "{\"reminders\": "
	    "\"sms:1x\"}", &status);
	assert_contains(jstr(j, "error"), "sms:1x");
	refused(j, status, 422, "reminders");
	j = call(st, "POST", "/v1/courses", "{\"slug\": \"post\", \"title\": "
	    "\"Digital Post\", \"duration\": 60, \"reminders\": \"fax:2d\"}",
	    &status);
	refused(j, status, 422, "reminders");
	j = call_ok(st, "POST", "/v1/courses", "{\"slug\": \"post\", "
	    "\"title\": \"Digital Post\", \"duration\": 60, \"reminders\": "
	    "\"sms:3h\"}", 201);
	assert_string_equal(jstr(j, "reminders"), "sms:3h");
	json_decref(j);
}

/* --- preview */

static void
test_preview(void **state)
{
	struct fx	*fx = *state;
	struct store	*st = fx->st;
	int64_t		 sid, p, land;
	char		 uri[160];
	json_t		*j;
	int		 status;

	sid = mksession(st, DEC3, 6);
	p = mkperson(st, "J\\u00f8rgen Smidstrup", "\"phone\": \"20304050\", "
	    "\"email\": \"jorgen@example.dk\"");
	land = mkperson(st, "Fastnet", "\"phone\": \"75620000\", "
	    "\"phone_type\": \"landline\"");
	reg_as(st, sid, p, "confirmed");

	/* Default: a reminder by SMS to someone with a mobile. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld",
	    (long long)sid, (long long)p);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_string_equal(jstr(j, "channel"), "sms");
	assert_string_equal(jstr(j, "kind"), "reminder");
	assert_string_equal(jstr(j, "recipient"), "+4520304050");
	assert_true(json_is_true(json_object_get(j, "reachable")));
	assert_contains(jstr(j, "body"), "3. december kl. 10.00");
	assert_true(json_is_null(json_object_get(j, "subject")) ||
	    json_object_get(j, "subject") == NULL);
	assert_int_equal(jint(j, "segments"), 1);
	assert_true(json_is_false(json_object_get(j, "ucs2")));
	assert_true(jint(j, "units") > 20 && jint(j, "units") <= 160);
	json_decref(j);

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld"
	    "&via=email&kind=confirmation", (long long)sid, (long long)p);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_string_equal(jstr(j, "channel"), "email");
	assert_string_equal(jstr(j, "recipient"), "jorgen@example.dk");
	assert_true(json_is_string(json_object_get(j, "subject")));
	assert_contains(jstr(j, "body"), "torsdag den 3. december kl. 10.00");
	assert_string_equal(jstr(j, "calendar_method"), "REQUEST");
	assert_contains(jstr(j, "calendar"), "BEGIN:VCALENDAR");
	assert_true(json_is_null(json_object_get(j, "segments")));
	json_decref(j);

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld"
	    "&via=email&kind=cancellation", (long long)sid, (long long)p);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_string_equal(jstr(j, "kind"), "cancelled");
	assert_string_equal(jstr(j, "calendar_method"), "CANCEL");
	json_decref(j);

	/* A course type's own text shows in the preview. */
	json_decref(call_ok(st, "PUT", "/v1/courses/mitid/templates/reminder/"
	    "sms", "{\"body\": \"Hej {first_name}: {course} {date}, "
	    "{venue}.\"}", 201));
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld"
	    "&kind=reminder&via=sms", (long long)sid, (long long)p);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_contains(jstr(j, "body"), "Hej J\xc3\xb8rgen:");
	json_decref(j);

	/* Staff's message. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld"
	    "&kind=staff&message=Lokalet%%20er%%20flyttet", (long long)sid,
	    (long long)p);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_contains(jstr(j, "body"), "Lokalet er flyttet");
	json_decref(j);

	/* Landline only: the text anyway, to read out, and why not sent. */
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld",
	    (long long)sid, (long long)land);
	j = call_ok(st, "GET", uri, NULL, 200);
	assert_string_equal(jstr(j, "channel"), "email");
	assert_true(json_is_false(json_object_get(j, "reachable")));
	assert_string_equal(jstr(j, "reason"), "no e-mail address");
	assert_true(json_is_null(json_object_get(j, "recipient")) ||
	    json_object_get(j, "recipient") == NULL);
	json_decref(j);

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview", (long long)sid);
	j = call(st, "GET", uri, NULL, &status);
	refused(j, status, 422, "participant");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld"
	    "&kind=birthday", (long long)sid, (long long)p);
	j = call(st, "GET", uri, NULL, &status);
	assert_contains(jstr(j, "error"), "birthday");
	refused(j, status, 422, "kind");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld"
	    "&via=fax", (long long)sid, (long long)p);
	j = call(st, "GET", uri, NULL, &status);
	refused(j, status, 422, "via");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=999",
	    (long long)sid);
	j = call(st, "GET", uri, NULL, &status);
	refused(j, status, 404, "participant");
	snprintf(uri, sizeof uri, "/v1/sessions/%lld/preview?participant=%lld"
	    "&lang=en", (long long)sid, (long long)p);
	j = call(st, "GET", uri, NULL, &status);
	refused(j, status, 400, "lang");
	j = call(st, "GET", "/v1/sessions/999/preview?participant=1", NULL,
	    &status);
	refused(j, status, 404, "session");
}

/* The date of an instant in the venue's zone, as a notice gives it. */
static void
assert_local(time_t t, const char *tzid, const char *lang, const char *want)
{
	struct notice	 n;
	char		*got;

	memset(&n, 0, sizeof n);
	n.start = n.end = t;
	message_notice_times(&n, tzid);
	got = words_date(&n.start_at, lang != NULL && strcmp(lang, "en") == 0 ?
	    WORDS_EN : 0);
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/*
 * The notifier knows no zones: the daemon works out the wall-clock times.
 * 10:00 stays "kl. 10.00" on both sides of both 2026 changes in
 * Copenhagen, the skipped and repeated hours fall where they do, local
 * midnight is a new day and year, and an unknown zone gives no time.
 */
static void
test_local_times(void **state)
{
	const char	*cph = "Europe/Copenhagen";

	(void)state;
	/* Spring: 29 March, 02:00 CET becomes 03:00 CEST. */
	assert_local(utc(2026, 3, 28, 9, 0, 0), cph, "da",
	    "lørdag den 28. marts kl. 10.00");
	assert_local(utc(2026, 3, 29, 8, 0, 0), cph, "da",
	    "søndag den 29. marts kl. 10.00");
	assert_local(utc(2026, 3, 30, 8, 0, 0), cph, "da",
	    "mandag den 30. marts kl. 10.00");
	assert_local(utc(2026, 3, 29, 0, 59, 0), cph, "da",
	    "søndag den 29. marts kl. 01.59");
	assert_local(utc(2026, 3, 29, 1, 0, 0), cph, "da",
	    "søndag den 29. marts kl. 03.00");
	/* Autumn: 25 October, 03:00 CEST becomes 02:00 CET. */
	assert_local(utc(2026, 10, 24, 8, 0, 0), cph, "da",
	    "lørdag den 24. oktober kl. 10.00");
	assert_local(utc(2026, 10, 25, 9, 0, 0), cph, "da",
	    "søndag den 25. oktober kl. 10.00");
	assert_local(utc(2026, 10, 26, 9, 0, 0), cph, "en",
	    "Monday 26 October at 10:00");
	/* Local midnight is a new day and a new year. */
	assert_local(utc(2026, 12, 31, 23, 30, 0), cph, "da",
	    "fredag den 1. januar kl. 00.30");
	assert_local(utc(2026, 12, 31, 23, 30, 0), cph, "en",
	    "Friday 1 January at 00:30");
	assert_local(utc(2026, 12, 3, 9, 0, 0), "Europe/Atlantis", "da",
	    NULL);
	assert_local(utc(2026, 12, 3, 9, 0, 0), NULL, "da", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_times),
#define T(f)	cmocka_unit_test_setup_teardown(f, api_setup, api_teardown)
		T(test_remind_channels),
		T(test_remind_message),
		T(test_remind_refusals),
		T(test_retry_cancel),
		T(test_outbox_filters),
		T(test_calllist),
		T(test_templates),
		T(test_course_reminders),
		T(test_preview),
#undef T
	};
	int	 rc;

	log_init("test_notices", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("notices", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
