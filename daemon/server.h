/*
 * The HTTP layer under both doors: the server and its connections, the
 * request head parser, TLS for a door, the admin door (http.c) and the
 * public door (public.c). For those files and for start-up; the model and
 * the outbox do not see it.
 */
#ifndef SERVER_H
#define SERVER_H

#include "kursusd.h"
#include "service.h"

/* http.c */
struct http;
/* The event base needs this many priorities (event_base_priority_init):
 * requests run at the default, the group commit at the lowest. */
#define HTTP_PRIORITIES	3
/* Serves the listeners service_listen() opened, taking them from svc. */
struct http *http_start(struct event_base *, const struct api_ctx *,
	    const struct config *, struct service *, char **cause);
/* Takes the settings SIGHUP may change. */
void	 http_configure(struct http *, const struct config *);
/* Stops accepting; returns when no request is in flight or after a limit. */
void	 http_drain(struct http *, void (*done)(void *), void *arg);
void	 http_free(struct http *);
/* Commits the open batch of requests and sends their answers. */
void	 http_flush(struct http *);
/* Around a sweep's batch: it commits without waiting for the disk;
 * -1 when it should wait a moment (a job copies the log). */
int	 http_background_begin(struct http *);
void	 http_background_end(struct http *);

/* tls.c: TLS for a door (the admin TCP listener) */
struct tls;
struct tls_conn;
struct iovec;
#define TLS_WANT_READ	1
#define TLS_WANT_WRITE	2
/*
 * A door's TLS from PEM files: cert (with its chain) and key, which must
 * be a regular file of root's, user's or the caller's that no one else
 * may read, nor anyone but its owner write. NULL with *cause on failure;
 * *denied (may be NULL) set when only the permission to read stood in the
 * way of a caller other than root.
 */
struct tls	*tls_new(const char *cert, const char *key, uid_t user,
		    int *denied, char **cause);
/* Reads the files again (SIGHUP); on failure the old ones stay. */
int		 tls_reload(struct tls *, const char *cert, const char *key,
		    char **cause);
/* "/CN=kursus.example.dk, valid until 2027-05-01", for the log. */
const char	*tls_about(const struct tls *);
void		 tls_free(struct tls *);
/* One accepted connection on fd; peer (the connection's) for the log. */
struct tls_conn	*tls_conn_new(struct tls *, int fd, const char *peer);
void		 tls_conn_free(struct tls_conn *);
/* read(2) and sendmsg(2) through TLS: on EAGAIN, tls_want() says what
 * the side (0 reading, 1 writing) waits for. tls_writev() takes what it
 * can; with no iov it writes what it took before (0, or -1 and errno). */
ssize_t		 tls_read(struct tls_conn *, void *, size_t);
ssize_t		 tls_writev(struct tls_conn *, const struct iovec *, int);
int		 tls_want(const struct tls_conn *, int writing);
/* Decrypted bytes a tls_read() returns without the socket's help. */
int		 tls_pending(const struct tls_conn *);
/* The handshake is done. */
int		 tls_ready(const struct tls_conn *);
/* The peer spoke plain HTTP (tls_read() failed on it). */
int		 tls_plain(const struct tls_conn *);
/* close_notify, once, when nothing else waits to be written. */
void		 tls_shutdown(struct tls_conn *);

/* request.c: the HTTP/1.1 request head both doors read */
#define REQUEST_LINE_MAX	8192	/* bytes of the request line */
#define REQUEST_HEAD_MAX	16384	/* bytes of the whole request head */
#define REQUEST_FIELDS_MAX	100	/* header lines */
#define REQUEST_REPEAT		8	/* lines of one header that count */
/* How far request_parse() looked into a head still arriving; zero it for
 * each new request. */
struct request_scan {
	size_t	 pos, start, fields;
	int	 started;
};
/* A request head as request_parse() read it; pointers into its buffer. */
/* Its pointers point into the connection's buffer: conn_rebase() moves
 * each of them when that buffer moves. */
