"""
kursusd as a service (issue 10: defaults that work on first start, least
privilege, log lines):

  dirs      the state directory (the database's) and the runtime directory
            (the socket's and the pid file's) are made at start, 0750 and
            0755, and belong to the user kursusd runs as, as do the
            database, its WAL, SHM and lock file and the feed key (0600),
            the socket (admin.socket_mode) and the pid file; a directory
            that cannot be made is refused in one line naming it;
  beside    with only -d, the feed key is made beside the database and a
            personal feed link works; so is the admin token, where
            kursusctl finds it from [daemon] database;
  url       public.url follows public.listen;
  check     kursusd -n warns about a loopback public.url when public.listen
            is not loopback and about an unset [library], and reports a
            user that does not exist (as root it refuses);
  user      started as root, kursusd runs as daemon.user and daemon.group
            (every uid and gid in /proc/PID/status, no other groups, no
            capabilities); a user that does not exist, or root, is refused
            in one line; root's files in the state directory are given to
            the user; SIGHUP reads the configuration as the user;
  install   `make install DESTDIR=...` makes the state directory; the
            installed kursusd started as root with only -f and no
            configuration file comes up on its defaults, as the user
            kursusd, and kursusctl status finds it with no options (in a
            private mount namespace whose /etc/passwd has a user kursusd:
            the machine gets none);
  log       on a terminal each line starts with the time; when stderr is
            the journal (JOURNAL_STREAM) with its syslog priority, <6>;
            otherwise plain.
"""

import os
import pty
import pwd
import re
import select
import signal
import socket
import stat
import subprocess
import tempfile
import time
import urllib.parse

from kursustest import BUILDDIR, EXIT_ATTENTION, KURSUSD, LIBRARY_CONF, \
    Daemon, Tap, _die_with_parent, as_user, free_port, give, proc_status, \
    run_ctl, run_ids, tcp_request, wait_for

t = Tap()
ROOT = os.geteuid() == 0
NO_USER = "kursustest-no-such-user"


def ids():
    """(uid, gid) the test daemons run as."""
    return run_ids() if ROOT else (os.geteuid(), os.getegid())


def mode_owner(path):
    try:
        st = os.lstat(path)
    except OSError as e:
        return str(e)
    return oct(stat.S_IMODE(st.st_mode)), st.st_uid, st.st_gid


def run(argv, env=None, timeout=30):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=env)
    return p.returncode, p.stdout, p.stderr


def lines(text):
    return [l for l in text.split("\n") if l.strip()]


def describe(argv, rc, out, err):
    return ["command: " + " ".join(argv), "exit: %s" % rc,
            "stdout: " + out.strip()[:500], "stderr: " + err.strip()[:800]]


# --------------------------------------------------------------------------


