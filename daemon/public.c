/*
 * The public listener: a small HTTP/1.1 server for the feeds, on libevent
 * events and plain sockets rather than evhttp, which spent more time on a
 * 304 than the answer is worth.
 *
 * It answers GET and HEAD of the feed paths and refuses everything else
 * with a status and one sentence. Connections are kept alive and may
 * pipeline; a request head has limits (request line, size, header lines),
 * must arrive within PUBLIC_HEAD_TIME seconds of its first byte, and may
 * carry no body. Connections are capped below the descriptor limit;
 * accepting pauses while the cap is reached.
 *
 * An answer is a response head formatted once per feed and encoding, kept
 * with the cached feed (feed_answer.head), plus a Date line formatted once
 * a second, plus the cache's own bytes, referenced, not copied: one
 * sendmsg() per batch of answers.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "kursusd.h"

#define PUBLIC_MAX_CONNS	4096	/* connections at once, at most */
#define PUBLIC_FD_RESERVE	64	/* descriptors left to the rest */
#define PUBLIC_BACKLOG		511
#define PUBLIC_IN_MIN		4096	/* first size of a request buffer */
#define PUBLIC_IN_MAX		(PUBLIC_HEAD_MAX + 2)
#define PUBLIC_IDLE		30	/* s a kept-alive connection may idle */
#define PUBLIC_HEAD_TIME	15	/* s for a request head to arrive */
#define PUBLIC_WRITE_TIME	30	/* s without progress in writing */
#define PUBLIC_LINGER		2	/* s reading what follows a refusal */
#define PUBLIC_LINGER_BYTES	(64 * 1024)
#define PUBLIC_DRAIN_IDLE	1	/* s of silence once stopping */
#define PUBLIC_SEGS		64	/* queued pieces of output */
#define PUBLIC_OUT_MAX		(32 * 1024)	/* queued head bytes */

/* A piece of output: bytes of the connection's out buffer, or a blob. */
struct public_seg {
	size_t		 off, len;	/* into out when blob is NULL */
	struct blob	*blob;		/* a reference */
};

enum public_state { CONN_OPEN, CONN_CLOSING, CONN_LINGER };
enum public_wait { WAIT_NONE, WAIT_IDLE, WAIT_HEAD, WAIT_DRAIN, WAIT_LINGER };

struct public_conn {
	struct public		*pub;
	int			 fd;
	int			 state;		/* enum public_state */
	int			 waiting;	/* enum public_wait: rev's */
	int			 writing;	/* wev is pending */
	struct event		*rev, *wev;
	char			*in;		/* request bytes not answered */
	size_t			 insize, inlen;
	struct public_scan	 scan;		/* how far the head was seen */
	time_t			 since;		/* the head's first byte came */
	char			*out;		/* heads and short bodies */
	size_t			 outsize, outlen;
	struct public_seg	 segs[PUBLIC_SEGS];
	size_t			 seg0, nseg;	/* first unsent, end */
	size_t			 done;		/* bytes of segs[seg0] sent */
	size_t			 lingered;
	struct public_conn	*prev, *next;
};

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

struct public {
	struct event_base	*base;
	struct http		*http;
	struct feeds		*feeds;
	struct evconnlistener	*lst;
	struct event		*retry_ev;	/* accepts again after EMFILE */
	char			*listen;
	char			 cache_control[48];
	unsigned int		 gen;		/* of the settings in heads */
	struct public_conn	*conns;
	size_t			 nconns, max_conns;
	int			 full;		/* paused at max_conns */
	time_t			 full_logged;
	int			 draining;
	void			(*closed)(void *);
	void			*closed_arg;
	const struct timeval	*idle_tv, *write_tv;	/* common timeouts */
	time_t			 date_t;
	char			 date[48];	/* "Date: ...\r\n" */
	size_t			 date_len;
};

static void	public_conn_run(struct public_conn *);

static time_t
public_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/* --- the request parser: no I/O, no allocation, for the fuzz target too */

