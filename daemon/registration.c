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

/* The seats taken in session ?1: the confirmed and their companions. */
#define REGISTRATION_TAKEN	"SELECT " SESSION_TAKEN("?1")

int64_t
registration_taken(struct store *st, int64_t session_id)
{
	static const char *sql = REGISTRATION_TAKEN;

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

/* A new token of kind for row id, kept by sql (?1 its hash, ?2 it
 * sealed, ?3 id); the token itself is not kept. */
static int
registration_new_token(struct store *st, const char *sql, int kind,
    int64_t id, struct fail *f)
{
	char	*hash, *sealed;
	int	 rc;

	token_make_kept(kind, id, &hash, &sealed);
	rc = store_exec(st, f, sql, "tti", hash, sealed, id) < 0 ? -1 : 0;
	free(hash);
	free(sealed);
	return (rc);
}

/* A new cancel token, hashed and sealed (cancel.c answers its link). */
int
registration_token(struct store *st, int64_t rid, struct fail *f)
{
	static const char *sql = "UPDATE registration SET cancel_token_check "
	    "= ?1, cancel_token_sealed = ?2 WHERE id = ?3";

	return (registration_new_token(st, sql, TOKEN_CANCEL, rid, f));
}

/*
 * The person's feed token, made when they have none, so that every
 * message can carry the link to their "add to calendar" page
 * (/kalender/<token>) without staff first asking for it.
 */
static int
registration_feed_token(struct store *st, int64_t pid, struct fail *f)
{
	static const char *sql_set = "UPDATE participant SET "
	    "feed_token_check = ?1, feed_token_sealed = ?2 WHERE id = ?3 AND "
	    "feed_token_sealed IS NULL";

	return (registration_new_token(st, sql_set, TOKEN_PARTICIPANT, pid,
	    f));
}

static const struct field create_fields[] = {
	{ "participant", FT_ANY }, { "companion", FT_BOOL },
	{ "walk_in", FT_BOOL }, { "new_participant", FT_BOOL },
};

/* A walk-in is taken from an hour before the start to the end of its day. */
#define WALK_IN_EARLY	3600

/*
 * Whether a walk-in may be registered for s now: from an hour before it
 * starts to the end of its day in the venue's zone (the desk enters who
 * came once the class is over). 0, or -1 with f filled.
 */
static int
registration_walk_in(const struct session_row *s, time_t now,
    struct fail *f)
{
	struct cal_local	 l;
	time_t			 midnight;
	char			*when;
	int			 rc;

	if (now < s->start - WALK_IN_EARLY) {
		when = zone_format_local(s->tz, s->start);
		rc = fail_set(f, 409, "walk_in", "session %lld starts at %s; "
		    "walk-ins are taken from an hour before the start: "
		    "register without walk_in until then", (long long)s->id,
		    when);
		free(when);
		return (rc);
	}
	/* The next local midnight after the start (noon + a day, floored). */
	if (zone_utc_to_local(s->tz, s->start + 36 * 3600, &l) == 0) {
		l.hour = l.minute = l.second = 0;
		if (zone_local_to_utc(s->tz, &l, &midnight, NULL) != 0)
			midnight = s->start + 24 * 3600;
	} else
		midnight = s->start + 24 * 3600;
	if (now >= midnight)
		return (fail_set(f, 409, "walk_in", "session %lld was on an "
		    "earlier day; walk-ins are taken until the end of the day "
		    "it was held", (long long)s->id));
	return (0);
}

int
registration_person(struct store *st, json_t *who, int new_participant,
    int64_t *pid, int *known, struct fail *f)
{
	static const char *sql_person = "SELECT id FROM participant WHERE "
	    "id = ? AND anonymised_at IS NULL";

	*known = 0;
	if (who == NULL || json_is_null(who))
		return (fail_set(f, 422, "participant", "participant is "
		    "required: an id, or an object with name and phone, e-mail "
		    "or no_contact"));
	if (json_is_integer(who)) {
		*pid = json_integer_value(who);
		if (store_int(st, 0, sql_person, "i", *pid) == 0)
			return (fail_set(f, 404, "participant", "no participant "
			    "with id %lld", (long long)*pid));
		return (0);
	}
	if (!json_is_object(who))
		return (fail_set(f, 400, "participant", "participant must be "
		    "an id or an object"));
	/* Someone known already is not made twice (person.c). */
	*pid = 0;
	if (!new_participant && person_match(st, who, pid, f) != 0)
		return (-1);
	if (*pid != 0) {
		*known = 1;
		return (0);
	}
	return (resource_participant_create(st, who, pid, f));
}

/* The last place in session ?1's queue among the registrations in state. */
#define QUEUE_LAST(state)						\
	"coalesce((SELECT max(queue) FROM registration WHERE session_id = "	\
	"?1 AND status = '" state "'), 0)"

int
registration_seat(struct store *st, const struct session_row *s,
    int64_t pid, int companion, int walk_in, int64_t *rid, int *over,
    int *confirmed, struct fail *f)
{
	/*
	 * Their live registration, the waitlist, the seats taken, the
	 * queue's next place, whether they have a feed token, the id the
	 * new row takes (its cancel token names it), the running number it
	 * takes (read, not counted in settings): one statement. The queue's
	 * last place is the largest of each status's, each one seek in
	 * registration_session (session, status, queue): max(queue) over
	 * the session alone read every row of it, ~12 us at 200 a session.
	 */
	static const char *sql_state = "SELECT (SELECT id FROM registration "
	    "WHERE session_id = ?1 AND participant_id = ?2 AND status != "
	    "'cancelled'), (SELECT count(*) FROM registration WHERE "
	    "session_id = ?1 AND status = 'waitlisted'), ("
	    REGISTRATION_TAKEN "), max(" QUEUE_LAST("confirmed") ", "
	    QUEUE_LAST("waitlisted") ", " QUEUE_LAST("cancelled") ") + 1, "
	    "coalesce((SELECT feed_token_sealed IS NOT NULL FROM participant "
	    "WHERE id = ?2), 1), (SELECT coalesce(max(id), 0) + 1 FROM "
	    "registration), " REGISTRATION_NEXT_NUMBER;
	/* With its cancel token, hashed and sealed (cancel.c). */
	static const char *sql_insert = "INSERT INTO registration (session_id, "
	    "participant_id, number, status, queue, companion, created_at, "
	    "updated_at, cancel_token_check, cancel_token_sealed, id) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10)";
	sqlite3_stmt	*stmt;
	int64_t		 sid = s->id, number, queue, waiting, taken, next;
	const char	*state;
	char		*hash, *sealed;
	int		 rc, tokened;

	*over = *confirmed = 0;
	stmt = store_stmt_bound(st, sql_state, "ii", sid, pid);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = store_fail(st, f);
		sqlite3_reset(stmt);
		return (rc);
	}
	*rid = sqlite3_column_int64(stmt, 0);
	waiting = sqlite3_column_int64(stmt, 1);
	taken = sqlite3_column_int64(stmt, 2);
	queue = sqlite3_column_int64(stmt, 3);
	tokened = sqlite3_column_int(stmt, 4);
	next = sqlite3_column_int64(stmt, 5);
	number = sqlite3_column_int64(stmt, 6);
	sqlite3_reset(stmt);
	if (*rid != 0) {
		json_t	*r = registration_json(st, *rid);

		const char	*who = json_string_value(json_object_get(r,
				    "participant_name"));
		const char	*status = json_string_value(json_object_get(r,
				    "status"));
		long long	 nr = json_integer_value(json_object_get(r,
				    "number"));

		/* Each state a sentence of its own, for kursusctl to say. */
		if (status != NULL && strcmp(status, "confirmed") == 0)
			fail_set(f, 409, "participant", "%s (participant %lld) "
			    "is already registered for session %lld (confirmed, "
			    "kursist nr. %lld)", who, (long long)pid,
			    (long long)sid, nr);
		else if (status != NULL && strcmp(status, "waitlisted") == 0)
			fail_set(f, 409, "participant", "%s (participant %lld) "
			    "is already registered for session %lld "
			    "(waitlisted, kursist nr. %lld)", who, (long long)pid,
			    (long long)sid, nr);
		else
			fail_set(f, 409, "participant", "%s (participant %lld) "
			    "is already registered for session %lld (%s, "
			    "kursist nr. %lld)", who, (long long)pid,
			    (long long)sid, status, nr);
		json_decref(r);
		return (-1);
	}
	if (1 + companion > s->capacity)
		return (fail_set(f, 409, "companion", "session %lld has %lld "
		    "seat%s in all; there is no room for a companion",
		    (long long)sid, (long long)s->capacity,
		    s->capacity == 1 ? "" : "s"));
	/*
	 * Nobody jumps the queue: with people waiting, newcomers wait too.
	 * But someone who walked in is there: they take a seat, over the
	 * capacity if need be, which the answer says.
	 */
	if (walk_in) {
		state = "confirmed";
		*over = taken + 1 + companion > s->capacity;
	} else if (waiting == 0 && taken + 1 + companion <= s->capacity)
		state = "confirmed";
	else
		state = "waitlisted";
	/* Every registration can be cancelled by its own link (cancel.c). */
	token_make_kept(TOKEN_CANCEL, next, &hash, &sealed);
	rc = store_exec(st, f, sql_insert, "iiitiiitti", sid, pid, number,
	    state, queue, (int64_t)companion, (int64_t)store_now(st), hash,
	    sealed, next) < 0 ? -1 : 0;
	free(hash);
	free(sealed);
	if (rc != 0)
		return (-1);
	*rid = next;
	*confirmed = strcmp(state, "confirmed") == 0;
	if (!tokened && registration_feed_token(st, pid, f) != 0)
		return (-1);
	metrics_count(METRICS_REG_MADE, 1);
	return (0);
}

