/*
 * The months the statistics' summary rows are kept by (schema step 14):
 * kmonths(), the SQL function that makes a time zone's rows of
 * stats_month, with the connection's triggers that add a venue's zone
 * before the venue; and, at the start, the zones of venues written
 * without them, the summary rows then counted afresh; and kdistinct(),
 * the aggregate the report counts a range's people with. A leaf: SQLite
 * and calendars/ only (store.c calls it when it opens the database).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendars.h"
#include "kursusd.h"
#include "schema-stats.h"

/*
 * The months of a time zone, for stats_month: kmonths(tz) is a JSON array
 * of [at, "YYYY-MM"], at the UTC instant where the local month begins
 * (its first local midnight, or the first hour after it that exists), from
 * 1970 to 2100; rows with a null month before and after stand for "out of
 * range" (such a session is counted the slow way, stats_show()).
 */
#define STATS_YEAR_FIRST	1970
#define STATS_YEAR_LAST		2100

static int
stats_month_start(const char *tz, int year, int month, time_t *at)
{
	struct cal_local	 l;
	char			*cause = NULL;

	memset(&l, 0, sizeof l);
	l.year = year;
	l.month = month;
	l.day = 1;
	for (l.hour = 0; l.hour < 4; l.hour++) {
		if (zone_local_to_utc(tz, &l, at, &cause) == 0)
			return (0);
		free(cause);
		cause = NULL;
	}
	return (-1);
}

static void
stats_month_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*tz = (const char *)sqlite3_value_text(argv[0]);
	struct buf	 b = BUF_INIT;
	time_t		 at;
	int		 y, m;

	if (tz == NULL || !zone_valid(tz)) {
		sqlite3_result_text(ctx, "[]", -1, SQLITE_STATIC);
		return;
	}
	buf_adds(&b, "[[-4611686018427387904,null]");
	for (y = STATS_YEAR_FIRST; y <= STATS_YEAR_LAST + 1; y++) {
		for (m = 1; m <= 12; m++) {
			if (stats_month_start(tz, y, m, &at) != 0)
				continue;
			if (y > STATS_YEAR_LAST) {
				buf_addf(&b, ",[%lld,null]", (long long)at);
				break;
			}
			buf_addf(&b, ",[%lld,\"%04d-%02d\"]", (long long)at, y,
			    m);
		}
	}
	buf_adds(&b, "]");
	sqlite3_result_text(ctx, b.data, (int)b.len, SQLITE_TRANSIENT);
	buf_free(&b);
}

/*
 * The months of a venue's time zone (stats_month, for the statistics'
 * triggers) are there before the venue is: kmonths() is kursusd's
 * (below), so these triggers are the connection's too; a venue written
 * without them is mended at the next start (stats_month_prepare()).
 */
#define STATS_ZONE							\
	"BEGIN INSERT INTO stats_month SELECT NEW.timezone, j.value ->> 0,"	\
	"  j.value ->> 1 FROM json_each(kmonths(NEW.timezone)) j WHERE NOT"	\
	"  EXISTS (SELECT 1 FROM stats_month WHERE timezone = NEW.timezone);"	\
	"  END;"
static const char *stats_triggers =
	"CREATE TEMP TRIGGER stats_zone_add BEFORE INSERT ON main.venue "
	STATS_ZONE
	"CREATE TEMP TRIGGER stats_zone_edit BEFORE UPDATE OF timezone ON"
	"  main.venue " STATS_ZONE;

/*
 * kdistinct(id): how many different integers an aggregate saw, each a
 * bit of a bitmap by value, or (a value beyond KDISTINCT_BITS or below
 * 0) in a list sorted at the end. GET /v1/stats counts the people of a
 * range with it (stats-report.c): SQL's count(DISTINCT) kept a temporary
 * b-tree of the ids, and a row handed to C per seat cost a step of the
 * statement each (a year of a national system: 540,000 seats).
 */
#define KDISTINCT_BITS	((int64_t)1 << 27)	/* 16 MiB of bitmap */
struct kdistinct {
	uint64_t	*bits;
	size_t		 nbits;		/* words */
	int64_t		*ids;
	size_t		 len, cap;
	int64_t		 n;
};

