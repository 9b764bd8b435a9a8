/*
 * The sessions a feed, a page or an export shows (struct members, from a
 * membership query of feedkind.c), with what follows from the list: its
 * span, its zones and when anything in it last changed. feeds.c keeps
 * one per feed and patches it from the journal.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feeds.h"

void
members_free(struct members *m)
{
	size_t	 i;

	free(m->ids);
	free(m->revs);
	free(m->rows);
	for (i = 0; i < m->ntz; i++)
		free(m->tzids[i]);
	free(m->tzids);
}

/* Adds id to a small set; returns 1 if it was new. */
static int
members_set_add(int64_t **set, size_t *n, int64_t id)
{
	size_t	 i;

	for (i = 0; i < *n; i++) {
		if ((*set)[i] == id)
			return (0);
	}
	*set = xreallocarray(*set, *n + 1, sizeof **set);
	(*set)[(*n)++] = id;
	return (1);
}

/* Appends one member; m has room for it (members_room()). */
void
members_add(struct members *m, int64_t id, int64_t rev,
    const struct member *row)
{
	m->ids[m->n] = id;
	m->revs[m->n] = rev;
	m->rows[m->n] = *row;
	m->n++;
}

void
members_room(struct members *m, size_t n)
{
	if (m->cap >= n && m->ids != NULL)
		return;
	m->cap = n > 64 ? n : 64;
	m->ids = xreallocarray(m->ids, m->cap, sizeof *m->ids);
	m->revs = xreallocarray(m->revs, m->cap, sizeof *m->revs);
	m->rows = xreallocarray(m->rows, m->cap, sizeof *m->rows);
}

/* Reads the rows of a membership query whose parameters are bound. */
void
feeds_members_read(sqlite3_stmt *stmt, struct members *m)
{
	struct member	 row;

	memset(m, 0, sizeof *m);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if (m->n == m->cap || m->ids == NULL)
			members_room(m, 2 * m->cap);
		row.venue = sqlite3_column_int64(stmt, 2);
		row.start = (time_t)sqlite3_column_int64(stmt, 3);
		row.end = (time_t)sqlite3_column_int64(stmt, 4);
		row.updated = (time_t)sqlite3_column_int64(stmt, 5);
		row.course = sqlite3_column_int64(stmt, 6);
		row.cancelled = sqlite3_column_int(stmt, 7);
		/* The waitlist bit rides on the rev: a promotion changes it. */
		members_add(m, sqlite3_column_int64(stmt, 0),
		    sqlite3_column_int64(stmt, 1) * 2 +
		    sqlite3_column_int(stmt, 8), &row);
	}
	sqlite3_reset(stmt);
}

/*
 * Runs a membership query whose parameters are already bound, then reads
 * the zones and change times of the few venues and course types used.
 */
void
feeds_members(struct store *st, sqlite3_stmt *stmt, struct members *m)
{
	feeds_members_read(stmt, m);
	feeds_members_finish(st, m);
}

/*
 * What follows from the list: its first start and last end, its zones
 * (in the order their venues first appear) and when anything in it last
 * changed, with the few venues and course types read.
 */
void
feeds_members_finish(struct store *st, struct members *m)
{
	static const char *sql_venue = "SELECT timezone, updated_at FROM "
	    "venue WHERE id = ?";
	static const char *sql_course = "SELECT updated_at FROM course WHERE "
	    "id = ?";
	const struct member *row;
	int64_t		*venues = NULL, *courses = NULL;
	size_t		 nv = 0, nc = 0, i, k;
	sqlite3_stmt	*q;
	const char	*tz;
	time_t		 lm;

	m->from = m->until = m->last_modified = 0;
	for (i = 0; i < m->n; i++) {
		row = &m->rows[i];
		if (nv == 0 || venues[nv - 1] != row->venue)
			members_set_add(&venues, &nv, row->venue);
		if (nc == 0 || courses[nc - 1] != row->course)
			members_set_add(&courses, &nc, row->course);
		if (i == 0 || row->start < m->from)
			m->from = row->start;
		if (i == 0 || row->end > m->until)
			m->until = row->end;
		if (row->updated > m->last_modified)
			m->last_modified = row->updated;
	}

	for (i = 0; i < nv; i++) {
		q = store_stmt(st, sql_venue);
		sqlite3_bind_int64(q, 1, venues[i]);
		if (sqlite3_step(q) == SQLITE_ROW) {
			tz = store_col(q, 0);
			for (k = 0; k < m->ntz; k++) {
				if (strcmp(m->tzids[k], tz) == 0)
					break;
			}
			if (k == m->ntz) {
				m->tzids = xreallocarray(m->tzids, m->ntz + 1,
				    sizeof *m->tzids);
				m->tzids[m->ntz++] = xstrdup(tz);
			}
			if ((time_t)sqlite3_column_int64(q, 1) >
			    m->last_modified)
				m->last_modified = sqlite3_column_int64(q, 1);
		}
		sqlite3_reset(q);
	}
	for (i = 0; i < nc; i++) {
		lm = (time_t)store_int(st, 0, sql_course, "i", courses[i]);
		if (lm > m->last_modified)
			m->last_modified = lm;
	}
	free(venues);
	free(courses);
}
