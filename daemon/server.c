/*
 * The HTTP/1.1 server under both doors: listening sockets, connections,
 * reading request heads (request.c) and bodies, writing answers, and the
 * limits that keep one client from holding the others up. On libevent
 * events and plain sockets rather than evhttp: evhttp answered its own
 * refusals in HTML, took two different Content-Length headers, and had no
 * limits per door or per address.
 *
 * A door (server_door_new()) is one listening socket with its own limits
 * and its own answers (struct server_ops): public.c answers feeds at once,
 * admin.c answers the API after the group commit, so an answer may come
 * later (server_conn_done()). A connection takes one request at a time;
 * pipelined ones wait in its buffer.
 *
 * Limits: a request head must arrive within head_time seconds of its first
 * byte however it trickles, a body within body_time; a connection may idle
 * idle_time. Every door has a share of the descriptors, below the process
 * limit, so that one flooded door never starves another; when its share
 * is used, or one address holds per_addr connections (trusted addresses
 * excepted), the connection idle longest (else the slowest head) makes
 * room, so a new client is served at once. Should accept() fail all the
 * same (descriptors used elsewhere), the door pauses a second and says so
 * once a minute.
 *
 * An answer is a list of pieces: bytes of the connection's out buffer, or
 * blobs (feeds' cached bytes, a long JSON answer) referenced, not copied;
 * one sendmsg() per batch of answers.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "buf.h"
#include "kursusd.h"

#define SERVER_FD_RESERVE	96	/* descriptors left to the rest */
#define SERVER_BACKLOG		511
#define SERVER_IN_MIN		4096	/* first size of a request buffer */
#define SERVER_WRITE_TIME	30	/* s without progress in writing */
#define SERVER_LINGER		2	/* s reading what follows a refusal */
#define SERVER_LINGER_BYTES	(64 * 1024)
#define SERVER_DRAIN_IDLE	1	/* s of silence once stopping */
#define SERVER_SEGS		64	/* queued pieces of output */
#define SERVER_OUT_MAX		(32 * 1024)	/* queued head bytes */
#define SERVER_ADDR_BUCKETS	256
#define SERVER_LOG_EVERY	60	/* s between two lines about one fault */

/* A piece of output: bytes of the connection's out buffer, or a blob. */
struct server_seg {
	size_t		 off, len;	/* into out when blob is NULL */
	struct blob	*blob;		/* a reference */
};

enum server_state { CONN_OPEN, CONN_CLOSING, CONN_LINGER };
enum server_wait { WAIT_NONE, WAIT_IDLE, WAIT_HEAD, WAIT_BODY, WAIT_DRAIN,
    WAIT_LINGER };

/* How many connections one address holds at a door. */
struct server_addr {
	unsigned char		 addr[16];
	size_t			 n;
	struct server_addr	*next;
};

struct server_conn {
	struct server_door	*door;
	int			 fd;
	int			 state;		/* enum server_state */
	int			 waiting;	/* enum server_wait: rev's */
	int			 writing;	/* wev is pending */
	int			 busy;		/* a request awaits its answer */
	int			 in_request;	/* inside ops->request() */
	struct event		*rev, *wev, *resume_ev;
	char			*in;		/* request bytes not answered */
	size_t			 insize, inlen;
	struct request_scan	 scan;		/* how far the head was seen */
	struct request		 rq;		/* the head, once whole */
	int			 have_head;
	int			 continued;	/* sent 100 Continue */
	int			 head_only;	/* answering a HEAD */
	int			 http10;	/* the request's version */
	time_t			 since;		/* the request's first byte */
	uint64_t		 quiet;		/* idle or waiting since (tick) */
	uint64_t		 began;		/* the request began (tick) */
	int			 family;	/* AF_INET, AF_INET6, AF_UNIX */
	unsigned char		 addr[16];
	char			 peer[64];
	int			 counted;	/* in the door's address table */
	void			*data;		/* the door's */
	struct buf		 out;		/* heads and short bodies */
	struct server_seg	 segs[SERVER_SEGS];
	size_t			 seg0, nseg;	/* first unsent, end */
	size_t			 done;		/* bytes of segs[seg0] sent */
	size_t			 lingered;
	struct server_conn	*prev, *next;
};

struct server_door {
	struct server		*srv;
	struct server_door_conf	 conf;
	const struct server_ops	*ops;
	void			*arg;
	struct evconnlistener	*lst;
	struct event		*retry_ev;	/* accepts again after EMFILE */
	struct server_conn	*conns;
	size_t			 nconns;
	struct server_addr	*addrs[SERVER_ADDR_BUCKETS];
	time_t			 emfile_logged, full_logged;
	size_t			 emfile_since, full_since;
	struct server_door	*next;
};

