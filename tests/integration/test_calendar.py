"""
The venue's calendar, against a real kursusd with its holidays on: a
session that clashes with another in its room is refused naming it
(rooms: venue room add), closures (closure add, list, remove; a closure
across both DST changes), the Danish holidays (Easter 2027 and 2028,
judged with python3-dateutil's Easter, and the customary days of
December), a series that skips closed days and says so, a start in the
past or years ahead; and a series sign-up: register --series, one
message with every date, read back from a real SMTP server with
Python's email package, and unregister --series the same way.

Dates are fixed where a holiday or a DST change is the point (with past
and far, so the test runs in any year), else picked from today.
"""

import datetime
import os

from dateutil.easter import easter

from kursustest import DA_MONTHS, DA_WEEKDAYS, Tap, local_now, wait_for, \
    zone
from servers import Recorder, RestGateway, SMTPServer, plain_text

t = Tap()

FROM = "kurser@bibliotek.example"


def api(d, method, path, body=None, want=None):
    """One API call; the answer's JSON (None unless want matches)."""
    r = d.request(method, "/v1" + path, body)
    if want is not None and r.status != want:
        t.ok(False, "%s %s answers %d" % (method, path, want),
             ["got %d %r" % (r.status, r.body[:400])])
        return None
    return r.json


def add(d, start, venue="hoved", course="mitid", **kw):
    """POST /v1/sessions; the Response."""
    body = {"course": course, "venue": venue, "start": start}
    body.update(kw)
    return d.request("POST", "/v1/sessions", body)


def refused(r, status, words, desc):
    """r was refused with status, its sentence naming every word."""
    msg = ((r.json or {}).get("error") or "").lower()
    missing = [w for w in words if w.lower() not in msg]
    return t.ok(r.status == status and not missing, desc,
                ["got %d %r" % (r.status, r.body[:400]),
                 "missing words: %r" % missing])


def holiday(day):
    """Whether day is closed by the customary Danish holidays, worked out
    here with dateutil's Easter."""
    e = easter(day.year)
    if (day - e).days in (-3, -2, 0, 1, 39, 49, 50):
        return True
    return (day.month, day.day) in ((1, 1), (6, 5), (12, 24), (12, 25),
                                    (12, 26), (12, 31))


def open_day(day):
    """day, or the first day after it that is no holiday."""
    while holiday(day):
        day += datetime.timedelta(days=1)
    return day


def setup(d):
    d.ctl("venue", "add", "hoved", "--name", "Hovedbiblioteket",
          "--capacity", "10")
    d.ctl("venue", "add", "klub", "--name", "Malernes Seniorklub")
    d.ctl("course", "add", "mitid", "--title", "MitID for begyndere",
          "--duration", "90m", "--capacity", "10")


def test_holidays(d):
    # Easter and the days around it, by dateutil's computus.
    for year in (2027, 2028):
        e = easter(year)
        days = {e - datetime.timedelta(days=3): "skærtorsdag",
                e - datetime.timedelta(days=2): "langfredag",
                e: "påskedag",
                e + datetime.timedelta(days=1): "2. påskedag",
                e + datetime.timedelta(days=39): "Kristi himmelfartsdag",
                e + datetime.timedelta(days=49): "pinsedag",
                e + datetime.timedelta(days=50): "2. pinsedag"}
        for day, name in sorted(days.items()):
            r = add(d, "%s 10:00" % day.isoformat(), past=True, far=True)
            refused(r, 409, [day.isoformat(), name, "allow_closed"],
                    "%s (%s) is closed" % (day, name))
        # Store bededag is no more: the fourth Friday after Easter is open.
        fri = e + datetime.timedelta(days=26)
        r = add(d, "%s 13:00" % fri.isoformat(), past=True, far=True)
        t.eq(r.status, 201, "%s (once store bededag) is open" % fri)
    t.eq(easter(2027), datetime.date(2027, 3, 28), "Easter 2027: 28 March")
    t.eq(easter(2028), datetime.date(2028, 4, 16), "Easter 2028: 16 April")

    r = add(d, "2027-03-28 10:00", past=True, far=True, allow_closed=True)
    t.eq(r.status, 201, "allow_closed: a session on påskedag all the same")
    res = d.ctl("session", "add", "--course", "mitid", "--venue", "klub",
                "--start", "2027-12-25 10:00", "--past", "--far", ok=False)
    t.refused(res, "kursusctl: juledag is refused, naming --allow-closed",
              ["juledag", "--allow-closed"])
    for day, name in (("2027-12-24", "juleaftensdag"),
                      ("2027-12-31", "nytårsaftensdag"),
                      ("2027-06-05", "grundlovsdag"),
                      ("2028-01-01", "nytårsdag")):
        refused(add(d, "%s 10:00" % day, venue="klub", past=True, far=True),
                409, [name], "%s (%s) is closed by custom" % (day, name))

    # The list of closed days names the holidays of the range.
    r = api(d, "GET", "/closures?from=2027-03-20&to=2027-04-05", want=200)
    got = [(h.get("date"), h.get("name")) for h in (r or {}).get(
        "holidays", [])]
    t.eq(got, [("2027-03-25", "skærtorsdag"), ("2027-03-26", "langfredag"),
               ("2027-03-28", "påskedag"), ("2027-03-29", "2. påskedag")],
         "closure list: the Easter holidays of 2027")


