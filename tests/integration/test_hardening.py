"""
What an attack run and a fuzzer found, each shown to hold now:

  crash     the request bodies and paths that crashed kursusd (an error
            that quotes invalid UTF-8): a JSON error each, on the unix
            socket and on TCP, and the daemon goes on;
  floods    half-sent requests on the admin TCP door under a low
            descriptor limit: the unix socket and the feeds go on
            answering, the log does not fill; a head trickled line by
            line is cut at the head timeout; one address opening many
            idle public connections holds at most its share, another is
            served at once; wrong tokens from many addresses: none gets
            more than max_failures, all together no more than
            max_failures_total; the admin door's refusals are JSON;
  lock      a second kursusd on the same database refuses to start,
            naming the pid of the first;
  files     the database, WAL and SHM are 0600 whatever the umask;
  busy      another program holding the database: feeds and status answer
            in under 500 ms, a write waits and gets 503 after a while, or
            goes through once the lock is let go;
  deleted   the database deleted under the daemon: writes get 503, the log
            says so; a start beside its lock file is refused without
            --create;
  recheck   an empty feed fetched again after the recheck interval (an
            UBSan abort before);
  config    kursusd -n refuses a bad admin.listen, admin.allow, -c of a
            directory, a key given twice, and names file:line; a token file
            of another user is refused;
  ids       "1.0", "1e0", "+1", "1 " are no participant id, and a search
            for "_" or "%" is literal.
"""

import json
import os
import resource
import socket
import sqlite3
import stat
import subprocess
import threading
import time

from kursustest import KURSUSD, Tap, as_user, free_port, tcp_request, \
    unix_request, wait_for

t = Tap()


def is_json_error(r):
    return r is not None and isinstance(r.json, dict) and \
        isinstance(r.json.get("error"), str) and "field" in r.json


