/*
 * The doors: the admin API on a unix socket (file permissions decide who
 * may use it) and optionally on TCP with a bearer token, and the public
 * listener (public.c), which never serves the admin API. TCP admin requests
 * pass, in this order: address allow-list, failed-attempt limit, token
 * (compared in constant time), then dispatch.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "kursusd.h"
#include "random.h"

enum door_kind { DOOR_UNIX, DOOR_TCP, DOOR_PUBLIC };

struct http;
struct door {
	struct http			*http;
	int				 kind;
	struct evhttp			*evh;
	struct evhttp_bound_socket	*bound;
};

#define FAIL_SLOTS	64
/* A batch is committed when the loop has nothing else to do, or at this
 * many requests, whichever comes first. */
#define BATCH_MAX	64

/* An answer computed inside the open batch, sent after its COMMIT. */
struct pending {
	struct evhttp_request	*r;
	int			 status;
	int			 write;
	char			*out;
	struct pending		*next;
};
struct failure {
	unsigned char	addr[16];
	time_t		window;		/* start of the current minute */
	int		count;
};

struct http {
	struct event_base	*base;
	struct store		*store;
	struct feeds		*feeds;
	struct door		 doors[3];
	struct public		*pub;		/* the public listener */
	char			*socket_path;
	char			*token;
	struct allow		*allow;
	size_t			 nallow;
	int			 max_failures;
	struct failure		 failures[FAIL_SLOTS];
	int			 draining;
	struct bufferevent	**conns;	/* one reference each */
	size_t			 nconns, conns_cap;
	struct event		*reap_ev;
	int			 batch_open;
	struct pending		*batch, **batch_tail;
	size_t			 nbatch;
	struct event		*commit_ev;
	void			(*drained)(void *);
	void			*drained_arg;
	struct event		*drain_timer;
};

static void
http_reply(struct evhttp_request *r, int status, const char *ctype,
    const char *body)
{
	struct evbuffer		*buf = evbuffer_new();
	struct evkeyvalq	*h = evhttp_request_get_output_headers(r);
	char			 v[16];

	evhttp_add_header(h, "Content-Type", ctype);
	snprintf(v, sizeof v, "%d", KURSUS_API_VERSION);
	evhttp_add_header(h, KURSUS_API_HEADER, v);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add(buf, body, strlen(body));
	evbuffer_add(buf, "\n", 1);
	evhttp_send_reply(r, status, NULL, buf);
	evbuffer_free(buf);
}

static void
http_reply_error(struct evhttp_request *r, int status, const char *msg)
{
	struct fail	 f;
	json_t		*j;
	char		*s;

	fail_set(&f, status, NULL, "%s", msg);
	j = json_pack("{s:s, s:n}", "error", f.msg, "field");
	s = json_dumps(j, JSON_COMPACT);
	http_reply(r, status, "application/json; charset=utf-8", s != NULL ?
	    s : "{\"error\":\"internal error\",\"field\":null}");
	free(s);
	json_decref(j);
}

static int
http_method(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:	return (API_GET);
	case EVHTTP_REQ_HEAD:	return (API_HEAD);
	case EVHTTP_REQ_POST:	return (API_POST);
	case EVHTTP_REQ_PATCH:	return (API_PATCH);
	case EVHTTP_REQ_PUT:	return (API_PUT);
	case EVHTTP_REQ_DELETE:	return (API_DELETE);
	default:		return (0);
	}
}

/*
 * Tells the owner once a drain has nothing left to wait for: every
 * connection closed. A request being read or answered keeps its
 * connection open, so this covers them all (evhttp gives no callback for
 * an answer whose client went away, so requests are not counted).
 */
static void
http_drain_check(struct http *h)
{
	if (h->draining && h->drained != NULL && h->nconns == 0 &&
	    public_connections(h->pub) == 0) {
		h->drained(h->drained_arg);
		h->drained = NULL;
	}
}

/*
 * Connections are counted so a drain can wait for the ones still being
 * read (evhttp calls us only once a request is complete). evhttp makes
 * each connection's bufferevent through http_bev(), which keeps a reference;
 * bufferevent_free() clears the callbacks, which is how the reaper sees
 * that evhttp is done with one and drops our reference. The socket itself
 * is shut down by evhttp at that moment, so the peer sees no delay.
 */