int
registration_create(struct api_req *req)
{
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	static const char *sql_present = "UPDATE registration SET attendance "
	    "= 'attended' WHERE id = ?";
	struct session_row	 s;
	sqlite3_stmt		*stmt;
	int64_t			 sid, pid, rid;
	time_t			 now = store_now(st);
	const char		*j;
	char			*when;
	size_t			 n;
	int			 walk_in, companion, over = 0, known = 0;
	int			 confirmed;

	pid = 0;
	if (param_id(req, 0, "session", &sid) != 0 ||
	    param_check_fields(req->body, create_fields, sizeof create_fields /
	    sizeof create_fields[0], f) != 0 ||
	    session_load(st, sid, &s, f) != 0)
		return (-1);
	/* A sentence per state, for kursusctl to say in Danish. */
	if (strcmp(s.status, "cancelled") == 0)
		return (fail_set(f, 409, "session", "session %lld is "
		    "cancelled; no registrations are taken", (long long)sid));
	if (strcmp(s.status, "done") == 0)
		return (fail_set(f, 409, "session", "session %lld is done; no "
		    "registrations are taken", (long long)sid));
	if (strcmp(s.status, "scheduled") != 0)
		return (fail_set(f, 409, "session", "session %lld is %s; no "
		    "registrations are taken", (long long)sid, s.status));
	walk_in = json_is_true(json_object_get(req->body, "walk_in"));
	if (walk_in) {
		if (registration_walk_in(&s, now, f) != 0)
			return (-1);
	} else if (s.start <= now) {
		when = zone_format_local(store_default_timezone(st), s.start);
		fail_set(f, 409, "session", "session %lld started at %s; no "
		    "registrations are taken after the start (someone who "
		    "came in on the day: walk_in)", (long long)sid, when);
		free(when);
		return (-1);
	}

	if (registration_person(st, json_object_get(req->body,
	    "participant"), json_is_true(json_object_get(req->body,
	    "new_participant")), &pid, &known, f) != 0)
		return (-1);
	companion = json_is_true(json_object_get(req->body, "companion"));
	if (registration_seat(st, &s, pid, companion, walk_in, &rid, &over,
	    &confirmed, f) != 0)
		return (-1);
	/* A walk-in came: present, and no message about a class under way. */
	if (walk_in) {
		if (store_exec(st, f, sql_present, "i", rid) < 0)
			return (-1);
	} else if (outbox_notify(st, confirmed ? KIND_CONFIRMATION :
	    KIND_WAITLISTED, rid, NULL, f) != 0)
		return (-1);
	/*
	 * The answer as SQLite writes the row's JSON (as a page of a list
	 * is), the two keys of this answer after its last (over_capacity
	 * for a walk-in over it): not parsed and written again.
	 */
	stmt = store_stmt_bound(st, sql_reg_json, "i", rid);
	if (sqlite3_step(stmt) == SQLITE_ROW && (j = store_col(stmt, 0)) !=
	    NULL && (n = strlen(j)) > 2 && j[n - 1] == '}')
		req->text = xprintf("%.*s%s,\"participant_known\":%s}",
		    (int)(n - 1), j, over ? ",\"over_capacity\":true" : "",
		    known ? "true" : "false");
	sqlite3_reset(stmt);
	if (req->text == NULL)
		return (store_fail(st, f));
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
    json_t *promoted, int kind, struct fail *f)
{
	static const char *sql_info = "SELECT session_id FROM registration "
	    "WHERE id = ?";
	static const char *sql_cancel = "UPDATE registration SET status = "
	    "'cancelled', version = version + 1, updated_at = ?1, "
	    "cancelled_at = ?1, cancelled_via = ?2 WHERE id = ?3";
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
	    rid) < 0 || (kind >= 0 ? outbox_notify(st, kind, rid, NULL, f) :
	    outbox_end(st, rid, f)) != 0)
		return (-1);
	metrics_count(METRICS_REG_CANCELLED, 1);
	return (registration_promote(st, sid, promoted, f));
}

