/*
 * Copies of the database: SQLite's online backup API in small steps
 * inside one read transaction of the source (store_copy(), backup.c's),
 * and a copy written whole or not at all
 * (store_save_copy(), the one before a schema upgrade).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kursusd.h"

#define COPY_PAGES	256	/* pages one step of a copy takes */
#define COPY_BUSY_MS	5000	/* a copy waits this long for a lock */

/*
 * The database of src ("main") into dest, an empty file, through SQLite's
 * online backup API in steps of COPY_PAGES pages, all of them inside one
 * read transaction of src: the copy is the database as it was when the
 * copy began, whatever other connections commit meanwhile (the WAL keeps
 * their writes apart), and never starts over. dest needs no journal and
 * no syncs on the way: a copy that breaks off is thrown away whole, and
 * the caller syncs a copy it keeps. A set *stop (may be NULL) breaks off.
 * 0, or -1 with f filled: 507 when the disk is full.
 */
int
store_copy(sqlite3 *src, const char *dest, const atomic_int *stop,
    struct fail *f)
{
	sqlite3		*db;
	sqlite3_backup	*bk;
	char		*cause = NULL;
	int		 rc, code, began = 0, waited = 0;

	if (store_connect(dest, 0, 0, &db, &cause) != 0) {
		fail_set(f, 500, NULL, "%s", cause);
		free(cause);
		return (-1);
	}
	if (sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF",
	    NULL, NULL, NULL) != SQLITE_OK) {
		rc = sqlite3_extended_errcode(db);
		goto done;
	}
	if (sqlite3_get_autocommit(src)) {
		if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema",
		    NULL, NULL, NULL) != SQLITE_OK) {
			fail_set(f, 500, NULL, "reading the database: %s",
			    sqlite3_errmsg(src));
			sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
			sqlite3_close(db);
			return (-1);
		}
		began = 1;
	}
	if ((bk = sqlite3_backup_init(db, "main", src, "main")) == NULL) {
		rc = sqlite3_extended_errcode(db);
		goto done;
	}
	do {
		if (stop != NULL && atomic_load(stop)) {
			rc = SQLITE_INTERRUPT;
			break;
		}
		rc = sqlite3_backup_step(bk, COPY_PAGES);
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
			if ((waited += 10) > COPY_BUSY_MS)
				break;
			sqlite3_sleep(10);
			rc = SQLITE_OK;
		}
	} while (rc == SQLITE_OK);
	if ((code = sqlite3_backup_finish(bk)) != SQLITE_OK && rc == SQLITE_DONE)
		rc = code;

done:
	if (began)
		sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_DONE || rc == SQLITE_OK)
		rc = SQLITE_OK;
	else if (rc == SQLITE_INTERRUPT)
		fail_set(f, 503, NULL, "kursusd is stopping; the copy was not "
		    "finished");
	else if ((rc & 0xff) == SQLITE_FULL)
		fail_set(f, 507, NULL, "the disk is full: no room for the copy "
		    "in %s", dest);
	else
		fail_set(f, 500, NULL, "copying the database into %s: %s", dest,
		    sqlite3_errstr(rc));
	sqlite3_close(db);
	return (rc == SQLITE_OK ? 0 : -1);
}

/* Makes a rename in path's directory durable. */
static int
store_sync_dir(const char *path)
{
	char	*dir = xdirname(path);
	int	 fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) != 0)
		rc = -1;
	if (fd != -1)
		close(fd);
	free(dir);
	return (rc);
}

/*
 * A copy of src's database at path, written whole or not at all: into a
 * new file beside it (0600), synced, renamed over path, the directory
 * synced. -1 with *cause naming the file and why.
 */
int
store_save_copy(sqlite3 *src, const char *path, char **cause)
{
	struct fail	 f;
	char		*tmp;
	int		 fd;

	tmp = xprintf("%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return (-1);
	}
	if (store_copy(src, tmp, NULL, &f) != 0) {
		xasprintf(cause, "cannot write %s: %s", path, f.msg);
		goto fail;
	}
	if (fsync(fd) != 0 || rename(tmp, path) != 0 ||
	    store_sync_dir(path) != 0) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	free(tmp);
	return (0);
fail:
	close(fd);
	unlink(tmp);
	free(tmp);
	return (-1);
}
