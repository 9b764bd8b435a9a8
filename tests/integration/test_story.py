"""
The seed story, end to end through kursusctl: a course leader at Horsens
Bibliotek sets up "Malernes Seniorklub" and "NemID/MitID for begyndere", a
weekly series; desk staff register people until the first session is full,
the next callers are waitlisted, someone cancels and the first on the
waitlist moves up; the outbox holds the notices; attendance is recorded
after a session; stats show the attendance rate and the next milestone,
and Jørgen Smidstrup is kursist nr. 3000.
"""

import datetime
import re
import time

from kursustest import Tap, free_port, display_width, dst_changes, \
    local_now, next_weekday, zone

t = Tap()

VENUE = "malernes-seniorklub"
COURSE = "nemid-begyndere"
BRING = "telefon, nøglekort og læsebriller"


def iso_local(dt):
    return dt.isoformat(timespec="seconds")


def expected_times(day, hh, mm, minutes, tz=None):
    """(start, end, start_utc, end_utc) as the API writes them for a
    session at hh:mm local time on day (in tz, default Copenhagen)."""
    if tz is None:
        z = zone()
    else:
        from zoneinfo import ZoneInfo
        z = ZoneInfo(tz)
    start = datetime.datetime.combine(day, datetime.time(hh, mm), z)
    end = (start.astimezone(datetime.timezone.utc) +
           datetime.timedelta(minutes=minutes)).astimezone(z)
    utc = datetime.timezone.utc
    return (iso_local(start), iso_local(end),
            start.astimezone(utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            end.astimezone(utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


def cells(line):
    """[(text, start display column, end display column)] of the cells of
    a table line: runs of text separated by two or more spaces."""
    out = []
    for m in re.finditer(r"\S+(?: \S+)*", line):
        start = display_width(line[:m.start()])
        out.append((m.group(0), start, start + display_width(m.group(0))))
    return out


def check_aligned(table, name_a, name_b, what):
    """In a plain table, the rows holding name_a (ASCII) and name_b (with
    æøå) have their following cells at the same display columns (left
    aligned cells start together, right aligned ones end together)."""
    lines = table.split("\n")
    row_a = next((l for l in lines if name_a in l), None)
    row_b = next((l for l in lines if name_b in l), None)
    if not t.ok(row_a is not None and row_b is not None,
                "%s: rows for %r and %r are shown" % (what, name_a, name_b),
                table.split("\n")):
        return
    ca, cb = cells(row_a), cells(row_b)
    ia = next(i for i, c in enumerate(ca) if c[0] == name_a)
    ib = next(i for i, c in enumerate(cb) if c[0] == name_b)
    after_a, after_b = ca[ia + 1:], cb[ib + 1:]
    problems = []
    if ia != ib or len(after_a) != len(after_b) or not after_a:
        problems.append("the rows do not have the same cells")
    else:
        for x, y in zip(after_a, after_b):
            if x[1] != y[1] and x[2] != y[2]:
                problems.append("cell %r at columns %d-%d, cell %r at %d-%d"
                                % (x[0], x[1], x[2], y[0], y[1], y[2]))
        # The cell right after the name: same start column when the
        # header's title starts there (left aligned), else same end.
        if after_a[0][1] != after_b[0][1] and after_a[0][2] != after_b[0][2]:
            problems.append("the column after the name is not aligned")
    t.ok(not problems, "%s: the column after %r (with æøå) lines up with "
         "the one after %r" % (what, name_b, name_a),
         problems + ["  " + row_a, "  " + row_b])


def main():
    # E-mail and SMS configured, towards ports where nobody listens.
    d = t.daemon(extra=["smtp.host=127.0.0.1", "smtp.port=%d" % free_port(),
                        "smtp.from=kurser@bibliotek.example",
                        "sms.driver=kannel",
                        "sms.url=http://127.0.0.1:%d/cgi-bin/sendsms"
                        % free_port(), "outbox.retry_seconds=3600",
                        "outbox.probe_seconds=0"])

    # --- the course leader sets up the venue, course type and series
    r = d.ctl("venue", "add", VENUE, "--name", "Malernes Seniorklub",
              "--address", "Borgergade", "--postcode", "8700",
              "--city", "Horsens")
    v = r.out or {}
    t.eq((v.get("slug"), v.get("name"), v.get("address"), v.get("postcode"),
          v.get("city"), v.get("timezone")),
         (VENUE, "Malernes Seniorklub", "Borgergade", "8700", "Horsens",
          "Europe/Copenhagen"), "venue add: the venue as given")

    r = d.ctl("course", "add", COURSE, "--title", "NemID/MitID for begyndere",
              "--duration", "90m", "--capacity", "8", "--bring", BRING)
    c = r.out or {}
    t.eq((c.get("slug"), c.get("title"), c.get("duration"),
          c.get("capacity"), c.get("bring"), c.get("language")),
         (COURSE, "NemID/MitID for begyndere", 90, 8, BRING, "da"),
         "course add: 90 minutes, 8 seats, what to bring with æøå intact")

    today = local_now().date()
    first = next_weekday(today + datetime.timedelta(days=21), 1)   # Tuesday
    r = d.ctl("session", "add", "--course", COURSE, "--venue", VENUE,
              "--start", "%s 10:00" % first.isoformat(), "--weekly", "6")
    sessions = (r.out or {}).get("sessions") or []
    series = (r.out or {}).get("series_id")
    t.eq(len(sessions), 6, "session add --weekly 6 makes six sessions")
    t.ok(isinstance(series, int) and
         all(s.get("series_id") == series for s in sessions),
         "the six sessions share one series id", [repr(series)])
    want = [expected_times(first + datetime.timedelta(weeks=i), 10, 0, 90)
            for i in range(6)]
    got = [(s.get("start"), s.get("end"), s.get("start_utc"),
            s.get("end_utc")) for s in sessions]
    t.eq(got, want, "series: weekly on Tuesdays at 10:00-11:30 local time")
    t.ok(all(s.get("capacity") == 8 and s.get("status") == "scheduled" and
             s.get("seats_free") == 8 and s.get("venue") == VENUE and
             s.get("course") == COURSE for s in sessions),
         "series: 8 free seats each, scheduled, at the venue",
         [repr(s) for s in sessions[:1]])
    uids = [s.get("uid") for s in sessions]
    t.ok(all(uids) and len(set(uids)) == 6, "series: six distinct UIDs",
         [repr(uids)])
    if len(sessions) != 6:
        raise RuntimeError("no series to go on with")
    s1 = sessions[0]["id"]

    r = d.ctl("session", "list", "--venue", VENUE, "--from",
              first.isoformat())
    t.eq([s.get("id") for s in (r.out or {}).get("sessions", [])],
         [s["id"] for s in sessions], "session list --venue: the series "
         "in order of start")

    # --- the library taught 2,999 people before kursusd
    r = d.ctl("settings", "--number-start", "3000")
    t.eq(((r.out or {}).get("number_start"), (r.out or {}).get("next_number")),
         (3000, 3000), "settings --number-start 3000: next number is 3000")

    # --- desk staff register people as they call in
    r = d.ctl("register", str(s1), "--name", "Jørgen Smidstrup", "--phone",
              "20 30 40 50", json=False)
    t.ok(r.rc == 0 and "3000" in r.out and "confirmed" in r.out.lower(),
         "register Jørgen Smidstrup: confirmed, kursist nr. 3000 shown when "
         "it is made", r.describe())
    r = d.ctl("participant", "list", "--search", "Smidstrup")
    plist = (r.out or {}).get("participants") or []
    t.eq(len(plist), 1, "participant list --search Smidstrup finds him")
    jorgen = plist[0]["id"] if plist else None
    r = d.ctl("participant", "show", str(jorgen))
    p = r.out or {}
    t.eq((p.get("name"), p.get("phone"), p.get("email"), p.get("phone_type"),
          p.get("sms_consent"), p.get("email_consent")),
         ("Jørgen Smidstrup", "+4520304050", None, "mobile", True, False),
         "Jørgen: mobile +4520304050 in E.164, no e-mail, SMS consent only")
    regs = p.get("registrations") or []
    t.ok(len(regs) == 1 and regs[0].get("number") == 3000 and
         regs[0].get("session_id") == s1 and
         regs[0].get("status") == "confirmed",
         "participant show: Jørgen was kursist nr. 3000", [repr(regs)])

    # Others: one by e-mail (created first, then registered by id), a
    # landline only, one with no contact at all, and plain mobiles.
    r = d.ctl("participant", "add", "--name", "Birthe Ågård", "--email",
              "birthe.aagaard@Example.DK")
    birthe = (r.out or {}).get("id")
    t.eq((r.out or {}).get("email"), "birthe.aagaard@example.dk",
         "participant add: e-mail domain lower-cased")
    people = [
        ([str(birthe)], "Birthe Ågård"),
        (["--name", "Poul Erik Østergaard", "--phone", "75 62 11 22",
          "--landline"], "Poul Erik Østergaard"),
        (["--name", "Karen Mølgaard", "--phone", "+45 21 22 23 24",
          "--email", "karen@example.dk"], "Karen Mølgaard"),
        (["--name", "Inger Lund", "--no-contact"], "Inger Lund"),
        (["--name", "Hans Jensen", "--phone", "22334455"], "Hans Jensen"),
        (["--name", "Else Marie Bæk", "--phone", "23344556"],
         "Else Marie Bæk"),
        (["--name", "Aage Kristensen", "--phone", "24455667"],
         "Aage Kristensen"),
    ]
    regs = {}
    for args, name in people:
        r = d.ctl("register", str(s1), *args)
        g = r.out or {}
        regs[name] = g
        t.eq((g.get("participant_name"), g.get("status"),
              g.get("waitlist_position")), (name, "confirmed", None),
             "register %s: confirmed" % name)
    t.eq([regs[n].get("number") for _, n in people],
         list(range(3001, 3008)), "running numbers 3001..3007 in order")

    r = d.ctl("session", "show", str(s1))
    s = r.out or {}
    t.eq((s.get("seats_taken"), s.get("seats_free"), s.get("confirmed"),
          s.get("waitlisted")), (8, 0, 8, 0), "the session is full: 8 of 8")

    # --- the session is full: the next callers go on the waitlist
    r = d.ctl("register", str(s1), "--name", "Grethe Sørensen", "--phone",
              "25566778")
    grethe = r.out or {}
    t.eq((grethe.get("status"), grethe.get("waitlist_position"),
          grethe.get("number")), ("waitlisted", 1, 3008),
         "the next caller is waitlisted at position 1 (nr. 3008)")
    r = d.ctl("register", str(s1), "--name", "Niels Holm", "--phone",
              "26677889")
    niels = r.out or {}
    t.eq((niels.get("status"), niels.get("waitlist_position")),
         ("waitlisted", 2), "the one after is waitlisted at position 2")
    r = d.ctl("waitlist", str(s1))
    wl = (r.out or {}).get("registrations") or []
    t.eq([(w.get("participant_name"), w.get("waitlist_position"))
          for w in wl], [("Grethe Sørensen", 1), ("Niels Holm", 2)],
         "waitlist: Grethe then Niels")
    r = d.ctl("register", str(s1), str(jorgen), ok=False)
    t.refused(r, "registering Jørgen twice for one session is refused",
              ["regist"])

    # --- Karen cancels: Grethe moves up
    karen = regs["Karen Mølgaard"]
    r = d.ctl("unregister", str(s1), str(karen.get("participant_id")))
    u = r.out or {}
    t.eq((u.get("cancelled") or {}).get("status"), "cancelled",
         "unregister Karen: her registration is cancelled")
    promoted = u.get("promoted") or []
    t.eq([(x.get("participant_name"), x.get("status"),
           x.get("waitlist_position")) for x in promoted],
         [("Grethe Sørensen", "confirmed", None)],
         "unregister: the first on the waitlist (Grethe) is promoted")
    r = d.ctl("waitlist", str(s1))
    wl = (r.out or {}).get("registrations") or []
    t.eq([(w.get("participant_name"), w.get("waitlist_position"))
          for w in wl], [("Niels Holm", 1)],
         "waitlist: Niels is now first")
    r = d.ctl("session", "show", str(s1))
    s = r.out or {}
    t.eq((s.get("seats_taken"), s.get("confirmed"), s.get("waitlisted")),
         (8, 8, 1), "still full after the promotion, one waiting")

    r = d.ctl("registrations", str(s1))
    all_regs = (r.out or {}).get("registrations") or []
    t.eq(sorted(x.get("number") for x in all_regs), list(range(3000, 3010)),
         "registrations: ten registrations, numbers 3000..3009")
    # SPEC (doc/api.md, GET /v1/sessions/<id>/registrations): "in
    # registration order" -- the order they were made in, whatever their
    # status now.
    t.eq([x.get("number") for x in all_regs], list(range(3000, 3010)),
         "registrations are listed in registration order [api.md]")

    # --- the outbox has the notices, on the right channel
    r = d.ctl("outbox", "--session", str(s1))
    box = (r.out or {}).get("outbox") or []
    kinds = {}
    for o in box:
        kinds.setdefault(o.get("kind"), []).append(o)
    by_pid = lambda kind: sorted(o.get("participant_id")
                                 for o in kinds.get(kind, []))
    confirmed_pids = sorted([jorgen] + [regs[n].get("participant_id")
                                        for _, n in people])
    t.eq(sorted(set(by_pid("confirmation"))), confirmed_pids,
         "outbox: a confirmation for each of the eight first registered")
    t.eq(by_pid("waitlisted"),
         sorted([grethe.get("participant_id"), niels.get("participant_id")]),
         "outbox: a waitlisted notice for Grethe and Niels")
    t.eq(by_pid("promoted"), [grethe.get("participant_id")],
         "outbox: a promoted notice for Grethe")
    chan = {}
    for o in kinds.get("confirmation", []):
        chan.setdefault(o.get("participant_id"), set()).add(
            (o.get("channel"), o.get("recipient")))
    t.eq(chan.get(jorgen), {("sms", "+4520304050")},
         "outbox: Jørgen's confirmation goes by SMS to +4520304050")
    t.eq(chan.get(birthe), {("email", "birthe.aagaard@example.dk")},
         "outbox: Birthe's confirmation goes by e-mail")
    for name in ("Poul Erik Østergaard", "Inger Lund"):
        t.eq({ch for ch, _ in chan.get(regs[name].get("participant_id"),
                                       set())}, {"call"},
             "outbox: %s (no SMS, no e-mail) is on the call list" % name)
    # The servers refuse connections: each message was tried once and
    # waits an hour for the next try; a call row is only a record; what
    # was planned for a registration since cancelled was withdrawn.
    t.ok(all((o.get("state") == "skipped" if o.get("channel") == "call"
              else o.get("state") in ("pending", "sending") or
              (o.get("state") == "cancelled" and o.get("last_error")))
             and o.get("session_id") == s1
             and o.get("registration_id") for o in box),
         "outbox: every row waiting to be sent (or, for a call, skipped), "
         "naming the session and registration",
         [repr(o) for o in box[:3]])

    # --- names with æøå line up in the plain tables
    d.ctl("venue", "add", "aeldreklubben", "--name", "Ældreklubben Søgården",
          "--city", "Horsens")
    d.ctl("session", "add", "--course", COURSE, "--venue", "aeldreklubben",
          "--start", "%s 13:00" % first.isoformat())
    window = ["--from", first.isoformat(), "--to",
              (first + datetime.timedelta(days=1)).isoformat()]
    r = d.ctl("session", "list", *window, json=False)
    check_aligned(r.out, "Malernes Seniorklub", "Ældreklubben Søgården",
                  "session list")
    r = d.ctl("session", "list", *window, json=False, env={"LC_ALL": "C"})
    check_aligned(r.out, "Malernes Seniorklub", "Ældreklubben Søgården",
                  "session list with LC_ALL=C")
    r = d.ctl("registrations", str(s1), json=False)
    check_aligned(r.out, "Hans Jensen", "Jørgen Smidstrup", "registrations")
    check_aligned(r.out, "Inger Lund", "Poul Erik Østergaard",
                  "registrations")

    # --- a venue in another time zone (a library in Tórshavn): entered
    # and shown in the venue's local time
    r = d.ctl("venue", "add", "torshavn", "--name", "Býarbókasavnið",
              "--city", "Tórshavn", "--timezone", "Atlantic/Faroe")
    t.eq((r.out or {}).get("timezone"), "Atlantic/Faroe",
         "venue add --timezone Atlantic/Faroe")
    r = d.ctl("session", "add", "--course", COURSE, "--venue", "torshavn",
              "--start", "%s 10:00" % first.isoformat())
    s = ((r.out or {}).get("sessions") or [{}])[0]
    t.eq((s.get("timezone"), s.get("start"), s.get("end"), s.get("start_utc"),
          s.get("end_utc")),
         ("Atlantic/Faroe",) + expected_times(first, 10, 0, 90,
                                              "Atlantic/Faroe"),
         "a session in Tórshavn at 10:00 is 10:00 Faroese time")

    # --- Hans asks to be forgotten: his seat goes to Niels, his personal
    # data goes from the participant row and from the notices
    hans = regs["Hans Jensen"].get("participant_id")
    d.ctl("participant", "remove", str(hans))
    wl = (d.ctl("waitlist", str(s1)).out or {}).get("registrations") or []
    t.eq(wl, [], "participant remove: Niels moves up, the waitlist is empty")
    st = {x.get("participant_id"): x.get("status") for x in
          (d.ctl("registrations", str(s1)).out or {}).get("registrations")
          or []}
    t.eq((st.get(hans), st.get(niels.get("participant_id"))),
         ("cancelled", "confirmed"),
         "participant remove: his registration cancelled, Niels confirmed")
    p = d.ctl("participant", "show", str(hans)).out or {}
    t.ok("Hans" not in (p.get("name") or "") and p.get("phone") is None and
         p.get("email") is None, "participant remove: name and phone are "
         "gone from the participant", [repr(p)])
    t.eq((d.ctl("participant", "list", "--search", "Hans Jensen").out or
          {}).get("participants"), [], "participant list finds him no more")
    # DESIGN.md "Personal data is kept small ... People are anonymised":
    # no table may keep his name or number (the outbox copies recipients).
    found = ["%s: %r" % (table, row) for table, rows in d.dump().items()
             if not table.startswith("#") for row in rows
             if any(isinstance(v, str) and ("22334455" in v or
                                            "Hans Jensen" in v)
                    for v in row)]
    t.eq(found, [], "participant remove: his name and phone number are in "
         "no table of the database [DESIGN: anonymised]")

    # --- a series across the next daylight saving change keeps 10:00
    # Start on a Tuesday about three weeks before the change (never in the
    # past); if that Tuesday would already be past the change, take the
    # change after it.
    for change in dst_changes(local_now(), 2):
        start = next_weekday(max(change[0] - datetime.timedelta(days=20),
                                 today + datetime.timedelta(days=1)), 1)
        if start <= change[0]:
            break
    r = d.ctl("session", "add", "--course", COURSE, "--venue", VENUE,
              "--start", "%s 10:00" % start.isoformat(),
              "--repeat", "FREQ=WEEKLY;BYDAY=TU;COUNT=6")
    dst = (r.out or {}).get("sessions") or []
    want = [expected_times(start + datetime.timedelta(weeks=i), 10, 0, 90)
            for i in range(6)]
    got = [(s.get("start"), s.get("end"), s.get("start_utc"),
            s.get("end_utc")) for s in dst]
    t.eq(got, want, "--repeat FREQ=WEEKLY;BYDAY=TU;COUNT=6 across the DST "
         "change on %s: 10:00 local each week, UTC shifts by an hour" %
         change[1].isoformat())
    t.ok(len({s[2][11:16] for s in want}) == 2,
         "(the series does cross a change of UTC offset)", [repr(want)])

    # A companion takes a second seat.
    ids = [s.get("id") for s in dst] + [None] * 6
    r = d.ctl("register", str(ids[0]), str(birthe), "--companion")
    t.eq(((r.out or {}).get("status"), (r.out or {}).get("companion")),
         ("confirmed", True), "register --companion: confirmed, companion")
    s = d.ctl("session", "show", str(ids[0])).out or {}
    t.eq((s.get("seats_taken"), s.get("confirmed")), (2, 1),
         "a registration with a companion takes two seats")

    # The rest of the series moves to 11:00: 11:00 local on both sides of
    # the change, and everyone registered gets a change notice.
    d.ctl("register", str(ids[1]), str(jorgen))
    r = d.ctl("session", "move", str(ids[1]), "--start",
              "%s 11:00" % (start + datetime.timedelta(weeks=1)).isoformat(),
              "--following")
    moved = (r.out or {}).get("sessions") or []
    t.eq([(s.get("id"), s.get("start"), s.get("start_utc"), s.get("sequence"))
          for s in moved],
         [(ids[i],) + expected_times(start + datetime.timedelta(weeks=i),
                                     11, 0, 90)[0:3:2] + (1,)
          for i in range(1, 6)],
         "session move --following: sessions 2-6 at 11:00 local across the "
         "DST change, sequence raised")
    s = d.ctl("session", "show", str(ids[0])).out or {}
    t.eq((s.get("start"), s.get("sequence")), (want[0][0], 0),
         "session move --following leaves the earlier session alone")
    box = (d.ctl("outbox", "--session", str(ids[1])).out or {}).get(
        "outbox") or []
    t.eq([o.get("participant_id") for o in box if o.get("kind") == "moved"],
         [jorgen], "outbox: a moved notice for Jørgen")

    # The last two are cancelled: status, sequence, and a notice.
    d.ctl("register", str(ids[4]), str(jorgen))
    r = d.ctl("session", "cancel", str(ids[4]), "--following", "--reason",
              "Instruktøren er syg")
    t.eq([(s.get("id"), s.get("status"), s.get("sequence"))
          for s in (r.out or {}).get("sessions") or []],
         [(ids[4], "cancelled", 2), (ids[5], "cancelled", 2)],
         "session cancel --following: the last two cancelled, sequence "
         "raised")
    t.eq((d.ctl("session", "show", str(ids[3])).out or {}).get("status"),
         "scheduled", "session cancel --following leaves the earlier ones")
    r = d.ctl("session", "list", "--status", "cancelled", "--venue", VENUE,
              "--from", start.isoformat())
    t.eq([s.get("id") for s in (r.out or {}).get("sessions") or []],
         [ids[4], ids[5]], "session list --status cancelled shows the two")
    box = (d.ctl("outbox", "--session", str(ids[4])).out or {}).get(
        "outbox") or []
    t.eq([o.get("participant_id") for o in box
          if o.get("kind") == "cancelled"], [jorgen],
         "outbox: a cancellation notice for Jørgen")

    # The repeated hour of the autumn change means its first occurrence.
    autumn = [c for c in dst_changes(local_now(), 2) if c[3] < c[2]][0][1]
    r = d.ctl("session", "add", "--course", COURSE, "--venue", VENUE,
              "--start", "%s 02:30" % autumn.isoformat())
    s = ((r.out or {}).get("sessions") or [{}])[0]
    first_230 = datetime.datetime.combine(autumn, datetime.time(2, 30),
                                          zone()).astimezone(
                                              datetime.timezone.utc)
    t.eq((s.get("start"), s.get("start_utc")),
         ("%sT02:30:00+02:00" % autumn.isoformat(),
          first_230.strftime("%Y-%m-%dT%H:%M:%SZ")),
         "%s 02:30 (the hour that comes twice) is its first occurrence, "
         "+02:00" % autumn.isoformat())

    # Dates as desk staff type them.
    # (Both at 10:00 at one venue: the second clashes with the first.)
    for text, allow in (("tomorrow 10:00", []),
                        ("i morgen 10:00", ["--allow-overlap"])):
        before = local_now().date() + datetime.timedelta(days=1)
        r = d.ctl("session", "add", "--course", COURSE, "--venue", VENUE,
                  "--start", text, *allow)
        after = local_now().date() + datetime.timedelta(days=1)
        got = ((r.out or {}).get("sessions") or [{}])[0].get("start")
        t.ok(got in {expected_times(x, 10, 0, 90)[0] for x in (before,
                                                                after)},
             "session add --start '%s': tomorrow at 10:00 local" % text,
             ["got %r" % got])

    # --- a session that has started: attendance afterwards
    begin = local_now().replace(microsecond=0) + datetime.timedelta(seconds=6)
    r = d.ctl("session", "add", "--course", COURSE, "--venue", VENUE,
              "--start", iso_local(begin))
    past = ((r.out or {}).get("sessions") or [{}])[0]
    ps = past.get("id")
    t.eq(past.get("start"), iso_local(begin),
         "session add with an ISO 8601 start a few seconds ahead")
    d.ctl("register", str(ps), str(jorgen))
    d.ctl("register", str(ps), str(birthe))
    r = d.ctl("attendance", str(ps), "--present", str(jorgen), ok=False)
    t.refused(r, "attendance before the session has started is refused",
              [])
    wait = (begin - local_now()).total_seconds() + 1.0
    if wait > 0:
        time.sleep(wait)
    r = d.ctl("register", str(ps), "--name", "Sen Kommer", "--phone",
              "27788990", ok=False)
    t.refused(r, "registering once the session has started is refused",
              ["session"])
    r = d.ctl("attendance", str(ps), "--present",
              str(niels.get("participant_id")), ok=False)
    t.refused(r, "attendance for someone not registered for the session "
              "is refused", [])
    r = d.ctl("attendance", str(ps), "--present", str(jorgen), "--absent",
              str(birthe))
    att = {x.get("participant_id"): x.get("attendance")
           for x in (r.out or {}).get("registrations") or []}
    t.eq(att, {jorgen: "attended", birthe: "no-show"},
         "attendance: Jørgen attended, Birthe did not show")
    r = d.ctl("participant", "show", str(jorgen))
    t.ok(any(x.get("session_id") == ps and x.get("attendance") == "attended"
             for x in (r.out or {}).get("registrations") or []),
         "participant show: Jørgen's attendance is recorded",
         [repr((r.out or {}).get("registrations"))])

    # --- statistics
    r = d.ctl("stats")
    st = r.out or {}
    # ten for the first session, three in the DST series, two for the
    # session that has started
    total_regs = 10 + 3 + 2
    t.eq((st.get("attended"), st.get("no_show"), st.get("attendance_rate")),
         (1, 1, 0.5), "stats: 1 attended, 1 no-show, attendance rate 0.5")
    t.eq((st.get("next_number"), st.get("next_milestone"),
          st.get("to_milestone")),
         (3000 + total_regs, 3500, 3500 - 3000 - total_regs),
         "stats: next number %d, next milestone kursist nr. 3500, %d to go"
         % (3000 + total_regs, 500 - total_regs))
    bc = [x for x in st.get("by_course") or [] if x.get("key") == COURSE]
    t.ok(len(bc) == 1 and bc[0].get("attended") == 1 and
         bc[0].get("no_show") == 1 and bc[0].get("attendance_rate") == 0.5
         and bc[0].get("name") == "NemID/MitID for begyndere",
         "stats by course: NemID/MitID for begyndere, rate 0.5", [repr(bc)])
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli",
              "august", "september", "oktober", "november", "december"]
    bm = {x.get("key"): x.get("name") for x in st.get("by_month") or []}
    key = first.strftime("%Y-%m")
    t.eq(bm.get(key), "%s %d" % (months[first.month - 1], first.year),
         "stats by month: %s is named in Danish" % key)
    r = d.ctl("stats", json=False)
    t.ok(r.rc == 0 and "3500" in r.out and "50" in r.out,
         "stats (table): shows the milestone 3500 and the rate",
         r.describe())

    t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")


t.run(main)
