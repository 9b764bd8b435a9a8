/*
 * The store: kursusd's SQLite connections. The loop's own (struct store):
 * WAL, foreign keys on, every statement prepared once with bound
 * parameters and kept for the life of the connection, its log's writes
 * gathered (walbuf.c); only the event loop thread touches it. And every
 * other connection kursusd opens, for the feeds' renderers, the sender's
 * threads and the copies of the database (store-copy.c), made by
 * store_connect() with the same settings.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "commit.h"
#include "utf8.h"

struct stmt_entry {
	const char		*sql;	/* key: the pointer, not the text */
	sqlite3_stmt		*stmt;
	struct stmt_entry	*next;
};

#define STMT_BUCKETS	128
#define STORE_READAHEAD	((off_t)64 << 20) /* this small: read ahead at start */

struct store {
	sqlite3			*db;
	char			*path;
	struct stmt_entry	*stmts[STMT_BUCKETS];
	time_t			 now;		/* pinned clock, 0 = real */
	int			 go_no_go_hours;
	int			 holidays;	/* enum holiday_set */
	char			*default_tz;
	uint64_t		 generation;	/* committed transactions */
	struct outbox_conf	*outbox;	/* not ours */
	dev_t			 dev;		/* the file we opened */
	ino_t			 ino;
	int			 gone;		/* logged that it is gone */
	int			 flags;		/* store_connect()'s */
	int			 clone;		/* a worker's (store_clone()) */
};

/* SQL function utc_iso(epoch): "2026-12-03T09:00:00Z". */
static void
store_fn_utc_iso(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text(ctx,
	    zone_format_utc((time_t)sqlite3_value_int64(argv[0])), -1, free);
}

/* SQL function local_iso(epoch, tzid): "2026-12-03T10:00:00+01:00". */
static void
store_fn_local_iso(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*tz = (const char *)sqlite3_value_text(argv[1]);

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || tz == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text(ctx,
	    zone_format_local(tz, (time_t)sqlite3_value_int64(argv[0])), -1,
	    free);
}

/* SQL function know(): the store's clock, so views agree with the rules. */
static void
store_fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_result_int64(ctx, store_now(sqlite3_user_data(ctx)));
}

static void
store_fn_go_hours(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store	*st = sqlite3_user_data(ctx);

	sqlite3_result_int(ctx, st->go_no_go_hours);
}

static int
store_pragmas(struct store *st, char **cause)
{
	sqlite3_stmt	*stmt;
	const char	*mode;

	/* journal_mode answers with the mode it got; anything but wal fails. */
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &stmt,
	    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		xasprintf(cause, "%s: cannot set WAL mode: %s", st->path,
		    sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		return (-1);
	}
	mode = (const char *)sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		xasprintf(cause, "%s: database refuses WAL mode (got %s)",
		    st->path, mode != NULL ? mode : "nothing");
		sqlite3_finalize(stmt);
		return (-1);
	}
	sqlite3_finalize(stmt);

	/*
	 * 2 MB of pages (SQLite's default, said here on purpose): the
	 * daemon stays under 30 MB resident on a national database, and the
	 * kernel's page cache holds the rest of the file for the next read.
	 */
	if (store_cache_kb(st->db, 2000) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return (-1);
	}
	return (0);
}

int
store_connect(const char *path, int flags, int busy_ms, sqlite3 **out,
    char **cause)
{
	sqlite3	*db = NULL;
	char	*sql, *err = NULL;
	int	 rc, open;

	open = SQLITE_OPEN_NOMUTEX;
	if (flags & STORE_READ)
		open |= SQLITE_OPEN_READONLY;
	else
		open |= SQLITE_OPEN_READWRITE;
	if (flags & STORE_CREATE)
		open |= SQLITE_OPEN_CREATE;
	if ((flags & STORE_GATHER) && (rc = walbuf_register()) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, sqlite3_errstr(rc));
		return (-1);
	}
	if ((rc = sqlite3_open_v2(path, &db, open, (flags & STORE_GATHER) ?
	    WALBUF_VFS : NULL)) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return (-1);
	}
	/* A reader has no writes to make durable, nor keys to check. */
	if (flags & STORE_READ)
		sql = xprintf("PRAGMA busy_timeout=%d", busy_ms);
	else
		sql = xprintf("PRAGMA busy_timeout=%d; PRAGMA foreign_keys=ON;"
		    "PRAGMA synchronous=%s", busy_ms, (flags & STORE_DURABLE) ?
		    "FULL" : "NORMAL");
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, err != NULL ? err :
		    sqlite3_errmsg(db));
		sqlite3_free(err);
		free(sql);
		sqlite3_close(db);
		return (-1);
	}
	free(sql);
	*out = db;
	return (0);
}

