/*
 * Registrations: the seat rules. Confirmed while seats remain (a companion
 * takes a second), else waitlisted at the end of the queue; cancelling a
 * confirmed seat promotes the head of the queue for as long as it fits.
 * Every registration takes the next running number ("kursist nr.").
 *
 * The queue column orders a session's registrations: new ones go last,
 * people moved off their seat by a capacity cut go first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"
#include "citizen.h"

static const char *sql_reg_json = "SELECT j FROM registration_json "
    "WHERE id = ?";

json_t *
registration_json(struct store *st, int64_t id)
{
	return (store_json(st, sql_reg_json, "i", id));
}

int64_t
registration_taken(struct store *st, int64_t session_id)
{
	static const char *sql = "SELECT coalesce(sum(1 + companion), 0) FROM "
	    "registration WHERE session_id = ? AND status = 'confirmed'";

	return (store_int(st, 0, sql, "i", session_id));
}

int
registration_promote(struct store *st, int64_t session_id, json_t *promoted,
    struct fail *f)
{
	static const char *sql_head = "SELECT id, companion FROM registration "
	    "WHERE session_id = ? AND status = 'waitlisted' ORDER BY queue, id "
	    "LIMIT 1";
	static const char *sql_up = "UPDATE registration SET status = "
	    "'confirmed', version = version + 1, updated_at = ? WHERE id = ?";
	struct session_row	 s;
	sqlite3_stmt		*stmt;
	int64_t			 rid, companion;

	/* Nobody moves up into a session that is over or called off. */
	if (session_load(st, session_id, &s, NULL) != 0 ||
	    strcmp(s.status, "scheduled") != 0 || s.start <= store_now(st))
		return (0);
	for (;;) {
		stmt = store_stmt(st, sql_head);
		sqlite3_bind_int64(stmt, 1, session_id);
		if (sqlite3_step(stmt) != SQLITE_ROW) {
			sqlite3_reset(stmt);
			return (0);
		}
		rid = sqlite3_column_int64(stmt, 0);
		companion = sqlite3_column_int64(stmt, 1);
		sqlite3_reset(stmt);
		if (registration_taken(st, session_id) + 1 + companion >
		    s.capacity)
			return (0);
		if (store_exec(st, f, sql_up, "ii", (int64_t)store_now(st),
		    rid) < 0)
			return (-1);
		if (outbox_notify(st, KIND_PROMOTED, rid, NULL, f) != 0)
			return (-1);
		metrics_count(METRICS_REG_PROMOTED, 1);
		if (promoted != NULL)
			json_array_append_new(promoted,
			    registration_json(st, rid));
	}
}

/* A new cancel token, hashed and sealed (cancel.c answers its link). */
int
registration_token(struct store *st, int64_t rid, struct fail *f)
{
	static const char *sql = "UPDATE registration SET cancel_token_hash "
	    "= ?, cancel_token_sealed = ? WHERE id = ?";
	char	*hash, *sealed, *token;
	int	 rc;

	token = token_new(&hash, &sealed);
	explicit_bzero(token, strlen(token));
	free(token);
	rc = store_exec(st, f, sql, "tti", hash, sealed, rid) < 0 ? -1 : 0;
	free(hash);
	free(sealed);
	return (rc);
}

static const struct field create_fields[] = {
	{ "participant", FT_ANY }, { "companion", FT_BOOL },
};

