"""
An older database is upgraded in place, never recreated: a schema-version-1
database made from fixtures/schema-v1.sql is opened by kursusd, which
migrates it to the current version (what a new database gets: 2 or later)
keeping every row; the data reads back through
kursusctl, and the upgraded database takes new registrations (with their
outbox rows). A database newer than kursusd understands (user_version 99)
is refused with a message naming the version, and left as it was.

Before the upgrade kursusd writes a copy of the old database beside it,
kursusd.db.pre-v1 (the old version in its name): mode 0600, integrity ok,
version 1 with every row of the old database. A new database, and one
with nothing to migrate, get no such copy. When the copy cannot be
written (the directory is not writable), kursusd refuses to start, naming
the file and why, and the database is left byte for byte as it was.
"""

import glob
import hashlib
import os
import sqlite3
import stat
import subprocess

from kursustest import FIXTURES, Daemon, Tap, db_rows, dump_db, diff_dumps

t = Tap()


def make_db(path, sql=None, user_version=None):
    con = sqlite3.connect(path)
    try:
        if sql:
            con.executescript(sql)
        if user_version is not None:
            con.execute("PRAGMA user_version = %d" % user_version)
        con.commit()
    finally:
        con.close()


def columns(con, table):
    return [r[1] for r in con.execute('PRAGMA table_info("%s")' % table)]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pre_copies(dirname):
    return sorted(os.path.basename(p) for p in
                  glob.glob(os.path.join(dirname, "*.pre-v*")))


def integrity(path):
    return db_rows(path, "PRAGMA integrity_check")


def unwritable(t, fixture):
    """The copy before the upgrade cannot be written (its name is taken by
    a directory that is not empty): kursusd refuses, and leaves the
    database as it was."""
    tmp = t.tempdir()
    db = os.path.join(tmp, "kursusd.db")
    make_db(db, fixture)
    pre = db + ".pre-v1"
    os.mkdir(pre)
    open(os.path.join(pre, "keep"), "w").close()
    n = Daemon(t, dirname=tmp, db=db)
    t._daemons.append(n)
    open(n.logfile, "a").close()
    before = sha256(db)
    names = sorted(os.listdir(tmp))
    proc = n.spawn()
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    n.kill()
    log = n.log()
    names_after = sorted(x for x in os.listdir(tmp)
                         if not x.startswith("kursusd.db.lock") and
                         x not in ("feeds.key", "kursusd.log"))
    t.ok(rc not in (0, None), "the copy before an upgrade cannot be "
         "written: kursusd refuses to upgrade (exit %s)" % rc,
         log.split("\n"))
    t.ok(pre in log and "directory" in log and "upgrade" in log,
         "the message names the copy it could not write, and why",
         log.split("\n"))
    t.eq(sha256(db), before, "the database is left byte for byte as it was")
    t.eq(names_after, sorted(x for x in names if x not in
                             ("kursusd.db.lock", "kursusd.log")),
         "no copy and no temporary file is left behind")


def in_lists(db):
    """The CHECKs of registration and outbox that still compare with an
    IN list (schema 19 writes them as comparisons one by one, which
    SQLite does without a table per row)."""
    rows = db_rows(db, "SELECT name, sql FROM sqlite_schema WHERE "
                   "type = 'table' AND name IN ('registration', 'outbox')")
    return sorted("%s.%s" % (name, col) for name, sql in rows
                  for col in ("status", "cancelled_via", "channel", "state")
                  if col + " IN (" in sql)


def person_selects(db):
    """The triggers on a new registration that count its person with an
    INSERT ... SELECT into stats_person (schema 21 counts with a one-row
    INSERT ... VALUES: SQLite runs an INSERT ... SELECT into a table with
    triggers through a temporary table at every row)."""
    rows = db_rows(db, "SELECT name, sql FROM sqlite_schema WHERE "
                   "type = 'trigger' AND tbl_name = 'registration' "
                   "AND sql LIKE '%AFTER INSERT ON registration%'")
    return sorted(name for name, sql in rows
                  if "INSERT INTO stats_person SELECT" in sql)