/*
 * Removes what identifies a person and keeps the rest for statistics:
 * their future seats are given up (the waitlist moves), their name,
 * number and address are dropped, also from the outbox, and notices not
 * yet sent are called off.
 */
int
registration_anonymise(struct store *st, int64_t id, struct fail *f)
{
	static const char *sql_person = "UPDATE participant SET name = "
	    "'(slettet)', email = NULL, phone = NULL, phone_type = NULL, "
	    "notes = NULL, no_contact = 1, anonymised_at = ?1, "
	    "updated_at = ?1 WHERE id = ?2";
	static const char *sql_outbox = "UPDATE outbox SET recipient = NULL, "
	    "state = CASE "
	    "WHEN state IN ('pending', 'sending') THEN 'cancelled' ELSE "
	    "state END, updated_at = ?1 WHERE participant_id = ?2";
	static const char *sql_texts = "DELETE FROM outbox_text WHERE "
	    "outbox_id IN (SELECT id FROM outbox WHERE participant_id = ?1)";
	/* Their SMS replies: who and what, not that and when. */
	static const char *sql_inbox = "UPDATE inbox SET sender = "
	    "'(slettet)', receiver = NULL, text = '', handled_at = "
	    "coalesce(handled_at, ?1) WHERE participant_id = ?2";
	int64_t	 now = store_now(st);

	if (registration_cancel_participant(st, id, f) != 0 ||
	    store_exec(st, f, sql_person, "ii", now, id) < 0 ||
	    store_exec(st, f, sql_outbox, "ii", now, id) < 0 ||
	    store_exec(st, f, sql_texts, "i", id) < 0 ||
	    store_exec(st, f, sql_inbox, "ii", now, id) < 0)
		return (-1);
	return (0);
}

