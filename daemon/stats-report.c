/*
 * GET /v1/stats: what the library reports to its municipality. Sessions,
 * confirmed seats and attendance by course type, venue, month, and month,
 * venue and course type together; the people with a seat; the next
 * milestone of the running number.
 *
 * It reads the summary rows the triggers keep (stats_cell, schema step 14)
 * for the local months wholly in range, and counts the sessions of the
 * months at the range's edges one by one, from a walk of their sessions
 * and one of their seats in the covering indexes each edge
 * (report_edge()).
 * The breakdowns are summed in C and written as JSON text in one pass
 * (stats-json.c): the report of a national library system is some 60,000
 * rows, and a jansson tree of them took seconds to build and write. Those
 * rows of month, venue and course type are never all kept as rows: a
 * cell is kept in a few bytes in its month's bucket (struct report_cells)
 * and the rows are made, summed and ordered a month at a time as they are
 * written; only the sessions counted one by one are rows from the start.
 * It is
 * made by a read job (readjob.c), not on the loop: every year of a
 * national system takes some 50 ms, and a year whose edges cut months
 * (their sessions counted one by one, its people from stats_seat) some
 * 90 ms.
 */
#include "config.h"

#include <sys/types.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hash.h"
#include "kursusd.h"
#include "readjob.h"
#include "stats-report.h"

#define REPORT_MILESTONE	500

/* Every session of [?1, ?2), counted one by one (the slow way). */
static const char *sql_per_session = "SELECT c.slug, c.title, v.slug, "
    "v.name, substr(local_iso(s.start_at, v.timezone), 1, 7), 1,"
    " (SELECT count(*) FROM registration r WHERE r.session_id = s.id"
    "   AND r.status = 'confirmed'),"
    " (SELECT count(*) FROM registration r WHERE r.session_id = s.id"
    "   AND r.status = 'confirmed' AND r.attendance = 'attended'),"
    " (SELECT count(*) FROM registration r WHERE r.session_id = s.id"
    "   AND r.status = 'confirmed' AND r.attendance = 'no-show')"
    " FROM session s JOIN venue v ON v.id = s.venue_id"
    " JOIN course c ON c.id = s.course_id"
    " WHERE s.start_at >= ?1 AND s.start_at < ?2"
    "  AND s.status != 'cancelled'";

/*
 * The sessions of one edge of the range, [?1, ?2), and their confirmed
 * seats, two walks in the same order (start, id) from the covering
 * indexes, stepped together: a session's seats follow it, its month is
 * found in C (report_edge()). The three counting subqueries per session,
 * and the month looked up twice per session in SQL, were 18 % of a year's
 * report; a row per seat carrying its session's venue, course type and
 * start (read again from the index entry for every seat) a fifth of the
 * rest.
 */
static const char *sql_edge = "SELECT s.id, s.venue_id, s.course_id, "
    "s.start_at FROM session s WHERE s.start_at >= ?1 AND s.start_at < ?2 "
    "AND s.status != 'cancelled' ORDER BY s.start_at, s.id";
static const char *sql_edge_seats = "SELECT r.session_id, r.attendance "
    "FROM session s JOIN registration r ON r.session_id = s.id "
    "AND r.status = 'confirmed' "
    "WHERE s.start_at >= ?1 AND s.start_at < ?2 "
    "AND s.status != 'cancelled' ORDER BY s.start_at, s.id";

/* People (not registrations) with a confirmed seat in range, each once. */
static const char *sql_people = "SELECT kdistinct(participant_id) FROM "
    "stats_seat WHERE start_at >= coalesce(?1, -1) "
    "AND start_at < coalesce(?2, 9223372036854775807)";
static const char *sql_people_all = "SELECT n FROM tally WHERE what = "
    "'people'";

static const char *danish_months[] = { "januar", "februar", "marts",
    "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december" };

#define REPORT_BLOCK	65536

/* n bytes kept until report_free(). */
static char *
report_alloc(struct report *rp, size_t n)
{
	char	*p;

	n = (n + 7) & ~(size_t)7;
	if (n > rp->left) {
		rp->blocks = xreallocarray(rp->blocks, rp->nblocks + 1,
		    sizeof *rp->blocks);
		rp->left = n > REPORT_BLOCK ? n : REPORT_BLOCK;
		rp->blocks[rp->nblocks++] = xmalloc(rp->left);
		rp->used = 0;
	}
	p = rp->blocks[rp->nblocks - 1] + rp->used;
	rp->used += n;
	rp->left -= n;
	return (p);
}