/* tchar (RFC 9110 5.6.2): what a method or header name is made of. */
static int
public_tchar(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return (1);
	return (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* A byte that may stand in a request target or a header value. */
static int
public_text_char(unsigned char ch, int space)
{
	if (ch == ' ' || ch == '\t')
		return (space);
	return (ch > 0x20 && ch != 0x7f);
}

static int
public_refused(struct public_req *rq, int status, const char *why)
{
	rq->status = status;
	snprintf(rq->why, sizeof rq->why, "%s", why);
	return (-1);
}

/* The tokens of a Connection header: close, keep-alive. */
static void
public_connection_tokens(const char *v, struct public_req *rq)
{
	size_t	 len;

	while (*v != '\0') {
		v += strspn(v, " \t,");
		len = strcspn(v, ",");
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len == 5 && strncasecmp(v, "close", 5) == 0)
			rq->conn_close = 1;
		else if (len == 10 && strncasecmp(v, "keep-alive", 10) == 0)
			rq->conn_keep_alive = 1;
		v += strcspn(v, ",");
	}
}

/* Takes one header field; value is NUL-terminated and trimmed. */
static int
public_field(struct public_req *rq, const char *name, size_t nlen,
    const char *value)
{
	const char	*p;
	unsigned long long cl;

#define IS(s)	(nlen == sizeof(s) - 1 && strncasecmp(name, s, nlen) == 0)
	if (IS("Host")) {
		if (rq->hosts++ > 0)
			return (public_refused(rq, 400, "more than one Host "
			    "header"));
	} else if (IS("Connection"))
		public_connection_tokens(value, rq);
	else if (IS("Accept-Encoding")) {
		if (rq->nae < PUBLIC_REPEAT)
			rq->ae[rq->nae++] = value;
	} else if (IS("If-None-Match")) {
		if (rq->ninm < PUBLIC_REPEAT)
			rq->inm[rq->ninm++] = value;
	} else if (IS("If-Modified-Since")) {
		if (rq->ims == NULL)
			rq->ims = value;
	} else if (IS("Content-Length")) {
		if (*value == '\0')
			return (public_refused(rq, 400, "Content-Length is "
			    "empty"));
		cl = 0;
		for (p = value; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return (public_refused(rq, 400,
				    "Content-Length is not a number"));
			if (cl < 1000000000000ULL)
				cl = cl * 10 + (unsigned long long)(*p - '0');
		}
		if (rq->content_length >= 0 &&
		    (unsigned long long)rq->content_length != cl)
			return (public_refused(rq, 400, "two different "
			    "Content-Length values"));
		rq->content_length = (long long)cl;
	} else if (IS("Transfer-Encoding"))
		rq->transfer_encoding = 1;
#undef IS
	return (0);
}

/*
 * The request line: METHOD SP request-target SP HTTP/1.x, in line[0, len),
 * which the caller has checked for length. Sets method, path (the target's
 * path, NUL-terminated in place) and the version.
 */
static int
public_request_line(char *line, size_t len, struct public_req *rq)
{
	char	*sp1, *sp2, *target, *path, *v, *end;
	size_t	 i, tlen;

	for (i = 0; i < len; i++) {
		if (!public_text_char((unsigned char)line[i], 1) ||
		    line[i] == '\t')
			return (public_refused(rq, 400, "the request line "
			    "holds a control character"));
	}
	if ((sp1 = memchr(line, ' ', len)) == NULL || sp1 == line ||
	    (sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line))) ==
	    NULL || sp2 == sp1 + 1)
		return (public_refused(rq, 400, "malformed request line: "
		    "expected METHOD /path HTTP/1.1"));
	for (i = 0; line + i < sp1; i++) {
		if (!public_tchar((unsigned char)line[i]))
			return (public_refused(rq, 400, "malformed request "
			    "line: the method is not a token"));
	}
	rq->method_name = line;
	rq->method_len = (size_t)(sp1 - line);
	if (rq->method_len == 3 && memcmp(line, "GET", 3) == 0)
		rq->method = PUBLIC_GET;
	else if (rq->method_len == 4 && memcmp(line, "HEAD", 4) == 0)
		rq->method = PUBLIC_HEAD;
	else
		rq->method = 0;

	v = sp2 + 1;
	end = line + len;
	if (end - v != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' ||
	    v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
		return (public_refused(rq, 400, "malformed request line: "
		    "expected METHOD /path HTTP/1.1"));
	if (v[5] != '1') {
		rq->status = 505;
		snprintf(rq->why, sizeof rq->why, "HTTP/%c.%c is not "
		    "supported: this listener speaks HTTP/1.1 and 1.0", v[5],
		    v[7]);
		return (-1);
	}
	rq->http10 = v[7] == '0';

	target = sp1 + 1;
	tlen = (size_t)(sp2 - target);
	path = NULL;	/* refused once the method is known */
	if (*target == '/')
		path = target;
	else if ((tlen > 7 && strncasecmp(target, "http://", 7) == 0) ||
	    (tlen > 8 && strncasecmp(target, "https://", 8) == 0)) {
		/* absolute-form: the path follows the authority */
		v = (char *)memchr(target, ':', tlen) + 3;
		if ((path = memchr(v, '/', (size_t)(sp2 - v))) == NULL)
			rq->path = "/";
	}
	if (path != NULL) {
		/* the path ends at the query or the fragment */
		for (v = path; v < sp2 && *v != '?' && *v != '#'; v++)
			;
		*v = '\0';
		rq->path = path;
	}
	return (0);
}

