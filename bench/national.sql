-- bench/national.sql: fills a kursusd database whose schema kursusd has
-- just created (and which is otherwise empty) with the "national data set"
-- of issue 9, in one transaction, for bench/national:
--
--   100 venues, 20 course types, 200 instructors; 100,000 sessions a year
--   over five years (four back, one ahead); 1,000,000 participants;
--   3,000,000 registrations; 10,000,000 outbox rows.
--
-- bench/national runs it with the sqlite3 shell after a temp table k of
-- the sizes (so that a small copy can be made for a quick check):
--
--   CREATE TEMP TABLE k (now, days, retention_days, sessions, participants,
--       outbox);   -- sessions a multiple of 20; participants
--                  -- sessions * 2 (three registrations each)
--
-- and drops the indexes and triggers of the tables it fills first and
-- makes them again after (from sqlite_master, so they are kursusd's), which
-- is much quicker than keeping 13 indexes up to date row by row.
--
-- The data keeps kursusd's rules, so that the daemon finds a steady state
-- and its start-up sweeps have (almost) nothing to do:
--   * sessions: from `days` * 4/5 days ago to `days` / 5 ahead, the same
--     number every day, at 100 venues in up to three slots a day (07, 10,
--     13 UTC); 90 or 120 minutes by course type; capacity 8 to 12; one
--     instructor each (session_staff). Past ones are done (updated when
--     the attendance was taken), every 50th is cancelled (sequence 1);
--     future ones are scheduled. Sessions were made 90 days ahead.
--   * registrations: 0 to 12 per session (6 on average): queue 1..n,
--     confirmed while queue <= capacity, else waitlisted (so a session has
--     a waitlist only when it is full); in a session with room, every
--     fourth has its last registration cancelled (withdrawn, version 1).
--     One live registration per person and session; each person registers
--     three times, two weeks apart. Running numbers 3000 up, next_number
--     after them. Attendance for the confirmed seats of done sessions.
--   * participants: Danish mobile numbers (every 40th a landline only),
--     every third an e-mail address too; created at their first
--     registration. Those whose last session ended more than
--     retention_days before `now` are anonymised as the retention sweep
--     does it (name "(slettet)", no contact, recipients gone from the
--     outbox, the texts of their messages deleted), at the sweep after
--     their time ran out.
--   * outbox: what kursusd queues for each registration: the
--     confirmation or waitlisted notice per channel (a "call" record,
--     skipped, for people with neither), the two reminders of the default
--     rules "email:2d,sms:1d@10:00" for confirmed seats (not when planned
--     too late), the cancelled notice of a cancelled session and the
--     withdrawn notice of a cancelled registration, with the reminders
--     they called off; what was due is sent (sent_at, attempts 1, SMS with
--     a provider id), what is due later is pending. Staff messages (kind
--     staff, a batch per session) fill up to `outbox` rows. Every sent
--     message to a person not anonymised keeps its texts in outbox_text
--     (SMS ~160 characters; e-mail subject, ~700-byte body and ~900-byte
--     text/calendar invitation).
--
-- bench/national runs it with the sqlite3 shell on a database kursusd is
-- not using, inside the one transaction it opens (after PRAGMA
-- journal_mode=OFF and synchronous=OFF: a failed load is thrown away;
-- kursusd switches the file back to WAL when it opens it).

CREATE TEMP TABLE kk AS SELECT now, days, retention_days,
    sessions AS nsess, participants AS npart, outbox AS nout,
    (now / 86400 - days * 4 / 5) * 86400 AS day0,
    (sessions + days - 1) / days AS per_day,
    participants / 40 AS block,
    now - retention_days * 86400 AS cutoff
FROM k;

-- --- venues, course types, instructors ---------------------------------------
CREATE TEMP TABLE town (n INTEGER PRIMARY KEY, city TEXT, postcode TEXT);
INSERT INTO town (city, postcode) VALUES ('København', '1000'),
    ('Aarhus', '8000'), ('Odense', '5000'), ('Aalborg', '9000'),
    ('Esbjerg', '6700'), ('Randers', '8900'), ('Kolding', '6000'),
    ('Horsens', '8700'), ('Vejle', '7100'), ('Roskilde', '4000'),
    ('Herning', '7400'), ('Silkeborg', '8600'), ('Næstved', '4700'),
    ('Fredericia', '7000'), ('Viborg', '8800'), ('Køge', '4600'),
    ('Holstebro', '7500'), ('Slagelse', '4200'), ('Hillerød', '3400'),
    ('Sønderborg', '6400'), ('Svendborg', '5700'), ('Hjørring', '9800'),
    ('Holbæk', '4300'), ('Frederikshavn', '9900'), ('Nørresundby', '9400');

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO venue (id, slug, name, address, postcode, city, capacity,
    access_notes, equipment_notes, contact_name, contact_phone, timezone,
    latitude, longitude, contact_public, created_at, updated_at)
SELECT i, lower(replace(replace(replace(replace(t.city, 'ø', 'oe'), 'æ',
    'ae'), 'å', 'aa'), ' ', '-')) || '-' || ((i - 1) / 25 + 1),
    CASE (i - 1) / 25 WHEN 0 THEN 'Hovedbiblioteket ' WHEN 1 THEN
    'Lokalbiblioteket ' WHEN 2 THEN 'Borgerservice og bibliotek ' ELSE
    'Kulturhuset ' END || t.city,
    'Biblioteksgade ' || i, t.postcode, t.city, 12,
    'Trinfri adgang fra parkeringspladsen; teleslynge i salen',
    'Wi-Fi, projektor, låne-iPads', 'Kontakt ' || i,
    printf('+457%07d', 5000000 + i), 'Europe/Copenhagen',
    55.0 + (i % 25) * 0.1, 8.5 + (i % 17) * 0.2, i % 2,
    kk.day0 - 400 * 86400, kk.day0 - 400 * 86400
FROM n JOIN town t ON t.n = (n.i - 1) % 25 + 1, kk;

CREATE TEMP TABLE title (n INTEGER PRIMARY KEY, t TEXT);
INSERT INTO title (t) VALUES ('MitID for begyndere'), ('Digital Post'),
    ('Din første smartphone'), ('Tablet for begyndere'), ('Borger.dk'),
    ('Sundhed.dk og Min Læge'), ('Netbank og MobilePay'),
    ('Fotos på telefonen'), ('Videoopkald med familien'),
    ('Sikker på nettet'), ('E-boks og Digital Post'), ('Rejseplanen'),
    ('Bibliotekets app'), ('Skat.dk og årsopgørelsen'), ('E-mail for alle'),
    ('Google Maps'), ('Facebook for begyndere'), ('Apps i hverdagen'),
    ('Billetter på nettet'), ('Kunstig intelligens i hverdagen');

INSERT INTO course (id, slug, title, description, duration, capacity,
    min_participants, bring, language, created_at, updated_at)
SELECT n, 'kursus-' || n, t, 'Vi gennemgår ' || t || ' trin for trin, i ro '
    || 'og mag og med god tid til spørgsmål; med pauser og kaffe.',
    CASE WHEN n % 3 = 0 THEN 120 ELSE 90 END, 10, 4,
    'Telefon, nøglekort og læsebriller', 'da',
    kk.day0 - 400 * 86400, kk.day0 - 400 * 86400
FROM title, kk;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO instructor (id, slug, name, email, phone, volunteer, created_at,
    updated_at)
SELECT i, 'underviser-' || i, 'Underviser ' || i,
    'underviser' || i || '@bibliotek.example', printf('+452%07d', i),
    i % 3 = 0, kk.day0 - 400 * 86400, kk.day0 - 400 * 86400
FROM n, kk;

-- --- sessions ----------------------------------------------------------------
CREATE TEMP TABLE sx (i INTEGER PRIMARY KEY, venue_id, course_id, start_at,
    end_at, capacity, status, c, off, made, tc);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < (SELECT nsess FROM kk)),
