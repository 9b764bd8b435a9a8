"""
servers: the real mail and SMS servers kursusd's tests talk to, started on
loopback by the tests themselves.

    rec = Recorder(directory, script={"graa@x.dk": ["451 4.7.1 later"] * 2})
    srv = SMTPServer(rec)          # aiosmtpd on 127.0.0.1:srv.port
    ...
    rec.mails()                    # every message as bytes, in order
    srv.stop()

    k = Kannel(directory)          # bearerbox, smsbox, fakesmsc
    if k.start(): ... k.sendsms_url, k.user, k.password ... k.texts()
    k.stop()

- Recorder: an aiosmtpd handler writing each message to a file of its
  directory, with scripted answers to RCPT per recipient (a list of replies
  given in turn before accepting, or one reply for every attempt) and an
  optional delay before answering DATA (a slow server; the message is
  kept all the same).
- SMTPServer: aiosmtpd's Controller on a free loopback port (AUTH and the
  like through keyword arguments).
- SilentServer: accepts TCP connections and never says a word.
- RestGateway: a tiny JSON SMS gateway answering by the recipient number's
  last three digits (200, 429, 500, 400), recording what it is sent.
- Kannel: bearerbox, smsbox and kannel-extras' fakesmsc as the operator on
  free loopback ports, what reaches the operator side read from fakesmsc's
  output.

Each server stops only what it started. Only the standard library and
Debian's python3-aiosmtpd.
"""

import asyncio
import email
import email.policy
import http.server
import json
import logging
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import warnings

from kursustest import free_port, secret_file, wait_for

# aiosmtpd's chatter about AUTH without TLS (wanted here) and its logging.
warnings.filterwarnings("ignore", module="aiosmtpd")
logging.getLogger("mail.log").setLevel(logging.CRITICAL)

KANNEL_BIN = "/usr/sbin"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# SMTP


