"""
kursusctl in Danish, with the real daemon: under LANG=da_DK.UTF-8 its own
words (help, messages, table headings, its errors) are the Danish of
po/da.po, under LANG=C the English of the source; what the daemon says
(an "error") is said in Danish through its msgid, and --json and --csv
are the same whatever the language. The locale is made with localedef when the machine
lacks it (danish_env()); the catalogue is the build's (make check sets
KURSUS_LOCALEDIR to the build's locale/ tree).

Then a day at the desk in Danish: every command's --help, a returning
caller, the printable participant list (text and HTML), the outbox, the
registrations, the session and status, with none of the English that
kursusctl spoke before it spoke Danish left in them, and --json byte for
byte the same as in English.
"""

import datetime
import html.parser
import re

from kursustest import Tap, danish_env, local_now

t = Tap()

EN = {"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}


def both(d, da, *args, ok=True):
    """The same command in English and in Danish: (english, danish)."""
    return (d.ctl(*args, json=False, env=EN, ok=ok),
            d.ctl(*args, json=False, env=da, ok=ok))


def says(r, words, desc):
    """Every word of words in r's output (stdout and stderr)."""
    text = r.stdout + r.err
    missing = [w for w in words if w not in text]
    t.ok(not missing, desc, (["missing: %r" % missing] if missing else [])
         + r.describe())


def main():
    da, why = danish_env()
    if da is None:
        t.skip("kursusctl in Danish", why)
        return
    d = t.daemon()

    en, dk = both(d, da, "session", "list")
    says(en, ["No sessions."], "session list, none: English under LANG=C")
    says(dk, ["Ingen kursusgange."], "session list, none: Danish")

    en, dk = both(d, da, "register", "--help")
    says(en, ["Register a participant for a session.", "Options:"],
         "register --help in English")
    says(dk, ["Tilmeld en deltager til en kursusgang.", "Valg:",
              "har en ledsager med"], "register --help in Danish")

    en, dk = both(d, da, "frobnicate", ok=False)
    says(en, ['unknown command "frobnicate"'], "an error of kursusctl's own "
         "in English")
    says(dk, ['ukendt kommando "frobnicate"'], "... and in Danish")

    d.ctl("venue", "add", "bibliotek", "--name", "Horsens Bibliotek")
    d.ctl("course", "add", "mitid", "--title", "MitID", "--duration", "90m",
          "--capacity", "1")
    day = local_now().date() + datetime.timedelta(days=20)
    if day.weekday() == 6:
        day += datetime.timedelta(days=1)
    r = d.ctl("session", "add", "--course", "mitid", "--venue", "bibliotek",
              "--start", day.isoformat() + " 10:00", "--allow-closed")
    sid = str(((r.out or {}).get("sessions") or [{}])[0].get("id"))

    r = d.ctl("register", sid, "--name", "Jørgen Smidstrup", "--phone",
              "20304050", json=False, env=da)
    says(r, ["Deltager 1 oprettet.", "Jørgen Smidstrup tilmeldt kursusgang "
             + sid + " (bekræftet", "kursist nr."],
         "register --name in Danish: created, registered, confirmed")
    r = d.ctl("register", sid, "--name", "Karen Holm", "--phone",
              "20304051", json=False, env=EN)
    says(r, ["Created participant 2.", "Karen Holm registered for session "
             + sid + " (waitlisted, position 1"],
         "register --name in English: created, waitlisted")

    en, dk = both(d, da, "registrations", sid)
    says(en, ["NAME", "PHONE", "STATUS", "Jørgen Smidstrup"],
         "registrations: English headings")
    says(dk, ["NAVN", "TELEFON", "LEDSAGER", "Jørgen Smidstrup"],
         "registrations: Danish headings")
    t.ok("NAME" not in dk.stdout, "registrations: no English heading in "
         "Danish", dk.describe())

    en, dk = both(d, da, "participant", "show", "1")
    says(en, ["phone:", "SMS consent:"], "participant show: English labels")
    says(dk, ["telefon:", "samtykke til SMS:", "Tilmeldinger:"],
         "participant show: Danish labels")

    # A refusal by the daemon in the user's language (its msgid and args;
    # test_danish_errors.py has more).
    en, dk = both(d, da, "register", "999", "1", ok=False)
    t.ok(en.rc == dk.rc and en.rc != 0 and
         "no session with id 999 (field: session)" in en.err and
         "der er ingen kursusgang med id 999 (felt: session)" in dk.err,
         "a refusal by the daemon: English under LANG=C, Danish in Danish",
         en.describe() + dk.describe())

    # --json and --csv: the same whatever the language.
    for args in (["session", "list"], ["registrations", sid],
                 ["participant", "show", "1"], ["waitlist", sid]):
        a = d.ctl(*args, env=EN).out
        b = d.ctl(*args, env=da).out
        t.ok(a is not None and a == b, "kursusctl %s --json: the same in "
             "Danish and English" % " ".join(args), [repr(a), repr(b)])
    en, dk = both(d, da, "registrations", sid, "--csv")
    t.ok(en.rc == 0 and en.stdout == dk.stdout and "NAME" in en.stdout,
         "registrations --csv: the same English headings in both languages",
         en.describe() + dk.describe())

    r = d.ctl("unregister", sid, "1", json=False, env=da)
    says(r, ["Jørgen Smidstrup (deltager 1, kursist nr.",
             "afmeldt kursusgang " + sid,
             "Karen Holm rykket op fra ventelisten til kursusgang " + sid,
             "bekræftet"],
         "unregister in Danish, and the waitlist moving up")

    help_in_danish(da)
    desk_day(d, da, day)


# Words and sentences of kursusctl's English, each of which a Danish
# screen once showed; matched as whole words, case and all.
OLD_ENGLISH = [
    "registered for session", "is known already", "Created participant",
    "moved up from", "PARTICIPANT LIST", "Participant list",
    "Instructors:", "Bring:", "Access:", "with a companion", "with companion",
    "on the waitlist", "seats", "taken of", "free", "No notices",
    "No sessions", "SMS consent", "e-mail consent", "landline", "volunteer",
    "pending", "sending", "sent", "failed", "skipped", "confirmed",
    "waitlisted", "cancelled", "scheduled", "position", "not configured",
    "unknown", "since", "uptime", "messages waiting", "replies", "reply",
    "NAME", "PHONE", "COMPANION", "STATE", "RECIPIENT", "CHANNEL", "SEATS",
    "WAIT", "Present", "Name", "Phone", "Companion", "yes", "no", "call",
    "phone", "registered", "participant", "session", "venue", "course",
    "Registrations", "Options", "Commands", "usage", "required",
]


# What the daemon says (a notice's last error, why someone is on the call
# list) and a kind's name (a word --kind takes) stay as they come.
DAEMON_TEXT = ("last_error", "reasons", "reason", "kind")


def daemon_text(answer):
    """The strings under DAEMON_TEXT's keys anywhere in a JSON answer."""
    out = []
    if isinstance(answer, dict):
        for k, v in answer.items():
            if k in DAEMON_TEXT and isinstance(v, str):
                out.append(v)
            elif k in DAEMON_TEXT and isinstance(v, list):
                out.extend(x for x in v if isinstance(x, str))
            else:
                out.extend(daemon_text(v))
    elif isinstance(answer, list):
        for v in answer:
            out.extend(daemon_text(v))
    return out


def english_left(text, allowed=()):
    """The OLD_ENGLISH found in text as whole words, once what is allowed
    (the daemon's own words) is taken out."""
    for a in sorted(allowed, key=len, reverse=True):
        text = text.replace(a, " ")
    return [w for w in OLD_ENGLISH
            if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text)]


