/*
 * Sessions: one course type at one venue at one time. Times are stored in
 * UTC and typed and shown in the venue's zone; a series is expanded by the
 * calendars library in that zone, so 10:00 stays 10:00 across DST. Every
 * change a participant cares about (time, place, status) raises sequence
 * and records notices in the same transaction.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"
#include "random.h"

/* The span of a session list whose end is not given. */
#define SESSION_WINDOW	(92 * 24 * 3600)
/* A start further ahead than this is taken for a typing error. */
#define SESSION_FAR	(2 * 366 * 24 * 3600)
/* A start this far back is "now" (the time it took to type it). */
#define SESSION_SLACK	(5 * 60)

static const char *sql_session_json = "SELECT j FROM session_json WHERE id = ?";

json_t *
session_json(struct store *st, int64_t id)
{
	return (store_json(st, sql_session_json, "i", id));
}

int
session_load(struct store *st, int64_t id, struct session_row *s,
    struct fail *f)
{
	static const char *sql = "SELECT s.id, s.series_id, s.venue_id, "
	    "s.course_id, s.start_at, s.end_at, s.capacity, s.sequence, "
	    "s.status, v.timezone FROM session s JOIN venue v ON "
	    "v.id = s.venue_id WHERE s.id = ?";
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	int		 rc;

	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return (fail_set(f, 404, "session", "no session with id %lld",
		    (long long)id));
	}
	s->id = sqlite3_column_int64(stmt, 0);
	s->series_id = sqlite3_column_int64(stmt, 1);
	s->venue_id = sqlite3_column_int64(stmt, 2);
	s->course_id = sqlite3_column_int64(stmt, 3);
	s->start = (time_t)sqlite3_column_int64(stmt, 4);
	s->end = (time_t)sqlite3_column_int64(stmt, 5);
	s->capacity = sqlite3_column_int(stmt, 6);
	s->sequence = sqlite3_column_int(stmt, 7);
	snprintf(s->status, sizeof s->status, "%s",
	    (const char *)sqlite3_column_text(stmt, 8));
	snprintf(s->tz, sizeof s->tz, "%s",
	    (const char *)sqlite3_column_text(stmt, 9));
	sqlite3_reset(stmt);
	return (0);
}

