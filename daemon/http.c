/*
 * The admin door: the API on a unix socket (file permissions decide who
 * may use it) and optionally on TCP with a bearer token, over the server
 * both doors share (server.c); and the public door (public.c) beside it,
 * which never serves the API. A TCP connection from an address not in the
 * allow list is refused when it is accepted, before anything is read; a
 * request on TCP then passes the failed-attempt limits and the token
 * (compared in constant time) before it is dispatched. Every error is the
 * API's JSON. With [admin] tls_cert and tls_key the TCP door speaks TLS
 * (tls.c): a refused address is then closed before the handshake, and
 * SIGHUP reads the certificate and key again.
 *
 * Writes are committed in groups (http-batch.c): a request runs in a
 * savepoint of the open batch transaction, and its answer is sent after
 * the COMMIT that holds it (one fsync for the batch). When another
 * program holds the database, the writes wait off the loop, BEGIN tried
 * again on a timer, and get 503 after BUSY_WAIT (busy.c); reads go on
 * meanwhile. A route may
 * answer later, with a file (GET /v1/backup: the backups, which this door
 * owns, make the copy off the loop).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/util.h>

#include "commit.h"
#include "server.h"
#include "citizen.h"
#include "http-private.h"

#define HTTP_UNIX_CONNS	64	/* the unix socket's share of descriptors */
#define HTTP_HEAD_TIME	15	/* s for a request head to arrive */
#define HTTP_BODY_TIME	60	/* s for a request with its body */
#define HTTP_IDLE	60	/* s a kept-alive connection may idle */
#define HTTP_LOG_EVERY	60	/* s between two lines about one fault */


static void
http_req_free(struct http_req *q)
{
	free(q->uri);
	free(q->type);
	free(q->body);
	free(q->out);
	free(q);
}

/* --- answers */

/* The fields of every answer: the API's version, never cached. */
static const char *
http_fields(const char *extra, char *buf, size_t size)
{
	snprintf(buf, size, "%s: %d\r\nCache-Control: no-store\r\n%s",
	    KURSUS_API_HEADER, KURSUS_API_VERSION, extra != NULL ? extra : "");
	return (buf);
}

/* Sends an answer, the bytes of b in type, and frees q. */
static void
http_send(struct http_req *q, int status, const char *extra,
    const char *type, struct blob *b)
{
	char	 fields[256];

	if (q->conn != NULL) {
		conn_reply(q->conn, status, http_fields(extra, fields,
		    sizeof fields), type, NULL, 0, b);
		conn_set_data(q->conn, NULL);
		conn_done(q->conn);
	}
	http_req_free(q);
}

/* Sends an answer of type ctype, body[0, len) (which it takes), and
 * frees q. */
static void
http_answer_body(struct http_req *q, int status, const char *extra,
    const char *ctype, char *body, size_t len)
{
	struct blob	*b = blob_adopt(body, len);

	http_send(q, status, extra, ctype, b);
	blob_unref(b);
}

/* Sends an answer, a JSON text of the API (which it takes), and frees q. */
static void
http_answer_fields(struct http_req *q, int status, const char *extra,
    char *json)
{
	size_t	 len = strlen(json);

	json = xreallocarray(json, 1, len + 2);
	memcpy(json + len, "\n", 2);
	http_answer_body(q, status, extra, "application/json; charset=utf-8",
	    json, len + 1);
}

void
http_answer(struct http_req *q, int status, char *json)
{
	http_answer_fields(q, status, NULL, json);
}

/* The API's error JSON for msg, whatever msg holds. */
static char *
http_error_json(int status, const char *msg)
{
	struct fail	 f;
	json_t		*j;
	char		*s;

	fail_set(&f, status, NULL, "%s", msg);
	j = json_pack("{s:s, s:n}", "error", f.msg, "field");
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return (s != NULL ? s :
	    xstrdup("{\"error\":\"internal error\",\"field\":null}"));
}

static void
http_answer_error(struct http_req *q, int status, const char *msg)
{
	http_answer(q, status, http_error_json(status, msg));
}

/* A refusal as the API gives it, with its msgid and args (fail_json()). */
void
http_answer_fail(struct http_req *q, const struct fail *f)
{
	json_t	*j = fail_json(f);
	char	*s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (s == NULL)
		http_answer_error(q, f->status, f->msg);
	else
		http_answer(q, f->status, s);
}

/* The answer of a route that answers later: a file, or a refusal. */
void
http_later(void *arg, const struct api_file *file, const struct fail *f)
{
	if (file != NULL)
		http_send(arg, 200, NULL, file->type, file->body);
	else
		http_answer_fail(arg, f);
}