def no_english(r, desc, allowed=()):
    left = english_left(r.stdout + r.err, allowed)
    t.ok(r.rc in (0, 3) and not left, desc, (["English left: %r" % left]
                                            if left else []) + r.describe())


STOP = re.compile(r"\b(?:the|a|an|of|to|and|or|is|are|for|with|from|by|"
                  r"in|on|at|it|its|their|them|this|that|not|when|one)\b")


def prose(line):
    """A help line's text without its option column: "" for a usage line
    or one with no English sentence in it."""
    line = line.strip()
    if line.startswith(("kursusctl ", "usage:", "brug:")):
        return ""
    line = re.split(r"\s{2,}", line)[-1]
    # Examples and placeholders are the same in every language.
    line = re.sub(r'"[^"]*"|\{[^}]*\}|»[^«]*«', " ", line)
    words = re.findall(r"[A-Za-z']+", line)
    return line if len(words) >= 4 and STOP.search(line) else ""


def commands(text):
    """The commands `kursusctl --help` lists: [["venue", "add"], ...]."""
    out, on = [], False
    for line in text.split("\n"):
        if line.rstrip().endswith(":") and not line.startswith(" "):
            on = line.strip() in ("Commands:", "Kommandoer:")
            continue
        if on and line.startswith("  ") and line.strip():
            out.append(re.split(r"\s{2,}", line.strip())[0].split())
    return out