/* The len octets at s and a NUL, kept until report_free(). */
static char *
report_keep(struct report *rp, const char *s, size_t len)
{
	char	*p = report_alloc(rp, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

/* The interned s. */
static struct istr *
report_intern(struct report *rp, const char *s)
{
	struct istr	*is, **old;
	struct buf	 b = BUF_INIT;
	size_t		 i, n, len;

	if (s == NULL)
		s = "";
	if (rp->nis * 2 >= rp->nisslot) {
		old = rp->is;
		n = rp->nisslot;
		rp->nisslot = n == 0 ? 256 : n * 2;
		rp->is = xcalloc(rp->nisslot, sizeof *rp->is);
		for (i = 0; i < n; i++) {
			if (old[i] == NULL)
				continue;
			len = hash_str(HASH_INIT, old[i]->raw) &
			    (rp->nisslot - 1);
			while (rp->is[len] != NULL)
				len = (len + 1) & (rp->nisslot - 1);
			rp->is[len] = old[i];
		}
		free(old);
	}
	i = hash_str(HASH_INIT, s) & (rp->nisslot - 1);
	for (; rp->is[i] != NULL; i = (i + 1) & (rp->nisslot - 1))
		if (strcmp(rp->is[i]->raw, s) == 0)
			return (rp->is[i]);
	is = (struct istr *)(void *)report_alloc(rp, sizeof *is);
	is->raw = report_keep(rp, s, strlen(s));
	report_json_str(&b, s);
	is->jlen = b.len;
	is->json = report_keep(rp, b.data, b.len);
	buf_free(&b);
	is->mname = is->vname = is->title = NULL;
	is->cells = 0;
	rp->is[i] = is;
	rp->nis++;
	return (is);
}

/* "januar 2026" for "2026-01"; the month itself when it is not one. */
static struct istr *
report_mname(struct report *rp, struct istr *month)
{
	char	 name[32];
	int	 m;

	if (month->mname != NULL)
		return (month->mname);
	snprintf(name, sizeof name, "%s", month->raw);
	if (sscanf(month->raw, "%*d-%d", &m) == 1 && m >= 1 && m <= 12)
		snprintf(name, sizeof name, "%s %.4s", danish_months[m - 1],
		    month->raw);
	return (month->mname = report_intern(rp, name));
}

static size_t
report_hashp(const struct istr *a, const struct istr *b,
    const struct istr *c)
{
	return (((uintptr_t)a >> 3) * 31 * 31 + ((uintptr_t)b >> 3) * 31 +
	    ((uintptr_t)c >> 3));
}

static void
report_index(struct report_group *g, size_t row)
{
	const struct report_row *r = &g->rows[row];
	size_t	 i;

	i = report_hashp(r->key, r->venue, r->course) & (g->nslot - 1);
	while (g->slot[i] != 0)
		i = (i + 1) & (g->nslot - 1);
	g->slot[i] = (uint32_t)(row + 1);
}

/* A new row at the end of g, zeroed. */
struct report_row *
report_push(struct report_group *g)
{
	struct report_row	*r;

	if (g->len == g->cap) {
		g->cap = g->cap == 0 ? 64 : g->cap * 2;
		g->rows = xreallocarray(g->rows, g->cap, sizeof *g->rows);
	}
	r = &g->rows[g->len++];
	memset(r, 0, sizeof *r);
	return (r);
}

/* The row of key (and venue and course in G_MVC), made when it is new. */
static struct report_row *
report_row(struct report_group *g, struct istr *key, struct istr *venue,
    struct istr *course)
{
	struct report_row	*r;
	size_t			 i, j;

	if (g->nslot > 0) {
		i = report_hashp(key, venue, course) & (g->nslot - 1);
		for (; g->slot[i] != 0; i = (i + 1) & (g->nslot - 1)) {
			r = &g->rows[g->slot[i] - 1];
			if (r->key == key && r->venue == venue &&
			    r->course == course)
				return (r);
		}
	}
	if (g->len * 2 >= g->nslot) {
		free(g->slot);
		g->nslot = g->nslot == 0 ? 64 : g->nslot * 2;
		g->slot = xcalloc(g->nslot, sizeof *g->slot);
		for (j = 0; j < g->len; j++)
			report_index(g, j);
	}
	r = report_push(g);
	r->key = key;
	r->venue = venue;
	r->course = course;
	report_index(g, g->len - 1);
	return (r);
}

/*
 * One session's figures, or a cell's, in the breakdowns but G_MVC and in
 * the totals; its row of G_MVC is the caller's. A venue's name and a
 * course type's title are their slugs' from the first that names them.
 */
static void
report_add(struct report *rp, struct istr *course, struct istr *title,
    struct istr *venue, struct istr *vname, struct istr *month,
    const int64_t *n)
{
	struct report_row	*r[G_MVC];
	int			 g, f;

	r[G_COURSE] = report_row(&rp->g[G_COURSE], course, NULL, NULL);
	r[G_COURSE]->name = title;
	r[G_VENUE] = report_row(&rp->g[G_VENUE], venue, NULL, NULL);
	r[G_VENUE]->name = vname;
	r[G_MONTH] = report_row(&rp->g[G_MONTH], month, NULL, NULL);
	r[G_MONTH]->name = report_mname(rp, month);
	if (venue->vname == NULL)
		venue->vname = vname;
	if (course->title == NULL)
		course->title = title;
	for (f = 0; f < F_N; f++) {
		for (g = 0; g < G_MVC; g++)
			r[g]->n[f] += n[f];
		rp->total[f] += n[f];
	}
}

void
report_mvc_add(struct report_group *g, struct istr *month,
    struct istr *venue, struct istr *course, const int64_t *n)
{
	struct report_row	*r;
	int			 f;

	r = report_row(g, month, venue, course);
	r->name = month->mname;
	for (f = 0; f < F_N; f++)
		r->n[f] += n[f];
}

/* One session's figures: its row of G_MVC among them. */
static void
report_add_session(struct report *rp, struct istr *course,
    struct istr *title, struct istr *venue, struct istr *vname,
    struct istr *month, const int64_t *n)
{
	report_add(rp, course, title, venue, vname, month, n);
	report_mvc_add(&rp->g[G_MVC], month, venue, course, n);
}

/*
 * A cell's figures (the venue and course type by their places in
 * rp->venues and rp->courses): its row of G_MVC goes into its month's
 * bucket, written when that month's rows are (stats-json.c).
 */
static void
report_add_cell(struct report *rp, size_t v, size_t c, struct istr *month,
    const int64_t *n)
{
	struct report_cells	*cells;
	struct report_block	*bl;
	unsigned char		 rec[REPORT_CELL_MAX];
	size_t			 len;
	int			 f;

	report_add(rp, rp->courses[c].slug, rp->courses[c].title,
	    rp->venues[v].slug, rp->venues[v].name, month, n);
	if (month->cells == 0) {
		rp->cells = xreallocarray(rp->cells, rp->ncells + 1,
		    sizeof *rp->cells);
		cells = &rp->cells[rp->ncells++];
		memset(cells, 0, sizeof *cells);
		cells->month = month;
		month->cells = (uint32_t)rp->ncells;
	}
	cells = &rp->cells[month->cells - 1];
	len = report_varint_put(rec, (int64_t)v);
	len += report_varint_put(rec + len, (int64_t)c);
	for (f = 0; f < F_N; f++)
		len += report_varint_put(rec + len, n[f]);
	if ((bl = cells->last) == NULL || bl->len + len > sizeof bl->data) {
		bl = (struct report_block *)(void *)report_alloc(rp,
		    sizeof *bl);
		bl->next = NULL;
		bl->len = 0;
		if (cells->last != NULL)
			cells->last->next = bl;
		else
			cells->first = bl;
		cells->last = bl;
	}
	memcpy(bl->data + bl->len, rec, len);
	bl->len += len;
}

static void
report_cells_free(struct report *rp)
{
	size_t	 i;

	/* The blocks are the report's, freed with it. */
	for (i = 0; i < rp->ncells; i++)
		rp->cells[i].month->cells = 0;
	free(rp->cells);
	rp->cells = NULL;
	rp->ncells = 0;
}

static void
report_group_free(struct report_group *g)
{
	free(g->rows);
	free(g->slot);
	memset(g, 0, sizeof *g);
}

/* The report's counts gone, its names kept: as before any was counted. */
static void
report_clear(struct report *rp)
{
	int	 g;

	for (g = 0; g < G_N; g++)
		report_group_free(&rp->g[g]);
	report_cells_free(rp);
	memset(rp->total, 0, sizeof rp->total);
}

static void
report_free(struct report *rp)
{
	size_t	 i;

	report_clear(rp);
	for (i = 0; i < rp->nzones; i++) {
		free(rp->zones[i].m);
		free(rp->zones[i].tz);
	}
	for (i = 0; i < rp->nblocks; i++)
		free(rp->blocks[i]);
	free(rp->blocks);
	free(rp->is);
	free(rp->venues);
	free(rp->courses);
	free(rp->zones);
}

/* The venues, course types and the months of every zone, by id and time. */
static void
report_load(struct store *st, struct report *rp)
{
	sqlite3_stmt	*stmt;
	struct report_zone *z = NULL;
	const char	*tz, *month;
	size_t		 i;

	stmt = store_stmt(st, "SELECT timezone, at, month FROM stats_month "
	    "ORDER BY timezone, at");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		tz = (const char *)sqlite3_column_text(stmt, 0);
		if (z == NULL || strcmp(z->tz, tz) != 0) {
			rp->zones = xreallocarray(rp->zones, rp->nzones + 1,
			    sizeof *rp->zones);
			z = &rp->zones[rp->nzones++];
			memset(z, 0, sizeof *z);
			z->tz = xstrdup(tz);
		}
		if ((z->n & (z->n - 1)) == 0)	/* 0, 1, 2, 4, ...: full */
			z->m = xreallocarray(z->m, z->n == 0 ? 1 : z->n * 2,
			    sizeof *z->m);
		z->m[z->n].at = sqlite3_column_int64(stmt, 1);
		month = (const char *)sqlite3_column_text(stmt, 2);
		z->m[z->n].text = month == NULL ? NULL :
		    report_keep(rp, month, strlen(month));
		z->m[z->n++].month = NULL;
	}
	sqlite3_reset(stmt);

	stmt = store_stmt(st, "SELECT id, slug, name, timezone FROM venue "
	    "ORDER BY id");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		rp->venues = xreallocarray(rp->venues, rp->nvenues + 1,
		    sizeof *rp->venues);
		rp->venues[rp->nvenues].id = sqlite3_column_int64(stmt, 0);
		rp->venues[rp->nvenues].slug = report_intern(rp,
		    (const char *)sqlite3_column_text(stmt, 1));
		rp->venues[rp->nvenues].name = report_intern(rp,
		    (const char *)sqlite3_column_text(stmt, 2));
		tz = (const char *)sqlite3_column_text(stmt, 3);
		for (i = 0; i < rp->nzones; i++)
			if (tz != NULL && strcmp(rp->zones[i].tz, tz) == 0)
				break;
		rp->venues[rp->nvenues++].zone = i;	/* nzones: none */
	}
	sqlite3_reset(stmt);

	stmt = store_stmt(st, "SELECT id, slug, title FROM course ORDER BY "
	    "id");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		rp->courses = xreallocarray(rp->courses, rp->ncourses + 1,
		    sizeof *rp->courses);
		rp->courses[rp->ncourses].id = sqlite3_column_int64(stmt, 0);
		rp->courses[rp->ncourses].slug = report_intern(rp,
		    (const char *)sqlite3_column_text(stmt, 1));
		rp->courses[rp->ncourses++].title = report_intern(rp,
		    (const char *)sqlite3_column_text(stmt, 2));
	}
	sqlite3_reset(stmt);
}

