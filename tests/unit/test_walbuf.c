/*
 * Unit tests for daemon/walbuf.c, the VFS that gathers the loop's log
 * writes into one per commit (STORE_GATHER). What must hold:
 * - another connection (the default VFS, as every other thread's) sees a
 *   commit as soon as COMMIT returns, small or larger than the buffer;
 * - frames of a transaction rolled back do not land on a later
 *   transaction of another connection;
 * - a commit whose gathered write fails says so at COMMIT, nothing of it
 *   is seen, and the connection writes again once the disk takes it;
 * - a connection reads back the frames it has gathered.
 * Writes are made to fail by a VFS of the test's own under walbuf.c's
 * (fault_*), the default one while the tests run.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kursusd.h"
#include "unittest.h"

/* Which writes to a log the fault VFS fails. */
enum fault {
	FAULT_NONE,
	FAULT_ALL,
	FAULT_COMMIT_HEADER,	/* a commit frame's header written alone */
	FAULT_AFTER_SYNC,	/* any, once a log was synced */
};

struct fault_file {
	sqlite3_file	 base;
	sqlite3_file	*real;
	int		 log;		/* a -wal file */
};

static sqlite3_vfs	*fault_real;
static sqlite3_vfs	 fault_vfs;
static enum fault	 fault_mode;
static int		 fault_count;	/* writes failed */
static int		 fault_writes;	/* writes to a log made */
static int		 fault_synced;	/* FAULT_AFTER_SYNC: a log was */

struct pair {
	char	 dir[300];
	char	*path;
	sqlite3	*gather;	/* the loop's kind */
	sqlite3	*other;		/* any other thread's */
};

static int
fault_close(sqlite3_file *p)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xClose(f->real));
}

static int
fault_read(sqlite3_file *p, void *buf, int n, sqlite3_int64 off)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xRead(f->real, buf, n, off));
}

static int
fault_write(sqlite3_file *p, const void *data, int n, sqlite3_int64 off)
{
	struct fault_file	*f = (struct fault_file *)p;
	const unsigned char	*d = data;

	if (f->log && (fault_mode == FAULT_ALL ||
	    (fault_mode == FAULT_COMMIT_HEADER && n == 24 &&
	    (d[4] | d[5] | d[6] | d[7]) != 0) ||
	    (fault_mode == FAULT_AFTER_SYNC && fault_synced))) {
		fault_count++;
		return (SQLITE_IOERR_WRITE);
	}
	if (f->log)
		fault_writes++;
	return (f->real->pMethods->xWrite(f->real, data, n, off));
}

static int
fault_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xTruncate(f->real, size));
}

static int
fault_sync(sqlite3_file *p, int flags)
{
	struct fault_file	*f = (struct fault_file *)p;

	if (f->log && fault_mode == FAULT_AFTER_SYNC)
		fault_synced = 1;
	return (f->real->pMethods->xSync(f->real, flags));
}

static int
fault_size(sqlite3_file *p, sqlite3_int64 *size)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xFileSize(f->real, size));
}

static int
fault_lock(sqlite3_file *p, int lock)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xLock(f->real, lock));
}

static int
fault_unlock(sqlite3_file *p, int lock)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xUnlock(f->real, lock));
}

static int
fault_reserved(sqlite3_file *p, int *out)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xCheckReservedLock(f->real, out));
}

static int
fault_control(sqlite3_file *p, int op, void *arg)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xFileControl(f->real, op, arg));
}

static int
fault_sector(sqlite3_file *p)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xSectorSize(f->real));
}

static int
fault_device(sqlite3_file *p)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xDeviceCharacteristics(f->real));
}

static int
fault_shm_map(sqlite3_file *p, int page, int size, int extend,
    void volatile **out)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xShmMap(f->real, page, size, extend, out));
}

static int
fault_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xShmLock(f->real, offset, n, flags));
}

static void
fault_shm_barrier(sqlite3_file *p)
{
	struct fault_file	*f = (struct fault_file *)p;

	f->real->pMethods->xShmBarrier(f->real);
}

static int
fault_shm_unmap(sqlite3_file *p, int delete)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xShmUnmap(f->real, delete));
}

