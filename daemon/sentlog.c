/*
 * The sent log: where a worker records, inside the seal (see sender.c),
 * that the server took a message. One line a message, appended with one
 * write(2) to a file of the worker's database connection's own (a worker
 * has two, used in turn: the batch one sends while the other settles
 * its last), next to the database ("kursusd.db-sent-N", N from 0 to
 * SENTLOG_FILES - 1, mode 0600, made at the first message it sends,
 * removed when the worker stops with it settled):
 *
 *	OUTBOX_ID ATTEMPTS CLAIM UNIX_TIME\n
 *
 * naming the claim exactly: the row, its attempts and the claim number
 * the row was given when the batch was claimed (outbox.claim: a random
 * number drawn at each start, one more for each batch). A line is applied
 * only to a row "sending" under that very claim, so a line that outlived
 * its settling (emptying the file failed, a power loss undid it, the file
 * sits beside a restored or copied database or came from an earlier
 * start) matches nothing and is ignored, counted in the log; it can never
 * mark a message sent that was claimed again.
 *
 * Why not a commit: the seal is held from the end of a message's data
 * until its outcome is safe from a crash of kursusd, and every connection
 * waits for it. A commit of SQLite (its locks, a WAL frame of a page, the
 * workers' write lock) cost ~55 us there; this costs one system call.
 * What it survives is what the workers' commits survive (synchronous
 * NORMAL): a crash of kursusd, not a loss of power, which can at worst
 * make a sent message one to send again, never lose one.
 *
 * The lines are settled into outbox_outcome, and so into the rows, in the
 * transaction that settles the batch (sentlog_settle()), after which the
 * file is emptied; a settle that failed is tried again by the worker's
 * timer, and at its stop; a file still holding lines is left for the
 * start. At start-up, before rows left "sending" are sent again, every
 * file a worker left is settled the same way in one transaction,
 * committed durably (synchronous FULL) before the files are removed. A
 * line settled twice (a crash between the commit and the emptying) does
 * nothing: it names a row no longer "sending". A last line without its
 * newline (a write cut short) is not one. While kursusd runs, a sweep of
 * rows left "sending" (sender_sweep()) leaves alone every row whose claim
 * a line in any sent log names (sentlog_claims()): that line waits for
 * its own connection's settle.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sender.h"

#define SENTLOG_LINE	96	/* four int64 in decimal, blanks, a newline */

/*
 * Sent log n: of connection k (0 or 1) of the worker at i in struct
 * sender's workers[], n = 2 * i + k (before a worker had two, n = i).
 */
char *
sentlog_path(const char *database, int n)
{
	return (xprintf("%s-sent-%d", database, n));
}

void
sentlog_init(struct sentlog *l, const char *database, int n)
{
	l->fd = -1;
	l->path = sentlog_path(database, n);
	l->dirty = 0;
	l->retry = 0;
	l->retry_at = 0;
	l->sweep = 0;
}

/* Closes it; a file with nothing left to settle is removed. */
void
sentlog_close(struct sentlog *l)
{
	if (l->fd != -1) {
		close(l->fd);
		if (!l->dirty && unlink(l->path) != 0 && errno != ENOENT)
			log_warn("outbox: removing %s", l->path);
	}
	l->fd = -1;
	free(l->path);
	l->path = NULL;
}

