/*
 * Backups: GET /v1/backup answers a copy of the live database, made while
 * registrations go on. A thread of its own makes the copy, never the
 * loop: a read-only connection (store_connect()) copies the database as
 * it was when the copy began (store_copy(): SQLite's online backup API,
 * in small steps, inside one read transaction; the WAL keeps the writes
 * made meanwhile apart) into a private file (0600) beside the database.
 * The file is then unlinked and sent as a blob of the file (blob_file():
 * sendfile(2)): the page cache holds it, neither the heap nor a mapping
 * of kursusd's (a mapped copy counted in its resident memory as it was
 * sent), every answer sending it shares it, and the disk space goes back
 * when the last of them is done.
 *
 * One copy at a time. Whoever asks while a copy is being made waits for
 * the next one, which starts when that one is done and serves everyone
 * who asked meanwhile: each copy begins after all its askers asked, so it
 * holds every registration confirmed to anyone before they asked. Two
 * backups at once cost two copies at most, in turn, never one per client.
 *
 * The copy is a job (job.c): made on a thread, answered on the loop when
 * done; the route never answers from within the request.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "kursusd.h"

#define BACKUP_TYPE	"application/vnd.sqlite3"
#define BACKUP_TMP	".backup-"	/* database path, this, six letters */
#define BACKUP_BUSY_MS	5000		/* the copy's reader waits for a lock */

/* Someone waiting for a copy. */
struct backup_waiter {
	struct api_later	 later;
	char			 peer[64];
	struct backup_waiter	*next;
};

/* A copy being made, and who gets it. */
struct backup_job {
	struct backups		*b;
	struct backup_waiter	*waiters;
	struct timespec		 began;
	/* Set by the thread before it writes to the pipe. */
	struct blob		*copy;
	struct fail		 fail;
};

struct backups {
	struct jobs		*jobs;
	char			*database;
	struct event		*kick;		/* starts the next copy */
	struct backup_job	*job;		/* being made, or NULL */
	struct backup_waiter	*queue, **queue_tail;	/* for the next one */
};

/* --- the thread */

/* The copy into the job's blob, or the job's fail filled. */
static void
backup_make(void *arg, const atomic_int *stop)
{
	struct backup_job *j = arg;
	const char	*db = j->b->database;
	struct stat	 sb;
	sqlite3		*src = NULL;
	char		*tmp, *cause = NULL;
	int		 fd;

	tmp = xprintf("%s" BACKUP_TMP "XXXXXX", db);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		fail_set(&j->fail, errno == ENOSPC ? 507 : 500, NULL, "cannot "
		    "make a file for the copy beside %s: %s", db,
		    strerror(errno));
		free(tmp);
		return;
	}
	if (store_connect(db, STORE_READ, BACKUP_BUSY_MS, &src, &cause) != 0) {
		fail_set(&j->fail, 500, NULL, "%s", cause);
		free(cause);
		goto out;
	}
	if (store_copy(src, tmp, stop, &j->fail) != 0)
		goto out;
	if (fstat(fd, &sb) != 0) {
		fail_set(&j->fail, 500, NULL, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((uintmax_t)sb.st_size > SIZE_MAX) {
		fail_set(&j->fail, 500, NULL, "the copy (%jd bytes) is too "
		    "large for this machine to send", (intmax_t)sb.st_size);
		goto out;
	}
	if (sb.st_size == 0) {
		fail_set(&j->fail, 500, NULL, "%s: the file is empty", tmp);
		goto out;
	}
	j->copy = blob_file(fd, (size_t)sb.st_size);
	fd = -1;
out:
	sqlite3_close(src);
	/* Open, the copy lives on without its name. */
	unlink(tmp);
	if (fd != -1)
		close(fd);
	free(tmp);
}

/* --- the loop */

static long long
backup_ms(const struct timespec *since)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((long long)(now.tv_sec - since->tv_sec) * 1000 +
	    (now.tv_nsec - since->tv_nsec) / 1000000);
}

/* Gives everyone in list the copy, or the refusal f; frees the list. */
static void
backup_tell(struct backup_waiter *list, struct blob *copy,
    const struct fail *f, const struct timespec *began)
{
	struct api_file		 file = { BACKUP_TYPE, copy };
	struct backup_waiter	*w, *next;
	long long		 ms = backup_ms(began);

	for (w = list; w != NULL; w = next) {
		next = w->next;
		if (copy != NULL)
			log_info("GET %s/backup by %s: 200, %zu bytes, copied "
			    "in %lld ms", KURSUS_API_PREFIX, w->peer,
			    blob_len(copy), ms);
		else
			log_warnx("GET %s/backup by %s: %d %s",
			    KURSUS_API_PREFIX, w->peer, f->status, f->msg);
		w->later.done(w->later.arg, copy != NULL ? &file : NULL,
		    copy != NULL ? NULL : f);
		free(w);
	}
}

