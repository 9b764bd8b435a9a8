/*
 * A connection of either door (server.c): reading request heads
 * (request.c) and bodies, handing each whole request to its door, writing
 * the answers, and the timeouts of each stage. A connection takes one
 * request at a time; pipelined ones wait in its buffer. An answer may come
 * later than the request (conn_done()): the admin door answers after its
 * group commit.
 *
 * An answer is a list of pieces: bytes of the connection's out buffer, or
 * blobs (feeds' cached bytes, a long JSON answer) referenced, not copied;
 * one sendmsg() per batch of answers, and a sendfile() for a blob kept in
 * a memory file (blob_filed()), which the kernel sends without copying.
 *
 * On a door with TLS (tls.c) the bytes go through tls_read() and
 * tls_writev() instead, and the reading side (rev) or the writing side
 * (wev) may have to wait for the other readiness: the handshake and a key
 * update write while reading, or read while writing. The handshake must
 * be over within the head timeout. A connection refused when it is
 * accepted is closed without one: no handshake for an address the door
 * turns away.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "buf.h"
#include "kursusd.h"
#include "server.h"

#define CONN_IN_MIN	4096	/* first size of a request buffer */
#define CONN_WRITE_TIME	30	/* s without progress in writing */
#define CONN_LINGER_TIME	2	/* s reading what follows a refusal */
#define CONN_LINGER_BYTES	(64 * 1024)
#define CONN_DRAIN_IDLE	1	/* s of silence once stopping */
#define CONN_OUT_MAX	(32 * 1024)	/* queued head bytes */

static void	conn_read_cb(evutil_socket_t, short, void *);
static void	conn_write_cb(evutil_socket_t, short, void *);
static void	conn_resume_cb(evutil_socket_t, short, void *);

/*
 * The readiness a side (0 reading, 1 writing) waits for: its own, or on a
 * TLS connection what the record layer last asked for.
 */
static short
conn_needs(const struct conn *c, int writing)
{
	if (c->tls == NULL)
		return (writing ? EV_WRITE : EV_READ);
	return (tls_want(c->tls, writing) == TLS_WANT_WRITE ? EV_WRITE :
	    EV_READ);
}

/* Whether ev waits for what. */
static int
conn_armed_for(const struct event *ev, short what)
{
	return ((event_get_events(ev) & (EV_READ | EV_WRITE)) == what);
}

/* Arms ev (rev or wev, cb its callback) for readiness what, timeout tv. */
static void
conn_arm(struct conn *c, struct event *ev, event_callback_fn cb, short what,
    const struct timeval *tv)
{
	if (!conn_armed_for(ev, what)) {
		event_del(ev);
		if (event_assign(ev, c->door->srv->base, c->fd,
		    what | EV_PERSIST, cb, c) != 0)
			fatalx("event_assign failed");
	}
	event_add(ev, tv);
}

/* The peer's address in 16 bytes (IPv4 as itself, v4-mapped unmapped). */
static void
conn_set_peer(struct conn *c, const struct sockaddr *sa)
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

/* --- output */

/* The Date line, formatted when the second changes. */
static void
conn_date(struct server *s)
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
conn_out(struct conn *c, const void *data, size_t len)
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
		if (c->nseg == CONN_SEGS)
			fatalx("server: more than %d pieces of output",
			    CONN_SEGS);
		s = &c->segs[c->nseg++];
		s->off = off;
		s->len = len;
		s->blob = NULL;
	}
}

void
conn_out_blob(struct conn *c, struct blob *b)
{
	struct server_seg	*s;

	if (blob_len(b) == 0)
		return;
	if (c->nseg == CONN_SEGS)
		fatalx("server: more than %d pieces of output", CONN_SEGS);
	s = &c->segs[c->nseg++];
	s->off = 0;
	s->len = blob_len(b);
	s->blob = blob_ref(b);
}