def check_dirs():
    top = t.tempdir()
    state = os.path.join(top, "state")
    rundir = os.path.join(top, "run")
    d = t.daemon(dirname=top, db=os.path.join(state, "kursusd.db"),
                 start=False)
    d.sock = os.path.join(rundir, "admin.sock")
    d.pidfile = os.path.join(rundir, "kursusd.pid")
    d.start()
    uid, gid = ids()
    t.eq(mode_owner(state), (oct(0o750), uid, gid),
         "dirs: the state directory is made 0750, the daemon user's")
    t.eq(mode_owner(rundir), (oct(0o755), uid, gid),
         "dirs: the runtime directory is made 0755, the daemon user's")
    files = {name: mode_owner(os.path.join(state, name)) for name in (
        "kursusd.db", "kursusd.db-wal", "kursusd.db-shm", "kursusd.db.lock",
        "feeds.key")}
    bad = ["%s: %r" % (k, v) for k, v in sorted(files.items())
           if v != (oct(0o600), uid, gid)]
    t.ok(not bad, "dirs: database, WAL, SHM, lock file and feed key are "
         "0600 and the daemon user's, in the state directory", bad)
    st = os.lstat(d.sock)
    t.eq((stat.S_ISSOCK(st.st_mode), oct(stat.S_IMODE(st.st_mode)),
          st.st_uid, st.st_gid), (True, oct(0o660), uid, gid),
         "dirs: the admin socket is 0660 (admin.socket_mode), the daemon "
         "user's and group's")
    t.eq(mode_owner(d.pidfile), (oct(0o644), uid, gid),
         "dirs: the pid file is 0644, the daemon user's")
    t.eq(d.stop(), 0, "dirs: SIGTERM, exit 0")
    t.ok(not os.path.exists(d.pidfile) and not os.path.exists(d.sock),
         "dirs: the pid file and the socket are removed at stop",
         sorted(os.listdir(rundir)))

    # A state directory whose parent is missing: one line naming it.
    missing = os.path.join(top, "no", "such", "kursusd.db")
    d2 = Daemon(t, dirname=top, db=missing)
    t._daemons.append(d2)
    argv = d2.argv()
    rc, out, err = run(argv)
    t.ok(rc == 73 and len(lines(err)) == 1 and
         os.path.dirname(missing) in err and "No such file" in err,
         "dirs: a state directory that cannot be made: exit 73, one line "
         "naming it and why", describe(argv, rc, out, err))
    # A file where the runtime directory should be.
    blocker = os.path.join(top, "blocker")
    with open(blocker, "w") as f:
        f.write("not a directory\n")
    d2 = Daemon(t, dirname=top)
    t._daemons.append(d2)
    d2.sock = os.path.join(blocker, "admin.sock")
    argv = d2.argv()
    rc, out, err = run(argv)
    t.ok(rc == 73 and len(lines(err)) == 1 and blocker in err and
         "not a directory" in err.lower(),
         "dirs: a file where the runtime directory should be: exit 73, one "
         "line naming it", describe(argv, rc, out, err))


def check_beside():
    top = t.tempdir()
    port = free_port()
    d = t.daemon(dirname=top, extra=["admin.listen=127.0.0.1:%d" % port])
    t.ok(not any("key_file" in a or "token_file" in a or "public.url" in a
                 for a in d.argv()),
         "beside: the daemon is started with neither feeds.key_file, "
         "admin.token_file nor public.url", d.argv())
    uid, gid = ids()
    for name in ("feeds.key", "admin.token"):
        t.eq(mode_owner(os.path.join(top, name)), (oct(0o600), uid, gid),
             "beside: %s is made 0600 beside the database" % name)
    r = d.ctl("participant", "add", "--name", "Jørgen Smidstrup", "--phone",
              "20304050")
    who = (r.out or {}).get("id")
    r = d.ctl("feeds", "participant", str(who))
    link = (r.out or {}).get("url") or ""
    base = "http://127.0.0.1:%d/" % d.public_port
    t.ok(link.startswith(base + "feeds/participant/") and
         (r.out or {}).get("personal") is True,
         "url: the personal link is under http:// and public.listen "
         "(%s)" % base, r.describe())
    path = urllib.parse.urlsplit(link).path
    res = tcp_request(d.public_port, "GET", path) if path else None
    t.ok(res is not None and res.status == 200 and
         b"BEGIN:VCALENDAR" in res.body,
         "beside: the personal feed link answers 200 with a calendar",
         [repr(res)])
    r = d.ctl("feeds", "all")
    t.ok(((r.out or {}).get("url") or "").startswith(base) and
         ((r.out or {}).get("webcal") or "").startswith(
             "webcal://127.0.0.1:%d/" % d.public_port),
         "url: the feed of all sessions too, http and webcal", r.describe())

    # kursusctl finds the token beside [daemon] database.
    cconf = os.path.join(top, "client.conf")
    with open(cconf, "w") as f:
        f.write("[daemon]\ndatabase = %s\n[admin]\nlisten = 127.0.0.1:%d\n"
                % (d.db, port))
    r = run_ctl(t, ["-c", cconf, "--url", "http://127.0.0.1:%d" % port],
                ["status"])
    t.eq((r.out or {}).get("api_version"), 1,
         "beside: kursusctl -c FILE --url takes the token beside the "
         "file's [daemon] database")
    t.eq(d.stop(), 0, "beside: SIGTERM, exit 0")