t AS (SELECT i, ((i - 1) % kk.per_day) % 100 + 1 AS venue_id,
    i * 7 % 20 + 1 AS course_id,
    kk.day0 + ((i - 1) / kk.per_day) * 86400 + 7 * 3600
        + (((i - 1) % kk.per_day) / 100) * 10800 AS start_at,
    8 + i % 5 AS capacity,
    CAST(substr('00021204050607090312', 2 * (i % 10) + 1, 2) AS INTEGER)
        AS c, kk.now AS now
    FROM n, kk)
INSERT INTO sx (i, venue_id, course_id, start_at, end_at, capacity, status,
    c, made)
SELECT i, venue_id, course_id, start_at,
    start_at + CASE WHEN course_id % 3 = 0 THEN 7200 ELSE 5400 END,
    capacity,
    CASE WHEN i % 50 = 25 THEN 'cancelled'
         WHEN start_at + CASE WHEN course_id % 3 = 0 THEN 7200 ELSE 5400 END
             < now THEN 'done'
         ELSE 'scheduled' END,
    c, min(start_at - 90 * 86400, now - (1 + i % 30) * 86400)
FROM t;
-- Cancelled 12 hours before the start, or just now when that is ahead.
UPDATE sx SET tc = min(start_at - 43200, (SELECT now FROM kk) - 300)
    WHERE status = 'cancelled';
