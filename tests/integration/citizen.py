"""
citizen: what test_cancel.py, test_sms_reply.py and test_sending_*.py
share. A venue, a course type of one seat, a session ten days ahead,
people registered through the admin socket; the outbox read back; and
the cancel link taken from the real mail the SMTP server got.

Pages are judged with Python's html.parser, not kursusd's code.
"""

import datetime
import html.parser
import os
import re

from kursustest import AdminAPI, local_now, wait_for
from servers import Recorder, SMTPServer, plain_text

LIBRARY = "Horsens Bibliotek"
LIBRARY_PHONE = "76292300"
LIBRARY_PHONE_DA = "76 29 23 00"
COURSE_TITLE = "IT-café for øvede"
VENUE_NAME = "Horsens Bibliotek – Ærøsalen"
FROM = "kurser@horsens-bibliotek.example"

# A token of either form (daemon/token.c): 32 hex digits, the old links
# still out there; 26 characters of Crockford's base 32, the new ones.
TOKEN_RE = r"(?:[0-9a-f]{32}|[0-7][0-9a-hjkmnp-tv-z]{25})(?![0-9a-z])"
LINK_RE = re.compile(r"https?://[^\s<>\"]+/afmeld/" + TOKEN_RE +
                     r"(?:\?lang=en)?")


def library_opts(smtp_port=None):
    """The daemon's options: [library], and e-mail through smtp_port."""
    o = ["library.name=" + LIBRARY, "library.phone=" + LIBRARY_PHONE,
         "reminders.rules=", "reminders.quiet_hours="]
    if smtp_port is not None:
        o += ["smtp.host=127.0.0.1", "smtp.port=%d" % smtp_port,
              "smtp.starttls=off", "smtp.from=" + FROM,
              "outbox.retry_seconds=1", "outbox.retry_max_seconds=2"]
    return o


def mail_daemon(t, name, start=True):
    """A kursusd that mails through a recording aiosmtpd on loopback and
    sends no SMS: (recorder, server, daemon, API); not started yet unless
    start. Stop the server."""
    rec = Recorder(os.path.join(t.tempdir(), "smtp"))
    srv = SMTPServer(rec)
    d = t.daemon(extra=library_opts(srv.port) + [
        "smtp.timeout=2", "outbox.probe_seconds=1", "sms.driver=none"],
        start=start)
    return rec, srv, d, API(d, name)


class API(AdminAPI):
    """The admin API with the set-up these tests share."""

    def setup(self, capacity=1):
        self("POST", "/venues", {
            "slug": "horsens", "name": VENUE_NAME,
            "address": "Tobaksgården 1", "postcode": "8700",
            "city": "Horsens", "capacity": 100})
        self("POST", "/courses", {"slug": "it-cafe", "title": COURSE_TITLE,
                                  "duration": 90, "capacity": capacity})

    def session(self, start=None):
        """A session at start (text or aware datetime), default ten days
        ahead at 10:00."""
        if start is None:
            day = local_now().date() + datetime.timedelta(days=10)
            start = "%s 10:00" % day.isoformat()
        elif isinstance(start, datetime.datetime):
            start = start.astimezone(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
        r = self("POST", "/sessions", {"course": "it-cafe",
                                       "venue": "horsens", "start": start})
        return (r or {}).get("sessions", [None])[0]

    def registrations(self, sid):
        r = self("GET", "/sessions/%d/registrations" % sid) or {}
        return {x["participant_id"]: x for x in r.get("registrations", [])}

    def outbox(self, **q):
        qs = "&".join("%s=%s" % kv for kv in q.items())
        r = self("GET", "/outbox" + ("?" + qs if qs else "")) or {}
        return r.get("outbox", [])

    def outbox_all(self, sid, n, state):
        """(whether the session's outbox holds n rows, all in state; the
        rows)."""
        rs = self.outbox(session=sid)
        return len(rs) == n and all(r["state"] == state for r in rs), rs

    def sent(self, pid, kind, channel, timeout=20):
        """Waits until the outbox row of kind for pid on channel is sent;
        the row, or None."""
        found = []

        def check():
            rows = [r for r in self.outbox(participant=pid, kind=kind)
                    if r["channel"] == channel]
            found[:] = rows
            return rows and all(r["state"] == "sent" for r in rows)
        wait_for(check, timeout, 0.1)
        return found[0] if found and found[0]["state"] == "sent" else None


def wait_mail(rec, address, subject_start, timeout=20):
    """The first mail to address whose Subject starts so, or None."""
    got = []

    def check():
        got[:] = [m for m in rec.to(address)
                  if str(m["Subject"]).startswith(subject_start)]
        return got
    wait_for(check, timeout, 0.1)
    return got[0] if got else None


def cancel_link(msg):
    """The cancel link in a mail's text, or None."""
    text = plain_text(msg) or ""
    m = LINK_RE.search(text)
    return m.group(0) if m else None


class Page(html.parser.HTMLParser):
    """What a test reads of a page: lang, h1, the text, the forms with
    their method and inputs, the buttons' words."""

    def __init__(self, data):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.h1 = ""
        self.text = []
        self.forms = []
        self.buttons = []
        self._in = []
        self.feed(data.decode("utf-8"))
        # The library's phone is kept on one line with no-break spaces.
        self.text = " ".join(" ".join(self.text).replace("\xa0", " ")
                             .split())

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(),
                               "action": a.get("action"), "inputs": {}})
        if tag == "input" and self.forms:
            self.forms[-1]["inputs"][a.get("name")] = a.get("value")
        self._in.append(tag)

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if "h1" in self._in:
            self.h1 += data
        if "button" in self._in:
            self.buttons.append(data.strip())
        if "style" not in self._in and "title" not in self._in:
            self.text.append(data)
