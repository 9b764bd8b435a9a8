/*
 * The admin API: one route table (method, pattern, handler, argument),
 * request parsing (path, query, JSON body) and the transaction around every
 * write. Handlers fill req->out or req->fail; a write is committed before
 * its answer exists, and a refused write is rolled back whole.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "calendars.h"
#include "kursusd.h"
#include "citizen.h"

/*
 * The body of a route that takes a file, not JSON: its media type and
 * size. The route's options come in the query string.
 */
struct route_body {
	const char	*media;
	size_t		 max;
};
static const struct route_body calendar_body = { "text/calendar",
    KURSUS_API_MAX_CALENDAR };

struct route {
	int		  methods;
	const struct route_body *body;	/* NULL: JSON of KURSUS_API_MAX_BODY */
	const char	 *pattern;	/* segments after /v1, '*' matches one */
	int		(*fn)(struct api_req *);
	const char	 *arg;		/* resource name for shared handlers */
};

static const struct route routes[] = {
	{ API_GET, 0, "status", stats_status, NULL },
	{ API_GET, 0, "stats", stats_show, NULL },
	{ API_GET, 0, "settings", registration_settings_show, NULL },
	{ API_PATCH, 0, "settings", registration_settings_edit, NULL },
	{ API_GET, 0, "outbox", notices_outbox_list, NULL },
	{ API_GET, 0, "outbox/*", notices_outbox_show, NULL },
	{ API_POST, 0, "outbox/*/retry", notices_outbox_retry, NULL },
	{ API_POST, 0, "outbox/*/cancel", notices_outbox_cancel, NULL },
	{ API_GET, 0, "inbox", inbox_list, NULL },
	{ API_POST, 0, "inbox/*/handled", inbox_handled, NULL },

	{ API_GET, 0, "venues", resource_list, "venues" },
	{ API_POST, 0, "venues", resource_create, "venues" },
	{ API_GET, 0, "venues/*", resource_show, "venues" },
	{ API_PATCH, 0, "venues/*", resource_edit, "venues" },
	{ API_DELETE, 0, "venues/*", resource_remove, "venues" },
	{ API_GET, 0, "courses", resource_list, "courses" },
	{ API_POST, 0, "courses", resource_create, "courses" },
	{ API_GET, 0, "courses/*", resource_show, "courses" },
	{ API_PATCH, 0, "courses/*", resource_edit, "courses" },
	{ API_DELETE, 0, "courses/*", resource_remove, "courses" },
	{ API_GET, 0, "courses/*/templates", notices_template_list, NULL },
	{ API_PUT, 0, "courses/*/templates/*/*", notices_template_set, NULL },
	{ API_DELETE, 0, "courses/*/templates/*/*", notices_template_unset,
	  NULL },
	{ API_GET, 0, "venues/*/rooms", room_list, NULL },
	{ API_POST, 0, "venues/*/rooms", room_add, NULL },
	{ API_DELETE, 0, "venues/*/rooms/*", room_remove, NULL },
	{ API_GET, 0, "closures", closure_list, NULL },
	{ API_POST, 0, "closures", closure_add, NULL },
	{ API_DELETE, 0, "closures/*", closure_remove, NULL },
	{ API_GET, 0, "instructors", resource_list, "instructors" },
	{ API_POST, 0, "instructors", resource_create, "instructors" },
	{ API_GET, 0, "instructors/*", resource_show, "instructors" },
	{ API_PATCH, 0, "instructors/*", resource_edit, "instructors" },
	{ API_DELETE, 0, "instructors/*", resource_remove, "instructors" },
	{ API_GET, 0, "participants", resource_list, "participants" },
	{ API_POST, 0, "participants", resource_create, "participants" },
	{ API_GET, 0, "participants/*", resource_show, "participants" },
	{ API_PATCH, 0, "participants/*", resource_edit, "participants" },
	{ API_DELETE, 0, "participants/*", resource_remove, "participants" },

	{ API_GET, 0, "feeds", feeds_kinds, NULL },
	{ API_GET, 0, "feeds/*", feeds_link, NULL },
	{ API_GET, 0, "feeds/*/*", feeds_link, NULL },
	{ API_POST, 0, "participants/*/rotate-token", feeds_link, "participant" },
	{ API_POST, 0, "participants/*/merge", person_merge, NULL },
	{ API_POST, 0, "instructors/*/rotate-token", feeds_link, "instructor" },
	{ API_GET, 0, "export", export_run, NULL },
	{ API_GET, 0, "backup", backup_route, NULL },
	{ API_POST, &calendar_body, "import", calimport_run, NULL },

	{ API_GET, 0, "sessions", session_list, NULL },
	{ API_POST, 0, "sessions", session_create, NULL },
	{ API_GET, 0, "sessions/*", session_show, NULL },
	{ API_PATCH, 0, "sessions/*", session_edit, NULL },
	{ API_POST, 0, "sessions/*/move", session_move, NULL },
	{ API_POST, 0, "sessions/*/cancel", session_cancel, NULL },
	{ API_GET, 0, "sessions/*/registrations", registration_list, NULL },
	{ API_POST, 0, "sessions/*/registrations", registration_create, NULL },
	{ API_DELETE, 0, "sessions/*/registrations/*", registration_cancel, NULL },
	{ API_GET, 0, "sessions/*/waitlist", registration_waitlist, NULL },
	{ API_POST, 0, "sessions/*/attendance", attendance_record, NULL },
	{ API_POST, 0, "sessions/*/remind", notices_remind, NULL },
	{ API_GET, 0, "sessions/*/preview", notices_preview, NULL },
	{ API_GET, 0, "sessions/*/calllist", notices_calllist, NULL },
	{ API_POST, 0, "series/*/registrations", series_register, NULL },
	{ API_DELETE, 0, "series/*/registrations/*", series_unregister, NULL },
};
#define NROUTES	(sizeof routes / sizeof routes[0])
#define MAXSEG	8

