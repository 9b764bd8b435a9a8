/*
 * What the library reports: participants and sessions by course type,
 * venue and month, attendance, and the next milestone of the running
 * number; and the daemon's own status. Also the retention sweep that
 * anonymises people long after their last session.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"

#define STATS_MILESTONE	500

static const char	*stats_version = PACKAGE_VERSION;
static time_t		 stats_started;

void
api_set_status_info(const char *version, time_t started)
{
	stats_version = version;
	stats_started = started;
}

int
stats_status(struct api_req *req)
{
	static const char *sql = "SELECT json_object("
	    "'venues', (SELECT count(*) FROM venue),"
	    "'courses', (SELECT count(*) FROM course),"
	    "'instructors', (SELECT count(*) FROM instructor),"
	    "'sessions', (SELECT count(*) FROM session),"
	    "'participants', (SELECT count(*) FROM participant WHERE "
	    "  anonymised_at IS NULL),"
	    "'registrations', (SELECT count(*) FROM registration),"
	    "'outbox_pending', (SELECT count(*) FROM outbox WHERE "
	    "  state = 'pending'))";
	struct stat	 sb;
	const char	*path = store_path(req->store);
	char		*wal, *started;
	json_int_t	 size = 0;
	time_t		 now = time(NULL);

	if (stat(path, &sb) == 0)
		size += sb.st_size;
	wal = xprintf("%s-wal", path);
	if (stat(wal, &sb) == 0)
		size += sb.st_size;
	free(wal);
	started = zone_format_utc(stats_started);
	req->out = json_pack("{s:s, s:i, s:I, s:s, s:{s:s, s:I, s:i}, s:o}",
	    "version", stats_version, "api_version", KURSUS_API_VERSION,
	    "uptime", (json_int_t)(now - stats_started), "started_at", started,
	    "database", "path", path, "size", size, "schema_version",
	    store_schema_version(req->store),
	    "counts", store_json(req->store, sql, NULL));
	free(started);
	return (0);
}

/*
 * One aggregate per group key. The session's own rows are counted once per
 * session (sessions), its confirmed registrations once each.
 */
#define STATS_SQL(key, name, join)					\
	"SELECT json_object('key', " key ", 'name', " name ","		\
	" 'sessions', count(DISTINCT s.id),"				\
	" 'registrations', count(r.id),"				\
	" 'participants', count(DISTINCT r.participant_id),"		\
	" 'attended', count(CASE WHEN r.attendance = 'attended' THEN 1 END),"\
	" 'no_show', count(CASE WHEN r.attendance = 'no-show' THEN 1 END))"\
	" FROM session s JOIN venue v ON v.id = s.venue_id"		\
	" JOIN course c ON c.id = s.course_id"				\
	" LEFT JOIN registration r ON r.session_id = s.id"		\
	"  AND r.status = 'confirmed'"					\
	" WHERE s.status != 'cancelled'"				\
	"  AND (?1 IS NULL OR s.start_at >= ?1)"			\
	"  AND (?2 IS NULL OR s.start_at < ?2)"				\
	" GROUP BY " key " ORDER BY " join

static const char *stats_groups[][2] = {
	{ "by_course", STATS_SQL("c.slug", "c.title", "c.title") },
	{ "by_venue", STATS_SQL("v.slug", "v.name", "v.name") },
	{ "by_month", STATS_SQL("substr(local_iso(s.start_at, v.timezone), 1, 7)",
	    "substr(local_iso(s.start_at, v.timezone), 1, 7)", "1") },
	{ "total", STATS_SQL("'all'", "'all'", "1") },
};

static const char *danish_months[] = { "januar", "februar", "marts",
    "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december" };

/* Adds attendance_rate (null when nothing is recorded) to a group row. */
static void
stats_rate(json_t *o)
{
	json_int_t	 a, n;

	a = json_integer_value(json_object_get(o, "attended"));
	n = json_integer_value(json_object_get(o, "no_show"));
	json_object_set_new(o, "attendance_rate", a + n > 0 ?
	    json_real((double)a / (double)(a + n)) : json_null());
}

