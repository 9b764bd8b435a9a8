/*
 * The statistics report (GET /v1/stats) between its two files:
 * stats-report.c reads and sums it, stats-json.c writes it as JSON text.
 */
#ifndef STATS_REPORT_H
#define STATS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

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
	struct istr	*vname, *title;	/* a venue's name, a course type's
					 * title, when it is their slug */
	uint32_t	 rank[R_N];	/* its place among the months, ... */
	uint32_t	 cells;		/* a month's: its cells' bucket + 1 */
};

/*
 * One row of a breakdown: its key (the month, with venue and course type
 * in G_MVC, whose names their slugs' istr hold), its name and its
 * figures. 64 bytes: a national system's report of every year has
 * 60,000 rows of G_MVC, each kept until the report is written.
 */
enum { F_SESSIONS, F_REGS, F_ATTENDED, F_NO_SHOW, F_N };
struct report_row {
	struct istr	*key, *name;
	struct istr	*venue, *course;	/* G_MVC, else NULL */
	int64_t		 n[F_N];
};

/*
 * The summary rows (cells) of one month, kept for G_MVC in a few bytes
 * each until the rows of that month are written: each cell a row of
 * G_MVC, its venue's and course type's places in venues and courses and
 * its figures, each a varint (report_varint_put()), in blocks of
 * REPORT_CELLS_BLOCK bytes taken with the report's strings. A national
 * system's 60,000 cells take some 400 KB so, where rows of G_MVC (64
 * bytes, an index and qsort()'s copy) took 5 MB, the high-water mark of
 * the report.
 */
#define REPORT_CELLS_BLOCK	2048
/* A cell's record at most: its two places and F_N figures, 10 B each. */
#define REPORT_CELL_MAX		((2 + F_N) * 10)
struct report_block {
	struct report_block *next;
	size_t		 len;
	unsigned char	 data[REPORT_CELLS_BLOCK];
};
struct report_cells {
	struct istr	*month;
	struct report_block *first, *last;
};

/* v at p, seven bits a byte (a figure or a place: small): its length. */
static inline size_t
report_varint_put(unsigned char *p, int64_t v)
{
	uint64_t	 u = (uint64_t)v;
	size_t		 n = 0;

	do {
		p[n++] = (unsigned char)((u & 0x7f) | (u > 0x7f ? 0x80 : 0));
		u >>= 7;
	} while (u != 0);
	return (n);
}

static inline int64_t
report_varint_get(const unsigned char **p)
{
	uint64_t	 u = 0;
	int		 shift = 0;

	do {
		u |= (uint64_t)(**p & 0x7f) << shift;
		shift += 7;
	} while (*(*p)++ & 0x80);
	return ((int64_t)u);
}

/* A breakdown: its rows, found by key through an open-addressed index. */
struct report_group {
	struct report_row *rows;
	size_t		 len, cap;
	uint32_t	*slot;		/* row + 1; 0 is empty */
	size_t		 nslot;		/* a power of two */
};

/* The breakdowns; G_MVC is month, venue and course together, the rows a
 * report to the municipality (or a spreadsheet's pivot table) is made of. */
enum { G_COURSE, G_VENUE, G_MONTH, G_MVC, G_N };

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
	char		*text;	/* NULL: out of the range kmonths() makes */
	struct istr	*month;	/* text interned, once a cell names it */
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
	struct report_cells	*cells;		/* by month; G_MVC's cells */
	size_t			 ncells;
	struct istr		**is;		/* the interned strings */
	size_t			 nis, nisslot;
	char			**blocks;	/* where they are kept */
	size_t			 nblocks, used, left;
};

/* stats-report.c */
/* A new row at the end of g, zeroed. */
struct report_row *report_push(struct report_group *);
/*
 * n added to the row of G_MVC (or of one month's rows, g) of month, venue
 * and course, made when it is new; its name is the month's (report_mname()).
 */
void	 report_mvc_add(struct report_group *g, struct istr *month,
	    struct istr *venue, struct istr *course, const int64_t *n);

/* stats-json.c */
/*
 * The most venue by course type pairs a month's rows of G_MVC are summed
 * in a table of (REPORT_DENSE); with more, by hash and qsort(). A unit
 * test sets it lower to take that way on a small data set.
 */
extern size_t	 report_dense_max;
/* s as a JSON string, quoted, as json_dumps() writes it. */
void	 report_json_str(struct buf *, const char *s);
/*
 * The report's text into out (a read job's spool): the breakdowns (sorted
 * here), the totals, people and the running number's next value and
 * milestone.
 */
struct spool;
void	 report_text(struct report *, int64_t people, int64_t next,
	    int64_t milestone, struct spool *out);

#endif