def help_in_danish(da):
    """Every command's --help: a sentence of its English help that the
    Danish shows unchanged is one never translated."""
    d = t.daemon(start=False)
    en = d.ctl("--help", json=False, env=EN)
    dk = d.ctl("--help", json=False, env=da)
    cmds = commands(en.stdout)
    t.ok(len(cmds) >= 40 and commands(dk.stdout) == cmds, "kursusctl --help "
         "lists the same %d commands in both languages" % len(cmds),
         dk.describe())
    runs = [(["--help"], en, dk), (["help", "kinds"],
                                   d.ctl("help", "kinds", json=False, env=EN),
                                   d.ctl("help", "kinds", json=False, env=da))]
    for words in sorted({c[0] for c in cmds}) + [" ".join(c) for c in cmds]:
        args = words.split() + ["--help"]
        runs.append((args, d.ctl(*args, json=False, env=EN, ok=None),
                     d.ctl(*args, json=False, env=da, ok=None)))
    left = []
    for args, e, k in runs:
        danish = set(l.strip() for l in k.stdout.split("\n"))
        for line in e.stdout.split("\n"):
            p = prose(line)
            if p and line.strip() in danish:
                left.append("%s: %s" % (" ".join(args), p))
    t.ok(not left, "the --help of %d commands: no English sentence left in "
         "the Danish" % (len(runs) - 2), left[:30])
    glued = [" ".join(a) for a, e, k in runs if "Create a" in k.stdout or
             "List " in k.stdout or "Options:" in k.stdout]
    t.ok(not glued, "no help glued from English pieces in Danish", glued)


