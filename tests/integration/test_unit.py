"""
kursusd as a systemd service, without a running systemd:

  verify    the built units (kursusd.service, kursusd-backup.service and
            .timer) pass `systemd-analyze verify` with nothing said, and
            say what the service needs: Type=notify, its user, its state,
            runtime and configuration directories, SIGHUP on reload, no
            capabilities; the timer runs nightly, Persistent=, with a
            random delay;
  exposure  `systemd-analyze security --offline=true` rates each service
            at 2.0 or lower (skipped, saying so, without systemd-analyze
            or without --offline);
  notify    kursusd started with NOTIFY_SOCKET naming a datagram socket of
            this script's (a path, then an abstract "@" address) sends
            READY=1 from its own pid only when the admin socket and the
            public listener answer; RELOADING=1 (with MONOTONIC_USEC) and
            READY=1 around SIGHUP; STOPPING=1 on SIGTERM, then exits 0. A
            kursusd that cannot listen says nothing and exits; a
            NOTIFY_SOCKET that is no socket address is logged and kursusd
            serves all the same;
  install   `make install DESTDIR=...` puts kursusd.conf in
            $(sysconfdir)/kursusd/ (where kursusd and kursusctl look for
            it) and the units in the configured unit directory under the
            prefix; the installed units verify too.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

from kursustest import (BUILDDIR, CMD_TIMEOUT, KURSUSCTL, KURSUSD,
                        START_TIMEOUT, Tap, UnixHTTPConnection, http_request)

t = Tap()

UNITS = ["kursusd.service", "kursusd-backup.service", "kursusd-backup.timer"]
SERVICES = ["kursusd.service", "kursusd-backup.service"]
MAX_EXPOSURE = 2.0
# A daemon that said READY=1 answers a status request well within this,
# even on a loaded machine under a sanitizer.
READY_ANSWER = 3.0
ANALYZE = shutil.which("systemd-analyze")
NO_ANALYZE = ("systemd-analyze is not installed (Debian package systemd, "
              "in dev/deps)")


def unit_path(name):
    """A unit as the build made it: from systemd/NAME.in, or the source's
    own file for the timer."""
    built = os.path.join(BUILDDIR, "systemd", name)
    if os.path.exists(built):
        return built
    src = os.environ.get("KURSUS_SRCDIR") or BUILDDIR
    return os.path.join(src, "systemd", name)


def parse_unit(path):
    """{section: [(key, value), ...]} in order; repeated keys kept."""
    out, section = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                out.setdefault(section, [])
                continue
            k, _, v = line.partition("=")
            out.setdefault(section, []).append((k.strip(), v.strip()))
    return out


def values(unit, section, key):
    return [v for k, v in unit.get(section, []) if k == key]


def one(unit, section, key):
    v = values(unit, section, key)
    return v[-1] if v else None


def make_key(line_key, text):
    """The value of "KEY = value" in a Makefile's text."""
    m = re.search(r"^%s = ?(.*)$" % re.escape(line_key), text, re.M)
    return m.group(1).strip() if m else None


def staged(units, dest, exec_from=None, exec_to=None):
    """Copies units into dest, pointing ExecStart= at a file that exists
    here (verify checks that the command is executable)."""
    os.makedirs(dest, exist_ok=True)
    out = []
    for src in units:
        with open(src, encoding="utf-8") as f:
            text = f.read()
        if exec_from is not None:
            text = text.replace("ExecStart=" + exec_from,
                                "ExecStart=" + exec_to)
        p = os.path.join(dest, os.path.basename(src))
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        out.append(p)
    return out


def analyze(*args, cwd=None):
    p = subprocess.run([ANALYZE] + list(args), capture_output=True,
                       timeout=120, cwd=cwd)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def verify(paths, what):
    if ANALYZE is None:
        t.skip("%s: systemd-analyze verify" % what, NO_ANALYZE)
        return
    # --man=no: the manual pages are installed by make install, not here.
    rc, out, err = analyze("verify", "--man=no", *paths)
    said = (out + err).strip()
    t.ok(rc == 0 and not said,
         "%s: systemd-analyze verify passes with nothing said" % what,
         ["exit %d" % rc] + said.split("\n"))


