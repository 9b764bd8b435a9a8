"""
kursustest: a small harness for kursusd's integration tests.

Each test script starts the real daemon ($KURSUS_BUILDDIR/daemon/kursusd)
on a fresh temporary directory, drives it with the real CLI
($KURSUS_BUILDDIR/cli/kursusctl) and judges the answers itself: JSON output
is parsed with the json module, the database is read with sqlite3 opened
read-only. Output is TAP for automake's tap-driver.sh:

    from kursustest import Tap
    t = Tap()

    def main():
        d = t.daemon()
        rc, out, err = d.ctl("status")
        t.eq(out["api_version"], 1, "status: api_version is 1")

    t.run(main)

A failing check prints "not ok" with diagnostics and the script goes on;
an exception ends the script with a "not ok" holding the traceback. The
plan is printed at the end, so a script that dies half-way is reported by
the driver as an error rather than as a short pass. Every daemon started
through the harness is stopped, and every temporary directory removed, at
the end of the run whatever happened (set KURSUS_KEEP=1 to keep them).

Only the standard library is used.
"""

import datetime
import http.client
import json as jsonlib
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
import urllib.parse

BUILDDIR = os.environ.get("KURSUS_BUILDDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SRCDIR = os.environ.get("KURSUS_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
KURSUSD = os.path.join(BUILDDIR, "daemon", "kursusd")
KURSUSCTL = os.path.join(BUILDDIR, "cli", "kursusctl")
FIXTURES = os.path.join(SRCDIR, "tests", "integration", "fixtures")

# Generous limits: the suite must pass on a loaded two-core machine.
START_TIMEOUT = float(os.environ.get("KURSUS_START_TIMEOUT", "10"))
STOP_TIMEOUT = 15.0
CMD_TIMEOUT = 60.0
# kursusctl status: it answered, and something needs attention.
EXIT_ATTENTION = 3

ZONE = "Europe/Copenhagen"

# Started as root, kursusd runs as [daemon] user. The tests lend it the
# system's nobody and nogroup (they make no users of their own) and give
# it their temporary directories; started by anyone else it stays who it
# is and these are not used.
# The library the test daemons speak for, in the configuration file every
# Daemon gets unless told otherwise (a library sets [library] once; the
# messages say which library sent them and how to reach it). Tests of
# what kursusd says when it is missing give a file of their own.
LIBRARY_NAME = "Horsens Bibliotek"
LIBRARY_PHONE = "+4576292300"        # as kursusd keeps it (E.164)
LIBRARY_EMAIL = "kurser@horsens-bibliotek.example"
LIBRARY_URL = "https://horsens-bibliotek.example"
LIBRARY_CONF = """[library]
name = %s
phone = 76 29 23 00
email = %s
url = %s
""" % (LIBRARY_NAME, LIBRARY_EMAIL, LIBRARY_URL)

RUN_USER = "nobody"
RUN_GROUP = "nogroup"


class Fatal(Exception):
    """Going on makes no sense (for example the daemon did not start)."""


# --------------------------------------------------------------------------
# small helpers


_random = random.SystemRandom()


def free_port():
    """A TCP port on 127.0.0.1 that nothing is bound to: picked at random
    below the kernel's ephemeral range and checked by binding it. A port
    the kernel picked (bind to 0) lies in that range, where the kernel may
    give it to a client socket of a test running beside this one before
    the server meant for it binds it (bearerbox then cannot start)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(100 if low > 11024 else 0):
        port = _random.randrange(10000, low)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def display_width(text):
    """Terminal columns taken by text (wide East Asian characters count
    two, combining marks none)."""
    w = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def display_col(line, substring):
    """Display column at which substring starts in line, or None."""
    i = line.find(substring)
    if i < 0:
        return None
    return display_width(line[:i])


def as_user():
    """The -o options a test daemon is started with: when the tests run
    as root, the user and group it is to run as; otherwise none."""
    if os.geteuid() != 0:
        return []
    return ["-o", "daemon.user=" + RUN_USER, "-o", "daemon.group=" + RUN_GROUP]


def run_ids():
    """(uid, gid) a test daemon runs as when the tests run as root."""
    import grp
    import pwd
    return pwd.getpwnam(RUN_USER).pw_uid, grp.getgrnam(RUN_GROUP).gr_gid


def give(path):
    """Running as root: give path, and everything under it, to the user
    test daemons run as, so that files a test wrote for the daemon (a
    database, a password file) are the daemon's. Otherwise nothing."""
    if os.geteuid() != 0 or not os.path.exists(path):
        return
    uid, gid = run_ids()
    os.lchown(path, uid, gid)
    if os.path.isdir(path) and not os.path.islink(path):
        for top, dirs, files in os.walk(path):
            for name in dirs + files:
                os.lchown(os.path.join(top, name), uid, gid)


def wait_for(predicate, timeout, interval=0.05):
    """Poll predicate until it returns something true or timeout passes;
    return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)


def proc_status(pid):
    """/proc/PID/status as {field: [its words]}; {} once pid is gone."""
    fields = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                fields[k] = v.split()
    except OSError:
        pass
    return fields


def status_kb(pid, field):
    """A size of /proc/PID/status (VmRSS, VmHWM) in kB, or None."""
    v = proc_status(pid).get(field)
    return int(v[0]) if v else None


def open_files(pid):
    """What pid's open file descriptors name (/proc/PID/fd's links)."""
    out = []
    fds = "/proc/%d/fd" % pid
    for fd in os.listdir(fds):
        try:
            out.append(os.readlink(os.path.join(fds, fd)))
        except OSError:
            pass
    return out


def secret_file(d, name, text):
    """A secret file name in directory d, mode 0600, holding text and a
    newline: its path."""
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text + "\n")
    os.chmod(p, 0o600)
    return p


def refuse_writes(db, name, event, on, why="refused by the test"):
    """While on, the write named by event (e.g. "BEFORE INSERT ON
    outbox_text") fails with why: a trigger called name, made by SQLite
    alone on the database file; off drops it."""
    con = sqlite3.connect(db, timeout=30)
    try:
        if on:
            con.execute("CREATE TRIGGER %s %s BEGIN SELECT RAISE(ABORT, "
                        "'%s'); END" % (name, event, why))
        else:
            con.execute("DROP TRIGGER %s" % name)
        con.commit()
    finally:
        con.close()


def db_rows(db, sql, params=()):
    """The rows sql selects from database file db (with params), read by
    SQLite alone, opened read-only."""
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(db))
    con = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


class Lock:
    """Another program holding db's write lock until release()."""

    def __init__(self, db):
        self.con = sqlite3.connect(db, timeout=30, isolation_level=None)
        self.con.execute("BEGIN IMMEDIATE")
        self.at = time.monotonic()

    def release(self, after=0):
        """Lets go once it was held after seconds."""
        left = self.at + after - time.monotonic()
        if left > 0:
            time.sleep(left)
        self.con.execute("ROLLBACK")
        self.con.close()


def dump_db(path):
    """Every row of every table, opened read-only: {table: [row, ...]} with
    rows sorted, plus the schema version. Used to prove nothing was
    written."""
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path))
    con = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        out = {}
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "ORDER BY name")]
        for name in tables:
            rows = con.execute('SELECT * FROM "%s"' % name.replace('"', '""'))
            out[name] = sorted((tuple(r) for r in rows), key=repr)
        out["#user_version"] = con.execute("PRAGMA user_version").fetchone()
        return out
    finally:
        con.close()


