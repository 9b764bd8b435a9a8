"""
kursusctl's translations are whole: every string marked in the sources
(the files of po/POTFILES.in, read by xgettext with the options of
po/Makevars, as make update-po reads them) has its Danish in po/da.po,
none untranslated and none fuzzy; and every cli/*.c that marks a string
is in po/POTFILES.in, so the .pot that make update-po writes holds it.
Judged with gettext's own msgfmt, xgettext and msgcmp.
"""

import os
import re
import shlex
import subprocess
import tempfile

from kursustest import Tap

t = Tap()

SRC = os.environ.get("KURSUS_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
MARKS = re.compile(r"\b(?:N?_|NC_|ngettext)\(\s*\"")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, cwd=SRC,
                          timeout=120, **kw)


def xgettext_options():
    """XGETTEXT_OPTIONS of po/Makevars, its continuation lines joined."""
    text = open(os.path.join(SRC, "po", "Makevars"), encoding="utf-8").read()
    m = re.search(r"^XGETTEXT_OPTIONS\s*=\s*((?:.*\\\n)*.*)$", text, re.M)
    return shlex.split(m.group(1).replace("\\\n", " ")) if m else []


def main():
    po = os.path.join("po", "da.po")
    r = run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po])
    stats = r.stderr.strip()
    t.ok(r.returncode == 0, "msgfmt --check po/da.po: the %-arguments of "
         "every translation match", [stats])
    t.ok(re.match(r"^\d+ translated messages?\.$", stats) is not None,
         "po/da.po: every message translated, none fuzzy or untranslated "
         "(make -C build/po update-po, then write the Danish)", [stats])

    listed = [l.strip() for l in open(os.path.join(SRC, "po",
                                                   "POTFILES.in"),
                                      encoding="utf-8")
              if l.strip() and not l.startswith("#")]
    missing = [f for f in listed if not os.path.exists(os.path.join(SRC, f))]
    t.ok(not missing, "every file of po/POTFILES.in exists", missing)
    marking = []
    for name in sorted(os.listdir(os.path.join(SRC, "cli"))):
        if not name.endswith(".c"):
            continue
        path = "cli/" + name
        with open(os.path.join(SRC, path), encoding="utf-8") as f:
            if MARKS.search(f.read()):
                marking.append(path)
    unlisted = [f for f in marking if f not in listed]
    t.ok(marking and not unlisted, "every cli/*.c that marks a string is "
         "in po/POTFILES.in (%d files)" % len(marking), unlisted)

    opts = xgettext_options()
    t.ok("--keyword=NC_:1c,2" in opts and "--keyword=N_" in opts,
         "po/Makevars gives xgettext the N_() and NC_() marks", opts)
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "now.pot")
        r = run(["xgettext", "-o", pot] + opts + listed)
        t.ok(r.returncode == 0 and os.path.exists(pot), "xgettext reads "
             "the marked strings of today's sources", [r.stderr[-500:]])
        if r.returncode != 0:
            return
        n = len(re.findall(r"^msgid ", open(pot, encoding="utf-8").read(),
                           re.M)) - 1
        r = run(["msgcmp", po, pot])
        lines = [l for l in r.stderr.splitlines() if "this message" in l
                 or "not translated" in l or "fuzzy" in l][:20]
        t.ok(r.returncode == 0 and n > 400, "each of the %d strings marked "
             "in the sources has its Danish in po/da.po (msgcmp)" % n,
             lines or [r.stderr[-800:]])


t.run(main)