/*
 * The month m's string, interned when first asked for: of the 1,500
 * months kmonths() makes for a zone a report names some 60, and
 * interning every one took 180 KB.
 */
static struct istr *
report_month_str(struct report *rp, struct report_month *m)
{
	if (m->month == NULL && m->text != NULL)
		m->month = report_intern(rp, m->text);
	return (m->month);
}

/* The index of the last month of z beginning at or before at, or -1. */
static ssize_t
report_month(const struct report_zone *z, int64_t at)
{
	size_t	 lo = 0, hi = z->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (z->m[mid].at <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ((ssize_t)lo - 1);
}

static int
report_cmp_id(const void *key, const void *elem)
{
	int64_t	 a = *(const int64_t *)key, b = *(const int64_t *)elem;

	return (a < b ? -1 : a > b);
}

#define REPORT_SQL_CELLS	"SELECT venue_id, course_id, month_at, sessions, "	\
	"registrations, attended, no_show FROM stats_cell WHERE sessions > 0"

/*
 * A range's cells, in the same order (venue, course type, month): a seek
 * per venue and course type into the months of the range, where a scan
 * of every cell tested each one's month (a national system's 60,490
 * cells: 33 M instructions of every range, however short). A cell with
 * sessions has its venue and course type (the foreign keys).
 */
static const char *sql_cells_range = "SELECT s.venue_id, s.course_id, "
    "s.month_at, s.sessions, s.registrations, s.attended, s.no_show "
    "FROM venue v CROSS JOIN course c CROSS JOIN stats_cell s "
    "ON s.venue_id = v.id AND s.course_id = c.id AND s.month_at >= ?1 "
    "AND s.month_at < ?2 WHERE s.sessions > 0 ORDER BY v.id, c.id, "
    "s.month_at";

/*
 * The cells of the months wholly in range, into the breakdowns. -1 when
 * the cells cannot say (a venue's zone or a month not in stats_month, out
 * of kmonths()'s years): then every session is counted one by one.
 */
static int
report_cells(struct store *st, struct report *rp)
{
	sqlite3_stmt		*stmt;
	struct report_venue	*v;
	struct report_course	*c;
	struct report_zone	*z;
	ssize_t			 m;
	int64_t			 n[F_N], id, until;
	int			 f, rc = 0;

	/* The cells come by venue and course type: the last found first. */
	v = NULL;
	c = NULL;
	/*
	 * A month wholly in a range begins in it: in a range, the others
	 * are left out by the statement, not handed to C (for a short range
	 * of a national system, most of the report's work). Every year
	 * reads every cell, without the test.
	 */
	if (rp->from == INT64_MIN && rp->to == INT64_MAX)
		stmt = store_stmt(st, REPORT_SQL_CELLS);
	else {
		stmt = store_stmt(st, sql_cells_range);
		sqlite3_bind_int64(stmt, 1, rp->from);
		sqlite3_bind_int64(stmt, 2, rp->to);
	}
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		if (v == NULL || v->id != id)
			v = rp->nvenues == 0 ? NULL : bsearch(&id, rp->venues,
			    rp->nvenues, sizeof *v, report_cmp_id);
		id = sqlite3_column_int64(stmt, 1);
		if (c == NULL || c->id != id)
			c = rp->ncourses == 0 ? NULL : bsearch(&id,
			    rp->courses, rp->ncourses, sizeof *c,
			    report_cmp_id);
		if (v == NULL || c == NULL || v->zone >= rp->nzones) {
			rc = -1;
			break;
		}
		z = &rp->zones[v->zone];
		m = report_month(z, sqlite3_column_int64(stmt, 2));
		if (m < 0 || z->m[m].at != sqlite3_column_int64(stmt, 2) ||
		    z->m[m].text == NULL) {
			rc = -1;
			break;
		}
		until = (size_t)m + 1 < z->n ? z->m[m + 1].at : INT64_MAX;
		if (z->m[m].at < rp->from || until > rp->to)
			continue;
		for (f = 0; f < F_N; f++)
			n[f] = sqlite3_column_int64(stmt, 3 + f);
		report_add_cell(rp, (size_t)(v - rp->venues),
		    (size_t)(c - rp->courses), report_month_str(rp, &z->m[m]),
		    n);
	}
	sqlite3_reset(stmt);
	return (rc);
}

