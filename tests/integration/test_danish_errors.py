"""
The daemon's refusals in Danish: kursusd's error JSON carries, beside the
English "error", the format it was made from ("msgid") and the text of
each of its arguments ("args"); kursusctl translates the format through
its catalogue (po/da.po) and puts the args in. Under LANG=da_DK.UTF-8 the
refusals a desk meets come out in Danish with the values in place, under
LANG=C exactly as the daemon said them, and --json is the same in both.

The catalogue is checked against the source: every format of fail_set()
and cause_set() in the daemon's files (po/POTFILES.in), as xgettext reads
them, is translated in po/da.po, none fuzzy, none with positional %1$s.
The refusals' JSON is checked with Python's own % on the msgid and args:
it gives back the English "error".
"""

import datetime
import glob
import os
import re
import shutil
import subprocess

from kursustest import SRCDIR, Tap, danish_env, local_now, next_weekday

t = Tap()

EN = {"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}


def po_entries(path):
    """{msgid: (msgstr, flags)} of a PO file, read without gettext's tools."""
    entries, cur, key = {}, None, None

    def unq(s):
        esc = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
        return re.sub(r'\\(.)', lambda m: esc.get(m.group(1), m.group(0)),
                      s[1:-1])

    def done():
        if cur is not None and "msgid" in cur:
            entries[cur["msgid"]] = (cur.get("msgstr", ""), cur["flags"])

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#~"):
                continue
            if line.startswith("#,"):
                if cur is not None and "msgid" in cur:
                    done()
                    cur = None
                cur = cur or {"flags": set()}
                cur["flags"].update(x.strip() for x in line[2:].split(","))
            elif line.startswith("msgid "):
                if cur is not None and "msgid" in cur:
                    done()
                    cur = None
                cur = cur or {"flags": set()}
                key = "msgid"
                cur[key] = unq(line[6:])
            elif line.startswith("msgstr "):
                key = "msgstr"
                cur[key] = unq(line[7:])
            elif line.startswith('"') and cur is not None and key:
                cur[key] += unq(line)
            elif not line.strip():
                done()
                cur, key = None, None
    done()
    return entries


def c_format(fmt, args):
    """Python's % on a C format whose arguments are given as texts."""
    py = re.sub(r"%(?:[-+ #0]*\d*(?:\.\d+)?)(?:hh|h|ll|l|z|j|t)?"
                r"([diouxXcsfgeEGp%])",
                lambda m: "%" if m.group(1) == "%" else "\x00", fmt)
    parts = py.split("\x00")
    if len(parts) != len(args) + 1:
        return None
    out = parts[0]
    for a, p in zip(args, parts[1:]):
        out += a + p
    return out


def daemon_msgids():
    """The formats xgettext finds in daemon/*.c, with po/Makevars' keywords:
    ({msgid}, the files they are in)."""
    files = sorted(os.path.relpath(f, SRCDIR) for f in
                   glob.glob(os.path.join(SRCDIR, "daemon", "*.c")))
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "kursus-daemon-%d.pot" % os.getpid())
    subprocess.run(["xgettext", "--keyword=fail_set:4",
                    "--flag=fail_set:4:c-format", "--keyword=cause_set:2",
                    "--flag=cause_set:2:c-format", "--from-code=UTF-8",
                    "-o", out] + files, cwd=SRCDIR, check=True)
    ids, used = set(), set()
    with open(out, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#: "):
                used.update(ref.rsplit(":", 1)[0] for ref in line[3:].split())
    ids = set(po_entries(out)) - {""}
    os.unlink(out)
    return ids, used


def check_catalogue():
    if shutil.which("xgettext") is None:
        t.skip("the daemon's formats in po/da.po",
               "xgettext is missing (the Debian package gettext, dev/deps)")
        return {}
    ids, files = daemon_msgids()
    po = po_entries(os.path.join(SRCDIR, "po", "da.po"))
    t.ok(len(ids) > 200 and len(files) > 15, "xgettext finds the daemon's "
         "formats (%d in %d files)" % (len(ids), len(files)))
    with open(os.path.join(SRCDIR, "po", "POTFILES.in")) as f:
        listed = {l.strip() for l in f}
    t.ok(files <= listed, "po/POTFILES.in lists every daemon file with a "
         "refusal", sorted(files - listed))
    missing = sorted(i for i in ids if i not in po)
    untranslated = sorted(i for i in ids if i in po and not po[i][0])
    fuzzy = sorted(i for i in ids if i in po and "fuzzy" in po[i][1])
    t.ok(not missing, "every daemon format is in po/da.po (make -C "
         "build/po update-po)", missing[:20])
    t.ok(not untranslated, "0 untranslated daemon formats",
         untranslated[:20])
    t.ok(not fuzzy, "0 fuzzy daemon formats", fuzzy[:20])
    positional = sorted(i for i in ids if i in po and
                        re.search(r"%\d+\$", po[i][0]))
    t.ok(not positional, "no positional %1$s in the daemon's translations "
         "(kursusctl fills the conversions in order)", positional)
    return po


def raw_checks(d, po):
    """msgid and args in the JSON; Python's % gives back the error."""
    r = d.request("POST", "/v1/venues", {"slug": "x", "name": "X",
                                         "colour": "blue"})
    j = r.json or {}
    t.ok(r.status == 400 and j.get("msgid") == 'unknown field "%s"' and
         j.get("args") == ["colour"] and j.get("field") == "colour",
         "unknown field: msgid and args in the error JSON",
         ["%d %s" % (r.status, r.body[:300])])
    t.ok(c_format(j.get("msgid") or "", j.get("args") or []) ==
         j.get("error"), "unknown field: msgid with args is the error")
    t.ok(c_format(po.get(j.get("msgid"), ("",))[0], j.get("args") or [])
         == 'ukendt felt "colour"', "unknown field: its Danish",
         [repr(po.get(j.get("msgid")))])
    r = d.request("GET", "/v1/sessions/4711")
    j = r.json or {}
    t.ok(r.status == 404 and j.get("args") == ["4711"] and
         c_format(j.get("msgid") or "", j["args"]) == j.get("error"),
         "unknown session: msgid and args", ["%d %s" % (r.status,
                                                       r.body[:300])])
    # A refusal without a format of its own keeps its old shape.
    r = d.request("GET", "/v2/sessions")
    j = r.json or {}
    t.ok(r.status >= 400 and isinstance(j.get("error"), str),
         "another API version: an error as before", [r.body[:300]])


def main():
    po = check_catalogue()
    da, why = danish_env()
    d = t.daemon()
    raw_checks(d, po)
    if da is None:
        t.skip("kursusd's refusals in Danish", why)
        return

    day = next_weekday(local_now().date() + datetime.timedelta(days=14), 1)
    d.ctl("venue", "add", "bibliotek", "--name", "Horsens Bibliotek")
    d.ctl("course", "add", "mitid", "--title", "MitID", "--duration", "90m",
          "--capacity", "8")
    r = d.ctl("session", "add", "--course", "mitid", "--venue", "bibliotek",
              "--start", day.isoformat() + " 10:00", "--allow-closed")
    sid = str(((r.out or {}).get("sessions") or [{}])[0].get("id"))
    d.ctl("register", sid, "--name", "Jørgen Smidstrup", "--phone",
          "20304050")
    r = d.ctl("session", "add", "--course", "mitid", "--venue", "bibliotek",
              "--start", day.isoformat() + " 13:00", "--allow-closed")
    gone = str(((r.out or {}).get("sessions") or [{}])[0].get("id"))
    d.ctl("session", "cancel", gone, "--reason", "Sygdom")
    d.ctl("closure", "add", "--from", (day + datetime.timedelta(days=7))
          .isoformat(), "--to", (day + datetime.timedelta(days=7))
          .isoformat(), "--reason", "Personaledag")
    past = local_now().date() - datetime.timedelta(days=5)
    far = local_now().date() + datetime.timedelta(days=3 * 365)
    closed = (day + datetime.timedelta(days=7)).isoformat()
    add = ["session", "add", "--course", "mitid", "--venue", "bibliotek",
           "--start"]

    # (what, args, Danish words, English words)
    cases = [
        ("already registered", ["register", sid, "1"],
         ["Jørgen Smidstrup (deltager 1) er allerede tilmeldt kursusgang "
          + sid + " (bekræftet, kursist nr."],
         ["is already registered for session " + sid]),
        ("another name with this number",
         ["register", sid, "--name", "Karen Smidstrup", "--phone",
          "20 30 40 50"],
         ["+4520304050 kendes allerede under et andet navn: Jørgen "
          "Smidstrup (deltager 1, +4520304050)", "--participant ID",
          "(--new)"],
         ["is already known under another name"]),
        ("a closed day", add + [closed + " 10:00"],
         [closed + " er lukket (lukning 1, " + closed + " til " + closed
          + ": Personaledag); brug allow_closed (--allow-closed)"],
         [closed + " is closed (closure 1"]),
        ("an overlap", add + [day.isoformat() + " 10:30", "--allow-closed"],
         ["kursusgang " + sid + " (MitID, " + day.isoformat() + " 10:00 til "
          "11:30) er på Horsens Bibliotek på det tidspunkt",
          "(--allow-overlap)"],
         ["is at Horsens Bibliotek at that time"]),
        ("a start in the past", add + [past.isoformat() + " 10:00"],
         ["start " + past.isoformat() + " 10:00 ligger i fortiden; brug "
          "past (--past)"], ["is in the past"]),
        ("a start far ahead", add + [far.isoformat() + " 10:00"],
         ["start " + far.isoformat() + " 10:00 ligger mere end to år ude i "
          "fremtiden"], ["more than two years ahead"]),
        ("an unknown session", ["register", "4711", "1"],
         ["der er ingen kursusgang med id 4711"],
         ["no session with id 4711"]),
        ("a cancelled session", ["register", gone, "1"],
         ["kursusgang " + gone + " er aflyst; der tages ikke imod "
          "tilmeldinger"],
         ["session " + gone + " is cancelled; no registrations are taken"]),
        ("an unknown venue", ["session", "add", "--course", "mitid",
                              "--venue", "nosuch", "--start",
                              day.isoformat() + " 14:00"],
         ['der er intet sted "nosuch"'], ['no venue "nosuch"']),
        ("a phone number too short", ["participant", "add", "--name",
                                      "Bo Bøgh", "--phone", "2030"],
         ['telefon "2030": for kort til et dansk nummer (8 cifre)',
          "(felt: phone)"],
         ['phone "2030": too short for a Danish number (8 digits)']),
        ("an e-mail address without a dot", ["participant", "add", "--name",
                                             "Bo Bøgh", "--email",
                                             "bo@localhost"],
         ['e-mail "bo@localhost": domænet har intet punktum'],
         ["the domain has no dot"]),
        ("a CPR number for a phone", ["participant", "add", "--name",
                                      "Bo Bøgh", "--phone", "0102031234"],
         ["phone ser ud til at indeholde et CPR-nummer; kursusd gemmer "
          "aldrig CPR-numre"], ["phone looks like it holds a CPR number"]),
        ("a CPR number in a name", ["participant", "add", "--name",
                                    "010203-1234"],
         ["ser ud til at indeholde et CPR-nummer"],
         ["looks like it holds a CPR number"]),
        ("a kursist nr. not registered", ["unregister", sid, "nr:3999"],
         ["kursist nr. 3999 er ikke tilmeldt kursusgang " + sid],
         ["kursist nr. 3999 is not registered for session " + sid]),
    ]
    for what, args, da_words, en_words in cases:
        en = d.ctl(*args, json=False, env=EN, ok=False)
        dk = d.ctl(*args, json=False, env=da, ok=False)
        ej = d.ctl(*args, env=EN, ok=False)
        dj = d.ctl(*args, env=da, ok=False)
        missing = [w for w in da_words if w not in dk.err]
        t.ok(dk.rc != 0 and not missing, "%s: in Danish with the values "
             "in place" % what, (["missing: %r" % missing] if missing else [])
             + dk.describe())
        missing = [w for w in en_words if w not in en.err]
        t.ok(en.rc != 0 and not missing and en.err != dk.err,
             "%s: as the daemon said it under LANG=C" % what,
             (["missing: %r" % missing] if missing else []) + en.describe())
        t.ok(ej.rc == dj.rc and ej.stdout == dj.stdout,
             "%s: --json the same in both" % what,
             ej.describe() + dj.describe())
    # Nothing of the refusals above was written.
    r = d.ctl("participant", "list")
    t.ok(len((r.out or {}).get("participants", [])) == 1,
         "one participant after all the refusals",
         r.describe())


t.run(main)
