"""
On the day, and spreadsheets (issue 8, parts 3 and 6), through the real
daemon and kursusctl:

- registrations SESSION --print: a plain-text page within 80 columns with
  the course, time, venue and address on top, and --print=html, a
  standalone page (judged with html.parser) with every name escaped;
- attendance by kursist nr. (nr:N and a bare number that can only be one),
  by name (a unique match, else refused listing the candidates), by id,
  and --all-present, each refusal writing nothing;
- --csv and --csv=excel on the listing commands, judged with the csv
  module: a byte-order mark, CRLF, ';' for Excel, and a name typed as
  =HYPERLINK(...) or a phone +45... escaped with a leading quote;
- stats --from --to --csv: the report per month, venue and course type.
"""

import csv
import datetime
import html.parser
import io
import sqlite3
import time

from kursustest import Tap, display_width, local_now

t = Tap()

VENUE = "solsikken"
COURSE = "mitid-start"
TITLE = "MitID fra bunden"
BRING = "telefon, nøglekort & briller"
EVIL = '=HYPERLINK("http://evil.example/","klik")'
TAGGED = "Karen <b>&amp;</b> Holm"


def parse_csv(text, what, sep=","):
    """The rows of kursusctl's CSV, after checking the byte-order mark and
    that every line ends in CRLF."""
    t.ok(text.startswith("\ufeff"), "%s: starts with a UTF-8 byte-order "
         "mark" % what, [repr(text[:40])])
    body = text[1:] if text.startswith("\ufeff") else text
    lone = body.replace("\r\n", "")
    t.ok(body.endswith("\r\n") and "\n" not in lone and "\r" not in lone,
         "%s: every line ends in CRLF" % what, [repr(body[:200])])
    return list(csv.reader(io.StringIO(body, newline=""), delimiter=sep,
                           strict=True))