/*
 * Keeps kb KiB of db's pages in its cache: a connection that reads each
 * row once keeps the tables' upper pages, the kernel's page cache the
 * rest. SQLite's result code.
 */
int
store_cache_kb(sqlite3 *db, int kb)
{
	char	 sql[40];

	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", kb);
	return (sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/*
 * One daemon per database: an exclusive lock on "path.lock", held for the
 * life of the process (and of its children: a fork shares it). The lock
 * file stays when the daemon stops; it holds the pid of the daemon that
 * has it. A database that is missing where its lock file, WAL or a backup
 * says there was one is not created again unless create is set: it was
 * more likely deleted or moved than never made. Returns the descriptor.
 */
int
store_lock(const char *path, int create, char **cause)
{
	static const char	*traces[] = { ".lock", "-wal", ".backup" };
	struct stat		 sb;
	char			*lock, *trace, buf[32];
	ssize_t			 n;
	size_t			 i;
	int			 fd;

	if (!create && stat(path, &sb) != 0 && errno == ENOENT) {
		for (i = 0; i < sizeof traces / sizeof traces[0]; i++) {
			trace = xprintf("%s%s", path, traces[i]);
			if (lstat(trace, &sb) == 0) {
				xasprintf(cause, "database %s is missing, but "
				    "%s is there: was it deleted or moved? "
				    "Start with --create to begin a new, empty "
				    "one", path, trace);
				free(trace);
				return (-1);
			}
			free(trace);
		}
	}
	lock = xprintf("%s.lock", path);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		xasprintf(cause, "lock file %s: %s", lock, strerror(errno));
		free(lock);
		return (-1);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			n = pread(fd, buf, sizeof buf - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			xasprintf(cause, "database %s is in use by another "
			    "kursusd (pid %s holds %s); one daemon per "
			    "database", path, *buf != '\0' ? buf : "unknown",
			    lock);
		} else
			xasprintf(cause, "locking %s: %s", lock,
			    strerror(errno));
		close(fd);
		free(lock);
		return (-1);
	}
	free(lock);
	store_lock_pid(fd);
	return (fd);
}

/* Writes our pid into the lock file (again after a fork). */
void
store_lock_pid(int fd)
{
	char	 buf[32];
	int	 len;

	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		log_warn("writing the pid into the lock file");
}

/*
 * The database and its WAL and shared-memory files hold names and phone
 * numbers: only kursusd may read them. SQLite gives the WAL and SHM files
 * the database's mode, so a database made with a wide mode before is
 * narrowed here, whatever the umask.
 */
static int
store_private(const char *path, char **cause)
{
	static const char	*suffix[] = { "", "-wal", "-shm" };
	struct stat		 sb;
	char			*file;
	size_t			 i;
	int			 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == 0 && sb.st_size <= STORE_READAHEAD)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
	close(fd);
	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		file = xprintf("%s%s", path, suffix[i]);
		if (stat(file, &sb) == 0 && (sb.st_mode & 077) != 0) {
			if (chmod(file, sb.st_mode & 0700) != 0) {
				xasprintf(cause, "chmod 600 %s: %s", file,
				    strerror(errno));
				free(file);
				return (-1);
			}
			log_info("%s was readable by others; now mode 0600",
			    file);
		}
		free(file);
	}
	return (0);
}