static struct bufferevent *
http_bev(struct event_base *base, void *arg)
{
	struct http		*h = arg;
	struct bufferevent	*bev;
	struct timeval		 tv = { 0, 100 * 1000 };

	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return (NULL);	/* evhttp then makes its own */
	/* libevent writes 16 KiB a turn by default; a feed is megabytes. */
	bufferevent_set_max_single_write(bev, 1024 * 1024);
	bufferevent_incref(bev);
	if (h->nconns == h->conns_cap) {
		h->conns_cap = h->conns_cap ? 2 * h->conns_cap : 16;
		h->conns = xreallocarray(h->conns, h->conns_cap,
		    sizeof *h->conns);
	}
	h->conns[h->nconns++] = bev;
	if (!evtimer_pending(h->reap_ev, NULL))
		evtimer_add(h->reap_ev, &tv);
	return (bev);
}

static void
http_reap(evutil_socket_t fd, short ev, void *arg)
{
	struct http		*h = arg;
	struct timeval		 tv = { 0, 100 * 1000 };
	bufferevent_data_cb	 rcb, wcb;
	bufferevent_event_cb	 ecb;
	size_t			 i = 0;

	while (i < h->nconns) {
		bufferevent_getcb(h->conns[i], &rcb, &wcb, &ecb, NULL);
		if (rcb == NULL && wcb == NULL && ecb == NULL) {
			bufferevent_decref(h->conns[i]);
			h->conns[i] = h->conns[--h->nconns];
		} else
			i++;
	}
	if (h->nconns > 0)
		evtimer_add(h->reap_ev, &tv);
	http_drain_check(h);
}

/* Address bytes of a peer; returns the family or -1. */
static int
http_peer_addr(const struct sockaddr *sa, unsigned char *out)
{
	const struct sockaddr_in6	*s6;

	memset(out, 0, 16);
	if (sa == NULL)
		return (-1);
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return (AF_INET);
	}
	if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(out, s6->sin6_addr.s6_addr + 12, 4);
			return (AF_INET);
		}
		memcpy(out, s6->sin6_addr.s6_addr, 16);
		return (AF_INET6);
	}
	return (-1);
}

static int
http_allowed(struct http *h, int family, const unsigned char *addr)
{
	size_t	 i;
	int	 bits, b;

	for (i = 0; i < h->nallow; i++) {
		if (h->allow[i].family != family)
			continue;
		bits = h->allow[i].bits;
		for (b = 0; b < bits / 8; b++) {
			if (addr[b] != h->allow[i].addr[b])
				break;
		}
		if (b < bits / 8)
			continue;
		if (bits % 8 != 0 && ((addr[b] ^ h->allow[i].addr[b]) &
		    (0xff << (8 - bits % 8)) & 0xff) != 0)
			continue;
		return (1);
	}
	return (0);
}

static struct failure *
http_failure(struct http *h, const unsigned char *addr, time_t now)
{
	struct failure	*f, *oldest = &h->failures[0];
	size_t		 i;

	for (i = 0; i < FAIL_SLOTS; i++) {
		f = &h->failures[i];
		if (memcmp(f->addr, addr, 16) == 0 && f->window != 0) {
			if (now - f->window >= 60) {
				f->window = now;
				f->count = 0;
			}
			return (f);
		}
		if (f->window < oldest->window)
			oldest = f;
	}
	memcpy(oldest->addr, addr, 16);
	oldest->window = now;
	oldest->count = 0;
	return (oldest);
}

/* Constant-time comparison: the time taken does not depend on where the
 * strings differ. */
static int
http_token_equal(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i;
	unsigned char	 d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb ? lb : 1)];
	return (d == 0);
}