/*
 * The edges: the latest first month-start at or after from, and the
 * earliest last month-start at or before to, over the venues' zones.
 */
static void
report_edges(const struct report *rp, int64_t *edge)
{
	const struct report_zone *z;
	ssize_t		 m;
	size_t		 i;

	edge[0] = INT64_MIN;
	edge[1] = INT64_MAX;
	for (i = 0; i < rp->nvenues; i++) {
		if (rp->venues[i].zone >= rp->nzones)
			continue;
		z = &rp->zones[rp->venues[i].zone];
		if (rp->from != INT64_MIN) {
			m = report_month(z, rp->from - 1) + 1;
			if ((size_t)m < z->n && z->m[m].at > edge[0])
				edge[0] = z->m[m].at;
		}
		if (rp->to != INT64_MAX) {
			m = report_month(z, rp->to);
			if (m >= 0 && z->m[m].at < edge[1])
				edge[1] = z->m[m].at;
		}
	}
}

/* Every session of [lo, hi) counted one by one, into the breakdowns. */
static void
report_sessions(struct store *st, struct report *rp, int64_t lo,
    int64_t hi)
{
	sqlite3_stmt	*stmt;
	struct istr	*col[5];
	int64_t		 n[F_N];
	int		 i;

	if (lo >= hi)
		return;
	stmt = store_stmt(st, sql_per_session);
	sqlite3_bind_int64(stmt, 1, lo);
	sqlite3_bind_int64(stmt, 2, hi);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		for (i = 0; i < 5; i++)
			col[i] = report_intern(rp,
			    (const char *)sqlite3_column_text(stmt, i));
		for (i = 0; i < F_N; i++)
			n[i] = sqlite3_column_int64(stmt, 5 + i);
		report_add_session(rp, col[0], col[1], col[2], col[3],
		    col[4], n);
	}
	sqlite3_reset(stmt);
}

