/*
 * Signing up for a series: one person for every remaining session of it
 * (scheduled, not yet started) in one transaction, a seat where one is
 * free and a place in the queue where not, by the rules of a single
 * registration (registration_seat()). The person gets one message that
 * lists every date (KIND_SERIES), not one per session; reminders are
 * planned per session as always. Leaving a series is the same the other
 * way: every remaining registration cancelled, those waiting moved up,
 * one message (KIND_SERIES_WITHDRAWN).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"

/* The remaining sessions of a series, in order; 404 when no series. */
static json_t *
series_remaining(struct api_req *req, int64_t *series_id)
{
	static const char *sql_series = "SELECT id FROM series WHERE id = ?";
	static const char *sql = "SELECT json_group_array(id) FROM (SELECT id "
	    "FROM session WHERE series_id = ? AND status = 'scheduled' AND "
	    "start_at > ? ORDER BY start_at, id)";
	json_t	*ids;

	if (param_id(req, 0, "series", series_id) != 0)
		return (NULL);
	if (store_int(req->store, 0, sql_series, "i", *series_id) == 0) {
		fail_set(&req->fail, 404, "series", "no series with id %lld",
		    (long long)*series_id);
		return (NULL);
	}
	ids = store_json(req->store, sql, "ii", *series_id,
	    (int64_t)store_now(req->store));
	if (json_array_size(ids) == 0) {
		fail_set(&req->fail, 409, "series", "series %lld has no "
		    "sessions left to come", (long long)*series_id);
		json_decref(ids);
		return (NULL);
	}
	return (ids);
}

/* A registration as JSON with its session's local start. */
static json_t *
series_registration(struct store *st, int64_t rid,
    const struct session_row *s)
{
	json_t	*r = registration_json(st, rid);
	char	*start = zone_format_local(s->tz, s->start);

	json_object_set_new(r, "start", json_string(start));
	free(start);
	return (r);
}

/* One message for the registrations in rids, on the first of them. */
static int
series_notice(struct store *st, int kind, json_t *rids, struct fail *f)
{
	json_t	*detail;
	int	 rc;

	detail = json_pack("{s:O}", "registrations", rids);
	rc = outbox_notify(st, kind, json_integer_value(json_array_get(rids,
	    0)), detail, f);
	json_decref(detail);
	return (rc);
}

static const struct field register_fields[] = {
	{ "participant", FT_ANY }, { "companion", FT_BOOL },
	{ "new_participant", FT_BOOL },
};

int
series_register(struct api_req *req)
{
	static const char *sql_live = "SELECT id FROM registration WHERE "
	    "session_id = ? AND participant_id = ? AND status != 'cancelled'";
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	json_t			*ids, *v, *made, *rids, *skipped, *r;
	int64_t			 series_id, pid, rid, held;
	int			 companion, over, seated, known, confirmed = 0;
	size_t			 i;

	if (param_check_fields(req->body, register_fields, sizeof
	    register_fields / sizeof register_fields[0], f) != 0 ||
	    (ids = series_remaining(req, &series_id)) == NULL)
		return (-1);
	if (registration_person(st, json_object_get(req->body,
	    "participant"), json_is_true(json_object_get(req->body,
	    "new_participant")), &pid, &known, f) != 0) {
		json_decref(ids);
		return (-1);
	}
	companion = json_is_true(json_object_get(req->body, "companion"));
	made = json_array();
	rids = json_array();
	skipped = json_array();
	json_array_foreach(ids, i, v) {
		if (session_load(st, json_integer_value(v), &s, f) != 0)
			goto fail;
		/* Held already (one session taken at the desk before). */
		if ((held = store_int(st, 0, sql_live, "ii", s.id, pid)) != 0) {
			r = series_registration(st, held, &s);
			json_array_append_new(skipped, json_pack("{s:I, s:s, "
			    "s:o}", "session_id", (json_int_t)s.id, "reason",
			    "already registered", "registration", r));
			continue;
		}
		if (registration_seat(st, &s, pid, companion, 0, &rid, &over,
		    &seated, f) != 0)
			goto fail;
		r = series_registration(st, rid, &s);
		if (seated) {
			confirmed++;
			if (outbox_plan_reminders(st, rid, f) != 0) {
				json_decref(r);
				goto fail;
			}
		}
		json_array_append_new(made, r);
		json_array_append_new(rids, json_integer(rid));
	}
	if (json_array_size(rids) == 0) {
		fail_set(f, 409, "participant", "participant %lld is already "
		    "registered for every remaining session of series %lld",
		    (long long)pid, (long long)series_id);
		goto fail;
	}
	if (series_notice(st, KIND_SERIES, rids, f) != 0)
		goto fail;
	req->out = json_pack("{s:I, s:I, s:b, s:I, s:I, s:o, s:o}",
	    "series_id", (json_int_t)series_id, "participant_id",
	    (json_int_t)pid, "participant_known", known, "confirmed",
	    (json_int_t)confirmed, "waitlisted",
	    (json_int_t)(json_array_size(rids) - confirmed), "registrations",
	    made, "skipped", skipped);
	req->status = 201;
	json_decref(rids);
	json_decref(ids);
	return (0);

fail:
	json_decref(made);
	json_decref(rids);
	json_decref(skipped);
	json_decref(ids);
	return (-1);
}

int
series_unregister(struct api_req *req)
{
	static const char *sql_live = "SELECT id FROM registration WHERE "
	    "session_id = ? AND participant_id = ? AND status != 'cancelled'";
	struct store		*st = req->store;
	struct fail		*f = &req->fail;
	struct session_row	 s;
	json_t			*ids, *v, *rids, *cancelled, *promoted;
	int64_t			 series_id, pid, rid;
	size_t			 i;

	if (param_check_fields(req->body, NULL, 0, f) != 0 ||
	    param_id(req, 1, "participant", &pid) != 0 ||
	    (ids = series_remaining(req, &series_id)) == NULL)
		return (-1);
	rids = json_array();
	cancelled = json_array();
	promoted = json_array();
	json_array_foreach(ids, i, v) {
		if ((rid = store_int(st, 0, sql_live, "ii",
		    json_integer_value(v), pid)) == 0)
			continue;
		if (session_load(st, json_integer_value(v), &s, f) != 0 ||
		    registration_drop(st, rid, "staff", promoted, -1,
		    f) != 0)
			goto fail;
		json_array_append_new(rids, json_integer(rid));
		json_array_append_new(cancelled, series_registration(st, rid,
		    &s));
	}
	if (json_array_size(rids) == 0) {
		fail_set(f, 404, "participant", "participant %lld is not "
		    "registered for any remaining session of series %lld",
		    (long long)pid, (long long)series_id);
		goto fail;
	}
	if (series_notice(st, KIND_SERIES_WITHDRAWN, rids, f) != 0)
		goto fail;
	req->out = json_pack("{s:I, s:I, s:o, s:o}", "series_id",
	    (json_int_t)series_id, "participant_id", (json_int_t)pid,
	    "cancelled", cancelled, "promoted", promoted);
	json_decref(rids);
	json_decref(ids);
	return (0);

fail:
	json_decref(rids);
	json_decref(cancelled);
	json_decref(promoted);
	json_decref(ids);
	return (-1);
}
