/*
 * The read views, and the triggers that are the connection's: TEMP, made
 * at each start on the writing connection (schema_views()), so that they
 * change with the code and need no migration (schema.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kursusd.h"

#define JBOOL(x)	"json(CASE WHEN " x " THEN 'true' ELSE 'false' END)"

static const char *views =
	"CREATE TEMP VIEW session_json AS SELECT s.id AS id,"
	" s.start_at AS start_at, s.venue_id AS venue_id,"
	" s.course_id AS course_id, s.status AS status,"
	" s.series_id AS series_id, json_object("
	"  'id', s.id, 'uid', s.uid, 'series_id', s.series_id,"
	"  'course', c.slug, 'course_title', c.title,"
	"  'venue', v.slug, 'venue_name', v.name, 'timezone', v.timezone,"
	"  'room', (SELECT name FROM room WHERE id = s.room_id),"
	"  'start', local_iso(s.start_at, v.timezone),"
	"  'end', local_iso(s.end_at, v.timezone),"
	"  'start_utc', utc_iso(s.start_at), 'end_utc', utc_iso(s.end_at),"
	"  'capacity', s.capacity, 'status', s.status, 'notes', s.notes,"
	"  'description', s.description,"
	"  'sequence', s.sequence,"
	"  'seats_taken', t.taken, 'seats_free', max(s.capacity - t.taken, 0),"
	"  'confirmed', t.confirmed, 'waitlisted', t.waitlisted,"
	"  'min_participants', c.min_participants,"
	"  'go_no_go', CASE WHEN s.status = 'scheduled'"
	"    AND t.taken < c.min_participants AND s.start_at > know()"
	"    AND s.start_at <= know() + kgo_hours() * 3600"
	"    THEN 'below-minimum' ELSE 'ok' END,"
	"  'instructors', json((SELECT json_group_array(json_object("
	"    'slug', i.slug, 'name', i.name, 'role', st.role))"
	"    FROM session_staff st JOIN instructor i ON i.id = st.instructor_id"
	"    WHERE st.session_id = s.id)),"
	"  'created_at', utc_iso(s.created_at),"
	"  'updated_at', utc_iso(s.updated_at)) AS j"
	" FROM session s JOIN course c ON c.id = s.course_id"
	" JOIN venue v ON v.id = s.venue_id"
	" JOIN session_seats t ON t.session_id = s.id;"

	/* Seat counts of one session; the planner uses the index per row. */
	"CREATE TEMP VIEW session_seats AS SELECT s.id AS session_id,"
	" " SESSION_TAKEN("s.id") " AS taken,"
	" (SELECT count(*) FROM registration r"
	"   WHERE r.session_id = s.id AND r.status = 'confirmed') AS confirmed,"
	" (SELECT count(*) FROM registration r"
	"   WHERE r.session_id = s.id AND r.status = 'waitlisted') AS waitlisted"
	" FROM session s;"

	"CREATE TEMP VIEW registration_json AS SELECT r.id AS id,"
	" r.session_id AS session_id, r.participant_id AS participant_id,"
	" r.status AS status, r.queue AS queue, json_object("
	"  'id', r.id, 'session_id', r.session_id,"
	"  'participant_id', r.participant_id, 'participant_name', p.name,"
	"  'phone', p.phone, 'email', p.email,"
	"  'number', r.number, 'status', r.status,"
	"  'waitlist_position', CASE WHEN r.status = 'waitlisted' THEN"
	"   (SELECT count(*) FROM registration w WHERE w.session_id ="
	"    r.session_id AND w.status = 'waitlisted' AND w.queue <= r.queue)"
	"   END,"
	"  'companion', " JBOOL("r.companion") ","
	"  'attendance', r.attendance,"
	"  'cancelled_via', r.cancelled_via,"
	"  'cancelled_at', utc_iso(r.cancelled_at),"
	"  'created_at', utc_iso(r.created_at),"
	"  'updated_at', utc_iso(r.updated_at)) AS j"
	" FROM registration r JOIN participant p ON p.id = r.participant_id;"

	"CREATE TEMP VIEW outbox_json AS SELECT o.id AS id,"
	" o.state AS state, o.session_id AS session_id, json_object("
	"  'id', o.id, 'kind', o.kind, 'channel', o.channel,"
	"  'recipient', o.recipient, 'participant_id', o.participant_id,"
	"  'session_id', o.session_id, 'registration_id', o.registration_id,"
	"  'sequence', o.sequence, 'language', o.language,"
	"  'detail', json(o.detail), 'state', o.state, 'batch', o.batch,"
	"  'attempts', o.attempts, 'last_error', o.last_error,"
	"  'provider_id', o.provider_id,"
	"  'due_at', utc_iso(o.due_at),"
	"  'next_attempt', CASE WHEN o.state = 'pending' THEN"
	"   utc_iso(o.next_attempt) END,"
	"  'sent_at', utc_iso(o.sent_at),"
	"  'created_at', utc_iso(o.created_at),"
	"  'updated_at', utc_iso(o.updated_at)) AS j,"
	" o.batch AS batch, o.kind AS kind, o.participant_id AS participant_id,"
	" o.channel AS channel FROM outbox o;"

	/* One row with everything: the subject, body and invitation too. */
	"CREATE TEMP VIEW outbox_full_json AS SELECT oj.id AS id,"
	"  json_patch(oj.j, json_object('subject', t.subject, 'body', t.body,"
	"  'attachment', t.attachment)) AS j"
	" FROM outbox_json oj LEFT JOIN outbox_text t ON t.outbox_id = oj.id;";

