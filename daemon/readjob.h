/*
 * readjob.c: an admin GET whose answer cannot be bounded (an export of
 * every session, the statistics of a national system) made by a job
 * (job.c) on a read-only connection of its own, in one read transaction,
 * while the loop goes on serving; answered when the job is done.
 */
#ifndef READJOB_H
#define READJOB_H

#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"

struct api_later;
struct api_req;
struct blob;
struct fail;
struct store;

/* The text of a JSON answer, out (taken), with its newline, for
 * api_later_answer(); NULL with f filled (500). On any thread. */
char	*api_answer_text(json_t *out, size_t *len, struct fail *f);
/* The answer of a route that answered API_LATER: text (taken; 200), or
 * when it is NULL the refusal f. On the loop thread. */
void	 api_later_answer(const struct api_later *, char *text, size_t len,
	    const struct fail *f);

/*
 * spool.c: an answer written through a small buffer (b: buf_add() and
 * the rest, then spool_check()), kept in memory while it is small, else
 * in a file without a name in dir, which is sent from there (sendfile).
 */
#define SPOOL_CHUNK	((size_t)128 << 10)	/* bytes kept in memory */
struct spool {
	struct buf	 b;		/* what is not in the file (yet) */
	const char	*dir;		/* NULL: all in memory */
	int		 fd;		/* the file, or -1 */
	size_t		 filed;		/* bytes written to it */
	int		 err;		/* errno of what failed, or 0 */
	int		 making;	/* it failed making the file */
};
void		 spool_init(struct spool *, const char *dir);
/* Moves what b holds into the file: 0, or -1 (the answer is lost then:
 * spool_blob() says why). */
int		 spool_flush(struct spool *);
static inline int
spool_check(struct spool *s)
{
	return (s->dir != NULL && s->b.len >= SPOOL_CHUNK ? spool_flush(s) :
	    0);
}
/* The whole answer, in memory or the file (taken); NULL with f filled
 * (507: the disk is full; 500). s is left empty for spool_free(). */
struct blob	*spool_blob(struct spool *, struct fail *f);
void		 spool_free(struct spool *);

struct readjob_ops {
	const char	*what;		/* the route under the API's prefix,
					 * for the log: "export" */
	/*
	 * Writes the answer's JSON text, without a newline, into out
	 * (spool_check() as it goes), read through st: 0, or -1 with f
	 * filled. On the job's thread, or on the loop when there are no
	 * workers (stop NULL then). *stop set: break off, and say so in f.
	 */
	int		 (*make)(void *arg, struct store *st,
			    const atomic_int *stop, struct spool *out,
			    struct fail *f);
	void		 (*free)(void *arg);
};

/*
 * Answers req with ops->make(arg): by a job, later, or in the route when
 * there are no workers (the unit tests, a database in memory). 0, or -1
 * with req->fail filled; arg is freed either way.
 */
int	readjob_run(struct api_req *req, const struct readjob_ops *ops,
	    void *arg);

#endif
