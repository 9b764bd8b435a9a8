/*
 * Sessions from a calendar file (POST /v1/import): each occurrence of the
 * file's events in the period read becomes a session of the course at the
 * venue, or updates (moves, cancels, with notices) the one an earlier
 * import made of it. The calendars library parses and expands the file;
 * this turns its occurrences into sessions.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"


/*
 * The file's size (KURSUS_API_MAX_CALENDAR) bounds what it lists; this
 * bounds what its recurrences may expand to in the period read.
 */
#define IMPORT_MAX	20000		/* occurrences in one import */
#define IMPORT_DAYS	(2 * 366)	/* the period read by default */

/*
 * An event of an imported file whose texts hold a CPR number refuses the
 * whole file: nothing of it is kept, and the cause names the event by its
 * place, not by its text. (Not its UID: an identifier a program made, whose
 * hex digits now and then look like one.)
 */
static int
calimport_cpr(const struct cal_import_event *e, const char *tz,
    struct fail *f)
{
	const char	*what = NULL;
	char		*when;
	int		 rc;

	if (contact_looks_like_cpr(e->summary))
		what = "SUMMARY";
	else if (contact_looks_like_cpr(e->description))
		what = "DESCRIPTION";
	else if (contact_looks_like_cpr(e->location))
		what = "LOCATION";
	if (what == NULL)
		return (0);
	when = zone_format_local(tz, e->start);	/* staff's time, not UTC */
	rc = fail_set(f, 422, "calendar", "the event at %s has a %s that "
	    "looks like it holds a CPR number; kursusd never stores CPR "
	    "numbers: remove it from the file and import again", when, what);
	free(when);
	return (rc);
}

/* One imported occurrence against what an earlier import made of it. */
static int
calimport_one(struct store *st, const struct cal_import_event *e,
    int64_t course_id, int64_t venue_id, int64_t capacity, json_t *report,
    struct fail *f)
{
	static const char *sql_find = "SELECT id FROM session WHERE "
	    "import_key = ?";
	static const char *sql_own = "SELECT id FROM session WHERE uid = ?";
	static const char *sql_move = "UPDATE session SET start_at = ?, "
	    "end_at = ?, sequence = sequence + 1, updated_at = ? WHERE id = ?";
	static const char *sql_cancel = "UPDATE session SET status = "
	    "'cancelled', sequence = sequence + 1, updated_at = ? WHERE id = ?";
	struct session_row	 s;
	struct session_texts	 tx;
	int64_t			 id, now = store_now(st);
	json_t			*detail;
	char			*old, *why;

	/* A calendar kursusd wrote (an export, a feed) holds our own UIDs. */
	if ((id = store_int(st, 0, sql_own, "t", e->uid)) != 0) {
		why = xprintf("this event is session %lld of this kursusd "
		    "(exported from here)", (long long)id);
		json_array_append_new(json_object_get(report, "skipped"),
		    json_pack("{s:s, s:s}", "key", e->key, "reason", why));
		free(why);
		return (0);
	}
	if ((id = store_int(st, 0, sql_find, "t", e->key)) == 0) {
		if (e->cancelled) {
			json_array_append_new(json_object_get(report,
			    "skipped"), json_pack("{s:s, s:s}", "key", e->key,
			    "reason", "cancelled in the file"));
			return (0);
		}
		tx.notes = e->summary;
		tx.description = NULL;
		if (session_insert(st, 0, course_id, venue_id, e->start, e->end,
		    capacity, &tx, e->key, &id, f) != 0)
			return (-1);
		json_array_append_new(json_object_get(report, "created"),
		    session_json(st, id));
		return (0);
	}
	if (session_load(st, id, &s, f) != 0)
		return (-1);
	if (strcmp(s.status, "scheduled") != 0) {
		json_array_append_new(json_object_get(report, "skipped"),
		    json_pack("{s:s, s:s}", "key", e->key, "reason",
		    strcmp(s.status, "done") == 0 ? "the session is done" :
		    "the session was cancelled here"));
		return (0);
	}
	if (e->cancelled) {
		detail = json_pack("{s:s}", "reason", "cancelled in the "
		    "imported calendar");
		if (store_exec(st, f, sql_cancel, "ii", now, id) < 0 ||
		    outbox_notify_session(st, KIND_CANCELLED, id, detail,
		    f) != 0) {
			json_decref(detail);
			return (-1);
		}
		json_decref(detail);
	} else if (s.start != e->start || s.end != e->end) {
		old = zone_format_local(s.tz, s.start);
		detail = json_pack("{s:s, s:I}", "old_start", old,
		    "old_venue_id", (json_int_t)s.venue_id);
		free(old);
		if (store_exec(st, f, sql_move, "iiii", (int64_t)e->start,
		    (int64_t)e->end, now, id) < 0 ||
		    outbox_notify_session(st, KIND_MOVED, id, detail,
		    f) != 0) {
			json_decref(detail);
			return (-1);
		}
		json_decref(detail);
	} else {
		json_object_set_new(report, "unchanged", json_integer(
		    json_integer_value(json_object_get(report,
		    "unchanged")) + 1));
		return (0);
	}
	json_array_append_new(json_object_get(report, "updated"),
	    session_json(st, id));
	return (0);
}