def da_date(day):
    return "%s den %d. %s" % (DA_WEEKDAYS[day.weekday()], day.day,
                              DA_MONTHS[day.month - 1])


def test_series_skips(d):
    # A Thursday series over Christmas: 24 and 31 December are skipped
    # and --weekly 6 still makes six sessions.
    today = local_now().date()
    year = today.year if today < datetime.date(today.year, 12, 1) else \
        today.year + 1
    # 10 December: the weekday of the 24th and the 31st.
    first = datetime.date(year, 12, 10)
    r = add(d, "%s 10:00" % first.isoformat(), venue="klub", weekly=6,
            far=True)
    j = r.json or {}
    days = [s["start"][:10] for s in j.get("sessions", [])]
    want, day = [], first
    while len(want) < 6:
        if (day.month, day.day) not in ((12, 24), (12, 31)):
            want.append(day.isoformat())
        day += datetime.timedelta(days=7)
    t.eq(days, want, "weekly 6 from %s: six sessions, 24 and 31 December "
         "left out" % first)
    t.eq([(s.get("start", "")[:10], "juleaftensdag" in s.get("reason", "")
           or "nytårsaftensdag" in s.get("reason", ""))
          for s in j.get("skipped", [])],
         [("%d-12-24" % year, True), ("%d-12-31" % year, True)],
         "the answer says which dates it skipped, and why")

    # The CLI says so too, a day later (juledag, nytårsdag).
    fri = first + datetime.timedelta(days=1)
    res = d.ctl("session", "add", "--course", "mitid", "--venue", "hoved",
                "--start", "%s 14:00" % fri.isoformat(), "--weekly", "4",
                "--far", json=False)
    out = res.stdout
    t.ok("Skipped, closed:" in out and "%d-12-25" % year in out and
         "juledag" in out and "%d-01-01" % (year + 1) in out and
         "nytårsdag" in out, "session add prints the skipped dates",
         res.describe())

    # The case: --weekly 6 from 8 December. 22 and 29 December
    # are no holidays and are scheduled; a closure for Christmas week
    # lists them, and a series made after skips them.
    d.ctl("venue", "add", "filial", "--name", "Filialen")
    dec8 = datetime.date(year, 12, 8)
    r = add(d, "%s 08:30" % dec8.isoformat(), venue="filial", weekly=6,
            far=True)
    days = [s["start"][:10] for s in (r.json or {}).get("sessions", [])]
    want = [(dec8 + datetime.timedelta(days=7 * k)).isoformat()
            for k in range(6)]
    t.eq(days, want, "weekly 6 from 8 December: 22 and 29 December are "
         "scheduled, no holidays")
    res = d.ctl("closure", "add", "--from", "%d-12-21" % year, "--to",
                "%d-01-03" % (year + 1), "--venue", "filial", "--reason",
                "Juleferie")
    t.eq(sorted(x.get("start", "")[:10] for x in
                (res.out or {}).get("sessions", [])),
         ["%d-12-22" % year, "%d-12-29" % year],
         "a closure for Christmas week lists the two sessions in it")
    r = add(d, "%s 12:00" % dec8.isoformat(), venue="filial", weekly=6,
            far=True)
    j = r.json or {}
    want = [(dec8 + datetime.timedelta(days=7 * k)).isoformat()
            for k in (0, 1, 4, 5, 6, 7)]
    t.eq([s["start"][:10] for s in j.get("sessions", [])], want,
         "a series made after skips them and runs two weeks longer")
    t.eq([(s.get("start", "")[:10], "Juleferie" in s.get("reason", ""))
          for s in j.get("skipped", [])],
         [("%d-12-22" % year, True), ("%d-12-29" % year, True)],
         "skipped: the closure's days, with its reason")

    # An rrule's dates are taken as they are, the closed ones left out.
    r = add(d, "2028-04-10 10:00", venue="klub", past=True, far=True,
            rrule="FREQ=DAILY;COUNT=10")
    days = [s["start"][:10] for s in (r.json or {}).get("sessions", [])]
    t.eq(days, ["2028-04-10", "2028-04-11", "2028-04-12", "2028-04-15",
                "2028-04-18", "2028-04-19"],
         "rrule daily 10 over Easter 2028: skærtorsdag to 2. påskedag "
         "skipped")


