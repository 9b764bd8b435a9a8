"""
The Debian package, built from this tree as its README says
(`dpkg-buildpackage -us -uc -b`), in a copy of the tree:

  deps      every Build-Depends of debian/control is in dev/deps, and the
            package's version is configure's;
  build     dpkg-buildpackage succeeds (its time is printed);
  lintian   no error and no warning on the .changes and the .deb;
  contents  kursusd, kursusctl, the three units in /lib/systemd/system (the
            service's ExecStart the installed kursusd, exposure at most 2.0
            when systemd-analyze is here), /etc/kursusd/kursusd.conf as the
            one conffile, the three manual pages, the bash completion, and
            nothing in /run or /var; Depends names the libraries;
  scripts   postinst makes the system user and group kursusd before it
            enables and starts kursusd.service and kursusd-backup.timer
            (not the backup service itself: the timer starts it); postrm
            removes /var/lib/kursusd on purge only.

Skipped, saying why, without dpkg-buildpackage or debhelper, in a
sanitizer or fuzzing build (the package is built with Debian's flags, not
this build's, so the plain build's run is enough), and under make
distcheck (its source copy is read-only, and the plain build's run has
already built the package from the same files).
"""

import os
import re
import shutil
import subprocess
import time

from kursustest import BUILDDIR, SRCDIR, Tap

t = Tap()

DEB_UNITS = ["lib/systemd/system/kursusd.service",
             "lib/systemd/system/kursusd-backup.service",
             "lib/systemd/system/kursusd-backup.timer"]
DEB_FILES = ["usr/sbin/kursusd", "usr/bin/kursusctl",
             "etc/kursusd/kursusd.conf",
             "usr/share/man/man8/kursusd.8.gz",
             "usr/share/man/man1/kursusctl.1.gz",
             "usr/share/man/man5/kursusd.conf.5.gz",
             "usr/share/bash-completion/completions/kursusctl",
             "usr/share/doc/kursusd/copyright"] + DEB_UNITS
LIBS = ["libevent", "libsqlite3", "libical", "libesmtp", "libjansson",
        "libinih", "libcurl", "libssl", "libgmime", "zlib1g", "adduser"]
BUILD_TIMEOUT = 900


def env_clean():
    """The environment for a build of its own: make's job server and
    flags of the make check that runs this script stay out of it."""
    e = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES",
              "CFLAGS", "CPPFLAGS", "LDFLAGS", "ASAN_OPTIONS",
              "UBSAN_OPTIONS"):
        e.pop(k, None)
    e["DEB_BUILD_OPTIONS"] = "nocheck noddebs"
    e["LC_ALL"] = "C.UTF-8"
    return e


def makefile_var(name):
    try:
        with open(os.path.join(BUILDDIR, "Makefile"), encoding="utf-8") as f:
            m = re.search(r"^%s = ?(.*)$" % re.escape(name), f.read(), re.M)
    except OSError:
        return None
    return m.group(1).strip() if m else None


def why_skip():
    if shutil.which("dpkg-buildpackage") is None:
        return ("dpkg-buildpackage is not installed (Debian package "
                "dpkg-dev, in dev/deps)")
    if shutil.which("dh") is None:
        return "dh is not installed (Debian package debhelper, in dev/deps)"
    if (makefile_var("SAN_CFLAGS") or "").strip():
        return ("a sanitizer or fuzzing build: the package is built with "
                "Debian's flags, and the plain build's make check builds it")
    if not os.stat(SRCDIR).st_mode & 0o200:
        return ("the source directory is read-only (make distcheck): the "
                "plain build's make check builds the package from the same "
                "files")
    return None


