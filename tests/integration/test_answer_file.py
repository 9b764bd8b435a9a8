#!/usr/bin/python3
"""
A read job's large answer (GET /v1/export, GET /v1/stats) goes through a
small buffer into a file without a name in the state directory and is
sent from there (daemon/spool.c, issue 9), never whole in kursusd's
memory; a small answer stays in memory:

  file      an export of every session is logged "sent from a file", the
            same bytes as asked again; one of a venue with three sessions
            is not; the statistics of some 520 months (a session a
            month in three series of 260) as well
  memory    kursusd's VmHWM (reset with /proc/PID/clear_refs) grows by
            less than the answer's size while it makes and sends it, the
            least of three times (it grew by three times the size when
            the answer was a string, then a JSON string, then JSON text);
            skipped under AddressSanitizer
  nameless  while a client holds the answer unread, kursusd holds the
            file, already deleted, in the state directory, which shows no
            name of it; once the client goes, the file is closed
  full      the state directory on a tmpfs mounted here (as root, else
            skipped), filled up: the export is refused with 507 naming the
            full disk and the directory, kursusd goes on, and answers 200
            once there is room again
  denied    a state directory kursusd may no longer write (as root, the
            daemon as its user): 500 naming the directory and why
"""
import datetime
import errno
import json
import os
import socket
import subprocess

from kursustest import (Tap, as_user, export_setup, give, local_now,
                        open_files, status_kb, wait_for)

t = Tap()

COURSE = "kursus"
N = 6000
MONTHS = 260        # the most a series may have


def answer_files(pid, where):
    """kursusd's open files in the directory where, already deleted."""
    return [f for f in open_files(pid)
            if f.startswith(where + "/") and f.endswith("(deleted)")]


def logged(d, what, length):
    line = "GET /v1/%s by " % what
    for l in d.log().split("\n"):
        if line in l and ": 200, %d bytes" % length in l:
            return l
    return None


def check_file(d):
    r = d.request("GET", "/v1/export")
    body = r.body
    n = (r.json or {}).get("events")
    t.ok(r.status == 200 and n == N + 3,
         "GET /v1/export: 200, every session (%s)" % n, [repr(r)[:300]])
    line = logged(d, "export", len(body))
    t.ok(line is not None and line.endswith(", sent from a file"),
         "file: the export of %d bytes is logged as sent from a file"
         % len(body), [line or d.log()[-1500:]])
    again = d.request("GET", "/v1/export")
    t.ok(again.status == 200 and again.body == body,
         "file: asked again, the same bytes", [])
    json.loads(body.decode("utf-8"))
    r = d.request("GET", "/v1/export?venue=lille")
    line = logged(d, "export", len(r.body))
    t.ok(r.status == 200 and line is not None and
         not line.endswith("from a file"),
         "memory: the export of a venue's 3 sessions (%d bytes) stays in "
         "memory" % len(r.body), [line or ""])
    return body


def check_stats(d, first):
    """Statistics of many months: over 128 KiB, answered from a file.
    A session a month at both venues for MONTHS months after the imported
    ones, and at one of them for MONTHS more."""
    base = (first + datetime.timedelta(days=160)).replace(day=10)
    later = base.replace(year=base.year + (base.month - 1 + MONTHS) // 12,
                         month=(base.month - 1 + MONTHS) % 12 + 1)
    made = 0
    for venue, start in (("lille", base), ("stor", base), ("lille", later)):
        r = d.request("POST", "/v1/sessions", json.dumps({
            "course": COURSE, "venue": venue,
            "start": "%s 20:00" % start.isoformat(),
            "rrule": "FREQ=MONTHLY;COUNT=%d" % MONTHS, "far": True,
            "allow_overlap": True, "allow_closed": True}),
            {"Content-Type": "application/json"})
        made += len((r.json or {}).get("sessions", []))
    t.eq(made, 3 * MONTHS, "%d monthly sessions, three series of %d "
         "months" % (3 * MONTHS, MONTHS))
    r = d.request("GET", "/v1/stats")
    line = logged(d, "stats", len(r.body))
    st = r.json or {}
    t.ok(r.status == 200 and st.get("sessions") == N + 3 + made and
         len(st.get("by_month", [])) > 2 * MONTHS,
         "the statistics of %d months answered whole (%d sessions)" % (
             len(st.get("by_month", [])), st.get("sessions", 0)),
         [repr(r)[:300]])
    t.ok(len(r.body) > 128 * 1024 and line is not None and
         line.endswith(", sent from a file"),
         "file: the statistics of %d bytes are logged as sent from a file"
         % len(r.body), [line or d.log()[-1500:]])


