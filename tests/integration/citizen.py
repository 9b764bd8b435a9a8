"""
citizen: what test_cancel.py, test_sms_reply.py, test_sms_busy.py and
test_sending_*.py share. A venue, a course type of one seat, a session
ten days ahead, people registered through the admin socket; the outbox
read back; the cancel link taken from the real mail the SMTP server got;
a kursusd whose SMS replies come through a real Kannel, or signed by the
REST gateway's webhook.

Pages are judged with Python's html.parser, not kursusd's code.
"""

import datetime
import hashlib
import hmac
import html.parser
import json
import os
import re
import time

from kursustest import AdminAPI, free_port, local_now, secret_file, wait_for
from servers import (Kannel, Recorder, RestGateway, SMTPServer,
                     kannel_available, plain_text)

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


def mail_daemon(t, name, start=True, phones=None):
    """A kursusd that mails through a recording aiosmtpd on loopback and
    sends no SMS, or sends them through phones (servers.Phones):
    (recorder, server, daemon, API); not started yet unless start. Stop
    the server."""
    rec = Recorder(os.path.join(t.tempdir(), "smtp"))
    srv = SMTPServer(rec)
    ddir = t.tempdir()
    sms = ["sms.driver=none"] if phones is None else phones.opts(ddir)
    d = t.daemon(dirname=ddir, extra=library_opts(srv.port) + [
        "smtp.timeout=2", "outbox.probe_seconds=1"] + sms, start=start)
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


# --- SMS replies (test_sms_reply.py, test_sms_busy.py)

KANNEL_SECRET = "kannel-hemmelighed-0123456789"
WEBHOOK_SECRET = "webhook-hemmelighed-9876543210"
SHORT = "1234"          # the library's number people answer to


def signed(body, secret=WEBHOOK_SECRET, stamp=None):
    """A webhook POST's body (bytes, or JSON made of body) and headers,
    signed as the gateway signs: HMAC-SHA256 of "<timestamp>.<body>"."""
    stamp = int(time.time()) if stamp is None else stamp
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sig = hmac.new(secret.encode(), b"%d." % stamp + raw,
                   hashlib.sha256).hexdigest()
    return raw, {"Content-Type": "application/json",
                 "X-Kursus-Timestamp": str(stamp),
                 "X-Kursus-Signature": "sha256=" + sig}


def sms_stories(t, kannel_story, webhook_story):
    """kannel_story(d, api, k) with a kursusd sending through a real
    Kannel (servers.py), whose sms-service's get-url is kursusd's
    /sms/kannel (skipped without Kannel); then webhook_story(d, api, gw)
    with one sending through the REST gateway, its replies by webhook."""
    if not kannel_available():
        t.skip("SMS replies through Kannel", "kannel or kannel-extras is "
               "not installed (dev/deps)")
    else:
        _through_kannel(t, kannel_story)
    _through_webhook(t, webhook_story)


def _through_kannel(t, story):
    tmp = t.tempdir()
    port = free_port()
    k = Kannel(os.path.join(tmp, "kannel"),
               get_url="http://127.0.0.1:%d/sms/kannel?secret=%s"
               "&from=%%p&to=%%P&text=%%a&id=%%I" % (port, KANNEL_SECRET))
    if not k.start():
        t.ok(False, "Kannel starts", [k.why or ""])
        k.stop()
        return
    ddir = t.tempdir()
    d = t.daemon(dirname=ddir, public_port=port, extra=library_opts() +
                 k.daemon_opts(ddir, SHORT, timeout=None) + [
                     "sms.kannel_secret_file=" +
                     secret_file(ddir, "kannel.secret", KANNEL_SECRET)])
    try:
        story(d, API(d), k)
    finally:
        d.stop()
        k.stop()


def _through_webhook(t, story):
    gw = RestGateway()
    ddir = t.tempdir()
    d = t.daemon(dirname=ddir, extra=library_opts() + [
        "sms.driver=rest", "sms.url=" + gw.url,
        "sms.password_file=" + secret_file(ddir, "sms.password", "tok-1"),
        "sms.header=Authorization: Bearer {password}",
        'sms.body={"recipient": "{to}", "sender": "{from}", '
        '"message": "{text}"}', "sms.sender=" + SHORT,
        "sms.webhook_secret_file=" + secret_file(ddir, "webhook.secret",
                                                 WEBHOOK_SECRET)])
    try:
        story(d, API(d), gw)
    finally:
        d.stop()
        gw.stop()