def got_want(db, got_sql, want_sql):
    """The rows of a summary table and the same counted from the rows."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return (con.execute(got_sql).fetchall(),
                con.execute(want_sql).fetchall())
    finally:
        con.close()


def seats(db):
    """stats_seat (schema 22) and the seats the base tables give: a
    confirmed registration in a session not cancelled, by the session's
    start and the person."""
    return got_want(
        db, "SELECT start_at, participant_id, n FROM stats_seat "
        "ORDER BY 1, 2",
        "SELECT s.start_at, r.participant_id, count(*) FROM registration "
        "r, session s WHERE s.id = r.session_id AND r.status = 'confirmed' "
        "AND s.status != 'cancelled' GROUP BY 1, 2 ORDER BY 1, 2")


def counted(db):
    """tally against the rows it counts, read in one snapshot while kursusd
    may be sending: the registrations, the people with a confirmed seat
    in a session not cancelled, the participants not anonymised, and the
    outbox by state and channel (schema 23 copied tally into a rowid
    table, whose outbox rows a new notice adds to by an upsert on its
    UNIQUE key). Rows of 0 are left out: tally keeps a state's row once
    its last message has moved on."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True,
                          isolation_level=None)
    try:
        con.execute("BEGIN")
        got = con.execute(
            "SELECT what, state, channel, n FROM tally WHERE n != 0 "
            "ORDER BY 1, 2, 3").fetchall()
        want = con.execute(
            "SELECT * FROM (SELECT 'outbox' AS w, state AS s, channel AS "
            "c, count(*) AS n FROM outbox GROUP BY state, channel UNION "
            "ALL SELECT 'participant', 'live', '', count(*) FROM "
            "participant WHERE anonymised_at IS NULL UNION ALL SELECT "
            "'people', '', '', count(DISTINCT r.participant_id) FROM "
            "registration r JOIN session s ON s.id = r.session_id WHERE "
            "r.status = 'confirmed' AND s.status != 'cancelled' UNION ALL "
            "SELECT 'registration', '', '', count(*) FROM registration) "
            "WHERE n != 0 ORDER BY 1, 2, 3").fetchall()
        con.execute("COMMIT")
    finally:
        con.close()
    return got, want


def schema(db):
    """Every table, index, trigger and view, as SQLite keeps its SQL."""
    return db_rows(db, "SELECT type, name, tbl_name, sql FROM "
                   "sqlite_schema ORDER BY type, name")


def taken(db):
    """session_taken (schema 25) and the seats the base tables give: each
    confirmed registration and its companion, by session."""
    return got_want(
        db, "SELECT session_id, taken FROM session_taken ORDER BY 1",
        "SELECT session_id, sum(1 + companion) FROM registration WHERE "
        "status = 'confirmed' GROUP BY 1 ORDER BY 1")


def step23(db):
    """What schema 23 made, of schema(): tally (a rowid table, its key a
    UNIQUE index) and its index, and the triggers on a new registration
    (one for tally, one for a confirmed seat)."""
    return [(kind, name, sql) for kind, name, table, sql in schema(db)
            if table == "tally" or (kind == "trigger" and table ==
                                    "registration" and
                                    "AFTER INSERT ON registration" in sql)]


