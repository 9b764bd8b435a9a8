/*
 * Sessions from a calendar file (POST /v1/import): each occurrence of the
 * file's events in the period read becomes a session of the course at the
 * venue, or updates (moves, cancels, with notices) the one an earlier
 * import made of it. The calendars library parses and expands the file;
 * this turns its occurrences into sessions.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "commit.h"
#include "readjob.h"


/*
 * The file's size (KURSUS_API_MAX_CALENDAR) bounds what it lists; this
 * bounds what its recurrences may expand to in the period read.
 */
#define IMPORT_MAX	20000		/* occurrences in one import */
#define IMPORT_DAYS	(2 * 366)	/* the period read by default */
#define IMPORT_BUSY_MS	5000		/* the worker waits for the lock */

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

/* A session found absent, and where its UID came in the file. */
struct calimport_gone {
	size_t		 order;		/* the UID's first place in the file */
	int64_t		 start, id;
};

static int
calimport_gone_cmp(const void *a, const void *b)
{
	const struct calimport_gone *x = a, *y = b;

	if (x->order != y->order)
		return (x->order < y->order ? -1 : 1);
	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	return (x->id < y->id ? -1 : x->id > y->id);
}

/*
 * Sessions an earlier import made from this file's events that the file no
 * longer holds (a series shortened, an occurrence deleted): reported, not
 * cancelled, since a file that lists less may only cover less. A session
 * is one of an event's when its key is the event's UID, or that UID, a
 * slash and a RECURRENCE-ID. One pass over the period's imported
 * sessions: each key is looked up, not each UID searched for.
 */
static void
calimport_absent(struct store *st, const struct cal_import *imp,
    time_t from, time_t until, json_t *report)
{
	static const char *sql = "SELECT id, import_key, start_at FROM "
	    "session WHERE status = 'scheduled' AND start_at >= ?1 AND "
	    "start_at < ?2 AND import_key IS NOT NULL";
	json_t			*uids = json_object(), *keys = json_object();
	json_t			*absent = json_array(), *at;
	struct calimport_gone	*gone = NULL;
	size_t			 ngone = 0, i;
	sqlite3_stmt		*stmt;
	const char		*key;
	char			*uid, *slash;

	for (i = 0; i < imp->nevents; i++) {
		if (json_object_get(uids, imp->events[i].uid) == NULL)
			json_object_set_new(uids, imp->events[i].uid,
			    json_integer((json_int_t)json_object_size(uids)));
		json_object_set_new(keys, imp->events[i].key, json_true());
	}
	stmt = store_stmt(st, sql);
	sqlite3_bind_int64(stmt, 1, (int64_t)from);
	sqlite3_bind_int64(stmt, 2, (int64_t)until);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(stmt, 1);
		if (key == NULL || json_object_get(keys, key) != NULL)
			continue;
		/* The key itself, then each part of it before a slash. */
		uid = xstrdup(key);
		slash = NULL;
		do {
			if (slash != NULL)
				*slash = '\0';
			if ((at = json_object_get(uids, uid)) != NULL) {
				gone = xreallocarray(gone, ngone + 1,
				    sizeof *gone);
				gone[ngone].order = (size_t)
				    json_integer_value(at);
				gone[ngone].start = sqlite3_column_int64(stmt,
				    2);
				gone[ngone++].id = sqlite3_column_int64(stmt,
				    0);
			}
		} while ((slash = strrchr(uid, '/')) != NULL);
		free(uid);
	}
	sqlite3_reset(stmt);
	if (ngone > 0)
		qsort(gone, ngone, sizeof *gone, calimport_gone_cmp);
	for (i = 0; i < ngone; i++)
		json_array_append_new(absent, session_json(st, gone[i].id));
	json_object_set_new(report, "absent", absent);
	free(gone);
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
 * One import, as the route read it on the loop: what the worker needs to
 * parse the file and apply it, and its answer.
 */