/*
 * Reads one request head from buf[0, len): 1 when it is whole (rq filled,
 * rq->head_len bytes taken), 0 when more bytes are needed (scan says how
 * far it looked; keep it for the next call on the same bytes), -1 when it
 * is refused (rq->status and rq->why). Only a whole head is written to: its
 * path and header values are NUL-terminated in place.
 */
int
public_parse(char *buf, size_t len, struct public_scan *scan,
    struct public_req *rq)
{
	char	*nl, *line, *colon, *value, *vend;
	size_t	 pos = scan->pos, llen, eff, end, i;
	int	 n;

	memset(rq, 0, sizeof *rq);
	rq->content_length = -1;
	/* First find the end of the head, checking the limits. */
	for (;;) {
		nl = memchr(buf + pos, '\n', len - pos);
		if (nl == NULL) {
			/* (+ 1: the line's CR may be there already) */
			if (!scan->started && len - pos > PUBLIC_LINE_MAX + 1)
				goto long_line;
			if (len > PUBLIC_HEAD_MAX)
				goto long_head;
			scan->pos = pos;
			return (0);
		}
		llen = (size_t)(nl - (buf + pos));
		eff = llen > 0 && buf[pos + llen - 1] == '\r' ? llen - 1 : llen;
		if (!scan->started) {
			if (eff > PUBLIC_LINE_MAX)
				goto long_line;
			if (eff > 0) {
				/* blank lines before the request line are
				 * skipped (RFC 9112 2.2) */
				scan->started = 1;
				scan->start = pos;
			}
		} else if (eff == 0) {
			end = pos + llen + 1;
			break;
		} else if (++scan->fields > PUBLIC_FIELDS_MAX) {
			snprintf(rq->why, sizeof rq->why, "the request has "
			    "more than %d header lines", PUBLIC_FIELDS_MAX);
			rq->status = 431;
			return (-1);
		}
		pos += llen + 1;
		if (pos > PUBLIC_HEAD_MAX)
			goto long_head;
	}
	if (end > PUBLIC_HEAD_MAX)
		goto long_head;
	rq->head_len = end;