/*
 * Before a schema upgrade: a copy of the old database beside it, named
 * after its schema version ("kursusd.db.pre-v6"), so that a bad upgrade
 * can be undone. None for a new database, nor when there is nothing to
 * migrate (or the database is newer: schema_migrate() refuses it). A copy
 * left by an earlier attempt at the same upgrade is replaced: the
 * database, still at that version, is the newer of the two.
 */
static int
store_pre_upgrade(struct store *st, char **cause)
{
	struct stat	 sb;
	char		*path, *err = NULL;
	int		 v;

	if ((v = schema_version(st->db)) <= 0 || v >= SCHEMA_VERSION)
		return (0);
	path = xprintf("%s.pre-v%d", st->path, v);
	if (lstat(path, &sb) == 0)
		log_info("replacing %s, left by an earlier upgrade", path);
	if (store_save_copy(st->db, path, &err) != 0) {
		xasprintf(cause, "refusing to upgrade the schema of %s from "
		    "version %d to %d without a backup: %s", st->path, v,
		    SCHEMA_VERSION, err);
		free(err);
		free(path);
		return (-1);
	}
	log_info("wrote %s, a copy of the database before its schema is "
	    "upgraded from version %d", path, v);
	free(path);
	return (0);
}

/* Each connection's SQL functions; first, for the upgrade and recount. */
static void
store_functions(struct store *st)
{
	/* Search words (fold.h), for the triggers and person_index(). */
	search_functions(st->db);
	stats_month_functions(st->db);
	sqlite3_create_function(st->db, "utc_iso", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, st, store_fn_utc_iso, NULL, NULL);
	sqlite3_create_function(st->db, "local_iso", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, st, store_fn_local_iso, NULL, NULL);
	sqlite3_create_function(st->db, "know", 0, SQLITE_UTF8, st,
	    store_fn_now, NULL, NULL);
	sqlite3_create_function(st->db, "kgo_hours", 0, SQLITE_UTF8, st,
	    store_fn_go_hours, NULL, NULL);
}

/* The temporary views and triggers each connection of ours has. */
static int
store_views(struct store *st, char **cause)
{
	/*
	 * The loop's statement journals in memory: a group commit runs each
	 * request in a savepoint, whose journal outgrows SQLite's 64 KiB and
	 * went to a new temporary file at every commit (open, unlink, ~400
	 * writes: 836 against 562 us of CPU per registration; for the 1,000
	 * outbox rows of one reminder request 19,000 writes, 31 % of the
	 * loop's time). Sorts still spill to files of their own. Set after the
	 * schema's upgrade and the statistics' recount, whose temporary
	 * tables stay on disk (in memory: 10 MB at the start, issue 9), and
	 * before the temporary views: changing temp_store drops them. A
	 * worker's connection (imports) keeps the default.
	 */
	if (!st->clone && sqlite3_exec(st->db, "PRAGMA temp_store=MEMORY",
	    NULL, NULL, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return (-1);
	}
	if (schema_views(st->db, cause) != 0 ||
	    stats_month_views(st->db, cause) != 0)
		return (-1);
	return (0);
}

int
store_open(const char *path, int synchronous, struct store **out,
    char **cause)
{
	struct stat	 sb;
	struct store	*st;
	char		*dir;
	const char	*slash;

	/* Like the socket's, the database's own directory is made if missing. */
	if ((slash = strrchr(path, '/')) != NULL && slash != path) {
		dir = xstrndup(path, (size_t)(slash - path));
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			xasprintf(cause, "creating %s: %s", dir,
			    strerror(errno));
			free(dir);
			return (-1);
		}
		free(dir);
	}
	if (store_private(path, cause) != 0)
		return (-1);
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	st->go_no_go_hours = 48;
	st->holidays = HOLIDAYS_CUSTOMARY;
	st->default_tz = xstrdup("Europe/Copenhagen");
	/*
	 * The loop's waits for a lock: busy_loop() below (busy.c), so no
	 * timeout here. A lock held longer is waited for off the loop.
	 */
	st->flags = synchronous == CONFIG_SYNC_FULL ? STORE_DURABLE : 0;
	if (store_connect(path, STORE_CREATE | STORE_GATHER | st->flags, 0,
	    &st->db, cause) != 0) {
		store_close(st);
		return (-1);
	}
	busy_loop(st->db);
	sqlite3_extended_result_codes(st->db, 1);
	if (stat(path, &sb) == 0) {
		st->dev = sb.st_dev;
		st->ino = sb.st_ino;
	}
	/* Before anything changes the file, WAL mode included. */
	if (store_pre_upgrade(st, cause) != 0)
		goto fail;
	if (store_pragmas(st, cause) != 0)
		goto fail;
	store_functions(st);
	if (schema_migrate(st->db, cause) != 0 || stats_month_prepare(st->db,
	    cause) != 0 || store_views(st, cause) != 0)
		goto fail;
	*out = st;
	return (0);

fail:
	store_close(st);
	return (-1);
}

