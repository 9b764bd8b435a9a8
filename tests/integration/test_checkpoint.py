#!/usr/bin/python3
"""
The loop's write-ahead log is copied into the database by a job on a
thread, not inside a commit on the loop (daemon/checkpoint.c, issue 9):
under a steady stream of registrations from several clients at once the
log still starts over, so it stays near SQLite's 1,000 pages instead of
growing with every write; the database file takes the pages while kursusd
runs; and what was answered is all there, in a sound file, after a stop.
"""
import datetime
import os
import sqlite3
import threading

from kursustest import AdminAPI, Tap, local_now

t = Tap()

CLIENTS = 4
EACH = 400                      # registrations per client
PAGE = 4096


def main():
    d = t.daemon()
    api = AdminAPI(d)
    api("POST", "/venues", {"slug": "bib", "name": "Biblioteket",
                            "capacity": 1000})
    api("POST", "/courses", {"slug": "mitid", "title": "MitID",
                             "duration": 60, "capacity": 1000})
    day = local_now().date() + datetime.timedelta(days=3)
    # A session for each client, each with room for all its people.
    s = api("POST", "/sessions", {"course": "mitid", "venue": "bib",
                                  "start": "%s 10:00" % day.isoformat(),
                                  "capacity": 1000, "weekly": CLIENTS,
                                  "far": True})
    sids = [x["id"] for x in s["sessions"]]
    wal = d.db + "-wal"
    db_before = os.path.getsize(d.db)

    made = [0] * CLIENTS
    biggest = [0]

    def client(k):
        for i in range(EACH):
            r = d.request("POST", "/v1/sessions/%d/registrations" % sids[k],
                          {"participant": {
                              "name": "Deltager %d-%d" % (k, i),
                              "phone": "%d" % (40000000 + k * 100000 + i)}})
            if r.status == 201:
                made[k] += 1
            if k == 0 and os.path.exists(wal):
                biggest[0] = max(biggest[0], os.path.getsize(wal))

    threads = [threading.Thread(target=client, args=(k,))
               for k in range(CLIENTS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    total = sum(made)
    t.eq(total, CLIENTS * EACH, "%d clients at once: every registration "
         "answered 201" % CLIENTS)

    # Some 8 pages a registration: without checkpoints the log would hold
    # them all (about 50 MB); with them it starts over after 1,000 pages
    # and what was written while a job copied them (its fsync of the
    # database is the long part; on a busy disk a few thousand pages).
    t.ok(0 < biggest[0] <= 8000 * PAGE,
         "the log stayed short while %d registrations were written "
         "(at most %.1f MB)" % (total, biggest[0] / 1e6),
         ["biggest -wal: %d bytes" % biggest[0]])
    t.ok(os.path.getsize(d.db) > db_before + 256 * PAGE,
         "the database file took the log's pages while kursusd ran",
         ["%d bytes before, %d now" % (db_before, os.path.getsize(d.db))])

    t.eq(d.stop(), 0, "kursusd stops cleanly")
    con = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True)
    try:
        n = con.execute("SELECT count(*) FROM registration").fetchone()[0]
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    t.eq(n, total, "every answered registration is in the file")
    t.eq(ok, "ok", "the file passes integrity_check")


t.run(main)
