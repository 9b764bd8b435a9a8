/*
 * The rooms of a venue: added, listed, removed. Sessions clash per room
 * (calendar_clash()); a room's own seats, when given, are the default
 * capacity of sessions held in it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"

#define ROOM_NAME_MAX	100

static const char *sql_room_json = "SELECT json_object('id', r.id, "
    "'venue', v.slug, 'name', r.name, 'capacity', r.capacity, "
    "'created_at', utc_iso(r.created_at)) FROM room r JOIN venue v ON "
    "v.id = r.venue_id WHERE r.id = ?";

/* The venue of path parameter 0. */
static int
room_venue(struct api_req *req, int64_t *venue_id)
{
	return (resource_id(req->store, "venue", req->param[0], "venue",
	    venue_id, &req->fail));
}

static const struct field room_fields[] = {
	{ "name", FT_TEXT }, { "capacity", FT_INT },
};

int
room_add(struct api_req *req)
{
	static const char *sql = "INSERT INTO room (venue_id, name, capacity, "
	    "created_at) VALUES (?, ?, nullif(?, 0), ?)";
	struct store	*st = req->store;
	struct fail	*f = &req->fail;
	json_int_t	 capacity = 0;
	int64_t		 venue_id, id;
	char		*name;

	if (room_venue(req, &venue_id) != 0 ||
	    param_check_fields(req->body, room_fields, 2, f) != 0)
		return (-1);
	if (json_is_integer(json_object_get(req->body, "capacity"))) {
		capacity = json_integer_value(json_object_get(req->body,
		    "capacity"));
		if (capacity < 1 || capacity > 1000)
			return (fail_set(f, 422, "capacity", "capacity %lld is "
			    "out of range (1 to 1000)", (long long)capacity));
	}
	if (resource_text("name", param_text(req->body, "name"),
	    ROOM_NAME_MAX, 1, &name, f) != 0)
		return (-1);
	if (strchr(name, '/') != NULL) {
		free(name);
		return (fail_set(f, 422, "name", "a room's name may not hold "
		    "a slash"));
	}
	if (store_int(st, 0, "SELECT id FROM room WHERE venue_id = ? AND "
	    "name = ?", "it", venue_id, name) != 0) {
		fail_set(f, 409, "name", "the venue already has a room \"%s\"",
		    name);
		free(name);
		return (-1);
	}
	if (store_exec(st, f, sql, "itii", venue_id, name, (int64_t)capacity,
	    (int64_t)store_now(st)) < 0) {
		free(name);
		return (-1);
	}
	free(name);
	id = sqlite3_last_insert_rowid(store_db(st));
	req->out = store_json(st, sql_room_json, "i", id);
	req->status = 201;
	return (0);
}

int
room_list(struct api_req *req)
{
	static const char *sql = "SELECT json_object('id', r.id, 'venue', "
	    "v.slug, 'name', r.name, 'capacity', r.capacity, 'created_at', "
	    "utc_iso(r.created_at)) FROM room r JOIN venue v ON v.id = "
	    "r.venue_id WHERE r.venue_id = ? ORDER BY r.name";
	int64_t	 venue_id;

	if (room_venue(req, &venue_id) != 0)
		return (-1);
	req->out = json_pack("{s:o}", "rooms", store_json_array(req->store,
	    sql, "i", venue_id));
	return (0);
}

int
room_remove(struct api_req *req)
{
	static const char *sql_busy = "SELECT count(*) FROM session WHERE "
	    "room_id = ? AND status = 'scheduled' AND end_at > ?";
	static const char *sql_free = "UPDATE session SET room_id = NULL "
	    "WHERE room_id = ?";
	static const char *sql_drop = "DELETE FROM room WHERE id = ?";
	struct store	*st = req->store;
	struct fail	*f = &req->fail;
	int64_t		 venue_id, id, busy;

	if (room_venue(req, &venue_id) != 0 ||
	    param_check_fields(req->body, NULL, 0, f) != 0 ||
	    calendar_room(st, venue_id, req->param[1], &id, NULL, f) != 0)
		return (-1);
	if ((busy = store_int(st, 0, sql_busy, "ii", id,
	    (int64_t)store_now(st))) > 0)
		return (fail_set(f, 409, "room", "room \"%s\" has %lld "
		    "session%s to come; move them to another room first",
		    req->param[1], (long long)busy, busy == 1 ? "" : "s"));
	req->out = store_json(st, sql_room_json, "i", id);
	/* Sessions held there before keep their venue, not the room. */
	if (store_exec(st, f, sql_free, "i", id) < 0 ||
	    store_exec(st, f, sql_drop, "i", id) < 0)
		return (-1);
	return (0);
}
