"""
kursusctl backup FILE while registrations go on. Another process registers
new people continuously through the API (one keep-alive connection, every
201 written down with its time) while the test takes backups of a database
made large (a filler table of some 128 MiB, so that a copy takes a while):
each copy passes PRAGMA integrity_check and holds every registration that
was confirmed to the writer before the backup began; the writer's
registrations are answered while the copy is being made, and none is
refused. The file is mode 0600; a FILE that exists is refused without
--force (and left as it was) and replaced with it; two backups at once
both succeed; over TCP with the token it works the same. A kursusd
started on the copy answers and holds its data, and the restore the
manual describes (stop, copy over the database, remove -wal and -shm,
start) brings the copy's data back, and an unfinished copy a stopped
kursusd left is removed at start. Bad input (a query parameter, a
body, another method, "-", a directory, a missing directory) gets a clear
refusal and leaves nothing behind; a client that hangs up while its copy
is being made harms nothing. At the default log level, the log names no
registered person.
"""

import datetime
import hashlib
import http.client
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time

from kursustest import (CMD_TIMEOUT, KURSUSCTL, Tap, UnixHTTPConnection,
                        free_port, local_now, next_weekday, run_ctl,
                        wait_for)

# 48 MiB were copied in under 0.2 s on a quiet machine, too fast to see
# registrations answered meanwhile (check 9 skipped); 128 MiB take about
# 0.45 s on a busy one, and the whole test some 7 s.
FILLER_MB = 128