/*
 * A store for a worker (job.c), made on the loop: st's settings as they
 * are now, and no connection yet. The worker opens its own
 * (store_clone_open()) and closes it with store_close(). Its commits are
 * not seen by st's update hook or counted in st's generation: the loop
 * calls store_note_commit() on st once the worker committed.
 */
struct store *
store_clone(struct store *st)
{
	struct store	*c = xcalloc(1, sizeof *c);

	c->path = xstrdup(st->path);
	c->now = st->now;
	c->go_no_go_hours = st->go_no_go_hours;
	c->holidays = st->holidays;
	c->default_tz = xstrdup(st->default_tz);
	c->dev = st->dev;
	c->ino = st->ino;
	c->flags = st->flags;
	c->clone = 1;
	return (c);
}

struct store *
store_clone_reader(struct store *st)
{
	struct store	*c = store_clone(st);

	c->flags = STORE_READ;
	return (c);
}

/*
 * The worker's own connection, writing as durably as the loop's and
 * waiting up to busy_ms for a lock (a thread may wait; the loop may not).
 */
int
store_clone_open(struct store *c, int busy_ms, char **cause)
{
	if (store_connect(c->path, c->flags, busy_ms, &c->db, cause) != 0)
		return (-1);
	sqlite3_extended_result_codes(c->db, 1);
	store_functions(c);
	return (store_views(c, cause));
}

/* A worker committed through a clone of st: the feeds look again. */
void
store_note_commit(struct store *st)
{
	st->generation++;
}

void
store_close(struct store *st)
{
	struct stmt_entry	*e, *next;
	size_t			 i;

	if (st == NULL)
		return;
	for (i = 0; i < STMT_BUCKETS; i++) {
		for (e = st->stmts[i]; e != NULL; e = next) {
			next = e->next;
			sqlite3_finalize(e->stmt);
			free(e);
		}
	}
	/* Checkpoint so the -wal file does not outlive us needlessly. */
	if (st->db != NULL && !st->clone)
		sqlite3_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
		    NULL, NULL);
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_warnx("closing %s: %s", st->path, sqlite3_errmsg(st->db));
	free(st->default_tz);
	free(st->path);
	free(st);
}

sqlite3 *
store_db(struct store *st)
{
	return (st->db);
}

/* Whether a commit of st's waits for the disk (synchronous=FULL). */
int
store_durable(struct store *st)
{
	return ((st->flags & STORE_DURABLE) != 0);
}

/*
 * The next commits write the log without waiting for the disk (wait 0:
 * durable.c waits instead), or wait again as st's settings say. Outside
 * a transaction (SQLite refuses it within). 0, or -1 with f filled.
 */
int
store_sync_wait(struct store *st, int wait, struct fail *f)
{
	char	*err = NULL;

	if (sqlite3_exec(st->db, wait && (st->flags & STORE_DURABLE) ?
	    "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
	    NULL, &err) == SQLITE_OK)
		return (0);
	fail_set(f, 503, NULL, "the database: %s", err != NULL ? err :
	    sqlite3_errmsg(st->db));
	sqlite3_free(err);
	return (-1);
}

