/*
 * The statements of the statistics' triggers (schema steps 14, 21, 22
 * and 23), as macros over a row's name (NEW, OLD) for schema.c's
 * migrations: what a registration or a session adds to the summary rows
 * and takes away from them; and stats_seat counted afresh (stats-month.c
 * too).
 */
#ifndef SCHEMA_STATS_H
#define SCHEMA_STATS_H

/*
 * What the statistics' triggers (step 14) add and take away; a session's
 * local month is STATS_MONTH_OF() (kursusd.h).
 */
/* A registration's seat, in its session's cell and its person's count. */
#define STATS_REG_ADD(r)	STATS_CELL_ADD(r) STATS_PERSON_ADD(r)
#define STATS_CELL_ADD(r)						\
	"INSERT INTO stats_cell SELECT s.venue_id, s.course_id, "	\
	STATS_MONTH_OF("s") ", 0, 1, " r ".attendance IS 'attended', "	\
	r ".attendance IS 'no-show' FROM session s WHERE s.id = " r	\
	".session_id AND s.status != 'cancelled' AND " r ".status = "	\
	"'confirmed' ON CONFLICT DO UPDATE SET registrations = "	\
	"registrations + 1, attended = attended + excluded.attended, "	\
	"no_show = no_show + excluded.no_show;"
#define STATS_PERSON_ADD(r)						\
	"INSERT INTO stats_person SELECT " r ".participant_id, 1 FROM "	\
	"session s WHERE s.id = " r ".session_id AND s.status != "	\
	"'cancelled' AND " r ".status = 'confirmed' ON CONFLICT DO "	\
	"UPDATE SET n = n + 1;"
#define STATS_REG_SUB(r)						\
	"UPDATE stats_cell SET registrations = registrations - 1, "	\
	"attended = attended - (" r ".attendance IS 'attended'), "	\
	"no_show = no_show - (" r ".attendance IS 'no-show') WHERE "	\
	r ".status = 'confirmed' AND (venue_id, course_id, month_at) = "	\
	"(SELECT s.venue_id, s.course_id, " STATS_MONTH_OF("s") " FROM "	\
	"session s WHERE s.id = " r ".session_id AND s.status != "	\
	"'cancelled');"							\
	"UPDATE stats_person SET n = n - 1 WHERE participant_id = " r	\
	".participant_id AND " r ".status = 'confirmed' AND EXISTS "	\
	"(SELECT 1 FROM session s WHERE s.id = " r ".session_id AND "	\
	"s.status != 'cancelled');"					\
	"DELETE FROM stats_person WHERE participant_id = " r		\
	".participant_id AND n <= 0;"
/* A session's own row in its cell, with the seats confirmed in it. */
#define STATS_SEATS_OF(s)						\
	"FROM registration r WHERE r.session_id = " s ".id AND "	\
	"r.status = 'confirmed'"
#define STATS_SESSION_ADD(s)						\
	"INSERT INTO stats_cell SELECT " s ".venue_id, " s ".course_id, "	\
	STATS_MONTH_OF(s) ", 1, n, a, ns FROM (SELECT count(*) AS n, "	\
	"coalesce(sum(r.attendance IS 'attended'), 0) AS a, "		\
	"coalesce(sum(r.attendance IS 'no-show'), 0) AS ns "		\
	STATS_SEATS_OF(s) ") WHERE " s ".status != 'cancelled' ON "	\
	"CONFLICT DO UPDATE SET sessions = sessions + 1, registrations = "	\
	"registrations + excluded.registrations, attended = attended + "	\
	"excluded.attended, no_show = no_show + excluded.no_show;"
#define STATS_SESSION_SUB(s)						\
	"UPDATE stats_cell SET sessions = sessions - 1, registrations = "	\
	"registrations - (SELECT count(*) " STATS_SEATS_OF(s) "), "	\
	"attended = attended - (SELECT count(*) " STATS_SEATS_OF(s)	\
	" AND r.attendance = 'attended'), no_show = no_show - (SELECT "	\
	"count(*) " STATS_SEATS_OF(s) " AND r.attendance = 'no-show') "	\
	"WHERE " s ".status != 'cancelled' AND venue_id = " s		\
	".venue_id AND course_id = " s ".course_id AND month_at = "	\
	STATS_MONTH_OF(s) ";"						\
	"DELETE FROM stats_cell WHERE sessions <= 0 AND venue_id = " s	\
	".venue_id AND course_id = " s ".course_id;"