/*
 * A participant's search words follow their name, phone and e-mail when
 * they change. The trigger is the connection's (TEMP), like the views:
 * kwords() is a function of kursusd's, so a sqlite3 shell loading people
 * (bench/) is not stopped by it. New people (above words_upto) are
 * indexed many in one statement, by the batch that finds enough of them
 * waiting (person_words_batch()), not by a trigger run per row.
 */
static const char *word_triggers =
	"CREATE TEMP TRIGGER participant_words_edit AFTER UPDATE OF name,"
	"  phone, email, anonymised_at ON main.participant BEGIN"
	"  DELETE FROM participant_word WHERE participant_id = OLD.id;"
	"  INSERT OR IGNORE INTO participant_word SELECT value, NEW.id"
	"  FROM json_each(kwords(NEW.name, NEW.phone, NEW.email))"
	"  WHERE NEW.anonymised_at IS NULL; END;";

/*
 * The kinds of message the outbox takes: those of the table in kind.h,
 * checked by a trigger of the connection's, made here at each start, so
 * that a kind added to the table needs no migration.
 */
static int
schema_kinds(sqlite3 *db, char **cause)
{
	struct buf	 b = BUF_INIT;
	int		 k, rc;

	/*
	 * Compared one by one: SQLite makes an IN list of constants into a
	 * table, made again at every row the trigger checks.
	 */
	buf_adds(&b, "CREATE TEMP TRIGGER outbox_kind BEFORE INSERT ON "
	    "main.outbox WHEN ");
	for (k = 0; k < KIND_COUNT; k++)
		buf_addf(&b, "%sNEW.kind != '%s'", k > 0 ? " AND " : "",
		    kinds[k].name);
	buf_adds(&b, " BEGIN SELECT RAISE(ABORT, 'unknown kind of message'); "
	    "END;");
	rc = schema_exec(db, b.data, cause);
	buf_free(&b);
	return (rc);
}

int
schema_views(sqlite3 *db, char **cause)
{
	if (schema_exec(db, views, cause) != 0 ||
	    schema_exec(db, word_triggers, cause) != 0)
		return (-1);
	return (schema_kinds(db, cause));
}