/*
 * One session of an edge, its figures in n, into the breakdowns unless
 * its month is wholly in range (the cells hold it). -1 when its venue,
 * course type or month is not one the report knows.
 */
static int
report_edge_session(struct report *rp, int64_t vid, int64_t cid,
    int64_t at, const int64_t *n)
{
	struct report_venue	*v;
	struct report_course	*c;
	struct report_zone	*z;
	ssize_t			 m;
	int64_t			 until;

	v = rp->nvenues == 0 ? NULL : bsearch(&vid, rp->venues, rp->nvenues,
	    sizeof *v, report_cmp_id);
	c = rp->ncourses == 0 ? NULL : bsearch(&cid, rp->courses,
	    rp->ncourses, sizeof *c, report_cmp_id);
	if (v == NULL || c == NULL || v->zone >= rp->nzones)
		return (-1);
	z = &rp->zones[v->zone];
	if ((m = report_month(z, at)) < 0 || z->m[m].text == NULL)
		return (-1);
	until = (size_t)m + 1 < z->n ? z->m[m + 1].at : INT64_MAX;
	if (z->m[m].at >= rp->from && until <= rp->to)
		return (0);
	report_add_session(rp, c->slug, c->title, v->slug, v->name,
	    report_month_str(rp, &z->m[m]), n);
	return (0);
}