-- The registrations before each session's: the running total.
UPDATE sx SET off = w.off FROM (SELECT i, sum(c) OVER (ORDER BY i) - c
    AS off FROM sx) AS w WHERE w.i = sx.i;

INSERT INTO session (id, uid, course_id, venue_id, start_at, end_at,
    capacity, status, sequence, rev, created_at, updated_at)
SELECT i, printf('nat%07d@kursusd.bench', i), course_id, venue_id,
    start_at, end_at, capacity, status,
    status = 'cancelled', status != 'scheduled', made,
    CASE status WHEN 'cancelled' THEN tc WHEN 'done' THEN end_at + 3600
        ELSE made END
FROM sx ORDER BY i;

INSERT INTO session_staff (session_id, instructor_id, role)
SELECT i, (venue_id - 1) * 2 + i % 2 + 1, 'instructor' FROM sx ORDER BY i;

-- --- registrations -------------------------------------------------------------
-- j: the registration's running index; p: its person (three registrations
-- each, `block` apart, i.e. about two weeks).
CREATE TEMP TABLE rx (j INTEGER PRIMARY KEY, i, p, q, status, version,
    made, tw);
WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 12)
INSERT INTO rx (j, i, p, q, status, version, made)
SELECT sx.off + q.n, sx.i,
    ((sx.off + q.n - 1) / (3 * kk.block)) * kk.block
        + (sx.off + q.n - 1) % kk.block + 1,
    q.n,
    CASE WHEN sx.c <= sx.capacity AND q.n = sx.c AND sx.i % 4 = 1
        THEN 'cancelled'
        WHEN q.n <= sx.capacity THEN 'confirmed' ELSE 'waitlisted' END,
    sx.c <= sx.capacity AND q.n = sx.c AND sx.i % 4 = 1,
    max(sx.made + 3600, min(sx.start_at - ((sx.off + q.n) % 30 + 1) * 86400,
        kk.now - ((sx.off + q.n) % 500 + 10) * 60))
FROM sx JOIN q ON q.n <= sx.c, kk
ORDER BY sx.i, q.n;
UPDATE rx SET tw = min(made + 86400, (SELECT start_at FROM sx
    WHERE sx.i = rx.i) - 3600, (SELECT now FROM kk) - 120)
    WHERE status = 'cancelled';

INSERT INTO registration (id, session_id, participant_id, number, status,
    queue, companion, attendance, version, created_at, updated_at)
SELECT rx.j, rx.i, rx.p, 2999 + rx.j, rx.status, rx.q, 0,
    CASE WHEN sx.status = 'done' AND rx.status = 'confirmed' THEN
        CASE WHEN rx.j % 7 = 0 THEN 'no-show' ELSE 'attended' END END,
    rx.version, rx.made,
    CASE WHEN rx.status = 'cancelled' THEN rx.tw
         WHEN sx.status = 'done' AND rx.status = 'confirmed'
             THEN sx.end_at + 3600
         ELSE rx.made END