/*
 * The live registration in session sid that text names: a participant id
 * ("3") or a running number ("nr:3000"). 0 with *rid, or -1 with f
 * saying which kind of id was not found.
 */
int
registration_named(struct store *st, int64_t sid, const char *text,
    int64_t *rid, struct fail *f)
{
	static const char *sql_pid = "SELECT id FROM registration WHERE "
	    "session_id = ? AND participant_id = ? AND status != 'cancelled'";
	static const char *sql_nr = "SELECT id FROM registration WHERE "
	    "session_id = ? AND number = ? AND status != 'cancelled'";
	static const char *sql_nr_any = "SELECT session_id FROM registration "
	    "WHERE number = ?";
	const char	*s = text;
	size_t		 n;
	int64_t		 id, other;
	int		 nr = 0;

	if (strncmp(s, "nr:", 3) == 0) {
		s += 3;
		nr = 1;
	}
	n = strspn(s, "0123456789");
	if (n == 0 || n > 18 || s[n] != '\0' || *s == '0')
		return (fail_set(f, 404, "participant", "\"%s\" is neither a "
		    "participant id (3) nor a kursist nr. (nr:3000)", text));
	id = strtoll(s, NULL, 10);
	if (nr) {
		if ((*rid = store_int(st, 0, sql_nr, "ii", sid, id)) != 0)
			return (0);
		if ((other = store_int(st, 0, sql_nr_any, "i", id)) != 0 &&
		    other != sid)
			return (fail_set(f, 404, "number", "kursist nr. %lld "
			    "is a registration for session %lld, not session "
			    "%lld", (long long)id, (long long)other,
			    (long long)sid));
		if (other != 0)
			return (fail_set(f, 404, "number", "kursist nr. %lld is "
			    "not registered for session %lld (it was "
			    "cancelled)", (long long)id, (long long)sid));
		return (fail_set(f, 404, "number", "kursist nr. %lld is not "
		    "registered for session %lld", (long long)id,
		    (long long)sid));
	}
	if ((*rid = store_int(st, 0, sql_pid, "ii", sid, id)) != 0)
		return (0);
	if (store_int(st, 0, sql_nr, "ii", sid, id) != 0)
		return (fail_set(f, 404, "participant", "participant %lld is "
		    "not registered for session %lld, but kursist nr. %lld "
		    "is: name the running number as nr:%lld", (long long)id,
		    (long long)sid, (long long)id, (long long)id));
	return (fail_set(f, 404, "participant", "participant %lld is not "
	    "registered for session %lld", (long long)id, (long long)sid));
}

int
registration_cancel(struct api_req *req)
{
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	int64_t			 sid, rid;
	json_t			*promoted;

	if (param_id(req, 0, "session", &sid) != 0 ||
	    param_check_fields(req->body, NULL, 0, f) != 0 ||
	    session_load(st, sid, &s, f) != 0 ||
	    registration_named(st, sid, req->param[1], &rid, f) != 0)
		return (-1);
	if (s.start <= store_now(st) && strcmp(s.status, "scheduled") == 0)
		return (fail_set(f, 409, "session", "session %lld has started; "
		    "record attendance instead of cancelling", (long long)sid));
	promoted = json_array();
	if (registration_drop(st, rid, "staff", promoted, KIND_WITHDRAWN,
	    f) != 0) {
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
		    NULL, KIND_WITHDRAWN, f)) != 0)
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

static const char *sql_settings = "SELECT json_object("
    "'number_start', (SELECT CAST(value AS INTEGER) FROM settings WHERE "
    "key = 'number_start'), 'next_number', " REGISTRATION_NEXT_NUMBER ")";

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
