/*
 * Closed days: the library's closures (all venues, or one) and the
 * holidays the calendar library computes ([calendar] holidays). Days are
 * local dates in the venue's zone, "YYYY-MM-DD", both ends closed, so a
 * closure means the same days on either side of a DST change. A closure
 * never cancels a session by itself: adding one lists the sessions it
 * covers, for staff to move or cancel.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"

#define CLOSURE_REASON_MAX	200
/* A closure longer than this is taken for a typing error. */
#define CLOSURE_DAYS_MAX	1096
/* GET /v1/closures without a range: from today, this many days on. */
#define CLOSURE_LIST_DAYS	366

static const char *sql_closure_json = "SELECT json_object('id', c.id, "
    "'venue', v.slug, 'venue_name', v.name, 'from', c.first_day, 'to', "
    "c.last_day, 'reason', c.reason, 'created_at', utc_iso(c.created_at)) "
    "FROM closure c LEFT JOIN venue v ON v.id = c.venue_id WHERE c.id = ?";

/* A date field into "YYYY-MM-DD": any form when_parse() reads, its day. */
static int
closure_date(struct store *st, json_t *body, const char *field, char *day,
    size_t len, struct fail *f)
{
	const char	*tz = store_default_timezone(st), *text;
	char		*cause = NULL;
	time_t		 t;

	if ((text = param_text(body, field)) == NULL)
		return (fail_set(f, 422, field, "%s is required: a date such "
		    "as 2026-12-24", field));
	if (when_parse(text, tz, store_now(st), &t, &cause) != 0) {
		fail_set(f, 422, field, "%s: %s", field, cause);
		free(cause);
		return (-1);
	}
	return (calendar_day(tz, t, day, len) == 0 ? 0 :
	    fail_set(f, 422, field, "%s \"%s\" is not a date", field, text));
}

/* Days from a to b ("YYYY-MM-DD"), by their noons in UTC. */
static long
closure_span(const char *a, const char *b)
{
	struct cal_local	 la, lb;
	time_t			 ta, tb;

	memset(&la, 0, sizeof la);
	memset(&lb, 0, sizeof lb);
	if (sscanf(a, "%d-%d-%d", &la.year, &la.month, &la.day) != 3 ||
	    sscanf(b, "%d-%d-%d", &lb.year, &lb.month, &lb.day) != 3)
		return (0);
	la.hour = lb.hour = 12;
	if (zone_local_to_utc("UTC", &la, &ta, NULL) != 0 ||
	    zone_local_to_utc("UTC", &lb, &tb, NULL) != 0)
		return (0);
	return ((long)((tb - ta) / 86400));
}

/* Scheduled sessions whose local day lies in [from, to], at venue_id or
 * (0) anywhere. */
static json_t *
closure_sessions(struct store *st, int64_t venue_id, const char *from,
    const char *to)
{
	static const char *sql = "SELECT sj.j FROM session s JOIN venue v ON "
	    "v.id = s.venue_id JOIN session_json sj ON sj.id = s.id WHERE "
	    "s.status = 'scheduled' AND (?3 = 0 OR s.venue_id = ?3) AND "
	    "substr(local_iso(s.start_at, v.timezone), 1, 10) BETWEEN ?1 AND "
	    "?2 ORDER BY s.start_at, s.id";

	return (store_json_array(st, sql, "tti", from, to, venue_id));
}

static const struct field closure_fields[] = {
	{ "from", FT_TEXT }, { "to", FT_TEXT }, { "venue", FT_TEXT },
	{ "reason", FT_TEXT },
};

int
closure_add(struct api_req *req)
{
	static const char *sql = "INSERT INTO closure (venue_id, first_day, "
	    "last_day, reason, created_at) VALUES (nullif(?1, 0), ?2, ?3, ?4, "
	    "?5)";
	struct store	*st = req->store;
	struct fail	*f = &req->fail;
	char		 from[16], to[16], *reason = NULL;
	int64_t		 venue_id = 0, id;
	long		 days;

	if (param_check_fields(req->body, closure_fields, sizeof
	    closure_fields / sizeof closure_fields[0], f) != 0 ||
	    closure_date(st, req->body, "from", from, sizeof from, f) != 0 ||
	    closure_date(st, req->body, "to", to, sizeof to, f) != 0)
		return (-1);
	if (strcmp(to, from) < 0)
		return (fail_set(f, 422, "to", "to %s is before from %s", to,
		    from));
	if ((days = closure_span(from, to)) >= CLOSURE_DAYS_MAX)
		return (fail_set(f, 422, "to", "a closure from %s to %s is "
		    "%ld days; at most %d are taken", from, to, days + 1,
		    CLOSURE_DAYS_MAX));
	if (param_text(req->body, "venue") != NULL && resource_id(st, "venue",
	    param_text(req->body, "venue"), "venue", &venue_id, f) != 0)
		return (-1);
	if (resource_text("reason", param_text(req->body, "reason"),
	    CLOSURE_REASON_MAX, 1, &reason, f) != 0)
		return (-1);
	if (store_exec(st, f, sql, "ittti", venue_id, from, to, reason,
	    (int64_t)store_now(st)) < 0) {
		free(reason);
		return (-1);
	}
	free(reason);
	id = sqlite3_last_insert_rowid(store_db(st));
	req->out = json_pack("{s:o, s:o}", "closure", store_json(st,
	    sql_closure_json, "i", id), "sessions", closure_sessions(st,
	    venue_id, from, to));
	req->status = 201;
	return (0);
}