static void
backup_job_free(struct backup_job *j)
{
	blob_unref(j->copy);
	free(j);
}

static void	backup_start(struct backups *);

/* The copy is made (or kursusd stops: the copy broke off). */
static void
backup_done(void *arg, int stopping)
{
	struct backup_job	*j = arg;
	struct backups		*b = j->b;

	b->job = NULL;
	if (stopping) {
		blob_unref(j->copy);
		j->copy = NULL;
		fail_set(&j->fail, 503, NULL, "kursusd is stopping; no backup "
		    "was made");
	}
	backup_tell(j->waiters, j->copy, &j->fail, &j->began);
	backup_job_free(j);
	if (b->queue != NULL && !stopping)
		backup_start(b);
}

/* A copy for everyone in the queue, made by a new thread. */
static void
backup_start(struct backups *b)
{
	struct backup_job	*j = xcalloc(1, sizeof *j);

	j->b = b;
	j->waiters = b->queue;
	b->queue = NULL;
	b->queue_tail = &b->queue;
	clock_gettime(CLOCK_MONOTONIC, &j->began);
	if (job_start(b->jobs, backup_make, backup_done, j, &j->fail) != 0) {
		backup_tell(j->waiters, NULL, &j->fail, &j->began);
		backup_job_free(j);
		return;
	}
	b->job = j;
}

static void
backup_kick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct backups	*b = arg;

	if (b->job == NULL && b->queue != NULL)
		backup_start(b);
}

/*
 * Removes the copies a kursusd that stopped while making them left beside
 * the database (this one holds its lock: none of them is in use).
 */
static void
backup_sweep(const char *database)
{
	const char	*slash = strrchr(database, '/'), *base;
	struct dirent	*de;
	DIR		*d;
	char		*dir, *prefix;
	size_t		 n;

	dir = xdirname(database);
	base = slash == NULL ? database : slash + 1;
	prefix = xprintf("%s" BACKUP_TMP, base);
	n = strlen(prefix);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, prefix, n) != 0 ||
			    strlen(de->d_name) != n + 6)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				log_info("removed %s/%s, an unfinished copy "
				    "of the database", dir, de->d_name);
		}
		closedir(d);
	}
	free(prefix);
	free(dir);
}

struct backups *
backups_new(struct event_base *base, struct jobs *jobs, const char *database)
{
	struct backups	*b = xcalloc(1, sizeof *b);

	b->jobs = jobs;
	b->database = xstrdup(database);
	b->queue_tail = &b->queue;
	if ((b->kick = event_new(base, -1, 0, backup_kick_cb, b)) == NULL)
		fatalx("event_new failed");
	backup_sweep(database);
	return (b);
}

/*
 * Stops, after the jobs (jobs_free(): a copy being made broke off within
 * a step): everyone still waiting is told kursusd is stopping.
 */
void
backups_free(struct backups *b)
{
	struct fail		 f;
	struct timespec		 now;

	if (b == NULL)
		return;
	fail_set(&f, 503, NULL, "kursusd is stopping; no backup was made");
	clock_gettime(CLOCK_MONOTONIC, &now);
	backup_tell(b->queue, NULL, &f, &now);
	event_free(b->kick);
	free(b->database);
	free(b);
}

/*
 * GET /v1/backup: takes nothing, and answers later (the door's
 * req->later), once the next copy is made.
 */
int
backup_route(struct api_req *req)
{
	struct backups		*b = req->backups;
	struct backup_waiter	*w;

	if (param_check_query(req, NULL) != 0 ||
	    param_check_fields(req->body, NULL, 0, &req->fail) != 0)
		return (-1);
	if (b == NULL || req->later == NULL)
		return (fail_set(&req->fail, 501, NULL, "backups are made by "
		    "a running kursusd, asked on its admin socket or TCP "
		    "listener"));
	w = xcalloc(1, sizeof *w);
	w->later = *req->later;
	snprintf(w->peer, sizeof w->peer, "%s", req->peer != NULL ?
	    req->peer : "?");
	*b->queue_tail = w;
	b->queue_tail = &w->next;
	/* Started from the loop, not from within this request. */
	if (b->job == NULL)
		event_active(b->kick, EV_TIMEOUT, 0);
	req->status = API_LATER;
	return (0);
}