# --------------------------------------------------------------------------

def check_units():
    for name in UNITS:
        if not t.ok(os.path.exists(unit_path(name)), "%s is built" % name,
                    unit_path(name)):
            return
    u = parse_unit(unit_path("kursusd.service"))
    want = {"Type": "notify", "User": "kursusd", "Group": "kursusd",
            "StateDirectory": "kursusd", "RuntimeDirectory": "kursusd",
            "ConfigurationDirectory": "kursusd", "NoNewPrivileges": "yes",
            "ProtectSystem": "strict", "UMask": "0077",
            "CapabilityBoundingSet": "",
            "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6"}
    got = {k: one(u, "Service", k) for k in want}
    t.eq(got, want, "kursusd.service: notify, its user, directories, no "
         "capabilities, hardening")
    start = one(u, "Service", "ExecStart") or ""
    t.ok(re.match(r"^/\S*/kursusd -f$", start), "kursusd.service: "
         "ExecStart runs kursusd in the foreground by its full path", start)
    reload = one(u, "Service", "ExecReload") or ""
    t.ok("HUP" in reload and "MAINPID" in reload,
         "kursusd.service: ExecReload sends SIGHUP to the main process",
         reload)
    t.eq(one(u, "Install", "WantedBy"), "multi-user.target",
         "kursusd.service: wanted by multi-user.target")

    b = parse_unit(unit_path("kursusd-backup.service"))
    cmd = one(b, "Service", "ExecStart") or ""
    t.ok("kursusctl backup --force" in cmd and "/var/lib/kursusd/backup/"
         in cmd, "kursusd-backup.service: kursusctl backup --force into "
         "/var/lib/kursusd/backup", cmd)
    t.eq((one(b, "Service", "User"), one(b, "Service", "Type")),
         ("kursusd", "oneshot"), "kursusd-backup.service: a oneshot as "
         "kursusd")
    tm = parse_unit(unit_path("kursusd-backup.timer"))
    t.ok(one(tm, "Timer", "OnCalendar") and
         one(tm, "Timer", "Persistent") == "true" and
         one(tm, "Timer", "RandomizedDelaySec"),
         "kursusd-backup.timer: nightly, Persistent=true, with a random "
         "delay", tm.get("Timer"))

    # ExecStart= names the installed kursusd; verify wants it to exist.
    d = t.tempdir()
    paths = staged([unit_path(n) for n in UNITS], os.path.join(d, "units"),
                   start.split()[0] if start else None, KURSUSD)
    verify(paths, "built units")
    check_exposure(paths)


def check_exposure(paths):
    for p in paths:
        name = os.path.basename(p)
        if not name.endswith(".service"):
            continue
        what = "%s: systemd-analyze security --offline=true" % name
        if ANALYZE is None:
            t.skip(what, NO_ANALYZE)
            continue
        rc, out, err = analyze("security", "--offline=true", p)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)",
                      out + err)
        if m is None and re.search(r"unrecognized option|Unknown option",
                                   err):
            t.skip(what, "this systemd-analyze has no --offline")
            continue
        level = float(m.group(1)) if m else None
        t.diag("%s: exposure %s" % (name, level))
        t.ok(level is not None and level <= MAX_EXPOSURE,
             "%s rates %s, at most %.1f" % (what, level, MAX_EXPOSURE),
             [l for l in (out + err).split("\n") if "\u2717" in l or
              "Overall" in l][:30])


# --------------------------------------------------------------------------
# sd_notify

class Notify:
    """A datagram socket standing in for systemd's notify socket."""

    def __init__(self, address, name):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(address)
        self.env = name

    def recv(self, timeout):
        """(fields dict, sender pid, raw text), or None on timeout."""
        self.sock.settimeout(timeout)
        try:
            data, anc, _, _ = self.sock.recvmsg(
                4096, socket.CMSG_SPACE(struct.calcsize("3i")))
        except socket.timeout:
            return None
        pid = None
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("3i", cdata[:struct.calcsize("3i")])[0]
        text = data.decode("utf-8", "replace")
        fields = dict(l.partition("=")[::2] for l in text.split("\n") if l)
        return fields, pid, text

    def close(self):
        self.sock.close()


