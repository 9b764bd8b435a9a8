/*
 * The helpers the unit tests of the registration rules share
 * (rulestest.h).
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

/* A participant reachable by SMS, named for the test. */
int64_t
mkmobile(struct store *st, const char *name, int n)
{
	char	 extra[64];

	snprintf(extra, sizeof extra, "\"phone\": \"2030%04d\"", n);
	return (mkperson(st, name, extra));
}

json_t *
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
json_int_t
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

json_t *
unreg(struct store *st, int64_t sid, int64_t pid, int *status)
{
	char	 uri[96];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld/registrations/%lld",
	    (long long)sid, (long long)pid);
	return (call(st, "DELETE", uri, NULL, status));
}

/* Cancels and checks who was promoted (pids in order, n of them). */
void
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

json_t *
session_get(struct store *st, int64_t sid)
{
	char	 uri[64];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld", (long long)sid);
	return (call_ok(st, "GET", uri, NULL, 200));
}

json_t *
session_patch(struct store *st, int64_t sid, const char *body, int *status)
{
	char	 uri[64];

	snprintf(uri, sizeof uri, "/v1/sessions/%lld", (long long)sid);
	return (call(st, "PATCH", uri, body, status));
}

/* Seats taken, confirmed and waitlisted counts as the session shows them. */
void
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
void
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
void
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
const char *
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

size_t
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
char *
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
void
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
