/*
 * GET /v1/stats: what the library reports to its municipality. Sessions,
 * confirmed seats and attendance by course type, venue, month, and month,
 * venue and course type together; the people with a seat; the next
 * milestone of the running number.
 *
 * It reads the summary rows the triggers keep (stats_cell, schema step 14)
 * for the local months wholly in range, and counts the sessions of the
 * months at the range's edges one by one, each from the covering index.
 * The breakdowns are summed in C and written as JSON text in one pass:
 * the report of a national library system is some 60,000 rows, and a
 * jansson tree of them took seconds to build and write. It is made by a
 * read job (readjob.c), not on the loop: every year of a national system
 * takes some 50 ms, and a span whose edges cut months (their sessions
 * counted one by one) some 300 ms.
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
#include "kursusd.h"
#include "readjob.h"

#define REPORT_MILESTONE	500

/* Where a session's month ends: where the next one of its zone begins. */
#define REPORT_MONTH_END(tz, at)					\
	"coalesce((SELECT min(e.at) FROM stats_month e WHERE e.timezone = " \
	tz " AND e.at > " at "), 9223372036854775807)"
#define REPORT_WHOLLY_IN(tz, at)					\
	"(" at " >= coalesce(?3, -9223372036854775807) AND "		\
	REPORT_MONTH_END(tz, at) " <= coalesce(?4, 9223372036854775807))"

/*
 * The sessions of one edge of the range, [?1, ?2), counted one by one:
 * those whose month is not wholly in the range [?3, ?4); every one when
 * ?5.
 */
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
    "  AND s.status != 'cancelled' AND (?5 OR NOT "
    REPORT_WHOLLY_IN("v.timezone", STATS_MONTH_OF("s")) ")";

/* People (not registrations) with a confirmed seat in range: their ids,
 * counted once each by report_people(). */
static const char *sql_people = "SELECT r.participant_id "
    "FROM registration r JOIN session s ON s.id = r.session_id "
    "WHERE r.status = 'confirmed' AND s.status != 'cancelled' "
    "AND s.start_at >= coalesce(?1, -1) "
    "AND s.start_at < coalesce(?2, 9223372036854775807)";
static const char *sql_people_all = "SELECT n FROM tally WHERE what = "
    "'people'";
static const char *sql_people_max = "SELECT max(id) FROM participant";
#define REPORT_PEOPLE_BITS	((int64_t)1 << 27)	/* 16 MiB of bitmap */

static const char *danish_months[] = { "januar", "februar", "marts",
    "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december" };

/*
 * Every string of the report is interned once, raw and as a JSON string
 * (escaped, quoted), so that 60,000 rows naming 100 venues copy bytes
 * rather than escape them, and rows are found by the strings' addresses.
 */
enum { R_MONTH, R_VENUE, R_COURSE, R_N };
struct istr {
	char		*raw, *json;
	size_t		 jlen;
	struct istr	*mname;		/* a month's "januar 2026" */
	uint32_t	 rank[R_N];	/* its place among the months, ... */
};

/* One row of a breakdown: its key (month, venue and course type in G_MVC,
 * with their names), its name and its figures. */
enum { F_SESSIONS, F_REGS, F_ATTENDED, F_NO_SHOW, F_N };
enum { X_MONTH, X_VENUE, X_VNAME, X_COURSE, X_TITLE, X_N };
struct report_row {
	struct istr	*key, *name;
	struct istr	*x[X_N];	/* G_MVC */
	uint64_t	 order[2];	/* G_MVC: month and venue, course */
	int64_t		 n[F_N];
};

/* A breakdown: its rows, found by key through an open-addressed index. */
struct report_group {
	struct report_row *rows;
	size_t		 len, cap;
	size_t		*slot;		/* row + 1; 0 is empty */
	size_t		 nslot;		/* a power of two */
};

/* The breakdowns; G_MVC is month, venue and course together, the rows a
 * report to the municipality (or a spreadsheet's pivot table) is made of. */
enum { G_COURSE, G_VENUE, G_MONTH, G_MVC, G_N };
static const char *report_group_names[G_N] = { "by_course", "by_venue",
    "by_month", "by_month_venue_course" };