FROM rx JOIN sx ON sx.i = rx.i ORDER BY rx.j;

UPDATE settings SET value = '3000' WHERE key = 'number_start';
UPDATE settings SET value = CAST((SELECT max(number) + 1 FROM registration)
    AS TEXT) WHERE key = 'next_number';

-- --- participants ------------------------------------------------------------
CREATE TEMP TABLE px (p INTEGER PRIMARY KEY, made, last_end, anon);
INSERT INTO px (p, made, last_end)
SELECT rx.p, min(rx.made), max(sx.end_at) FROM rx JOIN sx ON sx.i = rx.i
GROUP BY rx.p ORDER BY rx.p;
-- Anonymised at the first six-hourly sweep after their time ran out.
UPDATE px SET anon = min(last_end + (SELECT retention_days FROM kk) * 86400
    + p % 21600, (SELECT now FROM kk) - 60)
    WHERE last_end < (SELECT cutoff FROM kk);

CREATE TEMP TABLE fornavn (n INTEGER PRIMARY KEY, t TEXT);
INSERT INTO fornavn (t) VALUES ('Anne'), ('Bent'), ('Birgit'), ('Erik'),
    ('Grethe'), ('Hans'), ('Inge'), ('Jens'), ('Kirsten'), ('Knud'),
    ('Lis'), ('Mogens'), ('Hanne'), ('Ole'), ('Ruth'), ('Poul'), ('Susanne'),
    ('Søren'), ('Tove'), ('Aase');
CREATE TEMP TABLE efternavn (n INTEGER PRIMARY KEY, t TEXT);
INSERT INTO efternavn (t) VALUES ('Jensen'), ('Nielsen'), ('Hansen'),
    ('Pedersen'), ('Andersen'), ('Christensen'), ('Larsen'), ('Sørensen'),
    ('Rasmussen'), ('Jørgensen'), ('Petersen'), ('Madsen'), ('Kristensen'),
    ('Olsen'), ('Thomsen'), ('Christiansen'), ('Poulsen'), ('Johansen'),
    ('Møller'), ('Mortensen');

INSERT INTO participant (id, name, email, phone, phone_type, no_contact,
    language, anonymised_at, created_at, updated_at)
SELECT px.p,
    CASE WHEN px.anon IS NULL THEN f.t || ' ' || e.t || ' ' || px.p
        ELSE '(slettet)' END,
    CASE WHEN px.anon IS NULL AND px.p % 3 = 0 THEN
        'deltager' || px.p || '@example.dk' END,
    CASE WHEN px.anon IS NOT NULL THEN NULL
        WHEN px.p % 40 = 7 THEN printf('+4575%06d', px.p % 1000000)
        ELSE '+45' || (20000000 + px.p) END,
    CASE WHEN px.anon IS NOT NULL THEN NULL
        WHEN px.p % 40 = 7 THEN 'landline' ELSE 'mobile' END,
    px.anon IS NOT NULL,
    CASE WHEN px.p % 25 = 0 THEN 'en' ELSE 'da' END,
    px.anon, px.made, coalesce(px.anon, px.made)
FROM px JOIN fornavn f ON f.n = px.p % 20 + 1
JOIN efternavn e ON e.n = (px.p / 20) % 20 + 1
ORDER BY px.p;

-- --- outbox --------------------------------------------------------------------
-- Each registration's rows, slot by slot: 1-3 its first notice (sms,
-- email, call), 4-5 the two reminders, 6-8 the session's cancellation,
-- 9-11 its own withdrawal.
CREATE TEMP TABLE slot (s INTEGER PRIMARY KEY);
WITH RECURSIVE n(s) AS (SELECT 1 UNION ALL SELECT s + 1 FROM n WHERE s < 11)
INSERT INTO slot SELECT s FROM n;