def writer(sock, sid, out_path):
    """The other process: registers new people until killed, writing
    "<registration id> <time>" for each 201 and "ERR ..." for anything
    else."""
    out = open(out_path, "a", buffering=1)
    conn = UnixHTTPConnection(sock)
    i = 0
    while True:
        i += 1
        body = json.dumps({"participant": {
            "name": "Skriver Nummer %d" % i, "phone": "4%07d" % i}})
        try:
            conn.request("POST", "/v1/sessions/%s/registrations" % sid,
                         body=body,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            out.write("ERR %s\n" % e)
            conn.close()
            conn = UnixHTTPConnection(sock)
            time.sleep(0.05)
            continue
        if r.status == 201:
            out.write("%s %.6f\n" % (json.loads(data)["id"], time.time()))
        else:
            out.write("ERR %d %r\n" % (r.status, data[:200]))
        time.sleep(0.005)	# continuous, but leaves the others a core


def acks(path):
    """[(registration id, time)] and the error lines the writer wrote."""
    ok, errors = [], []
    with open(path) as f:
        for line in f:
            if not line.endswith("\n"):
                break
            if line.startswith("ERR"):
                errors.append(line.strip())
                continue
            rid, when = line.split()
            ok.append((int(rid), float(when)))
    return ok, errors


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_copy(t, path, confirmed, what):
    """Mode 0600, integrity ok, every confirmed registration in it.
    Returns the copy's registration count (None when it cannot be read)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError as e:
        t.ok(False, "%s: the file exists" % what, [str(e)])
        return None
    t.eq(oct(mode), oct(0o600), "%s: mode 0600" % what)
    # A copy of its own to open, so that the one under test stays as it
    # came (SQLite makes -wal and -shm files beside what it opens).
    probe = path + ".probe"
    shutil.copyfile(path, probe)
    con = sqlite3.connect(probe)
    try:
        check = con.execute("PRAGMA integrity_check").fetchall()
        ids = {r[0] for r in con.execute("SELECT id FROM registration")}
        version = con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(probe + suffix)
            except OSError:
                pass
    t.eq(check, [("ok",)], "%s: PRAGMA integrity_check says ok" % what)
    missing = sorted(set(confirmed) - ids)
    t.ok(not missing, "%s: all %d registrations confirmed before the "
         "backup began are in it" % (what, len(confirmed)),
         ["missing: %r" % missing[:20]])
    t.ok(version >= 2, "%s: schema version %d" % (what, version))
    return len(ids)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "writer":
        writer(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    t = Tap()
    t.run(lambda: run(t))


def run(t):
    port = free_port()
    tmp = t.tempdir()
    token_file = os.path.join(tmp, "token")
    d = t.daemon(dirname=tmp, extra=[
        "admin.listen=127.0.0.1:%d" % port, "admin.token_file=" + token_file])
    d.ctl("venue", "add", "bibliotek", "--name", "Horsens Bibliotek")
    d.ctl("course", "add", "borger-dk", "--title", "borger.dk",
          "--duration", "90m", "--capacity", "8")
    day = next_weekday(local_now().date() + datetime.timedelta(days=10), 2)
    r = d.ctl("session", "add", "--course", "borger-dk", "--venue",
              "bibliotek", "--start", "%s 13:00" % day.isoformat())
    sid = ((r.out or {}).get("sessions") or [{}])[0].get("id")
    if sid is None:
        raise RuntimeError("no session to register for")

    # A large database: a copy of it takes a while.
    d.stop()
    con = sqlite3.connect(d.db)
    con.execute("CREATE TABLE test_filler (b BLOB)")
    con.executemany("INSERT INTO test_filler VALUES (randomblob(65536))",
                    [()] * (FILLER_MB * 16))
    con.commit()
    con.close()
    d.start()

    # --- the writer, in a process of its own
    log_path = os.path.join(tmp, "writer.log")
    open(log_path, "w").close()
    w = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                          "writer", d.sock, str(sid), log_path],
                         stdin=subprocess.DEVNULL)
    try:
        backups(t, d, tmp, port, token_file, w, log_path)
    finally:
        w.kill()
        w.wait()


def backups(t, d, tmp, port, token_file, w, log_path):
    t.ok(wait_for(lambda: len(acks(log_path)[0]) >= 20, 30),
         "the writer has made 20 registrations")

    # --- a backup while the writer goes on
    copy = os.path.join(tmp, "kopi.db")
    before = [rid for rid, _ in acks(log_path)[0]]
    began = time.time()
    r = d.ctl("backup", copy, json=False)
    ended = time.time()
    t.ctl_ok(r, "kursusctl backup FILE succeeds while registrations go on")
    t.ok("Wrote" in r.out and copy in r.out,
         "it says what it wrote, and where", r.describe())
    check_copy(t, copy, before, "the backup")
    done, errors = acks(log_path)
    during = [rid for rid, when in done if began < when < ended]
    t.ok(not errors, "no registration was refused or lost meanwhile",
         errors[:10])
    if ended - began >= 0.2:
        t.ok(len(during) >= 1, "registrations were confirmed while the "
             "backup was made (%d in %.2f s)" % (len(during), ended - began))
    else:
        t.skip("registrations confirmed during the backup", "the backup "
               "took only %.2f s" % (ended - began))
    t.ok(d.running(), "kursusd is still running")
    leftovers = [f for f in os.listdir(tmp) if ".backup-" in f or
                 f.startswith("kopi.db.")]
    t.eq(leftovers, [], "no temporary file is left beside the database or "
         "the copy")

    # --- FILE exists: refused without --force, replaced with it
    old = sha256(copy)
    r = d.ctl("backup", copy, json=False, ok=False)
    t.refused(r, "kursusctl backup onto an existing FILE fails with one "
              "line", ["exists", "--force", copy])
    t.eq(r.rc, 73, "exit status 73 (cannot create)")
    t.eq(sha256(copy), old, "the existing FILE is left as it was")
    before = [rid for rid, _ in acks(log_path)[0]]
    r = d.ctl("backup", copy, "--force")
    t.eq(r.out, {"file": copy, "bytes": os.path.getsize(copy)},
         "backup --force --json: the file and its size")
    t.ok(sha256(copy) != old, "with --force the FILE is replaced")
    n_copy = check_copy(t, copy, before, "the backup written with --force")

    # --- two at once
    a, b = os.path.join(tmp, "a.db"), os.path.join(tmp, "b.db")
    before = [rid for rid, _ in acks(log_path)[0]]
    env = dict(os.environ)
    env.pop("KURSUS_SOCKET", None)
    procs = [subprocess.Popen([KURSUSCTL, "--socket", d.sock, "backup", f],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env) for f in (a, b)]
    outs = [p.communicate(timeout=CMD_TIMEOUT) for p in procs]
    t.eq([p.returncode for p in procs], [0, 0],
         "two backups asked for at once both succeed",
         [o[1].decode("utf-8", "replace") for o in outs])
    check_copy(t, a, before, "the first of two at once")
    check_copy(t, b, before, "the second of two at once")

    # --- over TCP with the token
    tcp = ["--url", "http://127.0.0.1:%d" % port, "--token-file", token_file]
    c = os.path.join(tmp, "tcp.db")
    before = [rid for rid, _ in acks(log_path)[0]]
    r = run_ctl(t, tcp, ["backup", c], json=False)
    t.ctl_ok(r, "kursusctl --url --token-file backup works over TCP")
    check_copy(t, c, before, "the backup over TCP")
    r = run_ctl(t, ["--url", "http://127.0.0.1:%d" % port], ["backup",
                os.path.join(tmp, "no-token.db")], json=False, ok=False)
    t.ok(r.rc != 0 and not os.path.exists(os.path.join(tmp, "no-token.db")),
         "without the token: refused, and no file is written",
         r.describe())

    # --- the answer itself
    resp = d.request("GET", "/v1/backup")
    t.eq((resp.status, resp.headers.get("content-type"),
          resp.headers.get("x-kursus-api"), resp.body[:16]),
         (200, "application/vnd.sqlite3", "1", b"SQLite format 3\0"),
         "GET /v1/backup: 200, application/vnd.sqlite3, X-Kursus-API: 1, "
         "an SQLite file")
    t.eq(int(resp.headers.get("content-length") or -1), len(resp.body),
         "Content-Length is the size of the file sent")

    # --- bad input
    for method, path, body, status, field, words in (
            ("GET", "/v1/backup?format=zip", None, 400, "format",
             ["format", "takes none"]),
            ("GET", "/v1/backup", {"to": "/etc/passwd"}, 400, "to",
             ["unknown field", "to"]),
            ("POST", "/v1/backup", None, 405, None, ["POST"]),
            ("DELETE", "/v1/backup", None, 405, None, ["DELETE"])):
        resp = d.request(method, path, body)
        j = resp.json or {}
        t.ok(resp.status == status and j.get("field") == field and
             all(x in (j.get("error") or "") for x in words) and
             resp.headers.get("x-kursus-api") == "1",
             "%s %s%s: %d naming %s" % (method, path, " with a body" if body
                                        else "", status, field or "the method"),
             [repr(resp)])
    r = d.ctl("backup", "-", json=False, ok=False)
    t.refused(r, "kursusctl backup -: a usage error", ["FILE", "-"])
    t.eq(r.rc, 64, "exit status 64")
    r = d.ctl("backup", tmp, json=False, ok=False)
    t.refused(r, "kursusctl backup DIRECTORY: refused, naming it",
              [tmp, "directory"])
    nowhere = os.path.join(tmp, "no", "such", "dir", "x.db")
    r = d.ctl("backup", nowhere, json=False, ok=False)
    t.refused(r, "kursusctl backup into a missing directory: refused, "
              "naming the file and why", [nowhere, "no such file"])
    r = d.ctl("backup", json=False, ok=False)
    t.refused(r, "kursusctl backup without FILE: a usage error", ["FILE"],
              lines=None)

    # --- a client that hangs up while its copy is made
    for _ in range(3):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(d.sock)
        s.sendall(b"GET /v1/backup HTTP/1.1\r\nHost: x\r\n\r\n")
        s.close()
    st = d.ctl("status").out or {}
    t.ok(d.running() and st.get("api_version") == 1,
         "three clients that hang up at once: kursusd goes on answering")
    t.ok(wait_for(lambda: not [f for f in os.listdir(tmp)
                               if ".backup-" in f], 30),
         "and the copies made for them are gone")

    # --- a kursusd on the copy
    done, errors = acks(log_path)
    t.ok(not errors, "the writer got 201 for every registration all along",
         errors[:10])
    d2dir = t.tempdir()
    d2db = os.path.join(d2dir, "kursusd.db")
    shutil.copyfile(copy, d2db)
    d2 = t.daemon(dirname=d2dir, db=d2db)
    st = d2.ctl("status").out or {}
    t.eq(((st.get("counts") or {}).get("registrations"),
          (st.get("database") or {}).get("schema_version")),
         (n_copy, (d.ctl("status").out or {}).get("database", {}).get(
             "schema_version")),
         "kursusd -d COPY starts and answers with the copy's registrations")
    t.eq(d2.stop(), 0, "and stops with exit 0")

    # --- restore, as kursusd(8) says: stop, copy over, remove -wal/-shm
    w.kill()
    w.wait()
    want = check_copy(t, copy, [], "the copy to restore")
    t.eq(d.stop(), 0, "kursusd stops for the restore")
    shutil.copyfile(copy, d.db)
    for suffix in ("-wal", "-shm"):
        try:
            os.unlink(d.db + suffix)
        except FileNotFoundError:
            pass
    # As a kursusd that stopped while making a copy would leave it.
    stale = d.db + ".backup-Ab12Cd"
    open(stale, "w").close()
    d.start()
    st = d.ctl("status").out or {}
    t.eq((st.get("counts") or {}).get("registrations"), want,
         "after the restore kursusd holds the copy's registrations")
    t.ok(not os.path.exists(stale) and "unfinished copy" in d.log(True),
         "an unfinished copy left beside the database is removed at start")

    # --- the log
    log = d.log()
    t.ok("Skriver Nummer" not in log and "+454" not in log,
         "the log names no registered person (by name or number)",
         [l for l in log.split("\n") if "Skriver" in l or "+454" in l][:5])
    t.ok("/v1/backup by uid" in log,
         "the log says who asked for each backup (by uid)")
    t.eq(d.stop(), 0, "SIGTERM: exit 0")


main()