int
registration_create(struct api_req *req)
{
	static const char *sql_person = "SELECT id FROM participant WHERE "
	    "id = ? AND anonymised_at IS NULL";
	static const char *sql_live = "SELECT id FROM registration WHERE "
	    "session_id = ? AND participant_id = ? AND status != 'cancelled'";
	static const char *sql_waiting = "SELECT count(*) FROM registration "
	    "WHERE session_id = ? AND status = 'waitlisted'";
	static const char *sql_queue = "SELECT coalesce(max(queue), 0) + 1 "
	    "FROM registration WHERE session_id = ?";
	static const char *sql_next = "SELECT CAST(value AS INTEGER) FROM "
	    "settings WHERE key = 'next_number'";
	static const char *sql_bump = "UPDATE settings SET value = ? WHERE "
	    "key = 'next_number'";
	static const char *sql_insert = "INSERT INTO registration (session_id, "
	    "participant_id, number, status, queue, companion, created_at, "
	    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	json_t			*who;
	int64_t			 sid, pid, number, rid, companion, queue;
	time_t			 now = store_now(st);
	char			*when;
	const char		*state;

	if (param_id(req, 0, "session", &sid) != 0 ||
	    param_check_fields(req->body, create_fields, sizeof create_fields /
	    sizeof create_fields[0], f) != 0 ||
	    session_load(st, sid, &s, f) != 0)
		return (-1);
	if (strcmp(s.status, "scheduled") != 0)
		return (fail_set(f, 409, "session", "session %lld is %s; no "
		    "registrations are taken", (long long)sid, s.status));
	if (s.start <= now) {
		when = zone_format_local(store_default_timezone(st), s.start);
		fail_set(f, 409, "session", "session %lld started at %s; no "
		    "registrations are taken after the start", (long long)sid,
		    when);
		free(when);
		return (-1);
	}

	who = json_object_get(req->body, "participant");
	if (who == NULL || json_is_null(who))
		return (fail_set(f, 422, "participant", "participant is "
		    "required: an id, or an object with name and phone, e-mail "
		    "or no_contact"));
	if (json_is_integer(who)) {
		pid = json_integer_value(who);
		if (store_int(st, 0, sql_person, "i", pid) == 0)
			return (fail_set(f, 404, "participant", "no participant "
			    "with id %lld", (long long)pid));
	} else if (json_is_object(who)) {
		if (resource_participant_create(st, who, &pid, f) != 0)
			return (-1);
	} else
		return (fail_set(f, 400, "participant", "participant must be an "
		    "id or an object"));

	if ((rid = store_int(st, 0, sql_live, "ii", sid, pid)) != 0) {
		json_t	*r = registration_json(st, rid);

		fail_set(f, 409, "participant", "%s (participant %lld) is "
		    "already registered for session %lld (%s)",
		    json_string_value(json_object_get(r, "participant_name")),
		    (long long)pid, (long long)sid,
		    json_string_value(json_object_get(r, "status")));
		json_decref(r);
		return (-1);
	}

	companion = json_is_true(json_object_get(req->body, "companion"));
	if (1 + companion > s.capacity)
		return (fail_set(f, 409, "companion", "session %lld has %lld "
		    "seat%s in all; there is no room for a companion",
		    (long long)sid, (long long)s.capacity,
		    s.capacity == 1 ? "" : "s"));
	/* Nobody jumps the queue: with people waiting, newcomers wait too. */
	if (store_int(st, 0, sql_waiting, "i", sid) == 0 &&
	    registration_taken(st, sid) + 1 + companion <= s.capacity)
		state = "confirmed";
	else
		state = "waitlisted";
	number = store_int(st, 1, sql_next, NULL);
	queue = store_int(st, 1, sql_queue, "i", sid);
	if (store_exec(st, f, sql_bump, "i", number + 1) < 0 ||
	    store_exec(st, f, sql_insert, "iiitiii", sid, pid, number, state,
	    queue, companion, (int64_t)now) < 0)
		return (-1);
	rid = sqlite3_last_insert_rowid(store_db(st));
	if (registration_token(st, rid, f) != 0)
		return (-1);
	if (outbox_notify(st, strcmp(state, "confirmed") == 0 ?
	    KIND_CONFIRMATION : KIND_WAITLISTED, rid, NULL, f) != 0)
		return (-1);
	metrics_count(METRICS_REG_MADE, 1);
	req->out = registration_json(st, rid);
	req->status = 201;
	return (0);
}

/*
 * Cancels one live registration, then fills from the waitlist: a seat may
 * have come free, or the one leaving was the head of the queue that did
 * not fit and held back those behind. via says who ended it ("staff",
 * "link", "sms"); the person is told: withdrawn by staff, else the
 * confirmation of their own cancelling.
 */