def copy_tree(dest):
    """The tree as a checkout has it: git's files and the new ones it does
    not ignore (so a change not yet committed is packaged too)."""
    if os.path.isdir(os.path.join(SRCDIR, ".git")) or os.path.isfile(
            os.path.join(SRCDIR, ".git")):
        p = subprocess.run(["git", "-C", SRCDIR, "ls-files", "-co",
                            "--exclude-standard", "-z"],
                           capture_output=True, timeout=60)
        if p.returncode == 0:
            for rel in p.stdout.decode("utf-8").split("\0"):
                if not rel or not os.path.lexists(os.path.join(SRCDIR, rel)):
                    continue
                os.makedirs(os.path.join(dest, os.path.dirname(rel)),
                            exist_ok=True)
                shutil.copy2(os.path.join(SRCDIR, rel),
                             os.path.join(dest, rel), follow_symlinks=False)
            return "git"
    skip = {".git", "autom4te.cache", "run", "__pycache__"}
    shutil.copytree(SRCDIR, dest, symlinks=True, ignore=lambda d, names: [
        n for n in names if n in skip or (d == SRCDIR and n.startswith(
            ("build", "kursusd-")))])
    return "copy"


def control_fields(text):
    """The paragraphs of a debian/control-like text as dicts."""
    paras, cur, key = [], {}, None
    for line in text.split("\n"):
        if not line.strip():
            if cur:
                paras.append(cur)
            cur, key = {}, None
        elif line[0] in " \t" and key:
            cur[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, v = line.partition(":")
            cur[key] = v.strip()
    if cur:
        paras.append(cur)
    return paras


def check_deps():
    with open(os.path.join(SRCDIR, "debian", "control"),
              encoding="utf-8") as f:
        src = control_fields(f.read())[0]
    want = [re.split(r"[\s(]", d.strip())[0] for d in
            src.get("Build-Depends", "").replace("\n", " ").split(",")
            if d.strip()]
    want = ["debhelper" if w == "debhelper-compat" else w for w in want]
    with open(os.path.join(SRCDIR, "dev", "deps"), encoding="utf-8") as f:
        deps = f.read().split()
    missing = [w for w in want if w not in deps]
    t.ok(want and not missing, "every Build-Depends is installed by "
         "dev/deps", missing)
    with open(os.path.join(SRCDIR, "debian", "changelog"),
              encoding="utf-8") as f:
        m = re.match(r"kursusd \(([^)]+)\)", f.readline())
    version = makefile_var("PACKAGE_VERSION")
    t.eq(m.group(1) if m else None, version, "debian/changelog's version "
         "is configure's")


def build(tree):
    t0 = time.monotonic()
    p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b", "-j2"],
                       cwd=tree, capture_output=True, env=env_clean(),
                       timeout=BUILD_TIMEOUT)
    took = time.monotonic() - t0
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    t.diag("dpkg-buildpackage took %.0f s" % took)
    t.ok(p.returncode == 0, "dpkg-buildpackage -us -uc -b succeeds",
         out.split("\n")[-40:])
    return p.returncode == 0


def check_lintian(top, deb, changes):
    if shutil.which("lintian") is None:
        t.skip("lintian", "lintian is not installed (Debian package "
               "lintian, in dev/deps)")
        return
    t0 = time.monotonic()
    # As root lintian says it would rather not be: a note, not a finding.
    p = subprocess.run(["lintian", "--no-tag-display-limit", changes, deb],
                       cwd=top, capture_output=True, env=env_clean(),
                       timeout=600)
    t.diag("lintian took %.0f s" % (time.monotonic() - t0))
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    tags = [l for l in out.split("\n") if re.match(r"^[EWX]: ", l)]
    t.ok(p.returncode == 0 and not tags, "lintian: no error and no "
         "warning", tags or out.split("\n")[-20:])
    for l in out.split("\n"):
        if l.startswith(("I: ", "P: ")):
            t.diag("lintian: " + l)


def deb_contents(deb):
    p = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True,
                       timeout=60)
    names = []
    for line in p.stdout.decode("utf-8", "replace").split("\n"):
        parts = line.split(None, 5)
        if len(parts) == 6:
            names.append(parts[5].split(" -> ")[0].lstrip("./").rstrip("/"))
    return names