/* The end of a head: Date, whether the connection stays, the blank line. */
void
conn_out_end(struct conn *c)
{
	conn_date(c->door->srv);
	conn_out(c, c->door->srv->date, c->door->srv->date_len);
	if (c->state != CONN_OPEN)
		conn_out(c, "Connection: close\r\n\r\n", 21);
	else if (c->http10)
		conn_out(c, "Connection: keep-alive\r\n\r\n", 26);
	else
		conn_out(c, "\r\n", 2);
}

/*
 * A whole answer: the status line, the fields given (each ending in CRLF,
 * or NULL), Content-Type and Content-Length, and the body unless the
 * request was a HEAD. A body of a blob is referenced, not copied.
 */
void
conn_reply(struct conn *c, int status, const char *fields,
    const char *ctype, const char *body, size_t len, struct blob *blob)
{
	char	 buf[256];
	int	 n;

	if (blob != NULL)
		len = blob_len(blob);
	conn_answered(c, status);
	n = snprintf(buf, sizeof buf, "HTTP/1.1 %d %s\r\n", status,
	    request_reason(status));
	conn_out(c, buf, (size_t)n);
	if (fields != NULL)
		conn_out(c, fields, strlen(fields));
	n = snprintf(buf, sizeof buf, "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n", ctype, len);
	conn_out(c, buf, (size_t)n);
	conn_out_end(c);
	if (c->head_only)
		return;
	if (blob != NULL)
		conn_out_blob(c, blob);
	else
		conn_out(c, body, len);
}

/*
 * Counts an answer for GET /metrics: its door, its status, and the time
 * from the whole request to now, when the answer is queued (0 for a
 * refusal of what never became a request).
 */
void
conn_answered(struct conn *c, int status)
{
	struct timespec	 now;
	double		 s = 0;

	if (c->timed) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		s = (double)(now.tv_sec - c->asked.tv_sec) +
		    (double)(now.tv_nsec - c->asked.tv_nsec) / 1e9;
		c->timed = 0;
	}
	metrics_request(c->door->conf.metrics_door, status, s);
}

/* --- connections */

void
conn_close(struct conn *c)
{
	struct server_door	*d = c->door;
	struct server		*s = d->srv;
	size_t			 i;

	if (d->ops->closed != NULL)
		d->ops->closed(c, d->arg);
	event_free(c->rev);
	event_free(c->wev);
	event_free(c->resume_ev);
	tls_conn_free(c->tls);
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
 * Through TLS, the next bytes of segment s, a blob only in its file
 * (blob_file()): read into a record's room (tls_writev() copies what it
 * takes), never the whole file into memory. What tls_writev() returns.
 */
static ssize_t
conn_write_file(struct conn *c, const struct server_seg *s)
{
	char		 chunk[16384];
	struct iovec	 iov;
	size_t		 want = s->len - c->done;
	ssize_t		 r;

	if (want > sizeof chunk)
		want = sizeof chunk;
	while ((r = pread(s->blob->fd, chunk, want, (off_t)c->done)) == -1 &&
	    errno == EINTR)
		;
	if (r <= 0) {		/* the file ends early: cannot be */
		if (r == -1)
			log_warn("an answer's file");
		else
			log_warnx("an answer's file ends early");
		errno = EIO;
		return (-1);
	}
	iov.iov_base = chunk;
	iov.iov_len = (size_t)r;
	return (tls_writev(c->tls, &iov, 1));
}

/*
 * Whether segment s goes from its blob's file, alone, rather than from
 * memory with its neighbours: a file's pages go to a plain socket with
 * sendfile(2), whatever is mapped of them (blob_filed()); a blob only in
 * its file (blob_file()) goes through TLS with conn_write_file().
 */
static int
conn_seg_file(const struct conn *c, const struct server_seg *s)
{
	return (s->blob != NULL && ((c->tls == NULL && s->blob->fd != -1) ||
	    blob_data(s->blob) == NULL));
}

/*
 * Sends what is queued: 1 when all of it went, 0 when the socket is full,
 * -1 when the connection is gone.
 */
