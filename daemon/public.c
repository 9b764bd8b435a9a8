/*
 * The public door: feeds and the public pages, over the server both doors
 * share (server.c). It answers GET and HEAD of the feed paths and of the
 * pages (pages_key() reads their paths and queries; the cache, feeds.c,
 * keeps both), and refuses everything else with a status and one
 * sentence (a page's bad query with a page saying it). Every unknown
 * path, slug or token gets the same 404 page. Its two writes, each behind
 * a secret, are handed on: the cancel link (/afmeld/<token>, cancel.c)
 * and SMS replies from the gateway (/sms/kannel and /sms/webhook,
 * smsin.c); only they take POST and a small body. Either, finding the
 * database locked by another connection, waits (its call made again on
 * a timer, as the admin door's writes wait) rather than be refused:
 * Kannel, as it comes, does not send a refused SMS reply again, and a
 * citizen who pressed the button should not have to.
 *
 * An answer is a response head formatted once per feed and encoding, kept
 * with the cached feed (feed_answer.head), plus the Date line, plus the
 * cache's own bytes, referenced, not copied.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "kursusd.h"
#include "commit.h"
#include "server.h"
#include "citizen.h"
#include "page.h"

#define PUBLIC_MAX_CONNS	4096	/* connections at once, at most */
#define PUBLIC_HEAD_TIME	15	/* s for a request head to arrive */
#define PUBLIC_IDLE		30	/* s a kept-alive connection may idle */
#define PUBLIC_MAX_BODY		65536	/* bytes of a form or webhook body */
#define PUBLIC_PAGE_MAX_AGE	60	/* s an HTTP cache may keep a page */

/* What a page's answer says beyond a feed's (page.h). */
#define PUBLIC_PAGE_FIELDS	PAGE_HTTP_FIELDS

/* The response heads of one feed in one encoding, and what they say. */
struct public_head {
	char		*etag;
	time_t		 last_modified;
	size_t		 len;
	const char	*disposition;
	unsigned int	 gen;
	char		*s200, *s304;
	size_t		 n200, n304;
};

/* A citizen's call that found the database locked, to be made again. */
struct public_wait {
	struct conn		*conn;		/* NULL once it closed */
	void			(*fn)(const struct citizen_call *,
				    struct citizen_answer *);
	const char		*what;		/* for the log */
	struct citizen_call	 cl;		/* its strings its own */
	unsigned char		 addr[16];
	time_t			 since;		/* first found locked */
	struct public_wait	*next;
};

struct public {
	struct http		*http;
	struct feeds		*feeds;
	struct api_ctx		 ctx;
	struct citizen_conf	 cc;		/* strings owned */
	struct server_door	*door;
	char			 cache_control[48];
	char			 cache_page[48], cache_personal[48];
	struct page_site	*site;		/* for the error pages */
	unsigned int		 gen;		/* of the settings in heads */
	struct allow		*trusted;	/* no per-address limit */
	size_t			 ntrusted;
	struct event		*busy_ev;	/* the waiting calls' next */
	struct public_wait	*waiting, **waiting_tail;
};

/*
 * Whether a list of Accept-Encoding admits gzip: 1 yes, 0 refused (q=0),
 * -1 when it does not name gzip.
 */
static int
public_gzip_one(const char *ae)
{
	const char	*p, *q, *semi;
	size_t		 len;

	for (p = ae; *p != '\0'; p = q) {
		p += strspn(p, " \t,");
		len = strcspn(p, ",");
		q = p + len;
		if (len >= 4 && strncasecmp(p, "gzip", 4) == 0 &&
		    (p[4] == '\0' || p[4] == ',' || p[4] == ';' ||
		    p[4] == ' ' || p[4] == '\t')) {
			if ((semi = memchr(p, ';', len)) == NULL)
				return (1);
			semi = strstr(semi, "q=");
			if (semi == NULL || semi > q)
				return (1);
			return (strtod(semi + 2, NULL) > 0);
		}
	}
	return (-1);
}

/* Accept-Encoding lines make one list: the first that names gzip says. */
static int
public_gzip(const struct request *rq)
{
	size_t	 i;
	int	 r;

	for (i = 0; i < rq->nae; i++) {
		if ((r = public_gzip_one(rq->ae[i])) >= 0)
			return (r);
	}
	return (0);
}