class Page(html.parser.HTMLParser):
    """The print page's language, its head cells and all its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.th = []
        self.text = []
        self.where = []

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        self.where.append(tag)

    def handle_endtag(self, tag):
        if self.where and self.where[-1] == tag:
            self.where.pop()

    def handle_data(self, data):
        if "style" in self.where:
            return
        if self.where and self.where[-1] == "th":
            self.th.append(data.strip())
        self.text.append(data)


def desk_day(d, da, day):
    """A day at the desk, all in Danish."""
    d.ctl("course", "edit", "mitid", "--capacity", "8", "--bring",
          "telefon og nøglekort")
    r = d.ctl("session", "add", "--course", "mitid", "--venue", "bibliotek",
              "--start", (day + datetime.timedelta(days=1)).isoformat() +
              " 10:00", "--capacity", "2", "--allow-closed")
    s2 = str(((r.out or {}).get("sessions") or [{}])[0].get("id"))

    # Jørgen rings: new. He rings again about another day, his number
    # written otherwise: the same man.
    r = d.ctl("register", s2, "--name", "Søren Kjærgaard", "--phone",
              "20 30 40 60", "--companion", json=False, env=da)
    says(r, ["Deltager ", "oprettet.", "Søren Kjærgaard tilmeldt "
             "kursusgang %s (bekræftet, med ledsager), kursist nr." % s2],
         "a new caller in Danish: created and registered with a companion")
    no_english(r, "... with no English in it")
    r = d.ctl("participant", "list", "--search", "Kjaergaard", env=EN)
    people = (r.out or {}).get("participants") or []
    jorgen = people[0]["id"] if len(people) == 1 else None
    r = d.ctl("register", sid_of(d, day), "--name", "søren kjærgaard",
              "--phone", "+45 2030 4060", json=False, env=da)
    says(r, ["Søren Kjærgaard (deltager %s) findes allerede – tilmeldt "
             "kursusgang" % jorgen, "kursist nr."],
         "the returning caller in Danish: \"findes allerede – tilmeldt\"")
    no_english(r, "... with no English in it")
    r = d.ctl("register", s2, "--name", "Bodil Hansen", "--phone",
              "20304070", json=False, env=da)
    says(r, ["Bodil Hansen tilmeldt kursusgang %s (nr. 1 på ventelisten)"
             % s2], "a caller on the waitlist in Danish")
    no_english(r, "... with no English in it")

    r = d.ctl("registrations", s2, json=False, env=da)
    says(r, ["NAVN", "TELEFON", "LEDSAGER", "bekræftet", "venteliste nr. 1"],
         "registrations: Danish headings and states")
    no_english(r, "registrations: no English")

    r = d.ctl("registrations", s2, "--print", json=False, env=da)
    says(r, ["DELTAGERLISTE - kursusgang " + s2, "Medbring: telefon og "
             "nøglekort", "NAVN", "LEDSAGER", "1 tilmeldt, 1 med ledsager: "
             "2 af 2 pladser.", "1 på venteliste"],
         "registrations --print in Danish")
    no_english(r, "registrations --print: no English")
    r = d.ctl("registrations", s2, "--print=html", json=False, env=da)
    page = Page()
    page.feed(r.stdout)
    t.ok(page.lang == "da" and page.th == ["Mødt", "Nr.", "Navn", "Telefon",
                                          "Ledsager"],
         "registrations --print=html: lang=\"da\", the columns in Danish",
         ["lang %r, th %r" % (page.lang, page.th)])
    left = english_left("".join(page.text))
    t.ok(not left, "registrations --print=html: no English in its text",
         ["English left: %r" % left])
    en = d.ctl("registrations", s2, "--print=html", json=False, env=EN)
    t.ok('<html lang="en">' in en.stdout and "<th>Name</th>" in en.stdout,
         "... and in English, lang=\"en\" and English columns",
         en.describe())

    for args in (["outbox"], ["session", "list"], ["session", "show", s2],
                 ["participant", "show", str(jorgen)], ["waitlist", s2],
                 ["calllist", s2], ["status"], ["stats"],
                 ["closure", "list"], ["venue", "list"], ["course", "list"]):
        r = d.ctl(*args, json=False, env=da, ok=None)
        said = daemon_text(d.ctl(*args, env=EN, ok=None).out)
        no_english(r, "kursusctl %s in Danish: no English" % " ".join(args),
                   said)
    r = d.ctl("outbox", json=False, env=da)
    says(r, ["TILSTAND", "KANAL", "SMS"], "outbox: Danish headings")

    # --json: the same bytes whatever the language.
    for args in (["session", "list"], ["session", "show", s2],
                 ["registrations", s2], ["waitlist", s2],
                 ["participant", "show", str(jorgen)],
                 ["participant", "list", "--search", "Jørgen"], ["outbox"],
                 ["calllist", s2], ["stats"], ["closure", "list"],
                 ["venue", "list"], ["course", "show", "mitid"]):
        a = d.ctl(*args, env=EN)
        b = d.ctl(*args, env=da)
        t.ok(a.rc == 0 and a.stdout == b.stdout and a.stdout.strip(),
             "kursusctl %s --json: byte for byte the same in Danish" %
             " ".join(args), a.describe() + b.describe())
    a = d.ctl("status", env=EN, ok=None)
    b = d.ctl("status", env=da, ok=None)

    def steady(out):
        # The seconds since the start move on between the two calls.
        return re.sub(r'"uptime": \d+', '"uptime": N', out)

    t.ok(a.rc == b.rc and steady(a.stdout) == steady(b.stdout) and
         a.stdout.strip(),
         "kursusctl status --json: byte for byte the same in Danish "
         "(its attention sentences too; uptime aside)",
         a.describe() + b.describe())


def sid_of(d, day):
    """The session of the first part, on day."""
    r = d.ctl("session", "list", "--from", day.isoformat(), "--to",
              day.isoformat())
    sessions = (r.out or {}).get("sessions") or [{}]
    return str(sessions[0].get("id"))


t.run(main)
