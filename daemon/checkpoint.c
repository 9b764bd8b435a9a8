/*
 * Checkpoints of the loop's log, on a thread. SQLite's own (wal_auto-
 * checkpoint) runs inside whichever commit finds the log long: on the
 * loop, that commit would copy the log into the database and wait for
 * the database file's fsync while every request waits. Here the loop's
 * connection only notes the log's length (a WAL hook, which takes the
 * automatic checkpoint's place) and, when the log is long, a job (job.c)
 * runs a passive checkpoint on a connection of its own, which never waits
 * for the writer: it copies the log's pages and waits for the fsyncs.
 * The log starts over only when every page in it is copied, and the loop
 * writes on meanwhile; so at the next long commit after the job, another
 * job copies the few pages written since, and the next transaction starts
 * the log over. The loop copied those itself once, but that checkpoint's
 * two fsyncs held a turn 10 to 65 ms while an import wrote (issue 9);
 * now it does so only when CHECKPOINT_CHASES jobs in a row copied every
 * page and still the log did not start over (writes that never pause),
 * so that the log stays bounded.
 * The senders' connections checkpoint for themselves (worker.c); a job's
 * clone (an import) keeps SQLite's automatic one.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"

#define CHECKPOINT_CHASES	8	/* jobs before the loop copies the rest */

struct checkpointer {
	struct store	*st;
	struct jobs	*jobs;
	char		*path;
	sqlite3		*db;		/* the jobs', made by the first */
	int		 running;	/* a job is under way */
	int		 chases;	/* jobs that copied all, in a row */
	int		 complete;	/* the last job copied every page */
	int		 failed;	/* its connection could not be made */
};

static void
checkpoint_work(void *arg, const atomic_int *stop)
{
	struct checkpointer	*cp = arg;
	char			*cause = NULL;
	int			 rc, nlog, ndone;

	cp->complete = 0;
	if (atomic_load(stop))
		return;
	if (cp->db == NULL && store_connect(cp->path, 0, 0, &cp->db,
	    &cause) != 0) {
		log_warnx("checkpoint: %s", cause);
		free(cause);
		cp->failed = 1;
		return;
	}
	rc = sqlite3_wal_checkpoint_v2(cp->db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, &nlog, &ndone);
	/* Busy: a sender's checkpoint runs; the loop's ends it. */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warnx("checkpoint of %s: %s", cp->path,
		    sqlite3_errmsg(cp->db));
	else
		log_debug("checkpoint: %d of %d log pages copied", ndone,
		    nlog);
	cp->complete = rc == SQLITE_OK && ndone == nlog;
}

static void
checkpoint_done(void *arg, int stopping)
{
	struct checkpointer	*cp = arg;

	(void)stopping;
	cp->running = 0;
	/* A reader that holds pages back stops the loop's copy as well. */
	cp->chases = cp->complete ? cp->chases + 1 : 0;
}

/*
 * After each commit of the loop's connection. Where no job can be started
 * (no thread, or no connection of its own), the checkpoint runs here, as
 * SQLite's own would: a log that only grows is worse than a slow commit.
 */
static int
checkpoint_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct checkpointer	*cp = arg;
	struct fail		 f;

	/* A short log: the one the jobs copied was started over. */
	if (pages < CHECKPOINT_PAGES) {
		cp->chases = 0;
		return (SQLITE_OK);
	}
	if (cp->running)
		return (SQLITE_OK);
	if (!cp->failed && cp->chases < CHECKPOINT_CHASES) {
		cp->running = 1;
		if (job_start(cp->jobs, checkpoint_work, checkpoint_done, cp,
		    &f) == 0)
			return (SQLITE_OK);
		cp->running = 0;
	}
	cp->chases = 0;
	(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	return (SQLITE_OK);
}

/*
 * Whether a job copies the log now: writes that can wait (the sweeps)
 * wait, so that it copies every page and the next commit starts the log
 * over, not the loop after CHECKPOINT_CHASES jobs.
 */
int
checkpointer_copying(struct checkpointer *cp)
{
	return (cp != NULL && cp->running);
}

struct checkpointer *
checkpointer_new(struct store *st, struct jobs *jobs)
{
	struct checkpointer	*cp = xcalloc(1, sizeof *cp);
	const char		*path = store_path(st);

	cp->st = st;
	cp->jobs = jobs;
	/* A database only this connection sees checkpoints as before. */
	if (path == NULL || *path == '\0' || strcmp(path, ":memory:") == 0)
		return (cp);
	cp->path = xstrdup(path);
	sqlite3_wal_hook(store_db(st), checkpoint_hook, cp);
	return (cp);
}

/* After jobs_free(): no job runs. SQLite's own checkpoint takes over. */
void
checkpointer_free(struct checkpointer *cp)
{
	if (cp == NULL)
		return;
	if (cp->path != NULL)
		sqlite3_wal_autocheckpoint(store_db(cp->st),
		    CHECKPOINT_PAGES);
	if (cp->db != NULL)
		sqlite3_close(cp->db);
	free(cp->path);
	free(cp);
}
