/*
 * Read jobs (readjob.h): GET /v1/export and GET /v1/stats. The query is
 * checked on the loop; the job opens a read-only clone of the loop's
 * connection, reads in one transaction (the answer is the database at
 * one moment) and hands the text back to the loop, which answers with it.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kursusd.h"
#include "readjob.h"

#define READJOB_BUSY_MS	5000		/* the job's reader waits for a lock */

struct readjob {
	struct api_later	 later;
	char			 peer[64];
	struct store		*st;		/* the job's, a clone */
	const struct readjob_ops *ops;
	void			*arg;
	/* Set by the job. */
	char			*text;
	size_t			 len;
	struct fail		 fail;
};

static void
readjob_free(struct readjob *j)
{
	store_close(j->st);
	j->ops->free(j->arg);
	free(j->text);
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
 * Answers a route that answered API_LATER: text (api_answer_text(),
 * taken), status 200, or when it is NULL the refusal f.
 */
void
api_later_answer(const struct api_later *l, char *text, size_t len,
    const struct fail *f)
{
	struct api_file	 file = { "application/json; charset=utf-8", NULL };

	if (text == NULL) {
		l->done(l->arg, NULL, f);
		return;
	}
	file.body = blob_adopt(text, len);
	l->done(l->arg, &file, NULL);
	blob_unref(file.body);
}

/* --- the thread */

static void
readjob_work(void *arg, const atomic_int *stop)
{
	struct readjob	*j = arg;
	char		*cause = NULL;

	if (store_clone_open(j->st, READJOB_BUSY_MS, &cause) != 0) {
		fail_set(&j->fail, 503, NULL, "%s", cause);
		free(cause);
		return;
	}
	if (sqlite3_exec(store_db(j->st), "BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_fail(j->st, &j->fail);
		return;
	}
	j->text = j->ops->make(j->arg, j->st, stop, &j->len, &j->fail);
	sqlite3_exec(store_db(j->st), "COMMIT", NULL, NULL, NULL);
	if (j->text != NULL) {
		/* Every answer of the API ends with a newline. */
		j->text = xreallocarray(j->text, 1, j->len + 2);
		memcpy(j->text + j->len, "\n", 2);
		j->len++;
	}
}

/* --- the loop */

/* On the loop, once the job is done (or kursusd stops). */
static void
readjob_done(void *arg, int stopping)
{
	struct readjob	*j = arg;

	(void)stopping;
	if (j->text == NULL && j->fail.status == 0)
		fail_set(&j->fail, 500, NULL, "internal error");
	if (j->text != NULL)
		log_info("GET %s/%s by %s: 200, %zu bytes", KURSUS_API_PREFIX,
		    j->ops->what, j->peer, j->len);
	else
		log_info("GET %s/%s by %s: refused: %d", KURSUS_API_PREFIX,
		    j->ops->what, j->peer, j->fail.status);
	api_later_answer(&j->later, j->text, j->len, &j->fail);
	j->text = NULL;
	readjob_free(j);
}

int
readjob_run(struct api_req *req, const struct readjob_ops *ops, void *arg)
{
	struct readjob	*j;
	size_t		 len;

	if (req->jobs == NULL || req->later == NULL ||
	    store_path(req->store) == NULL ||
	    strcmp(store_path(req->store), ":memory:") == 0) {
		req->text = ops->make(arg, req->store, NULL, &len, &req->fail);
		ops->free(arg);
		return (req->text != NULL ? 0 : -1);
	}
	j = xcalloc(1, sizeof *j);
	j->ops = ops;
	j->arg = arg;
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