struct server {
	struct event_base	*base;
	struct server_door	*doors;
	size_t			 budget;	/* descriptors left to share */
	uint64_t		 tick;		/* orders what happens */
	int			 draining;
	void			(*closed)(void *);
	void			*closed_arg;
	time_t			 date_t;
	char			 date[48];	/* "Date: ...\r\n" */
	size_t			 date_len;
};

static void	server_conn_run(struct server_conn *);
static void	server_conn_wait(struct server_conn *);

static time_t
server_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/* --- addresses */

static size_t
server_addr_hash(const unsigned char *addr)
{
	size_t	 h = 5381, i;

	for (i = 0; i < 16; i++)
		h = h * 33 + addr[i];
	return (h % SERVER_ADDR_BUCKETS);
}

static struct server_addr **
server_addr_find(struct server_door *d, const unsigned char *addr)
{
	struct server_addr	**ap;

	for (ap = &d->addrs[server_addr_hash(addr)]; *ap != NULL;
	    ap = &(*ap)->next) {
		if (memcmp((*ap)->addr, addr, 16) == 0)
			break;
	}
	return (ap);
}

static size_t
server_addr_count(struct server_door *d, const unsigned char *addr)
{
	struct server_addr	*a = *server_addr_find(d, addr);

	return (a != NULL ? a->n : 0);
}

static void
server_addr_add(struct server_door *d, struct server_conn *c)
{
	struct server_addr	**ap = server_addr_find(d, c->addr), *a;

	if ((a = *ap) == NULL) {
		a = *ap = xcalloc(1, sizeof *a);
		memcpy(a->addr, c->addr, 16);
	}
	a->n++;
	c->counted = 1;
}

static void
server_addr_drop(struct server_door *d, struct server_conn *c)
{
	struct server_addr	**ap = server_addr_find(d, c->addr), *a;

	if (!c->counted || (a = *ap) == NULL)
		return;
	if (--a->n == 0) {
		*ap = a->next;
		free(a);
	}
	c->counted = 0;
}

/* The peer's address in 16 bytes (IPv4 as itself, v4-mapped unmapped). */
static void
server_peer(struct server_conn *c, const struct sockaddr *sa)
{
	const struct sockaddr_in6	*s6;

	memset(c->addr, 0, sizeof c->addr);
	c->family = sa != NULL ? sa->sa_family : AF_UNSPEC;
	if (c->family == AF_INET)
		memcpy(c->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (c->family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(c->addr, s6->sin6_addr.s6_addr + 12, 4);
			c->family = AF_INET;
		} else
			memcpy(c->addr, s6->sin6_addr.s6_addr, 16);
	}
	if ((c->family == AF_INET || c->family == AF_INET6) &&
	    inet_ntop(c->family, c->addr, c->peer, sizeof c->peer) != NULL)
		return;
	snprintf(c->peer, sizeof c->peer, "%s", c->family == AF_UNIX ?
	    "local" : "?");
}

/* Whether addr is in a list of address blocks. */
int
server_addr_in(const struct allow *list, size_t n, int family,
    const unsigned char *addr)
{
	size_t	 i;
	int	 bits, b;

	for (i = 0; i < n; i++) {
		if (list[i].family != family)
			continue;
		bits = list[i].bits;
		for (b = 0; b < bits / 8; b++) {
			if (addr[b] != list[i].addr[b])
				break;
		}
		if (b < bits / 8)
			continue;
		if (bits % 8 != 0 && ((addr[b] ^ list[i].addr[b]) &
		    (0xff << (8 - bits % 8)) & 0xff) != 0)
			continue;
		return (1);
	}
	return (0);
}

/* --- output */

