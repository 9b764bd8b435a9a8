/*
 * The statistics report's JSON text, as json_dumps(JSON_COMPACT) would
 * write it from a jansson tree, which took seconds for a national
 * system's 60,000 rows: written in one pass, each row through a pointer
 * into room made for it beforehand, its strings escaped once when they
 * were interned (stats-report.c). The text goes into the read job's
 * spool as it is written, never whole into memory.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "kursusd.h"
#include "readjob.h"
#include "stats-report.h"

static const char *report_group_names[G_N] = { "by_course", "by_venue",
    "by_month", "by_month_venue_course" };

void
report_json_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	buf_add_json(b, s, strlen(s));
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
#define REPORT_RATES	512
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

/* The strings a row of G_MVC names beside its key, in their order. */
enum { X_MONTH, X_VENUE, X_VNAME, X_COURSE, X_TITLE, X_N };
static void
report_row_x(const struct report_row *r, const struct istr *x[X_N])
{
	x[X_MONTH] = r->key;
	x[X_VENUE] = r->venue;
	x[X_VNAME] = r->venue->vname;
	x[X_COURSE] = r->course;
	x[X_TITLE] = r->course->title;
}

/* Room for row r's text: its strings, twice at most, and 512 more. */
static size_t
report_row_room(const struct report_row *r, int mvc)
{
	const struct istr *x[X_N];
	size_t		 n = 512 + 2 * (r->key->jlen + r->name->jlen);
	int		 j;

	if (mvc) {
		report_row_x(r, x);
		for (j = 0; j < X_N; j++)
			n += 2 * x[j]->jlen;
	}
	return (n);
}

static char *
report_row_json(char *p, const struct report_row *r, int mvc,
    struct report_rate *cache)
{
	static const struct report_lit extra[X_N] = { REPORT_LIT(",\"month\":"),
	    REPORT_LIT(",\"venue\":"), REPORT_LIT(",\"venue_name\":"),
	    REPORT_LIT(",\"course\":"), REPORT_LIT(",\"course_title\":") };
	const struct istr *x[X_N];
	int		 j;

	p = REPORT_PUT(p, "{\"key\":");
	if (mvc) {
		p = REPORT_PUT(p, "\"");
		p = REPORT_PUT(report_inner(p, r->key), "/");
		p = REPORT_PUT(report_inner(p, r->venue), "/");
		p = REPORT_PUT(report_inner(p, r->course), "\"");
		report_row_x(r, x);
	} else
		p = report_put(p, r->key->json, r->key->jlen);
	p = REPORT_PUT(p, ",\"name\":");
	p = report_figures(report_put(p, r->name->json, r->name->jlen), r->n);
	for (j = 0; mvc && j < X_N; j++)
		p = report_put(report_put(p, extra[j].s, extra[j].n),
		    x[j]->json, x[j]->jlen);
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
	const uint32_t	 p[3] = { x->key->rank[R_MONTH],
			    x->venue->rank[R_VENUE], x->course->rank[R_COURSE] };
	const uint32_t	 q[3] = { y->key->rank[R_MONTH],
			    y->venue->rank[R_VENUE], y->course->rank[R_COURSE] };
	int		 i;

	for (i = 0; i < 3; i++)
		if (p[i] != q[i])
			return (p[i] < q[i] ? -1 : 1);
	return (0);
}

/* Rows of g from the n-th on, each after a comma but the report's first. */
static void
report_rows_json(struct spool *out, const struct report_group *g,
    size_t *n, int mvc, struct report_rate *cache)
{
	struct buf	*b = &out->b;
	size_t		 i;
	char		*p;

	for (i = 0; i < g->len; i++, (*n)++) {
		buf_grow(b, report_row_room(&g->rows[i], mvc));
		p = b->data + b->len;
		if (*n > 0)
			p = REPORT_PUT(p, ",");
		p = report_row_json(p, &g->rows[i], mvc, cache);
		b->len = (size_t)(p - b->data);
		b->data[b->len] = '\0';
		spool_check(out);
	}
}

