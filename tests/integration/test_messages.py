"""
The messages people get, read as the person would read them (issue 12,
part 3: "messages from the library, not from a program"), through the
running kursusd, aiosmtpd writing each mail to a file, and Kannel with
fakesmsc (or, without Kannel, the small REST gateway of servers.py).
Mails are judged by Python's email package and python3-icalendar, the
HTML by Python's html.parser, dates and phone numbers against the
tests' own Danish (kursustest.da_when and the rest), not kursusd's.

  kinds     every kind of message (confirmation, waitlisted, promoted,
            demoted, reminder, staff, moved, cancelled, withdrawn) to a
            Danish and an English reader, by e-mail and by SMS: signed
            by the library with its phone number ("76 29 23 00", "+45 76
            29 23 00" in English), the course named as a course ("kurset
            »borger.dk«"), the date in words, the venue's public phone
            first for questions about the place and a private one never,
            no running number, no raw .ics address but the /kalender/
            page, what to bring never "Medbring: Medbring", English
            readers the course type's English texts or the Danish marked
            "(in Danish)" and no Danish sentence; the MIME tree of an
            invitation (multipart/mixed of multipart/alternative with the
            text first, an HTML part saying the same, text/calendar, and
            invitation.ics), Content-Language, ATTENDEE RSVP=FALSE, and
            the calendar part of a withdrawal saying "Afmeldt", of a
            demotion "Venteliste", not AFLYST;
  plain     with [smtp] html off, no HTML part;
  spacing   no reminder within [reminders] min_gap_hours of another
            message (the confirmation sent minutes before, another
            reminder), none on a day the person gets another with
            one_a_day; a reminder planned before another message came is
            held back when due; staff's own remind and a change go
            whatever the spacing.
"""

import datetime
import os
import re
import signal

from kursustest import LIBRARY_CONF, LIBRARY_EMAIL, LIBRARY_NAME, \
    LIBRARY_PHONE, LIBRARY_URL, Tap, da_phone, da_span, da_when, en_phone, \
    en_span, en_when, local_now, wait_for, zone
from servers import Phones, Recorder, SMTPServer, invitation_problems, \
    mail_of_row, mime_problems, plain_text

t = Tap()
UTC = datetime.timezone.utc

PUBLIC_URL = "https://kurser.horsens-bibliotek.example"
SIGNATURE = "Kursusholdet på Ærø"
SMS_SENDER = "Bibliotek"
# A venue whose phone is public, and one whose contact is for staff.
OPEN = {"slug": "aeroesalen", "name": "Horsens Bibliotek – Ærøsalen",
        "address": "Tobaksgården 1", "postcode": "8700", "city": "Horsens",
        "contact_phone": "75292929", "contact_public": True,
        "access_notes": "Trinfri adgang fra gården"}
OPEN_PHONE = "+4575292929"
CLOSED = {"slug": "seniorklubben", "name": "Malernes Seniorklub",
          "address": "Borgergade 1", "postcode": "8700", "city": "Horsens",
          "contact_name": "Jens Maler", "contact_phone": "86123456",
          "contact_public": False, "access_notes": "Elevator i gården"}
CLOSED_PHONE = "+4586123456"
# The issue's own example: a course named like a web site, a "what to
# bring" that says "Medbring" itself; English texts for English readers.
BORGER = {"slug": "borger", "title": "borger.dk", "duration": 90,
          "capacity": 8, "reminders": "none",
          "bring": "Medbring din telefon og dit nøglekort",
          "title_en": "borger.dk, the citizens' portal",
          "bring_en": "your phone and your key card"}
# A course type with Danish texts only.
POST = {"slug": "digital-post", "title": "Digital Post for alle",
        "duration": 60, "capacity": 8, "reminders": "none",
        "bring": "Telefon og læsebriller"}

DANISH_WORDS = ("Kære", "Medbring", "kurset", "Hvornår", "Venlig hilsen",
                "Telefon", " kl. ", "Adresse", "ring på", "Tak for",
                "venteliste")
ENGLISH_WORDS = ("Dear", "Please", "When:", "the course", "Kind regards",
                 "Phone ", "Thank you", "waiting list")