	/* Then read it. */
	line = buf + scan->start;
	nl = memchr(line, '\n', end - scan->start);
	llen = (size_t)(nl - line);
	eff = llen > 0 && line[llen - 1] == '\r' ? llen - 1 : llen;
	if (public_request_line(line, eff, rq) != 0)
		return (-1);
	for (n = 1, line = nl + 1; line < buf + end; line = nl + 1, n++) {
		nl = memchr(line, '\n', (size_t)(buf + end - line));
		llen = (size_t)(nl - line);
		eff = llen > 0 && line[llen - 1] == '\r' ? llen - 1 : llen;
		if (eff == 0)
			break;
		if (*line == ' ' || *line == '\t') {
			snprintf(rq->why, sizeof rq->why, "header line %d is "
			    "folded onto the line before; that is not "
			    "accepted", n);
			rq->status = 400;
			return (-1);
		}
		colon = memchr(line, ':', eff);
		for (i = 0; colon != NULL && line + i < colon; i++) {
			if (!public_tchar((unsigned char)line[i]))
				break;
		}
		if (colon == NULL || colon == line || line + i != colon) {
			snprintf(rq->why, sizeof rq->why, "malformed header "
			    "line %d: expected Name: value", n);
			rq->status = 400;
			return (-1);
		}
		value = colon + 1;
		vend = line + eff;
		while (value < vend && (*value == ' ' || *value == '\t'))
			value++;
		while (vend > value && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		for (i = 0; value + i < vend; i++) {
			if (!public_text_char((unsigned char)value[i], 1)) {
				snprintf(rq->why, sizeof rq->why, "header line "
				    "%d holds a control character", n);
				rq->status = 400;
				return (-1);
			}
		}
		*vend = '\0';
		if (public_field(rq, line, (size_t)(colon - line), value) != 0)
			return (-1);
	}

	if (!rq->http10 && rq->hosts == 0)
		return (public_refused(rq, 400, "an HTTP/1.1 request needs a "
		    "Host header"));
	if (rq->method == 0) {
		rq->status = 405;
		snprintf(rq->why, sizeof rq->why, "the public listener answers "
		    "GET and HEAD only, not %.*s", rq->method_len > 24 ? 24 :
		    (int)rq->method_len, rq->method_name);
		return (-1);
	}
	if (rq->path == NULL)
		return (public_refused(rq, 400, "the request target must be a "
		    "path such as /feeds/all.ics"));
	if (rq->content_length > 0 || rq->transfer_encoding)
		return (public_refused(rq, 400, "a GET or HEAD request may not "
		    "carry a body (Content-Length or Transfer-Encoding)"));
	rq->close = rq->http10 ? !rq->conn_keep_alive : rq->conn_close;
	return (1);

long_line:
	rq->status = 414;
	snprintf(rq->why, sizeof rq->why, "the request line is longer than "
	    "%d bytes", PUBLIC_LINE_MAX);
	return (-1);
long_head:
	rq->status = 431;
	snprintf(rq->why, sizeof rq->why, "the request head is larger than "
	    "%d bytes", PUBLIC_HEAD_MAX);
	return (-1);
}

/* --- answers */

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
public_gzip(const struct public_req *rq)
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
public_fresh(const struct public_req *rq, const struct feed_answer *a)
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

/* The Date line, formatted when the second changes. */
static void
public_date(struct public *p)
{
	static const char	 days[] = "SunMonTueWedThuFriSat";
	static const char	 months[] =
	    "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t			 now = time(NULL);
	struct tm		 tm;
	int			 n;

	if (now == p->date_t)
		return;
	p->date_t = now;
	gmtime_r(&now, &tm);
	n = snprintf(p->date, sizeof p->date, "Date: %.3s, %02d %.3s %04d "
	    "%02d:%02d:%02d GMT\r\n", days + 3 * tm.tm_wday, tm.tm_mday,
	    months + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	p->date_len = n > 0 && (size_t)n < sizeof p->date ? (size_t)n : 0;
}

static void
public_out(struct public_conn *c, const void *data, size_t len)
{
	struct public_seg	*s;
	size_t			 size;

	if (len == 0)
		return;
	if (c->outlen + len > c->outsize) {
		size = c->outsize != 0 ? c->outsize : 1024;
		while (size < c->outlen + len)
			size *= 2;
		c->out = xreallocarray(c->out, 1, size);
		c->outsize = size;
	}
	memcpy(c->out + c->outlen, data, len);
	s = c->nseg > c->seg0 ? &c->segs[c->nseg - 1] : NULL;
	if (s != NULL && s->blob == NULL && s->off + s->len == c->outlen)
		s->len += len;
	else {
		s = &c->segs[c->nseg++];
		s->off = c->outlen;
		s->len = len;
		s->blob = NULL;
	}
	c->outlen += len;
}

static void
public_out_blob(struct public_conn *c, struct blob *b)
{
	struct public_seg	*s;

	if (blob_len(b) == 0)
		return;
	s = &c->segs[c->nseg++];
	s->off = 0;
	s->len = blob_len(b);
	s->blob = blob_ref(b);
}

/* The end of a head: Date, whether the connection stays, the blank line. */
static void
public_out_end(struct public_conn *c, const struct public_req *rq)
{
	public_out(c, c->pub->date, c->pub->date_len);
	if (c->state != CONN_OPEN)
		public_out(c, "Connection: close\r\n\r\n", 21);
	else if (rq != NULL && rq->http10)
		public_out(c, "Connection: keep-alive\r\n\r\n", 26);
	else
		public_out(c, "\r\n", 2);
}

static const char *
public_reason(int status)
{
	switch (status) {
	case 400:	return ("Bad Request");
	case 404:	return ("Not Found");
	case 405:	return ("Method Not Allowed");
	case 408:	return ("Request Timeout");
	case 414:	return ("URI Too Long");
	case 431:	return ("Request Header Fields Too Large");
	case 505:	return ("HTTP Version Not Supported");
	}
	return ("Error");
}

/* A short text answer: a 404, or a refusal naming what was wrong. */
static void
public_text(struct public_conn *c, const struct public_req *rq, int status,
    const char *msg)
{
	char	 buf[512];
	size_t	 len = strlen(msg);
	int	 n;

	public_date(c->pub);
	n = snprintf(buf, sizeof buf, "HTTP/1.1 %d %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n%s"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n", status, public_reason(status),
	    status == 405 ? "Allow: GET, HEAD\r\n" : "", len + 1);
	if (n > 0 && (size_t)n < sizeof buf)
		public_out(c, buf, (size_t)n);
	public_out_end(c, rq);
	if (rq == NULL || rq->method != PUBLIC_HEAD) {
		public_out(c, msg, len);
		public_out(c, "\n", 1);
	}
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
	char			*fields;
	size_t			 elen = strlen(a->etag);
	size_t			 len = blob_len(a->body);
	int			 n200, n304;

	if (hd != NULL && hd->gen == p->gen && hd->len == len &&
	    hd->last_modified == a->last_modified &&
	    hd->disposition == a->disposition && strcmp(hd->etag, a->etag) == 0)
		return (hd);
	free(hd);
	xasprintf(&fields, "X-Content-Type-Options: nosniff\r\n"
	    "Content-Type: text/calendar; charset=utf-8\r\n"
	    "ETag: %s\r\nLast-Modified: %s\r\nCache-Control: %s\r\n"
	    "Vary: Accept-Encoding\r\n%s%s%s%s", a->etag,
	    a->last_modified_http, p->cache_control,
	    a->disposition != NULL ? "Content-Disposition: " : "",
	    a->disposition != NULL ? a->disposition : "",
	    a->disposition != NULL ? "\r\n" : "",
	    gzip ? "Content-Encoding: gzip\r\n" : "");
	n200 = snprintf(NULL, 0, "HTTP/1.1 200 OK\r\n%sContent-Length: %zu\r\n",
	    fields, len);
	n304 = snprintf(NULL, 0, "HTTP/1.1 304 Not Modified\r\n%s", fields);
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
	    fields);
	hd->etag = hd->s304 + hd->n304 + 1;
	memcpy(hd->etag, a->etag, elen + 1);
	hd->last_modified = a->last_modified;
	hd->len = len;
	hd->disposition = a->disposition;
	hd->gen = p->gen;
	free(fields);
	*slot = hd;
	return (hd);
}

/*
 * Answers one request: the feed, a 304, or the 404 for anything else.
 * Unknown paths, slugs and tokens all get the same 404, so it tells no one
 * whether a token ever existed.
 */
static void
public_answer(struct public_conn *c, const struct public_req *rq)
{
	struct public		*p = c->pub;
	struct public_head	*hd;
	struct feed_answer	 a;
	void			*tmp = NULL, **slot;
	int			 gzip = public_gzip(rq), fresh;

	/* Feeds show what is committed: close an open batch first. */
	http_flush(p->http);
	if (p->feeds == NULL || feeds_get(p->feeds, rq->path, gzip, &a) != 0) {
		public_text(c, rq, 404, "not found");
		return;
	}
	slot = a.head != NULL ? a.head : &tmp;
	hd = public_head(p, &a, gzip, slot);
	fresh = public_fresh(rq, &a);
	public_date(p);
	if (fresh)
		public_out(c, hd->s304, hd->n304);
	else
		public_out(c, hd->s200, hd->n200);
	public_out_end(c, rq);
	if (!fresh && rq->method == PUBLIC_GET)
		public_out_blob(c, a.body);
	free(tmp);
}

/* --- connections */

static void
public_conn_close(struct public_conn *c)
{
	struct public	*p = c->pub;
	size_t		 i;

	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	for (i = c->seg0; i < c->nseg; i++)
		blob_unref(c->segs[i].blob);
	free(c->in);
	free(c->out);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
	p->nconns--;
	if (p->full && p->nconns < p->max_conns && p->lst != NULL) {
		p->full = 0;
		evconnlistener_enable(p->lst);
	}
	if (p->draining && p->closed != NULL)
		p->closed(p->closed_arg);
}

/*
 * Sends what is queued: 1 when all of it went, 0 when the socket is full,
 * -1 when the connection is gone.
 */
static int
public_conn_write(struct public_conn *c)
{
	struct iovec		 iov[PUBLIC_SEGS];
	struct msghdr		 msg;
	struct public_seg	*s;
	const char		*base;
	size_t			 i, n, left;
	ssize_t			 w;

	while (c->seg0 < c->nseg) {
		for (n = 0, i = c->seg0; i < c->nseg; i++, n++) {
			s = &c->segs[i];
			base = s->blob != NULL ? blob_data(s->blob) :
			    c->out + s->off;
			iov[n].iov_base = (void *)(uintptr_t)base;
			iov[n].iov_len = s->len;
		}
		iov[0].iov_base = (char *)iov[0].iov_base + c->done;
		iov[0].iov_len -= c->done;
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = iov;
		msg.msg_iovlen = n;
		if ((w = sendmsg(c->fd, &msg, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			return (-1);
		}
		while (w > 0) {
			s = &c->segs[c->seg0];
			left = s->len - c->done;
			if ((size_t)w < left) {
				c->done += (size_t)w;
				break;
			}
			w -= (ssize_t)left;
			c->done = 0;
			blob_unref(s->blob);
			s->blob = NULL;
			c->seg0++;
		}
	}
	c->seg0 = c->nseg = 0;
	c->outlen = 0;
	return (1);
}

/* Answers the whole requests the buffer holds; 1 when it stopped for room. */
static int
public_conn_answer(struct public_conn *c)
{
	struct public_req	 rq;
	size_t			 off = 0;
	int			 r, more = 0;

	while (c->state == CONN_OPEN && off < c->inlen) {
		if (c->nseg + 3 > PUBLIC_SEGS || c->outlen > PUBLIC_OUT_MAX) {
			more = 1;
			break;
		}
		r = public_parse(c->in + off, c->inlen - off, &c->scan, &rq);
		if (r == 0)
			break;
		memset(&c->scan, 0, sizeof c->scan);
		if (r < 0) {
			c->state = CONN_CLOSING;
			public_text(c, NULL, rq.status, rq.why);
			break;
		}
		off += rq.head_len;
		if (rq.close || c->pub->draining)
			c->state = CONN_CLOSING;
		public_answer(c, &rq);
	}
	if (off > 0) {
		c->inlen -= off;
		memmove(c->in, c->in + off, c->inlen);
		if (c->inlen > 0)
			c->since = public_now();
	}
	return (more);
}

/* Waits for the next request, with the timeout that fits. */
static void
public_conn_wait(struct public_conn *c)
{
	struct public	*p = c->pub;
	struct timeval	 tv = { 0, 0 };
	time_t		 left;
	int		 w;

	if (p->draining)
		w = WAIT_DRAIN;
	else if (c->inlen > 0)
		w = WAIT_HEAD;
	else
		w = WAIT_IDLE;
	/* A persistent event starts its timeout afresh when it runs. */
	if (w == c->waiting && w != WAIT_HEAD)
		return;
	c->waiting = w;
	switch (w) {
	case WAIT_DRAIN:
		tv.tv_sec = PUBLIC_DRAIN_IDLE;
		event_add(c->rev, &tv);
		break;
	case WAIT_HEAD:
		left = PUBLIC_HEAD_TIME - (public_now() - c->since);
		tv.tv_sec = left > 0 ? left : 0;
		event_add(c->rev, &tv);
		break;
	default:
		event_add(c->rev, p->idle_tv);
		break;
	}
}

/* After the last answer: no more writing, read what comes for a while. */
static void
public_conn_linger(struct public_conn *c)
{
	struct timeval	 tv = { PUBLIC_LINGER, 0 };

	c->state = CONN_LINGER;
	c->since = public_now();
	if (shutdown(c->fd, SHUT_WR) != 0) {
		public_conn_close(c);
		return;
	}
	c->waiting = WAIT_LINGER;
	event_add(c->rev, &tv);
}

/* Answers, writes, and waits for what comes next. */
static void
public_conn_run(struct public_conn *c)
{
	int	 more;

	for (;;) {
		more = public_conn_answer(c);
		switch (public_conn_write(c)) {
		case -1:
			public_conn_close(c);
			return;
		case 0:
			/* Read nothing more until the socket takes this. */
			if (!c->writing) {
				event_del(c->rev);
				c->waiting = WAIT_NONE;
				event_add(c->wev, c->pub->write_tv);
				c->writing = 1;
			}
			return;
		}
		if (c->writing) {
			event_del(c->wev);
			c->writing = 0;
		}
		if (c->state != CONN_OPEN) {
			public_conn_linger(c);
			return;
		}
		if (!more)
			break;
	}
	public_conn_wait(c);
}

static void
public_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct public_conn	*c = arg;
	char			 sink[4096];
	ssize_t			 n;

	if (c->state == CONN_LINGER) {
		n = (what & EV_READ) ? read(fd, sink, sizeof sink) : 0;
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n > 0 && (c->lingered += (size_t)n) < PUBLIC_LINGER_BYTES &&
		    public_now() - c->since < PUBLIC_LINGER)
			return;
		public_conn_close(c);
		return;
	}
	if (what & EV_TIMEOUT) {
		if (c->inlen == 0) {
			public_conn_close(c);	/* an idle connection */
			return;
		}
		c->state = CONN_CLOSING;
		c->inlen = 0;
		snprintf(sink, sizeof sink, "the request head did not arrive "
		    "whole within %d seconds", PUBLIC_HEAD_TIME);
		public_text(c, NULL, 408, sink);
		public_conn_run(c);
		return;
	}
	if (c->inlen == c->insize) {
		if (c->insize >= PUBLIC_IN_MAX) {
			/* Cannot be: the parser refuses a head this long. */
			public_conn_close(c);
			return;
		}
		c->insize = c->insize == 0 ? PUBLIC_IN_MIN : 2 * c->insize;
		if (c->insize > PUBLIC_IN_MAX)
			c->insize = PUBLIC_IN_MAX;
		c->in = xreallocarray(c->in, 1, c->insize);
	}
	n = read(fd, c->in + c->inlen, c->insize - c->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone, or closed its side: a half-sent request ends here. */
		public_conn_close(c);
		return;
	}
	if (c->inlen == 0)
		c->since = public_now();
	c->inlen += (size_t)n;
	public_conn_run(c);
}

static void
public_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct public_conn	*c = arg;