CREATE TEMP VIEW ox AS
WITH r AS (
    SELECT rx.j, rx.i, rx.p, rx.status, rx.version, rx.made, rx.tw,
        sx.start_at, sx.status AS sstatus, sx.tc,
        px.p % 40 != 7 AS sms, px.p % 3 = 0 AS email, px.anon,
        CASE WHEN px.p % 40 != 7 THEN '+45' || (20000000 + px.p) END
            AS phone,
        CASE WHEN px.p % 3 = 0 THEN 'deltager' || px.p || '@example.dk'
            END AS mail,
        -- the reminders: rule 0 e-mail 2 days before, rule 1 SMS the day
        -- before at 10:00 local (08:00 UTC in summer time, 09:00 else)
        sx.start_at - 2 * 86400 AS due0,
        (sx.start_at / 86400 - 1) * 86400 + CASE WHEN CAST(strftime('%m',
            sx.start_at, 'unixepoch') AS INTEGER) BETWEEN 4 AND 10 THEN 28800
            ELSE 32400 END AS due1,
        CASE WHEN sx.status = 'cancelled' THEN sx.tc
            WHEN rx.status = 'cancelled' THEN rx.tw END AS off_at,
        CASE WHEN sx.status = 'cancelled' THEN 'the session was cancelled'
            WHEN rx.status = 'cancelled' THEN
            'the registration was cancelled' END AS off_why
    FROM rx JOIN sx ON sx.i = rx.i JOIN px ON px.p = rx.p),
o AS (
    SELECT r.*, slot.s,
        CASE WHEN slot.s <= 3 THEN CASE WHEN r.status = 'waitlisted'
                THEN 'waitlisted' ELSE 'confirmation' END
            WHEN slot.s <= 5 THEN 'reminder'
            WHEN slot.s <= 8 THEN 'cancelled' ELSE 'withdrawn' END AS kind,
        CASE slot.s
            WHEN 4 THEN CASE WHEN r.email THEN 'email' WHEN r.sms THEN 'sms'
                END
            WHEN 5 THEN CASE WHEN r.sms THEN 'sms' WHEN r.email THEN 'email'
                END
            WHEN 1 THEN 'sms' WHEN 6 THEN 'sms' WHEN 9 THEN 'sms'
            WHEN 2 THEN 'email' WHEN 7 THEN 'email' WHEN 10 THEN 'email'
            ELSE 'call' END AS channel,
        CASE slot.s WHEN 4 THEN r.due0 WHEN 5 THEN r.due1
            WHEN 6 THEN r.tc WHEN 7 THEN r.tc WHEN 8 THEN r.tc
            WHEN 9 THEN r.tw WHEN 10 THEN r.tw WHEN 11 THEN r.tw
            ELSE r.made END AS due,
        CASE WHEN slot.s IN (4, 5) THEN r.made
            WHEN slot.s BETWEEN 6 AND 8 THEN r.tc
            WHEN slot.s >= 9 THEN r.tw ELSE r.made END AS made_at
    FROM r JOIN slot ON
        CASE
        WHEN slot.s = 1 THEN r.sms
        WHEN slot.s = 2 THEN r.email
        WHEN slot.s = 3 THEN NOT r.sms AND NOT r.email
        -- reminders: planned for a confirmed seat, not too late
        WHEN slot.s = 4 THEN r.status != 'waitlisted' AND (r.sms OR r.email)
            AND r.due0 > r.made AND r.due0 < r.start_at
        WHEN slot.s = 5 THEN r.status != 'waitlisted' AND (r.sms OR r.email)
            AND r.due1 > r.made AND r.due1 < r.start_at
        WHEN slot.s BETWEEN 6 AND 8 THEN r.sstatus = 'cancelled'
            AND r.status != 'cancelled' AND CASE slot.s WHEN 6 THEN r.sms
            WHEN 7 THEN r.email ELSE NOT r.sms AND NOT r.email END
        ELSE r.status = 'cancelled' AND r.sstatus != 'cancelled'
            AND CASE slot.s WHEN 9 THEN r.sms WHEN 10 THEN r.email
            ELSE NOT r.sms AND NOT r.email END
        END)
