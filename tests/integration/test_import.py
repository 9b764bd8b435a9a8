"""
Importing calendar files (`kursusctl import`) and exporting them
(`kursusctl export`), judged against the sample files in tests/data/ics
and, for what ends up in feeds and exports, by an independent parser
(Debian's python3-icalendar).

Only occurrences from now on (and at most two years ahead) are imported,
and the samples are dated in 2026, so each good sample is imported from a
copy in a temporary directory whose dates (YYYYMMDD of the years 2020-2099;
not the 1601/1970 onsets of VTIMEZONEs) are moved forward by whole weeks,
which keeps weekdays, so BYDAY rules still hold. Lines, folds and bytes are
otherwise left exactly as in the sample. The expected occurrences below are
written out by hand from each sample and moved by the same number of days;
their UTC instants come from zoneinfo.

Checked: what is created, and when (local and UTC, across DST, in the
file's zone, a Windows zone name, UTC, or floating in the venue's zone);
what is skipped, with a reason; a dry run writes nothing; importing the
same file again changes nothing; a changed file (an occurrence moved an
hour, an occurrence cancelled) updates those sessions (same UID in the
feed, higher SEQUENCE, notices for the people registered); broken files are
refused whole naming the line, and write nothing; past occurrences are not
imported; imported sessions show in the venue's feed at the right local
times; `kursusctl export` writes a calendar python3-icalendar reads, with
the venue's sessions, that imports again elsewhere without touching the
originals.
"""

import datetime
import os
import re
import subprocess
import urllib.parse

from kursustest import KURSUSCTL, SRCDIR, Tap, diff_dumps, local_now, \
    tcp_request

t = Tap()

SAMPLES = os.path.join(SRCDIR, "tests", "data", "ics")
UTC = datetime.timezone.utc
CPH = "Europe/Copenhagen"
FAROE = "Atlantic/Faroe"
COURSE = "kursus"
COURSE_TITLE = "Kom godt i gang – æøå"
MARGIN_DAYS = 14            # shifted samples start at least this far ahead

ICAL = None

DATE_RE = re.compile(rb"(?<![0-9A-Za-z])(20[2-9][0-9])([01][0-9])([0-3][0-9])"
                     rb"(?![0-9])")


def ZI(name):
    from zoneinfo import ZoneInfo
    return ZoneInfo(name)


# --------------------------------------------------------------------------
# sample files


def read_sample(name):
    with open(os.path.join(SAMPLES, name), "rb") as f:
        return f.read()


def unfold(raw):
    """RFC 5545 unfolding at the octet level (a fold may split a UTF-8
    character; unfolding restores it)."""
    return re.sub(rb"\r?\n[ \t]", b"", raw)


def sample_dates(raw):
    out = []
    for m in DATE_RE.finditer(unfold(raw)):
        try:
            out.append(datetime.date(int(m.group(1)), int(m.group(2)),
                                     int(m.group(3))))
        except ValueError:
            pass
    return out


def shift(raw, days):
    """raw with every YYYYMMDD date of 2020-2099 moved by days."""
    def one(m):
        try:
            d = datetime.date(int(m.group(1)), int(m.group(2)),
                              int(m.group(3)))
        except ValueError:
            return m.group(0)
        return (d + datetime.timedelta(days=days)).strftime(
            "%Y%m%d").encode()
    out, n = DATE_RE.subn(one, raw)
    # A date split by a fold would be missed; the samples have none.
    if n != len(DATE_RE.findall(unfold(raw))):
        raise RuntimeError("a date in the sample is split by a fold")
    return out