def diff_dumps(before, after):
    """Lines describing how two dump_db() results differ (empty: same)."""
    lines = []
    for table in sorted(set(before) | set(after)):
        a, b = before.get(table), after.get(table)
        if a == b:
            continue
        if a is None or b is None:
            lines.append("table %s %s" % (table,
                         "appeared" if a is None else "disappeared"))
            continue
        sa, sb = set(a), set(b)
        for row in sorted(sa - sb, key=repr)[:5]:
            lines.append("%s: - %r" % (table, row))
        for row in sorted(sb - sa, key=repr)[:5]:
            lines.append("%s: + %r" % (table, row))
    return lines


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over an AF_UNIX stream socket."""

    def __init__(self, path, timeout=CMD_TIMEOUT):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Response:
    """A raw HTTP answer: status, headers (lower-case names), body bytes and
    the body parsed as JSON (None if it is not JSON)."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = jsonlib.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.json = None

    def __repr__(self):
        return "<HTTP %d %r>" % (self.status, self.body[:300])


def http_request(conn, method, path, body=None, headers=None):
    """Send one request on an http.client connection; return a Response.
    body may be bytes, str, or any other value (sent as JSON)."""
    hdrs = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = jsonlib.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body is not None:
        hdrs.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in
                                   r.getheaders()}, data)
    finally:
        conn.close()