/* If-None-Match: "*" or a list holding etag (weak comparison, RFC 9110). */
static int
public_etag_match(const char *list, const char *etag)
{
	const char	*p = list;
	size_t		 elen = strlen(etag);

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return (0);
		if (*p == '*')
			return (1);
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, elen) == 0 &&
		    (p[elen] == '\0' || p[elen] == ',' || p[elen] == ' ' ||
		    p[elen] == '\t'))
			return (1);
		p += strcspn(p, ",");
	}
}

/* Whether the client's copy is current: 304. */
static int
public_fresh(const struct request *rq, const struct feed_answer *a)
{
	struct tm	 tm;
	size_t		 i;

	/* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2). */
	if (rq->ninm > 0) {
		for (i = 0; i < rq->ninm; i++) {
			if (public_etag_match(rq->inm[i], a->etag))
				return (1);
		}
		return (0);
	}
	if (rq->ims != NULL) {
		memset(&tm, 0, sizeof tm);
		if (strptime(rq->ims, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL)
			return (a->last_modified <= timegm(&tm));
	}
	return (0);
}

/*
 * The heads of a feed's answer, made when what they say changed: ETag,
 * Last-Modified, the length, the Cache-Control setting. One allocation,
 * so that the feed can free it with free().
 */
static struct public_head *
public_head(struct public *p, const struct feed_answer *a, int gzip,
    void **slot)
{
	struct public_head	*hd = *slot;
	char			*fields, *fields304;
	size_t			 elen = strlen(a->etag);
	size_t			 len = blob_len(a->body);
	int			 n200, n304;

	if (hd != NULL && hd->gen == p->gen && hd->len == len &&
	    hd->last_modified == a->last_modified &&
	    hd->disposition == a->disposition && strcmp(hd->etag, a->etag) == 0)
		return (hd);
	free(hd);
	xasprintf(&fields, "X-Content-Type-Options: nosniff\r\n"
	    "Content-Type: %s; charset=utf-8\r\n%s"
	    "ETag: %s\r\nLast-Modified: %s\r\nCache-Control: %s\r\n"
	    "Vary: Accept-Encoding\r\n%s%s%s%s", a->page ? "text/html" :
	    "text/calendar", a->page ? PUBLIC_PAGE_FIELDS : "", a->etag,
	    a->last_modified_http, !a->page ? p->cache_control :
	    a->personal ? p->cache_personal : p->cache_page,
	    a->disposition != NULL ? "Content-Disposition: " : "",
	    a->disposition != NULL ? a->disposition : "",
	    a->disposition != NULL ? "\r\n" : "",
	    gzip ? "Content-Encoding: gzip\r\n" : "");
	n200 = snprintf(NULL, 0, "HTTP/1.1 200 OK\r\n%sContent-Length: %zu\r\n",
	    fields, len);
	/*
	 * A 304 says only what updates the copy the client has (RFC 9110
	 * 15.4.5): its validators and how to cache it. The type, the
	 * encoding and a page's policies stay with the stored answer, so a
	 * page's 304 is as short as a feed's.
	 */
	xasprintf(&fields304, "ETag: %s\r\nLast-Modified: %s\r\n"
	    "Cache-Control: %s\r\nVary: Accept-Encoding\r\n", a->etag,
	    a->last_modified_http, !a->page ? p->cache_control :
	    a->personal ? p->cache_personal : p->cache_page);
	n304 = snprintf(NULL, 0, "HTTP/1.1 304 Not Modified\r\n%s",
	    fields304);
	if (n200 < 0 || n304 < 0)
		fatalx("public: cannot format a response head");
	hd = xmalloc(sizeof *hd + (size_t)n200 + (size_t)n304 + elen + 3);
	hd->s200 = (char *)(hd + 1);
	hd->n200 = (size_t)n200;
	snprintf(hd->s200, hd->n200 + 1, "HTTP/1.1 200 OK\r\n%s"
	    "Content-Length: %zu\r\n", fields, len);
	hd->s304 = hd->s200 + hd->n200 + 1;
	hd->n304 = (size_t)n304;
	snprintf(hd->s304, hd->n304 + 1, "HTTP/1.1 304 Not Modified\r\n%s",
	    fields304);
	hd->etag = hd->s304 + hd->n304 + 1;
	memcpy(hd->etag, a->etag, elen + 1);
	hd->last_modified = a->last_modified;
	hd->len = len;
	hd->disposition = a->disposition;
	hd->gen = p->gen;
	free(fields);
	free(fields304);
	*slot = hd;
	return (hd);
}

/* A short text answer: a refusal naming what was wrong. */
static void
public_text(struct conn *c, int status, const char *msg)
{
	char	*body = xprintf("%s\n", msg);

	conn_reply(c, status, status == 405 ?
	    "X-Content-Type-Options: nosniff\r\nAllow: GET, HEAD\r\n" :
	    "X-Content-Type-Options: nosniff\r\n",
	    "text/plain; charset=utf-8", body, strlen(body), NULL);
	free(body);
}

static void
public_refuse(struct conn *c, int status, const char *why, void *arg)
{
	(void)arg;
	public_text(c, status, why);
}

/* A page's 404, or its refusal (400) saying why, with the library's phone. */
static void
public_page_error(struct public *p, struct conn *c, int flags,
    const char *why)
{
	char	*body;
	size_t	 len;

	flags &= ~PAGE_EMBED;
	if (why == NULL)
		body = page_not_found(p->site, flags, &len);
	else
		body = page_message(p->site, flags, (flags & PAGE_EN) ?
		    "The address is not right" : "Adressen er ikke rigtig",
		    why, &len);
	conn_reply(c, why == NULL ? 404 : 400, "X-Content-Type-Options: "
	    "nosniff\r\n" PUBLIC_PAGE_FIELDS "Cache-Control: public, "
	    "max-age=60\r\n", "text/html; charset=utf-8", body, len, NULL);
	free(body);
}

/* A page's flags (its language) as pages_key() reads them. */
static void
public_page_flags(const struct request *rq, int *flags)
{
	char	*key = NULL, *why = NULL;

	(void)pages_key(rq->path, rq->query, &key, flags, &why);
	free(key);
	free(why);
}

/* A citizen's answer goes out (the caller then says conn_done()). */
static void
public_citizen_answer(struct public *p, struct conn *c,
    struct citizen_answer *a)
{
	char	*fields;

	if (a->wrote && p->ctx.sender != NULL)
		sender_kick(p->ctx.sender);
	fields = xprintf("X-Content-Type-Options: nosniff\r\n"
	    PAGE_HTTP_FIELDS "%s", a->fields);
	conn_reply(c, a->status, fields, a->type, a->body, a->len, NULL);
	free(fields);
	free(a->body);
	a->body = NULL;
}

static void
public_wait_free(struct public_wait *w)
{
	free((char *)w->cl.path);
	free((char *)w->cl.query);
	free((char *)w->cl.body);
	free((char *)w->cl.origin);
	free((char *)w->cl.fetch_site);
	free((char *)w->cl.stamp);
	free((char *)w->cl.signature);
	free((char *)w->cl.peer);
	free(w);
}

/*
 * The call cl (its body, copied, now the wait's) found the database
 * locked: it waits on the connection c, and is made again on a timer.
 */
static void
public_wait(struct public *p, struct conn *c,
    void (*fn)(const struct citizen_call *, struct citizen_answer *),
    const char *what, const struct citizen_call *cl)
{
	struct public_wait	*w = xcalloc(1, sizeof *w);
	struct timeval		 tv = { 0, BUSY_RETRY * 1000 };

	w->conn = c;
	w->fn = fn;
	w->what = what;
	w->cl = *cl;
	w->cl.path = xstrdupnull(cl->path);
	w->cl.query = xstrdupnull(cl->query);
	w->cl.origin = xstrdupnull(cl->origin);
	w->cl.fetch_site = xstrdupnull(cl->fetch_site);
	w->cl.stamp = xstrdupnull(cl->stamp);
	w->cl.signature = xstrdupnull(cl->signature);
	w->cl.peer = xstrdup(cl->peer);
	w->cl.again = 1;
	memcpy(w->addr, cl->addr, sizeof w->addr);
	w->cl.addr = w->addr;
	w->since = time(NULL);
	conn_set_data(c, w);
	*p->waiting_tail = w;
	p->waiting_tail = &w->next;
	log_info("%s (%s) waits for the database", what, w->cl.peer);
	if (!evtimer_pending(p->busy_ev, NULL))
		evtimer_add(p->busy_ev, &tv);
}

/* The first waiting call leaves the queue (the caller has it). */
static void
public_wait_pop(struct public *p)
{
	if ((p->waiting = p->waiting->next) == NULL)
		p->waiting_tail = &p->waiting;
}

/*
 * The first waiting call w is over (answered, or its client gone): the
 * next one's turn comes at once. Its connection goes on, or, answered
 * nothing, reads its client's end and closes.
 */
static void
public_wait_next(struct public *p, struct public_wait *w)
{
	struct timeval	 now = { 0, 0 };

	public_wait_pop(p);
	conn_set_data(w->conn, NULL);
	conn_done(w->conn);
	public_wait_free(w);
	if (p->waiting != NULL)
		evtimer_add(p->busy_ev, &now);
}

/*
 * The first waiting call made again: answered, or left waiting while
 * the database is locked (up to BUSY_WAIT, then its 503). One call a
 * turn, each a commit of its own.
 */
static void
public_busy_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct public		*p = arg;
	struct public_wait	*w;
	struct citizen_answer	 a;
	struct timeval		 later = { 0, BUSY_RETRY * 1000 };

	(void)fd;
	(void)ev;
	while ((w = p->waiting) != NULL && w->conn == NULL) {
		public_wait_pop(p);
		public_wait_free(w);
	}
	if (w == NULL)
		return;
	/*
	 * Its client gave up on it (its own timeout): taken now, it would
	 * be taken again when the client sends it again, signed anew and
	 * perhaps without an id, and nobody would hear the answer.
	 */
	if (conn_gone(w->conn)) {
		log_warnx("%s (%s) not taken: the client hung up while it "
		    "waited (after %lld s)", w->what, w->cl.peer,
		    (long long)(time(NULL) - w->since));
		public_wait_next(p, w);
		return;
	}
	memset(&a, 0, sizeof a);
	http_flush(p->http);
	w->fn(&w->cl, &a);
	if (a.busy && busy_may_wait(&w->since)) {
		free(a.body);
		evtimer_add(p->busy_ev, &later);
		return;
	}
	if (a.busy)
		log_warnx("%s (%s) not taken: the database is locked (%d "
		    "after %lld s)", w->what, w->cl.peer, a.status,
		    (long long)(time(NULL) - w->since));
	public_citizen_answer(p, w->conn, &a);
	public_wait_next(p, w);
}