	if (what & EV_TIMEOUT) {
		log_debug("public: a client took no data for %d s; closing",
		    PUBLIC_WRITE_TIME);
		public_conn_close(c);
		return;
	}
	public_conn_run(c);
}

static void
public_accept(struct evconnlistener *lst, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct public		*p = arg;
	struct public_conn	*c = xcalloc(1, sizeof *c);
	time_t			 now;

	c->pub = p;
	c->fd = fd;
	c->rev = event_new(p->base, fd, EV_READ | EV_PERSIST, public_read_cb,
	    c);
	c->wev = event_new(p->base, fd, EV_WRITE | EV_PERSIST, public_write_cb,
	    c);
	if (c->rev == NULL || c->wev == NULL)
		fatalx("event_new failed");
	c->next = p->conns;
	if (p->conns != NULL)
		p->conns->prev = c;
	p->conns = c;
	p->nconns++;
	public_conn_wait(c);
	if (p->nconns >= p->max_conns) {
		evconnlistener_disable(lst);
		p->full = 1;
		now = public_now();
		if (p->full_logged == 0 || now - p->full_logged >= 60) {
			p->full_logged = now;
			log_warnx("public listener: %zu connections, the most "
			    "it takes; new ones wait until one closes",
			    p->nconns);
		}
	}
}

