"""
kursusd as a process: --version, --help, -n (configuration check), -o
overrides, restart on the same database keeps everything (also after
SIGKILL, which leaves a stale socket and pid file behind), a second
kursusd on the same socket refuses to start, the pid file, SIGHUP with a
broken configuration file keeps the old configuration, SIGTERM and SIGINT
exit 0.
"""

import datetime
import json
import os
import signal
import socket
import stat
import subprocess

from kursustest import KURSUSCTL, KURSUSD, Daemon, Tap, as_user, dump_db, \
    free_port, local_now, next_weekday, run_ctl, wait_for

t = Tap()


def run(argv, timeout=30):
    p = subprocess.run(argv, capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def describe(argv, rc, out, err):
    return ["command: " + " ".join(argv), "exit: %s" % rc,
            "stdout: " + out.strip()[:500], "stderr: " + err.strip()[:500]]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def wait_log(d, text, offset, timeout=10):
    """Wait until the daemon's log holds text after offset characters."""
    return wait_for(lambda: text in d.log()[offset:], timeout)


def populate(d):
    """A small but complete data set: two venues, a course, an instructor,
    a series, people registered (one waitlisted, one cancelled)."""
    first = next_weekday(local_now().date() + datetime.timedelta(days=14), 3)
    d.ctl("settings", "--number-start", "2000")
    d.ctl("venue", "add", "horsens-bibliotek", "--name", "Horsens Bibliotek",
          "--address", "Tobaksgården 12", "--postcode", "8700", "--city",
          "Horsens", "--access", "Trinfri adgang, teleslynge")
    d.ctl("venue", "add", "malernes", "--name", "Malernes Seniorklub",
          "--address", "Borgergade", "--postcode", "8700", "--city",
          "Horsens", "--capacity", "6")
    d.ctl("course", "add", "digital-post", "--title", "Digital Post",
          "--duration", "1h30m", "--capacity", "2", "--min", "1",
          "--bring", "telefon og nøglekort")
    d.ctl("instructor", "add", "lone", "--name", "Lone Sørensen",
          "--email", "lone@example.dk")
    r = d.ctl("session", "add", "--course", "digital-post", "--venue",
              "malernes", "--start", "%s 14:00" % first.isoformat(),
              "--weekly", "3", "--instructor", "lone")
    sid = ((r.out or {}).get("sessions") or [{}])[0].get("id")
    for name, phone in (("Jørgen Smidstrup", "20304050"),
                        ("Åse Ærø", "30405060"), ("Bent Ib", "40506070"),
                        ("Ole Olsen", "50607080")):
        d.ctl("register", str(sid), "--name", name, "--phone", phone)
    r = d.ctl("participant", "list", "--search", "Ole Olsen")
    ole = ((r.out or {}).get("participants") or [{}])[0].get("id")
    d.ctl("unregister", str(sid), str(ole))
    return sid, first


def snapshot(d, sid, first):
    """The --json output of every list, keyed by command."""
    cmds = [("venue", "list"), ("course", "list"), ("instructor", "list"),
            ("participant", "list"),
            ("session", "list", "--from", first.isoformat()),
            ("session", "show", str(sid)), ("registrations", str(sid)),
            ("waitlist", str(sid)), ("settings",), ("outbox",), ("stats",)]
    snap = {}
    for c in cmds:
        snap[" ".join(c)] = d.ctl(*c).out
    st = d.ctl("status").out or {}
    snap["status counts"] = st.get("counts")
    snap["status schema"] = (st.get("database") or {}).get("schema_version")
    return snap


def main():
    # --- --version, --help
    rc, out, err = run([KURSUSD, "--version"])
    t.ok(rc == 0 and out.startswith("kursusd ") and err == "",
         "kursusd --version: exit 0, 'kursusd <version>' on stdout",
         describe(["kursusd", "--version"], rc, out, err))
    version = out.split()[1] if len(out.split()) > 1 else None
    rc, out, err = run([KURSUSD, "--help"])
    t.ok(rc == 0 and all(o in out for o in ("-c", "-d", "-f", "-n", "-o",
                                            "-v", "--version")),
         "kursusd --help: exit 0, lists -c -d -f -n -o -v --version",
         describe(["kursusd", "--help"], rc, out, err))
    rc, out, err = run([KURSUSD, "--bogus-option"])
    t.ok(rc != 0 and "usage" in err.lower(),
         "kursusd --bogus-option: non-zero exit and usage on stderr",
         describe(["kursusd", "--bogus-option"], rc, out, err))
    rc, out, err = run([KURSUSCTL, "--version"])
    t.ok(rc == 0 and version is not None and version in out,
         "kursusctl --version: exit 0, same version as kursusd",
         describe(["kursusctl", "--version"], rc, out, err))
    rc, out, err = run([KURSUSCTL, "--help"])
    t.ok(rc == 0 and "register" in out and "session" in out,
         "kursusctl --help: exit 0, lists the commands",
         describe(["kursusctl", "--help"], rc, out, err))

    # --- the command names of the contract, each with --help
    contract = [c.split() for c in (
        "venue add", "venue list", "venue show", "venue edit",
        "venue remove", "course add", "course list", "course show",
        "course edit", "course remove", "instructor add", "instructor list",
        "instructor show", "instructor edit", "instructor remove",
        "session add", "session list", "session show", "session edit",
        "session move", "session cancel", "participant add",
        "participant list", "participant show", "participant edit",
        "participant remove", "register", "unregister", "waitlist",
        "attendance", "stats", "status")]
    bad = []
    for words in contract:
        argv = [KURSUSCTL] + words + ["--help"]
        rc, out, err = run(argv)
        if rc != 0 or "usage" not in out.lower() or err:
            bad.append("%s: exit %s, stderr %r" % (" ".join(words), rc,
                                                   err.strip()[:100]))
    t.ok(not bad, "kursusctl COMMAND --help: exit 0 and a usage for all %d "
         "commands of the contract" % len(contract), bad)

    # --- -n: configuration check
    tmp = t.tempdir()
    good = os.path.join(tmp, "good.conf")
    write(good, "# a test configuration\n[daemon]\ntimezone = "
          "Europe/Copenhagen\nlog_level = info\n\n[admin]\nsocket = " +
          os.path.join(tmp, "x.sock") + "\n")
    argv = [KURSUSD, "-n", "-c", good] + as_user()
    rc, out, err = run(argv)
    t.ok(rc == 0 and out.strip() == "configuration OK",
         "kursusd -n with a good file prints 'configuration OK', exit 0",
         describe(argv, rc, out, err))
    bad_files = [
        ("a line that is not INI", "[daemon]\nlog_level = info\n"
         "this line is no key = value pair\n", 3),
        ("an unknown key", "# comment\n[daemon]\nlog_level = info\n"
         "bogus_key = 1\n", 4),
        ("an unknown time zone", "[daemon]\n\ntimezone = Mars/Olympus\n", 3),
        ("an unknown section", "[daemon]\nlog_level = info\n[nosuch]\n"
         "key = 1\n", 4),
    ]
    for what, text, line in bad_files:
        path = os.path.join(tmp, "bad.conf")
        write(path, text.replace("this line is no key = value pair",
                                 "this line is no key value pair"))
        argv = [KURSUSD, "-n", "-c", path]
        rc, out, err = run(argv)
        t.ok(rc != 0 and "%s:%d" % (path, line) in err and
             "configuration OK" not in out,
             "kursusd -n, a file with %s: non-zero exit, error names "
             "file:%d" % (what, line), describe(argv, rc, out, err))
    argv = [KURSUSD, "-n", "-c", good, "-o", "daemon.bogus=1"]
    rc, out, err = run(argv)
    t.ok(rc != 0 and "daemon.bogus" in err and "configuration OK" not in out,
         "kursusd -n -o daemon.bogus=1: refused, naming daemon.bogus",
         describe(argv, rc, out, err))
    argv = [KURSUSD, "-n", "-c", good, "-o", "daemon.timezone=Nowhere/Land"]
    rc, out, err = run(argv)
    t.ok(rc != 0 and "Nowhere/Land" in err,
         "kursusd -n -o daemon.timezone=Nowhere/Land: refused, naming the "
         "value", describe(argv, rc, out, err))
    argv = [KURSUSD, "-n", "-c", os.path.join(tmp, "missing.conf")]
    rc, out, err = run(argv)
    t.ok(rc != 0 and "missing.conf" in err,
         "kursusd -n -c missing file: refused, naming the file",
         describe(argv, rc, out, err))

    # -o daemon.bogus=1 on a real start: refused, nothing left running
    d0 = Daemon(t, extra=["daemon.bogus=1"])
    t._daemons.append(d0)
    p = d0.spawn()
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    d0.kill()
    t.ok(rc not in (0, None) and "daemon.bogus" in d0.log() and
         not os.path.exists(d0.sock) and not os.path.exists(d0.db),
         "kursusd -f -o daemon.bogus=1: refuses to start (exit %s), names "
         "the key, creates no socket and no database" % rc,
         d0.log().split("\n"))

    # --- a daemon with data; the pid file
    d = t.daemon()
    pid = None
    try:
        with open(d.pidfile) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError) as e:
        t.diag("pid file: %s" % e)
    t.eq(pid, d.proc.pid, "the pid file holds kursusd's pid")
    try:
        mode = oct(stat.S_IMODE(os.stat(d.sock).st_mode))
    except OSError as e:
        mode = str(e)
    t.eq(mode, oct(0o660), "the admin socket has mode 0660 (the default "
         "admin.socket_mode)")
    st = d.ctl("status").out or {}
    t.eq(((st.get("database") or {}).get("path"), st.get("version"),
          st.get("api_version")), (d.db, version, 1),
         "status: database path, version and API version")
    sid, first = populate(d)
    before = snapshot(d, sid, first)
    t.ok(before["status counts"] and
         before["status counts"].get("registrations") == 4 and
         before["status counts"].get("sessions") == 3,
         "populated: 3 sessions, 4 registrations",
         [repr(before["status counts"])])

    t.ok(all(v is not None for v in before.values()),
         "every list answered before the restart",
         [k for k, v in before.items() if v is None])

    # --- a second kursusd on the same socket refuses to start
    d2 = Daemon(t, dirname=t.tempdir())
    t._daemons.append(d2)
    d2.sock = d.sock
    p = d2.spawn()
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    d2.kill()
    t.ok(rc not in (0, None) and d.sock in d2.log(),
         "a second kursusd on the same admin socket refuses to start "
         "(exit %s) naming the socket" % rc, d2.log().split("\n"))
    t.ok(os.path.exists(d.sock) and d.ctl("status", ok=None).rc == 0,
         "the first kursusd still answers on its socket")
    t.ok(not os.path.exists(d2.pidfile), "the second wrote no pid file")

    # --- KURSUS_SOCKET names the socket when --socket is not given
    env = dict(os.environ, KURSUS_SOCKET=d.sock)
    p = subprocess.run([KURSUSCTL, "-c", os.devnull, "status", "--json"],
                       capture_output=True, env=env, timeout=30)
    t.ok(p.returncode == 0 and b'"api_version"' in p.stdout,
         "kursusctl status with KURSUS_SOCKET and no --socket works",
         [p.stderr.decode("utf-8", "replace")])

    # --- or the [admin] socket of the configuration file (-c)
    cconf = os.path.join(d.dir, "client.conf")
    write(cconf, "[admin]\nsocket = %s\n" % d.sock)
    env = dict(os.environ)
    env.pop("KURSUS_SOCKET", None)
    p = subprocess.run([KURSUSCTL, "-c", cconf, "status", "--json"],
                       capture_output=True, env=env, timeout=30)
    t.ok(p.returncode == 0 and b'"api_version"' in p.stdout,
         "kursusctl -c FILE status takes the socket from [admin] socket",
         [p.stderr.decode("utf-8", "replace")])

    # --- SIGTERM: exit 0, pid file and socket removed
    rc = d.stop()
    t.eq(rc, 0, "SIGTERM: exit status 0")
    t.ok(not os.path.exists(d.pidfile), "SIGTERM: the pid file is removed")
    t.ok("SIGTERM" in d.log() or "stop" in d.log(),
         "SIGTERM: the log says it stops", d.log().split("\n")[-5:])
    r = d.ctl("status", ok=None)
    t.refused(r, "kursusctl with no daemon running: one line naming the "
              "socket", [d.sock])

    # --- restart on the same database: everything is still there
    d.start()
    after = snapshot(d, sid, first)
    for key in before:
        t.eq(after.get(key), before.get(key),
             "after restart: %s --json is unchanged" % key)

    # --- SIGKILL leaves a stale socket and pid file: the next start copes
    d.ctl("register", str(sid + 1), "--name", "Sidste Skrevne", "--phone",
          "60708090")
    d.proc.kill()
    d.proc.wait()
    d._forget()
    t.ok(os.path.exists(d.sock), "after SIGKILL the socket file is left")
    started = d.start(must=False)
    t.ok(started, "kursusd starts over a stale socket file")
    if started:
        t.ok("stale" in d.log(since_start=True).lower(),
             "the log says it removed the stale socket",
             d.log(since_start=True).split("\n"))
        r = d.ctl("registrations", str(sid + 1))
        t.eq([x.get("participant_name") for x in
              (r.out or {}).get("registrations") or []], ["Sidste Skrevne"],
             "a registration acknowledged before SIGKILL survives")
        pid = None
        try:
            with open(d.pidfile) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            pass
        t.eq(pid, d.proc.pid, "the stale pid file is replaced")
        p = d.proc
        p.send_signal(signal.SIGINT)
        try:
            rc = p.wait(15)
        except subprocess.TimeoutExpired:
            rc = None
        d.kill()
        t.eq(rc, 0, "SIGINT: exit status 0")

    # --- a regular file where the socket should be is not removed
    d3 = Daemon(t, dirname=t.tempdir())
    t._daemons.append(d3)
    write(d3.sock, "precious data, not a socket\n")
    p = d3.spawn()
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    d3.kill()
    with open(d3.sock) as f:
        kept = f.read() == "precious data, not a socket\n"
    t.ok(rc not in (0, None) and kept and d3.sock in d3.log(),
         "a regular file at the socket path: kursusd refuses to start "
         "(exit %s), names it, and leaves the file alone" % rc,
         d3.log().split("\n"))

    # --- the socket's directory: made if missing, refused if anyone may
    # write to it (someone could put their own socket there)
    d4 = Daemon(t, dirname=t.tempdir())
    t._daemons.append(d4)
    d4.sock = os.path.join(d4.dir, "run", "admin.sock")
    t.ok(d4.start(must=False) and os.path.isdir(os.path.dirname(d4.sock)),
         "a missing directory for the admin socket is created")
    d4.stop()
    open_dir = os.path.join(d4.dir, "open")
    os.mkdir(open_dir)
    os.chmod(open_dir, 0o777)
    d4.sock = os.path.join(open_dir, "admin.sock")
    p = d4.spawn()
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    d4.kill()
    t.ok(rc not in (0, None) and open_dir in d4.log(since_start=True) and
         not os.path.exists(d4.sock),
         "a socket directory writable by everyone (0777, no sticky bit): "
         "kursusd refuses to start (exit %s), naming it" % rc,
         d4.log(since_start=True).split("\n"))

    # --- SIGHUP: a broken file keeps the old configuration
    hdir = t.tempdir()
    conf = os.path.join(hdir, "kursusd.conf")
    write(conf, "[daemon]\ngo_no_go_hours = 48\n")
    h = t.daemon(dirname=hdir, config=conf)
    h.ctl("venue", "add", "v", "--name", "Sted")
    h.ctl("course", "add", "c", "--title", "Kursus", "--duration", "60",
          "--min", "3")
    soon = local_now() + datetime.timedelta(hours=30)
    r = h.ctl("session", "add", "--course", "c", "--venue", "v", "--start",
              soon.strftime("%Y-%m-%d %H:%M"))
    hs = ((r.out or {}).get("sessions") or [{}])[0].get("id")
    flag = lambda: (h.ctl("session", "show", str(hs)).out or {}).get(
        "go_no_go")
    t.eq(flag(), "below-minimum", "a session 30 h ahead below its minimum "
         "is flagged (go_no_go_hours 48)")
    r = h.ctl("session", "list", json=False)
    t.ok(r.rc == 0 and "UNDER MIN" in r.out,
         "session list (table) flags it UNDER MIN", r.describe())

    write(conf, "[daemon]\ngo_no_go_hours = 12\n")
    h.proc.send_signal(signal.SIGHUP)
    t.eq(wait_for(lambda: flag() == "ok" and "ok", 10), "ok",
         "SIGHUP with a good file: the new go_no_go_hours (12) is in effect")

    write(conf, "[daemon]\ngo_no_go_hours = 48\nthis is not a setting\n")
    mark = len(h.log())
    h.proc.send_signal(signal.SIGHUP)
    t.ok(wait_log(h, "SIGHUP", mark) and conf + ":3" in h.log()[mark:],
         "SIGHUP with a broken file: the log names file:line",
         h.log()[mark:].split("\n"))
    t.ok(h.running() and h.ctl("status", ok=None).rc == 0,
         "SIGHUP with a broken file: kursusd keeps running")
    t.eq(flag(), "ok", "SIGHUP with a broken file: the old configuration "
         "(go_no_go_hours 12) is kept")
    t.eq(h.stop(), 0, "SIGTERM after SIGHUPs: exit 0")

    inflight()
    background()