/*
 * The sessions of [lo, hi), at an edge of the range, counted one by one
 * from their seats (sql_edge), but those of months wholly in range. -1
 * when one cannot be placed: then the caller counts every session the
 * slow way.
 */
static int
report_edge(struct store *st, struct report *rp, int64_t lo, int64_t hi)
{
	sqlite3_stmt	*stmt, *seats;
	const char	*att;
	int64_t		 n[F_N], id;
	int		 seat, rc = 0;

	if (lo >= hi)
		return (0);
	stmt = store_stmt(st, sql_edge);
	sqlite3_bind_int64(stmt, 1, lo);
	sqlite3_bind_int64(stmt, 2, hi);
	seats = store_stmt(st, sql_edge_seats);
	sqlite3_bind_int64(seats, 1, lo);
	sqlite3_bind_int64(seats, 2, hi);
	seat = sqlite3_step(seats) == SQLITE_ROW;
	while (rc == 0 && sqlite3_step(stmt) == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		memset(n, 0, sizeof n);
		n[F_SESSIONS] = 1;
		/* The same order: a session's seats, if any, come next. */
		for (; seat && sqlite3_column_int64(seats, 0) == id;
		    seat = sqlite3_step(seats) == SQLITE_ROW) {
			n[F_REGS]++;
			if ((att = (const char *)sqlite3_column_text(seats,
			    1)) == NULL)
				continue;
			if (strcmp(att, "attended") == 0)
				n[F_ATTENDED]++;
			else if (strcmp(att, "no-show") == 0)
				n[F_NO_SHOW]++;
		}
		rc = report_edge_session(rp, sqlite3_column_int64(stmt, 1),
		    sqlite3_column_int64(stmt, 2),
		    sqlite3_column_int64(stmt, 3), n);
	}
	sqlite3_reset(seats);
	sqlite3_reset(stmt);
	return (rc);
}

