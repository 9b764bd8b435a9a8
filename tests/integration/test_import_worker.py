#!/usr/bin/python3
"""
A calendar import runs on a worker, not on the event loop (issue 9):
feeds are served while a large file is imported; the feeds show the
imported sessions once the import has answered; a registration sent
meanwhile waits off the loop and is written after it; a refused or dry-run
import writes nothing; an import waits for a database another program
holds locked, and then writes; kursusd stops cleanly with an import
running, which is then written whole or not at all.
"""
import datetime
import http.client
import sqlite3
import threading
import time

from kursustest import Tap, fetch_while, big_ics, diff_dumps, local_now

t = Tap()

COURSE = "kursus"


def feed_events(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body.count(b"BEGIN:VEVENT")


def import_path(venue, dry=False):
    return "/v1/import?venue=%s&course=%s%s" % (venue, COURSE,
                                                "&dry_run=true" if dry else "")


def post_import(d, venue, raw, dry=False):
    return d.request("POST", import_path(venue, dry), raw,
                     {"Content-Type": "text/calendar"})


def sessions_at(db, venue):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM session s JOIN venue v ON "
                           "v.id = s.venue_id WHERE v.slug = ?",
                           (venue,)).fetchone()[0]
    finally:
        con.close()


def check_feeds_served(d, first):
    """Feeds answer while a large file is imported, and show its sessions
    once it has answered."""
    n = 6000
    raw = big_ics("stor", n, first)
    # Cached before: the import's writes must reach a feed held in memory.
    st, before = feed_events(d.public_port, "/feeds/venue/stor.ics")
    t.ok(st == 200 and before == 0, "the empty venue's feed: 200, no events",
         [repr((st, before))])

    answer = {}

    def run():
        answer["t0"] = time.monotonic()
        answer["r"] = post_import(d, "stor", raw)
        answer["t1"] = time.monotonic()

    times = fetch_while(d.public_port, "/feeds/venue/lille.ics", run)
    r = answer["r"]
    t.ok(r.status == 200 and len((r.json or {}).get("created", [])) == n,
         "a %d KiB file of %d events: 200, all created" % (len(raw) // 1024,
                                                           n),
         [repr(r)])
    during = [s for (w, s) in times if answer["t0"] + 0.05 < w < answer["t1"]]
    t.ok(len(during) >= 3 and all(s == 200 for s in during),
         "feeds answered while the file was imported (%d answers in %.2f s)"
         % (len(during), answer["t1"] - answer["t0"]),
         ["statuses: %r" % sorted(set(during))])
    st, after = feed_events(d.public_port, "/feeds/venue/stor.ics")
    t.ok(st == 200 and after == n,
         "the venue's feed, cached before, shows the %d imported sessions"
         % n, ["%d events" % after])
    t.ok("POST /v1/import by " in d.log() and ": 200" in d.log(),
         "the import is logged once it is answered", [])


def write_lock_taken(db, seconds):
    """Waits until someone holds db's write lock: True once a BEGIN
    IMMEDIATE of our own is refused, False after seconds."""
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("ROLLBACK")
            except sqlite3.OperationalError as e:
                if "locked" in str(e):
                    return True
                raise
            time.sleep(0.005)
        return False
    finally:
        con.close()


def check_write_during(d, first):
    """A registration sent while a large file is imported (the worker
    holds the write lock) waits off the loop, without the loop sleeping
    in SQLite's busy handler, and is written once the import is done."""
    sid = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True).execute(
        "SELECT s.id FROM session s JOIN venue v ON v.id = s.venue_id "
        "WHERE v.slug = 'lille' ORDER BY s.start_at LIMIT 1").fetchone()[0]
    raw = big_ics("skriv", 6000, first)
    answer = {}

    def run():
        answer["r"] = post_import(d, "skriv", raw)

    th = threading.Thread(target=run)
    th.start()
    held = write_lock_taken(d.db, 20)
    t.ok(held, "the import's worker holds the write lock (another "
         "connection's BEGIN IMMEDIATE is refused)", [])
    reg = d.request("POST", "/v1/sessions/%d/registrations" % sid,
                    {"participant": {"name": "Under Import",
                                     "phone": "40123456"}})
    th.join()
    r = answer["r"]
    t.ok(r.status == 200 and reg.status == 201,
         "a registration sent during an import: 201 (the import: %d)" %
         r.status, [repr(reg), repr(r)])
    con = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True)
    n = con.execute("SELECT count(*) FROM registration g JOIN participant p "
                    "ON p.id = g.participant_id WHERE g.session_id = ? AND "
                    "p.name = 'Under Import'", (sid,)).fetchone()[0]
    con.close()
    t.eq(n, 1, "it is in the database, beside the %d imported sessions"
         % sessions_at(d.db, "skriv"))
    t.ok("locked by another program" not in d.log(),
         "the log does not call the import another program",
         [d.log()[-1500:]])