/* The Date line, formatted when the second changes. */
static void
server_date(struct server *s)
{
	static const char	 days[] = "SunMonTueWedThuFriSat";
	static const char	 months[] =
	    "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t			 now = time(NULL);
	struct tm		 tm;
	int			 n;

	if (now == s->date_t)
		return;
	s->date_t = now;
	gmtime_r(&now, &tm);
	n = snprintf(s->date, sizeof s->date, "Date: %.3s, %02d %.3s %04d "
	    "%02d:%02d:%02d GMT\r\n", days + 3 * tm.tm_wday, tm.tm_mday,
	    months + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	s->date_len = n > 0 && (size_t)n < sizeof s->date ? (size_t)n : 0;
}

void
server_conn_out(struct server_conn *c, const void *data, size_t len)
{
	struct server_seg	*s;
	size_t			 off = c->out.len;

	if (len == 0)
		return;
	buf_add(&c->out, data, len);
	s = c->nseg > c->seg0 ? &c->segs[c->nseg - 1] : NULL;
	if (s != NULL && s->blob == NULL && s->off + s->len == off)
		s->len += len;
	else {
		if (c->nseg == SERVER_SEGS)
			fatalx("server: more than %d pieces of output",
			    SERVER_SEGS);
		s = &c->segs[c->nseg++];
		s->off = off;
		s->len = len;
		s->blob = NULL;
	}
}

void
server_conn_out_blob(struct server_conn *c, struct blob *b)
{
	struct server_seg	*s;

	if (blob_len(b) == 0)
		return;
	if (c->nseg == SERVER_SEGS)
		fatalx("server: more than %d pieces of output", SERVER_SEGS);
	s = &c->segs[c->nseg++];
	s->off = 0;
	s->len = blob_len(b);
	s->blob = blob_ref(b);
}

/* The end of a head: Date, whether the connection stays, the blank line. */
void
server_conn_out_end(struct server_conn *c)
{
	server_date(c->door->srv);
	server_conn_out(c, c->door->srv->date, c->door->srv->date_len);
	if (c->state != CONN_OPEN)
		server_conn_out(c, "Connection: close\r\n\r\n", 21);
	else if (c->http10)
		server_conn_out(c, "Connection: keep-alive\r\n\r\n", 26);
	else
		server_conn_out(c, "\r\n", 2);
}

/*
 * A whole answer: the status line, the fields given (each ending in CRLF,
 * or NULL), Content-Type and Content-Length, and the body unless the
 * request was a HEAD. A body of a blob is referenced, not copied.
 */
void
server_conn_reply(struct server_conn *c, int status, const char *fields,
    const char *ctype, const char *body, size_t len, struct blob *blob)
{
	char	 buf[256];
	int	 n;

	if (blob != NULL)
		len = blob_len(blob);
	n = snprintf(buf, sizeof buf, "HTTP/1.1 %d %s\r\n", status,
	    request_reason(status));
	server_conn_out(c, buf, (size_t)n);
	if (fields != NULL)
		server_conn_out(c, fields, strlen(fields));
	n = snprintf(buf, sizeof buf, "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n", ctype, len);
	server_conn_out(c, buf, (size_t)n);
	server_conn_out_end(c);
	if (c->head_only)
		return;
	if (blob != NULL)
		server_conn_out_blob(c, blob);
	else
		server_conn_out(c, body, len);
}

/* --- connections */

static void
server_conn_close(struct server_conn *c)
{
	struct server_door	*d = c->door;
	struct server		*s = d->srv;
	size_t			 i;

	if (d->ops->closed != NULL)
		d->ops->closed(c, d->arg);
	event_free(c->rev);
	event_free(c->wev);
	event_free(c->resume_ev);
	close(c->fd);
	for (i = c->seg0; i < c->nseg; i++)
		blob_unref(c->segs[i].blob);
	server_addr_drop(d, c);
	free(c->in);
	buf_free(&c->out);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
	d->nconns--;
	if (s->draining && s->closed != NULL)
		s->closed(s->closed_arg);
}

/*
 * Sends what is queued: 1 when all of it went, 0 when the socket is full,
 * -1 when the connection is gone.
 */
static int
server_conn_write(struct server_conn *c)
{
	struct iovec		 iov[SERVER_SEGS];
	struct msghdr		 msg;
	struct server_seg	*s;
	const char		*base;
	size_t			 i, n, left;
	ssize_t			 w;

	while (c->seg0 < c->nseg) {
		for (n = 0, i = c->seg0; i < c->nseg; i++, n++) {
			s = &c->segs[i];
			base = s->blob != NULL ? blob_data(s->blob) :
			    c->out.data + s->off;
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
	buf_reset(&c->out);
	return (1);
}

/*
 * Refuses what the connection sent, in the door's own form, and ends the
 * connection after the answer: what follows in the stream cannot be
 * trusted to start a request.
 */
void
server_conn_refuse(struct server_conn *c, int status, const char *why)
{
	c->state = CONN_CLOSING;
	c->head_only = 0;
	c->door->ops->refuse(c, status, why, c->door->arg);
}

/* The body the head announces: 0 fine, -1 refused. */
static int
server_conn_body(struct server_conn *c, struct request *rq)
{
	const struct server_door_conf	*conf = &c->door->conf;
	char				 why[160];

	if (rq->transfer_encoding) {
		if (conf->max_body == 0)
			goto none;
		server_conn_refuse(c, 411, "a chunked body is not accepted: "
		    "send Content-Length");
		return (-1);
	}
	if (rq->content_length <= 0)
		return (0);
	if (conf->max_body == 0)
		goto none;
	if ((unsigned long long)rq->content_length > conf->max_body) {
		snprintf(why, sizeof why, "request body of %lld bytes is "
		    "larger than the limit of %zu bytes", rq->content_length,
		    conf->max_body);
		server_conn_refuse(c, 413, why);
		return (-1);
	}
	return (0);
none:
	server_conn_refuse(c, 400, "a GET or HEAD request may not carry a "
	    "body (Content-Length or Transfer-Encoding)");
	return (-1);
}

/*
 * The bytes of a head whose body is still coming moved (the buffer grew,
 * or what came before was taken): its pointers follow. Those that point
 * elsewhere (a constant "/") stay.
 */
static void
server_conn_rebase(struct server_conn *c, const char *old, size_t len)
{
	struct request	*rq = &c->rq;
	size_t		 i;

#define MOVE(p)	do {							\
	if ((p) != NULL && (const char *)(p) >= old &&			\
	    (const char *)(p) < old + len)				\
		(p) = c->in + ((const char *)(p) - old);		\
} while (0)
	MOVE(rq->method_name);
	MOVE(rq->path);
	MOVE(rq->query);
	MOVE(rq->ims);
	MOVE(rq->authorization);
	for (i = 0; i < rq->nae; i++)
		MOVE(rq->ae[i]);
	for (i = 0; i < rq->ninm; i++)
		MOVE(rq->inm[i]);
#undef MOVE
}

/* Whether a method may knock at this door; refused with 405 if not. */
static int
server_conn_method(struct server_conn *c, struct request *rq)
{
	char	 why[160];

	if (rq->method != 0 && (c->door->conf.methods & rq->method))
		return (0);
	snprintf(why, sizeof why, "%s answers %s only, not %.*s",
	    c->door->conf.name, c->door->conf.allow, rq->method_len > 24 ?
	    24 : (int)rq->method_len, rq->method_name);
	server_conn_refuse(c, 405, why);
	return (-1);
}

/*
 * Reads the whole requests the buffer holds and hands them to the door,
 * one at a time; 1 when it stopped for room in the output.
 */
static int
server_conn_answer(struct server_conn *c)
{
	struct request	*rq = &c->rq;
	size_t		 off = 0, need;
	int		 r, more = 0;

	while (c->state == CONN_OPEN && !c->busy && off < c->inlen) {
		if (c->nseg + 3 > SERVER_SEGS || c->out.len > SERVER_OUT_MAX) {
			more = 1;
			break;
		}
		if (!c->have_head) {
			r = request_parse(c->in + off, c->inlen - off,
			    &c->scan, rq);
			if (r == 0)
				break;
			memset(&c->scan, 0, sizeof c->scan);
			if (r < 0) {
				server_conn_refuse(c, rq->status, rq->why);
				break;
			}
			if (server_conn_method(c, rq) != 0)
				break;
			if (rq->path == NULL) {
				snprintf(rq->why, sizeof rq->why, "the request "
				    "target must be a path such as %s",
				    c->door->conf.example);
				server_conn_refuse(c, 400, rq->why);
				break;
			}
			if (server_conn_body(c, rq) != 0)
				break;
			c->have_head = 1;
			c->continued = 0;
		}
		need = rq->head_len + (size_t)(rq->content_length > 0 ?
		    rq->content_length : 0);
		if (c->inlen - off < need) {
			/* The body is still coming: say it is welcome. */
			if (rq->expect_continue && !c->continued &&
			    !rq->http10) {
				server_conn_out(c, "HTTP/1.1 100 Continue\r\n\r\n",
				    25);
				c->continued = 1;
			}
			break;
		}
		c->have_head = 0;
		c->http10 = rq->http10;
		c->head_only = rq->method == API_HEAD;
		if (rq->close || c->door->srv->draining)
			c->state = CONN_CLOSING;
		c->busy = 1;
		c->in_request = 1;
		c->door->ops->request(c, rq, c->in + off + rq->head_len,
		    need - rq->head_len, c->door->arg);
		c->in_request = 0;
		off += need;
	}
	if (off > 0 && c->state == CONN_OPEN) {
		c->inlen -= off;
		memmove(c->in, c->in + off, c->inlen);
		if (c->have_head)
			server_conn_rebase(c, c->in + off, c->inlen);
		else if (c->inlen > 0) {
			c->since = server_now();
			c->began = ++c->door->srv->tick;
		}
	}
	return (more);
}

/* Waits for the next request, with the timeout that fits. */
static void
server_conn_wait(struct server_conn *c)
{
	struct server_door	*d = c->door;
	struct timeval		 tv = { 0, 0 };
	time_t			 left;
	int			 w;

	if (c->busy) {
		/* No reading until the answer: the order of answers stands. */
		event_del(c->rev);
		c->waiting = WAIT_NONE;
		return;
	}
	if (d->srv->draining)
		w = WAIT_DRAIN;
	else if (c->have_head)
		w = WAIT_BODY;
	else if (c->inlen > 0)
		w = WAIT_HEAD;
	else
		w = WAIT_IDLE;
	/* A persistent event starts its timeout afresh when it runs. */
	if (w == c->waiting && w != WAIT_HEAD && w != WAIT_BODY)
		return;
	if (w != c->waiting)
		c->quiet = ++d->srv->tick;
	c->waiting = w;
	switch (w) {
	case WAIT_DRAIN:
		tv.tv_sec = SERVER_DRAIN_IDLE;
		break;
	case WAIT_HEAD:
	case WAIT_BODY:
		left = (w == WAIT_HEAD ? d->conf.head_time :
		    d->conf.body_time) - (server_now() - c->since);
		tv.tv_sec = left > 0 ? left : 0;
		break;
	default:
		tv.tv_sec = d->conf.idle_time;
		break;
	}
	event_add(c->rev, &tv);
}

/* After the last answer: no more writing, read what comes for a while. */
static void
server_conn_linger(struct server_conn *c)
{
	struct timeval	 tv = { SERVER_LINGER, 0 };

	c->state = CONN_LINGER;
	c->since = server_now();
	if (shutdown(c->fd, SHUT_WR) != 0) {
		server_conn_close(c);
		return;
	}
	c->waiting = WAIT_LINGER;
	event_add(c->rev, &tv);
}

/* Answers, writes, and waits for what comes next. */
static void
server_conn_run(struct server_conn *c)
{
	struct timeval	 tv = { SERVER_WRITE_TIME, 0 };
	int		 more;

	for (;;) {
		more = server_conn_answer(c);
		switch (server_conn_write(c)) {
		case -1:
			if (c->busy) {
				/* Closed when the answer comes. */
				c->state = CONN_CLOSING;
				event_del(c->rev);
				c->waiting = WAIT_NONE;
				return;
			}
			server_conn_close(c);
			return;
		case 0:
			/* Read nothing more until the socket takes this. */
			if (!c->writing) {
				event_del(c->rev);
				c->waiting = WAIT_NONE;
				event_add(c->wev, &tv);
				c->writing = 1;
			}
			return;
		}
		if (c->writing) {
			event_del(c->wev);
			c->writing = 0;
		}
		if (c->busy) {
			server_conn_wait(c);
			return;
		}
		if (c->state != CONN_OPEN) {
			server_conn_linger(c);
			return;
		}
		if (!more)
			break;
	}
	server_conn_wait(c);
}

static void
server_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	server_conn_run(arg);
}

/*
 * The door has answered the request it was given (or will not: the
 * connection then ends). Inside ops->request() the connection simply goes
 * on; later, it goes on at the next turn of the loop, so that an answer
 * given from within another request's work starts nothing there.
 */
void
server_conn_done(struct server_conn *c)
{
	c->busy = 0;
	if (!c->in_request)
		event_active(c->resume_ev, EV_TIMEOUT, 0);
}

static void
server_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server_conn	*c = arg;
	size_t			 max;
	char			 sink[4096], *old;
	ssize_t			 n;

	if (c->state == CONN_LINGER) {
		n = (what & EV_READ) ? read(fd, sink, sizeof sink) : 0;
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n > 0 && (c->lingered += (size_t)n) < SERVER_LINGER_BYTES &&
		    server_now() - c->since < SERVER_LINGER)
			return;
		server_conn_close(c);
		return;
	}
	if (what & EV_TIMEOUT) {
		if (c->inlen == 0 && !c->have_head) {
			server_conn_close(c);	/* an idle connection */
			return;
		}
		snprintf(sink, sizeof sink, "the request %s did not arrive "
		    "whole within %d seconds", c->have_head ? "body" : "head",
		    c->have_head ? c->door->conf.body_time :
		    c->door->conf.head_time);
		c->have_head = 0;
		c->inlen = 0;
		server_conn_refuse(c, 408, sink);
		server_conn_run(c);
		return;
	}
	if (c->inlen == c->insize) {
		max = REQUEST_HEAD_MAX + 2 + c->door->conf.max_body;
		if (c->insize >= max) {
			/* Cannot be: a head or body this long is refused. */
			server_conn_close(c);
			return;
		}
		c->insize = c->insize == 0 ? SERVER_IN_MIN : 2 * c->insize;
		if (c->insize > max)
			c->insize = max;
		old = c->in;
		c->in = xreallocarray(c->in, 1, c->insize);
		if (c->have_head)
			server_conn_rebase(c, old, c->inlen);
	}
	n = read(fd, c->in + c->inlen, c->insize - c->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone, or closed its side: a half-sent request ends here. */
		server_conn_close(c);
		return;
	}
	if (c->inlen == 0 && !c->have_head) {
		c->since = server_now();
		c->began = ++c->door->srv->tick;
	}
	c->inlen += (size_t)n;
	server_conn_run(c);
}