/* A connection closed: a call waiting on it is not made again. */
static void
public_closed(struct conn *c, void *arg)
{
	struct public_wait	*w = conn_data(c);

	(void)arg;
	if (w != NULL)
		w->conn = NULL;
}

/*
 * A request for cancel.c or smsin.c, which answer it; their writes commit
 * on their own, after the open batch of the admin door. One that finds
 * the database locked waits (public_wait()). The logs name its caller
 * as who, or by its address when who is NULL (a gateway's names no one).
 */
static void
public_citizen(struct public *p, struct conn *c, struct request *rq,
    const char *body, size_t len,
    void (*fn)(const struct citizen_call *, struct citizen_answer *),
    const char *what, const char *who)
{
	struct citizen_call	 cl;
	struct citizen_answer	 a;
	unsigned char		 addr[16];
	char			*copy;
	int			 family;

	memset(addr, 0, sizeof addr);
	family = conn_family(c, addr);
	memset(&cl, 0, sizeof cl);
	memset(&a, 0, sizeof a);
	cl.store = p->ctx.store;
	cl.conf = &p->cc;
	cl.method = rq->method;
	cl.path = rq->path;
	cl.query = rq->query;
	cl.origin = rq->origin;
	cl.fetch_site = rq->fetch_site;
	cl.stamp = rq->stamp;
	cl.signature = rq->signature;
	/* The body as it sits in the connection's buffer is not a string. */
	copy = len > 0 ? xmalloc(len + 1) : NULL;
	if (copy != NULL) {
		memcpy(copy, body, len);
		copy[len] = '\0';
	}
	cl.body = copy;
	cl.len = len;
	cl.addr = addr;
	cl.trusted = server_addr_in(p->trusted, p->ntrusted, family, addr);
	cl.peer = who != NULL ? who : conn_peer(c);
	cl.at = time(NULL);
	fn(&cl, &a);
	if (a.busy) {
		free(a.body);
		public_wait(p, c, fn, what, &cl);	/* takes copy */
		return;
	}
	free(copy);
	public_citizen_answer(p, c, &a);
	conn_done(c);
}