/* The TCP checks; 0 lets the request through, else it was answered. */
static int
http_tcp_gate(struct http *h, struct evhttp_request *r, char *peer,
    size_t peerlen)
{
	struct evhttp_connection	*c = evhttp_request_get_connection(r);
	const char			*auth;
	unsigned char			 addr[16];
	struct failure			*f;
	int				 family;
	char				 text[INET6_ADDRSTRLEN];

	family = http_peer_addr(evhttp_connection_get_addr(c), addr);
	if (family < 0 || inet_ntop(family, addr, text, sizeof text) == NULL)
		snprintf(text, sizeof text, "?");
	snprintf(peer, peerlen, "%s", text);
	if (family < 0 || !http_allowed(h, family, addr)) {
		log_warnx("admin TCP: %s is not in admin.allow", text);
		http_reply_error(r, 403, "this address may not use the admin "
		    "API");
		return (-1);
	}
	f = http_failure(h, addr, time(NULL));
	if (f->count >= h->max_failures) {
		http_reply_error(r, 429, "too many failed attempts; wait a "
		    "minute");
		return (-1);
	}
	auth = evhttp_find_header(evhttp_request_get_input_headers(r),
	    "Authorization");
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
	    !http_token_equal(auth + 7, h->token)) {
		f->count++;
		log_warnx("admin TCP: %s token from %s", auth == NULL ?
		    "no" : "wrong", text);
		evhttp_add_header(evhttp_request_get_output_headers(r),
		    "WWW-Authenticate", "Bearer realm=\"kursusd\"");
		http_reply_error(r, 401, auth == NULL ? "an Authorization: "
		    "Bearer token is required" : "the token is not valid");
		return (-1);
	}
	return (0);
}

static uid_t
http_peer_uid(struct evhttp_request *r)
{
	struct evhttp_connection	*c = evhttp_request_get_connection(r);
	struct bufferevent		*bev;
	struct ucred			 cred;
	socklen_t			 len = sizeof cred;

	if (c == NULL || (bev = evhttp_connection_get_bufferevent(c)) == NULL)
		return ((uid_t)-1);
	if (getsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_PEERCRED, &cred,
	    &len) != 0)
		return ((uid_t)-1);
	return (cred.uid);
}

static void
http_admin_cb(struct evhttp_request *r, void *arg)
{
	struct door	*d = arg;
	struct http	*h = d->http;
	struct evbuffer	*in;
	size_t		 len;
	char		 peer[64], *out = NULL;
	uid_t		 uid = (uid_t)-1;
	int		 method, status;
	struct pending	*p;
	struct fail	 f;

	if (d->kind == DOOR_TCP) {
		if (http_tcp_gate(h, r, peer, sizeof peer) != 0)
			return;
	} else {
		uid = http_peer_uid(r);
		snprintf(peer, sizeof peer, "uid %ld", (long)uid);
	}
	if ((method = http_method(evhttp_request_get_command(r))) == 0) {
		http_reply_error(r, 405, "method not allowed");
		return;
	}
	in = evhttp_request_get_input_buffer(r);
	len = evbuffer_get_length(in);
	if (len > KURSUS_API_MAX_IMPORT) {
		out = xprintf("request body of %zu bytes is larger than the "
		    "limit of %d bytes", len, KURSUS_API_MAX_IMPORT);
		http_reply_error(r, 413, out);
		free(out);
		return;
	}
	if (!h->batch_open) {
		if (store_begin(h->store, &f) != 0) {
			http_reply_error(r, f.status, f.msg);
			return;
		}
		h->batch_open = 1;
		/* Lowest priority: runs once no request is ready to read. */
		event_active(h->commit_ev, EV_TIMEOUT, 0);
	}
	status = api_run(h->store, method, evhttp_request_get_uri(r),
	    len > 0 ? (const char *)evbuffer_pullup(in, -1) : NULL, len, uid,
	    peer, 1, &out);
	p = xcalloc(1, sizeof *p);
	p->r = r;
	p->status = status;
	p->write = method != API_GET && method != API_HEAD;
	p->out = out;
	*h->batch_tail = p;
	h->batch_tail = &p->next;
	if (++h->nbatch >= BATCH_MAX)
		http_flush(h);
}

/*
 * Commits the open batch, then answers every request in it. Should the
 * COMMIT fail, nothing of the batch was written, and every request in it
 * is told so (reads too: they may have seen the batch's writes).
 */
