/*
 * Read jobs (readjob.h): GET /v1/export and GET /v1/stats. The query is
 * checked on the loop; the job opens a read-only clone of the loop's
 * connection, reads in one transaction (the answer is the database at
 * one moment) and writes the answer into a spool (spool.c): a small one
 * stays in memory, a large one goes through a small buffer into a file
 * without a name in the state directory. The loop answers with either,
 * a large one sent from its file, never read into memory.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "readjob.h"

#define READJOB_BUSY_MS	5000		/* the job's reader waits for a lock */
#define READJOB_CACHE_KB 64		/* and keeps this many KiB of pages */

struct readjob {
	struct api_later	 later;
	char			 peer[64];
	struct store		*st;		/* the job's, a clone */
	const struct readjob_ops *ops;
	void			*arg;
	char			*dir;		/* where a large answer goes */
	/* Set by the job. */
	struct blob		*body;
	struct fail		 fail;
};

static void
readjob_free(struct readjob *j)
{
	store_close(j->st);
	j->ops->free(j->arg);
	blob_unref(j->body);
	free(j->dir);
	free(j);
}

/* --- answers that come later */

/*
 * The text of a JSON answer, out (taken), with its newline; its length in
 * *len. NULL with f filled (500) when it cannot be written. On any thread:
 * a worker writes its answer off the loop.
 */
char *
api_answer_text(json_t *out, size_t *len, struct fail *f)
{
	char	*text;

	if ((text = json_dumps(out, JSON_COMPACT)) == NULL) {
		json_decref(out);
		fail_set(f, 500, NULL, "internal error: the answer could not "
		    "be written as JSON");
		return (NULL);
	}
	json_decref(out);
	*len = strlen(text);
	text = xreallocarray(text, 1, *len + 2);
	memcpy(text + *len, "\n", 2);
	(*len)++;
	return (text);
}

/*
 * Answers a route that answered API_LATER: the JSON text body (borrowed),
 * status 200, or when it is NULL the refusal f.
 */
static void
api_later_blob(const struct api_later *l, struct blob *body,
    const struct fail *f)
{
	struct api_file	 file = { "application/json; charset=utf-8", NULL };

	if (body == NULL) {
		l->done(l->arg, NULL, f);
		return;
	}
	file.body = body;
	l->done(l->arg, &file, NULL);
}

/* As api_later_blob(), with text (api_answer_text(), taken). */
void
api_later_answer(const struct api_later *l, char *text, size_t len,
    const struct fail *f)
{
	struct blob	*body = text != NULL ? blob_adopt(text, len) : NULL;

	api_later_blob(l, body, f);
	blob_unref(body);
}

/* --- the thread */

static void
readjob_work(void *arg, const atomic_int *stop)
{
	struct readjob	*j = arg;
	struct spool	 out;
	char		*cause = NULL;
	int		 rc;

	/* What the loop let go (readjob_run()), off the loop. */
	memory_give_back();
	if (store_clone_open(j->st, READJOB_BUSY_MS, &cause) != 0) {
		fail_set(&j->fail, 503, NULL, "%s", cause);
		free(cause);
		return;
	}
	/*
	 * The job reads each row once: a small cache keeps the tables'
	 * upper pages, the kernel's page cache the rest (the default 2 MB
	 * was the report's high-water mark's second part, after its rows).
	 */
	(void)store_cache_kb(store_db(j->st), READJOB_CACHE_KB);
	if (sqlite3_exec(store_db(j->st), "BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_fail(j->st, &j->fail);
		goto out;
	}
	spool_init(&out, j->dir);
	rc = j->ops->make(j->arg, j->st, stop, &out, &j->fail);
	sqlite3_exec(store_db(j->st), "COMMIT", NULL, NULL, NULL);
	if (rc == 0) {
		/* Every answer of the API ends with a newline. */
		buf_addc(&out.b, '\n');
		j->body = spool_blob(&out, &j->fail);
	}
	spool_free(&out);
out:
	/*
	 * The connection and what the answer took go back now, on this
	 * thread, before the loop hears of it: the next job, started as
	 * soon as the answer is out, may run in an arena of its own while
	 * this thread ends, and its pages would come on top of these (a
	 * second all-years GET /v1/stats at once after the first: +2 MB
	 * instead of +1). So does a connection whose BEGIN failed.
	 */
	store_close(j->st);
	j->st = NULL;
	memory_give_back();
}

/* --- the loop */

/* On the loop, once the job is done (or kursusd stops). */
static void
readjob_done(void *arg, int stopping)
{
	struct readjob	*j = arg;

	(void)stopping;
	if (j->body == NULL && j->fail.status == 0)
		fail_set(&j->fail, 500, NULL, "internal error");
	if (j->body != NULL) {
		log_info("GET %s/%s by %s: 200, %zu bytes%s",
		    KURSUS_API_PREFIX, j->ops->what, j->peer,
		    blob_len(j->body), blob_data(j->body) == NULL ?
		    ", sent from a file" : "");
	} else
		log_info("GET %s/%s by %s: refused: %d", KURSUS_API_PREFIX,
		    j->ops->what, j->peer, j->fail.status);
	api_later_blob(&j->later, j->body, &j->fail);
	readjob_free(j);
}

int
readjob_run(struct api_req *req, const struct readjob_ops *ops, void *arg)
{
	struct readjob	*j;
	struct spool	 out;
	int		 rc;

	if (req->jobs == NULL || req->later == NULL ||
	    store_path(req->store) == NULL ||
	    strcmp(store_path(req->store), ":memory:") == 0) {
		/* A small system's (the unit tests'): all in memory. */
		spool_init(&out, NULL);
		rc = ops->make(arg, req->store, NULL, &out, &req->fail);
		if (rc == 0)
			req->text = buf_detach(&out.b, NULL);
		spool_free(&out);
		ops->free(arg);
		return (rc);
	}
	/*
	 * The job's connection, pages and rows come on top of what the
	 * loop holds: the loop's page cache (2 MB on a national system,
	 * store.c) is let go first, and the job's thread gives it back
	 * (readjob_work()). The kernel still holds those pages; the loop
	 * reads back the ones it needs (GET /v1/stats after 300
	 * registrations on the national set: its high-water mark 30.1 ->
	 * 27.8 MB).
	 */
	(void)sqlite3_db_release_memory(store_db(req->store));
	j = xcalloc(1, sizeof *j);
	j->ops = ops;
	j->arg = arg;
	j->dir = xdirname(store_path(req->store));
	j->st = store_clone_reader(req->store);
	j->later = *req->later;
	snprintf(j->peer, sizeof j->peer, "%s", req->peer != NULL ?
	    req->peer : "?");
	if (job_start(req->jobs, readjob_work, readjob_done, j,
	    &req->fail) != 0) {
		readjob_free(j);
		return (-1);
	}
	req->status = API_LATER;
	return (0);
}