struct request {
	size_t		 head_len;	/* bytes it took */
	int		 method;	/* enum api_method; 0 another */
	const char	*method_name;	/* not NUL-terminated */
	size_t		 method_len;
	const char	*path;		/* NUL-terminated, without the query */
	const char	*query;		/* after '?', NUL-terminated, or NULL */
	int		 http10;
	int		 conn_close, conn_keep_alive;	/* Connection tokens */
	int		 close;		/* the connection ends after the answer */
	int		 hosts;
	const char	*ae[REQUEST_REPEAT], *inm[REQUEST_REPEAT];
	size_t		 nae, ninm;	/* Accept-Encoding, If-None-Match */
	const char	*ims;		/* If-Modified-Since */
	const char	*authorization;
	const char	*content_type;
	const char	*origin, *fetch_site;	/* Origin, Sec-Fetch-Site */
	const char	*stamp, *signature;	/* X-Kursus-Timestamp, -Signature */
	long long	 content_length;	/* -1 when not given */
	int		 transfer_encoding;
	int		 expect_continue;
	int		 status;	/* a refusal: 400, 414, 417, 431, 505 */
	char		 why[160];	/* and what was wrong */
};
/* 1: a whole head (rq), 0: more bytes needed, -1: refused (rq->status). */
int		 request_parse(char *buf, size_t len, struct request_scan *,
		    struct request *);
const char	*request_method_name(int);
const char	*request_reason(int status);

/* server.c: the HTTP/1.1 server under both doors */
/* An address block of an allow list. */
struct allow {
	int		family;
	unsigned char	addr[16];
	int		bits;
};
/* Parses "addr[/bits], ..."; with out NULL only checks. */
int		 server_allow_parse(const char *, struct allow **out,
		    size_t *nout, char **cause);
/* Whether "host:port" can be listened on (port range, host an address). */
int		 server_listen_check(const char *, char **cause);
struct server;
struct server_door;
struct conn;
/* What a door answers; each may be called for any connection of it. */
struct server_ops {
	/* At accept: 0 to go on, or refuse (conn_refuse()) and -1. */
	int	(*accept)(struct conn *, void *arg);
	/* A whole request, body[0, len) with it; answer, then
	 * conn_done(), now or later. rq is valid only now. */
	void	(*request)(struct conn *, struct request *,
		    const char *body, size_t len, void *arg);
	/* A refusal in the door's own form (the connection then ends). */
	void	(*refuse)(struct conn *, int status, const char *why,
		    void *arg);
	/* The connection closes: forget it. May be NULL. */
	void	(*closed)(struct conn *, void *arg);
};
struct server_door_conf {
	const char	*name;		/* "public listener", for messages */
	int		 methods;	/* enum api_method bits it answers */
	const char	*allow;		/* "GET and HEAD", for a 405 */
	const char	*example;	/* a path it answers, for a 400 */
	size_t		 max_conns;	/* its share of the descriptors */
	size_t		 per_addr;	/* per address at most; 0: no limit */
	const struct allow *trusted;	/* addresses without that limit */
	size_t		 ntrusted;
	size_t		 max_body;	/* 0: no request body at all */
	int		 body_methods;	/* those that may carry one; 0 all */
	int		 head_time, body_time, idle_time;	/* seconds */
	int		 unix_socket;	/* a unix socket: peers are local */
	int		 metrics_door;	/* enum metrics_door: counted as */
	struct tls	*tls;		/* connections speak TLS; or NULL */
};
struct server	*server_new(struct event_base *);
/* A door on a listening socket, which it then owns. */
struct server_door *server_door_new(struct server *, int fd,
		    const struct server_door_conf *, const struct server_ops *,
		    void *arg, char **cause);
void		 server_door_configure(struct server_door *, size_t per_addr,
		    const struct allow *trusted, size_t ntrusted);
/* A listening TCP socket for "host:port"; the descriptor or -1. */
int		 server_listen_tcp(const char *spec, char **cause);
int		 server_split(const char *spec, char **host,
		    unsigned short *port, char **cause);
int		 server_addr_in(const struct allow *, size_t, int family,
		    const unsigned char *addr);