/*
 * Answers one request: the feed, a 304, or the 404 for anything else.
 * Unknown paths, slugs and tokens all get the same 404, so it tells no one
 * whether a token ever existed.
 */
static void
public_request(struct conn *c, struct request *rq, const char *body,
    size_t len, void *arg)
{
	struct public		*p = arg;
	struct public_head	*hd;
	struct feed_answer	 a;
	void			*tmp = NULL, **slot;
	int			 gzip = public_gzip(rq), fresh, page, flags = 0;
	int			 ret;
	char			*key = NULL, *why = NULL;
	const char		*known;

	/* Feeds show what is committed: close an open batch first. */
	http_flush(p->http);
	if (strncmp(rq->path, "/afmeld/", 8) == 0) {
		/* A citizen: the address is not written beside the
		 * registration it names (logs name people by id only). */
		public_citizen(p, c, rq, body, len, cancel_request,
		    "the cancel link", "a browser");
		return;
	}
	if (strcmp(rq->path, "/sms/kannel") == 0 &&
	    rq->method != API_POST) {
		public_citizen(p, c, rq, body, len, smsin_kannel,
		    "SMS reply from kannel", NULL);
		return;
	}
	if (strcmp(rq->path, "/sms/webhook") == 0) {
		public_citizen(p, c, rq, body, len, smsin_webhook,
		    "SMS reply from webhook", NULL);
		return;
	}
	if (rq->method == API_POST) {
		public_text(c, 405, "only cancel links (/afmeld/...) and "
		    "/sms/webhook take POST");
		conn_done(c);
		return;
	}
	/*
	 * A page asked for as the cache holds it takes the feed's path:
	 * its request is its key. Any other is read (pages_key()) first.
	 */
	page = strncmp(rq->path, "/feeds/", 7) != 0;
	known = !page ? rq->path : p->feeds != NULL ?
	    feeds_known(p->feeds, rq->path, rq->query) : NULL;
	if (known == NULL && (ret = pages_key(rq->path, rq->query, &key,
	    &flags, &why)) != 0) {
		public_page_error(p, c, flags, ret < 0 ? why : NULL);
		free(why);
		conn_done(c);
		return;
	}
	if (p->feeds == NULL || feeds_get(p->feeds, known != NULL ? known :
	    key, gzip, &a) != 0) {
		/* The flags of the 404 page: its language. */
		if (page && key == NULL)
			public_page_flags(rq, &flags);
		/* One 404 for all: it tells nothing of what existed. */
		public_page_error(p, c, flags, NULL);
		free(key);
		conn_done(c);
		return;
	}
	free(key);
	slot = a.head != NULL ? a.head : &tmp;
	hd = public_head(p, &a, gzip, slot);
	fresh = public_fresh(rq, &a);
	conn_answered(c, fresh ? 304 : 200);
	if (fresh)
		conn_out(c, hd->s304, hd->n304);
	else
		conn_out(c, hd->s200, hd->n200);
	conn_out_end(c);
	if (!fresh && rq->method == API_GET)
		conn_out_blob(c, a.body);
	free(tmp);
	conn_done(c);
}