static void
public_retry(evutil_socket_t fd, short ev, void *arg)
{
	struct public	*p = arg;

	if (p->lst != NULL && !p->full)
		evconnlistener_enable(p->lst);
}

/* accept() failed, most likely for want of descriptors: wait a second. */
static void
public_accept_error(struct evconnlistener *lst, void *arg)
{
	struct public	*p = arg;
	struct timeval	 tv = { 1, 0 };
	int		 err = EVUTIL_SOCKET_ERROR();

	log_warnx("public listener: accept: %s; pausing a second",
	    evutil_socket_error_to_string(err));
	evconnlistener_disable(lst);
	evtimer_add(p->retry_ev, &tv);
}

struct public *
public_start(struct event_base *base, struct http *h, struct feeds *fs,
    const char *listen, const char *host, unsigned short port,
    const struct config *conf, char **cause)
{
	struct public		*p = xcalloc(1, sizeof *p);
	struct evutil_addrinfo	 hints, *ai = NULL;
	struct rlimit		 rl;
	struct timeval		 idle = { PUBLIC_IDLE, 0 };
	struct timeval		 wr = { PUBLIC_WRITE_TIME, 0 };
	char			 portstr[8];
	int			 rc, one = 1;

	p->base = base;
	p->http = h;
	p->feeds = fs;
	p->listen = xstrdup(listen);
	public_configure(p, conf);
	p->idle_tv = event_base_init_common_timeout(base, &idle);
	p->write_tv = event_base_init_common_timeout(base, &wr);
	if (p->idle_tv == NULL || p->write_tv == NULL)
		fatalx("event_base_init_common_timeout failed");
	p->retry_ev = evtimer_new(base, public_retry, p);

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
	snprintf(portstr, sizeof portstr, "%u", port);
	rc = evutil_getaddrinfo(*host != '\0' ? host : NULL, portstr, &hints,
	    &ai);
	if (rc != 0) {
		xasprintf(cause, "cannot listen on %s: %s", listen,
		    evutil_gai_strerror(rc));
		public_free(p);
		return (NULL);
	}
	p->lst = evconnlistener_new_bind(base, public_accept, p,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    PUBLIC_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	evutil_freeaddrinfo(ai);
	if (p->lst == NULL) {
		xasprintf(cause, "cannot listen on %s: %s", listen,
		    strerror(errno));
		public_free(p);
		return (NULL);
	}
	evconnlistener_set_error_cb(p->lst, public_accept_error);
	/*
	 * Answers go out whole and at once: without TCP_NODELAY the last
	 * segment of a feed waits for the peer's delayed ACK (Nagle), some
	 * 40 ms a request. Accepted sockets inherit it on Linux.
	 */
	if (setsockopt(evconnlistener_get_fd(p->lst), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof one) != 0)
		log_warn("TCP_NODELAY on %s", listen);

	/* Below the descriptor limit, so that accept() never runs out. */
	p->max_conns = PUBLIC_MAX_CONNS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		if (rl.rlim_cur < PUBLIC_FD_RESERVE + 16)
			p->max_conns = 16;
		else if (rl.rlim_cur - PUBLIC_FD_RESERVE < p->max_conns)
			p->max_conns =
			    (size_t)(rl.rlim_cur - PUBLIC_FD_RESERVE);
	}
	log_info("public listener on %s", listen);
	log_debug("public listener: at most %zu connections", p->max_conns);
	return (p);
}