/*
 * Sessions an earlier import made from this file's events that the file no
 * longer holds (a series shortened, an occurrence deleted): reported, not
 * cancelled, since a file that lists less may only cover less.
 */
static void
calimport_absent(struct store *st, const struct cal_import *imp,
    time_t from, time_t until, json_t *report)
{
	static const char *sql = "SELECT json_group_array(id) FROM session "
	    "WHERE status = 'scheduled' AND start_at >= ?2 AND start_at < ?3 "
	    "AND (import_key = ?1 OR substr(import_key, 1, length(?1) + 1) = "
	    "?1 || '/')";
	static const char *sql_key = "SELECT import_key FROM session WHERE "
	    "id = ?";
	json_t		*uids = json_object(), *keys = json_object(), *ids, *v;
	json_t		*absent = json_array();
	const char	*uid;
	sqlite3_stmt	*stmt;
	size_t		 i, k;

	for (i = 0; i < imp->nevents; i++) {
		json_object_set_new(uids, imp->events[i].uid, json_true());
		json_object_set_new(keys, imp->events[i].key, json_true());
	}
	json_object_foreach(uids, uid, v) {
		ids = store_json(st, sql, "tii", uid, (int64_t)from,
		    (int64_t)until);
		json_array_foreach(ids, k, v) {
			stmt = store_stmt(st, sql_key);
			sqlite3_bind_int64(stmt, 1, json_integer_value(v));
			if (sqlite3_step(stmt) == SQLITE_ROW &&
			    json_object_get(keys, (const char *)
			    sqlite3_column_text(stmt, 0)) == NULL)
				json_array_append_new(absent, session_json(st,
				    json_integer_value(v)));
			sqlite3_reset(stmt);
		}
		json_decref(ids);
	}
	json_object_set_new(report, "absent", absent);
	json_decref(uids);
	json_decref(keys);
}

/*
 * The period an import reads, [from, until): from now (or a later "from")
 * to two years ahead (or "to"; a day alone means its whole day). The past
 * is never imported.
 */
static int
calimport_period(struct store *st, json_t *body, const char *tz,
    time_t *from, time_t *until, struct fail *f)
{
	struct cal_local	 l;
	const char		*to = param_text(body, "to");
	time_t			 now = store_now(st);

	*from = now;
	*until = now + (time_t)IMPORT_DAYS * 86400;
	if (param_text(body, "from") != NULL) {
		if (session_when(st, body, "from", tz, from, f) != 0)
			return (-1);
		if (*from < now - 60)
			return (fail_set(f, 422, "from", "from is in the past; "
			    "an import reads from now on"));
		if (*from < now)
			*from = now;
	}
	if (to != NULL) {
		if (session_when(st, body, "to", tz, until, f) != 0)
			return (-1);
		if (strlen(to) == 10 && to[4] == '-' && to[7] == '-') {
			/* The day's end: the next local midnight. */
			zone_utc_to_local(tz, *until + 30 * 3600, &l);
			l.hour = l.minute = l.second = 0;
			if (zone_local_to_utc(tz, &l, until, NULL) != 0)
				*until += 24 * 3600;
		}
	}
	if (*until <= *from)
		return (fail_set(f, 422, "to", "to must come after from (and "
		    "after now)"));
	return (0);
}

