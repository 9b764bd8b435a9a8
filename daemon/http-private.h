/*
 * What http.c (the admin door: its connections, answers and setup) and
 * http-batch.c (its group commit: batches, the fsync's answers, the
 * waits for a locked database) share. Private to those two files.
 */
#ifndef HTTP_PRIVATE_H
#define HTTP_PRIVATE_H

#include <sys/types.h>

#include <event2/util.h>

#include "commit.h"
#include "server.h"

#define FAIL_SLOTS	1024	/* addresses with failed attempts, at most */

/* An admin request owed an answer. */
struct http_req {
	struct http		*h;
	struct conn	*conn;	/* NULL once its connection closed */
	int			 method;
	int			 write;
	char			*uri;	/* kept while it waits for the db */
	char			*type;	/* Content-Type, or NULL */
	char			*body;
	size_t			 len;
	uid_t			 uid;
	char			 peer[64];
	int			 status;	/* the answer, once known */
	char			*out;
	uint64_t		 ticket;	/* answered once it is on disk */
	struct http_req		*next;
};

struct failure {
	unsigned char	addr[16];
	time_t		window;		/* start of the current minute */
	int		count;
};

struct http {
	struct event_base	*base;
	struct api_ctx		 ctx;		/* the store, feeds, sender */
	struct store		*store;
	struct backups		*backups;	/* GET /v1/backup, ours */
	struct jobs		*jobs;		/* the workers, ours */
	struct checkpointer	*ckpt;		/* the log's, on a worker */
	struct durable		*dur;		/* the batches' fsync, or NULL */
	struct http_req		*unsynced, **unsynced_tail; /* wait for it */
	uint64_t		 ticket;	/* the last batch's */
	int			 deferred;	/* commits do not wait for it */
	struct server		*srv;
	struct public		*pub;
	struct server_door	*unix_door, *tcp_door;
	struct tls		*tls;		/* the TCP door's, or NULL */
	size_t			 share;		/* of descriptors, per door */
	char			*socket_path;
	char			*token;
	struct allow		*allow;
	size_t			 nallow;
	int			 max_failures, max_failures_total;
	struct failure		 failures[FAIL_SLOTS];
	time_t			 fail_window;	/* all addresses together */
	int			 fail_count;
	time_t			 refused_logged;
	size_t			 refused_since;
	int			 batch_open;
	struct http_req		*batch, **batch_tail;	/* answered at COMMIT */
	size_t			 nbatch;
	struct event		*commit_ev;
	struct http_req		*waiting, **waiting_tail; /* for the db */
	time_t			 waiting_since;
	struct event		*busy_ev;
	int			 draining;
	void			(*drained)(void *);
	void			*drained_arg;
	struct event		*drain_timer;
};

/* http.c: the answers; each frees q. */
void	 http_answer(struct http_req *q, int status, char *json);
void	 http_answer_fail(struct http_req *q, const struct fail *);
/* The answer of a route that answers later (arg: its http_req). */
void	 http_later(void *arg, const struct api_file *, const struct fail *);

/* http-batch.c */
/* Runs one request: at once, in the open batch, or waiting for the db. */
void	 http_run(struct http *, struct http_req *);
/* The end of a turn with a batch open: it is committed. */
void	 http_commit_cb(evutil_socket_t, short, void *);
/* The durable thread's news: the batches up to a ticket are on disk. */
void	 http_synced(void *, uint64_t, int);
/* The timer of the writes that wait for a locked database. */
void	 http_busy_cb(evutil_socket_t, short, void *);
/* A draining door whose last answer went: its caller is told. */
void	 http_drain_check(struct http *);

#endif