int
sentlog_add(struct sentlog *l, int64_t id, int attempts, int64_t claim,
    time_t at)
{
	char	 line[SENTLOG_LINE];
	ssize_t	 n;
	int	 len;

	if (l->fd == -1 && (l->fd = open(l->path, O_RDWR | O_APPEND |
	    O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("outbox: %s", l->path);
		return (-1);
	}
	len = snprintf(line, sizeof line, "%" PRId64 " %d %" PRId64 " %lld\n",
	    id, attempts, claim, (long long)at);
	while ((n = write(l->fd, line, (size_t)len)) == -1 && errno == EINTR)
		;
	if (n != len) {
		/* A piece may have gone: " -" makes it no line (a piece
		 * with a newline could read as four numbers), and the next
		 * one starts on a line of its own. */
		if (n > 0)
			(void)write(l->fd, " -\n", 3);
		log_warn("outbox: writing %s", l->path);
		return (-1);
	}
	l->dirty = 1;
	return (0);
}

/* What a file's lines came to. */
struct sentlog_count {
	int	 settled;	/* matched a row "sending" under its claim */
	int	 ignored;	/* matched none: stale, or another database's */
	int	 broken;	/* not a line: cut short, or not four numbers */
};

/*
 * The four numbers of the line from p to its newline at eol; -1 when it
 * is not a whole line of them (a NUL in it, as a power loss leaves, ends
 * no number where the line does).
 */
static int
sentlog_parse(const char *p, const char *eol, long long v[4])
{
	char	*end;
	int	 i;

	for (i = 0; i < 4; i++) {
		if (*p < '0' || *p > '9')
			return (-1);
		errno = 0;
		v[i] = strtoll(p, &end, 10);
		if (errno != 0 || (i == 3 ? end != eol : *end != ' '))
			return (-1);
		p = end + 1;
	}
	return (0);
}

/*
 * Reads the file open as fd and hands each whole line's four numbers to
 * fn, counting in *k what fn made of them (1: settled, 0: ignored) and
 * the lines that are not whole. -1 (an error in *cause) when the file
 * could not be read or fn failed (it says why in *cause).
 */
static int
sentlog_read(int fd, const char *path,
    int (*fn)(void *, const long long [4], char **), void *arg,
    struct sentlog_count *k, char **cause)
{
	struct stat	 st;
	char		*text, *p, *eol, *last;
	long long	 v[4];
	size_t		 got = 0;
	ssize_t		 n;
	int		 r = 0;

	memset(k, 0, sizeof *k);
	if (fstat(fd, &st) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (st.st_size == 0)
		return (0);
	text = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		n = pread(fd, text + got, (size_t)st.st_size - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			xasprintf(cause, "%s: %s", path, n == 0 ?
			    "shorter than it was" : strerror(errno));
			free(text);
			return (-1);
		}
		got += (size_t)n;
	}
	text[got] = '\0';
	last = text + got;
	for (p = text; r != -1 && p < last; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(last - p))) == NULL) {
			k->broken++;	/* the last, cut short */
			break;
		}
		*eol = '\0';
		if (sentlog_parse(p, eol, v) != 0) {
			k->broken++;
			continue;
		}
		if ((r = fn(arg, v, cause)) == 1)
			k->settled++;
		else if (r == 0)
			k->ignored++;
	}
	free(text);
	return (r == -1 ? -1 : 0);
}

/* What sentlog_load() applies its lines with. */
struct sentlog_apply {
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	const char	*path;
};

/* Puts one line into outbox_outcome if it names a row still "sending"
 * under its claim: 1 it did, 0 it named none, -1 an error. */
static int
sentlog_apply(void *arg, const long long v[4], char **cause)
{
	struct sentlog_apply	*a = arg;
	int			 i, r;

	for (i = 0; i < 4; i++)
		sqlite3_bind_int64(a->stmt, i + 1, v[i]);
	if (sqlite3_step(a->stmt) != SQLITE_DONE) {
		xasprintf(cause, "%s: %s", a->path, sqlite3_errmsg(a->db));
		r = -1;
	} else
		r = sqlite3_changes(a->db) > 0;
	sqlite3_reset(a->stmt);
	return (r);
}

/*
 * Puts the lines of the file open as fd that name a row still "sending"
 * under the same claim into outbox_outcome, on db in its transaction,
 * counting them in *k. -1 (an error in *cause) when they could not be
 * read or written.
 */
static int
sentlog_load(sqlite3 *db, int fd, const char *path,
    struct sentlog_count *k, char **cause)
{
	static const char *sql = "INSERT OR REPLACE INTO outbox_outcome "
	    "(outbox_id, at, state) SELECT id, ?4, 'sent' FROM outbox WHERE "
	    "id = ?1 AND attempts = ?2 AND claim = ?3 AND state = 'sending'";
	struct sentlog_apply	 a;
	int			 rc;

	a.db = db;
	a.path = path;
	if (sqlite3_prepare_v2(db, sql, -1, &a.stmt, NULL) != SQLITE_OK) {
		memset(k, 0, sizeof *k);
		xasprintf(cause, "%s: %s", path, sqlite3_errmsg(db));
		return (-1);
	}
	rc = sentlog_read(fd, path, sentlog_apply, &a, k, cause);
	sqlite3_finalize(a.stmt);
	return (rc);
}

