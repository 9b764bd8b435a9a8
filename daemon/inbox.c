/*
 * The inbox: every SMS reply (smsin.c fills it). Those kursusd did not
 * act on (anything but a word that cancels, a number it does not know
 * as one participant's) wait for staff to read and mark handled
 * (kursusctl inbox); those that cancelled are handled by kursusd and
 * name the registration.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "citizen.h"

#define INBOX_JSON INBOX_OBJECT " " INBOX_FROM
#define INBOX_JSON_KEYS INBOX_OBJECT ", i.received_at, i.id " INBOX_FROM
#define INBOX_OBJECT "SELECT json_object('id', i.id, " \
    "'sender', i.sender, 'receiver', i.receiver, 'text', i.text, " \
    "'via', i.via, 'participant_id', i.participant_id, " \
    "'registration_id', i.registration_id, 'provider_id', i.provider_id, " \
    "'participant_name', p.name, 'received_at', utc_iso(i.received_at), " \
    "'handled_at', utc_iso(i.handled_at), 'handled_by', i.handled_by)"
#define INBOX_FROM "FROM inbox i LEFT JOIN participant p ON p.id = i.participant_id "
/* A page of the list (paging.c), after the keys ?1, ?2 of the cursor. */
#define INBOX_PAGE(where) INBOX_JSON_KEYS where \
    "i.received_at >= coalesce(?1, -1) AND " \
    "(?1 IS NULL OR (i.received_at, i.id) > (?1, ?2)) " \
    "ORDER BY i.received_at, i.id LIMIT ?3"

int64_t
inbox_unhandled(struct store *st)
{
	return (store_int(st, 0, "SELECT count(*) FROM inbox WHERE "
	    "handled_at IS NULL", NULL));
}

int
inbox_list(struct api_req *req)
{
	static const char *sql_open = INBOX_PAGE("WHERE i.handled_at IS NULL "
	    "AND ");
	static const char *sql_all = INBOX_PAGE("WHERE ");
	struct paging	 pg;
	sqlite3_stmt	*stmt;
	const char	*all;
	int		 every;

	if (param_check_query(req, "all", "limit", "cursor", NULL) != 0)
		return (-1);
	all = json_string_value(json_object_get(req->query, "all"));
	if (all != NULL && strcmp(all, "0") != 0 && strcmp(all, "1") != 0 &&
	    strcmp(all, "true") != 0 && strcmp(all, "false") != 0)
		return (fail_set(&req->fail, 422, "all", "all \"%s\" is not "
		    "1 or 0", all));
	every = all != NULL && (strcmp(all, "1") == 0 ||
	    strcmp(all, "true") == 0);
	if (paging_start(req, &pg, "messages", "ii") != 0)
		return (-1);
	stmt = store_stmt(req->store, every ? sql_all : sql_open);
	if (paging_given(&pg)) {
		sqlite3_bind_int64(stmt, 1, paging_int(&pg, 0));
		sqlite3_bind_int64(stmt, 2, paging_int(&pg, 1));
	}
	sqlite3_bind_int64(stmt, 3, paging_limit(&pg));
	/* After the list and its next in the answer (paging_answer()). */
	req->out = json_pack("{s:I}", "unhandled",
	    (json_int_t)inbox_unhandled(req->store));
	return (paging_answer(req, &pg, stmt));
}

int
inbox_handled(struct api_req *req)
{
	static const char *sql_one = INBOX_JSON "WHERE i.id = ?";
	static const char *sql = "UPDATE inbox SET handled_at = ?1, "
	    "handled_by = ?2 WHERE id = ?3 AND handled_at IS NULL";
	int64_t		 id;
	json_t		*row;

	if (param_id(req, 0, "message", &id) != 0 ||
	    param_check_fields(req->body, NULL, 0, &req->fail) != 0)
		return (-1);
	if ((row = store_json(req->store, sql_one, "i", id)) == NULL)
		return (fail_set(&req->fail, 404, "message", "no message %lld "
		    "in the inbox", (long long)id));
	if (!json_is_null(json_object_get(row, "handled_at"))) {
		fail_set(&req->fail, 409, "message", "message %lld was marked "
		    "handled at %s by %s", (long long)id,
		    json_string_value(json_object_get(row, "handled_at")),
		    json_string_value(json_object_get(row, "handled_by")));
		json_decref(row);
		return (-1);
	}
	json_decref(row);
	if (store_exec(req->store, &req->fail, sql, "iti",
	    (int64_t)store_now(req->store), req->peer != NULL ? req->peer :
	    "staff", id) < 0)
		return (-1);
	log_info("inbox message %lld marked handled by %s", (long long)id,
	    req->peer != NULL ? req->peer : "staff");
	req->out = store_json(req->store, sql_one, "i", id);
	return (0);
}