static sqlite3_stmt *
report_range(struct store *st, const char *sql, const struct report *rp)
{
	sqlite3_stmt	*stmt = store_stmt(st, sql);

	if (rp->from != INT64_MIN)
		sqlite3_bind_int64(stmt, 1, rp->from);
	if (rp->to != INT64_MAX)
		sqlite3_bind_int64(stmt, 2, rp->to);
	return (stmt);
}

/*
 * The people with a confirmed seat in rp's range, each counted once
 * (kdistinct(), stats-month.c), from the seats by start that the
 * triggers keep (stats_seat), one walk of its rows in range. They were
 * counted from the registrations of the sessions in range, each seat's
 * person read from its registration's row: for a year of a national
 * system, 1,094 M of the report's 1,450 M instructions.
 */
static int64_t
report_people(struct store *st, const struct report *rp)
{
	sqlite3_stmt	*stmt;
	int64_t		 n = 0;

	stmt = report_range(st, sql_people, rp);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return (n);
}

/* What a report is asked for: [from, to), either open. */
struct report_ask {
	time_t	 t[2];
	int	 has[2];
};

/* The report's JSON text into out, read through st (readjob.h). */
static int
report_make(void *arg, struct store *st, const atomic_int *stop,
    struct spool *out, struct fail *f)
{
	static const char *sql_next = "SELECT " REGISTRATION_NEXT_NUMBER;
	const struct report_ask *ask = arg;
	struct report	 rp;
	int		 slow;
	int64_t		 next, milestone, people, edge[2], lo;
	sqlite3_stmt	*stmt;

	(void)stop;		/* bounded: some 100 ms at the most */
	(void)f;
	memset(&rp, 0, sizeof rp);
	rp.from = ask->has[0] ? (int64_t)ask->t[0] : INT64_MIN;
	rp.to = ask->has[1] ? (int64_t)ask->t[1] : INT64_MAX;
	report_load(st, &rp);
	/* Before 1970 nothing is counted, as ever. */
	lo = ask->has[0] ? rp.from : -1;
	slow = report_cells(st, &rp) != 0;
	if (!slow) {
		report_edges(&rp, edge);
		if (edge[0] >= edge[1])
			slow = report_edge(st, &rp, lo, rp.to) != 0;
		else
			slow = report_edge(st, &rp, lo, edge[0]) != 0 ||
			    report_edge(st, &rp, edge[1], rp.to) != 0;
	}
	if (slow) {
		report_clear(&rp);
		report_sessions(st, &rp, lo, rp.to);
	}

	if (!ask->has[0] && !ask->has[1] && !slow) {
		stmt = store_stmt(st, sql_people_all);
		people = sqlite3_step(stmt) == SQLITE_ROW ?
		    sqlite3_column_int64(stmt, 0) : 0;
		sqlite3_reset(stmt);
	} else
		people = report_people(st, &rp);
	next = store_int(st, 1, sql_next, NULL);
	milestone = ((next + REPORT_MILESTONE - 1) / REPORT_MILESTONE) *
	    REPORT_MILESTONE;

	report_text(&rp, people, next, milestone, out);
	report_free(&rp);
	return (0);
}

static void
report_ask_free(void *arg)
{
	free(arg);
}

/*
 * GET /v1/stats. A national system's report of every year takes some
 * 50 ms and a span's months cut by its ends take longer: a read job
 * makes it, not the loop.
 */
int
stats_show(struct api_req *req)
{
	static const struct readjob_ops ops = { "stats", report_make,
	    report_ask_free };
	struct report_ask	*ask;

	if (param_check_query(req, "from", "to", (char *)NULL) != 0)
		return (-1);
	ask = xcalloc(1, sizeof *ask);
	if (param_time(req, "from", &ask->t[0], &ask->has[0]) != 0 ||
	    param_time(req, "to", &ask->t[1], &ask->has[1]) != 0) {
		free(ask);
		return (-1);
	}
	return (readjob_run(req, &ops, ask));
}