def test_closures(d):
    # A session there first: the closure lists it and leaves it be.
    s = (add(d, "2027-10-30 10:00", past=True, far=True).json or
         {}).get("sessions", [{}])[0]
    res = d.ctl("closure", "add", "--from", "2027-10-30", "--to",
                "2027-10-31", "--reason", "Flytning")
    c = (res.out or {}).get("closure", {})
    t.eq((c.get("from"), c.get("to"), c.get("venue"), c.get("reason")),
         ("2027-10-30", "2027-10-31", None, "Flytning"),
         "closure add: the whole library, two days")
    t.eq([x.get("id") for x in (res.out or {}).get("sessions", [])],
         [s.get("id")], "closure add lists the session on those days")
    got = api(d, "GET", "/sessions/%s" % s.get("id"), want=200) or {}
    t.eq(got.get("status"), "scheduled", "... and does not cancel it")
    res = d.ctl("closure", "add", "--from", "2027-10-30", "--to",
                "2027-10-30", "--venue", "klub", "--reason", "Maling",
                json=False)
    t.ok("Closure" in res.stdout, "closure add prints the closure",
         res.describe())

    # Across the autumn DST change (31 October 2027, 03:00 -> 02:00):
    # local days, whatever the offset.
    for start, closed in (("2027-10-29 23:30", False),
                          ("2027-10-30 00:15", True),
                          ("2027-10-31 02:30", True),
                          ("2027-10-31 23:30", True),
                          ("2027-11-01 00:15", False)):
        r = add(d, start, venue="klub", past=True, far=True, duration=20,
                allow_overlap=True)
        if closed:
            refused(r, 409, ["closed"], "%s is closed" % start)
        else:
            t.eq(r.status, 201, "%s is open" % start)

    # Across the spring change (26 March 2028, 02:00 -> 03:00), one venue.
    d.ctl("closure", "add", "--from", "2028-03-25", "--to", "2028-03-26",
          "--venue", "hoved", "--reason", "Ombygning")
    for start, venue, closed in (("2028-03-24 23:30", "hoved", False),
                                 ("2028-03-25 00:30", "hoved", True),
                                 ("2028-03-26 03:30", "hoved", True),
                                 ("2028-03-26 23:30", "hoved", True),
                                 ("2028-03-27 00:30", "hoved", False),
                                 ("2028-03-25 10:00", "klub", False)):
        r = add(d, start, venue=venue, past=True, far=True, duration=20)
        if closed:
            refused(r, 409, ["closed", "Ombygning"],
                    "%s at %s is closed" % (start, venue))
        else:
            t.eq(r.status, 201, "%s at %s is open" % (start, venue))

    res = d.ctl("closure", "list", "--from", "2027-10-01", "--to",
                "2028-04-30")
    rows = [(c.get("from"), c.get("venue")) for c in
            (res.out or {}).get("closures", [])
            if c.get("venue") != "filial"]
    t.eq(rows, [("2027-10-30", None), ("2027-10-30", "klub"),
                ("2028-03-25", "hoved")], "closure list: all three")
    cid = [c["id"] for c in (res.out or {}).get("closures", [])
           if c.get("venue") == "hoved"]
    d.ctl("closure", "remove", str(cid[0]) if cid else "0")
    r = add(d, "2028-03-25 12:00", past=True, far=True)
    t.eq(r.status, 201, "closure remove: the day is open again")

    for body, field in (({"from": "2028-01-10", "to": "2028-01-09",
                          "reason": "x"}, "to"),
                        ({"from": "2028-01-10", "to": "2028-01-11"},
                         "reason"),
                        ({"from": "juleaften", "to": "2028-01-11",
                          "reason": "x"}, "from"),
                        ({"from": "2028-01-10", "to": "2028-01-11",
                          "reason": "x", "venue": "nosuch"}, "venue")):
        r = d.request("POST", "/v1/closures", body)
        t.ok(r.status in (404, 422) and (r.json or {}).get("field") ==
             field, "closure add refused: field %s" % field,
             ["got %d %r" % (r.status, r.body[:300])])