class Page(html.parser.HTMLParser):
    """The print page's title, paragraphs and table cells, as text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.stack = []
        self.title = ""
        self.paras = []
        self.rows = []
        self.meta_charset = None
        self.decl = None
        self._cell = None
        self._para = None

    def handle_decl(self, decl):
        self.decl = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "meta" and "charset" in a:
            self.meta_charset = a["charset"]
        if tag in ("meta", "br"):
            return
        self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = ""
        if tag == "p":
            self._para = ""

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None
        if tag == "p" and self._para is not None:
            self.paras.append(self._para)
            self._para = None

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "title":
            self.title += data
        if self._cell is not None:
            self._cell += data
        if self._para is not None:
            self._para += data


def main():
    d = t.daemon()
    d.ctl("venue", "add", VENUE, "--name", "Seniorklubben Solsikken",
          "--address", "Ærøvej 7", "--postcode", "8700", "--city",
          "Horsens")
    d.ctl("course", "add", COURSE, "--title", TITLE, "--duration", "90m",
          "--capacity", "8", "--bring", BRING)
    # Running numbers from 5, so that a bare 5 is both a participant id
    # and a kursist nr. in the session below.
    d.ctl("settings", "--number-start", "5")

    begin = local_now().replace(microsecond=0) + datetime.timedelta(
        seconds=25)
    r = d.ctl("session", "add", "--course", COURSE, "--venue", VENUE,
              "--start", begin.isoformat(timespec="seconds"),
              "--capacity", "6")
    sid = str((((r.out or {}).get("sessions") or [{}])[0]).get("id"))

    people = [
        ("Jørgen Smidstrup", ["--phone", "20304050"], True),
        ("Jørgen Hansen", ["--phone", "22334455"], False),
        (EVIL, ["--phone", "+45 21 21 21 21"], False),
        (TAGGED, ["--email", "karen@example.dk"], False),
        ("Birthe Ærø", ["--phone", "+46701234567"], False),
        ("Ole Olsen", ["--phone", "23456789"], False),   # waitlisted
    ]
    reg = {}
    for name, contact, companion in people:
        r = d.ctl("register", sid, "--name", name, *(contact + (
            ["--companion"] if companion else [])))
        reg[name] = r.out or {}
    t.eq([reg[p[0]].get("number") for p in people], [5, 6, 7, 8, 9, 10],
         "six registered, kursist nr. 5 to 10")
    t.eq(reg["Ole Olsen"].get("status"), "waitlisted",
         "the sixth waits: the seats are taken")
    pid = {name: reg[name].get("participant_id") for name, _, _ in people}
    t.eq(pid["Birthe Ærø"], 5, "Birthe is participant 5, Jørgen S. nr. 5")

    # --- the printed list, plain text
    r = d.ctl("registrations", sid, "--print", json=False)
    page = r.out
    lines = page.split("\n")
    t.ok(all(display_width(l) <= 80 for l in lines),
         "--print: no line wider than 80 columns",
         [l for l in lines if display_width(l) > 80])
    head = "\n".join(lines[:8])
    t.ok(TITLE in head and "Seniorklubben Solsikken" in head and
         "Ærøvej 7, 8700 Horsens" in head and begin.strftime(
             "%Y-%m-%d %H:%M") in head,
         "--print: course, date and time, venue and address at the top",
         lines[:8])
    t.ok("Bring: " + BRING in page, "--print: what to bring", lines[:8])
    row = next((l for l in lines if "Jørgen Smidstrup" in l), "")
    t.ok(row.startswith("[ ]") and " 5 " in row and "20 30 40 50" in row
         and row.rstrip().endswith("+1"),
         "--print: Jørgen's line: a box to tick, nr. 5, phone written "
         "20 30 40 50, companion", [row])
    t.ok("Ole Olsen" not in page, "--print: the waitlisted are not on the "
         "list of who comes")
    t.ok(page.count("[ ]") == 5 + 3,
         "--print: five to tick and three empty lines for walk-ins",
         lines)
    r = d.ctl("registrations", sid, "--print", "--csv", json=False,
              ok=False)
    t.refused(r, "--print with --csv is refused", ["--print", "--csv"])
    r = d.ctl("registrations", sid, "--print=pdf", json=False, ok=False)
    t.refused(r, "--print=pdf is refused naming the choices", ["html"])

    # --- the printed list, HTML
    r = d.ctl("registrations", sid, "--print=html", json=False)
    p = Page()
    p.feed(r.out)
    p.close()
    t.ok(p.decl is not None and p.decl.lower() == "doctype html" and
         p.meta_charset == "utf-8", "--print=html: a standalone page "
         "(doctype, charset utf-8)", [r.out[:200]])
    t.ok(TITLE in p.title, "--print=html: the title names the course",
         [p.title])
    t.ok("b" not in p.tags, "--print=html: the name with <b> in it is "
         "text, not markup", [p.tags])
    t.ok(any("Ærøvej 7, 8700 Horsens" in x for x in p.paras) and
         any(BRING in x for x in p.paras),
         "--print=html: the address and what to bring (with & escaped)",
         p.paras)
    body = [x for x in p.rows[1:] if len(x) == 5]
    names = [x[2] for x in body if x[2]]
    t.eq(sorted(names), sorted([n for n, _, _ in people[:5]]),
         "--print=html: the five confirmed, names exactly as typed",
         [p.rows])
    jr = next((x for x in body if x[2] == "Jørgen Smidstrup"), [])
    t.eq(jr[1:], ["5", "Jørgen Smidstrup", "20 30 40 50", "+1"],
         "--print=html: Jørgen's row: nr., name, phone, companion")
    br = next((x for x in body if x[2] == "Birthe Ærø"), [])
    t.eq(br[3:4], ["+46701234567"],
         "--print=html: a foreign number as given")
    t.ok(len(body) == 8 and all(x[0] == "\u2610" for x in body),
         "--print=html: a box to tick on every row, three empty ones",
         [p.rows])

    # --- CSV of the registrations
    r = d.ctl("registrations", sid, "--csv", json=False)
    rows = parse_csv(r.out, "registrations --csv")
    t.eq(rows[0][:4], ["NR", "ID", "NAME", "PHONE"],
         "registrations --csv: the header line")
    evil = next((x for x in rows if EVIL in x[2]), None)
    t.ok(evil is not None and evil[2] == "'" + EVIL and
         evil[3] == "'+4521212121",
         "registrations --csv: the =HYPERLINK name and the +45 phone "
         "start with a quote: no spreadsheet runs them", [evil])
    karen = next((x for x in rows if "Karen" in x[2]), None)
    t.ok(karen is not None and karen[2] == TAGGED and karen[3] == "",
         "registrations --csv: a name as typed, no phone an empty field",
         [karen])
    jo = next((x for x in rows if x[2] == "Jørgen Smidstrup"), None)
    t.ok(jo is not None and jo[5] == "yes", "registrations --csv: æøå "
         "intact, the companion as yes", [jo])
    r = d.ctl("registrations", sid, "--csv=excel", json=False)
    rows2 = parse_csv(r.out, "registrations --csv=excel", sep=";")
    t.eq(rows2, rows, "--csv=excel: the same rows, ';' between fields")
    t.ok(";" in r.out.split("\r\n")[0] and "," not in
         r.out.split("\r\n")[0], "--csv=excel: the header is separated "
         "by ';'", [r.out.split("\r\n")[0]])
    r = d.ctl("registrations", sid, "--csv", "--json", json=False,
              ok=False)
    t.refused(r, "--csv with --json is refused", ["--csv", "--json"])
    r = d.ctl("registrations", sid, "--csv=tab", json=False, ok=False)
    t.refused(r, "--csv=tab is refused naming excel", ["excel"])

    # --- CSV of the other lists
    for args, header, want in (
            (["participant", "list"], "ID", EVIL),
            (["session", "list"], "ID", TITLE),
            (["venue", "list"], "SLUG", "Seniorklubben Solsikken"),
            (["course", "list"], "SLUG", TITLE),
            (["instructor", "list"], "SLUG", None),
            (["waitlist", sid], "POS", "Ole Olsen"),
            (["calllist", sid], "NAME", None),
            (["outbox"], "ID", None)):
        what = " ".join(args[:2]) + " --csv"
        r = d.ctl(*args, "--csv", json=False)
        rows = parse_csv(r.out, what)
        t.ok(len(rows) >= 1 and rows[0][0] == header and
             len(set(len(x) for x in rows)) == 1,
             "%s: a header line, every line the same fields" % what,
             [repr(x) for x in rows[:4]])
        if want is not None:
            cells = [c.lstrip("'") for x in rows[1:] for c in x]
            t.ok(want in cells, "%s: holds %r" % (what, want),
                 [repr(x) for x in rows[:6]])
        if want == EVIL:
            t.ok("'" + EVIL in [c for x in rows for c in x],
                 "%s: the =HYPERLINK name escaped" % what)
    body = "Hej {first_name}!\nHusk {course} {date}, \"{venue}\"."
    d.ctl("course", "template", "set", COURSE, "reminder", "sms",
          "--body", body)
    r = d.ctl("course", "template", "list", COURSE, "--csv", json=False)
    rows = parse_csv(r.out, "course template list --csv")
    t.eq([(x[0], x[1], x[5]) for x in rows],
         [("KIND", "CHANNEL", "BODY"),
          ("reminder", "sms", body.replace("\n", "\r\n"))],
         "course template list --csv: the text in a field of its own, "
         "quotes kept, its line break a CRLF too")
    r = d.ctl("session", "list", "--csv", json=False)
    rows = parse_csv(r.out, "session list --csv")
    t.eq(rows[0][4:6], ["TAKEN", "SEATS"], "session list --csv: seats "
         "taken and seats in two columns (no 5/6 for Excel to make a "
         "date of)")
    t.eq(rows[1][1], begin.strftime("%Y-%m-%d %H:%M"),
         "session list --csv: the start as a spreadsheet reads it")
    for cmd in (["session", "list"], ["registrations", sid], ["stats"],
                ["calllist", sid], ["outbox"], ["participant", "list"]):
        r = d.ctl("__complete", *cmd, json=False)
        words = r.out.split("\n")
        h = d.ctl(*cmd, "--help", json=False)
        t.ok("--csv" in words and "--csv=excel" in words and
             "--csv[=excel]" in h.out, "%s: --help and completion offer "
             "--csv[=excel]" % " ".join(cmd[:1]), [r.out, h.out])
    r = d.ctl("__complete", "registrations", sid, json=False)
    t.ok("--print=html" in r.out.split("\n"),
         "registrations: completion offers --print=html", [r.out])
    # The completion script hands "--csv=" over while a value is typed.
    r = d.ctl("__complete", "registrations", sid, "--csv=", json=False)
    r2 = d.ctl("__complete", "registrations", sid, "--csv", json=False)
    t.ok(r.out.split() == ["excel"] and "excel" not in r2.out.split(),
         "completion: after --csv= the values, after --csv a new word",
         [r.out, r2.out])
    r = d.ctl("session", "show", sid, "--csv", json=False, ok=False)
    t.refused(r, "session show takes no --csv (it is not a list)",
              ["--csv"])

    # --- attendance, once the session has started
    wait = (begin - local_now()).total_seconds() + 1.0
    t.ok(wait > 0, "the checks before the start took less than 25 s",
         ["%.1f s too late" % -wait])
    if wait > 0:
        time.sleep(wait)

    def att(*args, ok=True, json=True):
        return d.ctl("attendance", sid, *args, ok=ok, json=json)

    def marks():
        db = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True)
        try:
            return dict(db.execute(
                "SELECT number, attendance FROM registration WHERE "
                "session_id = ?", (int(sid),)).fetchall())
        finally:
            db.close()

    r = att("--present", "Jørgen", ok=False)
    t.refused(r, "attendance by a name two people share is refused, "
              "naming both", ["Jørgen Smidstrup", "Jørgen Hansen", "nr:"])
    r = att("--present", "nr:6,Nobody Here", ok=False)
    t.refused(r, "a name nobody has is refused", ["Nobody Here"])
    t.eq(set(marks().values()), {None}, "a refused request records "
         "nothing, not even the part that fitted")
    r = att("--present", "5", ok=False)
    t.refused(r, "a bare number that is a participant id and another "
              "person's kursist nr. is refused as unclear",
              ["nr:5", "id:5"])
    r = att("--present", "Ole", ok=False)
    t.refused(r, "the waitlisted are refused: attendance is for seats",
              ["waitlisted"])
    r = att("--present", "nr:5", "--present", "9, 2", "--absent",
            "karen holm")
    t.ctl_ok(r, "attendance by nr:5, a bare 9 (only a kursist nr.), a "
             "bare 2 (only an id) and a part of a name, any case")
    m = marks()
    t.eq((m.get(5), m.get(9), m.get(6), m.get(8), m.get(7)),
         ("attended", "attended", "attended", "no-show", None),
         "attendance: Jørgen S. (nr. 5), Birthe (nr. 9), Jørgen H. "
         "(participant 2) came; Karen did not")
    r = att("--present", "jørgen smidstrup", "--present", "nr:5",
            ok=False)
    t.refused(r, "the same person named twice is refused", ["twice"])
    r = att("--all-present", "--absent", "id:%d" % pid[TAGGED],
            json=False)
    t.ok(r.rc == 0 and "Marked 4 present and 1 absent." in r.out,
         "attendance --all-present says how many it marked",
         r.describe())
    m = marks()
    t.eq((m.get(5), m.get(6), m.get(7), m.get(8), m.get(9), m.get(10)),
         ("attended", "attended", "attended", "no-show", "attended", None),
         "--all-present: everyone confirmed came but Karen; the "
         "waitlisted untouched")

    # --- statistics for the municipality
    day = begin.date()
    frm, to = day.isoformat(), (day + datetime.timedelta(
        days=1)).isoformat()
    r = d.ctl("stats", "--from", frm, "--to", to)
    mvc = (r.out or {}).get("by_month_venue_course") or []
    t.eq([(x.get("month"), x.get("venue"), x.get("course"),
           x.get("sessions"), x.get("registrations"), x.get("attended"),
           x.get("no_show")) for x in mvc],
         [(begin.strftime("%Y-%m"), VENUE, COURSE, 1, 5, 4, 1)],
         "GET /v1/stats: by month, venue and course together")
    r = d.ctl("stats", "--from", frm, "--to", to, "--csv", json=False)
    rows = parse_csv(r.out, "stats --csv")
    t.eq(rows[0], ["MONTH", "VENUE", "COURSE", "SESSIONS",
                   "REGISTRATIONS", "ATTENDED", "NO-SHOW", "ATTENDANCE %",
                   "PARTICIPANTS"], "stats --csv: the header")
    t.eq(rows[1:], [[begin.strftime("%Y-%m"), "Seniorklubben Solsikken",
                     TITLE, "1", "5", "4", "1", "80.0", ""],
                    ["total", "", "", "1", "5", "4", "1", "80.0", "5"]],
         "stats --csv: a line per month, venue and course, and the totals "
         "with the people counted")
    r = d.ctl("stats", "--from", frm, "--to", to, "--csv=excel",
              json=False)
    rows = parse_csv(r.out, "stats --csv=excel", sep=";")
    t.eq(rows[-1][7], "80,0", "stats --csv=excel: a decimal comma")

    log = d.log()
    t.ok("Smidstrup" not in log and "20304050" not in log and
         "Hansen" not in log, "the daemon's log names nobody",
         [l for l in log.split("\n") if "Smidstrup" in l][:3])


t.run(main)