/* The people with a seat in a session, counted or no longer. */
#define STATS_SEATS_ADD(s)						\
	"INSERT INTO stats_person SELECT r.participant_id, 1 "		\
	STATS_SEATS_OF(s) " AND " s ".status != 'cancelled' ON "	\
	"CONFLICT DO UPDATE SET n = n + 1;"
#define STATS_SEATS_SUB(s)						\
	"UPDATE stats_person SET n = n - 1 WHERE " s ".status != "	\
	"'cancelled' AND participant_id IN (SELECT r.participant_id "	\
	STATS_SEATS_OF(s) ");"						\
	"DELETE FROM stats_person WHERE n <= 0 AND participant_id IN "	\
	"(SELECT r.participant_id " STATS_SEATS_OF(s) ");"

/*
 * A seat in stats_seat (step 22), by its session's start and its person;
 * r a confirmed registration (the triggers' WHEN asks), s a session.
 */
#define STATS_SEAT_ADD(r)						\
	"INSERT INTO stats_seat SELECT s.start_at, " r ".participant_id, "	\
	"1 FROM session s WHERE s.id = " r ".session_id AND s.status != "	\
	"'cancelled' ON CONFLICT DO UPDATE SET n = n + 1;"
#define STATS_SEAT_SUB(r)						\
	"UPDATE stats_seat SET n = n - 1 WHERE (start_at, participant_id) "	\
	"= (SELECT s.start_at, " r ".participant_id FROM session s WHERE "	\
	"s.id = " r ".session_id AND s.status != 'cancelled');"		\
	"DELETE FROM stats_seat WHERE (start_at, participant_id) = (SELECT "	\
	"s.start_at, " r ".participant_id FROM session s WHERE s.id = " r	\
	".session_id) AND n <= 0;"
/*
 * A new confirmed seat in a session not cancelled (step 23): the WHEN of
 * the one trigger that counts it, and its person's count. The cell's and
 * stats_seat's statements ask again, at no cost that shows.
 */
#define STATS_SEAT_IN_WHEN(r)						\
	"WHEN " r ".status = 'confirmed' AND (SELECT s.status FROM "	\
	"session s WHERE s.id = " r ".session_id) != 'cancelled'"
#define STATS_PERSON_SEAT_ADD(r)					\
	"INSERT INTO stats_person VALUES (" r ".participant_id, 1) ON "	\
	"CONFLICT DO UPDATE SET n = n + 1;"
#define STATS_SESSION_SEATS_ADD(s)					\
	"INSERT INTO stats_seat SELECT " s ".start_at, r.participant_id, 1 "	\
	STATS_SEATS_OF(s) " AND " s ".status != 'cancelled' ON CONFLICT "	\
	"DO UPDATE SET n = n + 1;"
#define STATS_SESSION_SEATS_SUB(s)					\
	"UPDATE stats_seat SET n = n - 1 WHERE " s ".status != "	\
	"'cancelled' AND start_at = " s ".start_at AND participant_id IN "	\
	"(SELECT r.participant_id " STATS_SEATS_OF(s) ");"		\
	"DELETE FROM stats_seat WHERE start_at = " s ".start_at AND n <= 0 "	\
	"AND participant_id IN (SELECT r.participant_id " STATS_SEATS_OF(s)	\
	");"

/*
 * The rows of stats_seat (schema step 22) counted from the base tables:
 * the confirmed seats of sessions not cancelled, by start and person.
 */
#define STATS_SEAT_FILL							\
	"SELECT s.start_at, r.participant_id, count(*) FROM registration r "	\
	"JOIN session s ON s.id = r.session_id WHERE r.status = "	\
	"'confirmed' AND s.status != 'cancelled' GROUP BY 1, 2"

/*
 * The seats a confirmed registration r takes in its session (itself and
 * a companion), into session_taken (schema step 25) and out of it; each
 * does nothing for a row not confirmed.
 */
#define TAKEN_ADD(r)							\
	"INSERT INTO session_taken SELECT " r ".session_id, 1 + " r	\
	".companion WHERE " r ".status = 'confirmed' ON CONFLICT DO "	\
	"UPDATE SET taken = taken + excluded.taken;"
#define TAKEN_SUB(r)							\
	"UPDATE session_taken SET taken = taken - 1 - " r ".companion "	\
	"WHERE " r ".status = 'confirmed' AND session_id = " r		\
	".session_id;"

#endif