def test_overlap(d):
    day = open_day(local_now().date() + datetime.timedelta(days=20))
    when = "%s 10:00" % day.isoformat()
    s1 = (add(d, when, venue="hoved").json or {}).get("sessions", [{}])[0]
    r = add(d, "%s 11:00" % day.isoformat(), venue="hoved")
    refused(r, 409, ["session %s" % s1.get("id"), "MitID for begyndere",
                     "%s 10:00" % day.isoformat(), "allow_overlap"],
            "an overlapping session is refused, naming the other")
    t.eq(add(d, "%s 11:30" % day.isoformat(), venue="hoved").status, 201,
         "one that starts as the other ends is fine")
    t.eq(add(d, "%s 10:30" % day.isoformat(), venue="klub").status, 201,
         "another venue at that time is fine")
    t.eq(add(d, "%s 11:00" % day.isoformat(), venue="hoved",
             allow_overlap=True).status, 201, "allow_overlap schedules it")
    res = d.ctl("session", "add", "--course", "mitid", "--venue", "hoved",
                "--start", "%s 09:30" % day.isoformat(), ok=False)
    t.refused(res, "kursusctl: a clash names the session and the option",
              [str(s1.get("id")), "--allow-overlap"])

    # Rooms: a clash is per room; no room is the whole venue.
    d.ctl("venue", "room", "add", "klub", "Salen", "--capacity", "12")
    d.ctl("venue", "room", "add", "klub", "Kælderen")
    res = d.ctl("venue", "room", "list", "klub")
    t.eq([(x.get("name"), x.get("capacity")) for x in
          (res.out or {}).get("rooms", [])],
         [("Kælderen", None), ("Salen", 12)], "venue room list")
    day2 = open_day(day + datetime.timedelta(days=1))
    w2 = "%s 14:00" % day2.isoformat()
    a = add(d, w2, venue="klub", room="Salen")
    t.eq((a.status, ((a.json or {}).get("sessions") or [{}])[0].get("room")),
         (201, "Salen"), "a session in Salen")
    t.eq(((a.json or {}).get("sessions") or [{}])[0].get("capacity"), 10,
         "its seats: the smaller of the course's 10 and the room's 12")
    t.eq(add(d, w2, venue="klub", room="Kælderen").status, 201,
         "the same hour in Kælderen is fine")
    refused(add(d, w2, venue="klub", room="Salen"), 409, ["Salen"],
            "the same hour in Salen is refused")
    refused(add(d, w2, venue="klub"), 409, ["klub".replace("klub",
            "Malernes Seniorklub")], "no room: the whole venue clashes")
    refused(add(d, w2, venue="klub", room="Loftet"), 422,
            ["Loftet", "Kælderen", "Salen"],
            "a room the venue lacks is refused, naming its rooms")
    sid = ((a.json or {}).get("sessions") or [{}])[0].get("id")
    res = d.ctl("venue", "room", "remove", "klub", "Salen", ok=False)
    t.refused(res, "a room with sessions to come is not removed",
              ["Salen", "session"])
    # Moving into a clash is refused too; cancelled sessions clash no more.
    other = (add(d, "%s 16:00" % day2.isoformat(), venue="klub",
                 room="Salen").json or {}).get("sessions", [{}])[0]
    r = d.request("POST", "/v1/sessions/%s/move" % other.get("id"),
                  {"start": w2})
    refused(r, 409, ["session %s" % sid], "a move into a clash is refused")
    d.ctl("session", "cancel", str(sid))
    r = d.request("POST", "/v1/sessions/%s/move" % other.get("id"),
                  {"start": w2})
    t.eq(r.status, 200, "once the other is cancelled, the move is fine")