void
http_flush(struct http *h)
{
	struct pending	*p, *next;
	struct fail	 f;
	int		 ok = 1;
	char		*msg;

	if (!h->batch_open)
		return;
	if (store_commit(h->store, &f) != 0) {
		log_warnx("group commit of %zu request%s failed: %s",
		    h->nbatch, h->nbatch == 1 ? "" : "s", f.msg);
		ok = 0;
	}
	h->batch_open = 0;
	/* A write may have queued a message: the outbox looks again. */
	for (p = h->batch; ok && p != NULL; p = p->next)
		if (p->write) {
			sender_kick(api_sender());
			break;
		}
	for (p = h->batch; p != NULL; p = next) {
		next = p->next;
		if (ok)
			http_reply(p->r, p->status,
			    "application/json; charset=utf-8", p->out);
		else {
			msg = xprintf("the database could not commit (%s); "
			    "nothing was written, retry", f.msg);
			http_reply_error(p->r, 503, msg);
			free(msg);
		}
		free(p->out);
		free(p);
	}
	h->batch = NULL;
	h->batch_tail = &h->batch;
	h->nbatch = 0;
}

static void
http_commit_cb(evutil_socket_t fd, short ev, void *arg)
{
	http_flush(arg);
}

/* Splits "host:port" or "[v6]:port". */
static int
http_split(const char *spec, char **host, unsigned short *port, char **cause)
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
 * Whether spec is host:port with a port in range and a host that names an
 * address of this machine's families (a name is looked up now).
 */
int
http_listen_check(const char *spec, char **cause)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	unsigned short		 port;
	char			*host;
	int			 rc;

	if (http_split(spec, &host, &port, cause) != 0)
		return (-1);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	rc = evutil_getaddrinfo(*host != '\0' ? host : NULL, "0", &hints, &ai);
	if (rc != 0) {
		xasprintf(cause, "\"%s\": host \"%s\" is not an address: %s",
		    spec, host, evutil_gai_strerror(rc));
		free(host);
		return (-1);
	}
	evutil_freeaddrinfo(ai);
	free(host);
	return (0);
}

static int
http_door(struct http *h, int kind, const char *listen,
    const struct config *conf, char **cause)
{
	struct door	*d = &h->doors[kind];
	char		*host = NULL;
	unsigned short	 port;
	int		 one = 1;

	d->http = h;
	d->kind = kind;
	if (kind == DOOR_PUBLIC) {
		/* Not evhttp: public.c, made to answer feeds fast. */
		if (http_split(listen, &host, &port, cause) != 0)
			return (-1);
		h->pub = public_start(h->base, h, h->feeds, listen, host, port,
		    conf, cause);
		free(host);
		return (h->pub != NULL ? 0 : -1);
	}
	d->evh = evhttp_new(h->base);
	evhttp_set_bevcb(d->evh, http_bev, h);
	evhttp_set_max_body_size(d->evh, KURSUS_API_MAX_IMPORT + 4096);
	evhttp_set_max_headers_size(d->evh, 16 * 1024);
	evhttp_set_timeout(d->evh, 30);
	evhttp_set_allowed_methods(d->evh, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PATCH | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE);
	evhttp_set_gencb(d->evh, http_admin_cb, d);
	if (kind == DOOR_UNIX)
		return (0);
	if (http_split(listen, &host, &port, cause) != 0)
		return (-1);
	d->bound = evhttp_bind_socket_with_handle(d->evh, host, port);
	if (d->bound == NULL) {
		xasprintf(cause, "cannot listen on %s: %s", listen,
		    strerror(errno));
		free(host);
		return (-1);
	}
	/*
	 * Answers go out whole and at once: without TCP_NODELAY the last
	 * segment of a feed waits for the peer's delayed ACK (Nagle), some
	 * 40 ms a request. Accepted sockets inherit it on Linux.
	 */
	if (setsockopt(evhttp_bound_socket_get_fd(d->bound), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof one) != 0)
		log_warn("TCP_NODELAY on %s", listen);
	log_info("admin TCP listener on %s", listen);
	free(host);
	return (0);
}