def check_n():
    tmp = t.tempdir()
    # The library set, as every library sets it: the warnings below are
    # the only ones.
    conf = os.path.join(tmp, "library.conf")
    with open(conf, "w") as f:
        f.write(LIBRARY_CONF)
    port = free_port()

    # Not root: the user kursusd would be as root is said to be missing
    # on a machine without one; name one that is there.
    me = as_user() or ["-o", "daemon.user=" + pwd.getpwuid(
        os.geteuid()).pw_name]

    def n(*args):
        argv = [KURSUSD, "-n", "-c", conf] + me + list(args)
        return (argv,) + run(argv)

    argv, rc, out, err = n("-o", "public.listen=0.0.0.0:%d" % port,
                           "-o", "public.url=http://localhost:%d" % port)
    t.ok(rc == 0 and out.strip() == "configuration OK" and
         len(lines(err)) == 1 and "public.url" in err and
         "loopback" in err and "0.0.0.0:%d" % port in err,
         "-n: a loopback public.url while public.listen is 0.0.0.0: one "
         "warning naming both, configuration OK",
         describe(argv, rc, out, err))
    argv, rc, out, err = n("-o", "public.listen=[::]:%d" % port,
                           "-o", "public.url=http://127.0.0.1:%d/k" % port)
    t.ok(rc == 0 and len(lines(err)) == 1 and "loopback" in err,
         "-n: the same for 127.0.0.1 and [::]", describe(argv, rc, out, err))
    for what, args in (
            ("a loopback url with a loopback listener",
             ["-o", "public.listen=127.0.0.1:%d" % port,
              "-o", "public.url=http://localhost:%d" % port]),
            ("the default url with a wildcard listener",
             ["-o", "public.listen=0.0.0.0:%d" % port]),
            ("an outside url with a wildcard listener",
             ["-o", "public.listen=0.0.0.0:%d" % port,
              "-o", "public.url=https://kurser.example.dk"])):
        argv, rc, out, err = n(*args)
        t.ok(rc == 0 and out.strip() == "configuration OK" and err == "",
             "-n: %s: no warning" % what, describe(argv, rc, out, err))

    # No [library]: one warning naming what is missing, still OK (the
    # messages go, only less helpfully).
    empty = os.path.join(tmp, "empty.conf")
    open(empty, "w").close()
    argv = [KURSUSD, "-n", "-c", empty] + me
    rc, out, err = run(argv)
    t.ok(rc == 0 and out.strip() == "configuration OK" and
         len(lines(err)) == 1 and all(
             k in err for k in ("library.name", "library.phone",
                                "library.email", "library.url")) and
         "library.signature" not in err,
         "-n without [library]: one warning naming library.name, .phone, "
         ".email and .url (the signature is optional), configuration OK",
         describe(argv, rc, out, err))
    argv, rc, out, err = n("-o", "library.phone=", "-o", "library.url=")
    t.ok(rc == 0 and out.strip() == "configuration OK" and
         len(lines(err)) == 1 and "library.phone and library.url are not "
         "set" in err and "library.name" not in err,
         "-n with the library's phone and web address empty: one warning "
         "naming just those two", describe(argv, rc, out, err))

    argv, rc, out, err = n("-o", "daemon.user=" + NO_USER)
    if ROOT:
        t.ok(rc == 78 and "configuration OK" not in out and
             len(lines(err)) == 1 and NO_USER in err and
             "daemon.user" in err,
             "-n as root: a user that does not exist is refused (exit 78) "
             "in one line naming it", describe(argv, rc, out, err))
    else:
        t.ok(rc == 0 and out.strip() == "configuration OK" and
             len(lines(err)) == 1 and NO_USER in err,
             "-n not as root: a user that does not exist is reported, "
             "configuration OK", describe(argv, rc, out, err))
    argv, rc, out, err = n("-o", "daemon.group=" + NO_USER)
    t.ok((rc == 78) == ROOT and NO_USER in err and "daemon.group" in err,
         "-n: a group that does not exist is reported",
         describe(argv, rc, out, err))
    argv, rc, out, err = n("-o", "daemon.user=root")
    t.ok((rc == 78) == ROOT and "root" in err and len(lines(err)) == 1,
         "-n: daemon.user root is reported (refused as root)",
         describe(argv, rc, out, err))