SELECT o.*,
    CASE WHEN o.channel = 'call' THEN 'skipped'
        WHEN o.kind = 'reminder' AND o.off_at IS NOT NULL
            AND o.due > o.off_at THEN 'cancelled'
        WHEN o.due <= (SELECT now FROM kk) THEN 'sent'
        ELSE 'pending' END AS state
FROM o;

INSERT INTO outbox (key, kind, channel, recipient, participant_id,
    session_id, registration_id, sequence, language, detail, batch, due_at,
    state, attempts, next_attempt, last_error, provider_id, sent_at,
    created_at, updated_at)
SELECT
    CASE WHEN kind = 'reminder' THEN printf('reminder:%d:0:%d:%s', j, s - 4,
        channel)
    ELSE printf('%s:%d:%d:%d:%s', kind, j, CASE WHEN kind = 'withdrawn'
        THEN 1 ELSE 0 END, kind = 'cancelled', channel) END,
    kind, channel,
    CASE WHEN anon IS NULL THEN CASE channel WHEN 'sms' THEN phone
        WHEN 'email' THEN mail END END,
    p, i, j, kind = 'cancelled', CASE WHEN p % 25 = 0 THEN 'en' ELSE 'da' END,
    CASE WHEN kind = 'cancelled' THEN
        '{"reason":"Underviseren er desværre blevet syg"}' END,
    NULL, due, state,
    state = 'sent', due,
    CASE state WHEN 'skipped' THEN 'no mobile number or e-mail address to '
        || 'send to: on the call list' WHEN 'cancelled' THEN off_why END,
    CASE WHEN state = 'sent' AND channel = 'sms' THEN
        printf('SM%016x', j * 16 + s) END,
    CASE WHEN state = 'sent' THEN due + j % 40 + s END,
    made_at,
    CASE state WHEN 'sent' THEN due + j % 40 + s WHEN 'cancelled' THEN off_at
        ELSE made_at END
FROM ox ORDER BY j, s;

-- Staff messages to fill up: an SMS to the confirmed people of every
-- seventh done session ("we meet in the other room"), a batch each; of
-- another seventh too when that is not enough.
INSERT INTO outbox (key, kind, channel, recipient, participant_id,
    session_id, registration_id, sequence, language, detail, batch, due_at,
    state, attempts, next_attempt, provider_id, sent_at, created_at,
    updated_at)
SELECT printf('staff:s%d:%d:sms', r.session_id, r.id), 'staff', 'sms',
    CASE WHEN px.anon IS NULL THEN '+45' || (20000000 + px.p) END,
    r.participant_id, r.session_id, r.id, 0, 'da',
    '{"message":"Vi mødes i det lille mødelokale i dag"}',
    printf('s%d', r.session_id), s.start_at - 18000, 'sent', 1,
    s.start_at - 18000, printf('SM%016x', r.id * 16 + 15),
    s.start_at - 18000 + r.id % 40, s.start_at - 18000,
    s.start_at - 18000 + r.id % 40
FROM registration r JOIN session s ON s.id = r.session_id
JOIN px ON px.p = r.participant_id
WHERE s.id % 7 IN (3, 5) AND s.status = 'done' AND r.status = 'confirmed'
    AND px.p % 40 != 7
ORDER BY s.id % 7 = 5, r.id
LIMIT max(0, (SELECT nout FROM kk) - (SELECT count(*) FROM outbox));