int
http_socket_probe(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	int			 fd, rc;

	if (lstat(path, &sb) != 0)
		return (0);
	if (!S_ISSOCK(sb.st_mode)) {
		xasprintf(cause, "%s exists and is not a socket", path);
		return (-1);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	close(fd);
	if (rc == 0) {
		xasprintf(cause, "another kursusd is running: it answers on "
		    "%s", path);
		return (-1);
	}
	if (errno != ECONNREFUSED && errno != ENOENT) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	log_info("removing stale socket %s", path);
	if (unlink(path) != 0 && errno != ENOENT) {
		xasprintf(cause, "removing stale socket %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* The socket's directory must exist, be ours or root's, and not be
 * writable by others without the sticky bit. */
static int
http_socket_dir(const char *path, char **cause)
{
	char		*dir = xstrdup(path), *slash;
	struct stat	 sb;

	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		return (0);
	}
	*slash = '\0';
	if (*dir == '\0') {
		free(dir);
		return (0);
	}
	if (stat(dir, &sb) != 0 && errno == ENOENT) {
		if (mkdir(dir, 0755) != 0) {
			xasprintf(cause, "creating %s: %s", dir,
			    strerror(errno));
			free(dir);
			return (-1);
		}
		stat(dir, &sb);
	}
	if (!S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "%s is not a directory", dir);
		free(dir);
		return (-1);
	}
	if (sb.st_uid != getuid() && sb.st_uid != 0) {
		xasprintf(cause, "%s belongs to uid %ld, not to us or root", dir,
		    (long)sb.st_uid);
		free(dir);
		return (-1);
	}
	if ((sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX)) {
		xasprintf(cause, "%s is writable by everyone", dir);
		free(dir);
		return (-1);
	}
	free(dir);
	return (0);
}

static int
http_unix(struct http *h, const struct config *conf, char **cause)
{
	struct sockaddr_un	 sun;
	struct evconnlistener	*lst;
	struct group		*gr;
	mode_t			 old;

	if (http_socket_dir(conf->admin_socket, cause) != 0 ||
	    http_socket_probe(conf->admin_socket, cause) != 0)
		return (-1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", conf->admin_socket);
	old = umask(0177);
	lst = evconnlistener_new_bind(h->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
	    (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (lst == NULL) {
		xasprintf(cause, "cannot listen on %s: %s", conf->admin_socket,
		    strerror(errno));
		return (-1);
	}
	h->socket_path = xstrdup(conf->admin_socket);
	if (*conf->admin_socket_group != '\0') {
		if ((gr = getgrnam(conf->admin_socket_group)) == NULL) {
			xasprintf(cause, "admin.socket_group: no group \"%s\"",
			    conf->admin_socket_group);
			evconnlistener_free(lst);
			return (-1);
		}
		if (chown(conf->admin_socket, (uid_t)-1, gr->gr_gid) != 0) {
			xasprintf(cause, "chown %s: %s", conf->admin_socket,
			    strerror(errno));
			evconnlistener_free(lst);
			return (-1);
		}
	}
	if (chmod(conf->admin_socket, (mode_t)conf->admin_socket_mode) != 0) {
		xasprintf(cause, "chmod %s: %s", conf->admin_socket,
		    strerror(errno));
		evconnlistener_free(lst);
		return (-1);
	}
	h->doors[DOOR_UNIX].bound = evhttp_bind_listener(h->doors[DOOR_UNIX].evh,
	    lst);
	log_info("admin socket %s", conf->admin_socket);
	return (0);
}

/*
 * Parses an allow list ("127.0.0.1/8, ::1"): each item an IPv4 or IPv6
 * address with an optional prefix length. With out NULL it only checks.
 */
int
http_allow_parse(const char *spec, struct allow **out, size_t *nout,
    char **cause)
{
	char		*copy = xstrdup(spec), *item, *save = NULL, *slash, *end;
	struct allow	 a, *list = NULL;
	size_t		 n = 0;
	long		 bits;

	for (item = strtok_r(copy, ", ", &save); item != NULL;
	    item = strtok_r(NULL, ", ", &save)) {
		memset(&a, 0, sizeof a);
		if ((slash = strchr(item, '/')) != NULL)
			*slash++ = '\0';
		if (inet_pton(AF_INET, item, a.addr) == 1) {
			a.family = AF_INET;
			a.bits = 32;
		} else if (inet_pton(AF_INET6, item, a.addr) == 1) {
			a.family = AF_INET6;
			a.bits = 128;
		} else {
			xasprintf(cause, "\"%s\" is not an IPv4 or IPv6 "
			    "address", item);
			goto fail;
		}
		if (slash != NULL) {
			errno = 0;
			bits = strtol(slash, &end, 10);
			if (*slash < '0' || *slash > '9' || *end != '\0' ||
			    errno != 0 || bits < 0 || bits > a.bits) {
				xasprintf(cause, "\"/%s\" after %s is not a "
				    "prefix length between 0 and %d", slash,
				    item, a.bits);
				goto fail;
			}
			a.bits = (int)bits;
		}
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = a;
	}
	free(copy);
	if (out != NULL) {
		*out = list;
		*nout = n;
	} else
		free(list);
	return (0);
fail:
	free(copy);
	free(list);
	return (-1);
}

/* The admin token: created 0600 with a random value when missing. */
static int
http_token(struct http *h, const char *path, char **cause)
{
	char	*err = NULL;

	if (token_file_load(path, 32, &h->token, &err) != 0) {
		xasprintf(cause, "admin.token_file: %s", err);
		free(err);
		return (-1);
	}
	return (0);
}

struct http *
http_start(struct event_base *base, struct store *st, struct feeds *fs,
    const struct config *conf, char **cause)
{
	struct http	*h = xcalloc(1, sizeof *h);

	h->base = base;
	h->store = st;
	h->feeds = fs;
	http_configure(h, conf);
	h->max_failures = conf->admin_max_failures;
	h->batch_tail = &h->batch;
	h->commit_ev = event_new(base, -1, 0, http_commit_cb, h);
	h->reap_ev = evtimer_new(base, http_reap, h);
	event_priority_set(h->commit_ev, HTTP_PRIORITIES - 1);
	if (http_door(h, DOOR_UNIX, NULL, conf, cause) != 0 ||
	    http_unix(h, conf, cause) != 0)
		goto fail;
	if (*conf->admin_listen != '\0') {
		if (http_allow_parse(conf->admin_allow, &h->allow, &h->nallow,
		    cause) != 0 ||
		    http_token(h, conf->admin_token_file, cause) != 0 ||
		    http_door(h, DOOR_TCP, conf->admin_listen, conf,
		    cause) != 0)
			goto fail;
	}
	if (*conf->public_listen != '\0' &&
	    http_door(h, DOOR_PUBLIC, conf->public_listen, conf, cause) != 0)
		goto fail;
	return (h);
fail:
	http_free(h);
	return (NULL);
}

static void
http_drain_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct http	*h = arg;
	size_t		 n = h->nconns + public_connections(h->pub);

	if (h->drained != NULL) {
		log_warnx("%zu connection%s still open after 10 s; stopping "
		    "anyway", n, n == 1 ? "" : "s");
		h->drained(h->drained_arg);
		h->drained = NULL;
	}
}

/* A public connection closed while draining. */
static void
http_public_closed(void *arg)
{
	http_drain_check(arg);
}

void
http_drain(struct http *h, void (*done)(void *), void *arg)
{
	struct timeval	 tv = { 10, 0 }, idle = { 1, 0 };
	size_t		 i;

	http_flush(h);
	for (i = 0; i < 3; i++) {
		if (h->doors[i].evh != NULL && h->doors[i].bound != NULL) {
			evhttp_del_accept_socket(h->doors[i].evh,
			    h->doors[i].bound);
			h->doors[i].bound = NULL;
		}
	}
	if (h->socket_path != NULL)
		unlink(h->socket_path);
	public_drain(h->pub, http_public_closed, h);
	h->draining = 1;
	h->drained = done;
	h->drained_arg = arg;
	/*
	 * Connections still open get a second of silence at most: a request
	 * being sent goes on arriving, an idle keep-alive one is closed.
	 */
	for (i = 0; i < h->nconns; i++)
		bufferevent_set_timeouts(h->conns[i], &idle, &idle);
	h->drain_timer = evtimer_new(h->base, http_drain_timeout, h);
	evtimer_add(h->drain_timer, &tv);
	http_drain_check(h);
}

void
http_configure(struct http *h, const struct config *conf)
{
	if (h->pub != NULL)
		public_configure(h->pub, conf);
}

void
http_free(struct http *h)
{
	size_t	 i;

	if (h == NULL)
		return;
	http_flush(h);
	public_free(h->pub);
	for (i = 0; i < 3; i++) {
		if (h->doors[i].evh != NULL)
			evhttp_free(h->doors[i].evh);
	}
	if (h->commit_ev != NULL)
		event_free(h->commit_ev);
	/* evhttp_free() has freed every connection: only our references
	 * remain. */
	for (i = 0; i < h->nconns; i++)
		bufferevent_decref(h->conns[i]);
	free(h->conns);
	if (h->reap_ev != NULL)
		event_free(h->reap_ev);
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
