/*
 * Unit tests of the outbox's planning rules, without a database: reminder
 * rules ("email:2d,sms:1d@10:00"), when a rule fires in local time across
 * both DST changes, and the SMS quiet hours (moving a time to the last
 * allowed minute before them, or to their end); with a database, the
 * kinds the schema takes and a worker's transaction that cannot begin.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "calendars.h"
#include "kursusd.h"
#include "notifier.h"
#include "sender.h"
#include "unittest.h"

#define CPH	"Europe/Copenhagen"

/* Local Copenhagen times as UTC seconds (worked out with Python's
 * zoneinfo, independently of libical). */
#define DEC3_1000	((time_t)1796288400)	/* Thu 2026-12-03 10:00 +01 */
#define DEC2_1000	((time_t)1796202000)
#define DEC2_2059	((time_t)1796241540)
#define DEC3_0700	((time_t)1796277600)
#define DEC3_0800	((time_t)1796281200)
#define DEC3_2330	((time_t)1796337000)
#define DEC4_0800	((time_t)1796367600)
#define MAR29_1000	((time_t)1774771200)	/* first day of summer time */
#define MAR28_1000	((time_t)1774688400)
#define MAR27_1000	((time_t)1774602000)
#define OCT25_1000	((time_t)1792918800)	/* first day of winter time */
#define OCT24_1000	((time_t)1792828800)

static void
test_rules_parse(void **state)
{
	struct reminder_rule	*r;
	size_t			 n;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(reminder_rules_parse("email:2d, sms:1d@10:00", &r, &n,
	    &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].channel, CHANNEL_EMAIL);
	assert_int_equal(r[0].amount, 2);
	assert_int_equal(r[0].unit, 'd');
	assert_int_equal(r[0].at, -1);
	assert_int_equal(r[1].channel, CHANNEL_SMS);
	assert_int_equal(r[1].at, 10 * 60);
	free(r);

	assert_int_equal(reminder_rules_parse("sms:90m,email:3h", &r, &n,
	    &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].unit, 'm');
	assert_int_equal(r[0].amount, 90);
	assert_int_equal(r[1].unit, 'h');
	free(r);

	/* No rules at all is allowed: no reminders. */
	assert_int_equal(reminder_rules_parse("", &r, &n, &cause), 0);
	assert_int_equal(n, 0);
	free(r);
}

/* A rule text that is refused, with a cause naming want. */
static void
refused(const char *text, const char *want)
{
	char	*cause = NULL;

	if (reminder_rules_check(text, &cause) == 0)
		fail_msg("\"%s\" was accepted", text);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("\"%s\": cause \"%s\" does not name \"%s\"", text,
		    cause, want);
	free(cause);
}

static void
test_rules_refused(void **state)
{
	(void)state;
	refused("email", "no channel");
	refused("fax:2d", "\"fax\" is not email or sms");
	refused("email:2", "\"2\" is not a time");
	refused("email:d", "\"d\" is not a time");
	refused("email:2w", "\"2w\" is not a time");
	refused("sms:3h@10:00", "goes with days");
	refused("sms:1d@25:00", "\"25:00\" is not a time of day");
	refused("sms:1d@10", "\"10\" is not a time of day");
	refused("email:61d", "more than 60 days");
	refused("email:1d,", "empty rule");
	refused("email:1d,,sms:1d", "empty rule");
	refused("email:1d,email:1d,email:1d,email:1d,email:1d,email:1d,"
	    "email:1d,email:1d,email:1d", "more than 8");
}

