/*
 * The HTTP/1.1 server under both doors: listening sockets (and the
 * host:port and address lists of the configuration that name them),
 * accepting, and the limits that keep one client from holding the others
 * up (the connections themselves are conn.c's). On libevent events and plain
 * sockets rather than evhttp: evhttp answered its own refusals in HTML,
 * took two different Content-Length headers, and had no limits per door
 * or per address.
 *
 * A door (server_door_new()) is one listening socket with its own limits
 * and its own answers (struct server_ops): public.c answers feeds at once,
 * http.c answers the API after the group commit.
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

#define SERVER_FD_RESERVE	96	/* descriptors left to the rest: the
				 * database, pipes, spools, blob.c's
				 * memory files (BLOB_FILED_MAX) */
#define SERVER_BACKLOG		511
#define SERVER_LOG_EVERY	60	/* s between two lines about one fault */

time_t
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
server_addr_add(struct server_door *d, struct conn *c)
{
	struct server_addr	**ap = server_addr_find(d, c->addr), *a;

	if ((a = *ap) == NULL) {
		a = *ap = xcalloc(1, sizeof *a);
		memcpy(a->addr, c->addr, 16);
	}
	a->n++;
	c->counted = 1;
}

void
server_addr_drop(struct server_door *d, struct conn *c)
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

/*
 * Parses an allow list ("127.0.0.1/8, ::1"): each item an IPv4 or IPv6
 * address with an optional prefix length. With out NULL it only checks.
 */
int
server_allow_parse(const char *spec, struct allow **out, size_t *nout,
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

/*
 * Whether spec is host:port with a port in range and a host that names an
 * address of this machine's families (a name is looked up now).
 */
int
server_listen_check(const char *spec, char **cause)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	unsigned short		 port;
	char			*host;
	int			 rc;

	if (server_split(spec, &host, &port, cause) != 0)
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

/* Whether c may be closed to make room: waiting, not owed an answer. */
static int
server_evictable(const struct conn *c)
{
	return (c->state == CONN_OPEN && !c->busy && !c->writing &&
	    (c->waiting == WAIT_IDLE || c->waiting == WAIT_HEAD ||
	    c->waiting == WAIT_BODY));
}

/*
 * The connection to close for room, of one address or of any: the one
 * idle longest, else the one whose request has been arriving longest.
 */
static struct conn *
server_victim(struct server_door *d, struct conn *except,
    const unsigned char *addr)
{
	struct conn	*c, *idle = NULL, *slow = NULL;

	for (c = d->conns; c != NULL; c = c->next) {
		if (c == except || !server_evictable(c) ||
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
server_make_room(struct server_door *d, struct conn *c)
{
	struct conn	*v;
	int			 trusted;

	trusted = c->family == AF_UNIX || server_addr_in(d->conf.trusted,
	    d->conf.ntrusted, c->family, c->addr);
	if (d->conf.per_addr > 0 && !trusted) {
		if (server_addr_count(d, c->addr) >= d->conf.per_addr) {
			if ((v = server_victim(d, c, c->addr)) == NULL) {
				conn_refuse(c, 503, "too many "
				    "connections from your address; close one "
				    "and try again");
				return (-1);
			}
			conn_close(v);
		}
	}
	if (d->nconns > d->conf.max_conns) {
		if ((v = server_victim(d, c, NULL)) == NULL) {
			server_log_limited(d, &d->full_logged, &d->full_since,
			    "every connection is in use; refusing new ones");
			conn_refuse(c, 503, "the server is busy; try "
			    "again in a moment");
			return (-1);
		}
		server_log_limited(d, &d->full_logged, &d->full_since,
		    "at its limit of connections; closing the one idle "
		    "longest for each new one");
		conn_close(v);
	}
	return (0);
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

static void
server_accept(struct evconnlistener *lst, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server_door	*d = arg;
	struct conn		*c;

	(void)lst;
	(void)salen;
	c = conn_new(d, fd, d->conf.unix_socket ? NULL : sa);
	server_addr_add(d, c);
	if (server_make_room(d, c) == 0 &&
	    (d->ops->accept == NULL || d->ops->accept(c, d->arg) == 0)) {
		conn_wait(c);
		return;
	}
	/* No TLS handshake for a connection turned away: closed now. */
	if (c->tls != NULL) {
		conn_close(c);
		return;
	}
	conn_run(c);
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
	struct conn	*c;

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
				conn_wait(c);
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
			conn_close(d->conns);
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

