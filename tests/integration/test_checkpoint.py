#!/usr/bin/python3
"""
The loop's write-ahead log is copied into the database by a job on a
thread, not inside a commit on the loop (daemon/checkpoint.c, issue 9):
under a steady stream of registrations from several clients at once the
log still starts over, so it stays near CHECKPOINT_PAGES (daemon/commit.h)
instead of growing with every write; the database file takes the pages
while kursusd runs; and what was answered is all there, in a sound file,
after a stop.

When the disk fails an fsync (an LD_PRELOAD library makes fdatasync()
fail with EIO, fixtures/failsync.c), the registrations waiting for it are
refused naming the disk, and every write after it too, even once fsync
works again: the pages the kernel could not write may be gone, and the
log's checksums chain later commits to them.
"""
import datetime
import os
import re
import shutil
import sqlite3
import subprocess
import threading

from kursustest import FIXTURES, SRCDIR, AdminAPI, Tap, local_now

t = Tap()

CLIENTS = 4
EACH = 1000                     # registrations per client
PAGE = 4096


def checkpoint_pages():
    """The daemon's own threshold, read where it is defined."""
    with open(os.path.join(SRCDIR, "daemon", "commit.h")) as f:
        m = re.search(r"^#define CHECKPOINT_PAGES\s+(\d+)", f.read(), re.M)
    if m is None:
        raise SystemExit("no CHECKPOINT_PAGES in daemon/commit.h")
    return int(m.group(1))


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
    # them all (about 130 MB); with them it starts over after
    # CHECKPOINT_PAGES and what was written while a job copied them (its
    # fsync of the database is the long part; on a busy disk a few
    # thousand pages).
    t.ok(0 < biggest[0] <= 3 * checkpoint_pages() * PAGE,
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



def failing_disk():
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        t.skip("a failing fsync", "no C compiler to build the library")
        return
    tmp = t.tempdir()
    lib = os.path.join(tmp, "failsync.so")
    subprocess.run([cc, "-shared", "-fPIC", "-o", lib,
                    os.path.join(FIXTURES, "failsync.c"), "-ldl"],
                   check=True)
    os.chmod(tmp, 0o755)
    flag = os.path.join(tmp, "fail-now")
    env = dict(os.environ, LD_PRELOAD=lib, KURSUS_FAIL_FSYNC=flag)
    # Under AddressSanitizer its runtime is not the first library then.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":verify_asan_link_order=0").lstrip(":")
    d = t.daemon(env=env)
    api = AdminAPI(d, "failing disk")
    api("POST", "/venues", {"slug": "bib", "name": "Biblioteket"})
    api("POST", "/courses", {"slug": "mitid", "title": "MitID",
                             "duration": 60})
    day = local_now().date() + datetime.timedelta(days=3)
    s = api("POST", "/sessions", {"course": "mitid", "venue": "bib",
                                  "start": "%s 10:00" % day.isoformat()})
    sid = s["sessions"][0]["id"]

    def register(i):
        return d.request("POST", "/v1/sessions/%d/registrations" % sid,
                         {"participant": {"name": "Disk %d" % i,
                                          "phone": "%d" % (50000000 + i)}})

    r = register(1)
    t.eq(r.status, 201, "a registration while the disk works: 201")
    open(flag, "w").close()
    r = register(2)
    t.ok(r.status == 503 and "disk" in (r.json or {}).get("error", ""),
         "the fsync fails: 503, naming the disk", [repr(r)])
    r = register(3)
    t.ok(r.status == 503 and "restart" in (r.json or {}).get("error", ""),
         "the next write is refused: the disk failed, restart kursusd",
         [repr(r)])
    os.unlink(flag)
    r = register(4)
    t.ok(r.status == 503 and "restart" in (r.json or {}).get("error", ""),
         "still refused once fsync works again", [repr(r)])
    r = d.request("GET", "/v1/sessions/%d" % sid)
    t.eq(r.status, 200, "reads are still answered")
    t.ok("could not be synced to disk" in d.log(),
         "the log says the disk failed", [])
    d.stop()


def both():
    main()
    failing_disk()


t.run(both)