static time_t
due_of(const char *text, time_t start)
{
	struct reminder_rule	*r;
	size_t			 n;
	time_t			 due;
	char			*cause = NULL;

	assert_int_equal(reminder_rules_parse(text, &r, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(reminder_rule_due(r, start, CPH, &due), 0);
	free(r);
	return (due);
}

static void
test_rule_due(void **state)
{
	(void)state;
	assert_int_equal(due_of("email:2d", DEC3_1000), DEC3_1000 - 2 * 86400);
	assert_int_equal(due_of("sms:3h", DEC3_1000), DEC3_1000 - 3 * 3600);
	assert_int_equal(due_of("sms:90m", DEC3_1000), DEC3_1000 - 90 * 60);
	/* A time of day: 10:00 local the day before. */
	assert_int_equal(due_of("sms:1d@10:00", DEC3_1000), DEC2_1000);
	/* Across both DST changes it stays 10:00 local. */
	assert_int_equal(due_of("sms:1d@10:00", MAR29_1000), MAR28_1000);
	assert_int_equal(due_of("sms:2d@10:00", MAR29_1000), MAR27_1000);
	assert_int_equal(due_of("sms:1d@10:00", OCT25_1000), OCT24_1000);
	/* On the day itself (0d@HH:MM). */
	assert_int_equal(due_of("sms:0d@07:00", DEC3_1000), DEC3_0700);
}

static void
test_quiet(void **state)
{
	struct quiet	 q;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(quiet_hours_parse("21:00-08:00", &q, &cause), 0);
	assert_false(quiet_in(&q, CPH, DEC3_1000));
	assert_true(quiet_in(&q, CPH, DEC3_0700));
	assert_true(quiet_in(&q, CPH, DEC3_2330));
	assert_false(quiet_in(&q, CPH, DEC3_0800));
	assert_false(quiet_in(&q, CPH, DEC2_2059));

	/* 07:00 is quiet: the last allowed minute before is 20:59 the
	 * evening before; after, it is 08:00. */
	assert_int_equal(quiet_before(&q, CPH, DEC3_0700), DEC2_2059);
	assert_int_equal(quiet_after(&q, CPH, DEC3_0700), DEC3_0800);
	/* 23:30 is quiet: before is 20:59 that evening, after 08:00 next day. */
	assert_int_equal(quiet_before(&q, CPH, DEC3_2330),
	    DEC2_2059 + 86400);
	assert_int_equal(quiet_after(&q, CPH, DEC3_2330), DEC4_0800);
	/* Outside: unchanged. */
	assert_int_equal(quiet_before(&q, CPH, DEC3_1000), DEC3_1000);
	assert_int_equal(quiet_after(&q, CPH, DEC3_1000), DEC3_1000);

	/* A span within one day. */
	assert_int_equal(quiet_hours_parse("12:00-13:00", &q, &cause), 0);
	assert_true(quiet_in(&q, CPH, DEC3_1000 + 2 * 3600 + 1800));
	assert_false(quiet_in(&q, CPH, DEC3_1000));
	assert_int_equal(quiet_before(&q, CPH, DEC3_1000 + 2 * 3600 + 1800),
	    DEC3_1000 + 2 * 3600 - 60);

	/* None. */
	assert_int_equal(quiet_hours_parse("", &q, &cause), 0);
	assert_false(quiet_in(&q, CPH, DEC3_0700));
	assert_int_equal(quiet_before(&q, CPH, DEC3_0700), DEC3_0700);

	assert_int_equal(quiet_hours_parse("21:00", &q, &cause), -1);
	assert_non_null(strstr(cause, "21:00-08:00"));
	free(cause);
	cause = NULL;
	assert_int_equal(quiet_hours_parse("08:00-08:00", &q, &cause), -1);
	assert_non_null(strstr(cause, "empty"));
	free(cause);
	cause = NULL;
	assert_int_equal(quiet_hours_parse("21:00-24:00", &q, &cause), -1);
	free(cause);
}

/* Removes unit_tmpdir()'s directory and the files in it. */
static void
unit_dir_remove(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		*path;

	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = xprintf("%s/%s", dir, e->d_name);
		unlink(path);
		free(path);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

/* The database takes the kinds of the table, and only those. */
static void
test_kinds_in_schema(void **state)
{
	static const char *sql = "INSERT INTO outbox (key, kind, channel, "
	    "due_at, created_at, updated_at) VALUES (?, ?, 'email', 0, 0, 0)";
	char		 dir[300], *path, *cause = NULL;
	struct store	*st;
	struct fail	 f;
	int		 k;

	(void)state;
	assert_int_equal(unit_tmpdir(dir, sizeof dir, "kinds"), 0);
	path = xprintf("%s/k.db", dir);
	assert_int_equal(store_open(path, CONFIG_SYNC_NORMAL, &st, &cause), 0);
	for (k = 0; k < KIND_COUNT; k++)
		assert_int_equal(store_exec(st, &f, sql, "tt", kinds[k].name,
		    kinds[k].name), 1);
	assert_int_equal(store_exec(st, &f, sql, "tt", "x", "nonsense"), -1);
	assert_non_null(strstr(f.msg, "unknown kind of message"));
	store_close(st);
	free(path);
	unit_dir_remove(dir);
}

/*
 * A worker's transaction that cannot begin (another connection holds the
 * write lock past the busy wait) says so and holds nothing: the workers'
 * mutex is free again and no transaction is open. Once the lock is let
 * go it begins, and commits or rolls back.
 */
static void
test_wdb_begin_busy(void **state)
{
	pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
	struct wdb	 w;
	struct store	*st;
	sqlite3		*other;
	char		 dir[300], *path, *cause = NULL;

	(void)state;
	assert_int_equal(unit_tmpdir(dir, sizeof dir, "wdb"), 0);
	path = xprintf("%s/w.db", dir);
	assert_int_equal(store_open(path, CONFIG_SYNC_NORMAL, &st, &cause), 0);
	store_close(st);
	assert_int_equal(wdb_open(path, &lock, &w, &cause), 0);
	sqlite3_busy_timeout(w.db, 20);
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);

	assert_int_equal(wdb_begin(&w), -1);
	assert_int_equal(w.in_txn, 0);
	assert_true(sqlite3_get_autocommit(w.db));
	assert_int_equal(pthread_mutex_trylock(&lock), 0);
	pthread_mutex_unlock(&lock);

	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(wdb_begin(&w), 0);
	assert_int_equal(w.in_txn, 1);
	assert_int_equal(pthread_mutex_trylock(&lock), EBUSY);
	assert_int_equal(wdb_end(&w, 1), 0);
	assert_int_equal(pthread_mutex_trylock(&lock), 0);
	pthread_mutex_unlock(&lock);
	assert_int_equal(wdb_begin(&w), 0);
	assert_int_equal(wdb_end(&w, 0), -1);
	assert_true(sqlite3_get_autocommit(w.db));
	assert_int_equal(pthread_mutex_trylock(&lock), 0);
	pthread_mutex_unlock(&lock);

	sqlite3_close(other);
	wdb_close(&w);
	free(path);
	unit_dir_remove(dir);
}

static void
test_kinds(void **state)
{
	/* The names doc/api.md gives the kinds, written out here so that a
	 * table with two names swapped does not pass its own round trip. */
	static const struct {
		int		 kind;
		const char	*name;
	} names[] = {
		{ KIND_CONFIRMATION, "confirmation" },
		{ KIND_WAITLISTED, "waitlisted" },
		{ KIND_PROMOTED, "promoted" },
		{ KIND_DEMOTED, "demoted" },
		{ KIND_MOVED, "moved" },
		{ KIND_CANCELLED, "cancelled" },
		{ KIND_REMINDER, "reminder" },
		{ KIND_STAFF, "staff" },
		{ KIND_WITHDRAWN, "withdrawn" },
		{ KIND_SERIES, "series-confirmation" },
		{ KIND_SERIES_WITHDRAWN, "series-withdrawn" },
		{ KIND_UNREGISTERED, "unregistered" },
	};
	size_t	 i;
	int	 k;

	(void)state;
	assert_int_equal(sizeof names / sizeof names[0], KIND_COUNT);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_string_equal(kind_name(names[i].kind),
		    names[i].name);
		assert_int_equal(kind_parse(names[i].name),
		    names[i].kind);
	}
	for (k = 0; k < KIND_COUNT; k++)
		assert_int_equal(kind_parse(kind_name(k)), k);
	assert_int_equal(kind_parse("nonsense"), -1);
	assert_null(kind_name(KIND_COUNT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_parse),
		cmocka_unit_test(test_rules_refused),
		cmocka_unit_test(test_rule_due),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_kinds_in_schema),
		cmocka_unit_test(test_wdb_begin_busy),
	};
	int	 rc;

	log_init("test_outbox", 0, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
	zone_cleanup();
	return (rc);
}
