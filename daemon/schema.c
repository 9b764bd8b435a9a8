/*
 * The database schema: forward migrations, applied at start, each in its
 * own transaction, recorded in PRAGMA user_version. An older database is
 * upgraded step by step, never recreated; a newer one is refused. Add a
 * step at the end of migrations[]; never edit one that has shipped.
 *
 * The read views are TEMP: they belong to the connection, not the file, so
 * they change with the code and need no migration (schema-views.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kursusd.h"
#include "schema-stats.h"

static const char *migrations[SCHEMA_VERSION] = {
	/* 0 -> 1: the model. */
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;"
	"INSERT INTO settings VALUES ('number_start', '1'), ('next_number', '1');"
	"CREATE TABLE venue ("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  address TEXT, postcode TEXT, city TEXT,"
	"  capacity INTEGER NOT NULL DEFAULT 8 CHECK (capacity > 0),"
	"  access_notes TEXT, equipment_notes TEXT,"
	"  contact_name TEXT, contact_phone TEXT,"
	"  timezone TEXT NOT NULL,"
	"  latitude REAL, longitude REAL,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE course ("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE,"
	"  title TEXT NOT NULL,"
	"  description TEXT,"
	"  duration INTEGER NOT NULL CHECK (duration > 0),"
	"  capacity INTEGER NOT NULL DEFAULT 8 CHECK (capacity > 0),"
	"  min_participants INTEGER NOT NULL DEFAULT 0,"
	"  bring TEXT,"
	"  language TEXT NOT NULL DEFAULT 'da',"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE instructor ("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  email TEXT, phone TEXT,"
	"  volunteer INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE series ("
	"  id INTEGER PRIMARY KEY,"
	"  rrule TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE session ("
	"  id INTEGER PRIMARY KEY,"
	"  uid TEXT NOT NULL UNIQUE,"
	"  series_id INTEGER REFERENCES series(id),"
	"  course_id INTEGER NOT NULL REFERENCES course(id),"
	"  venue_id INTEGER NOT NULL REFERENCES venue(id),"
	"  start_at INTEGER NOT NULL,"
	"  end_at INTEGER NOT NULL,"
	"  capacity INTEGER NOT NULL CHECK (capacity > 0),"
	"  status TEXT NOT NULL DEFAULT 'scheduled'"
	"    CHECK (status IN ('scheduled', 'cancelled', 'done')),"
	"  notes TEXT,"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
	"  CHECK (end_at > start_at));"
	"CREATE INDEX session_start ON session(start_at);"
	"CREATE INDEX session_venue ON session(venue_id, start_at);"
	"CREATE INDEX session_course ON session(course_id, start_at);"
	"CREATE INDEX session_series ON session(series_id, start_at);"
	"CREATE TABLE session_staff ("
	"  session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,"
	"  instructor_id INTEGER NOT NULL REFERENCES instructor(id),"
	"  role TEXT NOT NULL CHECK (role IN ('instructor', 'helper')),"
	"  PRIMARY KEY (session_id, instructor_id)) WITHOUT ROWID;"
	"CREATE INDEX session_staff_instructor ON session_staff(instructor_id);"
	"CREATE TABLE participant ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  email TEXT, phone TEXT,"
	"  phone_type TEXT CHECK (phone_type IN ('mobile', 'landline')),"
	"  no_contact INTEGER NOT NULL DEFAULT 0,"
	"  no_sms INTEGER NOT NULL DEFAULT 0,"
	"  no_email INTEGER NOT NULL DEFAULT 0,"
	"  language TEXT NOT NULL DEFAULT 'da',"
	"  notes TEXT,"
	"  anonymised_at INTEGER,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE registration ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER NOT NULL REFERENCES session(id),"
	"  participant_id INTEGER NOT NULL REFERENCES participant(id),"
	"  number INTEGER NOT NULL UNIQUE,"
	"  status TEXT NOT NULL"
	"    CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),"
	"  queue INTEGER NOT NULL,"
	"  companion INTEGER NOT NULL DEFAULT 0,"
	"  attendance TEXT CHECK (attendance IN ('attended', 'no-show')),"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX registration_live"
	"  ON registration(session_id, participant_id)"
	"  WHERE status != 'cancelled';"
	"CREATE INDEX registration_session"
	"  ON registration(session_id, status, queue);"
	"CREATE INDEX registration_participant ON registration(participant_id);",

	/*
	 * 1 -> 2: notices. Every change people must hear about becomes an
	 * outbox row in the transaction that makes it; the version column
	 * makes each status change of a registration its own notice key.
	 */
	"ALTER TABLE registration ADD COLUMN version INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'waitlisted',"
	"    'promoted', 'demoted', 'moved', 'cancelled', 'reminder',"
	"    'staff')),"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'call')),"
	"  recipient TEXT,"
	"  participant_id INTEGER REFERENCES participant(id),"
	"  session_id INTEGER REFERENCES session(id),"
	"  registration_id INTEGER REFERENCES registration(id),"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  language TEXT NOT NULL DEFAULT 'da',"
	"  detail TEXT,"
	"  subject TEXT, body TEXT, attachment TEXT,"
	"  due_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending',"
	"    'sending', 'sent', 'failed', 'skipped', 'cancelled')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER,"
	"  last_error TEXT,"
	"  provider_id TEXT,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE INDEX outbox_due ON outbox(state, due_at);"
	"CREATE INDEX outbox_session ON outbox(session_id);",

	/*
	 * 2 -> 3: seat counts and attendance read from the index alone, not
	 * from every registration row (statistics over a million rows, and
	 * the seat check of each registration).
	 */
	"DROP INDEX registration_session;"
	"CREATE INDEX registration_session"
	"  ON registration(session_id, status, queue, companion, attendance);",

	/*
	 * 3 -> 4: calendars. A session's rev changes whenever anything its
	 * calendar event shows changes (its own row, its venue, course type
	 * or staff), so a feed re-renders only the events that changed.
	 * Personal feed tokens are kept as a hash (to find the person) and
	 * sealed under a key outside the database (to show the link again).
	 * import_key remembers where an imported session came from, so a
	 * second import updates it instead of adding a copy.
	 */
	"ALTER TABLE session ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE session ADD COLUMN import_key TEXT;"
	"CREATE UNIQUE INDEX session_import ON session(import_key)"
	"  WHERE import_key IS NOT NULL;"
	"DROP INDEX session_start;"
	"CREATE INDEX session_feed ON session(start_at, id, status, updated_at,"
	"  rev, end_at, venue_id, course_id);"
	"DROP INDEX session_venue;"
	"CREATE INDEX session_venue ON session(venue_id, start_at, id, status,"
	"  updated_at, rev, end_at, course_id);"
	"DROP INDEX session_course;"
	"CREATE INDEX session_course ON session(course_id, start_at, id, status,"
	"  updated_at, rev, end_at, venue_id);"
	"ALTER TABLE participant ADD COLUMN feed_token_hash TEXT;"
	"ALTER TABLE participant ADD COLUMN feed_token_sealed TEXT;"
	"CREATE UNIQUE INDEX participant_feed ON participant(feed_token_hash)"
	"  WHERE feed_token_hash IS NOT NULL;"
	"ALTER TABLE instructor ADD COLUMN feed_token_hash TEXT;"
	"ALTER TABLE instructor ADD COLUMN feed_token_sealed TEXT;"
	"CREATE UNIQUE INDEX instructor_feed ON instructor(feed_token_hash)"
	"  WHERE feed_token_hash IS NOT NULL;"
	"CREATE TRIGGER session_rev AFTER UPDATE OF start_at, end_at, venue_id,"
	"  course_id, capacity, status, notes, sequence ON session BEGIN"
	"  UPDATE session SET rev = rev + 1 WHERE id = NEW.id; END;"
	"CREATE TRIGGER venue_rev AFTER UPDATE ON venue BEGIN"
	"  UPDATE session SET rev = rev + 1 WHERE venue_id = NEW.id; END;"
	"CREATE TRIGGER course_rev AFTER UPDATE ON course BEGIN"
	"  UPDATE session SET rev = rev + 1 WHERE course_id = NEW.id; END;"
	"CREATE TRIGGER instructor_rev AFTER UPDATE OF name, email, phone ON"
	"  instructor BEGIN UPDATE session SET rev = rev + 1 WHERE id IN"
	"  (SELECT session_id FROM session_staff WHERE instructor_id = NEW.id);"
	"  END;"
	"CREATE TRIGGER staff_rev_add AFTER INSERT ON session_staff BEGIN"
	"  UPDATE session SET rev = rev + 1 WHERE id = NEW.session_id; END;"
	"CREATE TRIGGER staff_rev_drop AFTER DELETE ON session_staff BEGIN"
	"  UPDATE session SET rev = rev + 1 WHERE id = OLD.session_id; END;",

	/*
	 * 4 -> 5: sending. The outbox learns withdrawals (a registration
	 * cancelled by its holder) and staff batches, so it is rebuilt
	 * (SQLite cannot change a CHECK); next_attempt is always set on a
	 * pending row, so one index finds the earliest due. The rendered
	 * texts live in outbox_text, so that recording an outcome rewrites a
	 * short row, not kilobytes of mail, and the indexes that name a state
	 * are partial: a message sent leaves them without touching another.
	 * "call" rows are records, never sent: skipped, with the reason.
	 * Course types carry their own reminder rules and message templates.
	 */
	"CREATE TABLE outbox_new ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'waitlisted',"
	"    'promoted', 'demoted', 'moved', 'cancelled', 'reminder',"
	"    'staff', 'withdrawn')),"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'call')),"
	"  recipient TEXT,"
	"  participant_id INTEGER REFERENCES participant(id),"
	"  session_id INTEGER REFERENCES session(id),"
	"  registration_id INTEGER REFERENCES registration(id),"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  language TEXT NOT NULL DEFAULT 'da',"
	"  detail TEXT,"
	"  batch TEXT,"
	"  due_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending',"
	"    'sending', 'sent', 'failed', 'skipped', 'cancelled')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER,"
	"  last_error TEXT,"
	"  provider_id TEXT,"
	"  sent_at INTEGER,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"INSERT INTO outbox_new (id, key, kind, channel, recipient,"
	"  participant_id, session_id, registration_id, sequence, language,"
	"  detail, due_at, state, attempts,"
	"  next_attempt, last_error, provider_id, created_at, updated_at)"
	"  SELECT id, key, kind, channel, recipient, participant_id,"
	"  session_id, registration_id, sequence, language, detail,"
	"  due_at, state, attempts,"
	"  coalesce(next_attempt, due_at), last_error, provider_id,"
	"  created_at, updated_at FROM outbox;"
	"CREATE TABLE outbox_text ("
	"  outbox_id INTEGER PRIMARY KEY,"
	"  subject TEXT, body TEXT, attachment TEXT);"
	"INSERT INTO outbox_text SELECT id, subject, body, attachment"
	"  FROM outbox WHERE body IS NOT NULL;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_new RENAME TO outbox;"
	"UPDATE outbox SET state = 'skipped', last_error = 'no mobile number"
	"  or e-mail address to send to: on the call list'"
	"  WHERE channel = 'call' AND state = 'pending';"
	"CREATE INDEX outbox_next ON outbox(next_attempt)"
	"  WHERE state = 'pending';"
	"CREATE INDEX outbox_sending ON outbox(id) WHERE state = 'sending';"
	"CREATE INDEX outbox_failed ON outbox(session_id) WHERE state = 'failed';"
	"CREATE INDEX outbox_session ON outbox(session_id);"
	"CREATE INDEX outbox_registration ON outbox(registration_id);"
	"CREATE INDEX outbox_batch ON outbox(batch) WHERE batch IS NOT NULL;"
	"ALTER TABLE course ADD COLUMN reminders TEXT;"
	"CREATE TABLE template ("
	"  course_id INTEGER NOT NULL REFERENCES course(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),"
	"  language TEXT NOT NULL,"
	"  subject TEXT,"
	"  body TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (course_id, kind, channel, language));",

	/*
	 * 5 -> 6: what is public and what is not. A session's notes are for
	 * staff and no longer shown in feeds; its description is. Notes
	 * written before are not copied over: they may hold what their
	 * writer took to be internal. A venue's contact person is shown only
	 * when marked public. (A change of notes still renders the session's
	 * event again: its LAST-MODIFIED is the session's updated_at.)
	 */
	"ALTER TABLE session ADD COLUMN description TEXT;"
	"ALTER TABLE venue ADD COLUMN contact_public INTEGER NOT NULL"
	"  DEFAULT 0;"
	"DROP TRIGGER session_rev;"
	"CREATE TRIGGER session_rev AFTER UPDATE OF start_at, end_at, venue_id,"
	"  course_id, capacity, status, notes, description, sequence ON session"
	"  BEGIN UPDATE session SET rev = rev + 1 WHERE id = NEW.id; END;",

	/*
	 * 6 -> 7: the kinds of message are a table of the code's (kind.h),
	 * which a trigger made at each start checks (schema_views()), so a
	 * new kind needs no migration: the outbox is rebuilt without its
	 * CHECK of the kinds.
	 */
	"CREATE TABLE outbox_new ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'call')),"
	"  recipient TEXT,"
	"  participant_id INTEGER REFERENCES participant(id),"
	"  session_id INTEGER REFERENCES session(id),"
	"  registration_id INTEGER REFERENCES registration(id),"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  language TEXT NOT NULL DEFAULT 'da',"
	"  detail TEXT,"
	"  batch TEXT,"
	"  due_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending',"
	"    'sending', 'sent', 'failed', 'skipped', 'cancelled')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER,"
	"  last_error TEXT,"
	"  provider_id TEXT,"
	"  sent_at INTEGER,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"INSERT INTO outbox_new SELECT id, key, kind, channel, recipient,"
	"  participant_id, session_id, registration_id, sequence, language,"
	"  detail, batch, due_at, state, attempts, next_attempt, last_error,"
	"  provider_id, sent_at, created_at, updated_at FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_new RENAME TO outbox;"
	"CREATE INDEX outbox_next ON outbox(next_attempt)"
	"  WHERE state = 'pending';"
	"CREATE INDEX outbox_sending ON outbox(id) WHERE state = 'sending';"
	"CREATE INDEX outbox_failed ON outbox(session_id) WHERE state = 'failed';"
	"CREATE INDEX outbox_session ON outbox(session_id);"
	"CREATE INDEX outbox_registration ON outbox(registration_id);"
	"CREATE INDEX outbox_batch ON outbox(batch) WHERE batch IS NOT NULL;",

	/*
	 * 7 -> 8: the venue's calendar. Closed days, library-wide (no venue)
	 * or at one venue, as local dates (YYYY-MM-DD, both days closed);
	 * the holidays are computed, not stored. A venue may have rooms, and
	 * a session may name its room: sessions clash per room, and one
	 * without a room takes the whole venue.
	 */
	"CREATE TABLE closure ("
	"  id INTEGER PRIMARY KEY,"
	"  venue_id INTEGER REFERENCES venue(id) ON DELETE CASCADE,"
	"  first_day TEXT NOT NULL,"
	"  last_day TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  CHECK (last_day >= first_day));"
	"CREATE INDEX closure_days ON closure(last_day, first_day);"
	"CREATE TABLE room ("
	"  id INTEGER PRIMARY KEY,"
	"  venue_id INTEGER NOT NULL REFERENCES venue(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  capacity INTEGER CHECK (capacity > 0),"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (venue_id, name));"
	"ALTER TABLE session ADD COLUMN room_id INTEGER REFERENCES room(id);"
	"CREATE INDEX session_room ON session(room_id) WHERE room_id IS NOT NULL;",

	/*
	 * 8 -> 9: messages from the library. Course types carry an English
	 * title, description and what to bring for English readers (NULL:
	 * the Danish is used). The outbox is searched by person: a reminder
	 * is not planned on a day the person gets another message.
	 */
	"ALTER TABLE course ADD COLUMN title_en TEXT;"
	"ALTER TABLE course ADD COLUMN description_en TEXT;"
	"ALTER TABLE course ADD COLUMN bring_en TEXT;"
	"CREATE INDEX outbox_participant ON outbox(participant_id);",

	/*
	 * 9 -> 10: one person per caller. Search words (fold.h: "jorgen" for
	 * Jørgen, a phone's digits) are kept per participant, so a search
	 * reads an index, not a million names: by the connection's triggers
	 * (schema_views()), and after the start for the rows written without
	 * them (person_index(): those above words_upto, the existing ones
	 * too). Phone and e-mail are indexed to find someone already known;
	 * merges are recorded.
	 */
	"CREATE TABLE participant_word ("
	"  word TEXT NOT NULL,"
	"  participant_id INTEGER NOT NULL REFERENCES participant(id),"
	"  PRIMARY KEY (word, participant_id)) WITHOUT ROWID;"
	"CREATE INDEX participant_word_person"
	"  ON participant_word(participant_id);"
	"INSERT INTO settings VALUES ('words_upto', '0');"
	"CREATE INDEX participant_phone ON participant(phone)"
	"  WHERE phone IS NOT NULL;"
	"CREATE INDEX participant_email ON participant(lower(email));"
	"CREATE TABLE participant_merge ("
	"  id INTEGER PRIMARY KEY,"
	"  kept_id INTEGER NOT NULL REFERENCES participant(id),"
	"  merged_id INTEGER NOT NULL REFERENCES participant(id),"
	"  registrations INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL);",

	/*
	 * 10 -> 11: cancelling without phoning. Each registration has its own
	 * cancel link, kept like the feed tokens: hashed (to find it) and
	 * sealed (to put it in the next message). Who ended a registration
	 * and when: staff, the person through the link, or by SMS reply.
	 * Every incoming SMS is kept in the inbox: those that cancel nothing
	 * wait there for staff, those that cancelled name the registration;
	 * the gateway's own id of a message makes a resent one known.
	 */
	"ALTER TABLE registration ADD COLUMN cancel_token_hash TEXT;"
	"ALTER TABLE registration ADD COLUMN cancel_token_sealed TEXT;"
	"ALTER TABLE registration ADD COLUMN cancelled_via TEXT"
	"  CHECK (cancelled_via IN ('staff', 'link', 'sms'));"
	"ALTER TABLE registration ADD COLUMN cancelled_at INTEGER;"
	"CREATE UNIQUE INDEX registration_cancel"
	"  ON registration(cancel_token_hash)"
	"  WHERE cancel_token_hash IS NOT NULL;"
	"CREATE TABLE inbox ("
	"  id INTEGER PRIMARY KEY,"
	"  sender TEXT NOT NULL,"
	"  receiver TEXT,"
	"  text TEXT NOT NULL,"
	"  via TEXT NOT NULL CHECK (via IN ('kannel', 'webhook')),"
	"  participant_id INTEGER REFERENCES participant(id),"
	"  registration_id INTEGER REFERENCES registration(id),"
	"  provider_id TEXT,"
	"  received_at INTEGER NOT NULL,"
	"  handled_at INTEGER,"
	"  handled_by TEXT);"
	"CREATE INDEX inbox_open ON inbox(received_at) WHERE handled_at IS NULL;"
	"CREATE UNIQUE INDEX inbox_provider ON inbox(via, provider_id)"
	"  WHERE provider_id IS NOT NULL;"
	"CREATE INDEX inbox_participant ON inbox(participant_id);",

	/*
	 * 11 -> 12: the start at a national size. What GET /v1/status and
	 * /metrics count (the outbox by state and channel, the people not
	 * anonymised, the registrations) is kept in tally by triggers, in
	 * the transaction of each change, rather than counted from a million
	 * rows on the loop thread. The retention sweep reads the people not
	 * anonymised by their age, and the cancel-link sweep the
	 * registrations still without a link, by session.
	 */
	"CREATE TABLE tally ("
	"  what TEXT NOT NULL, state TEXT NOT NULL, channel TEXT NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  PRIMARY KEY (what, state, channel)) WITHOUT ROWID;"
	"INSERT INTO tally SELECT 'outbox', state, channel, count(*)"
	"  FROM outbox GROUP BY state, channel;"
	"INSERT INTO tally SELECT 'participant', 'live', '', count(*)"
	"  FROM participant WHERE anonymised_at IS NULL;"
	"INSERT INTO tally SELECT 'registration', '', '', count(*)"
	"  FROM registration;"
	"CREATE TRIGGER tally_outbox_in AFTER INSERT ON outbox BEGIN"
	"  INSERT INTO tally VALUES ('outbox', NEW.state, NEW.channel, 1)"
	"    ON CONFLICT DO UPDATE SET n = n + 1;"
	"END;"
	"CREATE TRIGGER tally_outbox_out AFTER DELETE ON outbox BEGIN"
	"  UPDATE tally SET n = n - 1 WHERE what = 'outbox' AND"
	"    state = OLD.state AND channel = OLD.channel;"
	"END;"
	"CREATE TRIGGER tally_outbox_move AFTER UPDATE OF state, channel"
	"  ON outbox WHEN OLD.state != NEW.state OR"
	"  OLD.channel != NEW.channel BEGIN"
	"  UPDATE tally SET n = n - 1 WHERE what = 'outbox' AND"
	"    state = OLD.state AND channel = OLD.channel;"
	"  INSERT INTO tally VALUES ('outbox', NEW.state, NEW.channel, 1)"
	"    ON CONFLICT DO UPDATE SET n = n + 1;"
	"END;"
	"CREATE TRIGGER tally_participant_in AFTER INSERT ON participant"
	"  WHEN NEW.anonymised_at IS NULL BEGIN"
	"  UPDATE tally SET n = n + 1 WHERE what = 'participant';"
	"END;"
	"CREATE TRIGGER tally_participant_out AFTER DELETE ON participant"
	"  WHEN OLD.anonymised_at IS NULL BEGIN"
	"  UPDATE tally SET n = n - 1 WHERE what = 'participant';"
	"END;"
	"CREATE TRIGGER tally_participant_move AFTER UPDATE OF anonymised_at"
	"  ON participant WHEN (OLD.anonymised_at IS NULL) !="
	"  (NEW.anonymised_at IS NULL) BEGIN"
	"  UPDATE tally SET n = n + CASE WHEN NEW.anonymised_at IS NULL"
	"    THEN 1 ELSE -1 END WHERE what = 'participant';"
	"END;"
	"CREATE TRIGGER tally_registration_in AFTER INSERT ON registration"
	"  BEGIN"
	"  UPDATE tally SET n = n + 1 WHERE what = 'registration';"
	"END;"
	"CREATE TRIGGER tally_registration_out AFTER DELETE ON registration"
	"  BEGIN"
	"  UPDATE tally SET n = n - 1 WHERE what = 'registration';"
	"END;"
	"CREATE INDEX participant_live ON participant(created_at)"
	"  WHERE anonymised_at IS NULL;"
	"CREATE INDEX registration_untokened ON registration(session_id)"
	"  WHERE cancel_token_hash IS NULL AND status != 'cancelled';",

	/*
	 * 13: the outcomes of messages sent but not yet settled in their
	 * outbox rows. Each is committed here, one small row with no index
	 * and no trigger, as soon as the server has answered (inside the
	 * seal, see sender.c); the rows of a batch are settled into the
	 * outbox in one statement when the batch is done, and at start-up
	 * before rows left "sending" are sent again.
	 */
	"CREATE TABLE outbox_outcome ("
	"  outbox_id INTEGER PRIMARY KEY,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'sent',"
	"    'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER,"
	"  last_error TEXT,"
	"  provider_id TEXT,"
	"  at INTEGER NOT NULL);",

	/*
	 * 13 -> 14: the statistics at a national size. GET /v1/stats reads
	 * summary rows kept by triggers in the transaction of each change,
	 * as tally is: per venue, course type and local month (stats_cell:
	 * the sessions not cancelled, their confirmed seats, attended and
	 * no-shows), and per person the confirmed seats in sessions not
	 * cancelled (stats_person; tally 'people' counts its rows). A
	 * session's local month is looked up in stats_month, the UTC
	 * instants where each venue time zone's months begin (made by
	 * kursusd, stats_month_prepare(), which also fills the summaries at the
	 * first start after this step, and again when a venue's time zone
	 * is new to it).
	 */
	"CREATE TABLE stats_month ("
	"  timezone TEXT NOT NULL, at INTEGER NOT NULL, month TEXT,"
	"  PRIMARY KEY (timezone, at)) WITHOUT ROWID;"
	"CREATE TABLE stats_cell ("
	"  venue_id INTEGER NOT NULL, course_id INTEGER NOT NULL,"
	"  month_at INTEGER NOT NULL,"
	"  sessions INTEGER NOT NULL, registrations INTEGER NOT NULL,"
	"  attended INTEGER NOT NULL, no_show INTEGER NOT NULL,"
	"  PRIMARY KEY (venue_id, course_id, month_at)) WITHOUT ROWID;"
	"CREATE TABLE stats_person ("
	"  participant_id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
	"INSERT INTO tally VALUES ('people', '', '', 0);"
	"CREATE TRIGGER stats_person_in AFTER INSERT ON stats_person BEGIN"
	"  UPDATE tally SET n = n + 1 WHERE what = 'people'; END;"
	"CREATE TRIGGER stats_person_out AFTER DELETE ON stats_person BEGIN"
	"  UPDATE tally SET n = n - 1 WHERE what = 'people'; END;"
	"CREATE TRIGGER stats_registration_in AFTER INSERT ON registration"
	"  BEGIN " STATS_REG_ADD("NEW") " END;"
	"CREATE TRIGGER stats_registration_out AFTER DELETE ON registration"
	"  BEGIN " STATS_REG_SUB("OLD") " END;"
	"CREATE TRIGGER stats_registration_move AFTER UPDATE OF status,"
	"  attendance, session_id, participant_id ON registration"
	"  WHEN OLD.status IS NOT NEW.status OR OLD.attendance IS NOT"
	"  NEW.attendance OR OLD.session_id != NEW.session_id OR"
	"  OLD.participant_id != NEW.participant_id BEGIN "
	STATS_REG_SUB("OLD") " " STATS_REG_ADD("NEW") " END;"
	"CREATE TRIGGER stats_session_in AFTER INSERT ON session BEGIN "
	STATS_SESSION_ADD("NEW") " " STATS_SEATS_ADD("NEW") " END;"
	"CREATE TRIGGER stats_session_out AFTER DELETE ON session BEGIN "
	STATS_SESSION_SUB("OLD") " " STATS_SEATS_SUB("OLD") " END;"
	"CREATE TRIGGER stats_session_move AFTER UPDATE OF status, start_at,"
	"  venue_id, course_id ON session WHEN (OLD.status = 'cancelled') !="
	"  (NEW.status = 'cancelled') OR OLD.start_at != NEW.start_at OR"
	"  OLD.venue_id != NEW.venue_id OR OLD.course_id != NEW.course_id"
	"  BEGIN " STATS_SESSION_SUB("OLD") " " STATS_SESSION_ADD("NEW")
	" END;"
	"CREATE TRIGGER stats_session_cancel AFTER UPDATE OF status ON session"
	"  WHEN (OLD.status = 'cancelled') != (NEW.status = 'cancelled')"
	"  BEGIN " STATS_SEATS_SUB("OLD") " " STATS_SEATS_ADD("NEW") " END;"
	"CREATE TRIGGER stats_venue_zone AFTER UPDATE OF timezone ON venue"
	"  WHEN OLD.timezone != NEW.timezone BEGIN"
	"  DELETE FROM stats_cell WHERE venue_id = NEW.id;"
	"  INSERT INTO stats_cell SELECT s.venue_id, s.course_id, "
	STATS_MONTH_OF("s") ", count(*), sum((SELECT count(*) "
	STATS_SEATS_OF("s") ")), sum((SELECT count(*) " STATS_SEATS_OF("s")
	" AND r.attendance = 'attended')), sum((SELECT count(*) "
	STATS_SEATS_OF("s") " AND r.attendance = 'no-show')) FROM session s"
	"  WHERE s.venue_id = NEW.id AND s.status != 'cancelled'"
	"  GROUP BY 1, 2, 3; END;",
	/* 15: the list of participants, a page at a time by name (paging.c). */
	"CREATE INDEX participant_name ON participant(name COLLATE NOCASE, id)"
	"  WHERE anonymised_at IS NULL;",
	/*
	 * 16: the claim a row is "sending" under (a random number drawn at
	 * each start, one more for each batch), which a worker's sent log
	 * names with the row and its attempts (sentlog.c): a line matches
	 * only the claim it was written for.
	 */
	"ALTER TABLE outbox ADD COLUMN claim INTEGER;",
	/*
	 * 17: less written per registration. The e-mail index holds only
	 * the people with an address (person_match()'s "lower(email) = ?"
	 * implies its condition), not a NULL per phone-only person. One
	 * live registration per person and session is kept by person first:
	 * a new person's entry goes at the end, on the page the batch's
	 * other new people write, not into the middle of their session's
	 * (the seat counts read registration_session). A new
	 * registration's count in tally is kept by the statistics' trigger,
	 * one trigger run per row instead of two.
	 */
	"DROP INDEX participant_email;"
	"CREATE INDEX participant_email ON participant(lower(email))"
	"  WHERE lower(email) IS NOT NULL;"
	"DROP INDEX registration_live;"
	"CREATE UNIQUE INDEX registration_live"
	"  ON registration(participant_id, session_id)"
	"  WHERE status != 'cancelled';"
	"DROP TRIGGER tally_registration_in;"
	"DROP TRIGGER stats_registration_in;"
	"CREATE TRIGGER stats_registration_in AFTER INSERT ON registration"
	"  BEGIN UPDATE tally SET n = n + 1 WHERE what = 'registration'; "
	STATS_REG_ADD("NEW") " END;",
	/*
	 * 18: tokens that name their row (token.c). A new cancel or feed
	 * token carries its row's id, encrypted, and the row keeps the
	 * token's hash in *_check, found by the primary key: a new row
	 * writes no entry into an index of random hashes. The links sent
	 * before keep working through *_hash and its index, which holds
	 * only their rows (new rows leave *_hash NULL). Whether a row has
	 * a token at all is now told by its sealed form.
	 */
	"ALTER TABLE registration ADD COLUMN cancel_token_check TEXT;"
	"ALTER TABLE participant ADD COLUMN feed_token_check TEXT;"
	"ALTER TABLE instructor ADD COLUMN feed_token_check TEXT;"
	"DROP INDEX registration_untokened;"
	"CREATE INDEX registration_untokened ON registration(session_id)"
	"  WHERE cancel_token_sealed IS NULL AND status != 'cancelled';",
	/*
	 * 19: the same CHECKs, cheaper per row. SQLite makes an IN list of
	 * three or more constants into a table, built again at each row
	 * inserted: four per registration (registration's status and
	 * cancelled_via, outbox's channel and state), a tenth of the loop's
	 * instructions. Compared one by one instead, the same rule. Only
	 * the text of the constraints changes, which every row already
	 * meets, so the tables are not rebuilt (SQLite's "ALTER TABLE",
	 * other schema changes: writable_schema; RESET reloads the schema).
	 */
	"PRAGMA writable_schema = ON;"
	"UPDATE sqlite_schema SET sql = replace(replace(sql,"
	"  'status IN (''confirmed'', ''waitlisted'', ''cancelled'')',"
	"  'status = ''confirmed'' OR status = ''waitlisted'' OR"
	"  status = ''cancelled'''),"
	"  'cancelled_via IN (''staff'', ''link'', ''sms'')',"
	"  'cancelled_via = ''staff'' OR cancelled_via = ''link'' OR"
	"  cancelled_via = ''sms''')"
	"  WHERE type = 'table' AND name = 'registration';"
	"UPDATE sqlite_schema SET sql = replace(replace(sql,"
	"  'channel IN (''email'', ''sms'', ''call'')',"
	"  'channel = ''email'' OR channel = ''sms'' OR channel = ''call'''),"
	"  'state IN (''pending'',    ''sending'', ''sent'', ''failed'', "
	"''skipped'', ''cancelled'')',"
	"  'state = ''pending'' OR state = ''sending'' OR state = ''sent'' OR"
	"  state = ''failed'' OR state = ''skipped'' OR state = ''cancelled''')"
	"  WHERE type = 'table' AND name = 'outbox';"
	"PRAGMA writable_schema = RESET;",

	/*
	 * 20: outbox_outcome takes 'skipped' too: the outcome of a row not
	 * sent whose own update failed, settled with the batch's outcomes
	 * (worker.c, job_settle()). A CHECK widened, which every row
	 * meets: only its text changes, as in 19, compared one by one.
	 */
	"PRAGMA writable_schema = ON;"
	"UPDATE sqlite_schema SET sql = replace(sql,"
	"  'state IN (''pending'', ''sent'',    ''failed'')',"
	"  'state = ''pending'' OR state = ''sent'' OR state = ''failed'' OR"
	"  state = ''skipped''')"
	"  WHERE type = 'table' AND name = 'outbox_outcome';"
	"PRAGMA writable_schema = RESET;",

	/*
	 * 21: a new seat counted for its person without a table per row.
	 * stats_person has a trigger (tally 'people'), and SQLite runs an
	 * INSERT ... SELECT into a table with triggers through an ephemeral
	 * table, opened, filled and dropped at every registration. The
	 * same count as a one-row INSERT ... VALUES in a trigger of its own,
	 * whose WHEN asks what the SELECT's WHERE asked: a confirmed seat in
	 * a session not cancelled (no session: no row, as before).
	 */
	"DROP TRIGGER stats_registration_in;"
	"CREATE TRIGGER stats_registration_in AFTER INSERT ON registration"
	"  BEGIN UPDATE tally SET n = n + 1 WHERE what = 'registration'; "
	STATS_CELL_ADD("NEW") " END;"
	"CREATE TRIGGER stats_person_in_seat AFTER INSERT ON registration"
	"  WHEN NEW.status = 'confirmed' AND (SELECT s.status FROM session s"
	"  WHERE s.id = NEW.session_id) != 'cancelled' BEGIN"
	"  INSERT INTO stats_person VALUES (NEW.participant_id, 1)"
	"  ON CONFLICT DO UPDATE SET n = n + 1; END;",
	/*
	 * 22: the people of a range of GET /v1/stats from a summary too.
	 * They were counted from every confirmed seat of the sessions in
	 * range, each seat's person read from its registration's row: a
	 * year of a national system, 540,000 rows found one by one, three
	 * quarters of the report. stats_seat holds the confirmed seats of
	 * sessions not cancelled by their session's start and person (n:
	 * how many such seats start then), kept by triggers in the
	 * transaction of each change as stats_person is, and read in order
	 * of time. A new seat is counted in stats_person_in_seat, whose
	 * WHEN already asked for a confirmed seat in a session not
	 * cancelled.
	 */
	"CREATE TABLE stats_seat ("
	"  start_at INTEGER NOT NULL, participant_id INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  PRIMARY KEY (start_at, participant_id)) WITHOUT ROWID;"
	"INSERT INTO stats_seat " STATS_SEAT_FILL ";"
	"DROP TRIGGER stats_person_in_seat;"
	"CREATE TRIGGER stats_person_in_seat AFTER INSERT ON registration"
	"  WHEN NEW.status = 'confirmed' AND (SELECT s.status FROM session s"
	"  WHERE s.id = NEW.session_id) != 'cancelled' BEGIN"
	"  INSERT INTO stats_person VALUES (NEW.participant_id, 1)"
	"  ON CONFLICT DO UPDATE SET n = n + 1;"
	"  INSERT INTO stats_seat SELECT s.start_at, NEW.participant_id, 1"
	"  FROM session s WHERE s.id = NEW.session_id"
	"  ON CONFLICT DO UPDATE SET n = n + 1; END;"
	"CREATE TRIGGER stats_seat_out AFTER DELETE ON registration"
	"  WHEN OLD.status = 'confirmed' BEGIN " STATS_SEAT_SUB("OLD") " END;"
	"CREATE TRIGGER stats_seat_move_out AFTER UPDATE OF status,"
	"  session_id, participant_id ON registration WHEN OLD.status ="
	"  'confirmed' AND (NEW.status != 'confirmed' OR OLD.session_id !="
	"  NEW.session_id OR OLD.participant_id != NEW.participant_id) BEGIN "
	STATS_SEAT_SUB("OLD") " END;"
	"CREATE TRIGGER stats_seat_move_in AFTER UPDATE OF status,"
	"  session_id, participant_id ON registration WHEN NEW.status ="
	"  'confirmed' AND (OLD.status != 'confirmed' OR OLD.session_id !="
	"  NEW.session_id OR OLD.participant_id != NEW.participant_id) BEGIN "
	STATS_SEAT_ADD("NEW") " END;"
	"CREATE TRIGGER stats_seat_session_in AFTER INSERT ON session BEGIN "
	STATS_SESSION_SEATS_ADD("NEW") " END;"
	"CREATE TRIGGER stats_seat_session_out AFTER DELETE ON session BEGIN "
	STATS_SESSION_SEATS_SUB("OLD") " END;"
	"CREATE TRIGGER stats_seat_session_move AFTER UPDATE OF status,"
	"  start_at ON session WHEN (OLD.status = 'cancelled') !="
	"  (NEW.status = 'cancelled') OR OLD.start_at != NEW.start_at BEGIN "
	STATS_SESSION_SEATS_SUB("OLD") " " STATS_SESSION_SEATS_ADD("NEW")
	" END;",
	/*
	 * 23: a new registration's triggers cost less (issue 9). Its seat
	 * was counted by two triggers that each read its session: one for
	 * every row (tally, and the cell's upsert whose SELECT found a
	 * waitlisted seat nothing to add), one for a confirmed seat (its
	 * person, its stats_seat row). Now one trigger counts the row in
	 * tally by its whole key, and one, whose WHEN asks once for a
	 * confirmed seat in a session not cancelled, adds the seat to its
	 * cell, person and stats_seat row; a waitlisted row runs only the
	 * first. tally becomes a table with a rowid, its key a UNIQUE
	 * index: SQLite changes a row of a WITHOUT ROWID table by deleting
	 * and inserting its record, of a rowid table in place, and a
	 * registration changes four of tally's rows.
	 */
	"CREATE TABLE tally_copy AS SELECT * FROM tally;"
	"DROP TABLE tally;"
	"CREATE TABLE tally ("
	"  what TEXT NOT NULL, state TEXT NOT NULL, channel TEXT NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  UNIQUE (what, state, channel));"
	"INSERT INTO tally SELECT * FROM tally_copy ORDER BY 1, 2, 3;"
	"DROP TABLE tally_copy;"
	"DROP TRIGGER stats_registration_in;"
	"DROP TRIGGER stats_person_in_seat;"
	"CREATE TRIGGER tally_registration_in AFTER INSERT ON registration"
	"  BEGIN UPDATE tally SET n = n + 1 WHERE what = 'registration' AND"
	"  state = '' AND channel = ''; END;"
	"CREATE TRIGGER stats_seat_in AFTER INSERT ON registration "
	STATS_SEAT_IN_WHEN("NEW") " BEGIN " STATS_CELL_ADD("NEW") " "
	STATS_PERSON_SEAT_ADD("NEW") " " STATS_SEAT_ADD("NEW") " END;",
	/*
	 * 24: one index leaf fewer per message queued (issue 9). No
	 * statement reads outbox_session: a session's messages are read
	 * as failed ones (outbox_failed, which the planner then takes for
	 * the call list) or by id (the list, a page at a time), and a
	 * session is never deleted (the child check a new session's INSERT
	 * carries runs only while a deferred violation is counted: never,
	 * with immediate keys). Yet every new row wrote an entry into it,
	 * in its session's place: with registrations spread over many
	 * sessions, a leaf of its own for each, checksummed and written to
	 * the log at COMMIT.
	 */
	"DROP INDEX outbox_session;",
	/*
	 * 25: the seats a session has taken, kept (issue 9). A
	 * registration asked for them as a sum over the session's confirmed
	 * seats in registration_session: ~100 ns a seat, 20 us at 200
	 * seats, 15 % of the loop's time as bench/registrations' sessions
	 * filled. Now one row by the session's id, kept by triggers in the
	 * transaction of each change, as tally is: a confirmed seat and its
	 * companion counted in, and out again when it is cancelled, moved,
	 * deleted or loses its companion.
	 */
	"CREATE TABLE session_taken ("
	"  session_id INTEGER PRIMARY KEY, taken INTEGER NOT NULL);"
	"INSERT INTO session_taken SELECT session_id, sum(1 + companion)"
	"  FROM registration WHERE status = 'confirmed' GROUP BY session_id;"
	"CREATE TRIGGER taken_in AFTER INSERT ON registration"
	"  WHEN NEW.status = 'confirmed' BEGIN " TAKEN_ADD("NEW") " END;"
	"CREATE TRIGGER taken_out AFTER DELETE ON registration"
	"  WHEN OLD.status = 'confirmed' BEGIN " TAKEN_SUB("OLD") " END;"
	"CREATE TRIGGER taken_move AFTER UPDATE OF status, companion,"
	"  session_id ON registration WHEN (OLD.status = 'confirmed' OR"
	"  NEW.status = 'confirmed') AND (OLD.status IS NOT NEW.status OR"
	"  OLD.companion IS NOT NEW.companion OR OLD.session_id IS NOT"
	"  NEW.session_id) BEGIN " TAKEN_SUB("OLD") " " TAKEN_ADD("NEW")
	" END;",
};