def check_nothing_written(d, first):
    """A refused import and a dry run write nothing."""
    before = d.dump()
    raw = big_ics("cpr", 3000, first, extra="COMMENT:x")
    raw = raw.replace(b"DESCRIPTION:Kom og l\xc3\xa6r at bruge MitID, D",
                      b"DESCRIPTION:Ring 010190-1234 for hj\xc3\xa6lp, D", 1)
    r = post_import(d, "tom", raw)
    t.ok(r.status == 422 and (r.json or {}).get("field") == "calendar" and
         "CPR" in (r.json or {}).get("error", ""),
         "a file with a CPR number in an event: 422, field calendar",
         [repr(r)])
    raw = big_ics("dry", 3000, first)
    r = post_import(d, "tom", raw, dry=True)
    t.ok(r.status == 200 and (r.json or {}).get("dry_run") is True and
         len(r.json.get("created", [])) == 3000,
         "a dry run of 3,000 events: 200, all reported", [repr(r)])
    r = d.request("POST", import_path("tom"), b"BEGIN:VCALENDAR\r\n",
                  {"Content-Type": "text/calendar"})
    t.ok(r.status == 422 and (r.json or {}).get("field") == "calendar",
         "a file cut short: 422, field calendar", [repr(r)])
    diff = diff_dumps(before, d.dump())
    t.ok(not diff, "the refused imports and the dry run wrote nothing",
         diff[:5])


def check_locked(d, first):
    """An import waits for a lock another program holds, then writes."""
    con = sqlite3.connect(d.db, timeout=30, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    answer = {}

    def run():
        answer["r"] = post_import(d, "laas", big_ics("laas", 200, first))

    th = threading.Thread(target=run)
    th.start()
    time.sleep(1.0)
    st, _ = feed_events(d.public_port, "/feeds/venue/lille.ics")
    t.ok(st == 200 and th.is_alive(),
         "while another program holds the database, the import waits and "
         "feeds answer", ["feed %d, import %s" % (
             st, "waiting" if th.is_alive() else repr(answer.get("r")))])
    con.execute("ROLLBACK")
    con.close()
    th.join()
    r = answer["r"]
    t.ok(r.status == 200 and len((r.json or {}).get("created", [])) == 200,
         "once it is free, the import writes: 200, 200 created", [repr(r)])


def check_stop(t, first):
    """kursusd stops cleanly with an import running; the import is then
    written whole or not at all."""
    d = t.daemon()
    d.ctl("venue", "add", "stop", "--name", "Stopbiblioteket")
    d.ctl("course", "add", COURSE, "--title", "Kursus", "--duration", "90m",
          "--capacity", "8")
    n = 6000
    raw = big_ics("stop", n, first)
    answer = {}

    def run():
        try:
            answer["r"] = post_import(d, "stop", raw)
        except (OSError, http.client.HTTPException) as e:
            answer["e"] = e

    th = threading.Thread(target=run)
    th.start()
    time.sleep(0.3)
    rc = d.stop()
    th.join()
    r = answer.get("r")
    t.ok(rc == 0, "SIGTERM with an import running: kursusd exits 0",
         ["exit status %r" % rc, d.log()[-2000:]])
    got = sessions_at(d.db, "stop")
    if r is not None and r.status == 200:
        t.ok(got == n, "the import answered 200 before kursusd stopped: "
             "all %d sessions are there" % n, ["%d sessions" % got])
    else:
        t.ok(got == 0 and (r is None or (r.status == 503 and "stopping" in
                                         (r.json or {}).get("error", ""))),
             "the import broke off: 503 (kursusd is stopping), nothing "
             "written", ["%d sessions, %r" % (got, r or answer.get("e"))])
    d.start()
    t.eq(sessions_at(d.db, "stop"), got, "after a restart: the same "
         "sessions")
    d.stop()


def main():
    d = t.daemon()
    for slug in ("lille", "stor", "tom", "laas", "skriv"):
        d.ctl("venue", "add", slug, "--name", "Bibliotek " + slug)
    d.ctl("course", "add", COURSE, "--title", "Kursus", "--duration", "90m",
          "--capacity", "8")
    first = local_now().date() + datetime.timedelta(days=14)
    d.ctl("session", "add", "--course", COURSE, "--venue", "lille",
          "--start", "%s 10:00" % first.isoformat(), "--weekly", "3")
    check_feeds_served(d, first)
    check_write_during(d, first)
    check_nothing_written(d, first)
    check_locked(d, first)
    d.stop()
    check_stop(t, first)


t.run(main)