static void
server_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server_conn	*c = arg;

	if (what & EV_TIMEOUT) {
		log_debug("%s: a client took no data for %d s; closing",
		    c->door->conf.name, SERVER_WRITE_TIME);
		server_conn_close(c);
		return;
	}
	server_conn_run(c);
}

/* Whether c may be closed to make room: waiting, not owed an answer. */
static int
server_conn_evictable(const struct server_conn *c)
{
	return (c->state == CONN_OPEN && !c->busy && !c->writing &&
	    (c->waiting == WAIT_IDLE || c->waiting == WAIT_HEAD ||
	    c->waiting == WAIT_BODY));
}

/*
 * The connection to close for room, of one address or of any: the one
 * idle longest, else the one whose request has been arriving longest.
 */
static struct server_conn *
server_victim(struct server_door *d, struct server_conn *except,
    const unsigned char *addr)
{
	struct server_conn	*c, *idle = NULL, *slow = NULL;

	for (c = d->conns; c != NULL; c = c->next) {
		if (c == except || !server_conn_evictable(c) ||
		    (addr != NULL && memcmp(c->addr, addr, 16) != 0))
			continue;
		if (c->waiting == WAIT_IDLE) {
			if (idle == NULL || c->quiet < idle->quiet)
				idle = c;
		} else if (slow == NULL || c->began < slow->began)
			slow = c;
	}
	return (idle != NULL ? idle : slow);
}