def check_user():
    if not ROOT:
        d = t.daemon()
        st = proc_status(d.proc.pid)
        me = str(os.geteuid())
        t.eq(st.get("Uid"), [me] * 4, "user: started as an ordinary user, "
             "kursusd stays that user")
        t.eq(d.stop(), 0, "user: SIGTERM, exit 0")
        for what in ("started as root, kursusd runs as daemon.user",
                     "started as root with a user that does not exist, "
                     "kursusd refuses",
                     "root's files in the state directory are given to "
                     "the user", "SIGHUP reads as the user"):
            t.skip("user: " + what, "not root")
        return

    uid, gid = ids()
    tmp = t.tempdir()
    conf = os.path.join(tmp, "kursusd.conf")
    with open(conf, "w") as f:
        f.write("[daemon]\ngo_no_go_hours = 48\n")
    d = t.daemon(dirname=tmp, config=conf)
    st = proc_status(d.proc.pid)
    want = {"Uid": [str(uid)] * 4, "Gid": [str(gid)] * 4,
            "Groups": [str(gid)]}
    t.eq({k: st.get(k) for k in want}, want,
         "user: started as root, kursusd runs as nobody:nogroup (real, "
         "effective, saved and file system ids; no other groups)")
    caps = {k: st.get(k) for k in ("CapPrm", "CapEff", "CapAmb")}
    t.ok(all(v == ["0000000000000000"] for v in caps.values()) and
         "0" not in st.get("Uid", ["0"]) and "0" not in st.get("Gid", ["0"]),
         "user: no id is 0 and no capability is left: root cannot come "
         "back", [repr(caps)])
    t.ok("running as nobody" in d.log(),
         "user: the log says whom it runs as", d.log().split("\n")[:8])

    # SIGHUP after the drop: the file is read as the user.
    d.ctl("venue", "add", "sted", "--name", "Sted")
    os.chown(conf, 0, 0)
    os.chmod(conf, 0o600)
    mark = len(d.log())
    d.proc.send_signal(signal.SIGHUP)
    seen = wait_for(lambda: "SIGHUP" in d.log()[mark:], 10)
    t.ok(seen and "Permission denied" in d.log()[mark:] and d.running(),
         "user: SIGHUP with a file only root may read: the old "
         "configuration is kept, the log says why", d.log()[mark:].split("\n"))
    os.chmod(conf, 0o644)
    mark = len(d.log())
    d.proc.send_signal(signal.SIGHUP)
    t.ok(wait_for(lambda: "configuration reloaded" in d.log()[mark:], 10),
         "user: SIGHUP with a file the user may read: reloaded",
         d.log()[mark:].split("\n"))
    t.eq(d.stop(), 0, "user: SIGTERM as nobody, exit 0")

    # Root's files in the user's state directory are given to the user.
    for name in ("kursusd.db", "kursusd.db.lock", "feeds.key"):
        os.chown(os.path.join(tmp, name), 0, 0)
    d.start(give_dirs=False)
    got = {name: mode_owner(os.path.join(tmp, name))[1:]
           for name in ("kursusd.db", "kursusd.db.lock", "feeds.key")}
    t.eq(got, {name: (uid, gid) for name in got},
         "user: the database, lock file and feed key root made are given "
         "to the user at start")
    r = d.ctl("venue", "list")
    t.eq([v.get("slug") for v in (r.out or {}).get("venues") or []],
         ["sted"], "user: the data is all there")
    t.ok("gave %s" % os.path.join(tmp, "kursusd.db") in
         d.log(since_start=True), "user: the log says what it gave",
         d.log(since_start=True).split("\n")[:10])
    t.eq(d.stop(), 0, "user: SIGTERM, exit 0")

    # A state directory of root's that the user may not write to.
    top = t.tempdir()
    closed = os.path.join(top, "roots")
    os.mkdir(closed, 0o755)
    d2 = Daemon(t, dirname=top, db=os.path.join(closed, "kursusd.db"))
    t._daemons.append(d2)
    give(top)
    os.chown(closed, 0, 0)
    argv = d2.argv()
    rc, out, err = run(argv)
    t.ok(rc == 73 and len(lines(err)) == 1 and closed in err and
         "nobody" in err and not os.listdir(closed),
         "user: a state directory of root's that nobody may not write to: "
         "refused (exit 73) in one line naming it and the user",
         describe(argv, rc, out, err))

    # A state directory of the user's under one closed to it (a clone
    # under /root, say).
    top = t.tempdir()
    closed = os.path.join(top, "closed")
    os.mkdir(closed, 0o700)
    os.mkdir(os.path.join(closed, "state"), 0o750)
    d2 = Daemon(t, dirname=top, db=os.path.join(closed, "state", "k.db"))
    t._daemons.append(d2)
    give(top)
    os.chown(closed, 0, 0)
    argv = d2.argv()
    rc, out, err = run(argv)
    t.ok(rc == 73 and len(lines(err)) == 1 and closed + " is closed" in err
         and not os.path.exists(d2.sock),
         "user: a state directory nobody cannot reach (a directory above "
         "it is root's, 0700): refused (exit 73) in one line naming that "
         "directory", describe(argv, rc, out, err))

    # A user that does not exist, and root: refused, nothing made.
    for user, word in ((NO_USER, NO_USER), ("root", "root")):
        top = t.tempdir()
        d2 = Daemon(t, dirname=top, db=os.path.join(top, "s", "k.db"),
                    extra=["daemon.user=" + user])
        t._daemons.append(d2)
        argv = d2.argv()
        rc, out, err = run(argv)
        t.ok(rc == 78 and len(lines(err)) == 1 and word in err and
             "daemon.user" in err and not os.path.exists(d2.sock) and
             not os.path.exists(os.path.dirname(d2.db)),
             "user: started as root with daemon.user %s: refused (exit 78) "
             "in one line naming it; no socket, no state directory" % user,
             describe(argv, rc, out, err))