class Recorder:
    """An aiosmtpd handler: writes every message to a file in a directory
    (mail-NNNNN.eml, with envelope-NNNNN holding the envelope sender and
    recipients).

    rcpt_fail: replies given to RCPT, one per attempt, before accepting
    (any recipient); reject: a reply given to every RCPT; script: {address:
    [reply, ...]} the same per recipient, popped in turn; always: {address:
    reply} given to every RCPT of that address; delay: seconds to wait
    before answering DATA, after the message is written (like an MTA that
    has queued it: a client that dies meanwhile never hears the 250);
    hold_at: from the hold_at-th message on, the answer to DATA waits
    (the message written) until .gate is set; data_script: {address:
    [reply, ...]} given to the end of the data (its ".") of a message to
    that address, popped in turn, before accepting (a refused message is
    not written); command_script: the same for the DATA command itself
    (its answer in place of 354); .mail_reply, when set, is
    given to every MAIL FROM. Counts sessions (EHLO/HELO) in .sessions
    and refused MAIL FROMs in .mail_refused."""

    def __init__(self, directory, rcpt_fail=(), reject=None, script=None,
                 always=None, delay=0.0, hold_at=None, data_script=None,
                 command_script=None):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.rcpt_fail = list(rcpt_fail)
        self.data_script = {k.lower(): list(v)
                            for k, v in (data_script or {}).items()}
        self.command_script = {k.lower(): list(v)
                               for k, v in (command_script or {}).items()}
        self.reject = reject
        self.script = {k.lower(): list(v) for k, v in (script or {}).items()}
        self.always = {k.lower(): v for k, v in (always or {}).items()}
        self.delay = delay
        self.hold_at = hold_at
        self.gate = threading.Event()
        self.count = 0
        self.rcpt_attempts = 0
        self.rcpt_log = []          # (address, reply) per RCPT
        self.sessions = 0
        self.mail_reply = None
        self.mail_refused = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        with self.lock:
            reply = self.mail_reply
            if reply:
                self.mail_refused += 1
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_HELO(self, server, session, envelope, hostname):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return "250 %s" % server.hostname

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    def _rcpt_reply(self, address):
        a = address.lower()
        if self.reject:
            return self.reject
        if a in self.always:
            return self.always[a]
        if self.script.get(a):
            return self.script[a].pop(0)
        if self.rcpt_fail:
            return self.rcpt_fail.pop(0)
        return None

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        with self.lock:
            self.rcpt_attempts += 1
            reply = self._rcpt_reply(address)
            self.rcpt_log.append((address, reply or "250 OK"))
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _scripted(self, script, envelope):
        for a in envelope.rcpt_tos:
            if script.get(a.lower()):
                return script[a.lower()].pop(0)
        return None

    def data_command(self, envelope):
        """SMTPServer's answer to the DATA command in place of 354, or
        None."""
        with self.lock:
            return self._scripted(self.command_script, envelope)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            reply = self._scripted(self.data_script, envelope)
            if reply:
                return reply
            self.count += 1
            n = self.count
        path = os.path.join(self.dir, "mail-%05d.eml" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        with open(os.path.join(self.dir, "envelope-%05d" % n), "w") as f:
            f.write("%s\n%s\n" % (envelope.mail_from,
                                  " ".join(envelope.rcpt_tos)))
        if self.delay:
            await asyncio.sleep(self.delay)
        while self.hold_at is not None and n >= self.hold_at and \
                not self.gate.is_set():
            await asyncio.sleep(0.01)
        return "250 2.0.0 Ok: queued as %d" % n

    def names(self):
        return sorted(n for n in os.listdir(self.dir)
                      if n.startswith("mail-") and n.endswith(".eml"))

    def mails(self):
        """Every message received so far, as bytes, in order."""
        out = []
        for n in self.names():
            with open(os.path.join(self.dir, n), "rb") as f:
                out.append(f.read())
        return out

    def envelopes(self):
        """[(sender, [recipients])] in the order of mails()."""
        out = []
        for n in self.names():
            e = os.path.join(self.dir, "envelope-" + n[5:-4])
            try:
                lines = open(e).read().split("\n")
            except OSError:
                lines = ["", ""]
            out.append((lines[0], lines[1].split() if len(lines) > 1
                        else []))
        return out

    def messages(self):
        """mails() parsed with email.policy.default."""
        return [parse_mail(raw) for raw in self.mails()]

    def to(self, address):
        """The parsed messages whose envelope recipient is address."""
        a = address.lower()
        return [parse_mail(raw) for raw, (_, rcpts) in
                zip(self.mails(), self.envelopes())
                if a in (r.lower() for r in rcpts)]


def parse_mail(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def calendar_parts(msg):
    """The text/calendar parts of a parsed message."""
    return [p for p in msg.walk() if p.get_content_type() == "text/calendar"]


def plain_text(msg):
    """The text/plain body of a parsed message with LF line ends, or
    None."""
    p = msg.get_body(preferencelist=("plain",))
    if p is None:
        return None
    return p.get_content().replace("\r\n", "\n")


def mail_of_row(rec, row):
    """[(raw, parsed)] of the mails rec got that carry the outbox row's
    Message-ID (the sender makes it <outbox.ID.CREATED@domain>)."""
    out = []
    for raw in rec.mails():
        m = parse_mail(raw)
        if str(m["Message-ID"] or "").startswith("<outbox.%d." % row["id"]):
            out.append((raw, m))
    return out


def invitation_problems(msg, method, uid, sequence, summary=None,
                        start=None):
    """What is wrong with the one text/calendar part of a parsed message,
    judged by python3-icalendar: its method parameter and METHOD, one
    VEVENT with uid and sequence (unless None; and summary, and start, an
    aware datetime, when given), STATUS:CANCELLED for a CANCEL, an
    ATTENDEE asked for no reply (RSVP=FALSE). [] if nothing."""
    import datetime
    import icalendar
    problems = []
    cals = calendar_parts(msg)
    if len(cals) != 1:
        return ["%d text/calendar parts" % len(cals)]
    cal = cals[0]
    if (cal.get_param("method") or "").upper() != method:
        problems.append("method parameter %r" % cal.get_param("method"))
    if cal.get_content_charset() != "utf-8":
        problems.append("calendar charset %r" % cal.get_content_charset())
    if cal.get("Content-Disposition") is not None:
        problems.append("calendar has a disposition")
    try:
        ics = icalendar.Calendar.from_ical(cal.get_content())
    except Exception as e:
        return problems + ["icalendar cannot parse the part: %s" % e]
    if str(ics.get("METHOD")) != method:
        problems.append("METHOD %r" % ics.get("METHOD"))
    evs = [c for c in ics.walk() if c.name == "VEVENT"]
    if len(evs) != 1:
        return problems + ["%d VEVENTs" % len(evs)]
    ev = evs[0]
    if str(ev.get("UID")) != uid:
        problems.append("UID %r, want %r" % (str(ev.get("UID")), uid))
    if sequence is not None and int(ev.get("SEQUENCE", 0)) != sequence:
        problems.append("SEQUENCE %r, want %r" % (ev.get("SEQUENCE"),
                                                  sequence))
    if summary is not None and str(ev.get("SUMMARY")) != summary:
        problems.append("SUMMARY %r" % ev.get("SUMMARY"))
    if start is not None:
        dt = ev.get("DTSTART").dt if ev.get("DTSTART") else None
        if not isinstance(dt, datetime.datetime) or \
                dt.astimezone(datetime.timezone.utc) != start:
            problems.append("DTSTART %r, want %s" % (dt, start))
    if method == "CANCEL" and str(ev.get("STATUS")) != "CANCELLED":
        problems.append("STATUS %r" % ev.get("STATUS"))
    att = ev.get("ATTENDEE")
    if not att:
        problems.append("no ATTENDEE")
    for a in (att if isinstance(att, list) else [att] if att else []):
        if str(a.params.get("RSVP", "")).upper() != "FALSE":
            problems.append("ATTENDEE %s asks for a reply (RSVP %r)" % (
                a, a.params.get("RSVP")))
    return problems


def html_text(doc):
    """The words of an HTML document's body as a reader sees them (the
    text of links included), its lang attribute and its links, by
    Python's html.parser: (text, lang, [href])."""
    import html.parser

    class P(html.parser.HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.out, self.lang, self.links = [], None, []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "html":
                self.lang = a.get("lang")
            elif tag in ("head", "script", "style"):
                self.skip += 1
            elif tag == "a":
                self.links.append(a.get("href"))
            elif tag in ("br", "p"):
                self.out.append("\n")

        def handle_endtag(self, tag):
            if tag in ("head", "script", "style"):
                self.skip -= 1
            elif tag == "p":
                self.out.append("\n")

        def handle_data(self, data):
            if not self.skip:
                self.out.append(data)
    p = P()
    p.feed(doc)
    p.close()
    return "".join(p.out), p.lang, p.links


def words(text):
    return " ".join(text.split())


def mime_problems(msg, method=None, html=True, lang="da"):
    """What is wrong with the MIME tree of a parsed message, judged by
    Python's email package. With a method, the shape mail programs expect
    of an invitation: multipart/mixed of multipart/alternative (text/plain,
    text/html when html, text/calendar; method=...) and the same calendar
    as an invitation.ics attachment; without, the text alone or the
    alternative of text and HTML. The HTML, when there, has the plain
    text's words and lang. [] if nothing."""
    problems = []
    want_alt = ["text/plain"] + (["text/html"] if html else [])
    if method is None:
        if not html:
            if msg.get_content_type() != "text/plain":
                problems.append("content type %s" % msg.get_content_type())
            return problems
        alt = msg
    else:
        want_alt.append("text/calendar")
        if msg.get_content_type() != "multipart/mixed":
            return ["content type %s, want multipart/mixed" %
                    msg.get_content_type()]
        parts = list(msg.iter_parts())
        if len(parts) != 2:
            return ["multipart/mixed of %d parts, want 2" % len(parts)]
        alt, att = parts
        if att.get_content_type() != "application/ics":
            problems.append("attachment type %s" % att.get_content_type())
        if att.get_content_disposition() != "attachment" or \
                att.get_filename() != "invitation.ics":
            problems.append("attachment %r named %r" % (
                att.get_content_disposition(), att.get_filename()))
        cals = [p for p in alt.iter_parts()
                if p.get_content_type() == "text/calendar"] \
            if alt.is_multipart() else []
        if cals:
            inline = cals[0].get_content().replace("\r\n", "\n")
            attached = att.get_payload(decode=True) or b""
            if attached.decode("utf-8", "replace").replace(
                    "\r\n", "\n") != inline:
                problems.append("invitation.ics is not the calendar")
    if alt.get_content_type() != "multipart/alternative":
        return problems + ["content type %s, want multipart/alternative" %
                           alt.get_content_type()]
    got = [p.get_content_type() for p in alt.iter_parts()]
    if got != want_alt:
        problems.append("alternatives %s, want %s (the text first)" % (
            got, want_alt))
    if html:
        hp = [p for p in alt.iter_parts()
              if p.get_content_type() == "text/html"]
        plain = plain_text(msg) or ""
        if hp:
            text, hlang, links = html_text(hp[0].get_content())
            if hp[0].get_content_charset() != "utf-8":
                problems.append("html charset %r" %
                                hp[0].get_content_charset())
            if words(text) != words(plain):
                problems.append("the HTML does not say what the text says: "
                                "%r / %r" % (words(text)[:300],
                                             words(plain)[:300]))
            if hlang != lang:
                problems.append("html lang %r, want %r" % (hlang, lang))
            want_links = re.findall(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)']",
                                    plain)
            if links != want_links:
                problems.append("links %r, want %r" % (links, want_links))
    return problems


class SMTPServer:
    """aiosmtpd's Controller for handler on 127.0.0.1 (port: a given one,
    else a free one); keyword arguments go to the Controller."""

    def __init__(self, handler, port=None, **kw):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import SMTP

        class Server(SMTP):
            # A handler's data_command(envelope) may refuse the DATA
            # command itself, which aiosmtpd has no hook for.
            async def smtp_DATA(self, arg):
                hook = getattr(self.event_handler, "data_command", None)
                reply = hook(self.envelope) if hook is not None and \
                    self.envelope.rcpt_tos else None
                if reply:
                    await self.push(reply)
                    return
                await super().smtp_DATA(arg)

        class Control(Controller):
            def factory(self):
                return Server(self.handler, **self.SMTP_kwargs)

        self.port = port or free_port()
        self.handler = handler
        self.controller = Control(handler, hostname="127.0.0.1",
                                  port=self.port, ready_timeout=10, **kw)
        self.controller.start()

    def stop(self):
        try:
            self.controller.stop()
        except Exception:
            pass


class SilentServer:
    """Accepts connections and never says a word (port: a given one, else
    a free one). .accepted counts the connections."""

    def __init__(self, port=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port or 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.accepted = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(c)

    def stop(self):
        self.stopping = True
        for c in self.conns:
            c.close()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(2)


# --------------------------------------------------------------------------
# SMS: a REST gateway


class RestGateway:
    """A tiny JSON SMS gateway: answers by the recipient number's last
    three digits (200, 429, 500, 400); records what it was sent in
    .requests ({"path", "headers", "body", "json"} each)."""

    def __init__(self):
        gw = self
        self.requests = []

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                rec = {"path": self.path, "headers": dict(self.headers),
                       "body": body}
                gw.requests.append(rec)
                try:
                    doc = json.loads(body.decode("utf-8"))
                except ValueError:
                    doc = None
                rec["json"] = doc
                to = (doc or {}).get("recipient", "") \
                    if isinstance(doc, dict) else ""
                status = {"429": 429, "500": 500, "400": 400}.get(
                    str(to)[-3:], 200)
                if status == 200:
                    answer = {"id": "msg-%d" % len(gw.requests),
                              "status": "queued"}
                elif status == 400:
                    answer = {"error": "invalid recipient %s" % to}
                else:
                    answer = {"error": "busy"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/v1/sms" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------
# SMS: Kannel with fakesmsc as the operator


def kannel_available():
    return all(os.access(p, os.X_OK) for p in (
        KANNEL_BIN + "/bearerbox", KANNEL_BIN + "/smsbox", FAKESMSC))


# The kinds of message fakesmsc prints (Kannel's test/fakesmsc.c).
FAKESMSC_TYPES = (b"text", b"data", b"udh", b"ucs-2", b"route", b"dlr-mask")


def fakesmsc_got(log):
    """What fakesmsc printed for the messages it got: [(sender, receiver,
    type, data bytes)], one "Got message N: <...>" line each."""
    try:
        with open(log, "rb") as f:
            data = f.read()
    except OSError:
        return []
    out = []
    for m in re.finditer(rb"Got message \d+: <(.*)>$", data, re.M):
        parts = m.group(1).split(b" ", 3)
        if len(parts) == 4 and parts[2] in FAKESMSC_TYPES:
            out.append((parts[0].decode(), parts[1].decode(),
                        parts[2].decode(), parts[3]))
        elif out and out[-1][2] == "text":
            # fakesmsc reads its SMSC link by lines: the next line of a
            # text of several lines comes as a "message" of its own.
            s, r, k, d = out[-1]
            out[-1] = (s, r, k, d + b"\n" + m.group(1))
    return out


def fakesmsc_text(kind, data):
    """The text of a message as fakesmsc shows it: raw UTF-8 for 'text',
    url-encoded UCS-2 for 'ucs-2' (a '+' is a 0x20 byte)."""
    if kind == "text":
        return data.decode("utf-8", "replace")
    raw = urllib.parse.unquote_to_bytes(data.replace(b"+", b" "))
    return raw.decode("utf-16-be", "replace")


class Kannel:
    """bearerbox, smsbox and fakesmsc in directory on free loopback ports.
    start() returns True once the SMSC link is online (False with .why
    otherwise); sendsms_url, user and password are what a client needs;
    got() and texts() what reached the operator side."""

    def __init__(self, directory, user="kursus", password="hemmelig",
                 max_messages=5, get_url=None):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.user, self.password = user, password
        self.max_messages, self.get_url = max_messages, get_url
        self.conf = os.path.join(directory, "kannel.conf")
        self.fake_log = os.path.join(directory, "fakesmsc.out")
        self.procs = []
        self.why = None
        self._configure()

    def _configure(self):
        """Four free ports and kannel.conf naming them."""
        directory, get_url = self.dir, self.get_url
        self.admin, self.smsbox, self.smsc, self.sendsms = (
            free_port() for _ in range(4))
        self.sendsms_url = "http://127.0.0.1:%d/cgi-bin/sendsms" % \
            self.sendsms
        with open(self.conf, "w") as f:
            f.write("""group = core
admin-port = %(admin)d
admin-password = adminpw
admin-interface = 127.0.0.1
smsbox-port = %(smsbox)d
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "%(d)s/bearerbox.log"
log-level = 0
access-log = "%(d)s/access.log"
store-type = spool
store-location = "%(d)s/spool"

group = smsc
smsc = fake
smsc-id = fake
port = %(smsc)d
interface-version = 34
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = %(smsbox)d
sendsms-port = %(sendsms)d
sendsms-interface = 127.0.0.1
log-file = "%(d)s/smsbox.log"
log-level = 0
http-request-retry = 10
http-queue-delay = 1

group = sendsms-user
username = %(user)s
password = %(password)s
max-messages = %(max)d
concatenation = true

group = sms-service
keyword = default
%(service)s
""" % {"admin": self.admin, "smsbox": self.smsbox, "smsc": self.smsc,
       "sendsms": self.sendsms, "d": directory, "user": self.user,
       "password": self.password, "max": self.max_messages,
       # Replies go to get_url (kursusd answers by its own SMS: the
       # answer's body is never sent back). smsbox fetches a get-url
       # that failed (no answer, or not 200 or 202) again, as the README
       # sets it up: here every second, not every minute.
       "service": 'text = "ingen tjeneste"' if get_url is None else
       'get-url = "%s"\nmax-messages = 0\ncatch-all = true\n'
       'omit-empty = true' % get_url})
        os.makedirs(os.path.join(directory, "spool"), exist_ok=True)

    def _spawn(self, argv, log):
        with open(os.path.join(self.dir, log), "ab") as f:
            p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL,
                                 start_new_session=True, cwd=self.dir)
        self.procs.append(p)
        return p

    def daemon_opts(self, dirname, sender="Bibliotek", timeout=5):
        """kursusd's options to send SMS through this Kannel, its password
        in a 0600 file in dirname; sms.timeout left at its default when
        timeout is None."""
        pw = secret_file(dirname, "sms.password", self.password)
        return ["sms.driver=kannel", "sms.url=" + self.sendsms_url,
                "sms.user=" + self.user, "sms.password_file=" + pw,
                "sms.sender=" + sender] + (
                    [] if timeout is None else ["sms.timeout=%d" % timeout])

    def log(self, name, limit=2000):
        try:
            with open(os.path.join(self.dir, name), "rb") as f:
                return f.read().decode("utf-8", "replace")[-limit:]
        except OSError:
            return ""

    def status(self):
        """bearerbox's status.txt, or b"" when it does not answer."""
        try:
            with urllib.request.urlopen(
                    "http://127.0.0.1:%d/status.txt?password=adminpw" %
                    self.admin, timeout=2) as r:
                return r.read()
        except OSError:
            return b""

    def online(self):
        return b"online" in self.status()

    def received(self):
        """The messages bearerbox has taken from the SMSC link (MO)."""
        m = re.search(rb"\nSMS: received (\d+)", self.status())
        return int(m.group(1)) if m else -1

    def start(self, timeout=10):
        """True once the SMSC link is online. A port taken by another
        process between _configure() and bearerbox's or smsbox's bind
        (tests run side by side) costs a new set of ports, twice at
        most."""
        if not kannel_available():
            self.why = "kannel or kannel-extras is not installed"
            return False
        for _ in range(3):
            if self._start(timeout):
                return True
            if "Address already in use" not in (self.why or ""):
                return False
            self.stop()
            self._configure()
        return False

    def _start(self, timeout):
        bb = self._spawn([KANNEL_BIN + "/bearerbox", self.conf],
                         "bearerbox.out")
        if not wait_for(lambda: bb.poll() is not None or (
                port_open(self.smsc) and port_open(self.smsbox)), timeout) \
                or bb.poll() is not None:
            self.why = "bearerbox does not listen: " + \
                self.log("bearerbox.out")
            return False
        self.fake = self._spawn([FAKESMSC, "-H", "127.0.0.1", "-r",
                                 str(self.smsc), "-m", "0", "1 2 text nop"],
                                "fakesmsc.out")
        sb = self._spawn([KANNEL_BIN + "/smsbox", self.conf], "smsbox.out")
        if not wait_for(lambda: sb.poll() is not None or
                        port_open(self.sendsms), timeout) or \
                sb.poll() is not None:
            self.why = "smsbox does not listen: " + self.log("smsbox.out")
            return False
        # The SMSC link comes up a moment after fakesmsc connects.
        if not wait_for(self.online, timeout):
            self.why = "the SMSC link does not come online: " + \
                self.log("bearerbox.log")
            return False
        return True

    def inject(self, sender, receiver, text, timeout=10):
        """Sends one message from a phone (MO) through the SMSC link.
        bearerbox takes one fakesmsc at a time, so the one listening is
        replaced by one that sends the message (type "data": the text
        url-encoded, so any bytes go) and then goes on listening, its
        output in the same file. True once bearerbox has the message:
        the next inject() kills this fakesmsc, which on a loaded machine
        may not yet have written it when the link is online."""
        data = urllib.parse.quote_from_bytes(
            text if isinstance(text, bytes) else text.encode("utf-8"))
        taken = self.received()
        old = self.fake
        try:
            os.killpg(old.pid, 15)
        except OSError:
            pass
        old.wait(timeout)
        self.procs.remove(old)
        wait_for(lambda: not self.online(), timeout, 0.05)
        self.fake = self._spawn(
            [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc), "-m", "1",
             "%s %s data %s" % (sender, receiver, data)], "fakesmsc.out")
        return bool(wait_for(lambda: self.received() > taken, timeout))

    def got(self):
        """[(sender, receiver, type, data bytes)] as fakesmsc printed."""
        return fakesmsc_got(self.fake_log)

    def texts(self):
        """[(sender, receiver, text)] that reached the operator side."""
        return [(s, r, fakesmsc_text(k, d)) for s, r, k, d in self.got()]

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, 15)
                except OSError:
                    pass
        deadline = time.monotonic() + 5
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, 9)
                except OSError:
                    pass
                p.wait()
        self.procs.clear()