/* Logs a fault of a door at most once a minute, with how often it was. */
static void
server_log_limited(struct server_door *d, time_t *logged, size_t *since,
    const char *what)
{
	time_t	 now = server_now();

	(*since)++;
	if (*logged != 0 && now - *logged < SERVER_LOG_EVERY)
		return;
	if (*since > 1)
		log_warnx("%s: %s (%zu times in the last minute)",
		    d->conf.name, what, *since);
	else
		log_warnx("%s: %s", d->conf.name, what);
	*logged = now;
	*since = 0;
}

/* Room for c at its door: 0, or -1 when it was refused. */
static int
server_make_room(struct server_door *d, struct server_conn *c)
{
	struct server_conn	*v;
	int			 trusted;

	trusted = c->family == AF_UNIX || server_addr_in(d->conf.trusted,
	    d->conf.ntrusted, c->family, c->addr);
	if (d->conf.per_addr > 0 && !trusted) {
		if (server_addr_count(d, c->addr) >= d->conf.per_addr) {
			if ((v = server_victim(d, c, c->addr)) == NULL) {
				server_conn_refuse(c, 503, "too many "
				    "connections from your address; close one "
				    "and try again");
				return (-1);
			}
			server_conn_close(v);
		}
	}
	if (d->nconns > d->conf.max_conns) {
		if ((v = server_victim(d, c, NULL)) == NULL) {
			server_log_limited(d, &d->full_logged, &d->full_since,
			    "every connection is in use; refusing new ones");
			server_conn_refuse(c, 503, "the server is busy; try "
			    "again in a moment");
			return (-1);
		}
		server_log_limited(d, &d->full_logged, &d->full_since,
		    "at its limit of connections; closing the one idle "
		    "longest for each new one");
		server_conn_close(v);
	}
	return (0);
}

