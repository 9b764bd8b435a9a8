/*
 * The rules of the venue's calendar that scheduling asks: whether a day
 * is closed (a holiday by [calendar] holidays, or a closure of the
 * library's or the venue's), which room a name means, and whether a
 * session clashes with another in its room. Days are local dates in the
 * venue's zone. A venue without rooms is one room; a session at a venue
 * with rooms that names none takes the whole venue (nobody knows which
 * room it holds), so it clashes with every session there, and they with
 * it. The routes are closure.c's and room.c's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "calendars.h"
#include "kursusd.h"

/* The local date of t in tz, "YYYY-MM-DD", into day (11 bytes). */
int
calendar_day(const char *tz, time_t t, char *day, size_t len)
{
	struct cal_local	 l;

	if (zone_utc_to_local(tz, t, &l) != 0)
		return (-1);
	snprintf(day, len, "%04d-%02d-%02d", l.year, l.month, l.day);
	return (0);
}

/* A closed day: a holiday by name, or a closure's row. */
struct calendar_closed {
	char		 day[16];
	const char	*holiday;	/* NULL: a closure */
	long long	 id;
	char		*first, *last, *reason;
};

/* Whether the venue is closed on the local day of t (1), and why, in c. */
static int
calendar_on(struct store *st, int64_t venue_id, const char *tz,
    time_t t, struct calendar_closed *c)
{
	static const char *sql = "SELECT id, first_day, last_day, reason FROM "
	    "closure WHERE first_day <= ?1 AND last_day >= ?1 AND (venue_id IS "
	    "NULL OR venue_id = ?2) ORDER BY venue_id IS NULL, id LIMIT 1";
	struct cal_local	 l;
	sqlite3_stmt		*stmt;
	int			 closed = 0;

	memset(c, 0, sizeof *c);
	if (zone_utc_to_local(tz, t, &l) != 0)
		return (0);
	snprintf(c->day, sizeof c->day, "%04d-%02d-%02d", l.year, l.month,
	    l.day);
	if ((c->holiday = holiday_name(l.year, l.month, l.day,
	    store_holidays(st))) != NULL)
		return (1);
	stmt = store_stmt(st, sql);
	sqlite3_bind_text(stmt, 1, c->day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, venue_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		c->id = sqlite3_column_int64(stmt, 0);
		c->first = store_col_dup(stmt, 1);
		c->last = store_col_dup(stmt, 2);
		c->reason = store_col_dup(stmt, 3);
		closed = 1;
	}
	sqlite3_reset(stmt);
	return (closed);
}

/* Whether a session from start to end falls on a closed day (1), in c. */
static int
calendar_find(struct store *st, int64_t venue_id, const char *tz,
    time_t start, time_t end, struct calendar_closed *c)
{
	char	 a[16], b[16];

	if (calendar_on(st, venue_id, tz, start, c))
		return (1);
	/* A session past midnight: its second day too. */
	if (end > start && calendar_day(tz, start, a, sizeof a) == 0 &&
	    calendar_day(tz, end - 1, b, sizeof b) == 0 && strcmp(a, b) != 0)
		return (calendar_on(st, venue_id, tz, end - 1, c));
	return (0);
}

static void
calendar_closed_free(struct calendar_closed *c)
{
	free(c->first);
	free(c->last);
	free(c->reason);
}

char *
calendar_closed(struct store *st, int64_t venue_id, const char *tz,
    time_t start, time_t end)
{
	struct calendar_closed	 c;
	char			*why;

	if (!calendar_find(st, venue_id, tz, start, end, &c))
		return (NULL);
	if (c.holiday != NULL)
		why = xprintf("%s is %s", c.day, c.holiday);
	else
		why = xprintf("%s is closed (closure %lld, %s to %s: %s)", c.day,
		    c.id, c.first, c.last, c.reason);
	calendar_closed_free(&c);
	return (why);
}