int
stats_show(struct api_req *req)
{
	static const char *sql_next = "SELECT CAST(value AS INTEGER) FROM "
	    "settings WHERE key = 'next_number'";
	struct store	*st = req->store;
	const char	*key;
	time_t		 t[2];
	int		 has[2] = { 0, 0 }, month;
	size_t		 g;
	json_t		*list, *row, *total, *v;
	char		*name;
	int64_t		 next, milestone;
	sqlite3_stmt	*stmt;

	json_object_foreach(req->query, key, v) {
		if (strcmp(key, "from") != 0 && strcmp(key, "to") != 0)
			return (fail_set(&req->fail, 400, key, "unknown filter "
			    "\"%s\" (from, to)", key));
	}
	if (api_query_time(req, "from", &t[0], &has[0]) != 0 ||
	    api_query_time(req, "to", &t[1], &has[1]) != 0)
		return (-1);

	req->out = json_object();
	for (g = 0; g < sizeof stats_groups / sizeof stats_groups[0]; g++) {
		stmt = store_stmt(st, stats_groups[g][1]);
		if (has[0])
			sqlite3_bind_int64(stmt, 1, t[0]);
		if (has[1])
			sqlite3_bind_int64(stmt, 2, t[1]);
		list = json_array();
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			row = json_loads((const char *)sqlite3_column_text(stmt,
			    0), 0, NULL);
			if (row == NULL)
				continue;
			stats_rate(row);
			if (g == 2 && sscanf(json_string_value(json_object_get(
			    row, "key")), "%*d-%d", &month) == 1 &&
			    month >= 1 && month <= 12) {
				name = xprintf("%s %.4s", danish_months[month -
				    1], json_string_value(json_object_get(row,
				    "key")));
				json_object_set_new(row, "name",
				    json_string(name));
				free(name);
			}
			json_array_append_new(list, row);
		}
		sqlite3_reset(stmt);
		if (g < 3) {
			json_object_set_new(req->out, stats_groups[g][0], list);
			continue;
		}
		/* An empty database still answers with every total. */
		total = json_array_get(list, 0);
		if (total == NULL) {
			total = json_pack("{s:i, s:i, s:i, s:i, s:i, s:n}",
			    "sessions", 0, "registrations", 0, "participants",
			    0, "attended", 0, "no_show", 0, "attendance_rate");
			json_array_append_new(list, total);
		}
		json_object_foreach(total, key, v) {
			if (strcmp(key, "key") != 0 && strcmp(key, "name") != 0)
				json_object_set(req->out, key, v);
		}
		json_decref(list);
	}
	next = store_int(st, 1, sql_next, NULL);
	milestone = ((next + STATS_MILESTONE - 1) / STATS_MILESTONE) *
	    STATS_MILESTONE;
	json_object_set_new(req->out, "next_number", json_integer(next));
	json_object_set_new(req->out, "next_milestone",
	    json_integer(milestone));
	json_object_set_new(req->out, "to_milestone",
	    json_integer(milestone - next));
	return (0);
}

int
stats_retention_sweep(struct store *st, int days, struct fail *f)
{
	/*
	 * A person is kept while any registration of theirs is for a session
	 * that ended less than `days` ago or is still ahead; people who never
	 * registered are kept `days` from their creation.
	 */
	static const char *sql = "UPDATE participant SET name = '(slettet)', "
	    "email = NULL, phone = NULL, phone_type = NULL, notes = NULL, "
	    "no_contact = 1, anonymised_at = ?1, updated_at = ?1 "
	    "WHERE anonymised_at IS NULL AND created_at < ?2 AND NOT EXISTS "
	    "(SELECT 1 FROM registration r JOIN session s ON s.id = "
	    "r.session_id WHERE r.participant_id = participant.id AND "
	    "s.end_at >= ?2)";
	time_t	 now = store_now(st);
	int	 n;

	if (days <= 0)
		return (0);
	if (store_begin(st) != 0)
		return (store_fail(st, f));
	if ((n = store_exec(st, f, sql, "ii", (int64_t)now,
	    (int64_t)(now - (time_t)days * 86400))) < 0 ||
	    store_commit(st, f) != 0) {
		store_rollback(st);
		return (-1);
	}
	if (n > 0)
		log_info("retention: anonymised %d participant%s", n,
		    n == 1 ? "" : "s");
	return (0);
}