static const struct server_ops public_ops = {
	NULL, public_request, public_refuse, public_closed
};

struct public *
public_start(struct event_base *base, struct server *srv, struct http *h,
    const struct api_ctx *ctx, const struct config *conf, int fd,
    char **cause)
{
	struct public		*p = xcalloc(1, sizeof *p);
	struct server_door_conf	 dc;

	p->busy_ev = evtimer_new(base, public_busy_cb, p);
	p->waiting_tail = &p->waiting;
	p->http = h;
	p->feeds = ctx->feeds;
	p->ctx = *ctx;
	public_configure(p, conf);
	memset(&dc, 0, sizeof dc);
	dc.name = "the public listener";
	dc.methods = API_GET | API_HEAD | API_POST;
	dc.allow = "GET, HEAD and POST";
	dc.max_body = PUBLIC_MAX_BODY;
	dc.body_methods = API_POST;
	dc.example = "/ or /feeds/all.ics";
	dc.max_conns = PUBLIC_MAX_CONNS;
	dc.per_addr = (size_t)conf->public_max_per_address;
	dc.trusted = p->trusted;
	dc.ntrusted = p->ntrusted;
	dc.head_time = dc.body_time = PUBLIC_HEAD_TIME;
	dc.idle_time = PUBLIC_IDLE;
	dc.metrics_door = METRICS_PUBLIC;
	if ((p->door = server_door_new(srv, fd, &dc, &public_ops, p,
	    cause)) == NULL) {
		public_free(p);
		return (NULL);
	}
	log_info("public listener on %s", conf->public_listen);
	return (p);
}