def sanitized(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def check_memory(d, size):
    pid = d.proc.pid
    if sanitized(pid):
        t.skip("memory: VmHWM while the export is made and sent",
               "kursusd runs under AddressSanitizer, whose allocator keeps "
               "freed memory aside: VmHWM says nothing of kursusd's own")
        return
    grown = []
    for i in range(3):      # the least of three: a new arena may come once
        try:
            with open("/proc/%d/clear_refs" % pid, "w") as f:
                f.write("5")
        except OSError as e:
            t.skip("memory: VmHWM while the export is made and sent",
                   "cannot reset kursusd's VmHWM: %s" % e)
            return
        before = status_kb(pid, "VmHWM")
        r = d.request("GET", "/v1/export")
        after = status_kb(pid, "VmHWM")
        grown.append((after - before, before, after, r.status))
    grew, before, after, status = min(grown)
    t.ok(status == 200 and grew * 1024 < size,
         "memory: VmHWM grew by %d KiB for an answer of %d KiB" % (
             grew, size // 1024),
         ["VmHWM %d kB -> %d kB" % (b, a) for _, b, a, _ in grown])


def check_nameless(d):
    """A client that sends the request and does not read: kursusd holds
    the file, deleted, until the client goes."""
    pid = d.proc.pid
    listed = set(os.listdir(d.dir))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(d.sock)
    s.sendall(b"GET /v1/export HTTP/1.1\r\nHost: x\r\n\r\n")
    held = wait_for(lambda: answer_files(pid, d.dir), 30)
    names = set(os.listdir(d.dir)) - listed
    t.ok(bool(held) and not names,
         "nameless: while the answer waits to be read, kursusd holds it in "
         "a file of the state directory already deleted, with no name there",
         ["open: %r" % (held,), "new names: %r" % sorted(names)])
    head = s.recv(200)
    s.close()
    gone = wait_for(lambda: not answer_files(pid, d.dir), 10)
    t.ok(head.startswith(b"HTTP/1.1 200") and gone,
         "nameless: once the client went, the file is closed",
         ["open: %r" % (answer_files(pid, d.dir),)])


def mount_tmpfs(where, size):
    p = subprocess.run(["mount", "-t", "tmpfs", "-o",
                        "size=%s,mode=0755" % size, "tmpfs", where],
                       capture_output=True, text=True, timeout=30)
    return p.returncode == 0, p.stderr.strip()


def fill(where):
    """A file that takes every free byte of where's file system."""
    path = os.path.join(where, "filler")
    # Unbuffered, so closing the file has nothing left to write (a
    # buffered file's close met the full disk again: ENOSPC).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    size = 65536
    try:
        while size > 0:
            try:
                if os.write(fd, b"\0" * size) == 0:
                    size //= 2
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                size //= 2
    finally:
        os.close(fd)
    return path


def check_full(first):
    if os.geteuid() != 0:
        t.skip("full: a state directory on a full disk",
               "not root: cannot mount a small tmpfs")
        return
    mnt = t.tempdir()
    ok, why = mount_tmpfs(mnt, "24m")
    if not ok:
        t.skip("full: a state directory on a full disk",
               "mount -t tmpfs failed: %s" % why)
        return
    try:
        state = os.path.join(mnt, "state")
        os.mkdir(state)
        give(state)
        d = t.daemon(dirname=state)
        export_setup(t, d, 1500, first, COURSE)
        size = len(d.request("GET", "/v1/export").body)
        filler = fill(mnt)
        r = d.request("GET", "/v1/export")
        msg = (r.json or {}).get("error", "")
        t.ok(r.status == 507 and "disk is full" in msg and state in msg,
             "full: GET /v1/export (%d bytes) on a full disk: 507 naming "
             "the full disk and the directory" % size, [repr(r)[:400]])
        r = d.request("GET", "/v1/status")
        t.ok(r.status == 200 and d.running(),
             "full: kursusd goes on answering", [repr(r)[:300]])
        os.unlink(filler)
        r = d.request("GET", "/v1/export")
        t.ok(r.status == 200 and len(r.body) == size,
             "full: with room again, the export is answered whole",
             [repr(r)[:300]])
        t.eq(d.stop(), 0, "full: SIGTERM: exit 0")
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True,
                       timeout=30)


def check_denied(first):
    if not as_user():
        t.skip("denied: a state directory kursusd may not write",
               "not root: kursusd runs as this user, who may write")
        return
    d = t.daemon()
    export_setup(t, d, 1500, first, COURSE)
    mode = os.stat(d.dir).st_mode & 0o7777
    os.chmod(d.dir, 0o555)
    try:
        r = d.request("GET", "/v1/export")
    finally:
        os.chmod(d.dir, mode)
    msg = (r.json or {}).get("error", "")
    t.ok(r.status == 500 and d.dir in msg and "Permission denied" in msg,
         "denied: GET /v1/export: 500 naming the directory and why",
         [repr(r)[:400]])
    r = d.request("GET", "/v1/export")
    t.ok(r.status == 200, "denied: allowed again, answered", [repr(r)[:200]])
    t.eq(d.stop(), 0, "denied: SIGTERM: exit 0")


def main():
    first = local_now().date() + datetime.timedelta(days=3)
    d = t.daemon()
    export_setup(t, d, N, first, COURSE)
    body = check_file(d)
    check_memory(d, len(body))
    check_nameless(d)
    check_stats(d, first)
    t.ok(d.running(), "kursusd ran through it all")
    t.eq(d.stop(), 0, "SIGTERM: exit 0")
    check_full(first)
    check_denied(first)


t.run(main)
