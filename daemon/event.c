/*
 * One session as a calendar event, read from the database: what a feed
 * shows of it and what an invitation mailed to a participant carries. The
 * values are copied out of the row, so the rendering may run on another
 * thread, and the row may come from any connection.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendars.h"
#include "kursusd.h"
#include "notifier.h"

#define EVENT_COLS "SELECT s.uid, s.sequence, s.status," \
    " s.start_at, s.end_at, v.timezone, c.title, v.name, v.address," \
    " v.postcode, v.city, v.latitude, v.longitude, c.description, c.bring," \
    " v.access_notes, v.equipment_notes," \
    " CASE WHEN v.contact_public THEN v.contact_name END," \
    " CASE WHEN v.contact_public THEN v.contact_phone END," \
    " s.description, s.created_at, max(s.updated_at, v.updated_at, c.updated_at)," \
    " (SELECT group_concat(substr(st.role, 1, 1) ||" \
    "  length(CAST(i.name AS BLOB)) || ':' || i.name, '') FROM session_staff st" \
    "  JOIN instructor i ON i.id = st.instructor_id" \
    "  WHERE st.session_id = s.id)," \
    " c.slug, s.rev, s.id, c.title_en, c.description_en, c.bring_en"
#define EVENT_FROM \
	" FROM session s JOIN venue v ON v.id = s.venue_id" \
	" JOIN course c ON c.id = s.course_id"

const char *const event_sql_one = EVENT_COLS EVENT_FROM " WHERE s.id = ?";
const char *const event_sql_many = EVENT_COLS EVENT_FROM
    " WHERE s.id IN (SELECT value FROM json_each(?))";

/*
 * The labels of the description. What the library wrote in Danish alone
 * (a venue's notes, a course type without English texts) is marked as
 * Danish for English readers, never run into an English sentence.
 */
struct labels {
	const char	*bring, *bring_da, *about_da, *place, *access,
			*equipment, *instructor, *helpers, *contact;
};
static const struct labels labels_da = { "Medbring", "Medbring", NULL,
    "Sted", "Adgang", "Udstyr", "Underviser", "Hjælpere", "Kontakt" };
static const struct labels labels_en = { "Bring", "Bring (in Danish)",
    "About the course (in Danish)", "Place", "Access (in Danish)",
    "Equipment (in Danish)", "Instructor", "Helpers", "Contact" };

/*
 * Appends part to t, after sep unless nothing has been written yet; empty
 * parts are left out. label, when given, goes before the part ("Adgang: ").
 */
static void
event_put(struct buf *t, const char *sep, const char *label,
    const char *part, const char *part2)
{
	if (part == NULL || *part == '\0')
		return;
	if (t->len > 0)
		buf_adds(t, sep);
	if (label != NULL) {
		buf_adds(t, label);
		buf_adds(t, ": ");
	}
	buf_adds(t, part);
	if (part2 != NULL && *part2 != '\0') {
		buf_adds(t, ", ");
		buf_adds(t, part2);
	}
}

/* The text written, "" when none; the caller frees it. */
static char *
event_done(struct buf *t)
{
	return (buf_detach(t, NULL));
}

static char *
event_keep(struct session_event *se, size_t slot, const char *s)
{
	return (se->own[slot] = xstrdupnull(s));
}

/*
 * The staff of a session as the event query gives them, in one pass over
 * its rows: each a role's initial, the name's length in octets, a colon
 * and the name ("i13:Ole Sørensen"). The instructors' names go to teach,
 * the helpers' to help, each list joined with ", " in the order given.
 */
static void
event_staff(const char *s, struct buf *teach, struct buf *help)
{
	struct buf	*to;
	char		*end;
	unsigned long	 n;

	while (s != NULL && *s != '\0') {
		to = *s++ == 'i' ? teach : help;
		n = strtoul(s, &end, 10);
		if (end == s || *end != ':' || strnlen(end + 1, n) < n)
			break;
		if (to->data != NULL)
			buf_add(to, ", ", 2);
		buf_add(to, end + 1, n);
		s = end + 1 + n;
	}
}