static void
server_accept(struct evconnlistener *lst, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server_door	*d = arg;
	struct server_conn	*c = xcalloc(1, sizeof *c);

	(void)lst;
	(void)salen;
	c->door = d;
	c->fd = fd;
	c->rev = event_new(d->srv->base, fd, EV_READ | EV_PERSIST,
	    server_read_cb, c);
	c->wev = event_new(d->srv->base, fd, EV_WRITE | EV_PERSIST,
	    server_write_cb, c);
	c->resume_ev = event_new(d->srv->base, -1, 0, server_resume_cb, c);
	if (c->rev == NULL || c->wev == NULL || c->resume_ev == NULL)
		fatalx("event_new failed");
	server_peer(c, d->conf.unix_socket ? NULL : sa);
	if (d->conf.unix_socket)
		c->family = AF_UNIX;
	c->next = d->conns;
	if (d->conns != NULL)
		d->conns->prev = c;
	d->conns = c;
	d->nconns++;
	server_addr_add(d, c);
	c->since = server_now();
	c->quiet = c->began = ++d->srv->tick;
	if (server_make_room(d, c) == 0 &&
	    (d->ops->accept == NULL || d->ops->accept(c, d->arg) == 0)) {
		server_conn_wait(c);
		return;
	}
	server_conn_run(c);
}