static void
kdistinct_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct kdistinct *k;
	uint64_t	 bit;
	int64_t		 id;
	size_t		 w, nw;

	(void)argc;
	if ((k = sqlite3_aggregate_context(ctx, sizeof *k)) == NULL)
		return;
	/* A null reads as 0: its type is asked for only then (a step a row). */
	if ((id = sqlite3_value_int64(argv[0])) == 0 &&
	    sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	if ((uint64_t)id < (uint64_t)KDISTINCT_BITS) {
		w = (size_t)((uint64_t)id >> 6);
		bit = UINT64_C(1) << ((uint64_t)id & 63);
		if (w >= k->nbits) {
			nw = k->nbits * 2 > w + 1 ? k->nbits * 2 : w + 1024;
			k->bits = xreallocarray(k->bits, nw, sizeof *k->bits);
			memset(k->bits + k->nbits, 0,
			    (nw - k->nbits) * sizeof *k->bits);
			k->nbits = nw;
		}
		if ((k->bits[w] & bit) == 0) {
			k->bits[w] |= bit;
			k->n++;
		}
		return;
	}
	if (k->len == k->cap) {
		k->cap = k->cap == 0 ? 1024 : k->cap * 2;
		k->ids = xreallocarray(k->ids, k->cap, sizeof *k->ids);
	}
	k->ids[k->len++] = id;
}

static int
kdistinct_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

static void
kdistinct_final(sqlite3_context *ctx)
{
	struct kdistinct *k;
	int64_t		 n;
	size_t		 i;

	if ((k = sqlite3_aggregate_context(ctx, 0)) == NULL) {
		sqlite3_result_int64(ctx, 0);
		return;
	}
	n = k->n;
	if (k->len > 0)
		qsort(k->ids, k->len, sizeof *k->ids, kdistinct_cmp);
	for (i = 0; i < k->len; i++)
		if (i == 0 || k->ids[i] != k->ids[i - 1])
			n++;
	free(k->bits);
	free(k->ids);
	sqlite3_result_int64(ctx, n);
}

void
stats_month_functions(sqlite3 *db)
{
	sqlite3_create_function(db, "kmonths", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, stats_month_fn, NULL, NULL);
	sqlite3_create_function(db, "kdistinct", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, NULL, kdistinct_step,
	    kdistinct_final);
}

int
stats_month_views(sqlite3 *db, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(db, stats_triggers, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s", err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/* The months of the venues' zones not yet in stats_month. */
static const char *sql_zone_months = "INSERT INTO stats_month SELECT z.tz, "
    "j.value ->> 0, j.value ->> 1 FROM (SELECT DISTINCT timezone AS tz "
    "FROM venue WHERE timezone NOT IN (SELECT timezone FROM stats_month)) "
    "z, json_each(kmonths(z.tz)) j";

int
stats_month_prepare(sqlite3 *db, char **cause)
{
	/* Every summary row counted afresh, from the covering indexes. */
	static const char *sql_rebuild = "DELETE FROM stats_cell;"
	    "INSERT INTO stats_cell SELECT s.venue_id, s.course_id, "
	    STATS_MONTH_OF("s") ", count(*), coalesce(sum(c.n), 0), "
	    "coalesce(sum(c.a), 0), coalesce(sum(c.ns), 0) FROM session s "
	    "LEFT JOIN (SELECT r.session_id, count(*) AS n, "
	    "sum(r.attendance IS 'attended') AS a, sum(r.attendance IS "
	    "'no-show') AS ns FROM registration r WHERE r.status = "
	    "'confirmed' GROUP BY r.session_id) c ON c.session_id = s.id "
	    "WHERE s.status != 'cancelled' GROUP BY 1, 2, 3;"
	    "DELETE FROM stats_person;"
	    "INSERT INTO stats_person SELECT r.participant_id, count(*) FROM "
	    "registration r JOIN session s ON s.id = r.session_id WHERE "
	    "r.status = 'confirmed' AND s.status != 'cancelled' GROUP BY "
	    "r.participant_id ORDER BY r.participant_id;"
	    "UPDATE tally SET n = (SELECT count(*) FROM stats_person) WHERE "
	    "what = 'people';"
	    "DELETE FROM stats_seat;"
	    "INSERT INTO stats_seat " STATS_SEAT_FILL ";";
	char	*err = NULL;
	int	 added, rc;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, sql_zone_months, NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	added = sqlite3_changes(db);
	if (added > 0) {
		log_info("statistics: counting the summary rows afresh");
		/*
		 * Without triggers: stats_person's keep tally 'people', which
		 * the rebuild sets itself at its end. With them, the DELETE
		 * ran one trigger per row and listed every rowid first (a
		 * RowSet: 22 MB for 924,000 people, the daemon's peak
		 * resident memory at a start on a bulk-loaded database);
		 * without, it empties the table in one go (issue 9).
		 */
		sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
		rc = sqlite3_exec(db, sql_rebuild, NULL, NULL, &err);
		sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, NULL);
		if (rc != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	return (0);

fail:
	xasprintf(cause, "the statistics' summary rows: %s", err != NULL ?
	    err : sqlite3_errmsg(db));
	sqlite3_free(err);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}