def unix_request(sock_path, method, path, body=None, headers=None):
    return http_request(UnixHTTPConnection(sock_path), method, path, body,
                        headers)


def tcp_request(port, method, path, body=None, headers=None, host="127.0.0.1"):
    return http_request(http.client.HTTPConnection(host, port,
                        timeout=CMD_TIMEOUT), method, path, body, headers)


def raw_http(port, data, host="127.0.0.1", timeout=10.0):
    """Send data (bytes: a whole request, with "Connection: close") on a
    new TCP connection and read until the server closes it. Returns a
    Response whose body is every byte after the header block, exactly as
    sent (so a HEAD answer must have an empty one), with .timed_out set
    when the server kept the connection open past timeout; None when no
    header block came back. http.client hides the body of a HEAD answer,
    hence this."""
    s = socket.create_connection((host, port), timeout=timeout)
    chunks, timed_out = [], False
    try:
        s.sendall(data)
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                timed_out = True
                break
            if not b:
                break
            chunks.append(b)
    finally:
        s.close()
    raw = b"".join(chunks)
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("iso-8859-1").split("\r\n")
    try:
        status = int(lines[0].split(" ")[1])
    except (IndexError, ValueError):
        return None
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    r = Response(status, headers, body)
    r.timed_out = timed_out
    return r


# --------------------------------------------------------------------------
# kursusctl


class Result(tuple):
    """(exit code, parsed JSON or text, stderr) with names as well."""

    def __new__(cls, rc, out, err, argv, stdout):
        self = super().__new__(cls, (rc, out, err))
        self.rc, self.out, self.err = rc, out, err
        self.argv, self.stdout = argv, stdout
        return self

    def describe(self):
        lines = ["command: %s" % " ".join(quote_arg(a) for a in self.argv),
                 "exit: %s" % self.rc]
        if self.stdout.strip():
            lines.append("stdout:")
            lines.extend("  " + l for l in self.stdout.rstrip().split("\n")
                         [:40])
        if self.err.strip():
            lines.append("stderr:")
            lines.extend("  " + l for l in self.err.rstrip().split("\n")[:20])
        return lines


def quote_arg(a):
    if a and all(c.isalnum() or c in "-_./:=,@+" for c in a):
        return a
    return "'" + a.replace("'", "'\\''") + "'"


def run_ctl(t, conn_args, args, json=True, ok=True, env=None, stdin=None,
            timeout=CMD_TIMEOUT):
    """Run kursusctl CONN_ARGS ARGS [--json]. ok=True: the command must exit
    0 (a failure is reported as a failed check); ok=False: it must fail with
    a message on stderr; ok=None: no check. Returns a Result."""
    argv = [KURSUSCTL] + list(conn_args) + [str(a) for a in args]
    if json:
        argv.append("--json")
    e = dict(os.environ)
    e.pop("KURSUS_SOCKET", None)
    # kursusctl shows instants in the local zone: the tests' zone.
    e["TZ"] = ZONE
    # English, whatever the machine's locale, unless env says otherwise
    # (danish_env()).
    e["LC_ALL"] = "C.UTF-8"
    e.pop("LANGUAGE", None)
    if env:
        e.update(env)
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True,
                           timeout=timeout, env=e)
        rc = p.returncode
        stdout = p.stdout.decode("utf-8", "replace")
        stderr = p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as ex:
        rc = None
        stdout = (ex.stdout or b"").decode("utf-8", "replace")
        stderr = "(timed out after %ss) " % timeout + \
            (ex.stderr or b"").decode("utf-8", "replace")
    out = stdout
    if json and (rc == 0 or (rc == EXIT_ATTENTION and stdout.strip())):
        try:
            out = jsonlib.loads(stdout)
        except ValueError:
            out = None
            if t is not None:
                t.ok(False, "kursusctl %s --json prints JSON" %
                     " ".join(str(a) for a in args[:2]),
                     Result(rc, out, stderr, argv, stdout).describe())
    elif json:
        out = None
    res = Result(rc, out, stderr, argv, stdout)
    if t is not None and ok is not None:
        name = "kursusctl %s" % " ".join(quote_arg(str(a)) for a in args)
        if len(name) > 110:
            name = name[:107] + "..."
        if ok and rc != 0:
            t.ok(False, name + " succeeds", res.describe())
        elif not ok and (rc == 0 or rc is None):
            t.ok(False, name + " fails", res.describe())
    return res


