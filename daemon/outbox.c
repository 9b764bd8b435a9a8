/*
 * The outbox: every notice people must get is a row, written in the
 * transaction of the change that caused it. One row per channel the person
 * consented to; a person reachable by neither SMS nor e-mail gets a "call"
 * row, which puts them on the session's call list. The key makes a notice
 * unique (kind, registration, its status version, the session's sequence,
 * channel), so replaying a change never queues it twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kursusd.h"

static const char *outbox_kinds[] = {
	[OUTBOX_CONFIRMATION] = "confirmation",
	[OUTBOX_WAITLISTED] = "waitlisted",
	[OUTBOX_PROMOTED] = "promoted",
	[OUTBOX_DEMOTED] = "demoted",
	[OUTBOX_MOVED] = "moved",
	[OUTBOX_CANCELLED] = "cancelled",
};

int
outbox_notify(struct store *st, int kind, int64_t rid, json_t *detail,
    struct fail *f)
{
	static const char *sql_who = "SELECT p.id, p.phone, p.phone_type, "
	    "p.no_sms, p.email, p.no_email, p.language, r.session_id, "
	    "r.version, s.sequence FROM registration r JOIN participant p ON "
	    "p.id = r.participant_id JOIN session s ON s.id = r.session_id "
	    "WHERE r.id = ?";
	static const char *sql_add = "INSERT INTO outbox (key, kind, "
	    "channel, recipient, participant_id, session_id, registration_id, "
	    "sequence, language, detail, due_at, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11) "
	    "ON CONFLICT (key) DO NOTHING";
	sqlite3_stmt	*stmt = store_stmt(st, sql_who);
	const char	*channel[3], *recipient[3];
	char		*phone = NULL, *email = NULL, *lang, *key, *dj = NULL;
	int64_t		 pid, sid, version, sequence;
	size_t		 n = 0, i;
	int		 rc = 0;

	sqlite3_bind_int64(stmt, 1, rid);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return (fail_set(f, 500, NULL, "notice for unknown "
		    "registration %lld", (long long)rid));
	}
	pid = sqlite3_column_int64(stmt, 0);
	if (sqlite3_column_type(stmt, 1) != SQLITE_NULL &&
	    sqlite3_column_type(stmt, 2) != SQLITE_NULL &&
	    strcmp((const char *)sqlite3_column_text(stmt, 2), "mobile") == 0 &&
	    !sqlite3_column_int(stmt, 3))
		phone = xstrdup((const char *)sqlite3_column_text(stmt, 1));
	if (sqlite3_column_type(stmt, 4) != SQLITE_NULL &&
	    !sqlite3_column_int(stmt, 5))
		email = xstrdup((const char *)sqlite3_column_text(stmt, 4));
	lang = xstrdup((const char *)sqlite3_column_text(stmt, 6));
	sid = sqlite3_column_int64(stmt, 7);
	version = sqlite3_column_int64(stmt, 8);
	sequence = sqlite3_column_int64(stmt, 9);
	sqlite3_reset(stmt);

	if (phone != NULL) {
		channel[n] = "sms";
		recipient[n++] = phone;
	}
	if (email != NULL) {
		channel[n] = "email";
		recipient[n++] = email;
	}
	if (n == 0) {
		channel[n] = "call";
		recipient[n++] = NULL;
	}
	if (detail != NULL)
		dj = json_dumps(detail, JSON_COMPACT);
	for (i = 0; i < n && rc == 0; i++) {
		key = xprintf("%s:%lld:%lld:%lld:%s", outbox_kinds[kind],
		    (long long)rid, (long long)version, (long long)sequence,
		    channel[i]);
		if (store_exec(st, f, sql_add, "ttttiiiitti", key,
		    outbox_kinds[kind], channel[i], recipient[i], pid, sid, rid,
		    sequence, lang, dj, (int64_t)store_now(st)) < 0)
			rc = -1;
		free(key);
	}
	free(dj);
	free(phone);
	free(email);
	free(lang);
	return (rc);
}

int
outbox_notify_session(struct store *st, int kind, int64_t sid,
    json_t *detail, struct fail *f)
{
	static const char *sql = "SELECT json_group_array(id) FROM registration "
	    "WHERE session_id = ? AND status != 'cancelled'";
	json_t	*ids, *v;
	size_t	 i;
	int	 rc = 0;

	ids = store_json(st, sql, "i", sid);
	json_array_foreach(ids, i, v) {
		if ((rc = outbox_notify(st, kind, json_integer_value(v), detail,
		    f)) != 0)
			break;
	}
	json_decref(ids);
	return (rc);
}

int
outbox_list(struct api_req *req)
{
	static const char *sql = "SELECT j FROM outbox_json WHERE "
	    "(?1 IS NULL OR state = ?1) AND (?2 IS NULL OR session_id = ?2) "
	    "ORDER BY id";
	const char	*state, *session;
	char		*end;
	long long	 sid = 0;

	if (api_check_query(req, "state", "session", (char *)NULL) != 0)
		return (-1);
	state = json_string_value(json_object_get(req->query, "state"));
	session = json_string_value(json_object_get(req->query, "session"));
	if (session != NULL) {
		sid = strtoll(session, &end, 10);
		if (*session == '\0' || *end != '\0' || sid <= 0)
			return (fail_set(&req->fail, 422, "session", "session "
			    "\"%s\" is not an id", session));
	}
	req->out = json_pack("{s:o}", "outbox", sid != 0 ?
	    store_json_array(req->store, sql, "ti", state, (int64_t)sid) :
	    store_json_array(req->store, sql, "tn", state));
	return (0);
}