# --------------------------------------------------------------------------
# make install


def make_env():
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def install_dirs():
    rule = ("print-dirs:\n\t@echo $(prefix)'|'$(sysconfdir)'|'"
            "$(localstatedir)'|'$(runstatedir)'|'$(sbindir)'|'$(bindir)\n")
    p = subprocess.run(["make", "-s", "-C", BUILDDIR, "-f", "Makefile",
                        "-f", "-", "print-dirs"], input=rule, text=True,
                       capture_output=True, env=make_env(), timeout=60)
    parts = p.stdout.strip().split("|")
    if p.returncode != 0 or len(parts) != 6:
        return None
    return dict(zip(("prefix", "sysconfdir", "localstatedir", "runstatedir",
                     "sbindir", "bindir"), parts))


def check_install():
    dirs = install_dirs()
    if dirs is None:
        t.ok(False, "install: the configured directories can be read from "
             "the Makefile")
        return
    dest = tempfile.mkdtemp(prefix="kursustest-inst-")
    t._dirs.append(dest)
    argv = ["make", "-s", "-C", BUILDDIR, "install", "DESTDIR=" + dest]
    p = subprocess.run(argv, capture_output=True, text=True,
                       env=make_env(), timeout=600)
    t.ok(p.returncode == 0, "install: make install DESTDIR=... succeeds",
         describe(argv, p.returncode, p.stdout, p.stderr))
    state = dest + dirs["localstatedir"] + "/lib/kursusd"
    t.eq(mode_owner(state)[:1], (oct(0o750),),
         "install: make install makes the state directory %s/lib/kursusd, "
         "0750" % dirs["localstatedir"])
    t.ok(os.path.isdir(dest + dirs["runstatedir"]),
         "install: make install makes %s, where the runtime directory goes"
         % dirs["runstatedir"])
    t.ok(os.access(dest + dirs["sbindir"] + "/kursusd", os.X_OK) and
         os.path.exists(dest + dirs["sysconfdir"] + "/kursusd/kursusd.conf"),
         "install: kursusd and the sample kursusd.conf are installed")
    installed_start(dest, dirs)