/* Stops accepting and lets connections end; closed(arg) after each. */
void		 server_drain(struct server *, void (*closed)(void *), void *);
size_t		 server_connections(const struct server *);
size_t		 server_budget(const struct server *);
void		 server_free(struct server *);
/* Answering: raw head bytes, a blob, the end of a head, a whole answer. */
void		 conn_out(struct conn *, const void *, size_t);
void		 conn_out_blob(struct conn *, struct blob *);
void		 conn_out_end(struct conn *);
void		 conn_reply(struct conn *, int status,
		    const char *fields, const char *ctype, const char *body,
		    size_t len, struct blob *);
void		 conn_refuse(struct conn *, int status,
		    const char *why);
/* Counts an answer for GET /metrics (conn_reply() counts its own). */
void		 conn_answered(struct conn *, int status);
void		 conn_done(struct conn *);
const char	*conn_peer(const struct conn *);
int		 conn_family(const struct conn *,
		    unsigned char *addr);
int		 conn_fd(const struct conn *);
/* The uid of a unix socket's peer, or -1. */
uid_t		 conn_uid(const struct conn *);
int		 conn_head_only(const struct conn *);
void		*conn_data(const struct conn *);
void		 conn_set_data(struct conn *, void *);
/* Whether the peer closed a connection owed an answer (not for TLS). */
int		 conn_gone(const struct conn *);

/*
 * server.c and conn.c: the server's own parts, for those two files only.
 */
#define CONN_SEGS		64	/* queued pieces of output */
#define SERVER_ADDR_BUCKETS	256
/* A piece of output: bytes of the connection's out buffer, or a blob. */
struct server_seg {
	size_t		 off, len;	/* into out when blob is NULL */
	struct blob	*blob;		/* a reference */
};

enum server_state { CONN_OPEN, CONN_CLOSING, CONN_LINGER };
/* What the read event waits for; WAIT_BUSY: nothing, left armed. */
enum server_wait { WAIT_NONE, WAIT_IDLE, WAIT_HEAD, WAIT_BODY, WAIT_DRAIN,
    WAIT_LINGER, WAIT_BUSY };

/* How many connections one address holds at a door. */
struct server_addr {
	unsigned char		 addr[16];
	size_t			 n;
	struct server_addr	*next;
};

struct conn {
	struct server_door	*door;
	int			 fd;
	struct tls_conn		*tls;		/* or NULL: plain */
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
	struct timespec		 asked;		/* it was whole (monotonic) */
	int			 timed;		/* asked is set */
	uint64_t		 quiet;		/* idle or waiting since (tick) */
	uint64_t		 began;		/* the request began (tick) */
	int			 family;	/* AF_INET, AF_INET6, AF_UNIX */
	unsigned char		 addr[16];
	char			 peer[64];
	int			 counted;	/* in the door's address table */
	void			*data;		/* the door's */
	struct buf		 out;		/* heads and short bodies */
	struct server_seg	 segs[CONN_SEGS];
	size_t			 seg0, nseg;	/* first unsent, end */
	size_t			 done;		/* bytes of segs[seg0] sent */
	size_t			 lingered;
	struct conn	*prev, *next;
};

struct server_door {
	struct server		*srv;
	struct server_door_conf	 conf;
	const struct server_ops	*ops;
	void			*arg;
	struct evconnlistener	*lst;
	struct event		*retry_ev;	/* accepts again after EMFILE */
	struct conn	*conns;
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
/* server.c */
time_t		 server_now(void);
void		 server_addr_drop(struct server_door *, struct conn *);
/* conn.c */
struct sockaddr;
struct conn	*conn_new(struct server_door *, int fd, const struct sockaddr *);
void		 conn_close(struct conn *);
void		 conn_run(struct conn *);
void		 conn_wait(struct conn *);

/* public.c: the public door, the feeds */
struct public;
/* The public door on the listening socket fd, which it then owns. */
struct public	*public_start(struct event_base *, struct server *,
		    struct http *, const struct api_ctx *,
		    const struct config *, int fd, char **cause);
/* Takes the settings SIGHUP may change. */
void		 public_configure(struct public *, const struct config *);
void		 public_free(struct public *);

#endif