static void
server_retry(evutil_socket_t fd, short ev, void *arg)
{
	struct server_door	*d = arg;

	if (d->lst != NULL)
		evconnlistener_enable(d->lst);
}

/* accept() failed, most likely for want of descriptors: wait a second. */
static void
server_accept_error(struct evconnlistener *lst, void *arg)
{
	struct server_door	*d = arg;
	struct timeval		 tv = { 1, 0 };
	char			 what[128];

	snprintf(what, sizeof what, "accept: %s; pausing a second",
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	server_log_limited(d, &d->emfile_logged, &d->emfile_since, what);
	evconnlistener_disable(lst);
	evtimer_add(d->retry_ev, &tv);
}

/* --- set-up */

/* libevent's own complaints, through our log, once a minute at most. */
static void
server_libevent_log(int severity, const char *msg)
{
	static time_t	 logged;
	static size_t	 since;
	time_t		 now;

	if (severity < EVENT_LOG_WARN) {
		log_debug("libevent: %s", msg);
		return;
	}
	now = server_now();
	since++;
	if (logged != 0 && now - logged < SERVER_LOG_EVERY)
		return;
	log_warnx("libevent: %s%s", msg, since > 1 ? " (and more like it)" :
	    "");
	logged = now;
	since = 0;
}

struct server *
server_new(struct event_base *base)
{
	struct server	*s = xcalloc(1, sizeof *s);
	struct rlimit	 rl;

	s->base = base;
	event_set_log_callback(server_libevent_log);
	s->budget = 4096 * 2;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		if (rl.rlim_cur < SERVER_FD_RESERVE + 32)
			s->budget = 32;
		else if (rl.rlim_cur - SERVER_FD_RESERVE < s->budget)
			s->budget = (size_t)(rl.rlim_cur - SERVER_FD_RESERVE);
	}
	return (s);
}

/*
 * Makes a listening TCP socket for "host:port" (SO_REUSEADDR, TCP_NODELAY
 * inherited by accepted sockets: an answer's last segment must not wait
 * for the peer's delayed ACK). Returns the descriptor or -1.
 */
int
server_listen_tcp(const char *spec, char **cause)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	unsigned short		 port;
	char			*host, portstr[8];
	int			 fd, rc, one = 1;

	if (server_split(spec, &host, &port, cause) != 0)
		return (-1);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
	snprintf(portstr, sizeof portstr, "%u", port);
	rc = evutil_getaddrinfo(*host != '\0' ? host : NULL, portstr, &hints,
	    &ai);
	free(host);
	if (rc != 0) {
		xasprintf(cause, "cannot listen on %s: %s", spec,
		    evutil_gai_strerror(rc));
		return (-1);
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof one) != 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, SERVER_BACKLOG) != 0) {
		xasprintf(cause, "cannot listen on %s: %s", spec,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		evutil_freeaddrinfo(ai);
		return (-1);
	}
	evutil_freeaddrinfo(ai);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		log_warn("TCP_NODELAY on %s", spec);
	return (fd);
}

/* Splits "host:port" or "[v6]:port". */
int
server_split(const char *spec, char **host, unsigned short *port,
    char **cause)
{
	const char	*colon;
	char		*end;
	long		 p;

	if (*spec == '[') {
		if ((colon = strstr(spec, "]:")) == NULL)
			goto bad;
		*host = xstrndup(spec + 1, (size_t)(colon - spec - 1));
		colon++;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			goto bad;
		*host = xstrndup(spec, (size_t)(colon - spec));
	}
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535) {
		free(*host);
		if (colon[1] != '\0' && *end == '\0') {
			xasprintf(cause, "\"%s\": port %s is not between 0 "
			    "and 65535", spec, colon + 1);
			return (-1);
		}
		goto bad;
	}
	*port = (unsigned short)p;
	return (0);