/* A refusal of the server's (a malformed head, a body too large). */
static void
http_refuse(struct conn *c, int status, const char *why, void *arg)
{
	char	 fields[256], *json = http_error_json(status, why);

	(void)arg;
	conn_reply(c, status, http_fields(NULL, fields, sizeof fields),
	    "application/json; charset=utf-8", json, strlen(json), NULL);
	free(json);
}

/*
 * GET /metrics, beside the API (not under /v1): the counters and what the
 * database and the sender say now, in Prometheus' text format. An open
 * batch is committed first, so the page counts only what stands.
 */
static void
http_metrics(struct http *h, struct http_req *q)
{
	char	*text;
	size_t	 len;

	if (q->method != API_GET && q->method != API_HEAD) {
		http_answer_fields(q, 405, "Allow: GET, HEAD\r\n",
		    http_error_json(405, "/metrics answers GET and HEAD only"));
		return;
	}
	http_flush(h);
	text = stats_metrics(h->store, h->ctx.sender, &len);
	http_answer_body(q, 200, NULL, "text/plain; version=0.0.4; "
	    "charset=utf-8", text, len);
}

/* --- the doors */

static struct failure *
http_failure(struct http *h, const unsigned char *addr, time_t now)
{
	struct failure	*f, *free_slot = NULL;
	size_t		 i;

	for (i = 0; i < FAIL_SLOTS; i++) {
		f = &h->failures[i];
		if (f->window != 0 && now - f->window >= 60)
			f->window = 0;		/* its minute is over */
		if (f->window != 0 && memcmp(f->addr, addr, 16) == 0)
			return (f);
		if (f->window == 0 && free_slot == NULL)
			free_slot = f;
	}
	if (free_slot != NULL) {
		memcpy(free_slot->addr, addr, 16);
		free_slot->window = now;
		free_slot->count = 0;
	}
	return (free_slot);
}

/*
 * The TCP checks after the allow list: 0 lets the request through, else
 * it was answered. No address gets more than max_failures wrong tokens a
 * minute, and all of them together no more than max_failures_total: past
 * that, every attempt waits for the next minute.
 */
static int
http_tcp_gate(struct http *h, struct http_req *q, const char *auth)
{
	unsigned char	 addr[16];
	struct failure	*f;
	time_t		 now = time(NULL);

	conn_family(q->conn, addr);
	if (now - h->fail_window >= 60) {
		h->fail_window = now;
		h->fail_count = 0;
	}
	f = http_failure(h, addr, now);
	if (f == NULL || f->count >= h->max_failures ||
	    h->fail_count >= h->max_failures_total) {
		http_answer_error(q, 429, "too many failed attempts; wait a "
		    "minute");
		return (-1);
	}
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
	    !token_equal(auth + 7, h->token)) {
		f->count++;
		if (++h->fail_count == h->max_failures_total)
			log_warnx("admin TCP: %d failed attempts this minute "
			    "from all addresses; refusing every token until "
			    "the minute is over", h->fail_count);
		log_warnx("admin TCP: %s token from %s", auth == NULL ?
		    "no" : "wrong", q->peer);
		http_answer_fields(q, 401, "WWW-Authenticate: Bearer "
		    "realm=\"kursusd\"\r\n", http_error_json(401, auth == NULL ?
		    "an Authorization: Bearer token is required" :
		    "the token is not valid"));
		return (-1);
	}
	return (0);
}

static void
http_request(struct conn *c, struct request *rq, const char *body,
    size_t len, void *arg)
{
	struct http	*h = arg;
	struct http_req	*q = xcalloc(1, sizeof *q);
	int		 tcp = conn_family(c, NULL) != AF_UNIX;

	memory_touch();
	q->h = h;
	q->conn = c;
	conn_set_data(c, q);
	q->method = rq->method;
	q->write = rq->method != API_GET && rq->method != API_HEAD;
	q->uid = tcp ? (uid_t)-1 : conn_uid(c);
	if (tcp)
		snprintf(q->peer, sizeof q->peer, "%s", conn_peer(c));
	else
		snprintf(q->peer, sizeof q->peer, "uid %ld", (long)q->uid);
	if (tcp && http_tcp_gate(h, q, rq->authorization) != 0)
		return;
	if (strcmp(rq->path, "/metrics") == 0) {
		http_metrics(h, q);
		return;
	}
	q->uri = rq->query != NULL ? xprintf("%s?%s", rq->path, rq->query) :
	    xstrdup(rq->path);
	if (rq->content_type != NULL)
		q->type = xstrdup(rq->content_type);
	if (len > 0) {
		q->body = xmalloc(len + 1);
		memcpy(q->body, body, len);
		q->body[len] = '\0';
		q->len = len;
	}
	http_run(h, q);
}