/* What the cells are read against: the venues, course types and months. */
struct report_venue {
	int64_t		 id;
	struct istr	*slug, *name;
	size_t		 zone;
};
struct report_course {
	int64_t		 id;
	struct istr	*slug, *title;
};
struct report_month {
	int64_t		 at;
	struct istr	*month;	/* NULL: out of the range kmonths() makes */
};
struct report_zone {
	char		*tz;
	struct report_month *m;
	size_t		 n;
};
struct report {
	struct report_group	 g[G_N];
	int64_t			 total[F_N];
	struct report_venue	*venues;
	size_t			 nvenues;
	struct report_course	*courses;
	size_t			 ncourses;
	struct report_zone	*zones;
	size_t			 nzones;
	int64_t			 from, to;	/* INT64_MIN, INT64_MAX: none */
	struct istr		**is;		/* the interned strings */
	size_t			 nis, nisslot;
	char			**blocks;	/* where they are kept */
	size_t			 nblocks, used, left;
};

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

static size_t
report_hash(const char *s)
{
	size_t	 h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h);
}

static void report_json_str(struct buf *, const char *);

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
			len = report_hash(old[i]->raw) & (rp->nisslot - 1);
			while (rp->is[len] != NULL)
				len = (len + 1) & (rp->nisslot - 1);
			rp->is[len] = old[i];
		}
		free(old);
	}
	i = report_hash(s) & (rp->nisslot - 1);
	for (; rp->is[i] != NULL; i = (i + 1) & (rp->nisslot - 1))
		if (strcmp(rp->is[i]->raw, s) == 0)
			return (rp->is[i]);
	is = (struct istr *)(void *)report_alloc(rp, sizeof *is);
	len = strlen(s);
	is->raw = memcpy(report_alloc(rp, len + 1), s, len + 1);
	report_json_str(&b, s);
	is->jlen = b.len;
	is->json = memcpy(report_alloc(rp, b.len + 1), b.data, b.len + 1);
	buf_free(&b);
	is->mname = NULL;
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

	i = report_hashp(r->key, r->x[X_VENUE], r->x[X_COURSE]) &
	    (g->nslot - 1);
	while (g->slot[i] != 0)
		i = (i + 1) & (g->nslot - 1);
	g->slot[i] = row + 1;
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
			if (r->key == key && r->x[X_VENUE] == venue &&
			    r->x[X_COURSE] == course)
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
	if (g->len == g->cap) {
		g->cap = g->cap == 0 ? 64 : g->cap * 2;
		g->rows = xreallocarray(g->rows, g->cap, sizeof *g->rows);
	}
	r = &g->rows[g->len];
	memset(r, 0, sizeof *r);
	r->key = key;
	r->x[X_VENUE] = venue;
	r->x[X_COURSE] = course;
	report_index(g, g->len++);
	return (r);
}

/* One session's figures, or a cell's, in every breakdown. */
static void
report_add(struct report *rp, struct istr *course, struct istr *title,
    struct istr *venue, struct istr *vname, struct istr *month,
    const int64_t *n)
{
	struct report_row	*r[G_N];
	struct istr		*mname = report_mname(rp, month);
	int			 g, f;

	r[G_COURSE] = report_row(&rp->g[G_COURSE], course, NULL, NULL);
	r[G_COURSE]->name = title;
	r[G_VENUE] = report_row(&rp->g[G_VENUE], venue, NULL, NULL);
	r[G_VENUE]->name = vname;
	r[G_MONTH] = report_row(&rp->g[G_MONTH], month, NULL, NULL);
	r[G_MONTH]->name = mname;
	r[G_MVC] = report_row(&rp->g[G_MVC], month, venue, course);
	if (r[G_MVC]->x[X_MONTH] == NULL) {
		r[G_MVC]->name = mname;
		r[G_MVC]->x[X_MONTH] = month;
		r[G_MVC]->x[X_VNAME] = vname;
		r[G_MVC]->x[X_TITLE] = title;
	}
	for (f = 0; f < F_N; f++) {
		for (g = 0; g < G_N; g++)
			r[g]->n[f] += n[f];
		rp->total[f] += n[f];
	}
}

static void
report_group_free(struct report_group *g)
{
	free(g->rows);
	free(g->slot);
	memset(g, 0, sizeof *g);
}