int
calendar_closed_fail(struct store *st, int64_t venue_id, const char *tz,
    time_t start, time_t end, struct fail *f)
{
	struct calendar_closed	 c;

	if (!calendar_find(st, venue_id, tz, start, end, &c))
		return (0);
	if (c.holiday != NULL)
		fail_set(f, 409, "start", "%s is %s; give allow_closed "
		    "(--allow-closed) to schedule on a closed day", c.day,
		    c.holiday);
	else
		fail_set(f, 409, "start", "%s is closed (closure %lld, %s to "
		    "%s: %s); give allow_closed (--allow-closed) to schedule on "
		    "a closed day", c.day, c.id, c.first, c.last, c.reason);
	calendar_closed_free(&c);
	return (-1);
}

/* The rooms of a venue as "a, b, c", for messages; caller frees. */
static char *
calendar_rooms(struct store *st, int64_t venue_id)
{
	static const char *sql = "SELECT group_concat(name, ', ') FROM (SELECT "
	    "name FROM room WHERE venue_id = ? ORDER BY name)";
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	char		*names;

	sqlite3_bind_int64(stmt, 1, venue_id);
	sqlite3_step(stmt);
	names = store_col_dup(stmt, 0);
	sqlite3_reset(stmt);
	return (names);
}

int
calendar_room(struct store *st, int64_t venue_id, const char *name,
    int64_t *id, int *capacity, struct fail *f)
{
	static const char *sql = "SELECT id, coalesce(capacity, 0) FROM room "
	    "WHERE venue_id = ? AND name = ?";
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	char		*names;
	int		 rc = 0;

	sqlite3_bind_int64(stmt, 1, venue_id);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		if (capacity != NULL)
			*capacity = sqlite3_column_int(stmt, 1);
	} else {
		names = calendar_rooms(st, venue_id);
		if (names != NULL)
			rc = fail_set(f, 422, "room", "the venue has no room "
			    "\"%s\" (its rooms: %s)", name, names);
		else
			rc = fail_set(f, 422, "room", "the venue has no room "
			    "\"%s\" (it has no rooms; add one with venue room "
			    "add)", name);
		free(names);
	}
	sqlite3_reset(stmt);
	return (rc);
}

int
calendar_clash(struct store *st, int64_t venue_id, int64_t room_id,
    time_t start, time_t end, int64_t self, struct fail *f)
{
	static const char *sql = "SELECT s.id, c.title, v.timezone, s.start_at, "
	    "s.end_at, v.name, r.name FROM session s JOIN course c ON c.id = "
	    "s.course_id JOIN venue v ON v.id = s.venue_id LEFT JOIN room r ON "
	    "r.id = s.room_id WHERE s.venue_id = ?1 AND s.status != "
	    "'cancelled' AND s.id != ?5 AND s.start_at < ?3 AND s.end_at > ?2 "
	    "AND (?4 = 0 OR s.room_id IS NULL OR s.room_id = ?4) "
	    "ORDER BY s.start_at, s.id LIMIT 1";
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	char		*a, *b;
	int		 rc = 0;

	sqlite3_bind_int64(stmt, 1, venue_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)start);
	sqlite3_bind_int64(stmt, 3, (int64_t)end);
	sqlite3_bind_int64(stmt, 4, room_id);
	sqlite3_bind_int64(stmt, 5, self);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		a = zone_format_local(store_col(stmt, 2),
		    (time_t)sqlite3_column_int64(stmt, 3));
		b = zone_format_local(store_col(stmt, 2),
		    (time_t)sqlite3_column_int64(stmt, 4));
		a[10] = ' ';
		if (store_col(stmt, 6) != NULL)
			rc = fail_set(f, 409, "start", "session %lld (%s, "
			    "%.16s to %.5s) is at %s, room %s at that time; "
			    "give allow_overlap (--allow-overlap) to schedule "
			    "both", (long long)sqlite3_column_int64(stmt, 0),
			    store_col(stmt, 1), a, b + 11, store_col(stmt, 5),
			    store_col(stmt, 6));
		else
			rc = fail_set(f, 409, "start", "session %lld (%s, "
			    "%.16s to %.5s) is at %s at that time; give "
			    "allow_overlap (--allow-overlap) to schedule both",
			    (long long)sqlite3_column_int64(stmt, 0),
			    store_col(stmt, 1), a, b + 11, store_col(stmt, 5));
		free(a);
		free(b);
	}
	sqlite3_reset(stmt);
	return (rc);
}