bad:
	xasprintf(cause, "\"%s\" is not host:port", spec);
	return (-1);
}

/*
 * A door on the listening socket fd (which it now owns): its share of the
 * descriptors is conf->max_conns, or what is left when that is more.
 */
struct server_door *
server_door_new(struct server *s, int fd, const struct server_door_conf *conf,
    const struct server_ops *ops, void *arg, char **cause)
{
	struct server_door	*d = xcalloc(1, sizeof *d);

	d->srv = s;
	d->conf = *conf;
	d->ops = ops;
	d->arg = arg;
	if (s->budget < 4) {
		xasprintf(cause, "%s: no file descriptors left for it (raise "
		    "the limit, ulimit -n)", conf->name);
		close(fd);
		free(d);
		return (NULL);
	}
	if (d->conf.max_conns > s->budget)
		d->conf.max_conns = s->budget;
	s->budget -= d->conf.max_conns;
	d->retry_ev = evtimer_new(s->base, server_retry, d);
	d->lst = evconnlistener_new(s->base, server_accept, d,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (d->lst == NULL) {
		xasprintf(cause, "%s: cannot accept: %s", conf->name,
		    strerror(errno));
		close(fd);
		event_free(d->retry_ev);
		s->budget += d->conf.max_conns;
		free(d);
		return (NULL);
	}
	evconnlistener_set_error_cb(d->lst, server_accept_error);
	d->next = s->doors;
	s->doors = d;
	log_debug("%s: at most %zu connections, %zu per address", conf->name,
	    d->conf.max_conns, d->conf.per_addr);
	return (d);
}

/* Takes the limits SIGHUP may change. */
void
server_door_configure(struct server_door *d, size_t per_addr,
    const struct allow *trusted, size_t ntrusted)
{
	d->conf.per_addr = per_addr;
	d->conf.trusted = trusted;
	d->conf.ntrusted = ntrusted;
}

/* The descriptors not yet shared out among doors. */
size_t
server_budget(const struct server *s)
{
	return (s->budget);
}

size_t
server_connections(const struct server *s)
{
	const struct server_door	*d;
	size_t				 n = 0;

	if (s == NULL)
		return (0);
	for (d = s->doors; d != NULL; d = d->next)
		n += d->nconns;
	return (n);
}

/*
 * Stops accepting. A connection ends after the answer it is writing or
 * owed, an idle one after a second of silence; closed(arg) is called each
 * time one closes.
 */
void
server_drain(struct server *s, void (*closed)(void *), void *arg)
{
	struct server_door	*d;
	struct server_conn	*c;

	s->draining = 1;
	s->closed = closed;
	s->closed_arg = arg;
	for (d = s->doors; d != NULL; d = d->next) {
		if (d->lst != NULL) {
			evconnlistener_free(d->lst);
			d->lst = NULL;
		}
		evtimer_del(d->retry_ev);
		for (c = d->conns; c != NULL; c = c->next) {
			if (c->state == CONN_OPEN && !c->writing && !c->busy)
				server_conn_wait(c);
		}
	}
}

void
server_free(struct server *s)
{
	struct server_door	*d;
	size_t			 i;

	if (s == NULL)
		return;
	s->closed = NULL;
	while ((d = s->doors) != NULL) {
		s->doors = d->next;
		while (d->conns != NULL)
			server_conn_close(d->conns);
		if (d->lst != NULL)
			evconnlistener_free(d->lst);
		event_free(d->retry_ev);
		for (i = 0; i < SERVER_ADDR_BUCKETS; i++) {
			if (d->addrs[i] != NULL)
				fatalx("server: an address outlives its "
				    "connections");
		}
		free(d);
	}
	free(s);
}

/* --- what a door may know of a connection */

const char *
server_conn_peer(const struct server_conn *c)
{
	return (c->peer);
}

int
server_conn_family(const struct server_conn *c, unsigned char *addr)
{
	if (addr != NULL)
		memcpy(addr, c->addr, 16);
	return (c->family);
}

int
server_conn_fd(const struct server_conn *c)
{
	return (c->fd);
}

void *
server_conn_data(const struct server_conn *c)
{
	return (c->data);
}

void
server_conn_set_data(struct server_conn *c, void *data)
{
	c->data = data;
}

int
server_conn_head_only(const struct server_conn *c)
{
	return (c->head_only);
}