struct calimport_job {
	struct store		*main;		/* the loop's */
	struct store		*st;		/* the worker's (store_clone()) */
	struct outbox_conf	*oc;		/* the worker's copy */
	struct feeds		*feeds;
	struct sender		*sender;
	struct api_later	 later;
	char			 peer[64];
	char			*raw;
	size_t			 rawlen;
	char			 tz[64];
	int64_t			 course_id, venue_id;
	json_int_t		 capacity;
	time_t			 from, until;
	int			 dry;
	json_t			*report;
	char			*text;		/* the answer, written */
	size_t			 textlen;
	struct fail		 fail;
	int			 wrote;
};

/*
 * Parses the file and applies it through st, inside the transaction the
 * caller opened: the report in j->report, or -1 with j->fail filled and
 * nothing written. A dry run reports the same and writes nothing. Breaks
 * off when *stop is set (kursusd stops).
 */
static int
calimport_apply(struct store *st, struct calimport_job *j,
    const _Atomic int *stop)
{
	static const char *sql_save = "SAVEPOINT import";
	static const char *sql_undo = "ROLLBACK TO import";
	static const char *sql_release = "RELEASE import";
	struct fail		*f = &j->fail;
	struct cal_import	*imp = NULL;
	char			*cause = NULL;
	json_t			*report;
	size_t			 i;
	int			 rc = 0;

	if (import_parse(j->raw, j->rawlen, j->tz, j->from, j->until,
	    IMPORT_MAX, &imp, &cause) != 0) {
		fail_set(f, 422, "calendar", "%s", cause);
		free(cause);
		return (-1);
	}
	for (i = 0; i < imp->nevents; i++) {
		if (calimport_cpr(&imp->events[i], j->tz, f) != 0) {
			import_free(imp);
			return (-1);
		}
	}
	report = json_pack("{s:b, s:[], s:[], s:i, s:[]}", "dry_run", j->dry,
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
	for (i = 0; i < imp->nevents && rc == 0; i++) {
		if (stop != NULL && atomic_load(stop))
			rc = fail_set(f, 503, NULL, "kursusd is stopping; "
			    "nothing was imported");
		else
			rc = calimport_one(st, &imp->events[i], j->course_id,
			    j->venue_id, j->capacity, report, f);
	}
	if (rc == 0)
		calimport_absent(st, imp, j->from, j->until, report);
	import_free(imp);
	if (rc != 0 || j->dry)
		store_exec(st, NULL, sql_undo, NULL);
	store_exec(st, NULL, sql_release, NULL);
	if (rc != 0) {
		json_decref(report);
		return (-1);
	}
	j->report = report;
	return (0);
}

static void
calimport_job_free(struct calimport_job *j)
{
	store_close(j->st);
	outbox_conf_free(j->oc);
	json_decref(j->report);
	free(j->text);
	free(j->raw);
	free(j);
}

/*
 * On the worker: the file applied in one transaction of its own, and the
 * answer written (a report of 20,000 sessions is megabytes of JSON: not
 * for the loop to write).
 */
static void
calimport_work(void *arg, const _Atomic int *stop)
{
	struct calimport_job	*j = arg;
	char			*cause = NULL;
	int			 committed = 0;

	if (store_clone_open(j->st, IMPORT_BUSY_MS, &cause) != 0) {
		fail_set(&j->fail, 503, NULL, "%s", cause);
		free(cause);
	} else {
		/* The loop does not wait for the lock while this holds it. */
		busy_job_begin();
		if (store_begin(j->st, &j->fail) != 0)
			;
		else if (calimport_apply(j->st, j, stop) != 0)
			store_rollback(j->st);
		else
			committed = store_commit(j->st, &j->fail) == 0;
		busy_job_end();
	}
	if (committed) {
		j->wrote = !j->dry;
		j->text = api_answer_text(j->report, &j->textlen, &j->fail);
	} else
		json_decref(j->report);
	j->report = NULL;
	store_close(j->st);
	j->st = NULL;
	free(j->raw);
	j->raw = NULL;
}

/* On the loop, once the worker is done (or kursusd stops). */
static void
calimport_done(void *arg, int stopping)
{
	struct calimport_job	*j = arg;

	if (j->text == NULL && j->fail.status == 0)
		fail_set(&j->fail, 503, NULL, "kursusd is stopping; nothing "
		    "was imported");
	if (j->wrote) {
		/* What the feeds and the outbox did not see written. */
		store_note_commit(j->main);
		feeds_note_written(j->feeds);
		sender_kick(j->sender);
	}
	if (j->text != NULL)
		log_info("POST %s/import by %s: 200", KURSUS_API_PREFIX,
		    j->peer);
	else
		log_info("POST %s/import by %s: refused: %d%s%s%s",
		    KURSUS_API_PREFIX, j->peer, j->fail.status,
		    j->fail.field[0] != '\0' ? " (field " : "", j->fail.field,
		    j->fail.field[0] != '\0' ? ")" : "");
	(void)stopping;
	api_later_answer(&j->later, j->text, j->textlen, &j->fail);
	j->text = NULL;
	calimport_job_free(j);
}

/*
 * Sessions from a calendar file: each occurrence becomes a session of the
 * course at the venue, or updates the one an earlier import made of it
 * (its key is the file's UID and RECURRENCE-ID). What the query names is
 * checked here, on the loop; the file, which may be large, is parsed and
 * applied by a worker with its own connection in one transaction of its
 * own (job.c), and answered when it is done. Without workers (the unit
 * tests) it is applied here, in the route's transaction.
 */
int
calimport_run(struct api_req *req)
{
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct calimport_job	*j;
	const char		*v;
	char			*end;
	long long		 n;
	int			 duration;

	if (param_check_query(req, "venue", "course", "capacity", "dry_run",
	    "from", "to", (char *)NULL) != 0)
		return (-1);
	if (req->rawlen == 0)
		return (fail_set(f, 422, "calendar", "the body is empty: it "
		    "must be the .ics file"));
	j = xcalloc(1, sizeof *j);
	if (resource_id(st, "course", param_text(req->query, "course"),
	    "course", &j->course_id, f) != 0 || session_venue(st,
	    param_text(req->query, "venue"), &j->venue_id, j->tz,
	    sizeof j->tz, f) != 0)
		goto fail;
	session_defaults(st, j->course_id, j->venue_id, &duration,
	    &j->capacity);
	if ((v = param_text(req->query, "capacity")) != NULL) {
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || n < 1 ||
		    n > 1000) {
			fail_set(f, 422, "capacity", "capacity \"%s\" is not a "
			    "number from 1 to 1000", v);
			goto fail;
		}
		j->capacity = n;
	}
	if ((v = param_text(req->query, "dry_run")) != NULL) {
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
			fail_set(f, 422, "dry_run", "dry_run \"%s\" is neither "
			    "true nor false", v);
			goto fail;
		}
		j->dry = strcmp(v, "true") == 0;
	}
	if (calimport_period(st, req->query, j->tz, &j->from, &j->until,
	    f) != 0)
		goto fail;

	if (req->jobs == NULL || req->later == NULL) {
		j->raw = (char *)req->raw;
		j->rawlen = req->rawlen;
		if (calimport_apply(st, j, NULL) != 0) {
			*f = j->fail;
			j->raw = NULL;
			goto fail;
		}
		req->out = j->report;
		j->report = NULL;
		j->raw = NULL;
		calimport_job_free(j);
		return (0);
	}
	j->main = st;
	j->st = store_clone(st);
	j->oc = outbox_conf_copy(store_outbox(st));
	store_set_outbox(j->st, j->oc);
	j->feeds = req->feeds;
	j->sender = req->sender;
	j->later = *req->later;
	snprintf(j->peer, sizeof j->peer, "%s", req->peer != NULL ? req->peer :
	    "?");
	j->raw = xmalloc(req->rawlen + 1);
	memcpy(j->raw, req->raw, req->rawlen);
	j->raw[req->rawlen] = '\0';
	j->rawlen = req->rawlen;
	if (job_start(req->jobs, calimport_work, calimport_done, j, f) != 0)
		goto fail;
	req->status = API_LATER;
	return (0);

fail:
	calimport_job_free(j);
	return (-1);
}