/* An address not in admin.allow is refused before anything is read. */
static int
http_tcp_accept(struct conn *c, void *arg)
{
	struct http	*h = arg;
	unsigned char	 addr[16];
	int		 family = conn_family(c, addr);
	time_t		 now = time(NULL);

	if (server_addr_in(h->allow, h->nallow, family, addr))
		return (0);
	h->refused_since++;
	if (h->refused_logged == 0 || now - h->refused_logged >=
	    HTTP_LOG_EVERY) {
		log_warnx("admin TCP: %s is not in admin.allow (%zu refused "
		    "in the last minute)", conn_peer(c),
		    h->refused_since);
		h->refused_logged = now;
		h->refused_since = 0;
	}
	conn_refuse(c, 403, "this address may not use the admin API");
	return (-1);
}

/* A connection closed while its request waits: the answer goes nowhere. */
static void
http_closed(struct conn *c, void *arg)
{
	struct http_req	*q = conn_data(c);

	(void)arg;
	if (q != NULL)
		q->conn = NULL;
	if (((struct http *)arg)->draining)
		http_drain_check(arg);
}

static const struct server_ops http_unix_ops = {
	NULL, http_request, http_refuse, http_closed
};
static const struct server_ops http_tcp_ops = {
	http_tcp_accept, http_request, http_refuse, http_closed
};

static void
http_door_conf(struct server_door_conf *dc, const char *name, size_t max)
{
	memset(dc, 0, sizeof *dc);
	dc->name = name;
	dc->methods = API_GET | API_HEAD | API_POST | API_PUT | API_PATCH |
	    API_DELETE;
	dc->allow = "GET, HEAD, POST, PUT, PATCH and DELETE";
	dc->example = KURSUS_API_PREFIX "/status";
	dc->max_conns = max;
	dc->max_body = KURSUS_API_MAX_CALENDAR;
	dc->head_time = HTTP_HEAD_TIME;
	dc->body_time = HTTP_BODY_TIME;
	dc->idle_time = HTTP_IDLE;
}

/* The admin socket service_listen() bound. */
static int
http_unix(struct http *h, const struct config *conf, struct service *svc,
    char **cause)
{
	struct server_door_conf	 dc;
	int			 fd = svc->admin_fd;

	h->socket_path = svc->admin_path;
	svc->admin_path = NULL;
	svc->admin_fd = -1;
	http_door_conf(&dc, "the admin socket", HTTP_UNIX_CONNS);
	/* A quarter at most of what there is, for each admin door. */
	if (dc.max_conns > h->share)
		dc.max_conns = h->share;
	dc.unix_socket = 1;
	dc.metrics_door = METRICS_SOCKET;
	if ((h->unix_door = server_door_new(h->srv, fd, &dc, &http_unix_ops,
	    h, cause)) == NULL)
		return (-1);
	log_info("admin socket %s", conf->admin_socket);
	return (0);
}

static int
http_tcp(struct http *h, const struct config *conf, struct service *svc,
    char **cause)
{
	struct server_door_conf	 dc;
	char			*err = NULL;
	int			 fd = svc->tcp_fd;

	svc->tcp_fd = -1;
	h->tls = svc->tls;
	svc->tls = NULL;
	if (server_allow_parse(conf->admin_allow, &h->allow, &h->nallow,
	    cause) != 0 || token_file_load(conf->admin_token_file, 32,
	    &h->token, &err) != 0) {
		if (err != NULL) {
			xasprintf(cause, "admin.token_file: %s", err);
			free(err);
		}
		close(fd);
		return (-1);
	}
	http_door_conf(&dc, "the admin TCP listener",
	    (size_t)conf->admin_max_connections);
	dc.metrics_door = METRICS_TCP;
	dc.tls = h->tls;
	if (dc.max_conns > h->share)
		dc.max_conns = h->share;
	if ((h->tcp_door = server_door_new(h->srv, fd, &dc, &http_tcp_ops, h,
	    cause)) == NULL)
		return (-1);
	if (h->tls != NULL)
		log_info("admin TCP listener on %s, TLS with %s",
		    conf->admin_listen, tls_about(h->tls));
	else
		log_info("admin TCP listener on %s (plain HTTP: loopback "
		    "only)", conf->admin_listen);
	return (0);
}