def parse_utc(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC)


def utc_iso(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def call(d, method, path, body=None, want=(200, 201)):
    """A JSON request to the admin API; another status is a failed check
    and gives None."""
    r = d.request(method, "/v1" + path, body)
    if r.status not in want:
        t.ok(False, "%s %s answers %s" % (method, path, want),
             ["got %d %s" % (r.status, r.body[:500])])
        return None
    return r.json


def outbox(d, **q):
    qs = "&".join("%s=%s" % kv for kv in q.items())
    return (call(d, "GET", "/outbox" + ("?" + qs if qs else "")) or
            {}).get("outbox", [])


def settled(rows):
    return bool(rows) and all(r["state"] not in ("pending", "sending")
                              for r in rows)


def brief(rows):
    return ["%s %s %s %s due=%s error=%s" % (
        r.get("id"), r.get("kind"), r.get("channel"), r.get("state"),
        r.get("due_at"), r.get("last_error")) for r in rows]


def session_at(d, course, venue, start, capacity=None):
    body = {"course": course, "venue": venue, "start": utc_iso(start)}
    if capacity is not None:
        body["capacity"] = capacity
    r = call(d, "POST", "/sessions", body)
    return ((r or {}).get("sessions") or [None])[0]


def register(d, sid, person):
    return call(d, "POST", "/sessions/%d/registrations" % sid,
                {"participant": person}) or {}


# --------------------------------------------------------------------------
# judging one message


class Reader:
    """A person and the language she reads."""

    def __init__(self, name, email, phone, lang):
        self.name, self.email, self.phone, self.lang = name, email, phone, lang
        self.en = lang == "en"
        self.pid = None
        self.token = None       # her personal feed's token
        self.sms_seen = 0

    def fields(self):
        f = {"name": self.name, "email": self.email, "language": self.lang}
        if self.phone:
            f["phone"] = self.phone
        return f

    def feed_token(self, d):
        """Asks for her personal feed link, as staff do, so that the mails
        offer its "add to calendar" page; its token."""
        url = (call(d, "GET", "/feeds/participant/%s" % self.pid) or
               {}).get("url", "")
        m = re.search(r"/feeds/participant/([^/]+)\.ics$", url)
        self.token = m.group(1) if m else None
        return self.token


def course_words(reader, course, sms=False):
    """How the course is named to the reader."""
    title = course.get("title_en") if reader.en and \
        course.get("title_en") else course["title"]
    if sms:
        return ("the course \"%s\"" if reader.en else "kurset \"%s\"") % \
            title
    return ("the course \u201c%s\u201d" if reader.en else
            "kurset \u00bb%s\u00ab") % title


def when_words(reader, session, sms=False):
    start = parse_utc(session["start_utc"])
    return en_when(start) if reader.en else da_when(start)


def span_words(reader, session):
    start, end = parse_utc(session["start_utc"]), parse_utc(
        session["end_utc"])
    return en_span(start, end) if reader.en else da_span(start, end)


def bring_line(reader, course):
    """What to bring, as the reader should see it."""
    if not reader.en:
        b = course["bring"]
        return b if b.startswith("Medbring") else "Medbring: " + b
    if course.get("bring_en"):
        return "Please bring: " + course["bring_en"]
    return "What to bring (in Danish): " + course["bring"]


# Kinds whose mail says when in full, tells what to bring and whom to call
# about the place, and offers the calendar page.
WHEN_WHERE = ("confirmation", "promoted", "reminder", "moved")
METHODS = {"confirmation": "REQUEST", "promoted": "REQUEST",
           "reminder": "REQUEST", "moved": "REQUEST", "demoted": "CANCEL",
           "cancelled": "CANCEL", "withdrawn": "CANCEL"}
GONE = {"withdrawn": ("Afmeldt: ", "Unregistered: "),
        "demoted": ("Venteliste: ", "Waiting list: "),
        "cancelled": ("AFLYST: ", "CANCELLED: ")}


def mail_problems(msg, reader, kind, session, course, venue, html=True,
                  body_has=()):
    """What a reader would find wrong with the mail about session; it
    must also say body_has."""
    problems = []
    text = plain_text(msg)
    if text is None:
        return ["no text/plain part"]
    subj = str(msg["Subject"])
    for want in (course_words(reader, course), when_words(reader, session)):
        if want not in subj:
            problems.append("Subject %r lacks %r" % (subj, want))
    if str(msg["Content-Language"]) != reader.lang:
        problems.append("Content-Language %r" % msg["Content-Language"])
    if reader.en:
        sign = "\nKind regards\n%s\n%s\nPhone %s\n%s\n%s\n" % (
            SIGNATURE, LIBRARY_NAME, en_phone(LIBRARY_PHONE), LIBRARY_EMAIL,
            LIBRARY_URL)
        greeting = "Dear %s\n" % reader.name
    else:
        sign = "\nVenlig hilsen\n%s\n%s\nTelefon %s\n%s\n%s\n" % (
            SIGNATURE, LIBRARY_NAME, da_phone(LIBRARY_PHONE), LIBRARY_EMAIL,
            LIBRARY_URL)
        greeting = "Kære %s\n" % reader.name
    wants = [greeting, sign, course_words(reader, course)] + list(body_has)
    if kind in WHEN_WHERE or kind == "waitlisted":
        wants.append(("When: " if reader.en else "Hvornår: ") +
                     span_words(reader, session))
    else:
        wants.append(when_words(reader, session))
    if kind in WHEN_WHERE:
        wants.append(bring_line(reader, course) + "\n")
        access = venue["access_notes"]
        wants.append(("Access (in Danish): " if reader.en else "Adgang: ") +
                     access + "\n")
        link = "%s/kalender/%s" % (PUBLIC_URL, reader.token)
        wants.append(link + "\n")
        if venue is OPEN:
            # The venue first, for questions about the place; the library
            # for the seat.
            if reader.en:
                wants.append("For questions about the place, please call "
                             "%s on %s.\nIf you cannot come " % (
                                 venue["name"], en_phone(OPEN_PHONE)))
            else:
                wants.append("Har du spørgsmål om stedet, så ring til %s på "
                             "%s.\n" % (venue["name"], da_phone(OPEN_PHONE)))
            lib = en_phone(LIBRARY_PHONE) if reader.en else \
                da_phone(LIBRARY_PHONE)
            if text.find(da_phone(OPEN_PHONE)) > text.find(lib):
                problems.append("the library's phone comes before the "
                                "venue's")
    for want in wants:
        if want not in text:
            problems.append("the body lacks %r" % want)
    bad = ["kursist", "nr. %s" % reader.number, LIBRARY_PHONE, OPEN_PHONE,
           CLOSED_PHONE, da_phone(CLOSED_PHONE), ".ics", "/feeds/",
           "Medbring: Medbring", "Bring: Medbring", "{", "\ufffd"]
    if reader.en:
        bad += DANISH_WORDS + ("Please bring: " + course["bring"],)
    else:
        bad += ENGLISH_WORDS
    for b in bad:
        # The Danish the English reader is shown is marked as such.
        found = [ln for ln in text.split("\n") if b in ln and
                 "(in Danish)" not in ln]
        if found:
            problems.append("the body has %r: %r" % (b, found[0]))
    problems += mime_problems(msg, METHODS.get(kind), html=html,
                              lang=reader.lang)
    if kind in METHODS:
        summary = None
        if kind in GONE:
            summary = GONE[kind][reader.en] + (
                course.get("title_en") if reader.en and
                course.get("title_en") else course["title"])
        problems += invitation_problems(msg, METHODS[kind], session["uid"],
                                        None, summary=summary)
    return problems


def sms_problems(text, reader, course, session):
    problems = []
    phone = en_phone(LIBRARY_PHONE) if reader.en else da_phone(
        LIBRARY_PHONE)
    for want in (LIBRARY_NAME, phone, course_words(reader, course, True),
                 when_words(reader, session)):
        if want not in text:
            problems.append("the SMS lacks %r" % want)
    for b in ("kursist", LIBRARY_PHONE, CLOSED_PHONE, da_phone(CLOSED_PHONE),
              ".ics", "{", "\ufffd", "Medbring: Medbring") + (
                  DANISH_WORDS if reader.en else ENGLISH_WORDS):
        if b in text:
            problems.append("the SMS has %r" % b)
    return problems


# --------------------------------------------------------------------------
# kinds: every kind of message, in Danish and in English


class Story:
    def __init__(self, d, rec, phones):
        self.d, self.rec, self.phones = d, rec, phones
        self.seen = set()

    def step(self, reader, kind, session, course, venue, action, html=True,
             body_has=()):
        """Does action, then judges the e-mail and the SMS of kind that
        reader gets about session (the mail saying body_has too); the
        session as it is after."""
        action()
        d = self.d
        rows = []

        def mine():
            nonlocal rows
            rows = [r for r in outbox(d, participant=reader.pid,
                                      session=session["id"], kind=kind)
                    if r["id"] not in self.seen]
            return len(rows) >= len(want) and settled(rows)
        want = [("email", "sent")] + ([("sms", "sent")] if reader.phone
                                      else [])
        wait_for(mine, 20, 0.1)
        self.seen.update(r["id"] for r in rows)
        what = "%s (%s)" % (kind, reader.lang)
        t.eq(sorted((r["channel"], r["state"]) for r in rows), want,
             "%s: %s, sent" % (what, "one e-mail and one SMS" if
                               reader.phone else "one e-mail"), brief(rows))
        session = call(d, "GET", "/sessions/%d" % session["id"]) or session
        em = [r for r in rows if r["channel"] == "email"]
        got = mail_of_row(self.rec, em[0]) if em else []
        if got:
            msg = got[0][1]
            problems = mail_problems(msg, reader, kind, session, course,
                                     venue, html, body_has)
            t.ok(not problems, "%s: the mail reads as the library's to %s "
                 "reader" % (what, "an English" if reader.en else "a Danish"),
                 problems + ["---"] + (plain_text(msg) or "").split("\n"))
            if os.environ.get("KURSUS_SHOW_MAIL"):
                t.diag_lines(str(msg["Subject"]) + "\n" + plain_text(msg))
        else:
            t.ok(False, "%s: the mail reached the SMTP server" % what)
        if not reader.phone:
            return session
        texts = wait_for(lambda: len(self.phones.texts(reader.phone)) >
                         reader.sms_seen and self.phones.texts(reader.phone),
                         10) or []
        new = texts[reader.sms_seen:]
        reader.sms_seen = len(texts)
        if t.eq(len(new), 1, "%s: one SMS reached the gateway" % what):
            problems = sms_problems(new[0], reader, course, session)
            t.ok(not problems, "%s: the SMS names the course, the date in "
                 "words, the library and its phone" % what,
                 problems + [repr(new[0])])
        return session


def story_kinds(tmp, phones):
    rec = Recorder(os.path.join(tmp, "smtp-kinds"))
    srv = SMTPServer(rec)
    ddir = t.tempdir()
    d = t.daemon(dirname=ddir, extra=[
        "smtp.host=127.0.0.1", "smtp.port=%d" % srv.port,
        "smtp.starttls=off", "smtp.from=" + LIBRARY_EMAIL,
        "smtp.timeout=5", "outbox.retry_seconds=1",
        "outbox.retry_max_seconds=2", "reminders.quiet_hours=",
        "public.url=" + PUBLIC_URL, "library.signature=" + SIGNATURE] +
        phones.opts(ddir))
    try:
        _story_kinds(d, rec, phones)
    finally:
        d.stop()
        srv.stop()


def _story_kinds(d, rec, phones):
    call(d, "PATCH", "/settings", {"number_start": 3000})
    for body in (OPEN, CLOSED):
        call(d, "POST", "/venues", body)
    for body in (BORGER, POST):
        call(d, "POST", "/courses", body)
    story = Story(d, rec, phones)
    day = local_now().date() + datetime.timedelta(days=10)
    readers = [Reader("Søren Ågård Ørsted", "soren@example.dk", "+4520304050",
                      "da"),
               Reader("Emma Æbelø Smith", "emma@example.com", "+4520304060",
                      "en")]
    for i, p in enumerate(readers):
        at = lambda h: datetime.datetime.combine(
            day, datetime.time(h + 4 * i), zone())
        w = session_at(d, "digital-post", "seniorklubben", at(8),
                       capacity=1)
        s = session_at(d, "borger", "aeroesalen", at(10))
        if w is None or s is None:
            return
        wid, sid = w["id"], s["id"]
        register(d, wid, {"name": "Fylder Uden Kontakt %d" % i,
                          "no_contact": True})

        def reg_w():
            r = register(d, wid, p.fields())
            p.pid = r.get("participant_id")
            p.number = r.get("number")
            t.ok(p.feed_token(d) is not None and
                 r.get("status") == "waitlisted",
                 "%s: waitlisted, her feed link made" % p.lang)
        story.step(p, "waitlisted", w, POST, CLOSED, reg_w)
        capacity = lambda c, force=False: call(
            d, "PATCH", "/sessions/%d" % wid, dict(
                {"capacity": c}, **({"force": True} if force else {})))
        story.step(p, "promoted", w, POST, CLOSED, lambda: capacity(2))
        story.step(p, "demoted", w, POST, CLOSED, lambda: capacity(1, True))
        story.step(p, "promoted", w, POST, CLOSED, lambda: capacity(2))
        story.step(p, "withdrawn", w, POST, CLOSED, lambda: call(
            d, "DELETE", "/sessions/%d/registrations/%d" % (wid, p.pid)))

        s = story.step(p, "confirmation", s, BORGER, OPEN,
                       lambda: register(d, sid, p.pid))
        s = story.step(p, "reminder", s, BORGER, OPEN, lambda: call(
            d, "POST", "/sessions/%d/remind" % sid, {}))
        note = "Remember to charge your phone." if p.en else \
            "Husk at lade din telefon op."
        s = story.step(p, "staff", s, BORGER, OPEN, lambda: call(
            d, "POST", "/sessions/%d/remind" % sid, {"message": note}),
            body_has=("\n%s\n" % note,))
        old = parse_utc(s["start_utc"])
        moved = (old + datetime.timedelta(days=1, hours=1)).astimezone(
            zone())
        s = story.step(p, "moved", s, BORGER, OPEN, lambda: call(
            d, "POST", "/sessions/%d/move" % sid,
            {"start": moved.strftime("%Y-%m-%d %H:%M")}),
            body_has=("Previously: " + en_when(old) if p.en else
                      "Tidligere tid: " + da_when(old),))
        story.step(p, "cancelled", s, BORGER, OPEN, lambda: call(
            d, "POST", "/sessions/%d/cancel" % sid,
            {"reason": "Underviseren er syg"}),
            body_has=(("Reason: " if p.en else "Årsag: ") +
                      "Underviseren er syg\n",))


# --------------------------------------------------------------------------
# plain: [smtp] html off


def smtp_daemon(tmp, name, extra=(), config=None):
    """A daemon whose e-mail goes to its own recorder; SMS not
    configured."""
    rec = Recorder(os.path.join(tmp, "smtp-" + name))
    srv = SMTPServer(rec)
    ddir = t.tempdir()
    if config is not None:
        path = os.path.join(ddir, "kursusd.conf")
        with open(path, "w") as f:
            f.write(config)
    d = t.daemon(dirname=ddir, extra=[
        "smtp.host=127.0.0.1", "smtp.port=%d" % srv.port,
        "smtp.starttls=off", "smtp.from=" + LIBRARY_EMAIL,
        "smtp.timeout=5", "outbox.retry_seconds=1",
        "outbox.retry_max_seconds=2", "public.url=" + PUBLIC_URL,
        "library.signature=" + SIGNATURE] + list(extra))
    return d, rec, srv


def story_plain(tmp):
    d, rec, srv = smtp_daemon(tmp, "plain", ["smtp.html=off"])
    try:
        for body in (OPEN, BORGER):
            call(d, "POST", "/venues" if body is OPEN else "/courses", body)
        start = datetime.datetime.combine(
            local_now().date() + datetime.timedelta(days=10),
            datetime.time(10), zone())
        s = session_at(d, "borger", "aeroesalen", start, capacity=1)
        if s is None:
            return
        story = Story(d, rec, None)
        p = Reader("Karen Mølgaard", "karen@example.dk", None, "da")

        # Her feed link made before she registers, so the confirmation
        # offers the calendar page.
        p.pid = (call(d, "POST", "/participants", p.fields()) or {}).get(
            "id")
        p.feed_token(d)

        def reg():
            p.number = register(d, s["id"], p.pid).get("number")
        story.step(p, "confirmation", s, BORGER, OPEN, reg, html=False)
        q = Reader("Ole Ærø", "ole@example.dk", None, "da")

        def reg_q():
            r = register(d, s["id"], q.fields())
            q.pid, q.number = r.get("participant_id"), r.get("number")
        story.step(q, "waitlisted", s, BORGER, OPEN, reg_q, html=False)
    finally:
        d.stop()
        srv.stop()


# --------------------------------------------------------------------------
# spacing: reminders keep their distance


SPACED = {"slug": "to-dage", "title": "Digital Post for alle",
          "duration": 60, "capacity": 8, "reminders": "email:2d"}


def reminders_of(d, pid, sid):
    return [r for r in outbox(d, participant=pid, session=sid,
                              kind="reminder") if r["state"] != "cancelled"]


def story_spacing(tmp):
    """Planning, with [reminders] min_gap_hours 12 and one_a_day on (the
    defaults), then with one_a_day off."""
    # In UTC, so that hours are hours across a change of summer time.
    now = datetime.datetime.now(UTC)
    for one_a_day in ("on", "off"):
        d, rec, srv = smtp_daemon(tmp, "spacing-" + one_a_day, [
            "reminders.one_a_day=" + one_a_day])
        try:
            call(d, "POST", "/venues", OPEN)
            call(d, "POST", "/courses", SPACED)
            pid = None

            def reg(start):
                nonlocal pid
                s = session_at(d, "to-dage", "aeroesalen", start)
                person = pid or {"name": "Birthe Ågård",
                                 "email": "birthe-%s@example.dk" % one_a_day}
                r = register(d, s["id"], person)
                pid = pid or r.get("participant_id")
                return s["id"]

            def planned(sid):
                return [r["due_at"] for r in reminders_of(d, pid, sid)]

            # The case: a confirmation at 08:56, and the reminder
            # two days before the session would be at 09:00.
            sid = reg(now + datetime.timedelta(days=2, minutes=4))
            t.eq(planned(sid), [], "spacing (one_a_day %s): no reminder "
                 "4 minutes after the confirmation (email:2d of a session "
                 "2 days and 4 minutes ahead)" % one_a_day)
            if one_a_day == "on":
                day = local_now().date() + datetime.timedelta(days=10)
                at = lambda n, h: datetime.datetime.combine(
                    day + datetime.timedelta(days=n), datetime.time(h),
                    zone())
                a = reg(at(0, 9))
                # email:2d is 48 hours before.
                before = lambda dt: utc_iso(dt.astimezone(UTC) -
                                            datetime.timedelta(hours=48))
                t.eq(planned(a), [before(at(0, 9))], "one_a_day: a "
                     "reminder two days before a session at 09:00")
                b = reg(at(0, 22))
                t.eq(planned(b), [], "one_a_day: none for her session at "
                     "22:00 the same day: its reminder would come 13 hours "
                     "after the other, the same day")
                c = reg(at(1, 22))
                t.eq(planned(c), [before(at(1, 22))], "one_a_day: one "
                     "for a session at 22:00 the day after (the next day)")
            else:
                base = now + datetime.timedelta(days=2)
                f = reg(base + datetime.timedelta(hours=13))
                t.eq(planned(f), [utc_iso(now + datetime.timedelta(
                    hours=13))], "min_gap_hours 12: a reminder 13 hours "
                     "after the confirmation is planned")
                g = reg(base + datetime.timedelta(hours=19))
                t.eq(planned(g), [], "min_gap_hours 12: none 6 hours after "
                     "the other reminder")
                h = reg(base + datetime.timedelta(hours=26))
                t.eq(planned(h), [utc_iso(now + datetime.timedelta(
                    hours=26))], "min_gap_hours 12: one 13 hours after the "
                     "other reminder")
        finally:
            d.stop()
            srv.stop()


def story_held(tmp):
    """A reminder planned before the spacing applied is held back when it
    comes due after another message; staff's remind and a change go."""
    config = LIBRARY_CONF + "[reminders]\nquiet_hours =\n"
    d, rec, srv = smtp_daemon(tmp, "held", config=config + (
        "min_gap_hours = 0\none_a_day = off\n"))
    try:
        call(d, "POST", "/venues", OPEN)
        call(d, "POST", "/courses", dict(SPACED, slug="snart",
                                         reminders="email:1m"))
        # Due in half a minute: time to turn spacing on first.
        start = local_now() + datetime.timedelta(seconds=90)
        s = session_at(d, "snart", "aeroesalen", start)
        if s is None:
            return
        p = register(d, s["id"], {"name": "Hans Jensen",
                                  "email": "hans@example.dk"})
        pid = p.get("participant_id")
        rem = reminders_of(d, pid, s["id"])
        t.eq([r["state"] for r in rem], ["pending"], "held: with no "
             "spacing the reminder a minute before is planned", brief(rem))
        wait_for(lambda: settled(outbox(d, participant=pid,
                                        kind="confirmation")), 10)
        # The library turns spacing on; the confirmation has just gone.
        with open(d.config, "w") as f:
            f.write(config + "min_gap_hours = 12\none_a_day = on\n")
        mark = len(d.log())
        d.proc.send_signal(signal.SIGHUP)
        t.ok(wait_for(lambda: "configuration reloaded" in d.log()[mark:],
                      10), "held: SIGHUP reads min_gap_hours 12")
        rem = []

        def due():
            nonlocal rem
            rem = reminders_of(d, pid, s["id"])
            return settled(rem)
        wait_for(due, 60, 0.2)
        t.ok(len(rem) == 1 and rem[0]["state"] == "skipped" and
             "held back" in (rem[0]["last_error"] or ""),
             "held: when due, the reminder is held back (skipped, saying "
             "why): the confirmation came less than 12 hours before",
             brief(rem))
        t.eq(mail_of_row(rec, rem[0]) if rem else [], [],
             "held: no reminder mail reached the server")
        t.ok("reminder held back" in d.log()[mark:] and "Hans" not in
             d.log(), "held: the log says so, naming her by id only",
             d.log()[mark:].split("\n")[-5:])

        # Staff's own remind goes whatever the spacing.
        r = call(d, "POST", "/sessions/%d/remind" % s["id"], {})
        rows = []

        def sent(ids):
            nonlocal rows
            rows = [x for x in outbox(d, participant=pid)
                    if x["id"] in ids]
            return settled(rows)
        wait_for(lambda: sent((r or {}).get("messages") or []), 20, 0.1)
        t.ok(rows and all(x["state"] == "sent" for x in rows) and
             mail_of_row(rec, rows[0]), "held: staff's remind is sent "
             "all the same", brief(rows))
        # A change is always told; its new reminder keeps its distance.
        later = (start + datetime.timedelta(hours=3)).astimezone(zone())
        before = {x["id"] for x in outbox(d, participant=pid)}
        call(d, "POST", "/sessions/%d/move" % s["id"],
             {"start": later.strftime("%Y-%m-%d %H:%M")})
        wait_for(lambda: settled([x for x in outbox(
            d, participant=pid, kind="moved")]), 20, 0.1)
        new = [x for x in outbox(d, participant=pid)
               if x["id"] not in before]
        t.eq(sorted((x["kind"], x["state"]) for x in new),
             [("moved", "sent")], "held: the move is told at once, and no "
             "reminder is planned within 12 hours of it", brief(new))
    finally:
        d.stop()
        srv.stop()


# --------------------------------------------------------------------------


def main():
    tmp = t.tempdir()
    phones = Phones(tmp, sender=SMS_SENDER)
    if phones.why is not None:
        t.diag("kannel does not start (%s): the REST gateway instead" %
               phones.why)
    try:
        story_kinds(tmp, phones)
    finally:
        phones.stop()
    story_plain(tmp)
    story_spacing(tmp)
    story_held(tmp)


t.run(main)