static void
report_group_json(struct spool *out, struct report_group *g, int by_key,
    struct report_rate *cache)
{
	size_t	 n = 0;

	if (g->len > 1)	/* rows is NULL in a group left empty */
		qsort(g->rows, g->len, sizeof *g->rows, by_key ?
		    report_cmp_key : report_cmp_name);
	buf_addc(&out->b, '[');
	report_rows_json(out, g, &n, 0, cache);
	buf_addc(&out->b, ']');
}

/*
 * A month's rows of G_MVC by the ranks of their venue and course type,
 * when the venues by the course types are few (a national system's 100
 * by 20: 64 KB): their place in the table is their order, so no row is
 * looked up by hash or sorted; with more, m's hash and qsort(). stamp[i]
 * is the month (its rank + 1) whose figures n[i] holds, so the table is
 * not cleared between months. All years of the national data set:
 * 250 M instructions before, 221 M after (callgrind). The limit is read
 * from report_dense_max, which test_stats lowers to take the other way.
 */
#define REPORT_DENSE	16384
size_t	 report_dense_max = REPORT_DENSE;

struct report_dense {
	size_t		  nv, nc;
	struct istr	**venue, **course;	/* by rank */
	uint32_t	 *stamp;
	int64_t		(*n)[F_N];
};

static void
report_dense_init(struct report_dense *d, struct report *rp)
{
	const struct report_group *gv = &rp->g[G_VENUE], *gc = &rp->g[G_COURSE];
	size_t	 i;

	memset(d, 0, sizeof *d);
	if (gv->len == 0 || gc->len == 0 ||
	    gv->len > report_dense_max / gc->len)
		return;
	d->nv = gv->len;
	d->nc = gc->len;
	d->venue = xcalloc(d->nv, sizeof *d->venue);
	for (i = 0; i < d->nv; i++)
		d->venue[gv->rows[i].key->rank[R_VENUE]] = gv->rows[i].key;
	d->course = xcalloc(d->nc, sizeof *d->course);
	for (i = 0; i < d->nc; i++)
		d->course[gc->rows[i].key->rank[R_COURSE]] = gc->rows[i].key;
	d->stamp = xcalloc(d->nv * d->nc, sizeof *d->stamp);
	d->n = xcalloc(d->nv * d->nc, sizeof *d->n);
}

static void
report_dense_free(struct report_dense *d)
{
	free(d->venue);
	free(d->course);
	free(d->stamp);
	free(d->n);
}

/* A row of month (the stamp-th) into the table, or into m by hash. */
static void
report_month_add(struct report_dense *d, struct report_group *m,
    uint32_t stamp, struct istr *month, struct istr *venue,
    struct istr *course, const int64_t *n)
{
	size_t	 i;
	int	 f;

	if (d->nv == 0) {
		report_mvc_add(m, month, venue, course, n);
		return;
	}
	i = venue->rank[R_VENUE] * d->nc + course->rank[R_COURSE];
	if (d->stamp[i] != stamp) {
		d->stamp[i] = stamp;
		memset(d->n[i], 0, sizeof d->n[i]);
	}
	for (f = 0; f < F_N; f++)
		d->n[i][f] += n[f];
}

/* The month's rows in m, in the order of their keys. */
static void
report_month_rows(struct report_dense *d, struct report_group *m,
    uint32_t stamp, struct istr *month)
{
	struct report_row	*r;
	size_t			 i;

	if (d->nv == 0) {
		if (m->len > 1)
			qsort(m->rows, m->len, sizeof *m->rows,
			    report_cmp_mvc);
		return;
	}
	for (i = 0; i < d->nv * d->nc; i++) {
		if (d->stamp[i] != stamp)
			continue;
		r = report_push(m);
		r->key = month;
		r->name = month->mname;
		r->venue = d->venue[i / d->nc];
		r->course = d->course[i % d->nc];
		memcpy(r->n, d->n[i], sizeof r->n);
	}
}