static const char *
api_method_name(int m)
{
	switch (m) {
	case API_GET:		return ("GET");
	case API_HEAD:		return ("HEAD");
	case API_POST:		return ("POST");
	case API_PATCH:		return ("PATCH");
	case API_PUT:		return ("PUT");
	case API_DELETE:	return ("DELETE");
	}
	return ("?");
}

/*
 * Matches pattern against segs; captures '*' segments into param. The
 * pattern is read in place, a segment at a time (a copy split with
 * strtok_r() for each route tried was 6 % of a registration's time).
 */
static int
api_match(const char *pattern, char **segs, size_t nsegs, const char **param)
{
	const char	*p = pattern;
	size_t		 i, len, np = 0;

	for (i = 0;; i++) {
		p += strspn(p, "/");	/* as strtok_r(): no empty segment */
		if (*p == '\0')
			break;
		if (i >= nsegs)
			return (0);
		len = strcspn(p, "/");
		if (len == 1 && *p == '*') {
			if (np < 3)
				param[np++] = segs[i];
		} else if (strncmp(p, segs[i], len) != 0 ||
		    segs[i][len] != '\0')
			return (0);
		p += len;
	}
	return (i == nsegs);
}

/*
 * The one CPR gate of the API: every string in a request body, at any
 * depth, whatever the route, before a handler sees it. The calendar text
 * of an import is the exception: its events' texts are checked one by one
 * (session_import()), since UIDs and times in a file may hold any digits.
 */
static int
api_refuse_cpr(json_t *v, const char *field, struct fail *f)
{
	const char	*key;
	json_t		*item;
	size_t		 i;

	if (json_is_string(v))
		return (contact_refuse_cpr(field, json_string_value(v), f));
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (api_refuse_cpr(item, field, f) != 0)
				return (-1);
		}
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, item) {
			if (strcmp(key, "calendar") == 0 && field == NULL)
				continue;
			if (contact_looks_like_cpr(key))
				return (fail_set(f, 422, NULL, "a field name "
				    "looks like a CPR number; kursusd never "
				    "stores CPR numbers"));
			if (api_refuse_cpr(item, key, f) != 0)
				return (-1);
		}
	}
	return (0);
}

static int
api_parse_body(struct api_req *req, const char *body, size_t len,
    size_t max)
{
	json_error_t	 err;

	if (body == NULL || len == 0)
		return (0);
	if (len > max)
		return (fail_set(&req->fail, 413, NULL, "request body of %zu "
		    "bytes is larger than the limit of %zu bytes", len, max));
	req->body = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (req->body == NULL)
		return (fail_set(&req->fail, 400, NULL, "malformed JSON at "
		    "line %d, column %d: %s", err.line, err.column, err.text));
	if (!json_is_object(req->body))
		return (fail_set(&req->fail, 400, NULL, "the request body must "
		    "be a JSON object"));
	return (api_refuse_cpr(req->body, NULL, &req->fail));
}

