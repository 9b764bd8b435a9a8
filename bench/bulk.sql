-- bench/bulk.sql: fills a kursusd database whose schema kursusd has just
-- created (and which is otherwise empty) with 20 venues, 10 course types,
-- 100,000 sessions, 1,000,000 participants and 1,000,000 registrations, in
-- one transaction, for the memory part of bench/registrations.
--
-- The data keeps kursusd's rules:
--   * sessions: 100 a day, every 5 minutes from 08:00 UTC, from 360 days ago
--     to about 640 days ahead (inside the 730-day retention, so the start-up
--     sweep anonymises nobody); past ones are done, every 50th is cancelled;
--     capacity 8 to 12; uid unique.
--   * registrations: 10 per session, queue 1..10, confirmed while
--     queue <= capacity, else waitlisted (so a session has a waitlist only
--     when it is full); one live registration per person and session;
--     running numbers 3000..1002999 (number_start 3000), next_number after
--     them; attendance recorded for the confirmed seats of done sessions.
--   * participants: one per registration, Danish mobile numbers in E.164,
--     every third with an e-mail address too.
--
-- Run with the sqlite3 shell on a database kursusd is not using. The load
-- uses a rollback journal and synchronous=OFF; kursusd switches the file
-- back to WAL when it opens it.

PRAGMA journal_mode=DELETE;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-200000;
PRAGMA foreign_keys=OFF;

BEGIN;

CREATE TEMP TABLE k AS SELECT
    (unixepoch('now') / 86400 - 360) * 86400 AS day0,
    unixepoch('now') AS now;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
INSERT INTO venue (id, slug, name, address, postcode, city, capacity,
    access_notes, equipment_notes, contact_name, contact_phone, timezone,
    created_at, updated_at)
SELECT i, 'bench-venue-' || i, 'Bench bibliotek ' || i, 'Borgergade ' || i,
    printf('%04d', 8700 + i), 'Horsens', 12, 'Trinfri adgang, teleslynge',
    'Wi-Fi; medbring egen tablet', 'Kontakt ' || i,
    printf('+4575%06d', i), 'Europe/Copenhagen', k.day0, k.day0
FROM n, k;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
INSERT INTO course (id, slug, title, description, duration, capacity,
    min_participants, bring, language, created_at, updated_at)
SELECT i, 'bench-course-' || i, 'Bench kursus ' || i,
    'Et kursus til benchmark', 90, 8, 4,
    'Telefon, nøglekort og læsebriller', 'da', k.day0, k.day0
FROM n, k;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < 100000),
t AS (SELECT i, k.day0 + ((i - 1) / 100) * 86400 + 8 * 3600
    + ((i - 1) % 100) * 300 AS start_at, k.now AS now, k.day0 AS day0
    FROM n, k)
INSERT INTO session (id, uid, course_id, venue_id, start_at, end_at,
    capacity, status, sequence, created_at, updated_at)
SELECT i, printf('bench%06d@kursusd', i), i % 10 + 1, i % 20 + 1,
    start_at, start_at + 5400, 8 + i % 5,
    CASE WHEN i % 50 = 0 THEN 'cancelled'
         WHEN start_at < now THEN 'done'
         ELSE 'scheduled' END,
    CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
    day0 - 86400, day0 - 86400
FROM t;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < 1000000)
INSERT INTO participant (id, name, email, phone, phone_type, language,
    created_at, updated_at)
SELECT i, 'Deltager ' || i,
    CASE WHEN i % 3 = 0 THEN 'deltager' || i || '@example.dk' END,
    '+45' || (20000000 + i), 'mobile', 'da', k.day0 - 86400, k.day0 - 86400
FROM n, k;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < 1000000)
INSERT INTO registration (id, session_id, participant_id, number, status,
    queue, companion, attendance, created_at, updated_at)
SELECT i, s.id, i, 2999 + i,
    CASE WHEN (i - 1) % 10 + 1 <= s.capacity THEN 'confirmed'
         ELSE 'waitlisted' END,
    (i - 1) % 10 + 1, 0,
    CASE WHEN s.status = 'done' AND (i - 1) % 10 + 1 <= s.capacity THEN
        CASE WHEN i % 7 = 0 THEN 'no-show' ELSE 'attended' END END,
    s.start_at - 7 * 86400, s.start_at - 7 * 86400
FROM n JOIN session s ON s.id = (i - 1) / 10 + 1;

UPDATE settings SET value = '3000' WHERE key = 'number_start';
UPDATE settings SET value = '1003000' WHERE key = 'next_number';

COMMIT;