/* Parses a time field typed in tzid. */
int
session_when(struct store *st, json_t *body, const char *field,
    const char *tzid, time_t *out, struct fail *f)
{
	const char	*text = param_text(body, field);
	char		*cause = NULL;

	if (text == NULL)
		return (fail_set(f, 422, field, "%s is required", field));
	if (when_parse(text, tzid, store_now(st), out, &cause) != 0) {
		fail_set(f, 422, field, "%s: %s", field, cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/* Venue id and zone by slug. */
int
session_venue(struct store *st, const char *slug, int64_t *id, char *tz,
    size_t tzlen, struct fail *f)
{
	static const char *sql = "SELECT timezone FROM venue WHERE id = ?";
	sqlite3_stmt	*stmt;

	if (resource_id(st, "venue", slug, "venue", id, f) != 0)
		return (-1);
	stmt = store_stmt(st, sql);
	sqlite3_bind_int64(stmt, 1, *id);
	sqlite3_step(stmt);
	snprintf(tz, tzlen, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_reset(stmt);
	return (0);
}

/* End time from "end" or "duration" (minutes) or the default duration. */
static int
session_end(struct store *st, json_t *body, const char *tz, time_t start,
    int dflt_minutes, time_t *end, struct fail *f)
{
	json_int_t	 minutes;

	if (param_has(body, "end") && param_has(body, "duration"))
		return (fail_set(f, 422, "end", "give end or duration, not "
		    "both"));
	if (param_has(body, "end")) {
		if (session_when(st, body, "end", tz, end, f) != 0)
			return (-1);
		if (*end <= start)
			return (fail_set(f, 422, "end", "end %s is not after "
			    "start", param_text(body, "end")));
		if (*end - start > 24 * 3600)
			return (fail_set(f, 422, "end", "a session may last at "
			    "most 24 hours"));
		return (0);
	}
	minutes = dflt_minutes;
	if (param_has(body, "duration")) {
		minutes = json_integer_value(json_object_get(body, "duration"));
		if (minutes < 5 || minutes > 1440)
			return (fail_set(f, 422, "duration", "duration %lld "
			    "minutes is out of range (5 to 1440)",
			    (long long)minutes));
	}
	*end = start + (time_t)minutes * 60;
	return (0);
}

/* Replaces the staff of a session from "instructors" and "helpers". */
static int
session_staff(struct store *st, int64_t session_id, json_t *body,
    struct fail *f)
{
	static const char *roles[] = { "instructors", "helpers" };
	static const char *sql_clear = "DELETE FROM session_staff WHERE "
	    "session_id = ? AND role = ?";
	static const char *sql_add = "INSERT INTO session_staff (session_id, "
	    "instructor_id, role) VALUES (?, ?, ?)";
	json_t		*list, *v;
	size_t		 r, i;
	int64_t		 iid;
	const char	*role;

	for (r = 0; r < 2; r++) {
		if ((list = json_object_get(body, roles[r])) == NULL)
			continue;
		role = r == 0 ? "instructor" : "helper";
		if (store_exec(st, f, sql_clear, "it", session_id, role) < 0)
			return (-1);
		if (json_is_null(list))
			continue;
		json_array_foreach(list, i, v) {
			if (!json_is_string(v))
				return (fail_set(f, 400, roles[r], "%s must be "
				    "an array of instructor slugs", roles[r]));
			if (resource_id(st, "instructor", json_string_value(v),
			    roles[r], &iid, f) != 0)
				return (-1);
			if (store_exec(st, NULL, sql_add, "iit", session_id,
			    iid, role) < 0)
				return (fail_set(f, 422, roles[r], "instructor "
				    "\"%s\" is named twice for session %lld",
				    json_string_value(v),
				    (long long)session_id));
		}
	}
	return (0);
}

/* Default length and seats of a session of course at venue: the
 * course's duration, the smaller of the two capacities. */
void
session_defaults(struct store *st, int64_t course_id, int64_t venue_id,
    int *duration, json_int_t *capacity)
{
	static const char *sql = "SELECT c.duration, min(c.capacity, "
	    "v.capacity) FROM course c, venue v WHERE c.id = ? AND v.id = ?";
	sqlite3_stmt	*stmt = store_stmt(st, sql);

	sqlite3_bind_int64(stmt, 1, course_id);
	sqlite3_bind_int64(stmt, 2, venue_id);
	sqlite3_step(stmt);
	*duration = sqlite3_column_int(stmt, 0);
	*capacity = sqlite3_column_int(stmt, 1);
	sqlite3_reset(stmt);
}

#define SESSION_NOTES_MAX	2000
#define SESSION_REASON_MAX	500

/* Reads and checks the texts the body gives; fields absent stay NULL. */
static int
session_texts(json_t *body, struct session_texts *tx, struct fail *f)
{
	memset(tx, 0, sizeof *tx);
	if (resource_text("notes", param_text(body, "notes"), SESSION_NOTES_MAX,
	    0, &tx->notes, f) != 0 ||
	    resource_text("description", param_text(body, "description"),
	    SESSION_NOTES_MAX, 0, &tx->description, f) != 0) {
		free(tx->notes);
		tx->notes = NULL;
		return (-1);
	}
	return (0);
}

static void
session_texts_free(struct session_texts *tx)
{
	free(tx->notes);
	free(tx->description);
}

/* Adds one session with a new UID; *id is its id. */
int
session_insert(struct store *st, int64_t series_id, int64_t course_id,
    int64_t venue_id, time_t start, time_t end, int64_t capacity,
    const struct session_texts *tx, const char *import_key, int64_t *id,
    struct fail *f)
{
	static const char *sql = "INSERT INTO session (uid, series_id, "
	    "course_id, venue_id, start_at, end_at, capacity, notes, "
	    "description, import_key, created_at, updated_at) VALUES (?1, "
	    "nullif(?2, 0), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)";
	char	*hex = random_hex(16), *uid = xprintf("%s@kursusd", hex);
	int	 rc;

	rc = store_exec(st, f, sql, "tiiiiiittti", uid, series_id, course_id,
	    venue_id, (int64_t)start, (int64_t)end, capacity, tx->notes,
	    tx->description, import_key, (int64_t)store_now(st));
	free(hex);
	free(uid);
	if (rc < 0)
		return (-1);
	*id = sqlite3_last_insert_rowid(store_db(st));
	return (0);
}

/*
 * What the venue's calendar allows: a start neither in the past (unless
 * "past") nor more than two years ahead (unless "far"), and no clash with
 * another session in the room (unless "allow_overlap"). Closed days are
 * the caller's: a series skips them, a single session is refused.
 */
struct session_allow {
	int	 past, far, overlap, closed;
};

static void
session_allow(json_t *body, struct session_allow *a)
{
	a->past = json_is_true(json_object_get(body, "past"));
	a->far = json_is_true(json_object_get(body, "far"));
	a->overlap = json_is_true(json_object_get(body, "allow_overlap"));
	a->closed = json_is_true(json_object_get(body, "allow_closed"));
}

static int
session_allowed(struct store *st, const struct session_allow *a,
    int64_t venue_id, int64_t room_id, const char *tz, time_t start,
    time_t end, int64_t self, struct fail *f)
{
	time_t	 now = store_now(st);
	char	*when;
	int	 rc = 0;

	if (!a->past && start < now - SESSION_SLACK) {
		when = zone_format_local(tz, start);
		rc = fail_set(f, 422, "start", "start %.10s %.5s is in the "
		    "past; give past (--past) to enter a session held before",
		    when, when + 11);
		free(when);
	} else if (!a->far && start > now + SESSION_FAR) {
		when = zone_format_local(tz, start);
		rc = fail_set(f, 422, "start", "start %.10s %.5s is more than "
		    "two years ahead; give far (--far) if that is right",
		    when, when + 11);
		free(when);
	} else if (!a->closed && calendar_closed_fail(st, venue_id, tz, start,
	    end, f) != 0)
		rc = -1;
	else if (!a->overlap)
		rc = calendar_clash(st, venue_id, room_id, start, end, self, f);
	return (rc);
}

/* The room a body names at venue_id (0 when none); its seats, or 0. */
static int
session_room(struct store *st, json_t *body, int64_t venue_id,
    int64_t *room_id, int *seats, struct fail *f)
{
	*room_id = 0;
	*seats = 0;
	if (param_text(body, "room") == NULL)
		return (0);
	return (calendar_room(st, venue_id, param_text(body, "room"), room_id,
	    seats, f));
}

static int
session_set_room(struct store *st, int64_t id, int64_t room_id,
    struct fail *f)
{
	static const char *sql = "UPDATE session SET room_id = nullif(?, 0) "
	    "WHERE id = ?";

	return (store_exec(st, f, sql, "ii", room_id, id) < 0 ? -1 : 0);
}

static const struct field create_fields[] = {
	{ "course", FT_TEXT }, { "venue", FT_TEXT }, { "start", FT_TEXT },
	{ "end", FT_TEXT }, { "duration", FT_INT }, { "capacity", FT_INT },
	{ "notes", FT_TEXT }, { "description", FT_TEXT },
	{ "instructors", FT_ARRAY }, { "helpers", FT_ARRAY },
	{ "weekly", FT_INT }, { "rrule", FT_TEXT }, { "room", FT_TEXT },
	{ "allow_overlap", FT_BOOL }, { "allow_closed", FT_BOOL },
	{ "past", FT_BOOL }, { "far", FT_BOOL },
};

/*
 * The starts of a series kept on open days, and the skipped ones with why
 * into skipped. A weekly series of N is N sessions: it runs a week longer
 * for each week it skips, while the weeks last; an rrule's dates are
 * taken as they are.
 */
static size_t
session_open_days(struct store *st, int64_t venue_id, const char *tz,
    time_t *starts, size_t n, time_t length, size_t want, json_t *skipped)
{
	size_t	 i, kept = 0;
	char	*why, *when;

	for (i = 0; i < n && kept < want; i++) {
		if ((why = calendar_closed(st, venue_id, tz, starts[i],
		    starts[i] + length)) == NULL) {
			starts[kept++] = starts[i];
			continue;
		}
		when = zone_format_local(tz, starts[i]);
		json_array_append_new(skipped, json_pack("{s:s, s:s}", "start",
		    when, "reason", why));
		free(when);
		free(why);
	}
	return (kept);
}

int
session_create(struct api_req *req)
{
	static const char *sql_series = "INSERT INTO series (rrule, "
	    "created_at) VALUES (?, ?)";
	struct store	*st = req->store;
	struct fail	*f = &req->fail;
	json_t		*body = req->body, *list;
	int64_t		 course_id, venue_id, series_id = 0, sid;
	char		 tz[64], *rule = NULL, *cause = NULL;
	struct session_texts tx;
	struct session_allow allow;
	time_t		 start, end, *starts = NULL, now = store_now(st);
	size_t		 n = 0, i, want = 0;
	json_int_t	 capacity, weekly = 0;
	json_t		*skipped = NULL;
	int64_t		 room_id;
	int		 duration, room_seats;

	memset(&tx, 0, sizeof tx);
	if (param_check_fields(body, create_fields, sizeof create_fields /
	    sizeof create_fields[0], f) != 0)
		return (-1);
	if (resource_id(st, "course", param_text(body, "course"), "course",
	    &course_id, f) != 0)
		return (-1);
	if (session_venue(st, param_text(body, "venue"), &venue_id, tz,
	    sizeof tz, f) != 0)
		return (-1);
	if (session_when(st, body, "start", tz, &start, f) != 0 ||
	    session_room(st, body, venue_id, &room_id, &room_seats, f) != 0)
		return (-1);
	session_allow(body, &allow);

	session_defaults(st, course_id, venue_id, &duration, &capacity);
	/* A room's own seats count instead of the venue's. */
	if (room_seats > 0) {
		capacity = store_int(st, capacity, "SELECT min(capacity, ?) "
		    "FROM course WHERE id = ?", "ii", (int64_t)room_seats,
		    course_id);
	}
	if (param_has(body, "capacity") &&
	    !json_is_null(json_object_get(body, "capacity"))) {
		capacity = json_integer_value(json_object_get(body,
		    "capacity"));
		if (capacity < 1 || capacity > 1000)
			return (fail_set(f, 422, "capacity", "capacity %lld is "
			    "out of range (1 to 1000)", (long long)capacity));
	}
	if (session_end(st, body, tz, start, duration, &end, f) != 0)
		return (-1);

	if (param_has(body, "weekly") && param_has(body, "rrule"))
		return (fail_set(f, 422, "rrule", "give weekly or rrule, not "
		    "both"));
	if (param_has(body, "weekly")) {
		weekly = json_integer_value(json_object_get(body, "weekly"));
		if (weekly < 1 || weekly > RECUR_MAX)
			return (fail_set(f, 422, "weekly", "weekly %lld is out "
			    "of range (1 to %d)", (long long)weekly,
			    RECUR_MAX));
		/* Room for the weeks a closed day skips. */
		if (recur_weekly(tz, start, weekly + 60 > RECUR_MAX ?
		    RECUR_MAX : (size_t)weekly + 60, &starts, &n, &cause) != 0)
			goto recur_fail;
		want = (size_t)weekly;
		rule = xprintf("FREQ=WEEKLY;COUNT=%lld", (long long)weekly);
	} else if (param_text(body, "rrule") != NULL) {
		rule = xstrdup(param_text(body, "rrule"));
		if (strncmp(rule, "RRULE:", 6) == 0)
			memmove(rule, rule + 6, strlen(rule + 6) + 1);
		if (recur_expand(tz, start, rule, RECUR_MAX, &starts, &n,
		    &cause) != 0)
			goto recur_fail;
		if (n == 0) {
			free(rule);
			free(starts);
			return (fail_set(f, 422, "rrule", "rrule \"%s\" yields "
			    "no session", param_text(body, "rrule")));
		}
	} else {
		starts = xmalloc(sizeof *starts);
		starts[0] = start;
		n = 1;
	}

	if (session_texts(body, &tx, f) != 0)
		goto fail;
	if (want == 0)
		want = n;
	if (n > 1 && !allow.closed) {
		skipped = json_array();
		if ((n = session_open_days(st, venue_id, tz, starts, n,
		    end - start, want, skipped)) == 0) {
			fail_set(f, 409, "start", "every date of the series is "
			    "a closed day; give allow_closed (--allow-closed) "
			    "to schedule on them");
			goto fail;
		}
	} else if (n > want)
		n = want;
	/* Closed days left are the single session's, or allowed. */
	for (i = 0; i < n; i++) {
		if (session_allowed(st, &allow, venue_id, room_id, tz,
		    starts[i], starts[i] + (end - start), 0, f) != 0)
			goto fail;
		/* Past or far: the first and the last tell. */
		allow.past = 1;
	}
	if (rule != NULL) {
		if (store_exec(st, f, sql_series, "ti", rule, (int64_t)now) < 0)
			goto fail;
		series_id = sqlite3_last_insert_rowid(store_db(st));
	}
	list = json_array();
	for (i = 0; i < n; i++) {
		if (session_insert(st, series_id, course_id, venue_id,
		    starts[i], starts[i] + (end - start), capacity, &tx, NULL,
		    &sid, f) != 0 || session_set_room(st, sid, room_id, f) != 0 ||
		    session_staff(st, sid, body, f) != 0) {
			json_decref(list);
			goto fail;
		}
		json_array_append_new(list, session_json(st, sid));
	}
	req->out = json_pack("{s:o, s:o, s:o}", "series_id", series_id != 0 ?
	    json_integer(series_id) : json_null(), "sessions", list,
	    "skipped", skipped != NULL ? skipped : json_array());
	req->status = 201;
	free(rule);
	free(starts);
	session_texts_free(&tx);
	return (0);

recur_fail:
	fail_set(f, 422, weekly != 0 ? "weekly" : "rrule", "%s", cause);
	free(cause);
fail:
	json_decref(skipped);
	free(rule);
	free(starts);
	session_texts_free(&tx);
	return (-1);
}

int
session_show(struct api_req *req)
{
	int64_t	 id;

	if (param_id(req, 0, "session", &id) != 0)
		return (-1);
	if ((req->out = session_json(req->store, id)) == NULL)
		return (fail_set(&req->fail, 404, "session", "no session with "
		    "id %lld", (long long)id));
	return (0);
}

/*
 * Sessions by start, a page at a time (paging.c): the cursor holds the
 * last start and id shown and the end of the range, so a walk without
 * `to` keeps the range its first page had. The range is read a span at a
 * time (paging_span()), through the index of the venue or course type
 * when one is asked for, so that no page holds the loop for long.
 */
#define SESSION_LIST(v, c) "SELECT j, start_at, id, ?9 FROM session_json " \
	"WHERE start_at > ?10 AND start_at <= ?11 AND " v " AND " c \
	" AND (?5 IS NULL OR status = ?5) " \
	"AND (?6 IS NULL OR (start_at, id) > (?6, ?7)) " \
	"ORDER BY start_at, id LIMIT ?12"

int
session_list(struct api_req *req)
{
	/* By whether a venue (1) and a course type (2) are asked for. */
	static const char *sql[4] = {
		SESSION_LIST("?3 IS NULL", "?4 IS NULL"),
		SESSION_LIST("venue_id = ?3", "?4 IS NULL"),
		SESSION_LIST("?3 IS NULL", "course_id = ?4"),
		SESSION_LIST("venue_id = ?3", "course_id = ?4"),
	};
	struct paging	 pg;
	sqlite3_stmt	*stmt;
	const char	*status;
	time_t		 from, to;
	int		 has_from, has_to;
	int64_t		 venue = 0, course = 0, first, last;

	if (param_check_query(req, "from", "to", "venue", "course", "status",
	    "limit", "cursor", (char *)NULL) != 0)
		return (-1);
	if (param_time(req, "from", &from, &has_from) != 0 ||
	    param_time(req, "to", &to, &has_to) != 0)
		return (-1);
	if (resource_query(req, "venue", "venue", &venue) != 0 ||
	    resource_query(req, "course", "course", &course) != 0)
		return (-1);
	status = json_string_value(json_object_get(req->query, "status"));
	if (status != NULL && strcmp(status, "scheduled") != 0 &&
	    strcmp(status, "cancelled") != 0 && strcmp(status, "done") != 0)
		return (fail_set(&req->fail, 422, "status", "status \"%s\" is "
		    "not scheduled, cancelled or done", status));
	if (paging_start(req, &pg, "sessions", "iii") != 0)
		return (-1);
	if (paging_given(&pg)) {
		/* Where the walk stands; the range its first page had. */
		if (!has_from || paging_int(&pg, 0) > from)
			from = paging_int(&pg, 0);
		has_from = 1;
		if (!has_to) {
			to = paging_int(&pg, 2);
			has_to = 1;
		}
	}
	/* Without a range: from yesterday, for the next three months. */
	if (!has_from && !has_to) {
		from = store_now(req->store) - 24 * 3600;
		has_from = 1;
	}
	if (!has_to)
		to = from + SESSION_WINDOW;
	if (!has_from)
		from = -1;
	/* Only the span of time that holds sessions is read. */
	first = store_int(req->store, 0, "SELECT min(start_at) FROM session",
	    NULL);
	last = store_int(req->store, -1, "SELECT max(start_at) FROM session",
	    NULL);

	stmt = store_stmt(req->store, sql[(venue != 0) | (course != 0) << 1]);
	if (venue != 0)
		sqlite3_bind_int64(stmt, 3, venue);
	if (course != 0)
		sqlite3_bind_int64(stmt, 4, course);
	if (status != NULL)
		sqlite3_bind_text(stmt, 5, status, -1, SQLITE_TRANSIENT);
	if (paging_given(&pg)) {
		sqlite3_bind_int64(stmt, 6, paging_int(&pg, 0));
		sqlite3_bind_int64(stmt, 7, paging_int(&pg, 1));
	}
	sqlite3_bind_int64(stmt, 9, to);
	return (paging_span(req, &pg, stmt, 10, from > first ? from : first,
	    to < last + 1 ? to : last + 1));
}

/* Moves the latest confirmed registrations to the front of the waitlist
 * until the confirmed seats fit capacity. */
static int
session_demote(struct store *st, int64_t id, int capacity, struct fail *f)
{
	static const char *sql_latest = "SELECT id FROM registration WHERE "
	    "session_id = ? AND status = 'confirmed' ORDER BY queue DESC, "
	    "id DESC LIMIT 1";
	static const char *sql_demote = "UPDATE registration SET status = "
	    "'waitlisted', version = version + 1, updated_at = ?1, queue = "
	    "(SELECT min(queue) - 1 FROM registration WHERE session_id = ?2) "
	    "WHERE id = ?3";
	int64_t		 rid;

	while (registration_taken(st, id) > capacity) {
		rid = store_int(st, 0, sql_latest, "i", id);
		if (store_exec(st, f, sql_demote, "iii",
		    (int64_t)store_now(st), id, rid) < 0)
			return (-1);
		if (outbox_notify(st, KIND_DEMOTED, rid, NULL, f) != 0)
			return (-1);
	}
	return (0);
}

static const struct field edit_fields[] = {
	{ "capacity", FT_INT }, { "notes", FT_TEXT },
	{ "description", FT_TEXT }, { "status", FT_TEXT },
	{ "instructors", FT_ARRAY }, { "helpers", FT_ARRAY },
	{ "force", FT_BOOL }, { "room", FT_ANY }, { "allow_overlap", FT_BOOL },
};

/* A session's room changed by PATCH: a name, or null for none. */
static int
session_edit_room(struct store *st, const struct session_row *s,
    json_t *body, struct fail *f)
{
	json_t		*v = json_object_get(body, "room");
	int64_t		 room_id = 0;
	int		 seats;

	if (v == NULL)
		return (0);
	if (!json_is_null(v) && !json_is_string(v))
		return (fail_set(f, 400, "room", "room must be a room's name, "
		    "or null for none"));
	if (json_is_string(v) && *json_string_value(v) != '\0' &&
	    session_room(st, body, s->venue_id, &room_id, &seats, f) != 0)
		return (-1);
	if (!json_is_true(json_object_get(body, "allow_overlap")) &&
	    strcmp(s->status, "scheduled") == 0 && calendar_clash(st,
	    s->venue_id, room_id, s->start, s->end, s->id, f) != 0)
		return (-1);
	return (session_set_room(st, s->id, room_id, f));
}

int
session_edit(struct api_req *req)
{
	static const char *sql_cap = "UPDATE session SET capacity = ?, "
	    "updated_at = ? WHERE id = ?";
	static const char *sql_notes = "UPDATE session SET notes = ?, "
	    "updated_at = ? WHERE id = ?";
	static const char *sql_description = "UPDATE session SET "
	    "description = ?, updated_at = ? WHERE id = ?";
	static const char *sql_companions = "SELECT count(*) FROM "
	    "registration WHERE session_id = ? AND companion AND "
	    "status != 'cancelled'";
	static const char *sql_status = "UPDATE session SET status = ?, "
	    "sequence = sequence + 1, updated_at = ? WHERE id = ?";
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	json_t			*body = req->body;
	json_int_t		 cap;
	int64_t			 id, taken, now = store_now(st);
	const char		*status;
	struct session_texts	 tx;
	int			 force, rc = 0;

	if (param_id(req, 0, "session", &id) != 0 ||
	    param_check_fields(body, edit_fields, sizeof edit_fields /
	    sizeof edit_fields[0], f) != 0 ||
	    session_load(st, id, &s, f) != 0)
		return (-1);
	force = json_is_true(json_object_get(body, "force"));

	if ((status = param_text(body, "status")) != NULL &&
	    strcmp(status, s.status) != 0) {
		if (strcmp(status, "cancelled") == 0)
			return (fail_set(f, 422, "status", "cancel a session "
			    "with POST /v1/sessions/%lld/cancel so people are "
			    "told", (long long)id));
		if (strcmp(status, "done") != 0 &&
		    strcmp(status, "scheduled") != 0)
			return (fail_set(f, 422, "status", "status \"%s\" is "
			    "not scheduled or done", status));
		if (strcmp(s.status, "cancelled") == 0)
			return (fail_set(f, 409, "status", "session %lld is "
			    "cancelled; schedule a new one instead",
			    (long long)id));
		if (store_exec(st, f, sql_status, "tii", status, now, id) < 0)
			return (-1);
	}
	if (param_has(body, "capacity") &&
	    !json_is_null(json_object_get(body, "capacity"))) {
		cap = json_integer_value(json_object_get(body, "capacity"));
		if (cap < 1 || cap > 1000)
			return (fail_set(f, 422, "capacity", "capacity %lld is "
			    "out of range (1 to 1000)", (long long)cap));
		/* A companion needs two seats; one seat would strand them. */
		if (cap < 2 && store_int(st, 0, sql_companions, "i", id) > 0)
			return (fail_set(f, 409, "capacity", "session %lld has "
			    "a registration with a companion, which needs two "
			    "seats; the capacity cannot go below 2",
			    (long long)id));
		taken = registration_taken(st, id);
		if (cap < taken && !force)
			return (fail_set(f, 409, "capacity", "session %lld has "
			    "%lld seats taken; lowering the capacity to %lld "
			    "needs force, which moves the latest confirmed to "
			    "the waitlist", (long long)id, (long long)taken,
			    (long long)cap));
		if (store_exec(st, f, sql_cap, "iii", (int64_t)cap, now, id) < 0)
			return (-1);
		if (cap < taken && session_demote(st, id, (int)cap, f) != 0)
			return (-1);
		if (cap > taken && registration_promote(st, id, NULL, f) != 0)
			return (-1);
	}
	if (session_texts(body, &tx, f) != 0)
		return (-1);
	if (param_has(body, "notes") &&
	    store_exec(st, f, sql_notes, "tii", tx.notes, now, id) < 0)
		rc = -1;
	if (rc == 0 && param_has(body, "description") &&
	    store_exec(st, f, sql_description, "tii", tx.description, now,
	    id) < 0)
		rc = -1;
	session_texts_free(&tx);
	if (rc != 0 || session_staff(st, id, body, f) != 0 ||
	    session_edit_room(st, &s, body, f) != 0)
		return (-1);
	req->out = session_json(st, id);
	return (0);
}

/*
 * The session a move or cancel is about, its body checked against fields,
 * and its scope: *following is 1 for "following", 0 for "this".
 */
static int
session_change(struct api_req *req, const struct field *fields,
    size_t nfields, struct session_row *s, int *following)
{
	struct fail	*f = &req->fail;
	const char	*scope;
	int64_t		 id;

	*following = 0;
	if (param_id(req, 0, "session", &id) != 0 ||
	    param_check_fields(req->body, fields, nfields, f) != 0 ||
	    session_load(req->store, id, s, f) != 0)
		return (-1);
	scope = param_text(req->body, "scope");
	if (scope == NULL || strcmp(scope, "this") == 0)
		return (0);
	if (strcmp(scope, "following") != 0)
		return (fail_set(f, 422, "scope", "scope must be \"this\" or "
		    "\"following\""));
	if (s->series_id == 0)
		return (fail_set(f, 422, "scope", "session is not part of a "
		    "series; scope \"following\" needs one"));
	*following = 1;
	return (0);
}

/* The ids a change applies to: this session, or it and the later live
 * ones of its series. */
static json_t *
session_targets(struct store *st, struct session_row *s, int following)
{
	static const char *sql = "SELECT json_group_array(id) FROM (SELECT id "
	    "FROM session WHERE series_id = ? AND start_at >= ? AND "
	    "status = 'scheduled' ORDER BY start_at)";

	if (!following)
		return (json_pack("[I]", (json_int_t)s->id));
	return (store_json(st, sql, "ii", s->series_id, (int64_t)s->start));
}

static const struct field move_fields[] = {
	{ "start", FT_TEXT }, { "end", FT_TEXT }, { "duration", FT_INT },
	{ "venue", FT_TEXT }, { "scope", FT_TEXT }, { "room", FT_TEXT },
	{ "allow_overlap", FT_BOOL }, { "allow_closed", FT_BOOL },
	{ "past", FT_BOOL }, { "far", FT_BOOL },
};

int
session_move(struct api_req *req)
{
	static const char *sql = "UPDATE session SET start_at = ?, end_at = ?, "
	    "venue_id = ?, sequence = sequence + 1, updated_at = ? WHERE id = ?";
	static const char *sql_room = "SELECT coalesce(room_id, 0) FROM session "
	    "WHERE id = ?";
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_allow	 allow;
	struct session_row	 s, o;
	int64_t			 room_id;
	int			 seats;
	json_t			*targets, *v, *list, *detail;
	int64_t			 venue_id;
	char			 tz[64], *cause = NULL, *old;
	time_t			 start, end, t;
	int			 following;
	size_t			 i;

	if (session_change(req, move_fields, sizeof move_fields /
	    sizeof move_fields[0], &s, &following) != 0)
		return (-1);
	if (strcmp(s.status, "cancelled") == 0)
		return (fail_set(f, 409, "session", "session %lld is cancelled "
		    "and cannot be moved", (long long)s.id));
	if (strcmp(s.status, "scheduled") != 0)
		return (fail_set(f, 409, "session", "session %lld is %s and "
		    "cannot be moved", (long long)s.id, s.status));
	venue_id = s.venue_id;
	snprintf(tz, sizeof tz, "%s", s.tz);
	if (param_text(req->body, "venue") != NULL && session_venue(st,
	    param_text(req->body, "venue"), &venue_id, tz, sizeof tz, f) != 0)
		return (-1);
	if (session_when(st, req->body, "start", tz, &start, f) != 0 ||
	    session_end(st, req->body, tz, start,
	    (int)((s.end - s.start) / 60), &end, f) != 0)
		return (-1);
	/* The room it names; else its own, when it stays at its venue. */
	if (param_text(req->body, "room") != NULL) {
		if (session_room(st, req->body, venue_id, &room_id, &seats,
		    f) != 0)
			return (-1);
	} else
		room_id = venue_id == s.venue_id ? store_int(st, 0, sql_room,
		    "i", s.id) : 0;
	session_allow(req->body, &allow);

	targets = session_targets(st, &s, following);
	list = json_array();
	json_array_foreach(targets, i, v) {
		if (session_load(st, json_integer_value(v), &o, f) != 0)
			goto fail;
		t = start;
		if (o.id != s.id && recur_shift(tz, o.start, s.start, start,
		    &t, &cause) != 0) {
			fail_set(f, 422, "start", "moving session %lld: %s",
			    (long long)o.id, cause);
			free(cause);
			goto fail;
		}
		if (session_allowed(st, &allow, venue_id, room_id, tz, t,
		    t + (end - start), o.id, f) != 0) {
			/* Its format no longer says it all: English only. */
			if (o.id != s.id) {
				snprintf(f->msg + strlen(f->msg), sizeof f->msg -
				    strlen(f->msg), " (moving session %lld)",
				    (long long)o.id);
				f->msgid[0] = '\0';
			}
			goto fail;
		}
		old = zone_format_local(o.tz, o.start);
		detail = json_pack("{s:s, s:I}", "old_start", old, "old_venue_id",
		    (json_int_t)o.venue_id);
		free(old);
		if (store_exec(st, f, sql, "iiiii", (int64_t)t,
		    (int64_t)(t + (end - start)), venue_id,
		    (int64_t)store_now(st), o.id) < 0 ||
		    session_set_room(st, o.id, room_id, f) != 0 ||
		    outbox_notify_session(st, KIND_MOVED, o.id, detail,
		    f) != 0) {
			json_decref(detail);
			goto fail;
		}
		json_decref(detail);
		json_array_append_new(list, session_json(st, o.id));
	}
	json_decref(targets);
	req->out = json_pack("{s:o}", "sessions", list);
	return (0);

fail:
	json_decref(targets);
	json_decref(list);
	return (-1);
}

static const struct field cancel_fields[] = {
	{ "reason", FT_TEXT }, { "scope", FT_TEXT },
};

int
session_cancel(struct api_req *req)
{
	static const char *sql = "UPDATE session SET status = 'cancelled', "
	    "sequence = sequence + 1, updated_at = ? WHERE id = ?";
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	json_t			*targets, *v, *list, *detail;
	char			*reason;
	int64_t			 tid;
	int			 following;
	size_t			 i;

	if (session_change(req, cancel_fields, sizeof cancel_fields /
	    sizeof cancel_fields[0], &s, &following) != 0)
		return (-1);
	if (strcmp(s.status, "scheduled") != 0)
		return (fail_set(f, 409, "session", "session %lld is already "
		    "%s", (long long)s.id, s.status));
	if (resource_text("reason", param_text(req->body, "reason"),
	    SESSION_REASON_MAX, 0, &reason, f) != 0)
		return (-1);
	detail = json_pack("{s:s?}", "reason", reason);
	free(reason);
	targets = session_targets(st, &s, following);
	list = json_array();
	json_array_foreach(targets, i, v) {
		tid = json_integer_value(v);
		if (store_exec(st, f, sql, "ii", (int64_t)store_now(st),
		    tid) < 0 || outbox_notify_session(st, KIND_CANCELLED, tid,
		    detail, f) != 0) {
			json_decref(list);
			json_decref(targets);
			json_decref(detail);
			return (-1);
		}
		json_array_append_new(list, session_json(st, tid));
	}
	json_decref(targets);
	json_decref(detail);
	req->out = json_pack("{s:o}", "sessions", list);
	return (0);
}