def test_past_far(d):
    past = local_now() - datetime.timedelta(days=5)
    when = past.strftime("%Y-%m-%d %H:%M")
    refused(add(d, when, venue="klub"), 422, ["past"],
            "a start five days ago is refused")
    res = d.ctl("session", "add", "--course", "mitid", "--venue", "klub",
                "--start", when, ok=False)
    t.refused(res, "kursusctl: the past, naming --past", ["--past"])
    t.eq(add(d, when, venue="klub", past=True, allow_closed=True).status,
         201, "past: entering history")
    far = (local_now() + datetime.timedelta(days=3 * 365)).strftime(
        "%Y-%m-%d 10:00")
    refused(add(d, far, venue="klub"), 422, ["two years", "far"],
            "a start three years ahead asks for far")
    t.eq(add(d, far, venue="klub", far=True, allow_closed=True).status, 201,
         "far: scheduled")


DA_SHORT = ["man", "tir", "ons", "tor", "fre", "lør", "søn"]


def test_series_signup(d, rec, gw):
    # Three sessions of two seats; the second full already.
    start = local_now().date() + datetime.timedelta(days=30)
    d.ctl("course", "add", "tablet", "--title", "Tablet for seniorer",
          "--duration", "60m", "--capacity", "2")
    r = add(d, "%s 13:00" % start.isoformat(), venue="hoved",
            course="tablet", weekly=3, allow_closed=True)
    j = r.json or {}
    series = j.get("series_id")
    sessions = j.get("sessions", [])
    t.eq(len(sessions), 3, "a series of three")
    if len(sessions) != 3:
        return
    for name, mail in (("Anna", "anna@example.org"),
                       ("Bent", "bent@example.org")):
        d.ctl("register", str(sessions[1]["id"]), "--name", name, "--email",
              mail)
    res = d.ctl("register", "--series", str(series), "--name", "Hanne Bach",
                "--email", "hanne@example.org")
    out = res.out or {}
    t.eq((out.get("confirmed"), out.get("waitlisted"),
          [x.get("status") for x in out.get("registrations", [])]),
         (2, 1, ["confirmed", "waitlisted", "confirmed"]),
         "register --series: a seat where there is one, the waitlist where "
         "not")
    hanne = out.get("participant_id")
    mails = wait_for(lambda: rec.to("hanne@example.org"), 20)
    t.eq(len(mails or []), 1, "one message for the whole series")
    body = plain_text(mails[0]) if mails else ""
    for s, waiting in zip(sessions, (False, True, False)):
        st = datetime.datetime.fromisoformat(s["start"]).astimezone(zone())
        line = "- %s kl. %02d.%02d" % (da_date(st.date()), st.hour,
                                       st.minute)
        if waiting:
            line += " (venteliste, nr. 1)"
        t.ok(line in (body or "").split("\n"), "the message lists %r" % line,
             (body or "").split("\n"))
    t.ok(mails and "Tablet for seniorer" in str(mails[0]["Subject"]),
         "its subject names the course",
         [str(mails[0]["Subject"]) if mails else None])
    ob = api(d, "GET", "/outbox?participant=%s" % hanne, want=200) or {}
    kinds = sorted({o.get("kind") for o in ob.get("outbox", [])})
    t.eq([k for k in kinds if k != "reminder"], ["series-confirmation"],
         "no per-session confirmations in the outbox")

    # Once more: every session is held already.
    res = d.ctl("register", "--series", str(series), str(hanne), ok=False)
    t.refused(res, "register --series twice is refused", ["already"])

    # Someone with one session already gets the rest.
    res = d.ctl("register", str(sessions[0]["id"]), "--name", "Ib",
                "--email", "ib@example.org")
    ib = (res.out or {}).get("participant_id")
    res = d.ctl("register", "--series", str(series), str(ib))
    t.eq(([x.get("session_id") for x in (res.out or {}).get("skipped", [])],
          len((res.out or {}).get("registrations", []))),
         ([sessions[0]["id"]], 2), "the session held before is skipped")

    # Leaving the series: every registration, one message.
    res = d.ctl("unregister", "--series", str(series), str(hanne),
                json=False)
    t.ok("3 sessions" in res.stdout, "unregister --series: three sessions",
         res.describe())
    mails = wait_for(lambda: [m for m in rec.to("hanne@example.org")
                              if "afmeldt" in str(m["Subject"]).lower()], 20)
    t.eq(len(mails or []), 1, "one message for leaving the series")
    body = plain_text(mails[0]) if mails else ""
    t.eq(sum(1 for line in (body or "").split("\n") if
             line.startswith("- ")), 3, "it lists the three dates",
         (body or "").split("\n"))
    regs = api(d, "GET", "/sessions/%s/registrations" % sessions[1]["id"],
               want=200) or {}
    t.eq(sorted((x.get("participant_name"), x.get("status")) for x in
                regs.get("registrations", [])),
         [("Anna", "confirmed"), ("Bent", "confirmed"),
          ("Hanne Bach", "cancelled"), ("Ib", "waitlisted")],
         "her place in the queue is gone, the next waits on")

    # By SMS: one text, the dates short, one a line.
    res = d.ctl("register", "--series", str(series), "--name", "Jens Holm",
                "--phone", "20 30 40 50")
    texts = wait_for(lambda: [r["json"].get("message") for r in gw.requests
                              if (r.get("json") or {}).get("recipient") ==
                              "+4520304050"], 20)
    t.eq(len(texts or []), 1, "one SMS for the whole series")
    lines = (texts or [""])[0].split("\n")
    for s, waiting in zip(sessions, (False, True, False)):
        st = datetime.datetime.fromisoformat(s["start"]).astimezone(zone())
        line = "%s %d/%d kl. %02d.%02d" % (DA_SHORT[st.weekday()], st.day,
                                          st.month, st.hour, st.minute)
        if waiting:
            line += " (venteliste)"
        t.ok(line in lines, "the SMS lists %r" % line, lines)


