/*
 * The sent log: where a worker records, inside the seal (see sender.c),
 * that the server took a message. One line ("OUTBOX_ID UNIX_TIME\n") a
 * message, appended with one write(2) to a file of the worker's own next
 * to the database ("kursusd.db-sent-N", mode 0600, made at the first
 * message it sends, removed when the worker stops with it settled).
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
 * file is emptied; at start-up, before rows left "sending" are sent
 * again, the same for every file a worker left, which is then removed. A
 * line settled twice (a crash between the commit and the emptying) does
 * nothing: it names a row no longer "sending". A last line without its
 * newline (a write cut short) is not one.
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

#define SENTLOG_LINE	48	/* two int64 in decimal, a blank, a newline */

/* The sent log of worker n (its place in struct sender's workers[]). */
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
sentlog_add(struct sentlog *l, int64_t id, time_t at)
{
	char	 line[SENTLOG_LINE];
	ssize_t	 n;
	int	 len;

	if (l->fd == -1 && (l->fd = open(l->path, O_RDWR | O_APPEND |
	    O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("outbox: %s", l->path);
		return (-1);
	}
	len = snprintf(line, sizeof line, "%" PRId64 " %lld\n", id,
	    (long long)at);
	while ((n = write(l->fd, line, (size_t)len)) == -1 && errno == EINTR)
		;
	if (n != len) {
		/* A piece may have gone: it is no line without its newline,
		 * and the next one starts on a line of its own. */
		if (n > 0)
			(void)write(l->fd, "\n", 1);
		log_warn("outbox: writing %s", l->path);
		return (-1);
	}
	l->dirty = 1;
	return (0);
}

/*
 * Puts the lines of the file open as fd into outbox_outcome, on db in its
 * transaction. -1 (an error in *cause) when they could not be read or
 * written.
 */
static int
sentlog_load(sqlite3 *db, int fd, const char *path, char **cause)
{
	static const char *sql = "INSERT OR REPLACE INTO outbox_outcome "
	    "(outbox_id, at, state) VALUES (?1, ?2, 'sent')";
	sqlite3_stmt	*stmt = NULL;
	struct stat	 st;
	char		*text, *p, *eol, *end;
	long long	 id, at;
	size_t		 got = 0;
	ssize_t		 n;
	int		 rc = 0;

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
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, sqlite3_errmsg(db));
		free(text);
		return (-1);
	}
	for (p = text; rc == 0 && (eol = strchr(p, '\n')) != NULL;
	    p = eol + 1) {
		*eol = '\0';
		errno = 0;
		id = strtoll(p, &end, 10);
		if (end == p || *end != ' ')
			continue;
		at = strtoll(end + 1, &end, 10);
		if (*end != '\0' || errno != 0)
			continue;
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, at);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			xasprintf(cause, "%s: %s", path, sqlite3_errmsg(db));
			rc = -1;
		}
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	free(text);
	return (rc);
}

int
sentlog_settle(struct sentlog *l, sqlite3 *db)
{
	char	*cause = NULL;

	if (!l->dirty || l->fd == -1)
		return (0);
	if (sentlog_load(db, l->fd, l->path, &cause) != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

void
sentlog_clear(struct sentlog *l)
{
	if (!l->dirty || l->fd == -1)
		return;
	if (ftruncate(l->fd, 0) != 0)
		log_warn("outbox: emptying %s", l->path);
	else
		l->dirty = 0;
}

int
sentlog_recover(sqlite3 *db, const char *database, char **cause)
{
	char	*path;
	int	 fd, i, rc = 0;

	for (i = 0; rc == 0 && i < SENDER_MAX_WORKERS; i++) {
		path = sentlog_path(database, i);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			if (errno != ENOENT) {
				xasprintf(cause, "%s: %s", path,
				    strerror(errno));
				rc = -1;
			}
		} else {
			rc = sentlog_load(db, fd, path, cause);
			close(fd);
		}
		free(path);
	}
	return (rc);
}

void
sentlog_remove(const char *database)
{
	char	*path;
	int	 i;

	for (i = 0; i < SENDER_MAX_WORKERS; i++) {
		path = sentlog_path(database, i);
		if (unlink(path) != 0 && errno != ENOENT)
			log_warn("outbox: removing %s", path);
		free(path);
	}
}