/*
 * G_MVC in the order of its keys, a month at a time: the month's cells
 * (its bucket) and its rows counted one by one (rp->g[G_MVC], the edges'
 * sessions), summed by key into one month's rows, in order and written.
 * No more than a month's rows are ever kept as rows.
 */
static void
report_mvc_json(struct spool *out, struct report *rp,
    struct report_rate *cache)
{
	struct report_group	*s = &rp->g[G_MVC], *gm = &rp->g[G_MONTH];
	struct report_group	 m;
	struct report_dense	 d;
	struct istr		**months, *month;
	const struct report_block *bl;
	const unsigned char	*p;
	size_t			 i, j, n = 0;
	int64_t			 v, c, fig[F_N];
	uint32_t		 stamp;
	int			 f;

	report_rank(gm, R_MONTH);
	report_rank(&rp->g[G_VENUE], R_VENUE);
	report_rank(&rp->g[G_COURSE], R_COURSE);
	if (s->len > 1)
		qsort(s->rows, s->len, sizeof *s->rows, report_cmp_mvc);
	months = xcalloc(gm->len + 1, sizeof *months);
	for (i = 0; i < gm->len; i++)
		months[gm->rows[i].key->rank[R_MONTH]] = gm->rows[i].key;
	memset(&m, 0, sizeof m);
	report_dense_init(&d, rp);
	buf_addc(&out->b, '[');
	for (i = 0, j = 0; i < gm->len; i++) {
		month = months[i];
		stamp = (uint32_t)i + 1;
		m.len = 0;
		if (m.nslot > 0)
			memset(m.slot, 0, m.nslot * sizeof *m.slot);
		bl = month->cells != 0 ? rp->cells[month->cells - 1].first :
		    NULL;
		for (; bl != NULL; bl = bl->next) {
			for (p = bl->data; p < bl->data + bl->len;) {
				v = report_varint_get(&p);
				c = report_varint_get(&p);
				for (f = 0; f < F_N; f++)
					fig[f] = report_varint_get(&p);
				report_month_add(&d, &m, stamp, month,
				    rp->venues[v].slug, rp->courses[c].slug,
				    fig);
			}
		}
		for (; j < s->len && s->rows[j].key == month; j++)
			report_month_add(&d, &m, stamp, month,
			    s->rows[j].venue, s->rows[j].course, s->rows[j].n);
		report_month_rows(&d, &m, stamp, month);
		report_rows_json(out, &m, &n, 1, cache);
	}
	buf_addc(&out->b, ']');
	report_dense_free(&d);
	free(m.rows);
	free(m.slot);
	free(months);
}

void
report_text(struct report *rp, int64_t people, int64_t next,
    int64_t milestone, struct spool *out)
{
	struct report_rate *cache;
	struct buf	*b = &out->b;
	char		*p;
	int		 g;

	cache = xcalloc(REPORT_RATES, sizeof *cache);
	buf_addc(b, '{');
	for (g = 0; g < G_N; g++) {
		if (g > 0)
			buf_addc(b, ',');
		report_json_str(b, report_group_names[g]);
		buf_addc(b, ':');
		if (g == G_MVC)
			report_mvc_json(out, rp, cache);
		else
			report_group_json(out, &rp->g[g], g == G_MONTH, cache);
	}
	buf_grow(b, 512);
	p = report_figures(b->data + b->len, rp->total);
	p = REPORT_PUT(p, ",\"attendance_rate\":");
	p = report_rate(p, rp->total[F_ATTENDED], rp->total[F_NO_SHOW],
	    cache);
	p = report_int(REPORT_PUT(p, ",\"participants\":"), people);
	p = report_int(REPORT_PUT(p, ",\"next_number\":"), next);
	p = report_int(REPORT_PUT(p, ",\"next_milestone\":"), milestone);
	p = report_int(REPORT_PUT(p, ",\"to_milestone\":"), milestone - next);
	p = REPORT_PUT(p, "}");
	b->len = (size_t)(p - b->data);
	b->data[b->len] = '\0';
	free(cache);
}