/*
 * Sessions from a calendar file: each occurrence becomes a session of the
 * course at the venue, or updates the one an earlier import made of it
 * (its key is the file's UID and RECURRENCE-ID). A dry run reports the
 * same and writes nothing.
 */
int
calimport_run(struct api_req *req)
{
	static const char *sql_save = "SAVEPOINT import";
	static const char *sql_undo = "ROLLBACK TO import";
	static const char *sql_release = "RELEASE import";
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct cal_import	*imp = NULL;
	const char		*v;
	char			 tz[64], *cause = NULL, *end;
	int64_t			 course_id, venue_id;
	json_int_t		 capacity;
	long long		 n;
	time_t			 from, until;
	json_t			*report;
	size_t			 i;
	int			 duration, dry = 0, rc = 0;

	if (param_check_query(req, "venue", "course", "capacity", "dry_run",
	    "from", "to", (char *)NULL) != 0)
		return (-1);
	if (req->rawlen == 0)
		return (fail_set(f, 422, "calendar", "the body is empty: it "
		    "must be the .ics file"));
	if (resource_id(st, "course", param_text(req->query, "course"),
	    "course", &course_id, f) != 0 || session_venue(st,
	    param_text(req->query, "venue"), &venue_id, tz, sizeof tz, f) != 0)
		return (-1);
	session_defaults(st, course_id, venue_id, &duration, &capacity);
	if ((v = param_text(req->query, "capacity")) != NULL) {
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || n < 1 ||
		    n > 1000)
			return (fail_set(f, 422, "capacity", "capacity \"%s\" is "
			    "not a number from 1 to 1000", v));
		capacity = n;
	}
	if ((v = param_text(req->query, "dry_run")) != NULL) {
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return (fail_set(f, 422, "dry_run", "dry_run \"%s\" is "
			    "neither true nor false", v));
		dry = strcmp(v, "true") == 0;
	}
	if (calimport_period(st, req->query, tz, &from, &until, f) != 0)
		return (-1);
	if (import_parse(req->raw, req->rawlen, tz, from, until, IMPORT_MAX,
	    &imp, &cause) != 0) {
		fail_set(f, 422, "calendar", "%s", cause);
		free(cause);
		return (-1);
	}

	for (i = 0; i < imp->nevents; i++) {
		if (calimport_cpr(&imp->events[i], tz, f) != 0) {
			import_free(imp);
			return (-1);
		}
	}
	report = json_pack("{s:b, s:[], s:[], s:i, s:[]}", "dry_run", dry,
	    "created", "updated", "unchanged", 0, "skipped");
	for (i = 0; i < imp->nskips; i++)
		json_array_append_new(json_object_get(report, "skipped"),
		    json_pack("{s:s, s:s}", "key", imp->skips[i].key, "reason",
		    imp->skips[i].reason));
	if (store_exec(st, f, sql_save, NULL) < 0) {
		import_free(imp);
		json_decref(report);
		return (-1);
	}
	for (i = 0; i < imp->nevents && rc == 0; i++)
		rc = calimport_one(st, &imp->events[i], course_id,
		    venue_id, capacity, report, f);
	if (rc == 0)
		calimport_absent(st, imp, from, until, report);
	import_free(imp);
	if (rc != 0 || dry)
		store_exec(st, NULL, sql_undo, NULL);
	store_exec(st, NULL, sql_release, NULL);
	if (rc != 0) {
		json_decref(report);
		return (-1);
	}
	req->out = report;
	return (0);
}