def pick_shift(raw, ok=None):
    """Days (a whole number of weeks, preferably whole 52-week years, so
    seasons stay) to move raw's dates so the earliest is MARGIN_DAYS or
    more ahead; ok(days) may ask for more. The latest must stay well
    within the two years that are imported."""
    dates = sample_dates(raw)
    today = local_now().date()
    need = (today + datetime.timedelta(days=MARGIN_DAYS) - min(dates)).days
    weeks = max(52, -(-need // 364) * 52)
    while ok is not None and not ok(weeks * 7):
        weeks += 1
    days = weeks * 7
    latest = max(dates) + datetime.timedelta(days=days)
    if latest > today + datetime.timedelta(days=725):
        raise RuntimeError("cannot move the sample into the next two years")
    return days


def vevent_lines(raw):
    """{UID: (line of BEGIN:VEVENT, line of END:VEVENT)}, physical lines
    counted from 1."""
    out, begin, uid = {}, None, None
    for i, line in enumerate(raw.split(b"\n"), 1):
        line = line.rstrip(b"\r")
        if line == b"BEGIN:VEVENT":
            begin, uid = i, None
        elif line.startswith(b"UID:") and begin is not None:
            uid = line[4:].decode("utf-8", "replace")
        elif line == b"END:VEVENT" and begin is not None:
            if uid is not None:
                out.setdefault(uid, (begin, i))
            begin = None
    return out


# --------------------------------------------------------------------------
# expectations, written from the samples; D(m, d) is a 2026 date moved


def at(zone, day, hh, mm):
    return datetime.datetime.combine(day, datetime.time(hh, mm),
                                     ZI(zone)).astimezone(UTC)


def utc_at(s, y, m, d, hh, mm):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=UTC) + \
        datetime.timedelta(days=s)


def mover(s):
    return lambda m, d, y=2026: datetime.date(y, m, d) + \
        datetime.timedelta(days=s)


def google_expect(s):
    D = mover(s)
    series = [(at(CPH, D(m, d), 10, 0), at(CPH, D(m, d), 12, 0))
              for m, d in ((9, 22), (9, 29), (10, 6), (10, 20), (11, 10))]
    moved = (at(CPH, D(10, 27), 13, 0), at(CPH, D(10, 27), 15, 0))
    jul = (utc_at(s, 2026, 12, 1, 17, 0), utc_at(s, 2026, 12, 1, 19, 30))
    return {"created": sorted(series + [moved, jul]),
            "cancelled": [(at(CPH, D(11, 3), 10, 0),
                           at(CPH, D(11, 3), 12, 0))],
            "moved": moved, "jul": jul,
            "skipped": ["1q2w3e4r5t6y7u8i9o0p@google.com"]}


def outlook_expect(s):
    D = mover(s)
    # COUNT=6 Tuesdays from 3 March, 17 March excluded, 24 March
    # overridden at the same time, plus the RDATE Thursday 16 April.
    rst = [(at(CPH, D(m, d), 14, 0), at(CPH, D(m, d), 16, 0))
           for m, d in ((3, 3), (3, 10), (3, 24), (3, 31), (4, 7),
                        (4, 16))]
    # W. Europe Standard Time is Berlin's zone.
    wes = (at("Europe/Berlin", D(5, 12), 9, 30),
           at("Europe/Berlin", D(5, 12), 11, 0))
    return {"created": sorted(rst + [wes]), "skipped": []}


def apple_expect(s):
    start = datetime.date(2026, 9, 2) + datetime.timedelta(days=s)
    firsts = []
    y, m = start.year, start.month
    for _ in range(5):      # FREQ=MONTHLY;COUNT=5;BYDAY=1WE
        d = datetime.date(y, m, 1)
        d += datetime.timedelta(days=(2 - d.weekday()) % 7)
        firsts.append(d)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    D = mover(s)
    sing = [(at(CPH, d, 18, 30), at(CPH, d, 20, 30)) for d in firsts]
    tablet = (at(CPH, D(10, 29), 10, 0), at(CPH, D(10, 29), 11, 30))
    return {"created": sorted(sing + [tablet]),
            # no DTEND and no DURATION: skipped, or made with some length
            "either": ["C0FFEE00-1234-5678-9ABC-DEF012345678"],
            "skipped": []}


def apple_ok(days):
    """The moved DTSTART must still be a first Wednesday of its month."""
    return (datetime.date(2026, 9, 2) +
            datetime.timedelta(days=days)).day <= 7


def utc_expect(s):
    weekly = [(utc_at(s, 2026, 10, d0, 9, 0), utc_at(s, 2026, 10, d0, 11, 0))
              for d0 in (15, 22, 29)] + \
        [(utc_at(s, 2026, 11, 5, 9, 0), utc_at(s, 2026, 11, 5, 11, 0))]
    dur = [(utc_at(s, 2026, 11, 20, 13, 0), utc_at(s, 2026, 11, 20, 15, 0))]
    daily = [(utc_at(s, 2026, 12, d0, 8, 0), utc_at(s, 2026, 12, d0, 9, 30))
             for d0 in (1, 2)]
    # UNTIL=20261203 is a DATE against a DATE-TIME DTSTART (not allowed
    # by RFC 5545 3.3.10): 3 December may or may not be included.
    maybe = [(utc_at(s, 2026, 12, 3, 8, 0), utc_at(s, 2026, 12, 3, 9, 30))]
    return {"created": sorted(weekly + dur + daily), "maybe": maybe,
            "skipped": []}


def floating_expect(s, zone):
    D = mover(s)
    lk = [(at(zone, D(m, d), 19, 0), at(zone, D(m, d), 21, 0))
          for m, d in ((3, 19), (3, 26), (4, 2))]
    st = [(at(zone, D(10, d), 10, 0), at(zone, D(10, d), 12, 0))
          for d in (1, 3, 10)]
    film = (at(zone, D(11, 24), 19, 0), at(zone, D(11, 24), 20, 30))
    # "Filmaften" has no UID (RFC 5545 requires one): skipped with a
    # reason, or made.
    return {"created": sorted(lk + st), "maybe": [film], "skipped": []}


def danish_expect(s):
    D = mover(s)
    return {"created": [(at(CPH, D(11, 5), 10, 0),
                         at(CPH, D(11, 5), 12, 0))], "skipped": [],
            "notes": "Strikkecafé – hygge, kaffe og æøå ÆØÅ"}


ZONE_NAMES = [
    ("zone-romance-summer", "Europe/Paris", 7, 1),
    ("zone-romance-winter", "Europe/Paris", 12, 1),
    ("zone-w-europe", "Europe/Berlin", 7, 1),
    ("zone-central-europe", "Europe/Budapest", 7, 1),
    ("zone-central-european", "Europe/Warsaw", 7, 1),
    ("zone-gmt", "Europe/London", 7, 1),
    ("zone-gtb", "Europe/Bucharest", 7, 1),
    ("zone-e-europe", "Europe/Chisinau", 7, 1),
    ("zone-fle", "Europe/Kiev", 7, 1),
    ("zone-utc", "UTC", 7, 1),
    ("zone-freeassociation", CPH, 7, 1),
    ("zone-mozilla", CPH, 7, 1),
    ("zone-iana", "America/New_York", 7, 1),
]


def zone_names_expect(s):
    D = mover(s)
    created = [(at(z, D(m, d), 10, 0), at(z, D(m, d), 12, 0))
               for _, z, m, d in ZONE_NAMES]
    # An Outlook 2010 display name is not a zone name: made at the
    # Brussels/Copenhagen time, or skipped with a reason.
    disp = (at("Europe/Paris", D(7, 1), 10, 0),
            at("Europe/Paris", D(7, 1), 12, 0))
    return {"created": sorted(created), "maybe": [disp],
            "skipped": []}


# --------------------------------------------------------------------------
# talking to kursusd


def fmt(pair):
    return "%s..%s" % (pair[0].strftime("%Y-%m-%d %H:%M"),
                       pair[1].strftime("%H:%M UTC"))


def span(s):
    """(start, end) of a session from the API, as UTC datetimes."""
    def p(v):
        return datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=UTC)
    return p(s["start_utc"]), p(s["end_utc"])