static int
fault_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xFetch(f->real, off, n, out));
}

static int
fault_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
	struct fault_file	*f = (struct fault_file *)p;

	return (f->real->pMethods->xUnfetch(f->real, off, page));
}

static const sqlite3_io_methods fault_methods = {
	3, fault_close, fault_read, fault_write, fault_truncate, fault_sync,
	fault_size, fault_lock, fault_unlock, fault_reserved, fault_control,
	fault_sector, fault_device, fault_shm_map, fault_shm_lock,
	fault_shm_barrier, fault_shm_unmap, fault_fetch, fault_unfetch,
};

static int
fault_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags,
    int *out)
{
	struct fault_file	*f = (struct fault_file *)p;
	int			 rc;

	(void)vfs;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	f->log = (flags & SQLITE_OPEN_WAL) != 0;
	rc = fault_real->xOpen(fault_real, name, f->real, flags, out);
	if (f->real->pMethods != NULL)
		p->pMethods = &fault_methods;
	return (rc);
}

/*
 * The default VFS from now on, a copy of the one before it but for its
 * files, so that walbuf.c's first use finds it.
 */
static void
fault_register(void)
{
	fault_real = sqlite3_vfs_find(NULL);
	assert_non_null(fault_real);
	fault_vfs = *fault_real;
	fault_vfs.pNext = NULL;
	fault_vfs.zName = "test-fault";
	fault_vfs.szOsFile = (int)sizeof(struct fault_file) +
	    fault_real->szOsFile;
	fault_vfs.xOpen = fault_open;
	assert_int_equal(sqlite3_vfs_register(&fault_vfs, 1), SQLITE_OK);
}