static void
report_free(struct report *rp)
{
	size_t	 i;
	int	 g;

	for (g = 0; g < G_N; g++)
		report_group_free(&rp->g[g]);
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
		z->m = xreallocarray(z->m, z->n + 1, sizeof *z->m);
		z->m[z->n].at = sqlite3_column_int64(stmt, 1);
		month = (const char *)sqlite3_column_text(stmt, 2);
		z->m[z->n++].month = month != NULL ? report_intern(rp, month) :
		    NULL;
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

	stmt = store_stmt(st, "SELECT venue_id, course_id, month_at, "
	    "sessions, registrations, attended, no_show FROM stats_cell "
	    "WHERE sessions > 0");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		v = rp->nvenues == 0 ? NULL : bsearch(&id, rp->venues,
		    rp->nvenues, sizeof *v, report_cmp_id);
		id = sqlite3_column_int64(stmt, 1);
		c = rp->ncourses == 0 ? NULL : bsearch(&id, rp->courses,
		    rp->ncourses, sizeof *c, report_cmp_id);
		if (v == NULL || c == NULL || v->zone >= rp->nzones) {
			rc = -1;
			break;
		}
		z = &rp->zones[v->zone];
		m = report_month(z, sqlite3_column_int64(stmt, 2));
		if (m < 0 || z->m[m].at != sqlite3_column_int64(stmt, 2) ||
		    z->m[m].month == NULL) {
			rc = -1;
			break;
		}
		until = (size_t)m + 1 < z->n ? z->m[m + 1].at : INT64_MAX;
		if (z->m[m].at < rp->from || until > rp->to)
			continue;
		for (f = 0; f < F_N; f++)
			n[f] = sqlite3_column_int64(stmt, 3 + f);
		report_add(rp, c->slug, c->title, v->slug, v->name,
		    z->m[m].month, n);
	}
	sqlite3_reset(stmt);
	return (rc);
}

/*
 * The edges: the latest first month-start at or after from, and the
 * earliest last month-start at or before to, over the venues' zones.
 * Returns 1 when the venues share one zone.
 */
static int
report_edges(const struct report *rp, int64_t *edge)
{
	const struct report_zone *z;
	ssize_t		 m;
	size_t		 i;
	int		 one = 1;

	edge[0] = INT64_MIN;
	edge[1] = INT64_MAX;
	for (i = 0; i < rp->nvenues; i++) {
		if (rp->venues[i].zone >= rp->nzones)
			continue;
		if (rp->venues[i].zone != rp->venues[0].zone)
			one = 0;
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
	return (one);
}

/* The sessions of [lo, hi) counted one by one, into the breakdowns. */
static void
report_sessions(struct store *st, struct report *rp, int64_t lo,
    int64_t hi, int slow)
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
	if (rp->from != INT64_MIN)
		sqlite3_bind_int64(stmt, 3, rp->from);
	if (rp->to != INT64_MAX)
		sqlite3_bind_int64(stmt, 4, rp->to);
	sqlite3_bind_int(stmt, 5, slow);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		for (i = 0; i < 5; i++)
			col[i] = report_intern(rp,
			    (const char *)sqlite3_column_text(stmt, i));
		for (i = 0; i < F_N; i++)
			n[i] = sqlite3_column_int64(stmt, 5 + i);
		report_add(rp, col[0], col[1], col[2], col[3], col[4], n);
	}
	sqlite3_reset(stmt);
}

/* --- the JSON text, as json_dumps(JSON_COMPACT) writes it --------------- */