class Importer:
    def __init__(self, d, tmp):
        self.d = d
        self.tmp = tmp
        self.cli_refusals = []

    def write(self, name, raw):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(raw)
        return path

    def run(self, name, raw, venue, dry=False, ok=True, api=False):
        """Import raw (written as name) with kursusctl, or by POST
        /v1/import with api=True. Returns (answer dict or None, Result
        or Response)."""
        if api:
            query = {"venue": venue, "course": COURSE}
            if dry:
                query["dry_run"] = "true"
            r = self.d.request("POST", "/v1/import?" +
                               urllib.parse.urlencode(query), raw,
                               {"Content-Type": "text/calendar"})
            if ok and r.status != 200:
                t.ok(False, "POST /v1/import of %s: 200" % name, [repr(r)])
            return (r.json if r.status == 200 else None), r
        path = self.write(name, raw)
        args = ["import", path, "--venue", venue, "--course", COURSE]
        if dry:
            args.append("--dry-run")
        r = self.d.ctl(*args, ok=ok)
        return (r.out if r.rc == 0 else None), r


def check_import_body(d):
    """POST /v1/import takes the file itself (Content-Type: text/calendar)
    with its options in the query; anything else is refused, naming what
    was wrong, and nothing is written."""
    cal = read_sample("google.ics")
    cases = [
        ("a JSON body", "venue=aero&course=" + COURSE,
         b'{"calendar": "BEGIN:VCALENDAR"}', "application/json", 415,
         None, ("text/calendar", "application/json")),
        ("charset latin1", "venue=aero&course=" + COURSE, cal,
         "text/calendar; charset=iso-8859-1", 415, None,
         ("UTF-8", "iso-8859-1")),
        ("an empty body", "venue=aero&course=" + COURSE, b"",
         "text/calendar", 422, "calendar", ("empty",)),
        ("an unknown option", "venue=aero&course=%s&seats=3" % COURSE, cal,
         "text/calendar", 400, "seats", ("seats", "capacity")),
        ("capacity not a number", "venue=aero&course=%s&capacity=mange" %
         COURSE, cal, "text/calendar", 422, "capacity", ("mange",)),
        ("dry_run neither true nor false",
         "venue=aero&course=%s&dry_run=ja" % COURSE, cal, "text/calendar",
         422, "dry_run", ("ja",)),
        ("no venue", "course=" + COURSE, cal, "text/calendar", (404, 422),
         "venue", ()),
        ("a UTF-16 file", "venue=aero&course=" + COURSE,
         b"\xff\xfe" + "BEGIN:VCALENDAR\r\n".encode("utf-16-le"),
         "text/calendar", 422, "calendar", ("UTF-16",)),
    ]
    for what, query, body, ctype, status, field, words in cases:
        before = d.dump()
        r = d.request("POST", "/v1/import?" + query, body,
                      {"Content-Type": ctype})
        j = r.json if isinstance(r.json, dict) else {}
        err = j.get("error") or ""
        want = status if isinstance(status, tuple) else (status,)
        t.ok(r.status in want and (field is None or j.get("field") == field)
             and all(w.lower() in err.lower() for w in words),
             "POST /v1/import with %s: %s%s, naming %s" % (
                 what, "/".join(str(s) for s in want),
                 ", field " + field if field else "", words or "the field"),
             [repr(r)])
        diff = diff_dumps(before, d.dump())
        t.ok(not diff, "POST /v1/import with %s: nothing written" % what,
             diff[:8])


def check_created(got_sessions, exp, what, zone=CPH):
    """The sessions made are exactly the expected ones (UTC instants),
    and their local times are given in the venue's zone. Optional ones
    (exp["maybe"]) may be there or not."""
    got = sorted(span(s) for s in got_sessions)
    want = list(exp["created"])
    extra_ok = list(exp.get("maybe", []))
    rest = list(got)
    missing = []
    for w in want:
        if w in rest:
            rest.remove(w)
        else:
            missing.append(w)
    unexpected = [g for g in rest if g not in extra_ok]
    t.ok(not missing and not unexpected,
         "%s: %d sessions made, at the right times" % (what, len(want)),
         ["missing: %s" % ", ".join(fmt(x) for x in missing),
          "not expected: %s" % ", ".join(fmt(x) for x in unexpected)])
    problems = []
    for s in got_sessions:
        st = span(s)[0].astimezone(ZI(zone))
        if s.get("start") != st.isoformat(timespec="seconds") or \
                s.get("timezone") != zone:
            problems.append("%r in %r, want %s" % (
                s.get("start"), s.get("timezone"), st.isoformat()))
    t.ok(not problems, "%s: local times in the venue's zone %s" %
         (what, zone), problems[:5])


def check_skips(ans, raw, exp, what):
    """Every skip names its reason; those in exp["skipped"] are skipped;
    keys in exp["either"] are skipped or made."""
    skipped = ans.get("skipped") or []
    keys = [str(x.get("key", "")) for x in skipped]
    problems = []
    for want in exp.get("skipped", []):
        if not any(k == want or k.startswith(want + "/") for k in keys):
            problems.append("%s is not skipped" % want)
    for x in skipped:
        if not str(x.get("reason") or "").strip():
            problems.append("no reason for %r" % x)
    t.ok(not problems, "%s: skipped %s, each with a reason" %
         (what, exp.get("skipped") or "nothing expected"),
         problems + [repr(skipped)])
    lines = vevent_lines(raw)
    problems = []
    for x in skipped:
        uid = str(x.get("key", "")).split("/")[0]
        m = re.search(r"\bline (\d+)", str(x.get("reason") or ""))
        if uid in lines and m and not (lines[uid][0] <= int(m.group(1))
                                       <= lines[uid][1]):
            problems.append("%r names line %s, outside its VEVENT "
                            "(lines %d-%d)" % (x, m.group(1), *lines[uid]))
    t.ok(not problems, "%s: a line named in a skip lies in that VEVENT" %
         what, problems)
    return keys


# --------------------------------------------------------------------------