/* Says what in a file was not applied: counts and its path only. */
static void
sentlog_report(const char *path, const struct sentlog_count *k)
{
	if (k->ignored > 0 || k->broken > 0)
		log_warnx("outbox: %s: %d line%s named no message being sent "
		    "under its claim, %d %s not whole; ignored", path,
		    k->ignored, k->ignored == 1 ? "" : "s", k->broken,
		    k->broken == 1 ? "was" : "were");
}

int
sentlog_settle(struct sentlog *l, sqlite3 *db)
{
	struct sentlog_count	 k;
	char			*cause = NULL;

	if (!l->dirty || l->fd == -1)
		return (0);
	if (sentlog_load(db, l->fd, l->path, &k, &cause) != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		return (-1);
	}
	sentlog_report(l->path, &k);
	return (0);
}

void
sentlog_clear(struct sentlog *l)
{
	if (!l->dirty || l->fd == -1)
		return;
	/* Lines left by a failure here match nothing once settled. */
	if (ftruncate(l->fd, 0) != 0)
		log_warn("outbox: emptying %s", l->path);
	else
		l->dirty = 0;
}

time_t
sentlog_retry_at(const struct sentlog l[2])
{
	time_t	 at = 0;
	int	 k;

	for (k = 0; k < 2; k++)
		if (l[k].retry != 0 && (at == 0 || l[k].retry_at < at))
			at = l[k].retry_at;
	return (at);
}

void
sentlog_failed(struct sentlog *l, int failed, time_t now)
{
	if (!failed) {
		/* A sweep still to do keeps its own wait (sender_sweep()). */
		if (!l->sweep)
			l->retry = 0;
		return;
	}
	/* 1 s, doubling up to a minute. */
	l->retry = l->retry == 0 ? 1 : l->retry >= SENTLOG_RETRY_MAX / 2 ?
	    SENTLOG_RETRY_MAX : l->retry * 2;
	l->retry_at = now + l->retry;
}

/*
 * Calls fn for every sent log a worker may have left beside database,
 * open read-only; -1 (why in *cause) when one could not be opened or fn
 * failed.
 */
static int
sentlog_each(const char *database, int (*fn)(void *, int fd,
    const char *path, char **cause), void *arg, char **cause)
{
	char	*path;
	int	 fd, i, rc = 0;

	for (i = 0; rc == 0 && i < SENTLOG_FILES; i++) {
		path = sentlog_path(database, i);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			if (errno != ENOENT) {
				xasprintf(cause, "%s: %s", path,
				    strerror(errno));
				rc = -1;
			}
		} else {
			rc = fn(arg, fd, path, cause);
			close(fd);
		}
		free(path);
	}
	return (rc);
}

/* sentlog_recover()'s work on one file. */
static int
sentlog_recover_file(void *arg, int fd, const char *path, char **cause)
{
	struct sentlog_count	 k;

	if (sentlog_load(arg, fd, path, &k, cause) != 0)
		return (-1);
	log_info("outbox: %s: %d message%s settled as sent", path, k.settled,
	    k.settled == 1 ? "" : "s");
	sentlog_report(path, &k);
	return (0);
}

int
sentlog_recover(sqlite3 *db, const char *database, char **cause)
{
	return (sentlog_each(database, sentlog_recover_file, db, cause));
}

/* Adds a line's claim to the list (struct buf) at arg. */
static int
sentlog_claim(void *arg, const long long v[4], char **cause)
{
	struct buf	*b = arg;

	(void)cause;
	buf_addf(b, "%s%lld", b->len > 0 ? "," : "", v[2]);
	return (1);
}

/* sentlog_claims()'s work on one file. */
static int
sentlog_claims_file(void *arg, int fd, const char *path, char **cause)
{
	struct sentlog_count	 k;

	return (sentlog_read(fd, path, sentlog_claim, arg, &k, cause));
}

int
sentlog_claims(const char *database, struct buf *b, char **cause)
{
	return (sentlog_each(database, sentlog_claims_file, b, cause));
}

void
sentlog_remove(const char *database)
{
	char	*path;
	int	 i;

	for (i = 0; i < SENTLOG_FILES; i++) {
		path = sentlog_path(database, i);
		if (unlink(path) != 0 && errno != ENOENT)
			log_warn("outbox: removing %s", path);
		free(path);
	}
}