/*
 * The body of a route that takes a file: its Content-Type must name the
 * route's media type (charset UTF-8, if it names one). Its options come
 * in the query, which is held to the rule of a JSON body's strings.
 */
static int
api_take_file(struct api_req *req, const struct route *r,
    const struct api_call *call)
{
	const char	*type = call->type, *media = r->body->media, *p;
	size_t		 n = strlen(media);

	if (type == NULL || strncasecmp(type, media, n) != 0 ||
	    (type[n] != '\0' && type[n] != ';' && type[n] != ' '))
		return (fail_set(&req->fail, 415, NULL, "%s %s/%s takes the "
		    "file itself as its body, with Content-Type: %s (not %s)",
		    api_method_name(call->method), KURSUS_API_PREFIX,
		    r->pattern, media, type != NULL ? type : "none"));
	if ((p = strcasestr(type + n, "charset=")) != NULL &&
	    strncasecmp(p + 8, "utf-8", 5) != 0 &&
	    strncasecmp(p + 8, "\"utf-8\"", 7) != 0)
		return (fail_set(&req->fail, 415, NULL, "the file must be "
		    "UTF-8 text, not %s", p + 8));
	if (call->len > r->body->max)
		return (fail_set(&req->fail, 413, NULL, "request body of %zu "
		    "bytes is larger than the limit of %zu bytes", call->len,
		    r->body->max));
	req->raw = call->body != NULL ? call->body : "";
	req->rawlen = call->body != NULL ? call->len : 0;
	return (api_refuse_cpr(req->query, NULL, &req->fail));
}

int
api_dispatch(struct store *st, int method, const char *uri, const char *body,
    size_t bodylen, uid_t peer_uid, const char *peer, char **out)
{
	const struct api_ctx	 ctx = { .store = st };
	const struct api_call	 call = { method, uri, NULL, body, bodylen,
				    peer_uid, peer, NULL };

	return (api_run(&ctx, &call, 0, out));
}

/*
 * A write runs in its own transaction, or, when batched, in a savepoint of
 * the batch transaction the caller opened and will commit before it sends
 * any answer (group commit: one fsync for every request of the batch).
 */