void
public_configure(struct public *p, const struct config *conf)
{
	snprintf(p->cache_control, sizeof p->cache_control,
	    "public, max-age=%d", conf->feeds_cache_seconds);
	p->gen++;	/* heads made before say the old setting */
}

size_t
public_connections(const struct public *p)
{
	return (p != NULL ? p->nconns : 0);
}

/*
 * Stops accepting. A connection ends after the answer it is writing or
 * reading, an idle one after a second of silence; closed(arg) is called
 * each time one closes.
 */
void
public_drain(struct public *p, void (*closed)(void *), void *arg)
{
	struct public_conn	*c;

	if (p == NULL)
		return;
	p->draining = 1;
	p->closed = closed;
	p->closed_arg = arg;
	if (p->lst != NULL) {
		evconnlistener_free(p->lst);
		p->lst = NULL;
	}
	evtimer_del(p->retry_ev);
	for (c = p->conns; c != NULL; c = c->next) {
		if (c->state == CONN_OPEN && !c->writing)
			public_conn_wait(c);
	}
}

void
public_free(struct public *p)
{
	if (p == NULL)
		return;
	p->closed = NULL;
	p->full = 0;
	while (p->conns != NULL)
		public_conn_close(p->conns);
	if (p->lst != NULL)
		evconnlistener_free(p->lst);
	if (p->retry_ev != NULL)
		event_free(p->retry_ev);
	free(p->listen);
	free(p);
}