int
registration_drop(struct store *st, int64_t rid, const char *via,
    json_t *promoted, struct fail *f)
{
	static const char *sql_info = "SELECT session_id FROM registration "
	    "WHERE id = ?";
	static const char *sql_cancel = "UPDATE registration SET status = "
	    "'cancelled', version = version + 1, updated_at = ?1, "
	    "cancelled_at = ?1, cancelled_via = ?2 WHERE id = ?3";
	int		 kind = strcmp(via, "staff") == 0 ? KIND_WITHDRAWN :
			    KIND_UNREGISTERED;
	sqlite3_stmt	*stmt = store_stmt(st, sql_info);
	int64_t		 sid;

	sqlite3_bind_int64(stmt, 1, rid);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return (fail_set(f, 404, "registration", "no registration %lld",
		    (long long)rid));
	}
	sid = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (store_exec(st, f, sql_cancel, "iti", (int64_t)store_now(st), via,
	    rid) < 0 || outbox_notify(st, kind, rid, NULL, f) != 0)
		return (-1);
	metrics_count(METRICS_REG_CANCELLED, 1);
	return (registration_promote(st, sid, promoted, f));
}

int
registration_cancel(struct api_req *req)
{
	static const char *sql_live = "SELECT id FROM registration WHERE "
	    "session_id = ? AND participant_id = ? AND status != 'cancelled'";
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	int64_t			 sid, pid, rid;
	json_t			*promoted;

	if (param_id(req, 0, "session", &sid) != 0 ||
	    param_id(req, 1, "participant", &pid) != 0 ||
	    param_check_fields(req->body, NULL, 0, f) != 0 ||
	    session_load(st, sid, &s, f) != 0)
		return (-1);
	if ((rid = store_int(st, 0, sql_live, "ii", sid, pid)) == 0)
		return (fail_set(f, 404, "participant", "participant %lld is not "
		    "registered for session %lld", (long long)pid,
		    (long long)sid));
	if (s.start <= store_now(st) && strcmp(s.status, "scheduled") == 0)
		return (fail_set(f, 409, "session", "session %lld has started; "
		    "record attendance instead of cancelling", (long long)sid));
	promoted = json_array();
	if (registration_drop(st, rid, "staff", promoted, f) != 0) {
		json_decref(promoted);
		return (-1);
	}
	req->out = json_pack("{s:o, s:o}", "cancelled",
	    registration_json(st, rid), "promoted", promoted);
	return (0);
}

int
registration_cancel_participant(struct store *st, int64_t pid,
    struct fail *f)
{
	static const char *sql = "SELECT json_group_array(r.id) FROM "
	    "registration r JOIN session s ON s.id = r.session_id WHERE "
	    "r.participant_id = ? AND r.status != 'cancelled' AND "
	    "s.status = 'scheduled' AND s.start_at > ?";
	json_t	*ids, *v;
	size_t	 i;
	int	 rc = 0;

	ids = store_json(st, sql, "ii", pid, (int64_t)store_now(st));
	json_array_foreach(ids, i, v) {
		if ((rc = registration_drop(st, json_integer_value(v), "staff",
		    NULL, f)) != 0)
			break;
	}
	json_decref(ids);
	return (rc);
}

int
registration_list(struct api_req *req)
{
	static const char *sql = "SELECT j FROM registration_json WHERE "
	    "session_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY id";
	struct session_row	 s;
	int64_t			 sid;
	const char		*want;

	if (param_id(req, 0, "session", &sid) != 0 ||
	    session_load(req->store, sid, &s, &req->fail) != 0)
		return (-1);
	want = json_string_value(json_object_get(req->query, "status"));
	if (want != NULL && strcmp(want, "confirmed") != 0 &&
	    strcmp(want, "waitlisted") != 0 && strcmp(want, "cancelled") != 0)
		return (fail_set(&req->fail, 422, "status", "status \"%s\" is "
		    "not confirmed, waitlisted or cancelled", want));
	req->out = json_pack("{s:o}", "registrations",
	    store_json_array(req->store, sql, "it", sid, want));
	return (0);
}

int
registration_waitlist(struct api_req *req)
{
	static const char *sql = "SELECT j FROM registration_json WHERE "
	    "session_id = ? AND status = 'waitlisted' ORDER BY queue, id";
	struct session_row	 s;
	int64_t			 sid;

	if (param_id(req, 0, "session", &sid) != 0 ||
	    session_load(req->store, sid, &s, &req->fail) != 0)
		return (-1);
	req->out = json_pack("{s:o}", "registrations",
	    store_json_array(req->store, sql, "i", sid));
	return (0);
}

static const struct field attendance_fields[] = {
	{ "present", FT_ARRAY }, { "absent", FT_ARRAY },
};