int
api_run(const struct api_ctx *ctx, const struct api_call *call, int batched,
    char **out)
{
	static const char	*sql_save = "SAVEPOINT request";
	static const char	*sql_release = "RELEASE request";
	static const char	*sql_undo = "ROLLBACK TO request";
	struct api_req		 req;
	struct metrics_mark	 mark;
	struct evhttp_uri	*u = NULL;
	const struct route	*r, *hit = NULL;
	char			*path = NULL, *segs[MAXSEG], *p, *save = NULL;
	size_t			 nsegs = 0, i;
	int			 path_known = 0, write, rc;
	json_t			*answer;
	struct store		*st = ctx->store;
	const char		*uri = call->uri, *peer = call->peer;
	int			 method = call->method;

	memset(&req, 0, sizeof req);
	req.store = st;
	req.feeds = ctx->feeds;
	req.sender = ctx->sender;
	req.backups = ctx->backups;
	req.jobs = ctx->jobs;
	req.later = call->later;
	req.method = method;
	req.status = 200;
	req.peer_uid = call->peer_uid;
	req.peer = peer;

	if ((u = evhttp_uri_parse_with_flags(uri, 0)) == NULL ||
	    evhttp_uri_get_path(u) == NULL) {
		fail_set(&req.fail, 400, NULL, "malformed request URI");
		goto done;
	}
	path = evhttp_uridecode(evhttp_uri_get_path(u), 0, NULL);
	if ((req.query = param_query(evhttp_uri_get_query(u), &req.fail)) ==
	    NULL)
		goto done;

	for (p = strtok_r(path, "/", &save); p != NULL && nsegs < MAXSEG;
	    p = strtok_r(NULL, "/", &save))
		segs[nsegs++] = p;
	if (nsegs == 0 || p != NULL) {
		fail_set(&req.fail, 404, NULL, "no such route: %s", uri);
		goto done;
	}
	if (segs[0][0] == 'v' && strcmp(segs[0], "v1") != 0 &&
	    strspn(segs[0] + 1, "0123456789") == strlen(segs[0] + 1) &&
	    segs[0][1] != '\0') {
		fail_set(&req.fail, 400, NULL, "API version %s is not "
		    "supported; this kursusd speaks version %d", segs[0] + 1,
		    KURSUS_API_VERSION);
		goto done;
	}
	if (strcmp(segs[0], "v1") != 0) {
		fail_set(&req.fail, 404, NULL, "no such route: %s (the API "
		    "lives under %s/)", evhttp_uri_get_path(u),
		    KURSUS_API_PREFIX);
		goto done;
	}
	for (i = 0; i < NROUTES; i++) {
		r = &routes[i];
		/* Not this route's first segment: not walked further. */
		if (nsegs > 1 && r->pattern[0] != '*' && r->pattern[0] != '/' &&
		    r->pattern[0] != segs[1][0])
			continue;
		memset(req.param, 0, sizeof req.param);
		if (!api_match(r->pattern, segs + 1, nsegs - 1, req.param))
			continue;
		path_known = 1;
		if (r->methods & method) {
			hit = r;
			break;
		}
	}
	if (hit == NULL) {
		if (path_known)
			fail_set(&req.fail, 405, NULL, "%s is not allowed on %s",
			    api_method_name(method), evhttp_uri_get_path(u));
		else
			fail_set(&req.fail, 404, NULL, "no such route: %s %s",
			    api_method_name(method), evhttp_uri_get_path(u));
		goto done;
	}
	if (hit->body != NULL ? api_take_file(&req, hit, call) != 0 :
	    api_parse_body(&req, call->body, call->len, KURSUS_API_MAX_BODY) !=
	    0)
		goto done;
	req.arg = hit->arg;

	write = (method != API_GET && method != API_HEAD);
	if (write && (batched ? store_exec(st, &req.fail, sql_save, NULL) < 0 :
	    store_begin(st, &req.fail) != 0))
		goto done;
	metrics_mark(&mark);
	rc = hit->fn(&req);
	if (write) {
		if (rc == 0 && (batched ? store_exec(st, &req.fail,
		    sql_release, NULL) < 0 : store_commit(st, &req.fail) != 0))
			rc = -1;
		if (rc == 0 && req.status != API_LATER) {
			log_info("%s %s by %s: %d", api_method_name(method),
			    evhttp_uri_get_path(u), peer != NULL ? peer : "?",
			    req.status);
		} else if (rc != 0) {
			/* The sentence may quote a name or a number. */
			log_info("%s %s by %s: refused: %d%s%s%s",
			    api_method_name(method), evhttp_uri_get_path(u),
			    peer != NULL ? peer : "?", req.fail.status,
			    req.fail.field[0] != '\0' ? " (field " : "",
			    req.fail.field, req.fail.field[0] != '\0' ? ")" :
			    "");
			log_debug("%s %s: %s", api_method_name(method),
			    evhttp_uri_get_path(u), req.fail.msg);
			if (batched) {
				store_exec(st, NULL, sql_undo, NULL);
				store_exec(st, NULL, sql_release, NULL);
				metrics_undo(&mark);
			} else
				store_rollback(st);
			json_decref(req.out);
			req.out = NULL;
			free(req.text);
			req.text = NULL;
		}
	}
	if (rc != 0 && req.fail.status == 0)
		fail_set(&req.fail, 500, NULL, "internal error");

done:
	if (req.fail.status == 0 && req.status == API_LATER) {
		json_decref(req.out);
		*out = NULL;
		goto out;
	}
	if (req.fail.status != 0) {
		json_decref(req.out);
		answer = fail_json(&req.fail);
		req.status = req.fail.status;
		if (req.status >= 500)
			log_warnx("%s %s: %d %s", api_method_name(method),
			    u != NULL && evhttp_uri_get_path(u) != NULL ?
			    evhttp_uri_get_path(u) : "?", req.status,
			    req.fail.msg);
	} else if (req.text != NULL) {
		/*
		 * Written as text already: a page (its rows' JSON as SQLite
		 * wrote it, not parsed), or the statistics.
		 */
		*out = req.text;
		req.text = NULL;
		json_decref(req.out);
		goto out;
	} else
		answer = req.out != NULL ? req.out : json_object();
	if ((*out = json_dumps(answer, JSON_COMPACT)) == NULL) {
		/* Cannot be: every string was checked on its way in. */
		log_warnx("%s %s: the answer could not be written as JSON",
		    api_method_name(method), path != NULL ? path : "?");
		req.status = 500;
		*out = xstrdup("{\"error\":\"internal error: the answer "
		    "could not be written as JSON\",\"field\":null}");
	}
	json_decref(answer);
out:
	free(req.text);
	json_decref(req.body);
	json_decref(req.query);
	free(path);
	if (u != NULL)
		evhttp_uri_free(u);
	return (req.status);
}