def free_id(used):
    for n in range(64999, 60000, -1):
        if n not in used:
            return n
    return None


def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def closed_above(path):
    """The first directory above path that other users may not enter, or
    None."""
    d = os.path.dirname(os.path.abspath(path))
    while True:
        if not os.stat(d).st_mode & 0o001:
            return d
        if d == "/":
            return None
        d = os.path.dirname(d)


def installed_start(dest, dirs):
    what = ("install: the installed kursusd started as root with only -f "
            "runs as kursusd on its defaults, and kursusctl status finds it "
            "with no options")
    prefix = dirs["prefix"]
    under = all(dirs[k].startswith(prefix + "/") for k in dirs
                if k != "prefix")
    why = None
    if not ROOT:
        why = "not root"
    elif prefix in ("/", "/usr") or not under or not os.path.isdir(prefix):
        why = ("prefix %s: the test stands the installed tree in for the "
               "prefix, which must be a directory of its own" % prefix)
    elif subprocess.run(["unshare", "-m", "--propagation", "private",
                         "true"], capture_output=True).returncode != 0:
        why = "no mount namespace here (unshare -m)"
    elif closed_above(prefix):
        why = ("prefix %s: %s is closed to other users, so the installed "
               "kursusd (rightly) refuses its state directory there "
               "(make distcheck under /root)" % (prefix,
                                                 closed_above(prefix)))
    elif not port_free(8080):
        why = "127.0.0.1:8080, the default public.listen, is taken"
    elif prefix in subprocess.run(["ldd", KURSUSD], capture_output=True,
                                  text=True).stdout:
        why = "kursusd links libraries from %s" % prefix
    if why is not None:
        t.skip(what, why)
        return

    import grp
    uid = free_id({p.pw_uid for p in pwd.getpwall()} |
                  {g.gr_gid for g in grp.getgrall()})
    tmp = t.tempdir()
    passwd = os.path.join(tmp, "passwd")
    group = os.path.join(tmp, "group")
    with open("/etc/passwd") as f, open(passwd, "w") as g:
        g.write(f.read().rstrip("\n") + "\nkursusd:x:%d:%d:kursusd (test):"
                "/nonexistent:/usr/sbin/nologin\n" % (uid, uid))
    with open("/etc/group") as f, open(group, "w") as g:
        g.write(f.read().rstrip("\n") + "\nkursusd:x:%d:\n" % uid)
    os.chmod(passwd, 0o644)
    os.chmod(group, 0o644)
    kursusd = dirs["sbindir"] + "/kursusd"
    kursusctl = dirs["bindir"] + "/kursusctl"
    sample = dirs["sysconfdir"] + "/kursusd/kursusd.conf"
    script = ('set -e; mount --bind "$1" "$2"; '
              'mount --bind "$3" /etc/passwd; mount --bind "$4" /etc/group; '
              '"$5" -n; rm -f "$6"; exec "$5" -f')
    log = os.path.join(tmp, "installed.log")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", script,
             "sh", dest + prefix, prefix, passwd, group, kursusd, sample],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            preexec_fn=_die_with_parent)

    def text():
        with open(log, errors="replace") as f:
            return f.read()

    last = []

    def status():
        if proc.poll() is not None:
            return "exited"
        # -r: entering a mount namespace resets the root directory to the
        # namespace's, which is not ours when the tests run in a chroot.
        p = subprocess.run(["nsenter", "-t", str(proc.pid), "-m", "-r",
                            kursusctl, "status", "--json"],
                           capture_output=True, text=True, timeout=10)
        last[:] = ["kursusctl status: exit %d" % p.returncode] + \
            (p.stderr + p.stdout).split("\n")[-8:]
        # Up, whether or not something needs attention (exit 3).
        return "up" if p.returncode in (0, EXIT_ATTENTION) else None

    try:
        up = wait_for(status, 15) == "up"
        t.ok(up and "configuration OK" in text(), what,
             text().split("\n") + last)
        if not up:
            return
        st = proc_status(proc.pid)
        t.eq((st.get("Uid"), st.get("Gid")), ([str(uid)] * 4,
                                              [str(uid)] * 4),
             "install: the installed kursusd runs as the user kursusd")
        state = dest + dirs["localstatedir"] + "/lib/kursusd"
        rundir = dest + dirs["runstatedir"] + "/kursusd"
        t.eq((mode_owner(state), mode_owner(rundir)),
             ((oct(0o750), uid, uid), (oct(0o755), uid, uid)),
             "install: the state directory make install made is given to "
             "kursusd; the runtime directory is made 0755, kursusd's")
        t.ok(os.path.exists(state + "/kursusd.db") and
             os.path.exists(state + "/feeds.key") and
             os.path.exists(rundir + "/admin.sock"),
             "install: database and feed key in the state directory, the "
             "socket in the runtime directory",
             [repr(os.listdir(state)), repr(os.listdir(rundir))])
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            rc = None
        t.ok(rc == 0 and not os.path.exists(rundir + "/kursusd.pid"),
             "install: SIGTERM: exit 0, the pid file removed",
             ["exit %s" % rc] + text().split("\n")[-5:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------
# log lines


def read_until(fd, word, timeout=10):
    """What comes on fd until word is in it, the process ends or
    timeout."""
    data = b""
    deadline = time.monotonic() + timeout
    while word.encode() not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace")


def check_log():
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d kursusd: ")
    d = t.daemon(start=False)
    master, slave = pty.openpty()
    try:
        d.spawn(stderr=slave)
        os.close(slave)
        slave = None
        out = read_until(master, "started")
        got = [l for l in out.replace("\r", "").split("\n") if l.strip()]
        t.ok(got and "started" in out and all(stamp.match(l) for l in got),
             "log: on a terminal (-f) every line starts with the time",
             got[:8])
        t.eq(d.stop(), 0, "log: SIGTERM, exit 0")
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)

    d = t.daemon(start=False)
    journal = os.path.join(d.dir, "journal")
    with open(journal, "wb") as f:
        st = os.fstat(f.fileno())
        env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev,
                                                         st.st_ino))
        d.spawn(stderr=f, env=env)
    wait_for(lambda: "started" in open(journal, errors="replace").read(), 10)
    got = lines(open(journal, errors="replace").read())
    t.ok(got and all(re.match(r"^<[0-7]>", l) for l in got) and
         any(l.startswith("<6>kursusd ") and "started" in l for l in got) and
         not any(stamp.match(l[3:]) or l[3:].startswith("kursusd: ")
                 for l in got),
         "log: when stderr is the journal (JOURNAL_STREAM), each line "
         "carries its priority (<6> for info) and no time", got[:8])
    t.eq(d.stop(), 0, "log: SIGTERM, exit 0")

    # Not a terminal and not the journal: plain lines.
    d = t.daemon()
    t.eq(d.stop(), 0, "log: SIGTERM, exit 0")
    got = lines(d.log())
    t.ok(got and all(l.startswith("kursusd: ") for l in got),
         "log: stderr a file: plain 'kursusd: ' lines, no time", got[:8])


def main():
    check_dirs()
    check_beside()
    check_n()
    check_user()
    check_log()
    check_install()


t.run(main)