void
event_fill(struct session_event *se, sqlite3_stmt *stmt, const char *url,
    int english)
{
	const struct labels	*l = english ? &labels_en : &labels_da;
	struct cal_event	*ev = &se->ev;
	struct buf		 addr = BUF_INIT, loc = BUF_INIT;
	struct buf		 desc = BUF_INIT, teach = BUF_INIT;
	struct buf		 help = BUF_INIT;
	char			*phone;

	memset(se, 0, sizeof *se);
	ev->uid = event_keep(se, 0, store_col(stmt, 0));
	ev->sequence = sqlite3_column_int(stmt, 1);
	ev->status = strcmp(store_col(stmt, 2), "cancelled") == 0 ? CAL_CANCELLED :
	    CAL_CONFIRMED;
	ev->start = (time_t)sqlite3_column_int64(stmt, 3);
	ev->end = (time_t)sqlite3_column_int64(stmt, 4);
	ev->tzid = event_keep(se, 1, store_col(stmt, 5));
	/* An English reader gets the course type's English, if it has it. */
	ev->title = ev->category = event_keep(se, 2, english &&
	    store_col(stmt, 26) != NULL ? store_col(stmt, 26) :
	    store_col(stmt, 6));

	/* "Malernes Seniorklub, Borgergade 1, 8700 Horsens" */
	event_put(&addr, " ", NULL, store_col(stmt, 9), NULL);
	event_put(&addr, " ", NULL, store_col(stmt, 10), NULL);
	event_put(&loc, ", ", NULL, store_col(stmt, 7), NULL);
	event_put(&loc, ", ", NULL, store_col(stmt, 8), NULL);
	event_put(&loc, ", ", NULL, addr.data, NULL);
	buf_free(&addr);
	ev->location = se->own[3] = event_done(&loc);
	if (sqlite3_column_type(stmt, 11) != SQLITE_NULL &&
	    sqlite3_column_type(stmt, 12) != SQLITE_NULL) {
		ev->has_geo = 1;
		ev->lat = sqlite3_column_double(stmt, 11);
		ev->lon = sqlite3_column_double(stmt, 12);
	}
	if (english && store_col(stmt, 27) != NULL)
		event_put(&desc, "\n", NULL, store_col(stmt, 27), NULL);
	else
		event_put(&desc, "\n", l->about_da, store_col(stmt, 13), NULL);
	if (english && store_col(stmt, 28) != NULL)
		event_put(&desc, "\n", l->bring, store_col(stmt, 28), NULL);
	else
		event_put(&desc, "\n", l->bring_da, store_col(stmt, 14), NULL);
	event_put(&desc, "\n", l->place, ev->location, NULL);
	event_put(&desc, "\n", l->access, store_col(stmt, 15), NULL);
	event_put(&desc, "\n", l->equipment, store_col(stmt, 16), NULL);
	event_staff(store_col(stmt, 22), &teach, &help);
	event_put(&desc, "\n", l->instructor, teach.data, NULL);
	event_put(&desc, "\n", l->helpers, help.data, NULL);
	buf_free(&teach);
	buf_free(&help);
	phone = words_phone(store_col(stmt, 18), english ? WORDS_EN : 0);
	event_put(&desc, "\n", l->contact, store_col(stmt, 17), phone);
	free(phone);
	event_put(&desc, "\n\n", NULL, store_col(stmt, 19), NULL);
	ev->description = se->own[4] = event_done(&desc);
	ev->url = se->own[5] = xprintf("%s/feeds/course/%s.ics", url,
	    store_col(stmt, 23));
	ev->created = (time_t)sqlite3_column_int64(stmt, 20);
	ev->last_modified = (time_t)sqlite3_column_int64(stmt, 21);
	se->lang = english ? "en" : "da";
	se->id = sqlite3_column_int64(stmt, 25);
	se->rev = sqlite3_column_int64(stmt, 24);
}

void
event_clear(struct session_event *se)
{
	size_t	 i;

	for (i = 0; i < sizeof se->own / sizeof se->own[0]; i++)
		free(se->own[i]);
	memset(se, 0, sizeof *se);
}