/* The holidays of [from, to] (local dates), by the setting. */
static json_t *
closure_holidays(struct store *st, time_t from, time_t to)
{
	const char		*tz = store_default_timezone(st), *name;
	struct cal_local	 l;
	json_t			*list = json_array();
	char			 day[16];
	time_t			 t;

	if (store_holidays(st) == HOLIDAYS_NONE ||
	    zone_utc_to_local(tz, from, &l) != 0)
		return (list);
	/* Noon of each day: a DST change moves no noon off its day. */
	l.hour = 12;
	l.minute = l.second = 0;
	if (zone_local_to_utc(tz, &l, &t, NULL) != 0)
		return (list);
	for (; t < to && json_array_size(list) < 1000; t += 86400) {
		if (zone_utc_to_local(tz, t, &l) != 0)
			break;
		if ((name = holiday_name(l.year, l.month, l.day,
		    store_holidays(st))) == NULL)
			continue;
		snprintf(day, sizeof day, "%04d-%02d-%02d", l.year, l.month,
		    l.day);
		json_array_append_new(list, json_pack("{s:s, s:s}", "date",
		    day, "name", name));
	}
	return (list);
}

int
closure_list(struct api_req *req)
{
	static const char *sql = "SELECT json_object('id', c.id, 'venue', "
	    "v.slug, 'venue_name', v.name, 'from', c.first_day, 'to', "
	    "c.last_day, 'reason', c.reason, 'created_at', "
	    "utc_iso(c.created_at)) FROM closure c LEFT JOIN venue v ON "
	    "v.id = c.venue_id WHERE c.last_day >= ?1 AND c.first_day <= ?2 "
	    "AND (?3 = 0 OR c.venue_id IS NULL OR c.venue_id = ?3) "
	    "ORDER BY c.first_day, c.id";
	struct store	*st = req->store;
	const char	*tz = store_default_timezone(st);
	char		 a[16], b[16];
	time_t		 from, to;
	int		 has_from, has_to;
	int64_t		 venue = 0;

	if (param_check_query(req, "from", "to", "venue", (char *)NULL) != 0 ||
	    param_time(req, "from", &from, &has_from) != 0 ||
	    param_time(req, "to", &to, &has_to) != 0 ||
	    resource_query(req, "venue", "venue", &venue) != 0)
		return (-1);
	if (!has_from)
		from = store_now(st);
	if (!has_to)
		to = from + CLOSURE_LIST_DAYS * 86400;
	if (to <= from)
		return (fail_set(&req->fail, 422, "to", "to is not after from"));
	if (to - from > (time_t)10 * 366 * 86400)
		return (fail_set(&req->fail, 422, "to", "at most ten years at "
		    "a time"));
	calendar_day(tz, from, a, sizeof a);
	calendar_day(tz, to - 1, b, sizeof b);
	req->out = json_pack("{s:o, s:o}", "closures", store_json_array(st,
	    sql, "tti", a, b, venue), "holidays", closure_holidays(st,
	    from, to));
	return (0);
}

int
closure_remove(struct api_req *req)
{
	static const char *sql = "DELETE FROM closure WHERE id = ?";
	struct store	*st = req->store;
	int64_t		 id;

	if (param_id(req, 0, "closure", &id) != 0 ||
	    param_check_fields(req->body, NULL, 0, &req->fail) != 0)
		return (-1);
	if ((req->out = store_json(st, sql_closure_json, "i", id)) == NULL)
		return (fail_set(&req->fail, 404, "closure", "no closure with "
		    "id %lld", (long long)id));
	if (store_exec(st, &req->fail, sql, "i", id) < 0)
		return (-1);
	return (0);
}
