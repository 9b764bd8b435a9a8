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

struct api_later;
struct api_req;
struct fail;
struct store;

/* The text of a JSON answer, out (taken), with its newline, for
 * api_later_answer(); NULL with f filled (500). On any thread. */
char	*api_answer_text(json_t *out, size_t *len, struct fail *f);
/* The answer of a route that answered API_LATER: text (taken; 200), or
 * when it is NULL the refusal f. On the loop thread. */
void	 api_later_answer(const struct api_later *, char *text, size_t len,
	    const struct fail *f);

struct readjob_ops {
	const char	*what;		/* the route under the API's prefix,
					 * for the log: "export" */
	/*
	 * The answer's JSON text, without a newline, and its length in
	 * *len, read through st; or NULL with f filled. On the job's
	 * thread, or on the loop when there are no workers (stop NULL
	 * then). *stop set: break off, and say so in f.
	 */
	char		*(*make)(void *arg, struct store *st,
			    const atomic_int *stop, size_t *len,
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