def main():
    global ICAL
    try:
        import icalendar
        ICAL = icalendar
    except ImportError as e:
        t.ok(False, "python3-icalendar can be imported", [str(e)])
        return
    d = t.daemon()
    imp = Importer(d, t.tempdir())
    d.ctl("venue", "add", "aero", "--name", "Ærøskøbing Bibliotek",
          "--address", "Vestergade 1, 1. sal; indgang fra gården",
          "--postcode", "5970", "--city", "Ærøskøbing")
    d.ctl("venue", "add", "faroe", "--name", "Býarbókasavnið",
          "--city", "Tórshavn", "--timezone", FAROE)
    d.ctl("venue", "add", "zoner", "--name", "Zonebiblioteket")
    d.ctl("venue", "add", "kopi", "--name", "Kopibiblioteket")
    d.ctl("course", "add", COURSE, "--title", COURSE_TITLE, "--duration",
          "90m", "--capacity", "8")

    today = local_now().date()
    # --- past occurrences are not imported: floating.ics as it is lies
    # wholly in 2026 before November
    raw = read_sample("floating.ics")
    if max(sample_dates(raw)) < today:
        before = d.dump()
        ans, r = imp.run("floating-as-is.ics", raw, "aero")
        t.ok(ans is not None and not ans.get("created") and
             not ans.get("updated"),
             "floating.ics as it is (all in the past): nothing created or "
             "updated", [repr(ans)])
        diff = diff_dumps(before, d.dump())
        t.ok(not any(x.startswith("session") for x in diff),
             "importing only past occurrences adds no session", diff[:5])
    else:
        t.skip("floating.ics as it is: nothing imported", "the sample has "
               "dates ahead")

    # --- the good samples, moved into the coming year
    cases = [
        ("google.ics", "aero", CPH, google_expect, None),
        ("apple.ics", "aero", CPH, apple_expect, apple_ok),
        ("utc.ics", "aero", CPH, utc_expect, None),
        ("outlook.ics", "aero", CPH, outlook_expect, None),
        ("danish.ics", "aero", CPH, danish_expect, None),
        ("floating.ics", "faroe", FAROE,
         lambda s: floating_expect(s, FAROE), None),
        ("zone-names.ics", "zoner", CPH, zone_names_expect, None),
    ]
    # The samples as they are: how many of their occurrences are past.
    now = datetime.datetime.now(UTC)
    stale = []
    for name, venue, zone, expect_fn, ok_fn in cases:
        occ = expect_fn(0)["created"]
        past = [x for x in occ if x[0] < now]
        if past:
            stale.append("%s %d of %d" % (name, len(past), len(occ)))
    t.diag("occurrences of the samples already past (so the samples are "
           "imported from copies with their dates moved): %s" %
           (", ".join(stale) if stale else "none"))

    made = {}           # name -> created sessions
    shifted = {}        # name -> (raw, days, expectations)
    for name, venue, zone, expect_fn, ok_fn in cases:
        orig = read_sample(name)
        days = pick_shift(orig, ok_fn)
        raw = shift(orig, days)
        exp = expect_fn(days)
        shifted[name] = (raw, days, exp)
        what = "import %s (dates moved %d days)" % (name, days)
        has_split_char = True
        try:
            for line in raw.split(b"\r\n"):
                line.decode("utf-8")
            has_split_char = False
        except UnicodeDecodeError:
            pass

        # The file goes to kursusd as it is; where a fold splits a UTF-8
        # character (Outlook does that; RFC 5545 3.1 says to unfold octets
        # first), it must still be read, by kursusctl and by the API.
        if has_split_char:
            for api in (False, True):
                ans, r = imp.run(name, raw, venue, dry=True, api=api,
                                 ok=None)
                t.ok(ans is not None, "%s %s: a fold that splits a UTF-8 "
                     "character is unfolded, not refused [RFC 5545 3.1]" %
                     ("POST /v1/import of" if api else "kursusctl import",
                      name), [repr(r)])

        before = d.dump()
        dry, r = imp.run(name, raw, venue, dry=True)
        diff = diff_dumps(before, d.dump())
        t.ok(not diff, "%s --dry-run writes nothing" % what, diff[:8])
        if dry is None:
            continue
        t.ok(dry.get("dry_run") is True, "%s --dry-run: the answer says "
             "dry_run" % what, [repr(dry.get("dry_run"))])

        ans, r = imp.run(name, raw, venue)
        if ans is None:
            continue
        created = ans.get("created") or []
        made[name] = created
        check_created(created, exp, what, zone)
        if "notes" in exp and created:
            # Where the event's SUMMARY is kept (as notes), it must be
            # the text itself: unfolded, unescaped, æøå whole.
            notes = created[0].get("notes")
            t.ok(notes is None or notes == exp["notes"],
                 "%s: notes, where set, hold the SUMMARY exactly" % what,
                 ["got:  %r" % notes, "want: %r" % exp["notes"]])
        t.eq(sorted(span(s) for s in dry.get("created") or []),
             sorted(span(s) for s in created),
             "%s: the dry run reported the same sessions" % what)
        t.ok(not ans.get("updated") and ans.get("dry_run") is False,
             "%s: nothing updated on a first import" % what,
             [repr(ans.get("updated"))])
        skipped = check_skips(ans, raw, exp, what)
        for key in exp.get("either", []):
            t.ok(any(k.split("/")[0] == key for k in skipped) or
                 len(created) > len(exp["created"]),
                 "%s: %s (no DTEND, no DURATION) is skipped or made" %
                 (what, key))
        for pair in exp.get("cancelled", []):
            t.ok(not any(span(s) == pair and s.get("status") != "cancelled"
                         for s in created),
                 "%s: the occurrence cancelled in the file (%s) is not "
                 "scheduled" % (what, fmt(pair)))

        # the same file again: nothing new, nothing changed
        before = d.dump()
        again, r = imp.run(name, raw, venue)
        if again is not None:
            t.ok(not again.get("created") and not again.get("updated") and
                 again.get("unchanged") == len(created),
                 "%s again: nothing created or updated, %d unchanged" %
                 (what, len(created)),
                 ["created %d, updated %d, unchanged %r" % (
                     len(again.get("created") or []),
                     len(again.get("updated") or []),
                     again.get("unchanged"))])
            diff = diff_dumps(before, d.dump())
            t.ok(not diff, "%s again: nothing written" % what, diff[:8])

    # --- the imported sessions in the feeds, read by python3-icalendar
    for venue, zone, names in (("aero", CPH, ["google.ics", "apple.ics",
                                              "utc.ics", "outlook.ics",
                                              "danish.ics"]),
                               ("faroe", FAROE, ["floating.ics"]),
                               ("zoner", CPH, ["zone-names.ics"])):
        r = tcp_request(d.public_port, "GET", "/feeds/venue/%s.ics" % venue)
        if not t.ok(r.status == 200, "GET /feeds/venue/%s.ics: 200" % venue,
                    [repr(r)]):
            continue
        try:
            cal = ICAL.Calendar.from_ical(r.body.decode("utf-8"))
        except Exception as e:
            t.ok(False, "the %s feed parses" % venue, [repr(e)])
            continue
        evs = {str(e.get("UID")): e for e in cal.walk("VEVENT")}
        sessions = [s for n in names for s in made.get(n, [])]
        problems = []
        for s in sessions:
            ev = evs.get(s.get("uid"))
            if ev is None:
                problems.append("%s is not in the feed" % s.get("uid"))
                continue
            st = span(s)[0].astimezone(ZI(zone))
            p = ev.get("DTSTART")
            if p.params.get("TZID") != zone or \
                    p.dt.replace(tzinfo=None) != st.replace(tzinfo=None) or \
                    p.dt.astimezone(UTC) != span(s)[0]:
                problems.append("%s: DTSTART;TZID=%s:%s, want %s" % (
                    s.get("uid"), p.params.get("TZID"), p.dt, st))
        t.ok(sessions and not problems, "venue feed %s: the %d imported "
             "sessions at the right local times, with TZID=%s" %
             (venue, len(sessions), zone), problems[:6])

    # --- a changed file: Google moves the Christmas party an hour and
    # cancels the one afternoon occurrence; people are registered
    if "google.ics" in made and "google.ics" in shifted:
        raw, days, exp = shifted["google.ics"]
        sess = made["google.ics"]
        jul = next((s for s in sess if span(s) == exp["jul"]), None)
        aft = next((s for s in sess if span(s) == exp["moved"]), None)
        others = [s for s in sess if s is not jul and s is not aft]
        if jul is None or aft is None:
            t.ok(False, "the sessions to change were made")
        else:
            p1 = (d.ctl("register", str(jul["id"]), "--name", "Grethe Ølby",
                        "--phone", "25566778").out or {}).get(
                            "participant_id")
            p2 = (d.ctl("register", str(aft["id"]), "--name", "Niels Åby",
                        "--phone", "26677889").out or {}).get(
                            "participant_id")
            feed_before = tcp_request(d.public_port, "GET",
                                      "/feeds/venue/aero.ics")
            cal0 = ICAL.Calendar.from_ical(feed_before.body.decode())
            seq0 = {str(e.get("UID")): int(e.get("SEQUENCE", 0))
                    for e in cal0.walk("VEVENT")}
            jd = (datetime.date(2026, 12, 1) +
                  datetime.timedelta(days=days)).strftime("%Y%m%d").encode()
            changed = raw.replace(b"DTSTART:" + jd + b"T170000Z",
                                  b"DTSTART:" + jd + b"T180000Z")
            changed = changed.replace(b"DTEND:" + jd + b"T193000Z",
                                      b"DTEND:" + jd + b"T203000Z")
            # Google raises SEQUENCE with each change.
            blocks = changed.split(b"BEGIN:VEVENT")
            for i, b in enumerate(blocks):
                if b"UID:0a9s8d7f6g5h4j3k2l1z@google.com" in b:
                    blocks[i] = b.replace(b"SEQUENCE:0", b"SEQUENCE:1")
                if b"RECURRENCE-ID" in b and b"T130000" in b:
                    blocks[i] = b.replace(b"STATUS:CONFIRMED",
                                          b"STATUS:CANCELLED").replace(
                        b"SEQUENCE:3", b"SEQUENCE:4")
            changed = b"BEGIN:VEVENT".join(blocks)
            if changed.count(b"T180000Z") != 1 or \
                    b"SEQUENCE:4" not in changed:
                raise RuntimeError("could not change the google sample")

            before = d.dump()
            dry, r = imp.run("google-changed.ics", changed, "aero", dry=True)
            diff = diff_dumps(before, d.dump())
            t.ok(not diff, "changed google.ics --dry-run writes nothing",
                 diff[:8])
            ans, r = imp.run("google-changed.ics", changed, "aero")
            if ans is not None:
                upd = {s.get("uid"): s for s in ans.get("updated") or []}
                t.ok(set(upd) == {jul["uid"], aft["uid"]} and
                     not ans.get("created") and
                     ans.get("unchanged") == len(others),
                     "changed google.ics: the two changed sessions updated "
                     "(same UIDs), nothing created, %d unchanged" %
                     len(others),
                     ["updated %r" % sorted(upd), "created %d" %
                      len(ans.get("created") or []),
                      "unchanged %r" % ans.get("unchanged")])
                if dry is not None:
                    t.eq(sorted(s.get("uid") for s in
                                dry.get("updated") or []), sorted(upd),
                         "changed google.ics: the dry run reported the same "
                         "updates")
                j = upd.get(jul["uid"])
                want = (exp["jul"][0] + datetime.timedelta(hours=1),
                        exp["jul"][1] + datetime.timedelta(hours=1))
                t.ok(j is not None and span(j) == want and
                     j.get("status") == "scheduled" and
                     j.get("sequence", 0) > jul.get("sequence", 0),
                     "the moved occurrence: an hour later, still "
                     "scheduled, higher sequence", [repr(j)])
                a = upd.get(aft["uid"])
                t.ok(a is not None and a.get("status") == "cancelled",
                     "the occurrence cancelled in the file: cancelled",
                     [repr(a)])
            r = tcp_request(d.public_port, "GET", "/feeds/venue/aero.ics")
            cal = ICAL.Calendar.from_ical(r.body.decode())
            evs = {str(e.get("UID")): e for e in cal.walk("VEVENT")}
            ev = evs.get(jul["uid"])
            want_start = (exp["jul"][0] + datetime.timedelta(hours=1))
            t.ok(ev is not None and
                 ev.decoded("DTSTART").astimezone(UTC) == want_start and
                 ev["DTSTART"].params.get("TZID") == CPH and
                 int(ev.get("SEQUENCE", 0)) > seq0.get(jul["uid"], 0),
                 "feed: the moved session keeps its UID, starts an hour "
                 "later (%s local), higher SEQUENCE" %
                 want_start.astimezone(ZI(CPH)).strftime("%H:%M"),
                 ev and [str(ev.get("DTSTART").dt), ev.get("SEQUENCE")])
            ev = evs.get(aft["uid"])
            t.ok(ev is not None and str(ev.get("STATUS")) == "CANCELLED" and
                 int(ev.get("SEQUENCE", 0)) > seq0.get(aft["uid"], 0),
                 "feed: the cancelled occurrence stays with "
                 "STATUS:CANCELLED and a higher SEQUENCE",
                 ev and [str(ev.get("STATUS")), ev.get("SEQUENCE")])
            t.eq(len(evs), len(seq0), "feed: no event added by the "
                 "re-import")
            box = (d.ctl("outbox").out or {}).get("outbox") or []
            kinds = {(o.get("participant_id"), o.get("session_id"),
                      o.get("kind")) for o in box}
            t.ok((p1, jul["id"], "moved") in kinds and
                 (p2, aft["id"], "cancelled") in kinds,
                 "notices: 'moved' for the person registered for the moved "
                 "session, 'cancelled' for the cancelled one",
                 [repr(sorted(kinds, key=repr))])
            again, r = imp.run("google-changed.ics", changed, "aero")
            t.ok(again is not None and not again.get("created") and
                 not again.get("updated"),
                 "the changed file once more: nothing created or updated",
                 [repr(again and {k: again.get(k) for k in
                                  ("created", "updated", "unchanged")})])

    # --- broken files: refused whole, naming the line, nothing written
    for name, lines_ok in (("broken-garbage.ics", {12}),
                           ("broken-mismatch.ics", {4, 9}),
                           ("broken-unterminated.ics", {10, 14}),
                           ("broken-value.ics", {6}),
                           ("broken-latin1.ics", {8})):
        raw = read_sample(name)
        for dry in (False, True):
            before = d.dump()
            path = imp.write(name, raw)
            args = ["import", path, "--venue", "aero", "--course", COURSE]
            if dry:
                args.append("--dry-run")
            r = d.ctl(*args, ok=False)
            nums = {int(x) for x in re.findall(r"\bline (\d+)", r.err)}
            t.refused(r, "kursusctl import %s%s: refused" %
                      (name, " --dry-run" if dry else ""))
            t.ok(nums & lines_ok, "%s: the message names line %s" %
                 (name, " or ".join(str(x) for x in sorted(lines_ok))),
                 [r.err.strip()])
            diff = diff_dumps(before, d.dump())
            t.ok(not diff, "%s: nothing written" % name, diff[:8])
    # The same refusals from the API.
    for name, lines_ok in (("broken-garbage.ics", {12}),
                           ("broken-mismatch.ics", {4, 9}),
                           ("broken-unterminated.ics", {10, 14}),
                           ("broken-value.ics", {6}),
                           ("broken-latin1.ics", {8})):
        before = d.dump()
        r = d.request("POST", "/v1/import?venue=aero&course=" + COURSE,
                      read_sample(name), {"Content-Type": "text/calendar"})
        err = (r.json or {}).get("error") or ""
        nums = {int(x) for x in re.findall(r"\bline (\d+)", err)}
        t.ok(r.status == 422 and (r.json or {}).get("field") == "calendar"
             and nums & lines_ok,
             "POST /v1/import of %s: 422, field calendar, names line %s" %
             (name, " or ".join(str(x) for x in sorted(lines_ok))),
             [repr(r)])
        diff = diff_dumps(before, d.dump())
        t.ok(not diff, "POST /v1/import of %s: nothing written" % name,
             diff[:8])

    check_import_body(d)

    # An event whose text holds a CPR number: the whole file is refused,
    # by the CLI and the API, without the number in the answer, and
    # nothing is written (the SUMMARY would have become session notes).
    when = (today + datetime.timedelta(days=20)).strftime("%Y%m%d")
    for prop, value in (("SUMMARY", "Anna Jensen 010203-1234"),
                        ("DESCRIPTION", "cpr 01.02.03 1234"),
                        ("LOCATION", "010203\u20131234")):
        raw = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//DA\r\n"
               "BEGIN:VEVENT\r\nUID:cpr-%s@example.com\r\n"
               "DTSTAMP:20260101T000000Z\r\n"
               "DTSTART:%sT090000Z\r\nDTEND:%sT100000Z\r\n"
               "SUMMARY:Kursus\r\n%s:%s\r\nEND:VEVENT\r\n"
               "END:VCALENDAR\r\n" % (prop.lower(), when, when,
                                       prop if prop != "SUMMARY" else "X-A",
                                       value))
        if prop == "SUMMARY":
            raw = raw.replace("SUMMARY:Kursus\r\nX-A:%s" % value,
                              "SUMMARY:%s" % value)
        for api in (False, True):
            before = d.dump()
            ans, r = imp.run("cpr-%s.ics" % prop.lower(),
                             raw.encode("utf-8"), "aero", ok=None, api=api)
            said = (r.err if not api else
                    str((r.json or {}).get("error")))
            t.ok(ans is None and "CPR" in said and prop in said and
                 "1234" not in said,
                 "import of an event with a CPR number in its %s (%s): "
                 "refused naming the property, not the number" %
                 (prop, "API" if api else "kursusctl"), [said])
            diff = diff_dumps(before, d.dump())
            t.ok(not diff, "import with a CPR number in %s: nothing "
                 "written" % prop, diff[:5])

    # Files that parse but hold events that cannot be sessions: refused
    # whole naming the line, or those events skipped, each with a reason
    # naming a line of its own VEVENT, and the good ones made.
    for name, good, bad in (
            ("broken-dtend.ics", {"dtend-ok@example.com": (10, 0, 12, 0)},
             ["dtend-before@example.com", "dtend-equal@example.com"]),
            ("broken-tzid.ics", {"tzid-ok@example.com": (10, 0, 12, 0)},
             ["tzid-atlantis@example.com", "tzid-mars@example.com"])):
        orig = read_sample(name)
        days = pick_shift(orig)
        raw = shift(orig, days)
        before = d.dump()
        ans, r = imp.run(name, raw, "kopi", dry=True, ok=None)
        diff = diff_dumps(before, d.dump())
        t.ok(not diff, "%s --dry-run writes nothing" % name, diff[:5])
        if ans is None:
            t.ok(re.search(r"\bline \d+", r.err or ""),
                 "%s: refused naming the line" % name, [r.err])
            continue
        lines = vevent_lines(raw)
        keys = {str(x.get("key")).split("/")[0]: str(x.get("reason"))
                for x in ans.get("skipped") or []}
        problems = []
        for uid in bad:
            m = re.search(r"\bline (\d+)", keys.get(uid, ""))
            if uid not in keys:
                problems.append("%s not skipped" % uid)
            elif not m or not (lines[uid][0] <= int(m.group(1)) <=
                               lines[uid][1]):
                problems.append("%s: reason %r names no line of its "
                                "VEVENT (%d-%d)" % (uid, keys[uid],
                                                    *lines[uid]))
        t.ok(not problems, "%s: %s skipped, each reason naming its line" %
             (name, " and ".join(bad)), problems)
        t.eq(len(ans.get("created") or []), len(good),
             "%s: the good event is made" % name)

    # An endless daily rule: sessions from now to two years ahead, daily
    # at 10:00 local, none beyond; an hourly rule and one that never
    # matches are skipped (dry run: 700-odd sessions are not written).
    raw = read_sample("broken-endless.ics")
    before = d.dump()
    now = datetime.datetime.now(UTC)
    ans, r = imp.run("broken-endless.ics", raw, "kopi", dry=True, ok=None)
    diff = diff_dumps(before, d.dump())
    t.ok(not diff, "broken-endless.ics --dry-run writes nothing", diff[:5])
    if ans is None:
        t.ok(re.search(r"\bline \d+", r.err or ""),
             "broken-endless.ics: refused naming the line", [r.err])
    else:
        created = ans.get("created") or []
        starts = sorted(span(s)[0] for s in created)
        local = [x.astimezone(ZI(CPH)) for x in starts]
        two_years = now + datetime.timedelta(days=2 * 366 + 1)
        problems = []
        if not starts:
            problems.append("nothing made")
        else:
            if starts[0] < now:
                problems.append("first at %s, before now" % starts[0])
            if starts[-1] > two_years:
                problems.append("last at %s, more than two years ahead" %
                                starts[-1])
            if starts[-1] < now + datetime.timedelta(days=2 * 365 - 2):
                problems.append("last at %s, short of two years" %
                                starts[-1])
            if any((b.date() - a.date()).days != 1
                   for a, b in zip(local, local[1:])):
                problems.append("not one a day")
            if any((x.hour, x.minute) != (10, 0) for x in local):
                problems.append("not all at 10:00 local")
        t.ok(not problems, "broken-endless.ics: the endless daily rule "
             "gives one session a day at 10:00 local from now to two "
             "years ahead (%d)" % len(starts), problems)
        lines = vevent_lines(raw)
        keys = {str(x.get("key")).split("/")[0]: str(x.get("reason"))
                for x in ans.get("skipped") or []}
        problems = []
        for uid in ("endless-hourly@example.com",
                    "endless-never@example.com"):
            m = re.search(r"\bline (\d+)", keys.get(uid, ""))
            if not m or not (lines[uid][0] <= int(m.group(1)) <=
                             lines[uid][1]):
                problems.append("%s: %r" % (uid, keys.get(uid)))
        t.ok(not problems, "broken-endless.ics: the hourly rule and the "
             "rule that never matches are skipped, naming their lines",
             problems)

    # --- an event more than two years ahead is not imported
    orig = read_sample("utc.ics")
    days = pick_shift(orig) + 52 * 7 * 3
    ans, r = imp.run("utc-far.ics", shift(orig, days), "kopi")
    t.ok(ans is not None and not ans.get("created"),
         "utc.ics moved three years further: nothing created (only two "
         "years ahead are read)", [repr(ans and ans.get("created"))])

    # --- export: kursusctl export --venue aero > file.ics
    sl = d.ctl("session", "list", "--venue", "aero", "--from",
               today.isoformat(), "--to",
               (today + datetime.timedelta(days=800)).isoformat())
    venue_sessions = (sl.out or {}).get("sessions") or []
    want_uids = {s.get("uid") for s in venue_sessions}
    argv = [KURSUSCTL, "--socket", d.sock, "export", "--venue", "aero"]
    p = subprocess.run(argv, capture_output=True, timeout=60)
    out = p.stdout
    t.ok(p.returncode == 0 and out.startswith(b"BEGIN:VCALENDAR"),
         "kursusctl export --venue aero > file.ics: a calendar on stdout",
         [p.stderr.decode("utf-8", "replace"), repr(out[:100])])
    path = os.path.join(imp.tmp, "export-aero.ics")
    r = d.ctl("export", "--venue", "aero", "--output", path, json=False)
    with open(path, "rb") as f:
        out2 = f.read()
    problems = []
    for i, line in enumerate(out.split(b"\r\n")[:-1], 1):
        if len(line) > 75 or b"\n" in line:
            problems.append("line %d: %r" % (i, line))
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append("line %d splits a character: %r" % (i, line))
    t.ok(out.endswith(b"\r\n") and not problems,
         "export: CRLF lines of at most 75 octets, none splitting a UTF-8 "
         "character", problems[:5])
    try:
        cal = ICAL.Calendar.from_ical(out.decode("utf-8"))
        evs = {str(e.get("UID")): e for e in cal.walk("VEVENT")}
    except Exception as e:
        cal, evs = None, {}
        t.ok(False, "the export parses with python3-icalendar", [repr(e)])
    t.ok(cal is not None and set(evs) == want_uids and
         len(cal.walk("VEVENT")) == len(want_uids),
         "export --venue aero: python3-icalendar reads the %d sessions of "
         "the venue, no others" % len(want_uids),
         ["missing %r" % sorted(want_uids - set(evs))[:5],
          "extra %r" % sorted(set(evs) - want_uids)[:5]])
    problems = []
    for s in venue_sessions:
        ev = evs.get(s.get("uid"))
        if ev is None:
            continue
        if ev.decoded("DTSTART").astimezone(UTC) != span(s)[0] or \
                ev["DTSTART"].params.get("TZID") != CPH:
            problems.append("%s: %s" % (s.get("uid"), ev.get("DTSTART").dt))
        if (str(ev.get("STATUS")) == "CANCELLED") != \
                (s.get("status") == "cancelled"):
            problems.append("%s: STATUS %s, status %s" % (
                s.get("uid"), ev.get("STATUS"), s.get("status")))
    t.ok(cal is not None and not problems,
         "export: each session's start (TZID=%s) and status" % CPH,
         problems[:5])
    if cal is not None:
        t.ok(str(cal.get("METHOD")) == "PUBLISH" and
             str(cal.get("VERSION")) == "2.0" and cal.walk("VTIMEZONE"),
             "export: VERSION:2.0, METHOD:PUBLISH, a VTIMEZONE")
    try:
        cal2 = ICAL.Calendar.from_ical(out2.decode("utf-8"))
        uids2 = {str(e.get("UID")) for e in cal2.walk("VEVENT")}
    except Exception:
        uids2 = None
    t.eq(uids2, want_uids, "export --output FILE: the same sessions")

    # The export imports elsewhere: a copy at another venue, the
    # originals untouched.
    orig_state = {s["id"]: (s.get("venue"), s.get("start_utc"),
                            s.get("status"), s.get("sequence"))
                  for s in venue_sessions}
    live = [s for s in venue_sessions if s.get("status") != "cancelled"]
    ans, r = imp.run("export-aero.ics", out, "kopi")
    if ans is not None:
        created = ans.get("created") or []
        skipped = ans.get("skipped") or []
        # Either a copy of each live session, or every event skipped
        # with a reason (kursusd's own sessions); never duplicates of
        # some and not others.
        copies = sorted(span(s) for s in created) == \
            sorted(span(s) for s in live)
        refused = not created and len(skipped) == len(want_uids) and \
            all(str(x.get("reason") or "").strip() for x in skipped)
        t.ok(copies or refused,
             "importing the export at another venue: a copy of each live "
             "session at the same times, or each event skipped with a "
             "reason", ["created %d of %d live, skipped %d of %d" % (
                 len(created), len(live), len(skipped), len(want_uids))])
        t.ok(not ans.get("updated"), "importing the export updates none of "
             "the original sessions", [repr([s.get("id") for s in
                                             ans.get("updated") or []])])
    sl = d.ctl("session", "list", "--venue", "aero", "--from",
               today.isoformat(), "--to",
               (today + datetime.timedelta(days=800)).isoformat())
    now_state = {s["id"]: (s.get("venue"), s.get("start_utc"),
                           s.get("status"), s.get("sequence"))
                 for s in (sl.out or {}).get("sessions") or []}
    t.eq(now_state, orig_state, "the original sessions at aero are as they "
         "were")

    check_period(d, imp, today)
    t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")