# --------------------------------------------------------------------------
# the daemon


class Daemon:
    """One kursusd in the foreground on its own temporary directory.

    d = t.daemon(extra=["admin.max_failures=3"]) starts it and waits until
    `kursusctl status` answers. d.ctl(...) runs kursusctl against it,
    d.request(...) sends raw HTTP over its unix socket, d.stop() sends
    SIGTERM and returns the exit status."""

    def __init__(self, t, extra=(), dirname=None, db=None, config=None,
                 public_port=None, holidays=False, env=None):
        self.t = t
        self.env = env          # the whole environment, or None: ours
        self.dir = dirname or t.tempdir()
        self.db = db or os.path.join(self.dir, "kursusd.db")
        self.sock = os.path.join(self.dir, "admin.sock")
        self.pidfile = os.path.join(self.dir, "kursusd.pid")
        self.logfile = os.path.join(self.dir, "kursusd.log")
        self.public_port = public_port or free_port()
        # The tests run on any day of the year and pick their days from
        # today: the built-in holidays would make some days refuse them.
        # A test of the holidays asks for them (holidays=True) and picks
        # its dates itself.
        self.extra = ([] if holidays else ["calendar.holidays=none"]) + \
            list(extra)
        if config is None:
            # A file of its own, so that an installed /etc config is not
            # read: the library, everything else set with -o.
            config = os.path.join(self.dir, "kursusd.conf")
            if not os.path.exists(config):
                with open(config, "w") as f:
                    f.write("# kursustest: the library; everything else "
                            "is set with -o\n" + LIBRARY_CONF)
        self.config = config
        self.proc = None
        self.exit_status = None
        self._log_offset = 0

    def argv(self):
        # public.url and feeds.key_file by default: the listener's address,
        # and feeds.key beside the database.
        a = [KURSUSD, "-f", "-c", self.config, "-d", self.db,
             "-o", "admin.socket=" + self.sock,
             "-o", "daemon.pidfile=" + self.pidfile,
             "-o", "public.listen=127.0.0.1:%d" % self.public_port]
        a += as_user()
        for o in self.extra:
            a += ["-o", o]
        return a

    def spawn(self, argv=None, give_dirs=True, stderr=None, env=None):
        """Start the process without waiting for it to answer. Running as
        root, its directories are given to it first (give_dirs). Its
        output goes to its log file, or to the descriptor stderr."""
        if give_dirs:
            give(self.dir)
            give(os.path.dirname(self.db))
        with open(self.logfile, "ab") as log:
            self._log_offset = log.tell()
            out = log if stderr is None else stderr
            self.proc = subprocess.Popen(
                argv or self.argv(), stdin=subprocess.DEVNULL, stdout=out,
                stderr=out, env=env, preexec_fn=_die_with_parent)
        self.exit_status = None
        self.t._running.append(self)
        return self.proc

    def start(self, must=True, give_dirs=True):
        """Start and wait until `kursusctl status` answers. If it does not,
        report the log; with must=True stop the script (Fatal)."""
        self.spawn(give_dirs=give_dirs, env=self.env)
        if wait_for(self._answers, START_TIMEOUT, 0.05) == "up":
            return True
        why = ("exited with status %s" % self.proc.returncode
               if self.proc.poll() is not None else
               "did not answer within %gs" % START_TIMEOUT)
        self.t.diag("kursusd %s" % why)
        self.t.diag("command: " + " ".join(quote_arg(a) for a in
                                           self.argv()))
        self.t.diag_lines(self.log(since_start=True))
        self.kill()
        if must:
            raise Fatal("kursusd did not start: " + why)
        return False

    def _answers(self):
        if self.proc.poll() is not None:
            return "exited"
        try:
            r = run_ctl(None, ["--socket", self.sock], ["status"], json=True,
                        ok=None, timeout=5)
        except OSError:
            return False
        return "up" if r.rc in (0, EXIT_ATTENTION) else False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        """Send sig (SIGTERM) and wait; return the exit status (None if it
        had to be killed)."""
        if self.proc is None:
            return self.exit_status
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.t.diag("kursusd did not stop within %gs; killing it" %
                            STOP_TIMEOUT)
                self.proc.kill()
                self.proc.wait()
                self.exit_status = None
                self._forget()
                return None
        self.exit_status = self.proc.returncode
        self._forget()
        return self.exit_status

    def wait(self, timeout=STOP_TIMEOUT):
        """Wait for an exit already under way (a signal sent by the test);
        return the exit status, or None (then killed) on timeout."""
        if self.proc is None:
            return self.exit_status
        try:
            self.proc.wait(timeout)
            self.exit_status = self.proc.returncode
        except subprocess.TimeoutExpired:
            self.t.diag("kursusd did not exit within %gs; killing it" %
                        timeout)
            self.proc.kill()
            self.proc.wait()
            self.exit_status = None
        self._forget()
        return self.exit_status

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._forget()

    def _forget(self):
        if self in self.t._running:
            self.t._running.remove(self)

    def restart(self):
        rc = self.stop()
        self.start()
        return rc

    def log(self, since_start=False):
        try:
            with open(self.logfile, "rb") as f:
                if since_start:
                    f.seek(self._log_offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def ctl(self, *args, json=True, ok=True, env=None, stdin=None,
            timeout=CMD_TIMEOUT):
        return run_ctl(self.t, ["--socket", self.sock], args, json=json,
                       ok=ok, env=env, stdin=stdin, timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        return unix_request(self.sock, method, path, body, headers)

    def dump(self):
        return dump_db(self.db)


class AdminAPI:
    """JSON over one daemon's admin socket, at /v1 + path; a status other
    than the wanted one is a failed check of the daemon's Tap (its
    description led by name, when there is one) and None is returned.
    citizen.API and test_sending's API add their set-ups to it."""

    def __init__(self, d, name=None):
        self.d = d
        self.t = d.t
        self.name = name

    def __call__(self, method, path, body=None, want=(200, 201)):
        r = self.d.request(method, "/v1" + path, body)
        if r.status not in want:
            desc = "%s %s answers %s" % (method, path, want)
            self.t.ok(False, "%s: %s" % (self.name, desc) if self.name
                      else desc, ["got %d %s" % (r.status, r.body[:500])])
            return None
        return r.json

    def register(self, sid, person, new=False):
        """new: a new participant even when another has the phone."""
        body = {"participant": person}
        if new:
            body["new_participant"] = True
        return self("POST", "/sessions/%d/registrations" % sid, body)


def ctl_together(sock, arglists, timeout=90):
    """Runs one kursusctl --socket SOCK ARGS --json per list in arglists,
    all released at once (each waits in a shell on its stdin until all
    exist). Returns [(exit status, parsed JSON or None, stderr)]."""
    env = dict(os.environ)
    env.pop("KURSUS_SOCKET", None)
    procs = []
    for args in arglists:
        argv = ["/bin/sh", "-c", 'read go && exec "$0" "$@"', KURSUSCTL,
                "--socket", sock] + [str(a) for a in args] + ["--json"]
        procs.append(subprocess.Popen(argv, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, env=env))
    for p in procs:
        p.stdin.write(b"go\n")
        p.stdin.flush()
    for p in procs:
        p.stdin.close()
        p.stdin = None
    results = []
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            out, err = p.communicate(timeout=max(1, deadline -
                                                 time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            err += b" (timed out)"
        try:
            reg = jsonlib.loads(out.decode("utf-8"))
        except ValueError:
            reg = None
        results.append((p.returncode, reg, err.decode("utf-8", "replace")))
    return results


def _die_with_parent():
    """In the child: get SIGTERM when the test script dies, so that no
    daemon outlives a killed test run (Linux; ignored elsewhere)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except Exception:
        pass


# --------------------------------------------------------------------------
# TAP


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = []
        self._running = []
        self._dirs = []
        self._daemons = []
        sys.stdout.reconfigure(line_buffering=True)

    # --- output
    def _emit(self, line):
        sys.stdout.write(line + "\n")

    def diag(self, msg):
        for line in str(msg).split("\n"):
            self._emit("# " + line if line else "#")

    def diag_lines(self, text, limit=80):
        lines = text.rstrip("\n").split("\n") if text.strip() else []
        if len(lines) > limit:
            self.diag("... (%d earlier lines)" % (len(lines) - limit))
            lines = lines[-limit:]
        for line in lines:
            self.diag("  | " + line)

    # --- checks
    def ok(self, cond, desc, diag=None):
        """One test point. diag: a string or list of lines printed on
        failure. Returns bool(cond)."""
        self.n += 1
        desc = " ".join(str(desc).split()).replace("#", "\\#")
        if cond:
            self._emit("ok %d - %s" % (self.n, desc))
        else:
            self._emit("not ok %d - %s" % (self.n, desc))
            self.failed.append((self.n, desc))
            if diag is not None:
                if isinstance(diag, (list, tuple)):
                    for line in diag:
                        self.diag("  " + str(line))
                else:
                    self.diag("  " + str(diag).replace("\n", "\n  "))
        return bool(cond)

    def eq(self, got, want, desc, diag=None):
        lines = ["got:  %r" % (got,), "want: %r" % (want,)]
        if diag:
            lines += diag if isinstance(diag, list) else [diag]
        return self.ok(got == want, desc, lines)

    def ctl_ok(self, res, desc):
        """A check that a kursusctl Result exited 0."""
        return self.ok(res.rc == 0, desc, res.describe())

    def refused(self, res, desc, words=(), lines=1):
        """kursusctl failed: non-zero exit, nothing on stdout, exactly one
        line on stderr that mentions every word in words (any case)."""
        errlines = [l for l in res.err.split("\n") if l.strip()]
        problems = []
        if res.rc == 0 or res.rc is None:
            problems.append("exit status %s, want non-zero" % res.rc)
        if lines is not None and len(errlines) != lines:
            problems.append("%d lines on stderr, want %d" %
                            (len(errlines), lines))
        low = res.err.lower()
        for w in words:
            if w.lower() not in low:
                problems.append("stderr does not mention %r" % w)
        return self.ok(not problems, desc, problems + res.describe())

    def skip(self, desc, why):
        self.n += 1
        self._emit("ok %d - %s # SKIP %s" % (self.n, desc, why))

    # --- resources
    def tempdir(self):
        """A new directory, removed at the end; the daemons' (give())."""
        d = tempfile.mkdtemp(prefix="kursustest-")
        self._dirs.append(d)
        give(d)
        return d

    def daemon(self, extra=(), start=True, **kw):
        d = Daemon(self, extra=extra, **kw)
        self._daemons.append(d)
        if start:
            d.start()
        return d

    # --- the run
    def run(self, main):
        status = 0
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            main()
        except Fatal as e:
            self.ok(False, "cannot go on: %s" % e)
        except KeyboardInterrupt:
            self.ok(False, "interrupted")
            status = 2
        except Exception:
            self.ok(False, "unexpected exception in the test script",
                    traceback.format_exc().rstrip().split("\n"))
        finally:
            self._cleanup()
        self._emit("1..%d" % self.n)
        passed = self.n - len(self.failed)
        self._emit("# %d passed, %d failed" % (passed, len(self.failed)))
        for n, desc in self.failed:
            self._emit("#   failed %d - %s" % (n, desc))
        if status == 0 and self.failed and "AM_TAP_AWK" not in os.environ:
            # Run by hand: say so in the exit status. Under automake's
            # tap-driver the "not ok" lines already count; a non-zero exit
            # would add an ERROR for the same failures.
            status = 1
        sys.exit(status)

    def _cleanup(self):
        for d in list(self._running):
            try:
                d.kill()
            except Exception:
                pass
        if self.failed:
            for d in self._daemons:
                text = d.log()
                if text.strip():
                    self.diag("kursusd log (%s):" % d.logfile)
                    self.diag_lines(text, 60)
        if os.environ.get("KURSUS_KEEP"):
            for d in self._dirs:
                self.diag("kept %s" % d)
            return
        for d in self._dirs:
            shutil.rmtree(d, ignore_errors=True)


def _raise_interrupt(signo, frame):
    raise KeyboardInterrupt()


# --------------------------------------------------------------------------
# times


DANISH_LOCALE = "da_DK.UTF-8"


def danish_env():
    """The environment in which kursusctl speaks Danish: LANG=da_DK.UTF-8
    (made with localedef when the machine lacks it, as root; the Debian
    package locales gives localedef and the sources, dev/deps installs it).
    Returns (env, None), or (None, why) when the locale cannot be had."""
    def have():
        try:
            out = subprocess.run(["locale", "-a"], capture_output=True,
                                 text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return False
        return any(n.lower().replace("-", "") == "da_dk.utf8"
                   for n in out.split())
    if not have():
        if shutil.which("localedef") is None:
            return None, ("localedef is missing: install the Debian "
                          "package locales (dev/deps)")
        try:
            p = subprocess.run(["localedef", "-i", "da_DK", "-f", "UTF-8",
                                DANISH_LOCALE], capture_output=True,
                               text=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as e:
            return None, "localedef failed: %s" % e
        if not have():
            return None, ("%s could not be generated (localedef: %s; as "
                          "root with the Debian package locales it can)" %
                          (DANISH_LOCALE, (p.stderr or "").strip()[:200]))
    return {"LANG": DANISH_LOCALE, "LC_ALL": "", "LC_MESSAGES": "",
            "LANGUAGE": ""}, None


def zone():
    from zoneinfo import ZoneInfo
    return ZoneInfo(ZONE)


DA_WEEKDAYS = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag",
               "søndag"]
DA_MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli",
             "august", "september", "oktober", "november", "december"]


def da_when(dt):
    """"torsdag den 3. december kl. 10.00" for an aware datetime, in the
    tests' zone, written out here so that messages are judged without
    kursusd's own code."""
    dt = dt.astimezone(zone())
    return "%s den %d. %s kl. %02d.%02d" % (
        DA_WEEKDAYS[dt.weekday()], dt.day, DA_MONTHS[dt.month - 1],
        dt.hour, dt.minute)


def _span_days(start, end):
    """The days from start's to end's, in the zone; a session that ends
    at the midnight after its day ends that day (its end is "24.00")."""
    s, e = start.astimezone(zone()), end.astimezone(zone())
    days = (e.date() - s.date()).days
    if days == 1 and e.hour == 0 and e.minute == 0:
        return 0, 24
    return days, e.hour


def da_span(start, end):
    """"torsdag den 3. december kl. 10.00–11.30", as notifier/words.c
    words_when(); "... kl. 22.30 til fredag den 4. december kl. 00.30"
    for one that ends on a later day."""
    days, hour = _span_days(start, end)
    if days != 0:
        return "%s til %s" % (da_when(start), da_when(end))
    e = end.astimezone(zone())
    return "%s\u2013%02d.%02d" % (da_when(start), hour, e.minute)


EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
               "Saturday", "Sunday"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December"]


def en_when(dt):
    """"Thursday 3 December at 10:00", as da_when()."""
    dt = dt.astimezone(zone())
    return "%s %d %s at %02d:%02d" % (
        EN_WEEKDAYS[dt.weekday()], dt.day, EN_MONTHS[dt.month - 1],
        dt.hour, dt.minute)


def en_span(start, end):
    """"Thursday 3 December, 10:00–11:30", as da_span()."""
    days, hour = _span_days(start, end)
    if days != 0:
        return "%s to %s" % (en_when(start), en_when(end))
    s, e = start.astimezone(zone()), end.astimezone(zone())
    return "%s %d %s, %02d:%02d\u2013%02d:%02d" % (
        EN_WEEKDAYS[s.weekday()], s.day, EN_MONTHS[s.month - 1], s.hour,
        s.minute, hour, e.minute)


def da_phone(e164):
    """"76 29 23 00" for "+4576292300": a Danish number as Danes write
    it."""
    d = e164[3:]
    return " ".join(d[i:i + 2] for i in range(0, 8, 2))


def en_phone(e164):
    """"+45 76 29 23 00": a Danish number for a reader abroad."""
    return "+45 " + da_phone(e164)


def big_ics(prefix, n, first, extra=None):
    """An .ics file of n single events from day first on, 48 a day;
    extra (a line) in the last one: a large import (or export)."""
    filler = ("Kom og lær at bruge MitID, Digital Post og borger.dk på din "
              "egen telefon sammen med bibliotekets digitale ambassadører")
    out = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//DA\r\n"]
    for i in range(n):
        day = first + datetime.timedelta(days=i // 48)
        mins = 8 * 60 + (i % 48) * 15
        start = "%sT%02d%02d00" % (day.strftime("%Y%m%d"), mins // 60,
                                   mins % 60)
        end = "%sT%02d%02d00" % (day.strftime("%Y%m%d"), (mins + 90) // 60,
                                 (mins + 90) % 60)
        out.append(
            "BEGIN:VEVENT\r\nUID:%s-%d@example.dk\r\n"
            "DTSTAMP:20260101T000000Z\r\n"
            "DTSTART;TZID=Europe/Copenhagen:%s\r\n"
            "DTEND;TZID=Europe/Copenhagen:%s\r\n"
            "SUMMARY:Kursus %d\r\nDESCRIPTION:%s\r\n%sEND:VEVENT\r\n" % (
                prefix, i, start, end, i, filler[:60],
                extra + "\r\n" if extra and i == n - 1 else ""))
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode("utf-8")


def export_setup(t, d, n, first, course="kursus"):
    """Sessions to export: venues "lille" (three weekly sessions from day
    first) and "stor" (n imported from big_ics()), one course type."""
    for slug in ("lille", "stor"):
        d.ctl("venue", "add", slug, "--name", "Bibliotek " + slug)
    d.ctl("course", "add", course, "--title", "Kursus", "--duration", "90m",
          "--capacity", "8")
    d.ctl("session", "add", "--course", course, "--venue", "lille",
          "--start", "%s 10:00" % first.isoformat(), "--weekly", "3")
    r = d.request("POST", "/v1/import?venue=stor&course=%s" % course,
                  big_ics("stor", n, first),
                  {"Content-Type": "text/calendar"})
    t.ok(r.status == 200 and len((r.json or {}).get("created", [])) == n,
         "%d sessions imported to export" % n, [repr(r)[:300]])


def fetch_while(port, path, run):
    """GETs path on the public door, one connection, again and again while
    run() runs on a thread of its own: [(when, status)] of each answer."""
    import threading

    times = []
    th = threading.Thread(target=run)
    th.start()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while th.is_alive():
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        times.append((time.monotonic(), r.status))
    c.close()
    th.join()
    return times


def local_now():
    import datetime
    return datetime.datetime.now(zone())


def next_weekday(date, weekday):
    """The first date on or after date that falls on weekday (0 Monday)."""
    import datetime
    return date + datetime.timedelta(days=(weekday - date.weekday()) % 7)


def dst_changes(after, count=2):
    """The next count UTC-offset changes in the zone after the given
    aware datetime: [(last local date before, first date after, old offset,
    new offset)], found day by day at noon."""
    import datetime
    z = zone()
    out = []
    d = after.date()
    prev = datetime.datetime.combine(d, datetime.time(12), z).utcoffset()
    for _ in range(800):
        d2 = d + datetime.timedelta(days=1)
        off = datetime.datetime.combine(d2, datetime.time(12), z).utcoffset()
        if off != prev:
            out.append((d, d2, prev, off))
            if len(out) == count:
                break
        d, prev = d2, off
    return out
