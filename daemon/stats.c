/*
 * The daemon's own status, as GET /v1/status and GET /metrics show it
 * (stats-report.c answers GET /v1/stats). Also the retention sweep that
 * anonymises people long after their last session.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>

#include "calendars.h"
#include "kursusd.h"
#include "citizen.h"

static const char	*stats_version = PACKAGE_VERSION;
static time_t		 stats_started;

void
stats_set_started(const char *version, time_t started)
{
	stats_version = version;
	stats_started = started;
}

/* The database file and its write-ahead log, in bytes. */
static int64_t
stats_db_size(const char *path)
{
	struct stat	 sb;
	int64_t		 size = 0;
	char		*wal;

	if (stat(path, &sb) == 0)
		size += sb.st_size;
	wal = xprintf("%s-wal", path);
	if (stat(wal, &sb) == 0)
		size += sb.st_size;
	free(wal);
	return (size);
}

/*
 * The outbox now: by channel, the messages waiting (pending), going
 * (sending) and failed, from what the triggers keep in tally (schema
 * step 12: counting a million pending rows took a second, on the loop
 * thread); the failed ones about sessions that have not started; the
 * earliest next attempt and how long it is overdue.
 */
struct stats_outbox {
	int64_t	 n[METRICS_CHANNELS][METRICS_STATES];
	int64_t	 total[METRICS_STATES];	/* "call" records too */
	int64_t	 failed_upcoming;
	time_t	 next_due;		/* -1 when nothing is pending */
	int64_t	 oldest_due;		/* seconds; 0 when nothing is due */
};

static const char *const stats_channels[METRICS_CHANNELS] = { "email",
    "sms" };

static void
stats_outbox(struct store *st, time_t now, struct stats_outbox *o)
{
	static const char *sql_states = "SELECT CASE state WHEN 'pending' "
	    "THEN 0 WHEN 'sending' THEN 1 ELSE 2 END, channel, n FROM tally "
	    "WHERE what = 'outbox' AND state IN ('pending', 'sending', "
	    "'failed')";
	static const char *sql_upcoming = "SELECT count(*) FROM outbox o "
	    "JOIN session s ON s.id = o.session_id WHERE o.state = 'failed' "
	    "AND s.start_at > ?";
	static const char *sql_next = "SELECT min(next_attempt) FROM outbox "
	    "WHERE state = 'pending'";
	sqlite3_stmt	*stmt;
	const char	*channel;
	int		 state, ch;

	memset(o, 0, sizeof *o);
	stmt = store_stmt(st, sql_states);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		state = sqlite3_column_int(stmt, 0);
		channel = store_col(stmt, 1);
		if (state < 0 || state >= METRICS_STATES || channel == NULL)
			continue;
		o->total[state] += sqlite3_column_int64(stmt, 2);
		for (ch = 0; ch < METRICS_CHANNELS; ch++)
			if (strcmp(channel, stats_channels[ch]) == 0)
				o->n[ch][state] = sqlite3_column_int64(stmt, 2);
	}
	sqlite3_reset(stmt);
	o->failed_upcoming = store_int(st, 0, sql_upcoming, "i",
	    (int64_t)now);
	o->next_due = (time_t)store_int(st, -1, sql_next, NULL);
	if (o->next_due >= 0 && o->next_due < now)
		o->oldest_due = (int64_t)(now - o->next_due);
}

int
stats_status(struct api_req *req)
{
	static const char *sql = "SELECT json_object("
	    "'venues', (SELECT count(*) FROM venue),"
	    "'courses', (SELECT count(*) FROM course),"
	    "'instructors', (SELECT count(*) FROM instructor),"
	    "'sessions', (SELECT count(*) FROM session),"
	    "'participants', (SELECT coalesce(sum(n), 0) FROM tally "
	    "  WHERE what = 'participant'),"
	    "'registrations', (SELECT coalesce(sum(n), 0) FROM tally "
	    "  WHERE what = 'registration'),"
	    "'outbox_pending', (SELECT coalesce(sum(n), 0) FROM tally "
	    "  WHERE what = 'outbox' AND state = 'pending'))";
	/* The first few, soonest first, for staff to look at. */
	static const char *sql_sessions = "SELECT json_group_array(id) FROM "
	    "(SELECT DISTINCT s.id AS id, s.start_at FROM outbox o JOIN "
	    "session s ON s.id = o.session_id WHERE o.state = 'failed' AND "
	    "s.start_at > ? ORDER BY s.start_at, s.id LIMIT 10)";
	struct stats_outbox	 o;
	const char	*path = store_path(req->store);
	char		*started, *due;
	time_t		 now = time(NULL);

	stats_outbox(req->store, store_now(req->store), &o);
	started = zone_format_utc(stats_started);
	due = o.next_due >= 0 ? zone_format_utc(o.next_due) : NULL;
	req->out = json_pack("{s:s, s:i, s:I, s:s, s:{s:s, s:I, s:i}, s:o, "
	    "s:{s:I, s:I, s:I, s:s?, s:I, s:I, s:o}, s:o}",
	    "version", stats_version, "api_version", KURSUS_API_VERSION,
	    "uptime", (json_int_t)(now - stats_started), "started_at", started,
	    "database", "path", path, "size",
	    (json_int_t)stats_db_size(path), "schema_version",
	    store_schema_version(req->store),
	    "counts", store_json(req->store, sql, NULL),
	    "outbox", "pending", (json_int_t)o.total[0], "sending",
	    (json_int_t)o.total[1], "failed", (json_int_t)o.total[2],
	    "next_due", due, "oldest_due_seconds", (json_int_t)o.oldest_due,
	    "failed_upcoming", (json_int_t)o.failed_upcoming,
	    "failed_sessions", store_json(req->store, sql_sessions, "i",
	    (int64_t)store_now(req->store)),
	    "senders", sender_status(req->sender));
	json_object_set_new(req->out, "inbox", json_pack("{s:I}", "unhandled",
	    (json_int_t)inbox_unhandled(req->store)));
	free(started);
	free(due);
	return (0);
}