static void
report_json_str(struct buf *b, const char *s)
{
	/* The characters with a short escape, and the letter of each. */
	static const char	 esc[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
	const char		*run, *e;
	char			 two[2] = { '\\', 0 };

	buf_addc(b, '"');
	for (run = s; *s != '\0'; s++) {
		if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			continue;
		buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		if ((e = strchr(esc, *s)) != NULL) {
			two[1] = letter[e - esc];
			buf_add(b, two, 2);
		} else
			buf_addf(b, "\\u%04X", (unsigned int)(unsigned char)*s);
	}
	buf_add(b, run, (size_t)(s - run));
	buf_addc(b, '"');
}

/*
 * The rows are written through a pointer into room made for the whole row
 * beforehand (REPORT_ROW_ROOM): one check a row, not one a piece.
 */
struct report_lit {
	const char	*s;
	size_t		 n;
};
#define REPORT_LIT(s)		{ s, sizeof(s) - 1 }
#define REPORT_PUT(p, lit)	report_put((p), (lit), sizeof(lit) - 1)

static inline char *
report_put(char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return (p + n);
}

static char *
report_int(char *p, int64_t v)
{
	char		 d[24], *q = d + sizeof d;
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--q = '-';
	return (report_put(p, q, (size_t)(d + sizeof d - q)));
}

/*
 * The attendance rate (null when nothing is recorded): 17 significant
 * digits, always with a point or an exponent, the exponent with neither
 * '+' nor leading zeros, as jansson writes a real; at most 24 bytes. The
 * rows of a month, venue and course type share few pairs of figures: the
 * last text of each is kept (cache, by the pair's hash).
 */
#define REPORT_RATES	4096
struct report_rate {
	int64_t	 a, n;
	char	 s[32];
	size_t	 len;
};

static char *
report_rate(char *p, int64_t attended, int64_t no_show,
    struct report_rate *cache)
{
	struct report_rate *c;
	char		 s[64], *e, *d;
	size_t		 len;

	if (attended + no_show <= 0)
		return (REPORT_PUT(p, "null"));
	c = &cache[((uint64_t)attended * 40503u + (uint64_t)no_show) %
	    REPORT_RATES];
	if (c->len > 0 && c->a == attended && c->n == no_show)
		return (report_put(p, c->s, c->len));
	snprintf(s, sizeof s, "%.17g", (double)attended /
	    (double)(attended + no_show));
	if (strchr(s, '.') == NULL && strchr(s, 'e') == NULL)
		memcpy(s + strlen(s), ".0", 3);
	if ((e = strchr(s, 'e')) != NULL) {
		e++;
		if (*e == '-')
			e++;
		for (d = e; *d == '+' || *d == '0'; d++)
			;
		len = strlen(d);
		memmove(e, d, len + 1);
	}
	len = strlen(s);
	if (len < sizeof c->s) {
		c->a = attended;
		c->n = no_show;
		c->len = len;
		memcpy(c->s, s, len);
	}
	return (report_put(p, s, len));
}

/* The figures, each ,"name":N: at most 4 * 40 bytes. */
static char *
report_figures(char *p, const int64_t *n)
{
	static const struct report_lit names[F_N] = {
	    REPORT_LIT(",\"sessions\":"), REPORT_LIT(",\"registrations\":"),
	    REPORT_LIT(",\"attended\":"), REPORT_LIT(",\"no_show\":") };
	int	 f;

	for (f = 0; f < F_N; f++)
		p = report_int(report_put(p, names[f].s, names[f].n), n[f]);
	return (p);
}

/* A JSON string's text between its quotes. */
static char *
report_inner(char *p, const struct istr *is)
{
	return (report_put(p, is->json + 1, is->jlen - 2));
}

/* Room for row r's text: its strings, twice at most, and 512 more. */
static size_t
report_row_room(const struct report_row *r)
{
	size_t	 n = 512 + 2 * (r->key->jlen + r->name->jlen);
	int	 j;

	for (j = 0; j < X_N; j++)
		if (r->x[j] != NULL)
			n += 2 * r->x[j]->jlen;
	return (n);
}

static char *
report_row_json(char *p, const struct report_row *r, int mvc,
    struct report_rate *cache)
{
	static const struct report_lit extra[X_N] = { REPORT_LIT(",\"month\":"),
	    REPORT_LIT(",\"venue\":"), REPORT_LIT(",\"venue_name\":"),
	    REPORT_LIT(",\"course\":"), REPORT_LIT(",\"course_title\":") };
	int	 j;

	p = REPORT_PUT(p, "{\"key\":");
	if (mvc) {
		p = REPORT_PUT(p, "\"");
		p = REPORT_PUT(report_inner(p, r->key), "/");
		p = REPORT_PUT(report_inner(p, r->x[X_VENUE]), "/");
		p = REPORT_PUT(report_inner(p, r->x[X_COURSE]), "\"");
	} else
		p = report_put(p, r->key->json, r->key->jlen);
	p = REPORT_PUT(p, ",\"name\":");
	p = report_figures(report_put(p, r->name->json, r->name->jlen), r->n);
	for (j = 0; mvc && j < X_N; j++)
		p = report_put(report_put(p, extra[j].s, extra[j].n),
		    r->x[j]->json, r->x[j]->jlen);
	p = REPORT_PUT(p, ",\"attendance_rate\":");
	p = report_rate(p, r->n[F_ATTENDED], r->n[F_NO_SHOW], cache);
	return (REPORT_PUT(p, "}"));
}

static int
report_cmp_key(const void *a, const void *b)
{
	const struct report_row *x = a, *y = b;

	return (strcmp(x->key->raw, y->key->raw));
}

static int
report_cmp_name(const void *a, const void *b)
{
	const struct report_row *x = a, *y = b;
	int	 c = strcasecmp(x->name->raw, y->name->raw);

	return (c != 0 ? c : strcmp(x->key->raw, y->key->raw));
}

/*
 * The rows of month, venue and course type sort as their keys
 * "month/venue/course" would, by strcmp(), without writing the keys: each
 * part is ranked among its kind, a month's or a venue's compared as if
 * '/' followed it (slugs hold no '/', and '-' sorts before it).
 */
static int
report_cmp_part(const void *a, const void *b)
{
	const char	*x = (*(struct istr *const *)a)->raw;
	const char	*y = (*(struct istr *const *)b)->raw;
	int		 cx, cy;

	for (;; x++, y++) {
		cx = *x != '\0' ? (unsigned char)*x : '/';
		cy = *y != '\0' ? (unsigned char)*y : '/';
		if (cx != cy)
			return (cx - cy);
		if (*x == '\0' || *y == '\0')
			return (*y != '\0' ? -1 : *x != '\0');
	}
}

static int
report_cmp_raw(const void *a, const void *b)
{
	return (strcmp((*(struct istr *const *)a)->raw,
	    (*(struct istr *const *)b)->raw));
}

/* The place of each key of g among them, as rank[role]. */
static void
report_rank(struct report_group *g, int role)
{
	struct istr	**v;
	size_t		 i;

	if (g->len == 0)
		return;
	v = xcalloc(g->len, sizeof *v);
	for (i = 0; i < g->len; i++)
		v[i] = g->rows[i].key;
	qsort(v, g->len, sizeof *v, role == R_COURSE ? report_cmp_raw :
	    report_cmp_part);
	for (i = 0; i < g->len; i++)
		v[i]->rank[role] = (uint32_t)i;
	free(v);
}

static int
report_cmp_mvc(const void *a, const void *b)
{
	const struct report_row *x = a, *y = b;

	if (x->order[0] != y->order[0])
		return (x->order[0] < y->order[0] ? -1 : 1);
	return ((x->order[1] > y->order[1]) - (x->order[1] < y->order[1]));
}

/* G_MVC's rows in the order of their keys. */
static void
report_sort_mvc(struct report *rp)
{
	struct report_group	*g = &rp->g[G_MVC];
	struct report_row	*r;
	size_t			 i;

	report_rank(&rp->g[G_MONTH], R_MONTH);
	report_rank(&rp->g[G_VENUE], R_VENUE);
	report_rank(&rp->g[G_COURSE], R_COURSE);
	for (i = 0; i < g->len; i++) {
		r = &g->rows[i];
		r->order[0] = (uint64_t)r->x[X_MONTH]->rank[R_MONTH] << 32 |
		    r->x[X_VENUE]->rank[R_VENUE];
		r->order[1] = r->x[X_COURSE]->rank[R_COURSE];
	}
	if (g->len > 1)
		qsort(g->rows, g->len, sizeof *g->rows, report_cmp_mvc);
}

static void
report_group_json(struct buf *b, struct report_group *g, int by_key,
    int mvc, struct report_rate *cache)
{
	size_t	 i;
	char	*p;

	if (g->len > 1 && !mvc)	/* rows is NULL in a group left empty */
		qsort(g->rows, g->len, sizeof *g->rows, by_key ?
		    report_cmp_key : report_cmp_name);
	buf_addc(b, '[');
	for (i = 0; i < g->len; i++) {
		buf_grow(b, report_row_room(&g->rows[i]));
		p = b->data + b->len;
		if (i > 0)
			p = REPORT_PUT(p, ",");
		p = report_row_json(p, &g->rows[i], mvc, cache);
		b->len = (size_t)(p - b->data);
	}
	buf_addc(b, ']');
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

static int
report_cmp_int64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

/*
 * The people with a confirmed seat in rp's range, each counted once: a
 * bit of a bitmap by id, or (ids beyond REPORT_PEOPLE_BITS) a sorted
 * list. SQL's count(DISTINCT) kept a temporary b-tree of the ids: for a
 * year of a national system, 540,000 of them, 150 of the report's 260 ms.
 */
static int64_t
report_people(struct store *st, const struct report *rp)
{
	sqlite3_stmt	*stmt;
	uint64_t	*bits = NULL;
	int64_t		*ids = NULL, max, id, n = 0;
	size_t		 len = 0, cap = 0, i;

	max = store_int(st, -1, sql_people_max, NULL);
	if (max >= 0 && max < REPORT_PEOPLE_BITS)
		bits = xcalloc((size_t)max / 64 + 1, sizeof *bits);
	stmt = report_range(st, sql_people, rp);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		if (bits != NULL && id >= 0 && id <= max) {
			if ((bits[id / 64] & (UINT64_C(1) << (id % 64))) == 0)
				n++;
			bits[id / 64] |= UINT64_C(1) << (id % 64);
			continue;
		}
		if (len == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			ids = xreallocarray(ids, cap, sizeof *ids);
		}
		ids[len++] = id;
	}
	sqlite3_reset(stmt);
	if (len > 0)
		qsort(ids, len, sizeof *ids, report_cmp_int64);
	for (i = 0; i < len; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			n++;
	free(bits);
	free(ids);
	return (n);
}

/* What a report is asked for: [from, to), either open. */
struct report_ask {
	time_t	 t[2];
	int	 has[2];
};

/* The report's JSON text, read through st (readjob.h). */
static char *
report_make(void *arg, struct store *st, const atomic_int *stop,
    size_t *len, struct fail *f)
{
	static const char *sql_next = "SELECT CAST(value AS INTEGER) FROM "
	    "settings WHERE key = 'next_number'";
	const struct report_ask *ask = arg;
	struct report	 rp;
	struct report_rate *cache;
	struct buf	 b = BUF_INIT;
	char		*p;
	int		 g, slow;
	int64_t		 next, milestone, people, edge[2], lo;
	int		 one;
	sqlite3_stmt	*stmt;

	(void)stop;		/* bounded: some 100 ms at the most */
	(void)f;
	memset(&rp, 0, sizeof rp);
	rp.from = ask->has[0] ? (int64_t)ask->t[0] : INT64_MIN;
	rp.to = ask->has[1] ? (int64_t)ask->t[1] : INT64_MAX;
	report_load(st, &rp);
	/* Before 1970 nothing is counted, as ever. */
	lo = ask->has[0] ? rp.from : -1;
	if ((slow = report_cells(st, &rp) != 0)) {
		for (g = 0; g < G_N; g++)
			report_group_free(&rp.g[g]);
		memset(rp.total, 0, sizeof rp.total);
		report_sessions(st, &rp, lo, rp.to, 1);
	} else {
		/*
		 * With one zone, the edges hold only sessions of months cut
		 * by the range: none need the check.
		 */
		one = report_edges(&rp, edge);
		if (edge[0] >= edge[1])
			report_sessions(st, &rp, lo, rp.to, 0);
		else {
			report_sessions(st, &rp, lo, edge[0], one);
			report_sessions(st, &rp, edge[1], rp.to, one);
		}
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

	cache = xcalloc(REPORT_RATES, sizeof *cache);
	report_sort_mvc(&rp);
	/* Some 300 bytes a row of by_month_venue_course, once. */
	buf_grow(&b, 4096 + rp.g[G_MVC].len * 320);
	buf_addc(&b, '{');
	for (g = 0; g < G_N; g++) {
		if (g > 0)
			buf_addc(&b, ',');
		report_json_str(&b, report_group_names[g]);
		buf_addc(&b, ':');
		report_group_json(&b, &rp.g[g], g == G_MONTH || g == G_MVC,
		    g == G_MVC, cache);
	}
	buf_grow(&b, 512);
	p = report_figures(b.data + b.len, rp.total);
	p = REPORT_PUT(p, ",\"attendance_rate\":");
	p = report_rate(p, rp.total[F_ATTENDED], rp.total[F_NO_SHOW], cache);
	p = report_int(REPORT_PUT(p, ",\"participants\":"), people);
	p = report_int(REPORT_PUT(p, ",\"next_number\":"), next);
	p = report_int(REPORT_PUT(p, ",\"next_milestone\":"), milestone);
	p = report_int(REPORT_PUT(p, ",\"to_milestone\":"), milestone - next);
	p = REPORT_PUT(p, "}");
	b.len = (size_t)(p - b.data);
	b.data[b.len] = '\0';
	report_free(&rp);
	free(cache);
	return (buf_detach(&b, len));
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