def check_contents(top, deb):
    names = deb_contents(deb)
    missing = [f for f in DEB_FILES if f not in names]
    t.ok(not missing, "the .deb holds kursusd, kursusctl, the units, the "
         "configuration, the manual pages and the completion", missing)
    stray = [n for n in names if n == "run" or n.startswith(("run/",
                                                             "var"))]
    t.ok(not stray, "nothing in /run or /var (systemd and kursusd make "
         "those)", stray)

    ctl = os.path.join(top, "control")
    x = os.path.join(top, "files")
    subprocess.run(["dpkg-deb", "-e", deb, ctl], check=True, timeout=60)
    subprocess.run(["dpkg-deb", "-x", deb, x], check=True, timeout=60)
    with open(os.path.join(ctl, "conffiles"), encoding="utf-8") as f:
        conffiles = f.read().split()
    t.eq(conffiles, ["/etc/kursusd/kursusd.conf"],
         "/etc/kursusd/kursusd.conf is the conffile")
    with open(os.path.join(ctl, "control"), encoding="utf-8") as f:
        fields = control_fields(f.read())[0]
    depends = fields.get("Depends", "")
    t.ok(all(lib in depends for lib in LIBS), "Depends names adduser and "
         "the libraries kursusd links", depends)

    with open(os.path.join(x, DEB_UNITS[0]), encoding="utf-8") as f:
        unit = f.read()
    t.ok(re.search(r"^ExecStart=/usr/sbin/kursusd -f$", unit, re.M),
         "the packaged kursusd.service starts /usr/sbin/kursusd -f")
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        t.skip("the packaged kursusd.service's exposure", "systemd-analyze "
               "is not installed (Debian package systemd, in dev/deps)")
    else:
        p = subprocess.run([analyze, "security", "--offline=true",
                            os.path.join(x, DEB_UNITS[0])],
                           capture_output=True, timeout=120)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)",
                      (p.stdout + p.stderr).decode("utf-8", "replace"))
        level = float(m.group(1)) if m else None
        t.ok(level is not None and level <= 2.0, "the packaged "
             "kursusd.service's exposure is %s, at most 2.0" % level)
    check_scripts(ctl)


def check_scripts(ctl):
    def read(name):
        try:
            with open(os.path.join(ctl, name), encoding="utf-8") as f:
                return f.read()
        except OSError:
            return ""

    post = read("postinst")
    user = post.find("adduser --system")
    enable = post.find("deb-systemd-helper enable 'kursusd.service'")
    timer = post.find("deb-systemd-helper enable 'kursusd-backup.timer'")
    start = re.search(r"deb-systemd-invoke \$_dh_action ([^>]*)", post)
    started = start.group(1).split() if start else []
    t.ok(0 <= user < enable and timer >= 0 and "addgroup --system" in post,
         "postinst makes the system user and group, then enables "
         "kursusd.service and kursusd-backup.timer")
    t.ok("'kursusd.service'" in started and
         "'kursusd-backup.timer'" in started and
         "'kursusd-backup.service'" not in started,
         "postinst starts kursusd and the timer, not a backup", started)

    rm = read("postrm")
    purge = re.search(r'if \[ "\$1" = purge \]; then\n(.*?)\nfi', rm, re.S)
    code = "\n".join(l for l in rm.split("\n")
                     if not l.lstrip().startswith("#"))
    t.ok(purge and "rm -rf /var/lib/kursusd" in purge.group(1) and
         code.count("/var/lib/kursusd") == 1,
         "postrm removes /var/lib/kursusd on purge, and only then", rm)
    t.ok("/var/lib/kursusd" not in read("prerm"),
         "prerm leaves /var/lib/kursusd")


def main():
    why = why_skip()
    if why is not None:
        t.skip("the Debian package", why)
        return
    check_deps()
    top = t.tempdir()
    tree = os.path.join(top, "kursusd")
    t0 = time.monotonic()
    how = copy_tree(tree)
    t.diag("copied the tree (%s) in %.1f s" % (how, time.monotonic() - t0))
    if not build(tree):
        return
    version = makefile_var("PACKAGE_VERSION")
    arch = subprocess.run(["dpkg", "--print-architecture"],
                          capture_output=True, timeout=30
                          ).stdout.decode().strip()
    deb = os.path.join(top, "kursusd_%s_%s.deb" % (version, arch))
    changes = os.path.join(top, "kursusd_%s_%s.changes" % (version, arch))
    if not t.ok(os.path.exists(deb), "the build made %s" %
                os.path.basename(deb), sorted(os.listdir(top))):
        return
    check_lintian(top, deb, changes)
    check_contents(top, deb)


t.run(main)
