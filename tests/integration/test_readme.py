"""
The README's examples, typed in order as its story says.

Every ```sh block of README.md is run, in order, in one bash, from a
directory that stands for the repository root (build/ is this build, doc/
the sources'), except the blocks marked with a line
"<!-- not replayed: why -->" right before them (installing, building,
another daemon in the foreground). Each command must exit 0, or the
status its comment says ("# ... (exits 1: why)").

What is changed of the text, and only this: the story's /tmp/story becomes
a directory of this test's, its port 8090 a free one, and, run as root,
the story's kursusd gets the user the tests lend every daemon (the README
says to add it). The daemon the story starts in the background is stopped
at the end.
"""

import os
import re
import shutil
import subprocess

from kursustest import BUILDDIR, RUN_GROUP, RUN_USER, SRCDIR, Tap, \
    free_port, give

t = Tap()

SKIP = re.compile(r"<!--\s*not replayed:")


def blocks(text):
    """[(line number, [lines])] of the ```sh blocks to replay."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            skipped = i > 0 and SKIP.match(lines[i - 1].strip())
            if not skipped:
                out.append((start + 1, lines[start:j]))
            i = j
        i += 1
    return out


def commands(block):
    """[(line number, command)]: continued lines joined, comments and
    blank lines left out."""
    first, lines = block
    out = []
    cur, at = "", None
    for k, line in enumerate(lines):
        if at is None:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            at = first + k
        if line.endswith("\\"):
            cur += line + "\n"
            continue
        out.append((at, cur + line))
        cur, at = "", None
    return out


def main():
    with open(os.path.join(SRCDIR, "README.md"), encoding="utf-8") as f:
        text = f.read()
    todo = [c for b in blocks(text) for c in commands(b)]
    t.ok(len(todo) >= 30, "the README has its examples (%d commands to "
         "replay)" % len(todo))

    root = t.tempdir()
    story = os.path.join(root, "story")
    os.symlink(BUILDDIR, os.path.join(root, "build"))
    os.symlink(os.path.join(SRCDIR, "doc"), os.path.join(root, "doc"))
    port = free_port()
    pidfile = os.path.join(root, "story.pid")
    status = os.path.join(root, "status")
    log = os.path.join(root, "replay.log")

    script = ["set -u", "exec 3>%s" % status]
    for at, cmd in todo:
        cmd = cmd.replace("/tmp/story", story).replace(
            "127.0.0.1:8090", "127.0.0.1:%d" % port)
        if cmd.rstrip().endswith("&"):
            # The story's daemon, in the background.
            body = cmd.rstrip()[:-1]
            if os.geteuid() == 0:
                body += " -o daemon.user=%s -o daemon.group=%s" % (
                    RUN_USER, RUN_GROUP)
            script.append("%s >>%s 2>&1 &" % (body, log))
            script.append("echo $! >%s" % pidfile)
            # Until its socket answers (the story goes on at once).
            script.append("for i in $(seq 100); do [ -S %s/admin.sock ] && "
                          "break; sleep 0.05; done" % story)
            script.append("echo \"%d 0\" >&3" % at)
            continue
        script.append("{\n%s\n} >%s/out-%d.log 2>&1 </dev/null" %
                      (cmd, root, at))
        script.append("echo \"%d $?\" >&3" % at)
    path = os.path.join(root, "replay.sh")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    give(root)
    os.makedirs(story, exist_ok=True)
    give(story)

    env = dict(os.environ)
    env.pop("KURSUS_SOCKET", None)
    env["LC_ALL"] = "C.UTF-8"
    try:
        subprocess.run(["bash", path], cwd=root, env=env, timeout=300,
                       stdin=subprocess.DEVNULL)
    finally:
        try:
            with open(pidfile) as f:
                pid = int(f.read())
            os.kill(pid, 15)
            for _ in range(100):
                os.kill(pid, 0)
                subprocess.run(["sleep", "0.05"])
        except (OSError, ValueError):
            pass

    got = {}
    with open(status) as f:
        for line in f:
            at, rc = line.split()
            got[int(at)] = int(rc)
    for at, cmd in todo:
        first = cmd.split("\n")[0]
        m = re.search(r"#.*\(exits (\d+):", cmd)
        want = int(m.group(1)) if m else 0
        diag = ["exit status %s, want %d" % (got.get(at), want)]
        if got.get(at) != want:
            for name in ("out-%d.log" % at, "replay.log"):
                try:
                    with open(os.path.join(root, name), encoding="utf-8",
                              errors="replace") as f:
                        diag += f.read().split("\n")[-10:]
                except OSError:
                    pass
        t.ok(got.get(at) == want, "README.md:%d: %s" % (at, first), diag)
    shutil.rmtree(story, ignore_errors=True)


t.run(main)
