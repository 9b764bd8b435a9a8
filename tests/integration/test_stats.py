"""
GET /v1/stats reads summary rows kept by triggers (schema step 14); this
proves they give the same numbers as a direct count over the base tables,
after a mixed set of changes: registrations with companions and a
waitlist, cancellations that promote, attendance, sessions moved between
months and venues and cancelled, a venue's time zone changed, participants
merged and deleted, a retention sweep, and rows deleted or added with
SQLite alone (kursusd not running), including a venue in a zone kursusd
has not seen and companions added and taken away. The seats each session
has taken (session_taken, schema step 25) are checked the same way. Venues in three zones (Copenhagen, New York, Kathmandu at
+05:45) hold sessions near local midnight at the turn of a month, so the
local month differs from the UTC one. The direct count is this script's
own: Python's zoneinfo for the local month, plain SQL for the rest. It is
compared for the whole history and for ranges that start and end on a
month's turn, inside months, and in no month at all.
"""

import datetime
import sqlite3
import zoneinfo

from kursustest import Tap, AdminAPI, local_now, wait_for

t = Tap()

MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli",
          "august", "september", "oktober", "november", "december"]
# "kbh-nord" sorts before "kbh" in the keys "month/venue/course" ('-' is
# before '/'), and after it by slug alone.
VENUES = [("kbh", "Hovedbiblioteket", "Europe/Copenhagen"),
          ("kbh-nord", "Filial Nord", "Europe/Copenhagen"),
          ("ny", "Bibliotek New York", "America/New_York"),
          ("ktm", "Bibliotek Kathmandu", "Asia/Kathmandu")]
COURSES = [("mitid", "MitID"), ("apps", "Apps i hverdagen")]


def scalar(db, sql, args=()):
    """The one value a query over the database file answers."""
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc
                                           ).strftime("%Y-%m-%dT%H:%M:%SZ")


def direct(db, frm=None, to=None):
    """The report counted from the base tables, as documented."""
    con = sqlite3.connect(db)
    try:
        sessions = con.execute(
            "SELECT s.id, s.start_at, v.slug, v.name, v.timezone, c.slug, "
            "c.title FROM session s JOIN venue v ON v.id = s.venue_id "
            "JOIN course c ON c.id = s.course_id WHERE s.status != "
            "'cancelled'").fetchall()
        regs = con.execute(
            "SELECT session_id, participant_id, attendance FROM "
            "registration WHERE status = 'confirmed'").fetchall()
    finally:
        con.close()
    lo = frm if frm is not None else -1
    hi = to if to is not None else 1 << 62
    by_session = {}
    for sid, pid, att in regs:
        by_session.setdefault(sid, []).append((pid, att))
    groups = [{}, {}, {}, {}]
    total = [0, 0, 0, 0]
    people = set()
    for sid, start, vslug, vname, tz, cslug, ctitle in sessions:
        if not lo <= start < hi:
            continue
        month = datetime.datetime.fromtimestamp(
            start, zoneinfo.ZoneInfo(tz)).strftime("%Y-%m")
        mname = "%s %s" % (MONTHS[int(month[5:]) - 1], month[:4])
        rs = by_session.get(sid, [])
        n = [1, len(rs), sum(1 for _, a in rs if a == "attended"),
             sum(1 for _, a in rs if a == "no-show")]
        people.update(p for p, _ in rs)
        keys = [(cslug, ctitle, None), (vslug, vname, None),
                (month, mname, None),
                ("%s/%s/%s" % (month, vslug, cslug), mname,
                 {"month": month, "venue": vslug, "venue_name": vname,
                  "course": cslug, "course_title": ctitle})]
        for g, (key, name, extra) in enumerate(keys):
            row = groups[g].setdefault(key, dict(
                {"key": key, "name": name, "sessions": 0,
                 "registrations": 0, "attended": 0, "no_show": 0},
                **(extra or {})))
            for f, v in zip(("sessions", "registrations", "attended",
                             "no_show"), n):
                row[f] += v
        total = [a + b for a, b in zip(total, n)]

    def rate(row):
        a, n = row["attended"], row["no_show"]
        row["attendance_rate"] = round(a / (a + n), 12) if a + n else None
        return row
    out = {}
    for g, name in enumerate(("by_course", "by_venue", "by_month",
                              "by_month_venue_course")):
        rows = [rate(r) for r in groups[g].values()]
        if g < 2:
            rows.sort(key=lambda r: (r["name"].lower(), r["key"]))
        else:
            rows.sort(key=lambda r: r["key"])
        out[name] = rows
    tot = rate(dict(zip(("sessions", "registrations", "attended",
                         "no_show"), total)))
    out.update(tot)
    out["participants"] = len(people)
    return out