def main():
    tmp = t.tempdir()
    rec = Recorder(os.path.join(tmp, "smtp"))
    srv = SMTPServer(rec)
    gw = RestGateway()
    try:
        d = t.daemon(holidays=True, extra=[
            "smtp.host=127.0.0.1", "smtp.port=%d" % srv.port,
            "smtp.starttls=off", "smtp.from=" + FROM,
            "reminders.rules=", "reminders.quiet_hours=",
            "sms.driver=rest", "sms.url=" + gw.url,
            'sms.body={"recipient": "{to}", "message": "{text}"}'])
        setup(d)
        test_holidays(d)
        test_series_skips(d)
        test_closures(d)
        test_overlap(d)
        test_past_far(d)
        test_series_signup(d, rec, gw)
        d.stop()

        # The setting: official holidays only, or none at all.
        d2 = t.daemon(holidays=True, extra=["calendar.holidays=official"])
        setup(d2)
        t.eq(add(d2, "2027-12-24 10:00", past=True, far=True).status, 201,
             "official: juleaftensdag is open")
        refused(add(d2, "2027-12-25 10:00", past=True, far=True), 409,
                ["juledag"], "official: juledag is closed")
        d2.stop()
        d3 = t.daemon(holidays=True, extra=["calendar.holidays=none"])
        setup(d3)
        t.eq(add(d3, "2027-12-25 10:00", past=True, far=True).status, 201,
             "none: juledag is open")
        r = api(d3, "GET", "/closures?from=2027-12-01&to=2027-12-31",
                want=200) or {}
        t.eq(r.get("holidays"), [], "none: no holidays listed")
    finally:
        srv.stop()
        gw.stop()


t.run(main)