def connects(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(5)
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def inflight():
    """SIGTERM while a request is being received: kursusd stops accepting
    new connections but finishes the request it has (issue 2, section 2:
    "stop accepting, finish in-flight requests"). The client sends the
    headers with Expect: 100-continue, so it knows kursusd has read them
    before the signal is sent."""
    d = t.daemon()
    body = json.dumps({"slug": "sent-svar", "name": "Sent Svar"}).encode()
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(30)
    answer = b""
    try:
        c.connect(d.sock)
        c.sendall(b"POST /v1/venues HTTP/1.1\r\nHost: localhost\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Expect: 100-continue\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        cont = c.recv(100)
        t.ok(cont.startswith(b"HTTP/1.1 100"), "kursusd answers Expect: "
             "100-continue", [repr(cont)])
        c.sendall(body[:10])
        d.proc.send_signal(signal.SIGTERM)
        t.ok(wait_for(lambda: not connects(d.sock), 10),
             "after SIGTERM kursusd accepts no new connections")
        try:
            c.sendall(body[10:])
            while b"\r\n\r\n" not in answer:
                chunk = c.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except OSError as e:
            answer += repr(e).encode()
    finally:
        c.close()
    # SPEC: issue 2 section 2, "finish in-flight requests".
    t.ok(answer.startswith(b"HTTP/1.1 201"), "a request being received "
         "when SIGTERM came is finished (201) [issue 2: finish in-flight "
         "requests]", [repr(answer[:300])])
    t.eq(d.wait(), 0, "SIGTERM with a request in flight: exit 0")
    con_rows = dump_db(d.db).get("venue") or []
    t.eq([r[1] for r in con_rows], ["sent-svar"],
         "the in-flight venue was written before kursusd stopped")


def alive(pid):
    """True while pid runs (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False


def read_pid(*paths):
    """(pid, path) from the first of paths that holds one."""
    for path in paths:
        try:
            with open(path) as f:
                return int(f.read().strip()), path
        except (OSError, ValueError):
            pass
    return None, None


def background():
    """Without -f kursusd detaches; paths given relative on the command
    line mean relative to the directory it was started in (not to / where
    a daemon usually moves)."""
    tmp = t.tempdir()
    name = "kursustest-%d-%s" % (os.getpid(), os.urandom(4).hex())
    exts = (".db", ".db-wal", ".db-shm", ".db-journal", ".sock", ".pid",
            ".pid.tmp")
    # Where the files would land if the paths were taken relative to /.
    stray = [os.path.join("/", name + e) for e in exts]
    stray = [x for x in stray if not os.path.exists(x)]
    conf = os.path.join(tmp, "kursusd.conf")
    with open(conf, "w") as f:
        f.write("# empty\n")
    sock = os.path.join(tmp, name + ".sock")
    pidfile = os.path.join(tmp, name + ".pid")
    argv = [KURSUSD, "-c", conf, "-d", name + ".db",
            "-o", "admin.socket=%s.sock" % name,
            "-o", "daemon.pidfile=%s.pid" % name,
            "-o", "public.listen=127.0.0.1:%d" % free_port()] + as_user()
    pid = None
    try:
        p = subprocess.Popen(argv, cwd=tmp, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=30)
        t.ok(p.returncode == 0, "kursusd without -f: the starting process "
             "exits 0", ["exit %s" % p.returncode, repr(out), repr(err)])
        up = wait_for(lambda: os.path.exists(sock) and run_ctl(
            None, ["--socket", sock], ["status"], ok=None,
            timeout=5).rc == 0, 10)
        pid, where = read_pid(pidfile, os.path.join("/", name + ".pid"))
        # SPEC: -d and -o paths are the user's; a relative one is relative
        # to where kursusd was started, also when it detaches.
        t.ok(up, "kursusd without -f, relative -d/admin.socket/pidfile: "
             "it answers on the socket in the directory it was started in",
             ["files in %s: %r" % (tmp, sorted(os.listdir(tmp))),
              "files left in /: %r" % [x for x in stray
                                       if os.path.exists(x)]])
        t.ok(not [x for x in stray if os.path.exists(x)],
             "kursusd without -f writes nothing to / for relative paths",
             [x for x in stray if os.path.exists(x)])
        t.ok(pid is not None and pid != p.pid and alive(pid),
             "kursusd without -f: it keeps running detached, its pid in "
             "a pid file", ["pid %r from %s, launcher %d" % (pid, where,
                                                             p.pid)])
        if pid is not None and alive(pid):
            os.kill(pid, signal.SIGTERM)
            gone = wait_for(lambda: not alive(pid), 15)
            t.ok(gone and not os.path.exists(where),
                 "detached kursusd: SIGTERM stops it and removes the pid file")
    finally:
        if pid is not None and alive(pid):
            os.kill(pid, signal.SIGKILL)
        for x in stray:
            try:
                os.unlink(x)
            except OSError:
                pass


t.run(main)