def spawn_notified(d, env_value):
    old = os.environ.get("NOTIFY_SOCKET")
    os.environ["NOTIFY_SOCKET"] = env_value
    try:
        return d.spawn()
    finally:
        if old is None:
            del os.environ["NOTIFY_SOCKET"]
        else:
            os.environ["NOTIFY_SOCKET"] = old


def answers(d, timeout=CMD_TIMEOUT):
    """Whether both doors answer within timeout: (admin status, public
    status), each an HTTP status or what went wrong."""
    try:
        a = http_request(UnixHTTPConnection(d.sock, timeout=timeout), "GET",
                         "/v1/status").status
    except OSError as e:
        a = "%s" % e
    try:
        p = http_request(http.client.HTTPConnection(
            "127.0.0.1", d.public_port, timeout=timeout), "GET", "/").status
    except OSError as e:
        p = "%s" % e
    return a, p


def check_notify(kind):
    d = t.daemon(start=False)
    if kind == "path":
        addr = os.path.join(d.dir, "notify")
        n = Notify(addr, addr)
    else:
        name = "kursustest-notify-%d-%d" % (os.getpid(), time.monotonic_ns())
        n = Notify("\0" + name, "@" + name)
    try:
        proc = spawn_notified(d, n.env)
        m = n.recv(START_TIMEOUT)
        if not t.ok(m is not None, "%s: a datagram comes once kursusd "
                    "starts" % kind, d.log()):
            return
        fields, pid, text = m
        # Right now: both doors answer at once. (Their sockets may listen
        # before the database is open, so a connection alone proves
        # nothing: the answer must come without waiting for the rest of
        # the start.)
        a, p = answers(d, READY_ANSWER)
        t.eq(fields.get("READY"), "1", "%s: the first state is READY=1" %
             kind, text)
        t.eq(pid, proc.pid, "%s: sent by kursusd itself (NotifyAccess="
             "main)" % kind)
        t.ok(a == 200 and p in (200, 404), "%s: at READY=1 the admin "
             "socket and the public listener answer within %g s" %
             (kind, READY_ANSWER),
             ["admin: %s" % a, "public: %s" % p])
        t.ok(fields.get("STATUS", "").startswith("Serving"),
             "%s: STATUS= says it serves" % kind, text)

        proc.send_signal(signal.SIGHUP)
        m1, m2 = n.recv(START_TIMEOUT), n.recv(START_TIMEOUT)
        f1 = m1[0] if m1 else {}
        f2 = m2[0] if m2 else {}
        usec = f1.get("MONOTONIC_USEC", "")
        now = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        t.ok(f1.get("RELOADING") == "1" and usec.isdigit() and
             0 <= now - int(usec) < 60 * 10**6,
             "%s: SIGHUP: RELOADING=1 with MONOTONIC_USEC of now" % kind,
             m1[2] if m1 else "nothing came")
        t.eq(f2.get("READY"), "1", "%s: SIGHUP: READY=1 once reloaded" %
             kind, m2[2] if m2 else "nothing came")

        proc.send_signal(signal.SIGTERM)
        m = n.recv(START_TIMEOUT)
        t.ok(m is not None and m[0].get("STOPPING") == "1",
             "%s: SIGTERM: STOPPING=1" % kind, m[2] if m else "nothing came")
        t.eq(d.wait(), 0, "%s: SIGTERM: exit status 0" % kind)
        t.eq(n.recv(0.2), None, "%s: nothing more after STOPPING=1" % kind)
    finally:
        d.kill()
        n.close()