/* Forgets the settings of the cancel link and the SMS replies. */
static void
public_citizen_clear(struct citizen_conf *cc)
{
	free((char *)cc->public_url);
	if (cc->kannel_secret != NULL)
		explicit_bzero(cc->kannel_secret, strlen(cc->kannel_secret));
	if (cc->webhook_secret != NULL)
		explicit_bzero(cc->webhook_secret, strlen(cc->webhook_secret));
	free(cc->kannel_secret);
	free(cc->webhook_secret);
	memset(cc, 0, sizeof *cc);
}

/* A secret file of [sms]; NULL (the endpoint refuses) when not set. */
static char *
public_secret(const char *key, const char *path)
{
	char	*secret = NULL, *cause = NULL;

	if (path == NULL || *path == '\0')
		return (NULL);
	if (token_file_load(path, 16, &secret, &cause) != 0) {
		log_warnx("sms.%s: %s; SMS replies through it are refused",
		    key, cause);
		free(cause);
		return (NULL);
	}
	return (secret);
}

void
public_configure(struct public *p, const struct config *conf)
{
	char	*cause = NULL;
	int	 age;

	public_citizen_clear(&p->cc);
	p->cc.public_url = xstrdup(conf->public_url);
	p->cc.cancel_per_minute = conf->public_cancel_per_minute;
	p->cc.kannel_secret = public_secret("kannel_secret_file",
	    conf->sms_kannel_secret_file);
	p->cc.webhook_secret = public_secret("webhook_secret_file",
	    conf->sms_webhook_secret_file);

	snprintf(p->cache_control, sizeof p->cache_control,
	    "public, max-age=%d", conf->feeds_cache_seconds);
	/* Pages show seats left: an HTTP cache keeps them a short while. */
	age = conf->feeds_cache_seconds < PUBLIC_PAGE_MAX_AGE ?
	    conf->feeds_cache_seconds : PUBLIC_PAGE_MAX_AGE;
	snprintf(p->cache_page, sizeof p->cache_page, "public, max-age=%d",
	    age);
	snprintf(p->cache_personal, sizeof p->cache_personal,
	    "private, max-age=%d", age);
	page_site_free(p->site);
	p->site = page_site_new(conf);
	p->cc.site = p->site;
	p->gen++;	/* heads made before say the old setting */
	free(p->trusted);
	p->trusted = NULL;
	p->ntrusted = 0;
	/* config_load() has checked it. */
	if (server_allow_parse(conf->public_trusted, &p->trusted, &p->ntrusted,
	    &cause) != 0)
		fatalx("public.trusted: %s", cause);
	if (p->door != NULL)
		server_door_configure(p->door,
		    (size_t)conf->public_max_per_address, p->trusted,
		    p->ntrusted);
}

void
public_free(struct public *p)
{
	struct public_wait	*w;

	if (p == NULL)
		return;
	while ((w = p->waiting) != NULL) {
		public_wait_pop(p);
		if (w->conn != NULL)
			conn_set_data(w->conn, NULL);
		public_wait_free(w);
	}
	if (p->busy_ev != NULL)
		event_free(p->busy_ev);
	public_citizen_clear(&p->cc);
	free(p->trusted);
	page_site_free(p->site);
	free(p);
}