def raw_unix(path, data, timeout=5.0):
    """Send data on the admin socket; return what came back until close
    or timeout (bytes)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    out = b""
    try:
        s.sendall(data)
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    finally:
        s.close()
    return out


def head_and_body(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    try:
        status = int(lines[0].split(" ")[1])
    except (IndexError, ValueError):
        status = None
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    try:
        j = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        j = None
    return status, headers, j


def timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


def setup_story(d):
    d.ctl("venue", "add", "klub", "--name", "Malernes Seniorklub")
    d.ctl("course", "add", "mitid", "--title", "MitID", "--duration", "90")
    r = d.ctl("session", "add", "--course", "mitid", "--venue", "klub",
              "--start", "tomorrow 10:00")
    return ((r.out or {}).get("sessions") or [{}])[0].get("id")


# --------------------------------------------------------------------------

def check_crash(d, port, token):
    bad_body = (b'{"participant":{"name":"J\\u00f\xc8\x8dgen","phone":'
                b'"19 30 40 50"},"companion":true}')
    cases = [
        ("POST", "/v1/sessions/1/registrations", bad_body),
        ("GET", "/v1/sessions/zoneinfor%88x", None),
        ("GET", "/v1/participants?q=%ff%fe", None),
        ("POST", "/v1/venues", b'{"slug":"a","name":"\xff\xfe"}'),
        ("POST", "/v1/venues", ('{"slug":"x","name":"%s"}' %
                                ("\u00e6" * 3000)).encode()),
        ("GET", "/v1/" + "%c3" * 300, None),
    ]
    for method, path, body in cases:
        for door in ("unix", "tcp"):
            hdrs = {"Authorization": "Bearer " + token} if door == "tcp" \
                else None
            try:
                if door == "unix":
                    r = unix_request(d.sock, method, path, body, hdrs)
                else:
                    r = tcp_request(port, method, path, body, hdrs)
            except OSError as e:
                r = e
            t.ok(not isinstance(r, OSError) and 400 <= r.status < 500 and
                 is_json_error(r) and d.running(),
                 "crash input %s %s (%s): a JSON error, kursusd runs on" %
                 (method, path[:40], door), [repr(r)])


def check_admin_refusals(d):
    cases = [
        ("a body over the 4 MiB limit",
         b"POST /v1/import HTTP/1.1\r\nHost: x\r\nContent-Length: "
         b"9999999\r\n\r\n", 413),
        ("two different Content-Length headers",
         b"POST /v1/venues HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
         b"Content-Length: 3\r\n\r\n{}", 400),
        ("a malformed request line", b"GARBAGE\r\n\r\n", 400),
        ("HTTP/2.0", b"GET /v1/status HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("a chunked body",
         b"POST /v1/venues HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
         b"chunked\r\n\r\n0\r\n\r\n", 411),
        ("an unknown method", b"BREW /v1/status HTTP/1.1\r\nHost: x\r\n\r\n",
         405),
    ]
    for what, data, status in cases:
        got, headers, j = head_and_body(raw_unix(d.sock, data))
        t.ok(got == status and isinstance(j, dict) and "error" in j and
             headers.get("x-kursus-api") == "1" and
             headers.get("content-type", "").startswith("application/json"),
             "admin socket, %s: %d with the API's JSON error and "
             "X-Kursus-API" % (what, status), [repr((got, headers, j))])
    r = unix_request(d.sock, "GET", "/v1/status")
    t.eq(r.status, 200, "admin socket: answers after the refusals")


def check_tcp_flood(tmp):
    """Half-sent requests fill the admin TCP door under a low limit."""
    port = free_port()
    token_file = os.path.join(tmp, "token")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))
    try:
        d = t.daemon(dirname=tmp, extra=[
            "admin.listen=127.0.0.1:%d" % port,
            "admin.token_file=" + token_file])
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    with open(token_file) as f:
        token = f.read().strip()
    check_crash(d, port, token)
    check_admin_refusals(d)
    setup_story(d)
    flood = []
    for i in range(600):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.setblocking(False)
            try:
                s.send(b"GET /v1/status HTTP/1.1\r\nHo")
            except OSError:
                pass
            flood.append(s)
        except OSError:
            pass
    t.ok(len(flood) > 0, "flood: %d half-sent requests on the admin TCP "
         "door" % len(flood))
    r, took = timed(lambda: unix_request(d.sock, "GET", "/v1/status"))
    t.ok(r.status == 200 and took < 1.0, "flood: the admin socket answers "
         "(%.3f s)" % took, [repr(r)])
    r, took = timed(lambda: tcp_request(d.public_port, "GET",
                                        "/feeds/all.ics"))
    t.ok(r.status == 200 and took < 1.0, "flood: the public feeds answer "
         "(%.3f s)" % took, [repr(r)])
    r, took = timed(lambda: tcp_request(port, "GET", "/v1/status", None, {
        "Authorization": "Bearer " + token}))
    t.ok(r.status == 200 and took < 1.0, "flood: an honest TCP client is "
         "served too (%.3f s)" % took, [repr(r)])
    log = d.log(since_start=True)
    t.ok(log.count("\n") < 100 and "Too many open files" not in log,
         "flood: the log stays short (%d lines), no descriptor errors" %
         log.count("\n"), log.split("\n")[-10:])
    for s in flood:
        s.close()

    # A head trickled a line at a time is cut at the head timeout.
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.settimeout(1.0)
    got, t0 = b"", time.monotonic()
    s.sendall(b"GET /v1/status HTTP/1.1\r\n")
    while time.monotonic() - t0 < 25:
        try:
            s.sendall(b"X-Slow: %d\r\n" % int(time.monotonic()))
        except OSError:
            break
        try:
            b = s.recv(65536)
            if not b:
                break
            got += b
        except socket.timeout:
            pass
    took = time.monotonic() - t0
    s.close()
    status, headers, j = head_and_body(got)
    t.ok(status == 408 and isinstance(j, dict) and took < 20,
         "flood: a head trickled line by line gets 408 and is closed after "
         "the head timeout (%.1f s)" % took, [repr(got[:300])])
    t.eq(d.stop(), 0, "flood: SIGTERM, exit 0")


def check_public_per_address(d):
    """One address opens many idle connections; another is served."""
    conns = []
    for i in range(200):
        try:
            conns.append(socket.create_connection(
                ("127.0.0.1", d.public_port), timeout=2,
                source_address=("127.0.0.2", 0)))
        except OSError:
            break
    time.sleep(0.5)
    r, took = timed(lambda: tcp_request(d.public_port, "GET",
                                        "/feeds/all.ics"))
    t.ok(r.status == 200 and took < 1.0, "public: with 200 idle "
         "connections from one address, another is served at once "
         "(%.3f s)" % took, [repr(r)])
    still = 0
    for s in conns:
        s.settimeout(0.05)
        try:
            if s.recv(1) != b"":
                still += 1
        except socket.timeout:
            still += 1
        except OSError:
            pass
    t.ok(still <= 64, "public: that address holds at most 64 connections "
         "(%d of 200 still open)" % still)
    for s in conns:
        s.close()


def check_lockout(tmp):
    port = free_port()
    token_file = os.path.join(tmp, "token")
    d = t.daemon(dirname=tmp, extra=[
        "admin.listen=127.0.0.1:%d" % port,
        "admin.token_file=" + token_file, "admin.allow=127.0.0.0/8",
        "admin.max_failures=3", "admin.max_failures_total=40"])
    per_addr, total401 = {}, 0
    for i in range(100):
        src = "127.0.%d.%d" % (1 + i // 200, 2 + i % 200)
        for k in range(6):
            try:
                c = socket.create_connection(("127.0.0.1", port), timeout=5,
                                             source_address=(src, 0))
                c.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n"
                          b"Authorization: Bearer wrong\r\n"
                          b"Connection: close\r\n\r\n")
                raw = b""
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    raw += b
                c.close()
            except OSError:
                continue
            status = head_and_body(raw)[0]
            if status == 401:
                per_addr[src] = per_addr.get(src, 0) + 1
                total401 += 1
    worst = max(per_addr.values()) if per_addr else 0
    t.ok(worst <= 3, "lockout: no address got more than max_failures (3) "
         "wrong-token answers (at most %d)" % worst)
    t.ok(total401 <= 40, "lockout: all 100 addresses together got no more "
         "than max_failures_total (40): %d" % total401)
    t.eq(d.stop(), 0, "lockout: SIGTERM, exit 0")


def check_second_daemon(d):
    other = t.tempdir()
    p = subprocess.run([KURSUSD, "-f", "-c", d.config, "-d", d.db,
                        "-o", "admin.socket=" + os.path.join(other, "s"),
                        "-o", "daemon.pidfile=",
                        "-o", "public.listen=127.0.0.1:%d" % free_port()] +
                       as_user(), capture_output=True, text=True, timeout=30)
    t.ok(p.returncode != 0 and str(d.proc.pid) in p.stderr and
         "in use" in p.stderr,
         "lock: a second kursusd on the same database refuses to start, "
         "naming the pid of the first", [p.stderr])
    t.ok(d.running(), "lock: the first goes on")


def check_files(d):
    problems = []
    for suffix in ("", "-wal", "-shm", ".lock"):
        path = d.db + suffix
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError as e:
            problems.append("%s: %s" % (path, e))
            continue
        if mode & 0o077:
            problems.append("%s: mode %04o" % (path, mode))
    t.ok(not problems, "files: the database, WAL, SHM and lock file are "
         "0600 (umask 022)", problems)


def check_busy(d):
    """Another program holds the database."""
    db = sqlite3.connect(d.db, timeout=0, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    result = {}

    def write():
        result["r"] = unix_request(d.sock, "POST", "/v1/venues",
                                   {"slug": "laast", "name": "Låst"})
        result["at"] = time.monotonic()

    t0 = time.monotonic()
    w = threading.Thread(target=write)
    w.start()
    time.sleep(0.2)
    worst = 0.0
    for i in range(10):
        _, a = timed(lambda: tcp_request(d.public_port, "GET",
                                         "/feeds/all.ics"))
        _, b = timed(lambda: unix_request(d.sock, "GET", "/v1/status"))
        worst = max(worst, a, b)
        time.sleep(0.1)
    # A loop held by the waiting write would answer after it, seconds on;
    # 500 ms leaves room for a machine busy with other tests.
    t.ok(worst < 0.5, "busy: feeds and status answer within 500 ms while "
         "a write waits for the lock (worst %.3f s)" % worst)
    w.join(30)
    r = result.get("r")
    t.ok(r is not None and r.status == 503 and is_json_error(r) and
         "locked" in r.json["error"] and
         result["at"] - t0 < 15, "busy: the write gets 503 naming the lock "
         "after a while", [repr(r)])
    # Let go within the wait: the write goes through.
    w = threading.Thread(target=write)
    w.start()
    time.sleep(1.0)
    db.execute("ROLLBACK")
    w.join(30)
    r = result.get("r")
    t.ok(r is not None and r.status == 201, "busy: a write that waited "
         "goes through once the lock is let go", [repr(r)])
    db.close()


def check_deleted(d):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(d.db + suffix)
        except OSError:
            pass
    r = unix_request(d.sock, "POST", "/v1/venues", {"slug": "efter",
                                                    "name": "Efter"})
    t.ok(r.status == 503 and is_json_error(r) and
         "deleted" in r.json["error"], "deleted: a write gets 503 naming "
         "what happened", [repr(r)])
    t.ok("deleted or replaced" in d.log(since_start=True),
         "deleted: the log says so")
    d.stop()
    ok = d.start(must=False)
    t.ok(not ok and "--create" in d.log(since_start=True),
         "deleted: a start beside its lock file is refused, naming "
         "--create")
    d.extra.append("daemon.log_level=info")
    argv = d.argv() + ["--create"]
    d.spawn(argv)
    up = wait_for(lambda: os.path.exists(d.sock) and
                  unix_request(d.sock, "GET", "/v1/status").status == 200,
                  10)
    t.ok(up, "deleted: --create starts on a new, empty database")
    d.stop()


def check_recheck(tmp):
    d = t.daemon(dirname=tmp, extra=["feeds.recheck_seconds=1"])
    r1 = tcp_request(d.public_port, "GET", "/feeds/all.ics")
    time.sleep(2.2)
    r2 = tcp_request(d.public_port, "GET", "/feeds/all.ics")
    t.ok(r1.status == 200 and r2.status == 200 and d.running(),
         "recheck: an empty feed fetched again after the recheck interval",
         [repr(r1), repr(r2)])
    t.eq(d.stop(), 0, "recheck: SIGTERM, exit 0")


def check_config(tmp):
    def n(*args):
        return subprocess.run([KURSUSD, "-n"] + list(args),
                              capture_output=True, text=True, timeout=30)

    conf = os.path.join(tmp, "k.conf")
    for what, args, words in (
            ("admin.listen with port 99999",
             ["-o", "admin.listen=127.0.0.1:99999"], ["99999"]),
            ("admin.listen with a host that is none",
             ["-o", "admin.listen=not-a-host.invalid:9999"], ["not-a-host"]),
            ("admin.allow 10.0.0.0/33", ["-o", "admin.allow=10.0.0.0/33"],
             ["/33"]),
            ("-c of a directory", ["-c", tmp], ["directory"])):
        p = n(*args)
        t.ok(p.returncode != 0 and all(w in p.stderr for w in words) and
             "OK" not in p.stdout, "config: kursusd -n refuses %s" % what,
             [p.stdout, p.stderr])
    for what, text, line, words in (
            ("a key given twice",
             "[admin]\nsocket = /tmp/a\n[daemon]\n[admin]\nsocket = /tmp/b\n",
             5, ["twice"]),
            ("an empty admin.socket", "[admin]\nsocket:\n", 2, ["empty"]),
            ("bad reminder rules", "\n[reminders]\nrules = nonsense\n", 3,
             ["reminders.rules"]),
            ("bad quiet hours", "[reminders]\nquiet_hours = 25-26\n", 2,
             ["quiet_hours"])):
        with open(conf, "w") as f:
            f.write(text)
        p = n("-c", conf)
        t.ok(p.returncode != 0 and ("%s:%d:" % (conf, line)) in p.stderr and
             all(w in p.stderr for w in words),
             "config: %s is refused naming file:line" % what, [p.stderr])
    if os.geteuid() == 0:
        key = os.path.join(tmp, "other.key")
        with open(key, "w") as f:
            f.write("0" * 64 + "\n")
        os.chmod(key, 0o600)
        # Not the user kursusd runs as (nobody, 65534), nor root.
        os.chown(key, 65533, 65533)
        port = free_port()
        empty = os.path.join(tmp, "empty.conf")
        open(empty, "w").close()
        p = subprocess.run([KURSUSD, "-f", "-c", empty,
                            "-d", os.path.join(tmp, "x.db"),
                            "-o", "admin.socket=" + os.path.join(tmp, "x.s"),
                            "-o", "daemon.pidfile=",
                            "-o", "public.listen=127.0.0.1:%d" % free_port(),
                            "-o", "admin.listen=127.0.0.1:%d" % port,
                            "-o", "admin.token_file=" + key] + as_user(),
                           capture_output=True, text=True, timeout=30)
        t.ok(p.returncode != 0 and "belongs to uid 65533" in p.stderr,
             "config: a token file of another user is refused", [p.stderr])
    else:
        t.skip("config: a token file of another user is refused",
               "not root: cannot give a file away")


def check_ids(d):
    r = d.request("POST", "/v1/participants", {"name": "Anna Andersen",
                                               "phone": "21000001"})
    pid = (r.json or {}).get("id")
    for key in ("%d.0" % pid, "%de0" % pid, "+%d" % pid, "%d%%20" % pid,
                "0%d" % pid):
        r = d.request("GET", "/v1/participants/" + key)
        t.ok(r.status == 404 and is_json_error(r),
             "ids: participant %r is not participant %d" % (key, pid),
             [repr(r)])
    for q in ("_", "%25", "%5C"):
        r = d.request("GET", "/v1/participants?q=" + q)
        got = (r.json or {}).get("participants")
        t.ok(r.status == 200 and got == [], "ids: a search for %r is "
             "literal and finds no one" % q, [repr(r)])


def main():
    old = os.umask(0o022)
    try:
        check_tcp_flood(t.tempdir())
        d = t.daemon()
        setup_story(d)
        check_files(d)
        check_second_daemon(d)
        check_public_per_address(d)
        check_ids(d)
        check_busy(d)
        check_deleted(d)
    finally:
        os.umask(old)
    check_lockout(t.tempdir())
    check_recheck(t.tempdir())
    check_config(t.tempdir())


t.run(main)