def main():
    with open(os.path.join(FIXTURES, "schema-v1.sql"), encoding="utf-8") as f:
        fixture = f.read()

    # The version an upgraded database must reach is the one this kursusd
    # gives a new database (SCHEMA_VERSION; 2 or later).
    fresh = t.daemon()
    current = ((fresh.ctl("status").out or {}).get("database") or {}).get(
        "schema_version")
    t.eq(fresh.stop(), 0, "a kursusd on a new database stops with exit 0")
    t.eq(in_lists(fresh.db), [], "a new database's CHECKs of registration "
         "and outbox compare one by one, with no IN list")
    t.eq(person_selects(fresh.db), [], "a new database counts a new "
         "registration's person without an INSERT ... SELECT")
    t.eq(pre_copies(fresh.dir), [], "a new database gets no .pre-v copy")
    t.ok(isinstance(current, int) and current >= 2,
         "a new database gets schema version %r (2 or later)" % (current,))

    tmp = t.tempdir()
    db = os.path.join(tmp, "kursusd.db")
    make_db(db, fixture)
    v1 = dump_db(db)
    t.eq(v1["#user_version"], (1,), "the fixture is a version-1 database")

    d = t.daemon(dirname=tmp, db=db)
    st = d.ctl("status").out or {}
    t.eq((st.get("database") or {}).get("schema_version"), current,
         "status: schema version is now %r, as for a new database" %
         (current,))
    t.eq(st.get("counts"), {"venues": 1, "courses": 1, "instructors": 1,
                            "sessions": 2, "participants": 4,
                            "registrations": 4, "outbox_pending": 0},
         "status: the counts of the old database")
    t.eq(in_lists(db), [], "an upgraded database's CHECKs of registration "
         "and outbox compare one by one, with no IN list")
    t.eq(person_selects(db), [], "an upgraded database counts a new "
         "registration's person without an INSERT ... SELECT")
    got, want = schema(db), schema(fresh.db)
    t.ok(got == want, "an upgraded database's schema is a new one's: every "
         "table, index, trigger and view, with the same SQL",
         ["only upgraded: %r" % (x,) for x in got if x not in want] +
         ["only new: %r" % (x,) for x in want if x not in got])
    fresh23 = step23(fresh.db)
    t.eq([name for kind, name, _ in fresh23 if kind == "trigger"],
         ["stats_seat_in", "taken_in", "tally_registration_in"],
         "schema 23: one trigger counts a new registration in tally, one "
         "its confirmed seat; schema 25: one its seats in its session")
    t.ok(any(kind == "table" and "WITHOUT ROWID" not in sql and "UNIQUE"
             in sql for kind, _, sql in fresh23),
         "schema 23: tally is a rowid table with its key UNIQUE",
         [repr(x) for x in fresh23])
    got, want = seats(db)
    t.ok(got == want and len(want) > 0, "the upgrade filled stats_seat "
         "(schema 22) with the %d seats by start and person the rows give"
         % len(want), ["got %r" % (got,), "want %r" % (want,)])
    got, want = taken(db)
    t.ok(got == want and len(want) > 0, "the upgrade filled session_taken "
         "(schema 25) with the seats of the %d sessions the rows give"
         % len(want), ["got %r" % (got,), "want %r" % (want,)])
    t.ok("upgraded from version 1 to 2" in d.log(),
         "the log says the schema was upgraded from version 1 to 2 (and on)",
         d.log().split("\n"))

    # --- the copy of the old database, written before the upgrade
    pre = db + ".pre-v1"
    t.eq(pre_copies(tmp), ["kursusd.db.pre-v1"],
         "the upgrade left one copy beside the database: kursusd.db.pre-v1")
    try:
        mode = stat.S_IMODE(os.stat(pre).st_mode)
    except OSError:
        mode = None
    t.eq(oct(mode or 0), oct(0o600), "the copy has mode 0600")
    if mode is not None:
        t.eq(integrity(pre), [("ok",)], "the copy passes integrity_check")
        t.eq(diff_dumps(v1, dump_db(pre)), [],
             "the copy is the old database: version 1, every row as it was")
    t.ok("pre-v1" in d.log(), "the log names the copy it wrote",
         d.log().split("\n"))
    pre_sum = sha256(pre) if mode is not None else None

    # --- the old rows, read back through the API
    v = d.ctl("venue", "show", "malernes-seniorklub").out or {}
    t.eq((v.get("name"), v.get("address"), v.get("postcode"), v.get("city"),
          v.get("access_notes"), v.get("equipment_notes"),
          v.get("contact_name"), v.get("contact_phone"), v.get("timezone"),
          v.get("created_at")),
         ("Malernes Seniorklub", "Borgergade", "8700", "Horsens",
          "Trinfri adgang", "Wi-Fi; medbring egen tablet", "Kirsten Ærbo",
          "+4576292300", "Europe/Copenhagen", "2026-09-01T08:00:00Z"),
         "venue show: the old venue intact")
    c = d.ctl("course", "show", "nemid-begyndere").out or {}
    t.eq((c.get("title"), c.get("description"), c.get("duration"),
          c.get("capacity"), c.get("bring")),
         ("NemID/MitID for begyndere",
          "Fra bunden: tænd, log på, læs Digital Post", 90, 2,
          "telefon, nøglekort og læsebriller"),
         "course show: the old course type intact")
    s = d.ctl("session", "show", "1").out or {}
    t.eq((s.get("uid"), s.get("series_id"), s.get("start"), s.get("end"),
          s.get("start_utc"), s.get("notes"), s.get("confirmed"),
          [i.get("slug") for i in s.get("instructors") or []]),
         ("fixture-past@kursusd", 1, "2026-10-06T10:00:00+02:00",
          "2026-10-06T11:30:00+02:00", "2026-10-06T08:00:00Z", "Husk kaffe",
          2, ["lone"]),
         "session show 1: UID, times, notes, instructor kept")
    s2 = d.ctl("session", "show", "2").out or {}
    t.eq((s2.get("uid"), s2.get("start"), s2.get("sequence"),
          s2.get("seats_free")),
         ("fixture-future@kursusd", "2035-06-05T10:00:00+02:00", 1, 0),
         "session show 2: the future session, full")
    regs = d.ctl("registrations", "1").out or {}
    t.eq([(x.get("participant_name"), x.get("number"), x.get("status"),
           x.get("attendance")) for x in regs.get("registrations") or []],
         [("Jørgen Smidstrup", 3000, "confirmed", "attended"),
          ("Birthe Ågård", 3001, "confirmed", "no-show")],
         "registrations 1: numbers and attendance kept")
    p = d.ctl("participant", "show", "4").out or {}
    t.eq((p.get("name"), p.get("phone"), p.get("phone_type"),
          p.get("language"), p.get("sms_consent")),
         ("Poul Erik Østergaard", "+4575621122", "landline", "en", False),
         "participant show 4: landline, English, no SMS")
    p = d.ctl("participant", "show", "3").out or {}
    t.eq((p.get("no_contact"), p.get("notes")),
         (True, "Ringes op af biblioteket"),
         "participant show 3: no contact, notes kept")
    st = d.ctl("stats").out or {}
    t.eq((st.get("attended"), st.get("no_show"), st.get("attendance_rate"),
          st.get("next_number")), (1, 1, 0.5, 3004),
         "stats: attendance of the old data, next number 3004")
    t.eq(d.ctl("settings").out, {"number_start": 3000, "next_number": 3004},
         "settings: the old number start and next number")

    # --- the upgraded database works: a waitlisted registration, then a
    # cancellation that promotes it, each with its notice
    r = d.ctl("register", "2", "--name", "Ny Efter Opgradering", "--phone",
              "28899001")
    new = r.out or {}
    t.eq((new.get("number"), new.get("status"), new.get("waitlist_position")),
         (3004, "waitlisted", 1),
         "register on the upgraded database: nr. 3004, waitlisted 1st")
    r = d.ctl("unregister", "2", "3")
    t.eq([x.get("number") for x in (r.out or {}).get("promoted") or []],
         [3004], "unregister on the upgraded database promotes nr. 3004")
    # The people with a confirmed seat in a session not cancelled, as
    # the summary rows (schema 14, 21) count them, against the rows.
    seated = db_rows(
        db, "SELECT count(DISTINCT r.participant_id) FROM registration r "
        "JOIN session s ON s.id = r.session_id WHERE r.status = "
        "'confirmed' AND s.status != 'cancelled'")[0][0]
    t.eq((d.ctl("stats").out or {}).get("participants"), seated,
         "stats after register and promote: the people with a seat (%d)" %
         seated)
    got, want = counted(db)
    t.eq(got, want, "tally after register and promote: the outbox by state "
         "and channel, the participants, the people with a seat and the "
         "registrations the rows give")
    got, want = seats(db)
    t.ok(got == want and len(want) > 0, "stats_seat after register and "
         "promote: the %d seats the rows give" % len(want),
         ["got %r" % (got,), "want %r" % (want,)])
    box = (d.ctl("outbox", "--session", "2").out or {}).get("outbox") or []
    t.ok({"waitlisted", "promoted"} <= {o.get("kind") for o in box},
         "outbox rows are written in the upgraded database",
         [repr(o) for o in box])

    rc = d.stop()
    t.eq(rc, 0, "SIGTERM: exit 0")

    # --- the file itself: current version, the column and table of
    # migration 2, the old rows kept
    after = dump_db(db)
    t.eq(after["#user_version"], (current,),
         "the file's user_version is %r" % (current,))
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        t.ok("version" in columns(con, "registration"),
             "registration has the version column of migration 2",
             [repr(columns(con, "registration"))])
        t.ok(bool(columns(con, "outbox")), "the outbox table exists")
    finally:
        con.close()
    for table in ("venue", "course", "instructor", "series", "session",
                  "session_staff", "participant"):
        # Rows made after the upgrade (participant 5) are not compared.
        # Later migrations add columns at the end: compare the old ones.
        old_ids = {row[0] for row in v1.get(table) or []}
        width = len((v1.get(table) or [()])[0])
        kept = [row[:width] for row in after.get(table) or []
                if table == "session_staff" or row[0] in old_ids]
        t.eq(kept, v1.get(table), "table %s: every old row unchanged" % table,
             diff_dumps({table: v1.get(table)}, {table: kept}))
    old_regs = {r[0]: r for r in v1["registration"]}
    new_regs = {r[0]: r[:len(old_regs[1])] for r in after["registration"]}
    t.eq([new_regs.get(i) for i in (1, 2, 4)],
         [old_regs[i] for i in (1, 2, 4)],
         "the untouched old registrations are unchanged")

    # --- a second start does not migrate again
    d.start()
    t.ok("upgraded" not in d.log(since_start=True),
         "a second start on the upgraded database migrates nothing",
         d.log(since_start=True).split("\n"))
    t.eq((pre_copies(tmp), sha256(pre) if os.path.exists(pre) else None),
         (["kursusd.db.pre-v1"], pre_sum),
         "nor writes another copy: the one from the upgrade is unchanged")
    t.eq(((d.ctl("status").out or {}).get("database") or {}).get(
        "schema_version"), current,
        "status: still schema version %r" % (current,))
    t.eq(d.stop(), 0, "SIGTERM: exit 0")

    # --- a newer database is refused and left alone
    tmp2 = t.tempdir()
    db99 = os.path.join(tmp2, "kursusd.db")
    make_db(db99, fixture, user_version=99)
    before = dump_db(db99)
    n = Daemon(t, dirname=tmp2, db=db99)
    t._daemons.append(n)
    proc = n.spawn()
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    n.kill()
    log = n.log()
    t.ok(rc not in (0, None), "a database with user_version 99: kursusd "
         "refuses to start (exit %s)" % rc, log.split("\n"))
    t.ok("99" in log and "version" in log.lower(),
         "the message names the database's schema version (99)",
         log.split("\n"))
    t.ok(not os.path.exists(n.sock) and not os.path.exists(n.pidfile),
         "no admin socket and no pid file are left behind")
    t.eq(diff_dumps(before, dump_db(db99)), [],
         "the newer database is left exactly as it was")
    t.eq(pre_copies(tmp2), [], "and gets no .pre-v copy")

    unwritable(t, fixture)


t.run(main)
