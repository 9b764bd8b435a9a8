#!/usr/bin/python3
"""bench/loop_probe.py: does a slow request hold kursusd's event loop?

A small feed is fetched in a loop on the public listener (one keep-alive
connection, as a calendar app or a cache in front would) while the admin
socket runs, at the same time: GET /v1/stats, a full session list
(`kursusctl session list --all` when kursusctl has it, else GET /v1/sessions)
and a 4 MiB calendar import (POST /v1/import). Each feed fetch's time is
how long the loop kept that client waiting.

Prints one line, "PROBE key=value ...": the fetches (n), their p50, p99
and max in ms, and each admin request's status and time.

usage: loop_probe.py SOCKET PUBLIC_PORT FEED_PATH VENUE COURSE WORKDIR
    [KURSUSCTL]
"""
import datetime
import http.client
import json
import os
import subprocess
import sys
import threading
import time

from unixhttp import UnixConnection

ICS_MAX = 4 * 1024 * 1024       # KURSUS_API_MAX_CALENDAR


def fold(line):
    """An iCalendar content line folded at 75 octets (ASCII here)."""
    out = [line[:75]]
    line = line[75:]
    while line:
        out.append(" " + line[:74])
        line = line[74:]
    return "\r\n".join(out) + "\r\n"


def make_ics(path):
    """A calendar of single events from tomorrow on, just under 4 MiB."""
    day0 = datetime.datetime.now(datetime.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)
    head = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
            "PRODID:-//kursusd bench//loop probe//EN\r\n")
    tail = "END:VCALENDAR\r\n"
    filler = ("Kom og laer at bruge MitID, Digital Post og borger dk paa "
              "din egen telefon eller tablet sammen med bibliotekets "
              "digitale ambassadoerer og de andre deltagere ")
    parts = [head]
    size = len(head) + len(tail)
    i = 0
    while True:
        start = day0 + datetime.timedelta(days=i // 24, hours=i % 24)
        end = start + datetime.timedelta(minutes=90)
        ev = ("BEGIN:VEVENT\r\n"
              "UID:probe-%06d@bench.example\r\n"
              "DTSTAMP:20260101T000000Z\r\n"
              "DTSTART:%s\r\nDTEND:%s\r\n"
              "SUMMARY:Probe kursus %d\r\n" %
              (i, start.strftime("%Y%m%dT%H%M%SZ"),
               end.strftime("%Y%m%dT%H%M%SZ"), i) +
              fold("DESCRIPTION:" + filler) +
              "END:VEVENT\r\n")
        if size + len(ev) > ICS_MAX - 1024:
            break
        parts.append(ev)
        size += len(ev)
        i += 1
    parts.append(tail)
    with open(path, "w") as f:
        f.write("".join(parts))
    return i


def admin(sock, method, path, body=None, headers=None):
    t0 = time.monotonic()
    c = UnixConnection(sock)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, (time.monotonic() - t0) * 1000, data


def main():
    sock, port, feed, venue, course, work = sys.argv[1:7]
    ctl = sys.argv[7] if len(sys.argv) > 7 else ""
    ics = os.path.join(work, "probe.ics")
    nevents = make_ics(ics)
    with open(ics, "rb") as f:
        ics_body = f.read()

    results = {}

    def run_stats():
        st, ms, _ = admin(sock, "GET", "/v1/stats")
        results["stats"] = (st, ms)

    def run_list():
        has_all = False
        if ctl and os.access(ctl, os.X_OK):
            h = subprocess.run([ctl, "session", "list", "--help"],
                               capture_output=True, text=True)
            has_all = "--all" in h.stdout + h.stderr
        if has_all:
            t0 = time.monotonic()
            p = subprocess.run([ctl, "--socket", sock, "session", "list",
                                "--all", "--json"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            results["list"] = (0 if p.returncode == 0 else p.returncode,
                               (time.monotonic() - t0) * 1000, "kursusctl")
        else:
            st, ms, _ = admin(sock, "GET", "/v1/sessions")
            results["list"] = (st, ms, "GET")

    def run_import():
        st, ms, data = admin(
            sock, "POST", "/v1/import?venue=%s&course=%s" % (venue, course),
            body=ics_body, headers={"Content-Type": "text/calendar"})
        results["import"] = (st, ms, data)

    # The fetches run in a process of their own: the load's threads hold
    # this one's interpreter lock now and then, which is not kursusd's
    # doing. It reports its times through a pipe when told to stop.
    rd, wr = os.pipe()
    stop_r, stop_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(rd)
        os.close(stop_w)
        os.set_blocking(stop_r, False)
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        times = []
        while True:
            try:
                if os.read(stop_r, 1):
                    break
            except BlockingIOError:
                pass
            t0 = time.monotonic()
            c.request("GET", feed)
            r = c.getresponse()
            r.read()
            times.append((time.monotonic() - t0) * 1000)
            if r.status != 200:
                times = [-r.status]
                break
        with os.fdopen(wr, "w") as f:
            json.dump(times, f)
        os._exit(0)
    os.close(wr)
    os.close(stop_r)
    time.sleep(0.5)             # a baseline before the load
    load = [threading.Thread(target=f) for f in (run_stats, run_list,
                                                 run_import)]
    for t in load:
        t.start()
    for t in load:
        t.join()
    time.sleep(0.2)
    os.write(stop_w, b"x")
    with os.fdopen(rd) as f:
        lat = json.load(f)
    os.waitpid(child, 0)
    if lat and lat[0] < 0:
        print("PROBE error: GET %s: %d" % (feed, -lat[0]))
        sys.exit(1)
    try:
        created = len(json.loads(results["import"][2])["created"])
    except (ValueError, KeyError, TypeError):
        created = 0

    lat.sort()
    n = len(lat)

    def q(p):
        return lat[min(n - 1, int(p * n))] if n else 0

    print("PROBE n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
          "stats=%d stats_ms=%.0f list=%d list_ms=%.0f list_by=%s "
          "import=%d import_ms=%.0f import_events=%d import_bytes=%d "
          "import_sessions=%d" %
          (n, q(0.50), q(0.99), lat[-1] if n else 0,
           results["stats"][0], results["stats"][1],
           results["list"][0], results["list"][1], results["list"][2],
           results["import"][0], results["import"][1], nevents,
           len(ics_body), created))


if __name__ == "__main__":
    main()