static void
run(sqlite3 *db, const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static sqlite3_int64
number(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	sqlite3_int64	 n;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (n);
}

static int
setup(void **state)
{
	struct pair	*p = xcalloc(1, sizeof *p);
	char		*cause = NULL;

	assert_int_equal(unit_tmpdir(p->dir, sizeof p->dir, "walbuf"), 0);
	p->path = xprintf("%s/db", p->dir);
	if (store_connect(p->path, STORE_CREATE | STORE_GATHER, 1000,
	    &p->gather, &cause) != 0)
		fail_msg("%s", cause);
	run(p->gather, "PRAGMA journal_mode=WAL;"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
	if (store_connect(p->path, 0, 1000, &p->other, &cause) != 0)
		fail_msg("%s", cause);
	/* The log is never started over under a test. */
	run(p->gather, "PRAGMA wal_autocheckpoint=0");
	run(p->other, "PRAGMA wal_autocheckpoint=0");
	fault_mode = FAULT_NONE;
	fault_count = 0;
	fault_synced = 0;
	*state = p;
	return (0);
}

static int
teardown(void **state)
{
	struct pair	*p = *state;
	char		*f;
	const char	*ext[] = { "", "-wal", "-shm" };
	size_t		 i;

	sqlite3_close(p->gather);
	sqlite3_close(p->other);
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		f = xprintf("%s%s", p->path, ext[i]);
		unlink(f);
		free(f);
	}
	rmdir(p->dir);
	free(p->path);
	free(p);
	return (0);
}

/* n rows of size bytes each, in one transaction of db's. */
static int
insert(sqlite3 *db, int n, int size)
{
	char	 sql[192];
	int	 rc;

	snprintf(sql, sizeof sql, "BEGIN; WITH RECURSIVE c(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM c WHERE i < %d) INSERT INTO t(v) "
	    "SELECT randomblob(%d) FROM c", n, size);
	run(db, sql);
	if ((rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return (rc);
}

static void
test_seen_at_commit(void **state)
{
	struct pair	*p = *state;

	/* one frame or two; then ~3 MB, more than the buffer holds */
	assert_int_equal(insert(p->gather, 1, 10), SQLITE_OK);
	assert_int_equal(number(p->other, "SELECT count(*) FROM t"), 1);
	assert_int_equal(insert(p->gather, 3000, 1000), SQLITE_OK);
	assert_int_equal(number(p->other, "SELECT count(*) FROM t"), 3001);
	assert_int_equal(number(p->other, "SELECT sum(length(v)) FROM t"),
	    10 + 3000 * 1000);
	/* and the other way round, read back by the gathering one */
	assert_int_equal(insert(p->other, 10, 100), SQLITE_OK);
	assert_int_equal(number(p->gather, "SELECT count(*) FROM t"), 3011);
	assert_int_equal(number(p->other, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

static void
test_rollback_left_behind(void **state)
{
	struct pair	*p = *state;

	/* a cache of 20 pages: the transaction spills frames to the log */
	run(p->gather, "PRAGMA cache_size=20; BEGIN;"
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
	    "WHERE i < 2000) INSERT INTO t(v) SELECT randomblob(500) FROM c;"
	    "ROLLBACK");
	assert_int_equal(insert(p->other, 50, 300), SQLITE_OK);
	assert_int_equal(insert(p->gather, 5, 200), SQLITE_OK);
	assert_int_equal(number(p->gather, "SELECT count(*) FROM t"), 55);
	assert_int_equal(number(p->other, "SELECT sum(length(v)) FROM t"),
	    50 * 300 + 5 * 200);
	assert_int_equal(number(p->other, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

static void
test_failed_commit(void **state)
{
	struct pair	*p = *state;
	struct rlimit	 was, small;
	struct stat	 sb;
	char		*wal = xprintf("%s-wal", p->path);
	int		 rc;

	assert_int_equal(insert(p->gather, 10, 100), SQLITE_OK);
	assert_int_equal(stat(wal, &sb), 0);
	/* a file may grow 32 KiB more; the commit below needs ~300 KiB */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	small = was;
	small.rlim_cur = (rlim_t)sb.st_size + 32768;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = insert(p->gather, 300, 1000);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	assert_int_not_equal(rc, SQLITE_OK);
	assert_int_equal(number(p->other, "SELECT count(*) FROM t"), 10);
	assert_int_equal(number(p->gather, "SELECT count(*) FROM t"), 10);
	/* the disk takes it again */
	assert_int_equal(insert(p->gather, 300, 1000), SQLITE_OK);
	assert_int_equal(number(p->other, "SELECT count(*) FROM t"), 310);
	/*
	 * A commit of a few frames the buffer holds whole: its one write,
	 * made when the commit frame's page is in, fails, and COMMIT says
	 * so.
	 */
	fault_mode = FAULT_ALL;
	rc = insert(p->gather, 3, 3000);
	fault_mode = FAULT_NONE;
	assert_int_not_equal(rc, SQLITE_OK);
	assert_int_equal(fault_count, 1);
	assert_int_equal(number(p->other, "SELECT count(*) FROM t"), 310);
	assert_int_equal(number(p->gather, "SELECT count(*) FROM t"), 310);
	assert_int_equal(insert(p->gather, 3, 3000), SQLITE_OK);
	assert_int_equal(number(p->other, "SELECT count(*) FROM t"), 313);
	assert_int_equal(number(p->other, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	free(wal);
}

/*
 * A transaction rolled back while the frames it spilled (~14, less than
 * the buffer) are gathered: another connection's next commit is written
 * where they are, so they must reach the file before the write lock is
 * released (SQLite's rollback reads page 1 again, then unlocks), not when
 * the gathering connection writes or reads next.
 */
static void
test_rollback_gathered(void **state)
{
	struct pair	*p = *state;

	run(p->gather, "PRAGMA cache_size=20; BEGIN;"
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
	    "WHERE i < 30) INSERT INTO t(v) SELECT randomblob(3000) FROM c;"
	    "ROLLBACK");
	assert_int_equal(insert(p->other, 30, 3000), SQLITE_OK);
	assert_int_equal(number(p->gather, "SELECT sum(length(v)) FROM t"),
	    30 * 3000);
	assert_int_equal(insert(p->gather, 5, 200), SQLITE_OK);
	assert_int_equal(number(p->other, "SELECT sum(length(v)) FROM t"),
	    30 * 3000 + 5 * 200);
	assert_int_equal(number(p->other, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

/*
 * Pages a transaction spilled to the log, still gathered, read back by
 * the same transaction: from the file, so they must be in it.
 */
static void
test_read_back(void **state)
{
	struct pair	*p = *state;

	run(p->gather, "PRAGMA cache_size=20; BEGIN;"
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
	    "WHERE i < 30) INSERT INTO t(v) SELECT randomblob(3000) FROM c");
	assert_int_equal(number(p->gather, "SELECT count(*) FROM t WHERE "
	    "length(v) = 3000"), 30);
	run(p->gather, "COMMIT");
	assert_int_equal(number(p->other, "SELECT count(*) FROM t WHERE "
	    "length(v) = 3000"), 30);
	assert_int_equal(number(p->other, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

/*
 * A transaction that writes pages to the log twice: the second frames
 * are written over the first, and COMMIT writes the headers of the
 * frames again with new checksums (walRewriteChecksums()), the commit
 * frame's last, with no page after it. Two new rows at the end make the
 * commit frame follow a frame written anew, so its first write goes
 * with the frame before it. The header's failed rewrite fails COMMIT,
 * nothing of the transaction is seen, and the connection writes on; the
 * same transaction then commits whole.
 */
#define REWRITES	"PRAGMA cache_size=20; BEGIN;"			\
	"UPDATE t SET v = randomblob(2900);"				\
	"UPDATE t SET v = randomblob(2800);"				\
	"INSERT INTO t(v) VALUES (randomblob(3000)), (randomblob(3000))"

static void
test_rewritten_commit(void **state)
{
	struct pair	*p = *state;
	int		 rc;

	assert_int_equal(insert(p->gather, 30, 3000), SQLITE_OK);
	run(p->gather, REWRITES);
	fault_mode = FAULT_COMMIT_HEADER;
	rc = sqlite3_exec(p->gather, "COMMIT", NULL, NULL, NULL);
	fault_mode = FAULT_NONE;
	if (rc != SQLITE_OK)
		sqlite3_exec(p->gather, "ROLLBACK", NULL, NULL, NULL);
	assert_int_not_equal(rc, SQLITE_OK);
	assert_int_equal(fault_count, 1);
	assert_int_equal(number(p->other, "SELECT sum(length(v)) FROM t"),
	    30 * 3000);
	run(p->gather, REWRITES);
	run(p->gather, "COMMIT");
	assert_int_equal(number(p->other, "SELECT sum(length(v)) FROM t"),
	    30 * 2800 + 2 * 3000);
	assert_int_equal(number(p->other, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

/*
 * A database on a disk that may spoil a sector's other bytes when it
 * writes some (psow=0 in its URI): SQLite pads each commit of a
 * synchronous=FULL connection with copies of the commit frame up to the
 * next sector and syncs the log in the middle of one (walWriteToLog()),
 * so the commit's last write comes after the sync, not with the commit
 * frame's page. That write's failure fails COMMIT.
 */
static void
test_padded(void **state)
{
	struct pair	*p = *state;
	sqlite3		*db;
	char		*uri;
	int		 rc;

	/* The loop's kind gathers a commit of ~5 frames into one write. */
	fault_writes = 0;
	assert_int_equal(insert(p->gather, 3, 3000), SQLITE_OK);
	assert_int_equal(fault_writes, 1);

	uri = xprintf("file:%s?psow=0", p->path);
	assert_int_equal(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_URI, WALBUF_VFS), SQLITE_OK);
	run(db, "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0");
	fault_writes = 0;
	assert_int_equal(insert(db, 3, 3000), SQLITE_OK);
	assert_true(fault_writes > 1);
	fault_mode = FAULT_AFTER_SYNC;
	rc = insert(db, 3, 3000);
	fault_mode = FAULT_NONE;
	assert_int_not_equal(rc, SQLITE_OK);
	assert_int_not_equal(fault_count, 0);
	assert_int_equal(number(p->other, "SELECT count(*) FROM t"), 6);
	assert_int_equal(insert(db, 3, 3000), SQLITE_OK);
	assert_int_equal(number(p->other, "SELECT count(*) FROM t"), 9);
	assert_int_equal(number(p->other, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	sqlite3_close(db);
	free(uri);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seen_at_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rollback_left_behind,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rollback_gathered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_padded, setup, teardown),
	};

	fault_register();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