def rounded(report):
    """The answer with its rates rounded as direct() rounds them."""
    out = {}
    for k, v in (report or {}).items():
        if isinstance(v, list):
            v = [dict(r, attendance_rate=round(r["attendance_rate"], 12)
                      if r.get("attendance_rate") is not None else None)
                 for r in v]
        elif k == "attendance_rate" and v is not None:
            v = round(v, 12)
        out[k] = v
    for k in ("next_number", "next_milestone", "to_milestone"):
        out.pop(k, None)
    return out


def compare(d, api, ranges, what):
    for frm, to in ranges:
        q = []
        if frm is not None:
            q.append("from=" + utc(frm))
        if to is not None:
            q.append("to=" + utc(to))
        got = api("GET", "/stats" + ("?" + "&".join(q) if q else ""))
        want = direct(d.db, frm, to)
        label = "%s: [%s, %s)" % (what, utc(frm) if frm is not None else
                                  "", utc(to) if to is not None else "")
        got = rounded(got)
        diff = [k for k in want if got.get(k) != want[k]]
        t.ok(not diff and want["sessions"] >= 0, "%s: the summary rows "
             "give the direct count (%d sessions, %d registrations, %d "
             "people)" % (label, want["sessions"], want["registrations"],
                          want["participants"]),
             ["%s: got %r, want %r" % (k, got.get(k), want[k])
              for k in diff][:6])


def summary_exact(d, got_sql, want_sql, says):
    """The rows of a summary table (got_sql) against the same counted from
    the base tables (want_sql); says: what the check says, with %d for
    how many rows."""
    con = sqlite3.connect(d.db)
    try:
        want = sorted(con.execute(want_sql).fetchall())
        got = sorted(con.execute(got_sql).fetchall())
    finally:
        con.close()
    t.ok(got == want and len(want) > 0, says % len(want),
         ["missing %r" % (x,) for x in sorted(set(want) - set(got))][:3] +
         ["extra %r" % (x,) for x in sorted(set(got) - set(want))][:3])


def seats_exact(d, what):
    """stats_seat (schema 22) against the seats counted from the base
    tables: a confirmed registration in a session not cancelled, by the
    session's start and the person."""
    summary_exact(
        d, "SELECT start_at, participant_id, n FROM stats_seat",
        "SELECT s.start_at, r.participant_id, count(*) FROM registration "
        "r, session s WHERE s.id = r.session_id AND r.status = 'confirmed' "
        "AND s.status != 'cancelled' GROUP BY s.start_at, r.participant_id",
        what + ": stats_seat holds the %d seats by start and person the "
        "base tables give")


def taken_exact(d, what):
    """session_taken (schema 25) against the seats counted from the base
    tables: each confirmed registration and its companion, by session."""
    summary_exact(
        d, "SELECT session_id, taken FROM session_taken WHERE taken != 0",
        "SELECT session_id, sum(1 + companion) FROM registration WHERE "
        "status = 'confirmed' GROUP BY session_id",
        what + ": session_taken holds the seats of the %d sessions the "
        "base tables give")


def first_of(month_offset):
    today = local_now().date()
    y, m = today.year, today.month + month_offset
    while m > 12:
        y, m = y + 1, m - 12
    return datetime.date(y, m, 1)


def local_ts(day, hh, mm, tz):
    return int(datetime.datetime(day.year, day.month, day.day, hh, mm,
                                 tzinfo=zoneinfo.ZoneInfo(tz)).timestamp())