int
registration_attendance(struct api_req *req)
{
	static const char *sql_reg = "SELECT id FROM registration WHERE "
	    "session_id = ? AND participant_id = ? AND status = 'confirmed'";
	static const char *sql_set = "UPDATE registration SET attendance = ?, "
	    "updated_at = ? WHERE id = ?";
	static const char *sql_list = "SELECT j FROM registration_json WHERE "
	    "session_id = ? AND status = 'confirmed' ORDER BY queue, id";
	static const char *names[] = { "present", "absent" };
	static const char *values[] = { "attended", "no-show" };
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	int64_t			 sid, pid, rid;
	json_t			*list, *v, *seen;
	size_t			 k, i;

	if (param_id(req, 0, "session", &sid) != 0 ||
	    param_check_fields(req->body, attendance_fields, 2, f) != 0 ||
	    session_load(st, sid, &s, f) != 0)
		return (-1);
	if (strcmp(s.status, "cancelled") == 0)
		return (fail_set(f, 409, "session", "session %lld was cancelled",
		    (long long)sid));
	if (s.start > store_now(st))
		return (fail_set(f, 409, "session", "session %lld has not "
		    "started yet; attendance is recorded afterwards",
		    (long long)sid));
	seen = json_object();
	for (k = 0; k < 2; k++) {
		list = json_object_get(req->body, names[k]);
		json_array_foreach(list, i, v) {
			char key[32];

			if (!json_is_integer(v)) {
				json_decref(seen);
				return (fail_set(f, 400, names[k], "%s must be "
				    "an array of participant ids", names[k]));
			}
			pid = json_integer_value(v);
			snprintf(key, sizeof key, "%lld", (long long)pid);
			if (json_object_get(seen, key) != NULL) {
				json_decref(seen);
				return (fail_set(f, 422, names[k], "participant "
				    "%lld is named twice", (long long)pid));
			}
			json_object_set_new(seen, key, json_true());
			if ((rid = store_int(st, 0, sql_reg, "ii", sid,
			    pid)) == 0) {
				json_decref(seen);
				return (fail_set(f, 422, names[k], "participant "
				    "%lld has no confirmed seat in session %lld",
				    (long long)pid, (long long)sid));
			}
			if (store_exec(st, f, sql_set, "tii", values[k],
			    (int64_t)store_now(st), rid) < 0) {
				json_decref(seen);
				return (-1);
			}
		}
	}
	json_decref(seen);
	req->out = json_pack("{s:o}", "registrations",
	    store_json_array(st, sql_list, "i", sid));
	return (0);
}

static const char *sql_settings = "SELECT json_object("
    "'number_start', (SELECT CAST(value AS INTEGER) FROM settings WHERE "
    "key = 'number_start'), 'next_number', (SELECT CAST(value AS INTEGER) "
    "FROM settings WHERE key = 'next_number'))";

int
registration_settings_show(struct api_req *req)
{
	req->out = store_json(req->store, sql_settings, NULL);
	return (0);
}

static const struct field settings_fields[] = {
	{ "number_start", FT_INT }, { "next_number", FT_INT },
};

int
registration_settings_edit(struct api_req *req)
{
	static const char *sql_max = "SELECT max(number) FROM registration";
	static const char *sql_set = "UPDATE settings SET value = ?1 WHERE "
	    "key IN ('number_start', 'next_number')";
	struct fail	*f = &req->fail;
	json_t		*v;
	int64_t		 start, max;
	char		 buf[32];

	if (param_check_fields(req->body, settings_fields, 2, f) != 0)
		return (-1);
	if (param_has(req->body, "next_number"))
		return (fail_set(f, 400, "next_number", "next_number is "
		    "read-only; set number_start"));
	if ((v = json_object_get(req->body, "number_start")) != NULL &&
	    !json_is_null(v)) {
		start = json_integer_value(v);
		if (start < 1 || start > 1000000000)
			return (fail_set(f, 422, "number_start", "number_start "
			    "%lld is out of range (1 to 1000000000)",
			    (long long)start));
		max = store_int(req->store, 0, sql_max, NULL);
		if (max != 0 && start <= max)
			return (fail_set(f, 409, "number_start", "number %lld "
			    "has already been given; number_start must be "
			    "above it", (long long)max));
		snprintf(buf, sizeof buf, "%lld", (long long)start);
		if (store_exec(req->store, f, sql_set, "t", buf) < 0)
			return (-1);
	}
	req->out = store_json(req->store, sql_settings, NULL);
	return (0);
}