/*
 * GET /metrics (http.c): the counters of metrics.c with what the
 * database and the sender say now, gathered here so that metrics.c calls
 * nothing back. The senders' states are read from what GET /v1/status
 * shows of them: "ok" is reachable; "unreachable", or "waiting" (the
 * server refuses every message), is not.
 */
char *
stats_metrics(struct store *st, struct sender *sender, size_t *len)
{
	struct metrics_scrape	 m;
	struct stats_outbox	 o;
	json_t			*senders, *c;
	const char		*state;
	int			 ch;

	memset(&m, 0, sizeof m);
	m.version = stats_version;
	m.started = stats_started;
	m.now = time(NULL);
	m.db_size = stats_db_size(store_path(st));
	stats_outbox(st, store_now(st), &o);
	memcpy(m.outbox, o.n, sizeof m.outbox);
	m.failed_upcoming = o.failed_upcoming;
	m.oldest_due = o.oldest_due;
	m.inbox_unhandled = inbox_unhandled(st);
	senders = sender_status(sender);
	for (ch = 0; ch < METRICS_CHANNELS; ch++) {
		c = json_object_get(senders, stats_channels[ch]);
		state = json_string_value(json_object_get(c, "state"));
		m.configured[ch] = json_is_true(json_object_get(c,
		    "configured"));
		m.reachable[ch] = state != NULL && strcmp(state, "ok") == 0;
		m.known[ch] = m.configured[ch] && state != NULL &&
		    (m.reachable[ch] || strcmp(state, "unreachable") == 0 ||
		    strcmp(state, "waiting") == 0);
	}
	m.in_flight = json_integer_value(json_object_get(senders,
	    "in_flight"));
	json_decref(senders);
	return (metrics_text(&m, len));
}

/*
 * A person is kept while any registration of theirs is for a session that
 * ended less than `days` ago or is still ahead; people who never
 * registered are kept `days` from their creation. One call reads the next
 * `limit` people not anonymised, by age (participant_live), after at
 * (created_at, id; {0, 0} to begin), anonymises those whose time is out,
 * and moves at on: a sweep reads each person once, however many are kept,
 * and each turn of the loop probes at most `limit` of them. Returns how
 * many were read: fewer than limit when the sweep is done.
 */
int
stats_retention_sweep(struct store *st, int days, int limit, int64_t *at,
    struct fail *f)
{
	static const char *sql = "SELECT p.id, p.created_at, NOT EXISTS "
	    "(SELECT 1 FROM registration r JOIN session s ON s.id = "
	    "r.session_id WHERE r.participant_id = p.id AND s.end_at >= ?1) "
	    "FROM participant p WHERE p.anonymised_at IS NULL AND "
	    "p.created_at < ?1 AND (p.created_at, p.id) > (?2, ?3) "
	    "ORDER BY p.created_at, p.id LIMIT ?4";
	/* SMS replies are kept as long, whoever sent them. */
	static const char *sql_inbox = "UPDATE inbox SET sender = "
	    "'(slettet)', receiver = NULL, text = '', handled_at = "
	    "coalesce(handled_at, ?2) WHERE received_at < ?1 AND text != ''";
	sqlite3_stmt	*stmt;
	int64_t		*ids, cut, was[2] = { at[0], at[1] };
	int		 n = 0, gone = 0, i, first = at[0] == 0 && at[1] == 0;

	if (days <= 0 || limit <= 0)
		return (0);
	cut = (int64_t)(store_now(st) - (time_t)days * 86400);
	if (store_begin(st, f) != 0)
		return (-1);
	if (first && store_exec(st, f, sql_inbox, "ii", cut,
	    (int64_t)store_now(st)) < 0) {
		store_rollback(st);
		return (-1);
	}
	ids = xcalloc((size_t)limit, sizeof *ids);
	stmt = store_stmt(st, sql);
	sqlite3_bind_int64(stmt, 1, cut);
	sqlite3_bind_int64(stmt, 2, first ? INT64_MIN : at[0]);
	sqlite3_bind_int64(stmt, 3, at[1]);
	sqlite3_bind_int(stmt, 4, limit);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		at[1] = sqlite3_column_int64(stmt, 0);
		at[0] = sqlite3_column_int64(stmt, 1);
		if (sqlite3_column_int(stmt, 2))
			ids[gone++] = at[1];
		n++;
	}
	sqlite3_reset(stmt);
	for (i = 0; i < gone; i++) {
		if (registration_anonymise(st, ids[i], f) != 0)
			break;
	}
	free(ids);
	if (i < gone || store_commit(st, f) != 0) {
		store_rollback(st);
		at[0] = was[0];
		at[1] = was[1];
		return (-1);
	}
	if (gone > 0)
		log_info("retention: anonymised %d participant%s", gone,
		    gone == 1 ? "" : "s");
	if (n < limit)
		at[0] = at[1] = 0;
	return (n);
}