def main():
    d = t.daemon()
    api = AdminAPI(d)
    for slug, name, tz in VENUES:
        api("POST", "/venues", {"slug": slug, "name": name, "timezone": tz,
                                "capacity": 3})
    for slug, title in COURSES:
        api("POST", "/courses", {"slug": slug, "title": title,
                                 "duration": 60, "capacity": 3})

    m1 = first_of(2)
    m2 = first_of(3)
    last1 = m2 - datetime.timedelta(days=1)
    # Near the turn of the month in each venue's own zone.
    plan = [("kbh", "mitid", m1, "00:30"), ("kbh", "apps", last1, "23:00"),
            ("kbh", "mitid", m1 + datetime.timedelta(days=9), "10:00"),
            ("ny", "mitid", m1, "00:30"), ("ny", "apps", last1, "21:00"),
            ("ny", "apps", m2 + datetime.timedelta(days=3), "12:00"),
            ("ktm", "apps", m1, "03:00"), ("ktm", "mitid", last1, "22:00"),
            ("ktm", "mitid", m2, "04:00"),
            ("kbh", "apps", m2 + datetime.timedelta(days=14), "14:00"),
            ("ny", "mitid", m2 + datetime.timedelta(days=20), "09:00"),
            ("kbh", "mitid", m2 + datetime.timedelta(days=21), "09:00"),
            ("kbh-nord", "mitid", m1 + datetime.timedelta(days=9), "12:00")]
    sids = []
    for venue, course, day, hm in plan:
        r = api("POST", "/sessions", {"venue": venue, "course": course,
                                      "start": "%s %s" % (day, hm),
                                      "capacity": 3})
        sids.append(((r or {}).get("sessions") or [{}])[0].get("id"))
    t.ok(all(sids), "%d sessions near the turns of two months in three "
         "zones" % len(plan), sids)

    # Registrations: five people a session on three seats, companions
    # among them, so that some wait.
    pids = []
    for i, sid in enumerate(sids):
        for j in range(5):
            k = (i * 3 + j) % 23
            person = {"name": "Deltager %d" % k,
                      "phone": "+45%08d" % (30000000 + k)}
            r = api("POST", "/sessions/%d/registrations" % sid,
                    {"participant": person, "companion": (i + j) % 4 == 0},
                    want=(201, 409))
            if r and r.get("participant_id"):
                pids.append(r["participant_id"])
    compare(d, api, [(None, None)], "after the registrations")
    # Made by a read job (readjob.c), which logs the answer's size when
    # it is sent; a query it cannot take is refused on the loop.
    t.ok(any("GET /v1/stats by " in line and ": 200, " in line and
             line.endswith(" bytes") for line in d.log().splitlines()),
         "the statistics are made by a job and logged once answered",
         [line for line in d.log().splitlines() if "/v1/stats" in line])
    r = d.request("GET", "/v1/stats?from=soon")
    t.ok(r.status == 422 and (r.json or {}).get("field") == "from",
         "GET /v1/stats?from=soon: 422 naming from", [repr(r)[:300]])

    # Cancellations that promote; a participant deleted (their future
    # registrations cancelled); two merged.
    for sid in sids[:6]:
        regs = api("GET", "/sessions/%d/registrations?status=confirmed"
                   % sid)["registrations"]
        api("DELETE", "/sessions/%d/registrations/%d" %
            (sid, regs[0]["participant_id"]))
    pset = sorted(set(pids))
    api("DELETE", "/participants/%d" % pset[5])
    # Two records of one person with no session in common.
    con = sqlite3.connect(d.db)
    a, b = con.execute(
        "SELECT a.participant_id, b.participant_id FROM registration a, "
        "registration b WHERE a.status = 'confirmed' AND b.status = "
        "'confirmed' AND a.participant_id < b.participant_id AND NOT "
        "EXISTS (SELECT 1 FROM registration x JOIN registration y ON "
        "y.session_id = x.session_id WHERE x.participant_id = "
        "a.participant_id AND y.participant_id = b.participant_id AND "
        "x.status != 'cancelled' AND y.status != 'cancelled') "
        "ORDER BY 1, 2 LIMIT 1").fetchone()
    con.close()
    r = api("POST", "/participants/%d/merge" % a, {"other": b})
    t.eq((r or {}).get("merged"), b, "participant %d merged into %d"
         % (b, a))
    compare(d, api, [(None, None)], "after cancellations, a deletion and "
            "a merge")
    seats_exact(d, "after cancellations, a deletion and a merge")
    taken_exact(d, "after cancellations, a deletion and a merge")

    # Sessions moved: to another month, to another venue (and zone), to
    # the past (where attendance is taken); one cancelled, one done.
    api("POST", "/sessions/%d/move" % sids[2],
        {"start": "%s 10:00" % (m2 + datetime.timedelta(days=5))})
    api("POST", "/sessions/%d/move" % sids[3],
        {"start": "%s 23:45" % last1, "venue": "ktm"})
    # Two people whose only session goes 45 days back: the retention
    # sweep (30 days, below) anonymises them.
    for k in (1, 2):
        api("POST", "/sessions/%d/registrations" % sids[6],
            {"participant": {"name": "Gammel %d" % k,
                             "phone": "+45%08d" % (40000000 + k)}})
    past = local_now().date() - datetime.timedelta(days=45)
    for n, sid in enumerate(sids[6:9]):
        api("POST", "/sessions/%d/move" % sid,
            {"start": "%s %02d:00" % (past + datetime.timedelta(days=n),
                                      10 + n), "past": True})
        regs = api("GET", "/sessions/%d/registrations?status=confirmed"
                   % sid)["registrations"]
        ids = [x["participant_id"] for x in regs]
        api("POST", "/sessions/%d/attendance" % sid,
            {"present": ids[:-1], "absent": ids[-1:]})
    api("POST", "/sessions/%d/cancel" % sids[9], {"reason": "syg"})
    api("PATCH", "/sessions/%d" % sids[6], {"status": "done"})
    # New York's venue moves to Chicago's zone: its months are counted
    # again.
    api("PATCH", "/venues/ny", {"timezone": "America/Chicago"})

    ends = [local_ts(m1, 0, 0, "Europe/Copenhagen"),
            local_ts(m2, 0, 0, "Europe/Copenhagen"),
            local_ts(m1, 0, 0, "Asia/Kathmandu"),
            local_ts(m2, 0, 0, "America/Chicago")]
    mid = [local_ts(m1 + datetime.timedelta(days=4), 12, 0, "UTC"),
           local_ts(m2 + datetime.timedelta(days=17), 12, 0, "UTC")]
    ranges = [(None, None), (ends[0], ends[1]), (ends[2], None),
              (None, ends[3]), (mid[0], mid[1]), (mid[0], None),
              (None, mid[1]), (ends[0], ends[0] + 3600),
              (mid[0], mid[0] + 86400), (ends[0], mid[1]),
              (local_ts(past, 0, 0, "UTC"), ends[1]),
              (ends[1], ends[0])]
    compare(d, api, ranges, "after moves, attendance and cancelling")
    seats_exact(d, "after moves, attendance and cancelling")
    taken_exact(d, "after moves, attendance and cancelling")

    # The retention sweep: people of the sessions now 45 days ago only
    # are anonymised at the start; their seats still count.
    # (They were made today: made 60 days ago, as if they had waited.)
    d.stop()
    con = sqlite3.connect(d.db)
    with con:
        con.execute("UPDATE participant SET created_at = created_at - "
                    "60 * 86400 WHERE name LIKE 'Gammel %'")
        # More than a turn of the sweep (200) of people made 60 days ago
        # by another program, every third with a seat ahead: the sweep
        # reads them in turns and anonymises the others only.
        now = int(datetime.datetime.now().timestamp())
        for k in range(450):
            pid = con.execute(
                "INSERT INTO participant (name, phone, created_at, "
                "updated_at) VALUES (?, ?, ?, ?)",
                ("Importeret %d" % k, "+45%08d" % (50000000 + k),
                 now - 60 * 86400 - k, now - 60 * 86400)).lastrowid
            if k % 3 == 0:
                con.execute("INSERT INTO registration (session_id, "
                            "participant_id, number, status, queue, "
                            "created_at, updated_at) VALUES (?, ?, ?, "
                            "'confirmed', ?, ?, ?)",
                            (sids[11], pid, 800000 + k, 100 + k, now, now))
    con.close()
    d.extra.append("daemon.retention_days=30")
    d.start()

    def anonymised():
        n = scalar(d.db, "SELECT count(*) FROM participant WHERE "
                   "anonymised_at IS NOT NULL")
        return n if n >= 4 + 300 else None
    gone = wait_for(anonymised, 20) or 0
    t.ok(gone >= 4 + 300, "the retention sweep anonymised people (%d, "
         "the deleted and merged included), in turns" % gone)
    kept = scalar(d.db, "SELECT count(*) FROM participant WHERE name LIKE "
                  "'Importeret %' AND anonymised_at IS NULL")
    t.eq(kept, 150, "the sweep kept the 150 with a seat ahead")
    compare(d, api, ranges, "after the retention sweep")
    seats_exact(d, "after the retention sweep")
    taken_exact(d, "after the retention sweep")

    # SQLite alone, kursusd stopped: a registration and a session with
    # its registrations deleted, a registration moved to another session,
    # and a venue in a zone kursusd has not seen, with a session.
    d.stop()
    con = sqlite3.connect(d.db)
    with con:
        con.execute("DELETE FROM registration WHERE id = (SELECT min(id) "
                    "FROM registration WHERE status = 'confirmed')")
        con.execute("DELETE FROM registration WHERE session_id = ?",
                    (sids[10],))
        con.execute("DELETE FROM session WHERE id = ?", (sids[10],))
        con.execute("UPDATE registration SET session_id = ? WHERE id = "
                    "(SELECT max(id) FROM registration WHERE session_id "
                    "= ? AND status = 'confirmed')", (sids[11], sids[1]))
        # A companion added to one seat, and taken from one in another
        # session.
        con.execute("UPDATE registration SET companion = 1 WHERE id = "
                    "(SELECT max(id) FROM registration WHERE status = "
                    "'confirmed' AND companion = 0 AND session_id = ?)",
                    (sids[11],))
        con.execute("UPDATE registration SET companion = 0 WHERE id = "
                    "(SELECT min(id) FROM registration WHERE status = "
                    "'confirmed' AND companion = 1 AND session_id != ?)",
                    (sids[11],))
        con.execute("INSERT INTO venue (slug, name, timezone, created_at, "
                    "updated_at) VALUES ('london', 'Bibliotek London', "
                    "'Europe/London', 0, 0)")
        start = local_ts(m2, 0, 15, "Europe/London")
        con.execute("INSERT INTO session (uid, course_id, venue_id, "
                    "start_at, end_at, capacity, created_at, updated_at) "
                    "SELECT 'london-1@test', 1, id, ?, ? + 3600, 5, 0, 0 "
                    "FROM venue WHERE slug = 'london'", (start, start))
        con.execute("INSERT INTO registration (session_id, participant_id,"
                    " number, status, queue, created_at, updated_at) "
                    "SELECT max(s.id), ?, 999999, 'confirmed', 1, 0, 0 "
                    "FROM session s", (pset[0],))
        # A person whose id is beyond the bitmap the count of people in
        # a span marks ids in: counted through its sorted list instead.
        big = 1 << 40
        con.execute("INSERT INTO participant (id, name, phone, created_at,"
                    " updated_at) VALUES (?, 'Stort id', '+4559999999', "
                    "?, ?)", (big, now, now))
        con.execute("INSERT INTO registration (session_id, participant_id,"
                    " number, status, queue, created_at, updated_at) "
                    "VALUES (?, ?, 999998, 'confirmed', 2, ?, ?)",
                    (sids[11], big, now, now))
    con.close()
    # The file's triggers alone (the start below counts afresh).
    seats_exact(d, "SQLite alone, before kursusd starts")
    taken_exact(d, "SQLite alone, before kursusd starts")
    d.start()
    t.ok("counting the summary rows afresh" in d.log(since_start=True),
         "a venue in a zone new to kursusd: the summary rows are counted "
         "afresh at the start")
    compare(d, api, ranges + [(local_ts(m2, 0, 0, "Europe/London"),
                               local_ts(m2, 1, 0, "Europe/London"))],
            "after SQLite alone")
    seats_exact(d, "after SQLite alone")
    taken_exact(d, "after SQLite alone")

    con = sqlite3.connect(d.db)
    people = con.execute("SELECT n FROM tally WHERE what = 'people'"
                         ).fetchone()
    want = con.execute("SELECT count(DISTINCT r.participant_id) FROM "
                       "registration r JOIN session s ON s.id = "
                       "r.session_id WHERE r.status = 'confirmed' AND "
                       "s.status != 'cancelled'").fetchone()
    cells = con.execute("SELECT count(*) FROM stats_cell WHERE sessions "
                        "<= 0 AND registrations + attended + no_show "
                        "!= 0").fetchone()
    con.close()
    t.eq(people, want, "tally 'people': everyone with a confirmed seat")
    t.eq(cells, (0,), "no cell counts seats without a session")
    t.eq(d.stop(), 0, "SIGTERM: exit 0")


t.run(main)