struct http *
http_start(struct event_base *base, const struct api_ctx *ctx,
    const struct config *conf, struct service *svc, char **cause)
{
	struct http	*h = xcalloc(1, sizeof *h);
	char		*err = NULL;
	int		 fd;

	h->base = base;
	h->ctx = *ctx;
	h->store = ctx->store;
	h->srv = server_new(base);
	h->batch_tail = &h->batch;
	h->waiting_tail = &h->waiting;
	h->unsynced_tail = &h->unsynced;
	h->commit_ev = event_new(base, -1, 0, http_commit_cb, h);
	h->busy_ev = evtimer_new(base, http_busy_cb, h);
	h->jobs = h->ctx.jobs = jobs_new(base);
	h->ckpt = checkpointer_new(h->store, h->jobs);
	if (store_durable(h->store) && (h->dur = durable_new(base,
	    store_path(h->store), http_synced, h, &err)) == NULL) {
		log_warnx("the group commit waits for the disk on the loop: "
		    "%s", err);
		free(err);
	}
	h->backups = h->ctx.backups = backups_new(base, h->jobs,
	    store_path(h->store));
	event_priority_set(h->commit_ev, HTTP_PRIORITIES - 1);
	http_configure(h, conf);
	h->share = server_budget(h->srv) / 4;
	/* The doors in the order of their share of descriptors. */
	if (http_unix(h, conf, svc, cause) != 0)
		goto fail;
	if (svc->tcp_fd != -1 && http_tcp(h, conf, svc, cause) != 0)
		goto fail;
	if (svc->public_fd != -1) {
		fd = svc->public_fd;
		svc->public_fd = -1;
		if ((h->pub = public_start(base, h->srv, h, &h->ctx, conf, fd,
		    cause)) == NULL)
			goto fail;
	}
	return (h);
fail:
	http_free(h);
	return (NULL);
}

static void
http_drain_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct http	*h = arg;
	size_t		 n = server_connections(h->srv);

	if (h->drained != NULL) {
		log_warnx("%zu connection%s still open after 10 s; stopping "
		    "anyway", n, n == 1 ? "" : "s");
		h->drained(h->drained_arg);
		h->drained = NULL;
	}
}

/* A connection closed while draining. */
static void
http_server_closed(void *arg)
{
	http_drain_check(arg);
}

void
http_drain(struct http *h, void (*done)(void *), void *arg)
{
	struct timeval	 tv = { 10, 0 };

	http_flush(h);
	server_drain(h->srv, http_server_closed, h);
	if (h->socket_path != NULL)
		unlink(h->socket_path);
	h->draining = 1;
	h->drained = done;
	h->drained_arg = arg;
	h->drain_timer = evtimer_new(h->base, http_drain_timeout, h);
	evtimer_add(h->drain_timer, &tv);
	http_drain_check(h);
}

/*
 * The TCP door's certificate and key read again (SIGHUP), as the user
 * kursusd now is: a renewed certificate is served without a restart. When
 * they cannot be read, the ones read before serve on. Whether the door
 * speaks TLS at all is settled at start.
 */
static void
http_tls_reload(struct http *h, const struct config *conf)
{
	char	*cause = NULL;

	if (h->tls == NULL) {
		if (h->tcp_door != NULL && *conf->admin_tls_cert != '\0')
			log_warnx("SIGHUP: TLS on the admin TCP listener "
			    "takes effect at the next start");
		return;
	}
	if (*conf->admin_tls_cert == '\0') {
		log_warnx("SIGHUP: admin.tls_cert is empty now; the admin TCP "
		    "listener speaks TLS until the next start");
		return;
	}
	if (tls_reload(h->tls, conf->admin_tls_cert, conf->admin_tls_key,
	    &cause) != 0) {
		log_warnx("SIGHUP: keeping the admin TLS certificate and key "
		    "read before: %s", cause);
		free(cause);
		return;
	}
	log_info("admin TLS certificate and key read again: %s",
	    tls_about(h->tls));
}

void
http_configure(struct http *h, const struct config *conf)
{
	h->max_failures = conf->admin_max_failures;
	h->max_failures_total = conf->admin_max_failures_total;
	if (h->pub != NULL)
		public_configure(h->pub, conf);
	/* At start the doors are not yet there: SIGHUP only. */
	if (h->unix_door != NULL)
		http_tls_reload(h, conf);
}

void
http_free(struct http *h)
{
	struct http_req	*q;

	if (h == NULL)
		return;
	http_flush(h);
	durable_free(h->dur);
	h->dur = NULL;
	while ((q = h->waiting) != NULL) {
		h->waiting = q->next;
		http_answer_error(q, 503, "kursusd is stopping");
	}
	jobs_free(h->jobs);
	checkpointer_free(h->ckpt);
	backups_free(h->backups);
	server_free(h->srv);
	tls_free(h->tls);
	public_free(h->pub);
	if (h->commit_ev != NULL)
		event_free(h->commit_ev);
	if (h->busy_ev != NULL)
		event_free(h->busy_ev);
	if (h->socket_path != NULL && !h->draining)
		unlink(h->socket_path);
	if (h->drain_timer != NULL)
		event_free(h->drain_timer);
	if (h->token != NULL) {
		explicit_bzero(h->token, strlen(h->token));
		free(h->token);
	}
	free(h->socket_path);
	free(h->allow);
	free(h);
}