const char *
store_path(struct store *st)
{
	return (st->path);
}

time_t
store_now(struct store *st)
{
	return (st->now != 0 ? st->now : time(NULL));
}

void
store_set_now(struct store *st, time_t now)
{
	st->now = now;
}

void
store_set_holidays(struct store *st, int set)
{
	st->holidays = set;
}

int
store_holidays(struct store *st)
{
	return (st->holidays);
}

void
store_set_go_no_go_hours(struct store *st, int hours)
{
	st->go_no_go_hours = hours;
}

void
store_set_default_timezone(struct store *st, const char *tz)
{
	free(st->default_tz);
	st->default_tz = xstrdup(tz);
}

void
store_set_outbox(struct store *st, struct outbox_conf *oc)
{
	st->outbox = oc;
}

struct outbox_conf *
store_outbox(struct store *st)
{
	return (st->outbox);
}

const char *
store_default_timezone(struct store *st)
{
	return (st->default_tz);
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql)
{
	struct stmt_entry	*e;
	size_t			 h;

	h = ((uintptr_t)sql >> 3) % STMT_BUCKETS;
	for (e = st->stmts[h]; e != NULL; e = e->next) {
		if (e->sql == sql) {
			sqlite3_reset(e->stmt);
			sqlite3_clear_bindings(e->stmt);
			return (e->stmt);
		}
	}
	e = xcalloc(1, sizeof *e);
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &e->stmt, NULL) != SQLITE_OK)
		fatalx("preparing \"%s\": %s", sql, sqlite3_errmsg(st->db));
	e->sql = sql;
	e->next = st->stmts[h];
	st->stmts[h] = e;
	return (e->stmt);
}

static void
store_bind(sqlite3_stmt *stmt, const char *types, va_list ap)
{
	const char	*s;
	int		 i;

	for (i = 1; types != NULL && *types != '\0'; types++, i++) {
		switch (*types) {
		case 'i':
			sqlite3_bind_int64(stmt, i, va_arg(ap, int64_t));
			break;
		case 't':
			s = va_arg(ap, const char *);
			if (s == NULL)
				sqlite3_bind_null(stmt, i);
			else
				sqlite3_bind_text(stmt, i, s, -1,
				    SQLITE_TRANSIENT);
			break;
		case 'd':
			sqlite3_bind_double(stmt, i, va_arg(ap, double));
			break;
		case 'n':
			sqlite3_bind_null(stmt, i);
			break;
		default:
			fatalx("store_bind: type '%c'", *types);
		}
	}
}

int
store_fail(struct store *st, struct fail *f)
{
	int	 code = sqlite3_extended_errcode(st->db);

	if ((code & 0xff) == SQLITE_CONSTRAINT)
		return (fail_set(f, 409, NULL, "conflict: %s",
		    sqlite3_errmsg(st->db)));
	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		return (fail_set(f, 503, NULL, "the database is locked by "
		    "another program; nothing was written, retry"));
	if ((code & 0xff) == SQLITE_FULL)
		return (fail_set(f, 507, NULL, "the disk is full: %s",
		    sqlite3_errmsg(st->db)));
	log_warnx("sqlite: %s", sqlite3_errmsg(st->db));
	return (fail_set(f, 500, NULL, "database error: %s",
	    sqlite3_errmsg(st->db)));
}

/* Whether f is store_fail()'s 503 for a lock another connection holds. */
int
store_locked(const struct fail *f)
{
	static const char	 locked[] = "the database is locked ";

	return (f->status == 503 &&
	    strncmp(f->msg, locked, sizeof locked - 1) == 0);
}

int
store_exec(struct store *st, struct fail *f, const char *sql,
    const char *types, ...)
{
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	va_list		 ap;
	int		 rc;

	va_start(ap, types);
	store_bind(stmt, types, ap);
	va_end(ap);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		store_fail(st, f);
		sqlite3_reset(stmt);
		return (-1);
	}
	sqlite3_reset(stmt);
	return (sqlite3_changes(st->db));
}