-- The texts of what was sent to people not anonymised.
INSERT INTO outbox_text (outbox_id, subject, body, attachment)
SELECT o.id,
    CASE WHEN o.channel = 'email' THEN CASE o.kind
        WHEN 'reminder' THEN 'Påmindelse: ' ELSE 'Du er tilmeldt ' END
        || c.title || ' ' || date(s.start_at, 'unixepoch') END,
    CASE WHEN o.channel = 'sms' THEN
        CASE o.kind WHEN 'reminder' THEN 'Husk: ' ELSE 'Tilmeldt: ' END
        || c.title || ' ' || strftime('%d.%m. kl. %H.%M', s.start_at,
        'unixepoch', '+1 hour') || ' i ' || v.name
        || '. Afbud: ring ' || v.contact_phone || '. Mvh. Biblioteket'
    ELSE 'Kære ' || p.name || char(10) || char(10)
        || 'Tak for din tilmelding. Du har fået en plads på ' || c.title
        || '.' || char(10) || 'Du er kursist nr. ' || (2999 + o.registration_id)
        || '.' || char(10) || char(10) || 'Hvornår: '
        || datetime(s.start_at, 'unixepoch') || char(10)
        || 'Vi slutter kl. ' || time(s.end_at, 'unixepoch') || char(10)
        || 'Hvor: ' || v.name || char(10) || 'Adresse: ' || v.address || ', '
        || v.postcode || ' ' || v.city || char(10) || 'Adgang: '
        || v.access_notes || char(10) || 'Medbring: ' || c.bring || char(10)
        || 'Underviser: Underviser ' || ((s.venue_id - 1) * 2 + s.id % 2 + 1)
        || char(10) || char(10) || c.description || char(10) || char(10)
        || 'Bliver du forhindret, så ring på ' || v.contact_phone
        || ', så en anden kan få pladsen.' || char(10) || char(10)
        || 'Venlig hilsen' || char(10) || 'Biblioteket' || char(10) END,
    CASE WHEN o.channel = 'email' THEN
        'BEGIN:VCALENDAR' || char(13, 10) || 'VERSION:2.0' || char(13, 10)
        || 'PRODID:-//kursusd//kursusd//DA' || char(13, 10)
        || 'METHOD:REQUEST' || char(13, 10) || 'BEGIN:VEVENT' || char(13, 10)
        || 'UID:' || s.uid || char(13, 10) || 'SEQUENCE:' || o.sequence
        || char(13, 10) || 'DTSTAMP:' || strftime('%Y%m%dT%H%M%SZ', o.due_at,
        'unixepoch') || char(13, 10) || 'DTSTART;TZID=Europe/Copenhagen:'
        || strftime('%Y%m%dT%H%M%S', s.start_at, 'unixepoch', '+1 hour')
        || char(13, 10) || 'DTEND;TZID=Europe/Copenhagen:'
        || strftime('%Y%m%dT%H%M%S', s.end_at, 'unixepoch', '+1 hour')
        || char(13, 10) || 'SUMMARY:' || c.title || char(13, 10)
        || 'LOCATION:' || v.name || '\, ' || v.address || '\, ' || v.postcode
        || ' ' || v.city || char(13, 10) || 'DESCRIPTION:' || c.description
        || '\nMedbring: ' || c.bring || char(13, 10) || 'STATUS:CONFIRMED'
        || char(13, 10) || 'ORGANIZER;CN=Biblioteket:mailto:kurser@bibliotek'
        || '.example' || char(13, 10) || 'ATTENDEE;CN=' || p.name
        || ';RSVP=FALSE:mailto:' || o.recipient || char(13, 10)
        || 'END:VEVENT' || char(13, 10) || 'END:VCALENDAR' || char(13, 10)
    END
FROM outbox o JOIN session s ON s.id = o.session_id
JOIN course c ON c.id = s.course_id JOIN venue v ON v.id = s.venue_id
JOIN participant p ON p.id = o.participant_id
WHERE o.state = 'sent' AND o.recipient IS NOT NULL
ORDER BY o.id;


-- What kursusd's triggers keep in tally (schema 12, and 'people', the
-- rows of stats_person, schema 14) for the rows above: they are dropped
-- while the data set is made.
DELETE FROM tally;
INSERT INTO tally SELECT 'people', '', '', count(*) FROM stats_person;
INSERT INTO tally SELECT 'outbox', state, channel, count(*)
    FROM outbox GROUP BY state, channel;
INSERT INTO tally SELECT 'participant', 'live', '', count(*)
    FROM participant WHERE anonymised_at IS NULL;
INSERT INTO tally SELECT 'registration', '', '', count(*) FROM registration;
-- And the seats each session has taken (schema 25).
DELETE FROM session_taken;
INSERT INTO session_taken SELECT session_id, sum(1 + companion)
    FROM registration WHERE status = 'confirmed' GROUP BY session_id;
