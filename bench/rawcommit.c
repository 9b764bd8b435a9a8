/*
 * rawcommit: the peer figure for bench/registrations. One SQLite
 * connection, journal_mode=WAL and synchronous=FULL (kursusd's defaults),
 * one INSERT of one row per transaction, for a fixed time. Prints one line
 * of key=value pairs: commits, seconds, rate, and the commit latency
 * percentiles in microseconds.
 *
 *	rawcommit DB SECONDS [SYNCHRONOUS]
 */
#include <sqlite3.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "rawcommit: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return ((x > y) - (x < y));
}

int
main(int argc, char **argv)
{
	sqlite3		*db;
	sqlite3_stmt	*begin, *ins, *commit, *q;
	char		 sql[128], name[64];
	const char	*sync;
	double		 secs, t0, t1, t, end;
	uint32_t	*lat;
	size_t		 n = 0, cap = 1 << 16;

	if (argc < 3) {
		fprintf(stderr, "usage: rawcommit DB SECONDS [SYNCHRONOUS]\n");
		return (2);
	}
	secs = atof(argv[2]);
	sync = argc > 3 ? argv[3] : "FULL";
	if ((lat = malloc(cap * sizeof *lat)) == NULL)
		return (1);

	check(NULL, sqlite3_open(argv[1], &db), "open");
	check(db, sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &q,
	    NULL), "journal_mode");
	if (sqlite3_step(q) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(q, 0), "wal") != 0) {
		fprintf(stderr, "rawcommit: %s refuses WAL mode\n", argv[1]);
		return (1);
	}
	sqlite3_finalize(q);
	snprintf(sql, sizeof sql, "PRAGMA synchronous=%s", sync);
	check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), "synchronous");
	check(db, sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS t (id INTEGER "
	    "PRIMARY KEY, name TEXT NOT NULL, at INTEGER NOT NULL)", NULL,
	    NULL, NULL), "create");
	check(db, sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL),
	    "prepare");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO t (name, at) VALUES "
	    "(?, ?)", -1, &ins, NULL), "prepare");
	check(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL),
	    "prepare");

	t0 = now_s();
	end = t0 + secs;
	for (t = t0; t < end; t = t1) {
		snprintf(name, sizeof name, "Deltager %zu", n);
		check(db, sqlite3_step(begin), "begin");
		sqlite3_reset(begin);
		sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 2, (sqlite3_int64)t);
		check(db, sqlite3_step(ins), "insert");
		sqlite3_reset(ins);
		check(db, sqlite3_step(commit), "commit");
		sqlite3_reset(commit);
		t1 = now_s();
		if (n == cap) {
			cap *= 2;
			if ((lat = realloc(lat, cap * sizeof *lat)) == NULL)
				return (1);
		}
		lat[n++] = (uint32_t)((t1 - t) * 1e6);
	}
	qsort(lat, n, sizeof *lat, cmp_u32);
	printf("commits=%zu seconds=%.3f rate=%.1f p50_us=%u p99_us=%u "
	    "max_us=%u synchronous=%s\n", n, t - t0, (double)n / (t - t0),
	    n ? lat[n / 2] : 0, n ? lat[(n * 99) / 100] : 0,
	    n ? lat[n - 1] : 0, sync);
	sqlite3_finalize(begin);
	sqlite3_finalize(ins);
	sqlite3_finalize(commit);
	sqlite3_close(db);
	free(lat);
	return (0);
}
