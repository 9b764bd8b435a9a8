#!/usr/bin/python3
"""
bench/notifier_watch.py: the clock of bench/notifier.

    notifier_watch.py --db DB --expect N --commands FILE
        [--probe URL] [--probe-gap MS] [--timeout S]

Notes the highest outbox id, starts every command of FILE (one shell
command a line: the requests that queue the messages) at once, and from
that moment polls the outbox (the database opened read-only, every 10 ms)
until the N new e-mail rows are out of pending and sending. Meanwhile,
with --probe, a second process fetches URL again and again (a new
connection each time, as a calendar app does; --probe-gap ms between
requests) and times each answer. Prints one line:

    BENCH expect=N sent=.. failed=.. other=.. seconds=.. rate=..
          queued_s=.. first_sent_s=.. commands_rc=.. probes=.. p50_ms=..
          p99_ms=.. max_ms=.. bad=..

seconds runs from the start of the commands to the poll that saw the last
row sent; queued_s is when the poll first saw all N rows in the outbox.
`--probe URL --idle S` only probes for S seconds (a baseline).
Standard library only.
"""

import argparse
import http.client
import multiprocessing
import os
import shlex
import sqlite3
import subprocess
import sys
import time
import urllib.parse


def probe(url, gap, stop, out):
    """Fetch url until stop is set; put [(start, ms, ok)] on out (start on
    the system-wide monotonic clock)."""
    u = urllib.parse.urlsplit(url)
    res = []
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            c.request("GET", u.path or "/")
            r = c.getresponse()
            r.read()
            c.close()
            ok = r.status == 200
        except OSError:
            ok = False
        res.append((t0, (time.monotonic() - t0) * 1000, ok))
        if gap:
            time.sleep(gap / 1000)
    out.put(res)


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def probe_fields(res, start=None, end=None):
    """The probes that started between start and end (all if None)."""
    res = [r for r in res if (start is None or r[0] >= start) and
           (end is None or r[0] <= end)]
    lat = [r[1] for r in res]
    bad = sum(1 for r in res if not r[2])
    return "probes=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f bad=%d" % (
        len(lat), pct(lat, 50), pct(lat, 99), max(lat or [0]), bad)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db")
    ap.add_argument("--expect", type=int, default=0)
    ap.add_argument("--commands")
    ap.add_argument("--probe")
    ap.add_argument("--probe-gap", type=float, default=5)
    ap.add_argument("--idle", type=float)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()

    stop = multiprocessing.Event()
    q = multiprocessing.Queue()
    prober = None
    if a.probe:
        prober = multiprocessing.Process(target=probe, args=(
            a.probe, a.probe_gap, stop, q))
        prober.start()
    if a.idle is not None:
        time.sleep(a.idle)
        stop.set()
        res = q.get()
        prober.join()
        print("BENCH " + probe_fields(res))
        return 0

    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(a.db))
    con = sqlite3.connect(uri, uri=True, timeout=30)
    base = con.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
    with open(a.commands) as f:
        cmds = [l.strip() for l in f if l.strip()]
    if prober is not None:
        time.sleep(0.5)         # the prober's first answers: warm
    t0 = time.monotonic()
    procs = [subprocess.Popen(shlex.split(c), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for c in cmds]
    queued_s = first_s = None
    counts = {}
    while True:
        time.sleep(0.01)
        now = time.monotonic() - t0
        counts = dict(con.execute(
            "SELECT state, count(*) FROM outbox WHERE id > ? AND "
            "channel = 'email' GROUP BY state", (base,)).fetchall())
        total = sum(counts.values())
        if queued_s is None and total >= a.expect:
            queued_s = now
        if first_s is None and counts.get("sent"):
            first_s = now
        busy = counts.get("pending", 0) + counts.get("sending", 0)
        if total >= a.expect and busy == 0:
            break
        if now > a.timeout:
            print("bench: notifier_watch: timed out after %.0f s: %r" %
                  (now, counts), file=sys.stderr)
            break
    t1 = time.monotonic()
    seconds = t1 - t0
    stop.set()
    rcs = []
    for p in procs:
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        rcs.append(p.returncode)
        if p.returncode != 0:
            sys.stderr.write(err.decode("utf-8", "replace")[-500:])
    sent = counts.get("sent", 0)
    failed = counts.get("failed", 0)
    other = sum(counts.values()) - sent - failed
    line = ("BENCH expect=%d sent=%d failed=%d other=%d seconds=%.3f "
            "rate=%.0f queued_s=%.3f first_sent_s=%.3f commands_rc=%s" % (
                a.expect, sent, failed, other, seconds,
                sent / seconds if seconds else 0, queued_s or -1,
                first_s or -1, ",".join(str(r) for r in sorted(set(rcs)))))
    if prober is not None:
        res = q.get()
        prober.join()
        line += " " + probe_fields(res, t0, t1)
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