static int
conn_write(struct conn *c)
{
	struct iovec		 iov[CONN_SEGS];
	struct msghdr		 msg;
	struct server_seg	*s;
	const char		*base;
	size_t			 i, n, left;
	ssize_t			 w;
	off_t			 off;

	while (c->seg0 < c->nseg) {
		s = &c->segs[c->seg0];
		if (conn_seg_file(c, s) && c->tls != NULL) {
			/* Through TLS, a file's bytes a record at a time. */
			w = conn_write_file(c, s);
			goto sent;
		}
		if (conn_seg_file(c, s)) {
			/* A file's pages go to the socket uncopied. */
			off = (off_t)c->done;
			w = sendfile(c->fd, s->blob->fd, &off, s->len - c->done);
			if (w == 0)	/* the file ends early: cannot be */
				return (-1);
			goto sent;
		}
		for (n = 0, i = c->seg0; i < c->nseg; i++, n++) {
			s = &c->segs[i];
			if (conn_seg_file(c, s))
				break;
			base = s->blob != NULL ? blob_data(s->blob) :
			    c->out.data + s->off;
			iov[n].iov_base = (void *)(uintptr_t)base;
			iov[n].iov_len = s->len;
		}
		iov[0].iov_base = (char *)iov[0].iov_base + c->done;
		iov[0].iov_len -= c->done;
		if (c->tls != NULL)
			w = tls_writev(c->tls, iov, (int)n);
		else {
			memset(&msg, 0, sizeof msg);
			msg.msg_iov = iov;
			msg.msg_iovlen = n;
			/* The head waits for the file's bytes that follow. */
			w = sendmsg(c->fd, &msg, MSG_NOSIGNAL |
			    (i < c->nseg ? MSG_MORE : 0));
		}
sent:
		if (w == -1) {
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
	/* TLS took every byte; the last of them may still wait. */
	if (c->tls != NULL && tls_writev(c->tls, NULL, 0) != 0)
		return (errno == EAGAIN ? 0 : -1);
	return (1);
}

/*
 * Refuses what the connection sent, in the door's own form, and ends the
 * connection after the answer: what follows in the stream cannot be
 * trusted to start a request.
 */
void
conn_refuse(struct conn *c, int status, const char *why)
{
	c->state = CONN_CLOSING;
	c->head_only = 0;
	c->door->ops->refuse(c, status, why, c->door->arg);
}

/* The body the head announces: 0 fine, -1 refused. */
static int
conn_body(struct conn *c, struct request *rq)
{
	const struct server_door_conf	*conf = &c->door->conf;
	char				 why[160];
	int				 may;

	may = conf->max_body > 0 && (conf->body_methods == 0 ||
	    (rq->method & conf->body_methods) != 0);
	if (rq->transfer_encoding) {
		if (!may)
			goto none;
		conn_refuse(c, 411, "a chunked body is not accepted: "
		    "send Content-Length");
		return (-1);
	}
	if (rq->content_length <= 0)
		return (0);
	if (!may)
		goto none;
	if ((unsigned long long)rq->content_length > conf->max_body) {
		snprintf(why, sizeof why, "request body of %lld bytes is "
		    "larger than the limit of %zu bytes", rq->content_length,
		    conf->max_body);
		conn_refuse(c, 413, why);
		return (-1);
	}
	return (0);
none:
	conn_refuse(c, 400, "a GET or HEAD request may not carry a "
	    "body (Content-Length or Transfer-Encoding)");
	return (-1);
}

/*
 * The bytes of a head whose body is still coming moved (the buffer grew,
 * or what came before was taken): its pointers follow. Those that point
 * elsewhere (a constant "/") stay.
 */
static void
conn_rebase(struct conn *c, const char *old, size_t len)
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
	MOVE(rq->content_type);
	MOVE(rq->origin);
	MOVE(rq->fetch_site);
	MOVE(rq->stamp);
	MOVE(rq->signature);
	for (i = 0; i < rq->nae; i++)
		MOVE(rq->ae[i]);
	for (i = 0; i < rq->ninm; i++)
		MOVE(rq->inm[i]);
#undef MOVE
}

/* Whether a method may knock at this door; refused with 405 if not. */
static int
conn_method(struct conn *c, struct request *rq)
{
	char	 why[160];

	if (rq->method != 0 && (c->door->conf.methods & rq->method))
		return (0);
	snprintf(why, sizeof why, "%s answers %s only, not %.*s",
	    c->door->conf.name, c->door->conf.allow, rq->method_len > 24 ?
	    24 : (int)rq->method_len, rq->method_name);
	conn_refuse(c, 405, why);
	return (-1);
}

/*
 * Reads the whole requests the buffer holds and hands them to the door,
 * one at a time; 1 when it stopped for room in the output.
 */
static int
conn_answer(struct conn *c)
{
	struct request	*rq = &c->rq;
	size_t		 off = 0, need;
	int		 r, more = 0;

	while (c->state == CONN_OPEN && !c->busy && off < c->inlen) {
		if (c->nseg + 3 > CONN_SEGS || c->out.len > CONN_OUT_MAX) {
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
				conn_refuse(c, rq->status, rq->why);
				break;
			}
			if (conn_method(c, rq) != 0)
				break;
			if (rq->path == NULL) {
				snprintf(rq->why, sizeof rq->why, "the request "
				    "target must be a path such as %s",
				    c->door->conf.example);
				conn_refuse(c, 400, rq->why);
				break;
			}
			if (conn_body(c, rq) != 0)
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
				conn_out(c, "HTTP/1.1 100 Continue\r\n\r\n",
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
		clock_gettime(CLOCK_MONOTONIC, &c->asked);
		c->timed = 1;
		c->door->ops->request(c, rq, c->in + off + rq->head_len,
		    need - rq->head_len, c->door->arg);
		c->in_request = 0;
		off += need;
	}
	if (off > 0 && c->state == CONN_OPEN) {
		c->inlen -= off;
		memmove(c->in, c->in + off, c->inlen);
		if (c->have_head)
			conn_rebase(c, c->in + off, c->inlen);
		else if (c->inlen > 0) {
			c->since = server_now();
			c->began = ++c->door->srv->tick;
		}
	}
	return (more);
}

/* Bytes TLS holds already are read at once: the socket will not say so. */
static void
conn_pending(struct conn *c)
{
	if (c->tls != NULL && tls_pending(c->tls))
		event_active(c->rev, EV_READ, 0);
}

/* Waits for the next request, with the timeout that fits. */
void
conn_wait(struct conn *c)
{
	struct server_door	*d = c->door;
	struct timeval		 tv = { 0, 0 };
	time_t			 left;
	int			 w;

	if (c->busy) {
		/*
		 * No reading until the answer: the order of answers stands.
		 * The event stays in epoll, though: a client that waits for
		 * its answer sends nothing meanwhile, and taking the socket
		 * out and putting it back cost two epoll_ctl() calls per
		 * request, 3 % of the loop's time at 8 clients registering
		 * (issue 9). Should it fire, conn_read_cb() takes it out.
		 */
		c->waiting = WAIT_BUSY;
		return;
	}
	if (d->srv->draining)
		w = WAIT_DRAIN;
	else if (c->have_head)
		w = WAIT_BODY;
	else if (c->inlen > 0 || (c->tls != NULL && !tls_ready(c->tls)))
		w = WAIT_HEAD;		/* the handshake is the head's */
	else
		w = WAIT_IDLE;
	/* A persistent event starts its timeout afresh when it runs. */
	if (w == c->waiting && w != WAIT_HEAD && w != WAIT_BODY &&
	    conn_armed_for(c->rev, conn_needs(c, 0))) {
		conn_pending(c);
		return;
	}
	if (w != c->waiting)
		c->quiet = ++d->srv->tick;
	c->waiting = w;
	switch (w) {
	case WAIT_DRAIN:
		tv.tv_sec = CONN_DRAIN_IDLE;
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
	conn_arm(c, c->rev, conn_read_cb, conn_needs(c, 0), &tv);
	conn_pending(c);
}

/* After the last answer: no more writing, read what comes for a while. */
static void
conn_linger(struct conn *c)
{
	struct timeval	 tv = { CONN_LINGER_TIME, 0 };

	c->state = CONN_LINGER;
	c->since = server_now();
	if (c->tls != NULL)
		tls_shutdown(c->tls);
	if (shutdown(c->fd, SHUT_WR) != 0) {
		conn_close(c);
		return;
	}
	c->waiting = WAIT_LINGER;
	/* What follows is read from the socket and dropped, TLS or not. */
	conn_arm(c, c->rev, conn_read_cb, EV_READ, &tv);
}

/* Answers, writes, and waits for what comes next. */
void
conn_run(struct conn *c)
{
	struct timeval	 tv = { CONN_WRITE_TIME, 0 };
	int		 more;

	for (;;) {
		more = conn_answer(c);
		switch (conn_write(c)) {
		case -1:
			if (c->busy) {
				/* Closed when the answer comes. */
				c->state = CONN_CLOSING;
				event_del(c->rev);
				c->waiting = WAIT_NONE;
				return;
			}
			conn_close(c);
			return;
		case 0:
			/* Read nothing more until the socket takes this. */
			if (!c->writing) {
				event_del(c->rev);
				c->waiting = WAIT_NONE;
				conn_arm(c, c->wev, conn_write_cb,
				    conn_needs(c, 1), &tv);
				c->writing = 1;
			} else if (!conn_armed_for(c->wev, conn_needs(c, 1)))
				conn_arm(c, c->wev, conn_write_cb,
				    conn_needs(c, 1), &tv);
			return;
		}
		if (c->writing) {
			event_del(c->wev);
			c->writing = 0;
		}
		if (c->busy) {
			conn_wait(c);
			return;
		}
		if (c->state != CONN_OPEN) {
			conn_linger(c);
			return;
		}
		if (!more)
			break;
	}
	conn_wait(c);
}

static void
conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_run(arg);
}

/*
 * The door has answered the request it was given (or will not: the
 * connection then ends). Inside ops->request() the connection simply goes
 * on; later, it goes on at the next turn of the loop, so that an answer
 * given from within another request's work starts nothing there.
 */
void
conn_done(struct conn *c)
{
	c->busy = 0;
	if (!c->in_request)
		event_active(c->resume_ev, EV_TIMEOUT, 0);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	size_t			 max;
	char			 sink[4096], *old;
	ssize_t			 n;

	if (c->state == CONN_LINGER) {
		n = (what & EV_READ) ? read(fd, sink, sizeof sink) : 0;
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n > 0 && (c->lingered += (size_t)n) < CONN_LINGER_BYTES &&
		    server_now() - c->since < CONN_LINGER_TIME)
			return;
		conn_close(c);
		return;
	}
	if (c->waiting == WAIT_BUSY) {
		/*
		 * Left armed while the request is answered (conn_wait()):
		 * bytes or the close came early, or the wait before the
		 * request timed out. Nothing is read until the answer is
		 * written, which may still be to come after conn_done()
		 * (conn_resume_cb(), later in this turn): till then the
		 * connection is WAIT_BUSY. conn_wait() arms the event afresh
		 * then, and epoll reports what came again.
		 */
		event_del(c->rev);
		c->waiting = WAIT_NONE;
		return;
	}
	if (what & EV_TIMEOUT) {
		if (c->inlen == 0 && !c->have_head) {
			if (c->tls != NULL && !tls_ready(c->tls))
				log_debug("TLS: %s: no handshake within %d s",
				    c->peer, c->door->conf.head_time);
			conn_close(c);	/* an idle connection */
			return;
		}
		snprintf(sink, sizeof sink, "the request %s did not arrive "
		    "whole within %d seconds", c->have_head ? "body" : "head",
		    c->have_head ? c->door->conf.body_time :
		    c->door->conf.head_time);
		c->have_head = 0;
		c->inlen = 0;
		conn_refuse(c, 408, sink);
		conn_run(c);
		return;
	}
	if (c->inlen == c->insize) {
		max = REQUEST_HEAD_MAX + 2 + c->door->conf.max_body;
		if (c->insize >= max) {
			/* Cannot be: a head or body this long is refused. */
			conn_close(c);
			return;
		}
		c->insize = c->insize == 0 ? CONN_IN_MIN : 2 * c->insize;
		if (c->insize > max)
			c->insize = max;
		old = c->in;
		c->in = xreallocarray(c->in, 1, c->insize);
		if (c->have_head)
			conn_rebase(c, old, c->inlen);
	}
	if (c->tls != NULL)
		n = tls_read(c->tls, c->in + c->inlen, c->insize - c->inlen);
	else
		n = read(fd, c->in + c->inlen, c->insize - c->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		/*
		 * TLS may have to write first, and rev then waits for that;
		 * a handshake trickling in must not restart the timeout.
		 */
		if (c->tls != NULL)
			conn_wait(c);
		return;
	}
	if (n <= 0 && c->tls != NULL && tls_plain(c->tls)) {
		/* Plain HTTP at a TLS door: told so in plain HTTP. */
		tls_conn_free(c->tls);
		c->tls = NULL;
		conn_refuse(c, 400, "this port speaks TLS: use an https:// "
		    "URL");
		conn_run(c);
		return;
	}
	if (n <= 0) {
		/* Gone, or closed its side: a half-sent request ends here. */
		conn_close(c);
		return;
	}
	if (c->inlen == 0 && !c->have_head) {
		c->since = server_now();
		c->began = ++c->door->srv->tick;
	}
	c->inlen += (size_t)n;
	conn_run(c);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (what & EV_TIMEOUT) {
		log_debug("%s: a client took no data for %d s; closing",
		    c->door->conf.name, CONN_WRITE_TIME);
		conn_close(c);
		return;
	}
	conn_run(c);
}

/* A connection accepted at door d, in its list; the peer's address sa. */
struct conn *
conn_new(struct server_door *d, int fd, const struct sockaddr *sa)
{
	struct conn	*c = xcalloc(1, sizeof *c);

	c->door = d;
	c->fd = fd;
	c->rev = event_new(d->srv->base, fd, EV_READ | EV_PERSIST,
	    conn_read_cb, c);
	c->wev = event_new(d->srv->base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c);
	c->resume_ev = event_new(d->srv->base, -1, 0, conn_resume_cb, c);
	if (c->rev == NULL || c->wev == NULL || c->resume_ev == NULL)
		fatalx("event_new failed");
	conn_set_peer(c, sa);
	if (d->conf.unix_socket)
		c->family = AF_UNIX;
	if (d->conf.tls != NULL)
		c->tls = tls_conn_new(d->conf.tls, fd, c->peer);
	c->next = d->conns;
	if (d->conns != NULL)
		d->conns->prev = c;
	d->conns = c;
	d->nconns++;
	c->since = server_now();
	c->quiet = c->began = ++d->srv->tick;
	return (c);
}

/* --- what a door may know of a connection */

const char *
conn_peer(const struct conn *c)
{
	return (c->peer);
}

int
conn_family(const struct conn *c, unsigned char *addr)
{
	if (addr != NULL)
		memcpy(addr, c->addr, 16);
	return (c->family);
}

int
conn_fd(const struct conn *c)
{
	return (c->fd);
}

uid_t
conn_uid(const struct conn *c)
{
	struct ucred	 cred;
	socklen_t	 len = sizeof cred;

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return ((uid_t)-1);
	return (cred.uid);
}

void *
conn_data(const struct conn *c)
{
	return (c->data);
}

void
conn_set_data(struct conn *c, void *data)
{
	c->data = data;
}

/*
 * Whether the peer of a connection whose request awaits its answer has
 * closed or reset it: nothing reads it while the answer is owed (the
 * order of answers), so a door whose answer is long in coming asks.
 * Bytes waiting (a pipelined request) say it is there; TLS cannot be
 * peeked under, and counts as there.
 */
int
conn_gone(const struct conn *c)
{
	char	 b;
	ssize_t	 n;

	if (c->tls != NULL)
		return (0);
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return (n == 0 || (n == -1 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR));
}

int
conn_head_only(const struct conn *c)
{
	return (c->head_only);
}