class Phones:
    """An SMS gateway on loopback, and what reached the operator side per
    number: Kannel with fakesmsc where kannel is asked for, installed
    and starts (else .why says why not, when it was tried), or the REST
    gateway. Kannel answers no id, so a message it took is a line in a
    worker's sent log; the REST gateway's id is committed with the
    outcome."""

    def __init__(self, tmp, kannel=True, sender="Bibliotek"):
        self.kannel = None
        self.rest = None
        self.why = None
        self.sender = sender
        if kannel and kannel_available():
            k = Kannel(os.path.join(tmp, "kannel"))
            if k.start():
                self.kannel = k
            else:
                self.why = k.why
                k.stop()
        if self.kannel is None:
            self.rest = RestGateway()

    def opts(self, dirname):
        if self.kannel is not None:
            return self.kannel.daemon_opts(dirname, self.sender)
        return ["sms.driver=rest", "sms.url=" + self.rest.url,
                'sms.body={"recipient": "{to}", "sender": "{from}", '
                '"message": "{text}"}', "sms.sender=" + self.sender]

    def texts(self, number):
        if self.kannel is not None:
            return [x[2] for x in self.kannel.texts() if x[1] == number]
        return [(r["json"] or {}).get("message") for r in self.rest.requests
                if (r["json"] or {}).get("recipient") == number]

    def stop(self):
        if self.kannel is not None:
            self.kannel.stop()
        if self.rest is not None:
            self.rest.stop()
