/*
 * A sender worker's database connection (one of its two): the prepared
 * statements of its batches, its transactions under the workers' write
 * lock, and the settle of its outcomes (its sent log's lines and
 * outbox_outcome's rows) into their rows. Calls only SQLite, the message
 * and mail builders' frees and sentlog.c.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commit.h"
#include "sender.h"

#define WDB_CACHE_KB	256	/* a connection's pages, KiB */

/*
 * The outcomes recorded inside the seal (and those of rows not sent whose
 * own update failed, job_settle()), settled into their rows when the
 * batch is done (and at start-up, sender_recover()): state, attempts
 * given back (-1: it waited for the server or the quiet hours, not an
 * attempt), when to try again, the error (none: a row waiting keeps its
 * last), the provider's id, when.
 */
const char *const worker_sql_settle =
	"UPDATE outbox SET state = o.state, attempts = outbox.attempts + "
	"o.attempts, next_attempt = coalesce(o.next_attempt, "
	"outbox.next_attempt), last_error = coalesce(o.last_error, CASE "
	"o.state WHEN 'pending' THEN outbox.last_error END), provider_id = "
	"CASE o.state WHEN 'sent' THEN o.provider_id ELSE outbox.provider_id "
	"END, sent_at = CASE o.state WHEN 'sent' THEN o.at ELSE "
	"outbox.sent_at END, updated_at = o.at FROM outbox_outcome o "
	"WHERE outbox.id = o.outbox_id AND outbox.state = 'sending'; "
	"DELETE FROM outbox_outcome";

static const char *worker_sql[W_COUNT] = {
	/* ?1 channel, ?2 now, ?3 how many, ?4 the claim (sentlog.c) */
	[W_CLAIM] = "UPDATE outbox SET state = 'sending', attempts = "
	    "attempts + 1, updated_at = ?2, claim = ?4 WHERE id IN (SELECT "
	    "id FROM outbox WHERE state = 'pending' AND next_attempt <= ?2 "
	    "AND channel = ?1 ORDER BY next_attempt, id LIMIT ?3) RETURNING "
	    "id, kind, session_id, participant_id, recipient, detail, "
	    "attempts, due_at, created_at, batch",
	[W_TEXTS] = "INSERT OR REPLACE INTO outbox_text (outbox_id, subject, "
	    "body, attachment) VALUES (?1, ?2, ?3, ?4)",
	/*
	 * One small row, no index, no trigger: what is committed inside the
	 * seal. ?1 id, ?2 now, ?3 state, ?4 attempts given back, ?5 next
	 * attempt, ?6 error, ?7 provider's id.
	 */
	[W_OUTCOME] = "INSERT OR REPLACE INTO outbox_outcome (outbox_id, at, "
	    "state, attempts, next_attempt, last_error, provider_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[W_FAILED] = "UPDATE outbox SET state = 'failed', updated_at = ?2, "
	    "last_error = ?3 WHERE id = ?1 AND state = 'sending'",
	[W_SKIPPED] = "UPDATE outbox SET state = 'skipped', updated_at = ?2, "
	    "last_error = ?3 WHERE id = ?1 AND state = 'sending'",
	/* Not an attempt: it waits for the quiet hours to end. */
	[W_DEFER] = "UPDATE outbox SET state = 'pending', attempts = "
	    "attempts - 1, next_attempt = ?3, updated_at = ?2 WHERE id = ?1 "
	    "AND state = 'sending'",
	/* NULL: outbox_sql_near, set at the first open */
	[W_NEAR] = NULL,
};


/*
 * Instead of SQLite's automatic checkpoint, which would run in whichever
 * commit finds the log long, inside the seal: worker_settle() runs it
 * after the batch, outside the seal and the workers' lock.
 */
static int
wdb_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct wdb	*w = arg;

	(void)db;
	(void)name;
	w->wal_pages = pages;
	return (SQLITE_OK);
}

int
wdb_open(const char *path, pthread_mutex_t *wlock, struct wdb *w,
    char **cause)
{
	const char	*tail;
	int		 i;

	memset(w, 0, sizeof *w);
	w->wlock = wlock;
	/*
	 * An outcome is recorded without waiting for the disk (synchronous
	 * NORMAL): a crash of kursusd loses nothing (the WAL is in the
	 * kernel's hands), and a power loss can at worst turn a sent message
	 * back into one to send again, never lose one, since its claim was
	 * durable.
	 */
	if (store_connect(path, 0, SENDER_BUSY_MS, &w->db, cause) != 0)
		return (-1);
	/*
	 * A batch reads its rows once: a small cache keeps the tables' and
	 * indexes' upper pages, the kernel's page cache the rest. (SQLite's
	 * default 2 MB a connection, up to six of them while the workers
	 * are busy, came on top of the daemon's peak: issue 9.)
	 */
	(void)store_cache_kb(w->db, WDB_CACHE_KB);
	for (i = 0; i < W_COUNT; i++)
		if (sqlite3_prepare_v3(w->db, i == W_NEAR ? outbox_sql_near :
		    worker_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->stmt[i],
		    NULL) != SQLITE_OK)
			goto fail;
	/* The settle, prepared once rather than at each batch. */
	if (sqlite3_prepare_v3(w->db, worker_sql_settle, -1,
	    SQLITE_PREPARE_PERSISTENT, &w->settle[0], &tail) != SQLITE_OK ||
	    sqlite3_prepare_v3(w->db, tail, -1, SQLITE_PREPARE_PERSISTENT,
	    &w->settle[1], NULL) != SQLITE_OK)
		goto fail;
	sqlite3_wal_hook(w->db, wdb_wal_hook, w);
	return (0);
fail:
	xasprintf(cause, "%s: %s", path, sqlite3_errmsg(w->db));
	wdb_close(w);
	return (-1);
}

