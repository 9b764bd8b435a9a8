#!/usr/bin/python3
"""
GET /v1/export runs on a worker, not on the event loop (issue 9): feeds
are served while an export of every session is made; the export holds
every session once, each event's text the same as in the feeds; kursusd
stops cleanly with an export running, which is then answered whole or
refused with 503.
"""
import datetime
import http.client
import json
import re
import sqlite3
import threading
import time

import icalendar

from kursustest import (Tap, fetch_while, UnixHTTPConnection, export_setup,
                        local_now)

t = Tap()

COURSE = "kursus"
N = 6000


def events(text):
    """The VEVENTs of a calendar by UID: their text as it came."""
    got = {}
    for m in re.finditer(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.S):
        uid = re.search(r"^UID:(.*)\r$", m.group(0), re.M)
        got[uid.group(1) if uid else ""] = m.group(0)
    return got


def count_sessions(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM session").fetchone()[0]
    finally:
        con.close()


def check_served(d):
    """Feeds answer while every session is exported: between the request
    and the first line of its answer (the body is read after, so that
    Python's own work on it is not counted)."""
    answer = {}

    def run():
        c = UnixHTTPConnection(d.sock, timeout=120)
        answer["t0"] = time.monotonic()
        c.request("GET", "/v1/export")
        r = c.getresponse()
        answer["t1"] = time.monotonic()
        body = r.read()
        c.close()
        answer["r"] = (r.status, json.loads(body.decode("utf-8")))

    times = fetch_while(d.public_port, "/feeds/venue/lille.ics", run)
    status, body = answer["r"]
    total = count_sessions(d.db)
    t.ok(status == 200 and body.get("events") == total,
         "GET /v1/export without a range: 200, every session (%d)" % total,
         [repr(body)[:300]])
    during = [s for (w, s) in times if answer["t0"] < w < answer["t1"]]
    t.ok(len(during) >= 5 and all(s == 200 for s in during),
         "feeds answered while the export was made (%d answers in %.2f s)"
         % (len(during), answer["t1"] - answer["t0"]),
         ["statuses: %r" % sorted(set(during))])
    got = events(body.get("calendar", ""))
    # Counted by python3-icalendar, where a session written twice counts
    # twice (events() keeps one text per UID).
    cal = icalendar.Calendar.from_ical(body.get("calendar", ""))
    uids = [str(e.get("UID")) for e in cal.walk("VEVENT")]
    t.ok(len(uids) == total and len(set(uids)) == total,
         "the export holds each session once",
         ["%d events, %d UIDs, %d sessions" % (len(uids), len(set(uids)),
                                               total)])
    t.ok("GET /v1/export by " in d.log() and ": 200" in d.log(),
         "the export is logged once it is answered", [])
    return got


def check_same_texts(d, got):
    """Each event of the export is the feed's text of that session."""
    c = http.client.HTTPConnection("127.0.0.1", d.public_port, timeout=30)
    c.request("GET", "/feeds/venue/stor.ics")
    r = c.getresponse()
    feed = events(r.read().decode("utf-8"))
    c.close()
    differ = [u for u in feed if got.get(u) != feed[u]]
    t.ok(r.status == 200 and len(feed) == N and not differ,
         "every event of the venue's feed (%d) is in the export, byte for "
         "byte" % len(feed), differ[:3])
    r = d.request("GET", "/v1/export?venue=lille")
    lille = events((r.json or {}).get("calendar", ""))
    t.ok(r.status == 200 and (r.json or {}).get("events") == 3 and
         len(lille) == 3 and all(u in got for u in lille),
         "GET /v1/export?venue=lille: its 3 sessions", [repr(r)[:300]])
    r = d.request("GET", "/v1/export?venue=nowhere")
    t.ok(r.status == 404 and (r.json or {}).get("field") == "venue",
         "an unknown venue is refused on the loop: 404 naming venue",
         [repr(r)[:300]])


def check_stop(d):
    """kursusd stops cleanly with an export running."""
    answer = {}

    def run():
        try:
            answer["r"] = d.request("GET", "/v1/export")
        except (OSError, http.client.HTTPException) as e:
            answer["e"] = e

    th = threading.Thread(target=run)
    th.start()
    time.sleep(0.05)
    rc = d.stop()
    th.join()
    t.ok(rc == 0, "SIGTERM with an export running: kursusd exits 0",
         ["exit status %r" % rc, d.log()[-2000:]])
    r = answer.get("r")
    ok = r is not None and (
        (r.status == 200 and (r.json or {}).get("events") == N + 3) or
        (r.status == 503 and "stopping" in (r.json or {}).get("error", "")))
    t.ok(ok, "the export was answered whole, or refused with 503 (kursusd "
         "is stopping)", [repr(r or answer.get("e"))[:300]])


def main():
    d = t.daemon()
    first = local_now().date() + datetime.timedelta(days=14)
    export_setup(t, d, N, first, COURSE)
    got = check_served(d)
    check_same_texts(d, got)
    check_stop(d)


t.run(main)