int64_t
store_int(struct store *st, int64_t dflt, const char *sql,
    const char *types, ...)
{
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	va_list		 ap;
	int64_t		 v = dflt;

	va_start(ap, types);
	store_bind(stmt, types, ap);
	va_end(ap);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return (v);
}

const char *
store_col(sqlite3_stmt *stmt, int i)
{
	return ((const char *)sqlite3_column_text(stmt, i));
}

char *
store_col_dup(sqlite3_stmt *stmt, int i)
{
	return (xstrdupnull(store_col(stmt, i)));
}

static json_t *
store_column_json(sqlite3_stmt *stmt)
{
	const char	*text = (const char *)sqlite3_column_text(stmt, 0);
	json_error_t	 err;
	json_t		*j;

	if (text == NULL)
		return (NULL);
	if ((j = json_loads(text, 0, &err)) == NULL)
		fatalx("view produced bad JSON: %s", err.text);
	return (j);
}

sqlite3_stmt *
store_stmt_bound(struct store *st, const char *sql, const char *types, ...)
{
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	va_list		 ap;

	va_start(ap, types);
	store_bind(stmt, types, ap);
	va_end(ap);
	return (stmt);
}

json_t *
store_json(struct store *st, const char *sql, const char *types, ...)
{
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	va_list		 ap;
	json_t		*j = NULL;

	va_start(ap, types);
	store_bind(stmt, types, ap);
	va_end(ap);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		j = store_column_json(stmt);
	sqlite3_reset(stmt);
	return (j);
}

json_t *
store_json_array(struct store *st, const char *sql, const char *types, ...)
{
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	va_list		 ap;
	json_t		*a = json_array(), *j;

	va_start(ap, types);
	store_bind(stmt, types, ap);
	va_end(ap);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if ((j = store_column_json(stmt)) != NULL)
			json_array_append_new(a, j);
	}
	sqlite3_reset(stmt);
	return (a);
}

/*
 * Whether the database file is still the one we opened: deleted or
 * replaced under us, writes would go to a file nobody will ever open
 * again. Checked before each write transaction, a stat() each.
 */
static int
store_check_file(struct store *st, struct fail *f)
{
	struct stat	 sb;

	if (st->ino == 0)
		return (0);
	if (stat(st->path, &sb) == 0 && sb.st_dev == st->dev &&
	    sb.st_ino == st->ino) {
		if (st->gone) {
			log_info("database %s is back", st->path);
			st->gone = 0;
		}
		return (0);
	}
	if (!st->gone) {
		log_warnx("database %s was deleted or replaced while kursusd "
		    "ran; refusing every change until it is restarted",
		    st->path);
		st->gone = 1;
	}
	return (fail_set(f, 503, NULL, "the database file %s was deleted or "
	    "replaced while kursusd ran; nothing was written. Restore it "
	    "and restart kursusd", st->path));
}

int
store_begin(struct store *st, struct fail *f)
{
	static const char	*sql = "BEGIN IMMEDIATE";

	if (store_check_file(st, f) != 0)
		return (-1);
	return (store_exec(st, f, sql, NULL) < 0 ? -1 : 0);
}

int
store_commit(struct store *st, struct fail *f)
{
	static const char	*sql = "COMMIT";

	if (store_exec(st, f, sql, NULL) < 0) {
		store_rollback(st);
		return (-1);
	}
	st->generation++;
	/* What the transaction counted (registrations) now stands. */
	if (!st->clone)
		metrics_commit();
	return (0);
}

uint64_t
store_generation(struct store *st)
{
	return (st->generation);
}

void
store_rollback(struct store *st)
{
	static const char	*sql = "ROLLBACK";

	if (!st->clone)
		metrics_abort();
	if (sqlite3_get_autocommit(st->db))
		return;
	store_exec(st, NULL, sql, NULL);
}

int
store_schema_version(struct store *st)
{
	static const char	*sql = "PRAGMA user_version";

	return ((int)store_int(st, 0, sql, NULL));
}