def check_period(d, imp, today):
    """A busy library's two-year export (3,000 sessions) is taken whole;
    --from and --to choose the period read; the past is refused."""
    d.ctl("venue", "add", "travl", "--name", "Travle Bibliotek")
    events = []
    start = today + datetime.timedelta(days=2)
    for i in range(3000):
        day = start + datetime.timedelta(days=i // 5)
        hh = 9 + 2 * (i % 5)
        events.append(
            "BEGIN:VEVENT\r\nUID:travl-%d@example.dk\r\n"
            "DTSTAMP:20260101T000000Z\r\n"
            "DTSTART;TZID=Europe/Copenhagen:%sT%02d0000\r\n"
            "DTEND;TZID=Europe/Copenhagen:%sT%02d3000\r\n"
            "SUMMARY:Kursus %d\r\nEND:VEVENT\r\n" % (
                i, day.strftime("%Y%m%d"), hh, day.strftime("%Y%m%d"),
                hh + 1, i))
    raw = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//DA\r\n" +
           "".join(events) + "END:VCALENDAR\r\n").encode("utf-8")
    ans, r = imp.run("travl.ics", raw, "travl", dry=True, ok=None)
    t.ok(ans is not None and len(ans.get("created") or []) == 3000,
         "a two-year file of 3,000 sessions (%d KiB): all taken (dry run)" %
         (len(raw) // 1024), [r.err if hasattr(r, "err") else repr(r)])
    month_from = start + datetime.timedelta(days=30)
    month_to = start + datetime.timedelta(days=59)
    path = imp.write("travl.ics", raw)
    r = d.ctl("import", path, "--venue", "travl", "--course", COURSE,
              "--from", month_from.isoformat(), "--to",
              month_to.isoformat(), "--dry-run")
    got = (r.out or {}).get("created") or []
    days = sorted({s["start"][:10] for s in got})
    t.ok(r.rc == 0 and len(got) == 150 and days and
         days[0] == month_from.isoformat() and
         days[-1] == month_to.isoformat(),
         "--from and --to (a day alone: its whole day): the 30 days' 150 "
         "sessions only", ["%d sessions, %s .. %s" % (
             len(got), days[:1], days[-1:])] + r.describe())
    r = d.ctl("import", path, "--venue", "travl", "--course", COURSE,
              "--from", (today - datetime.timedelta(days=3)).isoformat(),
              ok=False)
    t.refused(r, "--from in the past: refused, naming from", ["from"])


t.run(main)