int
schema_exec(sqlite3 *db, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s", err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

int
schema_version(sqlite3 *db)
{
	sqlite3_stmt	*stmt;
	int		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) !=
	    SQLITE_OK)
		return (-1);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return (v);
}

int
schema_migrate(sqlite3 *db, char **cause)
{
	char	*err = NULL, *sql;
	int	 v, target, from;

	if ((v = schema_version(db)) < 0) {
		xasprintf(cause, "cannot read the schema version: %s",
		    sqlite3_errmsg(db));
		return (-1);
	}
	if (v > SCHEMA_VERSION) {
		xasprintf(cause, "the database has schema version %d, newer "
		    "than this kursusd understands (%d); run a newer kursusd "
		    "or restore a backup", v, SCHEMA_VERSION);
		return (-1);
	}
	for (from = v; v < SCHEMA_VERSION; v++) {
		target = v + 1;
		if (schema_exec(db, "BEGIN IMMEDIATE", cause) != 0)
			return (-1);
		if (schema_exec(db, migrations[v], &err) != 0) {
			xasprintf(cause, "upgrading the schema from version %d "
			    "to %d: %s", v, target, err);
			free(err);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return (-1);
		}
		sql = xprintf("PRAGMA user_version = %d", target);
		if (schema_exec(db, sql, cause) != 0 ||
		    schema_exec(db, "COMMIT", cause) != 0) {
			free(sql);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return (-1);
		}
		free(sql);
		if (from > 0)
			log_info("database schema upgraded from version %d "
			    "to %d", v, target);
	}
	return (0);
}