/* Frees what wdb_open() made, all or (failing) part of it. */
void
wdb_close(struct wdb *w)
{
	int	 i;

	message_ctx_free(w->mc);
	mail_builder_free(w->mb);
	for (i = 0; i < W_COUNT; i++)
		sqlite3_finalize(w->stmt[i]);
	sqlite3_finalize(w->settle[0]);
	sqlite3_finalize(w->settle[1]);
	sqlite3_close(w->db);
}

/*
 * Runs a prepared update with "i" (int64_t), "n" (int64_t, 0 for NULL) and
 * "t" (text or NULL) arguments; logs a failure.
 */
int
wdb_run(struct wdb *w, int q, const char *types, ...)
{
	sqlite3_stmt	*stmt = w->stmt[q];
	va_list		 ap;
	const char	*t;
	int64_t		 v;
	int		 i, rc;

	va_start(ap, types);
	for (i = 1; *types != '\0'; types++, i++) {
		if (*types == 'i' || *types == 'n') {
			v = va_arg(ap, int64_t);
			if (*types == 'n' && v == 0)
				sqlite3_bind_null(stmt, i);
			else
				sqlite3_bind_int64(stmt, i, v);
		} else if ((t = va_arg(ap, const char *)) == NULL)
			sqlite3_bind_null(stmt, i);
		else
			sqlite3_bind_text(stmt, i, t, -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	if (!w->in_txn)
		pthread_mutex_lock(w->wlock);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	sqlite3_reset(stmt);
	if (!w->in_txn)
		pthread_mutex_unlock(w->wlock);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE) {
		log_warnx("outbox: %s", sqlite3_errmsg(w->db));
		return (-1);
	}
	return (0);
}

/*
 * A transaction of the worker's. The workers take turns to write (a
 * mutex, not SQLite's busy handler, which sleeps a millisecond or more
 * each time it finds the database locked). -1 (logged, the mutex given
 * back) when SQLite could not begin it: the database locked by another
 * past SENDER_BUSY_MS, the disk full.
 */
int
wdb_begin(struct wdb *w)
{
	pthread_mutex_lock(w->wlock);
	if (sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		log_warnx("outbox: %s", sqlite3_errmsg(w->db));
		pthread_mutex_unlock(w->wlock);
		return (-1);
	}
	w->in_txn = 1;
	return (0);
}

/* Commits (ok) or rolls back wdb_begin()'s transaction; -1 (logged) when
 * it did not commit. */
int
wdb_end(struct wdb *w, int ok)
{
	if (ok && sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		log_warnx("outbox: %s", sqlite3_errmsg(w->db));
		ok = 0;
	}
	if (!ok && !sqlite3_get_autocommit(w->db))
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	w->in_txn = 0;
	pthread_mutex_unlock(w->wlock);
	return (ok ? 0 : -1);
}

/* Runs worker_sql_settle's two statements; -1 when one failed. */
static int
worker_settle_run(struct wdb *w)
{
	int	 i, rc = SQLITE_DONE;

	for (i = 0; i < 2 && rc == SQLITE_DONE; i++) {
		rc = sqlite3_step(w->settle[i]);
		sqlite3_reset(w->settle[i]);
	}
	return (rc == SQLITE_DONE ? 0 : -1);
}

int
wdb_take_back(sqlite3 *db, const char *claims, const char *ids, int *n)
{
	static const char *sql = "UPDATE outbox SET state = 'pending', "
	    "attempts = max(attempts - 1, 0), next_attempt = "
	    "min(next_attempt, strftime('%s', 'now')) WHERE state = "
	    "'sending' AND claim NOT IN (SELECT value FROM json_each('[' || "
	    "?1 || ']')) AND id NOT IN (SELECT value FROM json_each('[' || "
	    "?2 || ']'))";
	sqlite3_stmt	*stmt;
	int		 rc;

	*n = 0;
	if (sqlite3_exec(db, worker_sql_settle, NULL, NULL, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) !=
	    SQLITE_OK)
		return (-1);
	sqlite3_bind_text(stmt, 1, claims, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, ids, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		*n = sqlite3_changes(db);
	sqlite3_finalize(stmt);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/*
 * Settles the outcomes recorded while a batch was sent (the sent log's
 * lines and outbox_outcome's rows) into their rows, in one commit; then,
 * when the log has grown long, a checkpoint. A failure is tried again
 * soon (worker_main()).
 */
int
worker_settle(struct wdb *w)
{
	int	 failed = 0;

	pthread_mutex_lock(w->wlock);
	if (sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK || sentlog_settle(w->log, w->db) != 0 ||
	    worker_settle_run(w) != 0 || sqlite3_exec(w->db, "COMMIT", NULL,
	    NULL, NULL) != SQLITE_OK) {
		/* They stay where they are, tried again by the timer. */
		log_warnx("outbox: settling outcomes: %s",
		    sqlite3_errmsg(w->db));
		if (!sqlite3_get_autocommit(w->db))
			sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		failed = 1;
	} else
		sentlog_clear(w->log);
	pthread_mutex_unlock(w->wlock);
	sentlog_failed(w->log, failed, time(NULL));
	if (w->wal_pages >= CHECKPOINT_PAGES) {
		w->wal_pages = 0;
		(void)sqlite3_wal_checkpoint_v2(w->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	return (failed ? -1 : 0);
}
