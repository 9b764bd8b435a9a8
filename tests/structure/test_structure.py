"""
The rules of the code's shape, measured on the build:

  size      no source file over 1,000 lines;
  circles   no circle of calls of more than three files in daemon/,
            calendars/ and notifier/, and none in cli/ and common/: file A
            calls file B when A's object uses a symbol that B's object
            defines (nm);
  layers    the libraries stand alone: common uses nothing of the others;
            calendars and notifier use common only, never each other nor
            the daemon; cli uses common only; nothing but the daemon uses
            the daemon. Measured the same way, from the objects, and from
            the includes (a header of another part names a dependency
            even where no symbol is used yet).

Run by make check from the build directory (KURSUS_BUILDDIR) over the
sources (KURSUS_SRCDIR); `python3 tests/structure/test_structure.py -v`
also prints the graph.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                "integration"))
from kursustest import BUILDDIR, SRCDIR, Tap  # noqa: E402

t = Tap()

PARTS = ("common", "calendars", "notifier", "daemon", "cli")
# What each part may use (besides itself).
MAY_USE = {
    "common": set(),
    "calendars": {"common"},
    "notifier": {"common"},
    "daemon": {"common", "calendars", "notifier"},
    "cli": {"common"},
}
MAX_LINES = 1000
# The most files a circle of calls may hold, by part: a few model files of
# the daemon may call each other (a registration makes a participant, a
# participant's removal cancels registrations), the CLI's none.
MAX_CIRCLE = {"daemon": 3, "cli": 1, "calendars": 3, "notifier": 3,
              "common": 1}


def sources():
    out = []
    for part in PARTS:
        d = os.path.join(SRCDIR, part)
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                out.append("%s/%s" % (part, name))
    return out


def objects():
    """{source path: object path} for the .c files of the parts."""
    found = {}
    for part in PARTS:
        d = os.path.join(BUILDDIR, part)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            if not name.endswith(".o"):
                continue
            # automake names a library's objects lib<x>_a-<source>.o and a
            # program's <prog>-<source>.o
            base = name[:-2].split("-", 1)[-1]
            src = "%s/%s.c" % (part, base)
            if os.path.exists(os.path.join(SRCDIR, src)):
                found[src] = os.path.join(d, name)
    return found


def symbols(obj):
    """(defined, used) global symbols of an object."""
    p = subprocess.run(["nm", "-g", obj], capture_output=True, text=True)
    defined, used = set(), set()
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "U":
            used.add(f[1])
        elif len(f) == 3 and f[1] in "TDBRCVWG":
            defined.add(f[2])
    return defined, used


def graph(objs):
    defs, uses = {}, {}
    for src, obj in objs.items():
        defs[src], uses[src] = symbols(obj)
    owner = {}
    for src, d in defs.items():
        for s in d:
            owner.setdefault(s, src)
    edges = {src: {} for src in objs}
    for src, u in uses.items():
        for s in u:
            dst = owner.get(s)
            if dst is not None and dst != src:
                edges[src].setdefault(dst, set()).add(s)
    return edges


def circles(edges):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def includes(src):
    """The quoted includes of a source file."""
    with open(os.path.join(SRCDIR, src), encoding="utf-8") as f:
        return re.findall(r'^\s*#\s*include\s+"([^"]+)"', f.read(), re.M)


def header_part(name, here):
    """The part a quoted include belongs to, or None (config.h)."""
    if os.path.exists(os.path.join(SRCDIR, here, name)):
        return here
    for part in PARTS:
        if os.path.exists(os.path.join(SRCDIR, part, name)):
            return part
    return None


def main():
    verbose = "-v" in sys.argv
    srcs = sources()
    long_files = []
    for src in srcs:
        with open(os.path.join(SRCDIR, src), encoding="utf-8") as f:
            n = sum(1 for _ in f)
        if n > MAX_LINES:
            long_files.append("%s: %d lines" % (src, n))
    t.ok(not long_files, "size: no source file over %d lines" % MAX_LINES,
         long_files)

    objs = objects()
    if not objs:
        t.skip("circles and layers", "no objects in %s" % BUILDDIR)
        return
    edges = graph(objs)
    if verbose:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                t.diag("%s -> %s: %s" % (a, b, ", ".join(sorted(
                    edges[a][b])[:6])))
    found = circles(edges)
    if verbose:
        for c in found:
            t.diag("circle: %s" % " ".join(c))
    big = [c for c in found if len(c) > MAX_CIRCLE[c[0].split("/")[0]]]
    t.ok(not big, "circles: none of more than three files in the daemon "
         "and the libraries, none at all in cli/ and common/",
         ["%d files: %s" % (len(c), " ".join(c)) for c in big])

    wrong = []
    for a in sorted(edges):
        pa = a.split("/")[0]
        for b in sorted(edges[a]):
            pb = b.split("/")[0]
            if pb != pa and pb not in MAY_USE[pa]:
                wrong.append("%s calls %s (%s)" % (
                    a, b, ", ".join(sorted(edges[a][b])[:4])))
    t.ok(not wrong, "layers: calls go only where they may (common <- "
         "calendars, notifier <- daemon; cli on common only)", wrong)

    wrong = []
    for src in srcs:
        pa = src.split("/")[0]
        for name in includes(src):
            pb = header_part(name, pa)
            if pb is not None and pb != pa and pb not in MAY_USE[pa]:
                wrong.append("%s includes %s (%s)" % (src, name, pb))
    t.ok(not wrong, "layers: includes go only where they may", wrong)


t.run(main)
