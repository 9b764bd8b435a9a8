#!/usr/bin/python3
"""
bench/list_walk.py SOCKET PATH PID [KEY]: walks a paged list of kursusd's
admin API (GET PATH, then PATH?cursor=<next> until there is no next) on
one connection to the unix socket, and prints one line of key=value:

  pages, rows, bytes       what the walk took in
  first_ms, total_ms       the first page, and every page together
  max_ms, p50_ms           the slowest page, the median one
  cpu_ms                   kursusd's CPU (user + system) during the walk
  loop_max_ms, loop_p50_ms the CPU time of kursusd's event loop thread
                           for each page (/proc/PID/task/PID/schedstat,
                           in ns): how long one page held the loop, apart
                           from waiting for a CPU on a busy machine
  dup, ordered             ids seen twice (must be 0); 1 when the ids came
                           in the list's order of (start_utc, id)
  status                   the first status other than 200, or 200

PID is kursusd's, for its CPU time (/proc/PID/stat). KEY is the list's
key in the answer (default sessions).
"""

import json
import os
import statistics
import sys
import time
import urllib.parse

from unixhttp import UnixConnection


def cpu_ticks(pid):
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def loop_ns(pid):
    try:
        with open("/proc/%s/task/%s/schedstat" % (pid, pid)) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def main():
    sock, path, pid = sys.argv[1:4]
    key = sys.argv[4] if len(sys.argv) > 4 else "sessions"
    hz = os.sysconf("SC_CLK_TCK")
    conn = UnixConnection(sock)
    times, loops, seen, order = [], [], set(), []
    nbytes, dup, status, cursor = 0, 0, 200, None
    c0 = cpu_ticks(pid)
    while True:
        p = path
        if cursor is not None:
            p += ("&" if "?" in p else "?") + "cursor=" + \
                urllib.parse.quote(cursor)
        l0 = loop_ns(pid)
        t0 = time.perf_counter()
        conn.request("GET", p)
        r = conn.getresponse()
        body = r.read()
        times.append((time.perf_counter() - t0) * 1000)
        loops.append((loop_ns(pid) - l0) / 1e6)
        if r.status != 200:
            status = r.status
            break
        nbytes += len(body)
        a = json.loads(body)
        for row in a.get(key, []):
            if row["id"] in seen:
                dup += 1
            seen.add(row["id"])
            order.append((row.get("start_utc", ""), row["id"]))
        cursor = a.get("next")
        if cursor is None:
            break
    c1 = cpu_ticks(pid)
    print("pages=%d rows=%d bytes=%d first_ms=%.1f total_ms=%.0f "
          "max_ms=%.1f p50_ms=%.1f cpu_ms=%.0f loop_max_ms=%.1f "
          "loop_p50_ms=%.1f dup=%d ordered=%d status=%d"
          % (len(times), len(order), nbytes, times[0], sum(times),
             max(times), statistics.median(times),
             (c1 - c0) * 1000.0 / hz, max(loops), statistics.median(loops),
             dup, int(order == sorted(order)), status))


main()
