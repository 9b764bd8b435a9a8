/*
 * Unit tests for daemon/walbuf.c, the VFS that gathers the loop's log
 * writes into one per commit (STORE_GATHER). What must hold:
 * - another connection (the default VFS, as every other thread's) sees a
 *   commit as soon as COMMIT returns, small or larger than the buffer;
 * - frames of a transaction rolled back do not land on a later
 *   transaction of another connection;
 * - a commit whose gathered write fails says so at COMMIT, nothing of it
 *   is seen, and the connection writes again once the disk takes it.
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

struct pair {
	char	 dir[64];
	char	*path;
	sqlite3	*gather;	/* the loop's kind */
	sqlite3	*other;		/* any other thread's */
};

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

	snprintf(p->dir, sizeof p->dir, "/tmp/test_walbuf.XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	p->path = xprintf("%s/db", p->dir);
	if (store_connect(p->path, STORE_CREATE | STORE_GATHER, 1000,
	    &p->gather, &cause) != 0)
		fail_msg("%s", cause);
	run(p->gather, "PRAGMA journal_mode=WAL;"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
	if (store_connect(p->path, 0, 1000, &p->other, &cause) != 0)
		fail_msg("%s", cause);
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
	assert_int_equal(number(p->other, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	free(wal);
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
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