def check_notify_failures():
    # A public listener it cannot have: it exits and never says READY=1.
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        d = t.daemon(start=False, public_port=busy.getsockname()[1])
        addr = os.path.join(d.dir, "notify")
        n = Notify(addr, addr)
        proc = spawn_notified(d, addr)
        try:
            proc.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        t.ok(proc.poll() not in (None, 0), "public port taken: kursusd "
             "exits with a failure", "status %s" % proc.poll())
        m = n.recv(0.2)
        t.ok(m is None or m[0].get("READY") != "1",
             "public port taken: no READY=1", m[2] if m else None)
        d.kill()
        n.close()
    finally:
        busy.close()

    # Not a socket address: said in the log, and kursusd serves anyway.
    d = t.daemon(start=False)
    proc = spawn_notified(d, "relative/notify")
    up = False
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        if answers(d, 5)[0] == 200:
            up = True
            break
        time.sleep(0.1)
    t.ok(up, "NOTIFY_SOCKET=relative/notify: kursusd serves anyway",
         d.log())
    t.ok("NOTIFY_SOCKET" in d.log(), "NOTIFY_SOCKET=relative/notify: the "
         "log says it is not used", d.log())
    t.eq(d.stop(), 0, "NOTIFY_SOCKET=relative/notify: SIGTERM, exit 0")


# --------------------------------------------------------------------------
# make install

def check_install():
    try:
        with open(os.path.join(BUILDDIR, "Makefile"), encoding="utf-8") as f:
            mk = f.read()
    except OSError as e:
        t.skip("make install DESTDIR", "no Makefile in the build "
               "directory: %s" % e)
        return
    unitdir = make_key("systemdsystemunitdir", mk) or "no"
    expand = {}
    for k in ("prefix", "exec_prefix", "sysconfdir", "sbindir"):
        expand[k] = make_key(k, mk) or ""

    def ex(v):
        for _ in range(5):
            v = re.sub(r"\$[{(](\w+)[})]", lambda m: expand.get(
                m.group(1), m.group(0)), v)
        return v

    dest = os.path.join(t.tempdir(), "dest")
    p = subprocess.run(["make", "-C", BUILDDIR, "install",
                        "DESTDIR=" + dest], capture_output=True,
                       timeout=600)
    if not t.ok(p.returncode == 0, "make install DESTDIR=... succeeds",
                p.stderr.decode("utf-8", "replace").split("\n")[-20:]):
        return
    conf = dest + ex(expand["sysconfdir"]) + "/kursusd/kursusd.conf"
    t.ok(os.path.isfile(conf), "kursusd.conf is installed in "
         "$(sysconfdir)/kursusd/", conf)
    t.ok(not os.path.exists(dest + ex(expand["sysconfdir"]) +
                            "/kursusd.conf"),
         "nothing is installed as $(sysconfdir)/kursusd.conf any more")
    want = ex(expand["sysconfdir"]) + "/kursusd/kursusd.conf"
    for prog in (KURSUSD, KURSUSCTL):
        h = subprocess.run([prog, "--help"], capture_output=True,
                           timeout=30)
        t.ok(want in h.stdout.decode("utf-8", "replace"),
             "%s --help names %s as the default configuration" %
             (os.path.basename(prog), want))

    if unitdir == "no":
        t.skip("the units are installed", "configured with "
               "--with-systemdsystemunitdir=no or without systemd.pc")
        return
    udir = dest + ex(unitdir)
    prefix = ex(expand["prefix"])
    t.ok(ex(unitdir).startswith(prefix + "/") or prefix == "/usr",
         "the unit directory %s is under the prefix %s" % (ex(unitdir),
                                                           prefix))
    paths = [os.path.join(udir, n) for n in UNITS]
    missing = [p for p in paths if not os.path.isfile(p)]
    if not t.ok(not missing, "the units are installed in %s" % ex(unitdir),
                missing):
        return
    sbin = ex(expand["sbindir"])
    verify(staged(paths, os.path.join(t.tempdir(), "units"),
                  sbin + "/kursusd", dest + sbin + "/kursusd"),
           "installed units")


def main():
    check_units()
    check_notify("path")
    check_notify("abstract")
    check_notify_failures()
    check_install()


t.run(main)
