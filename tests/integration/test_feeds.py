"""
iCalendar feeds on the public listener, judged by an independent parser
(Debian's python3-icalendar), never by kursusd's own code.

Two venues (Ærøskøbing Bibliotek, whose address has commas and a
semicolon; Horsens Bibliotek, with coordinates), two course types, two
instructors, sessions at 10:00 on both sides of the next spring and autumn
DST changes, participants (one waitlisted, one who reads English). Every
feed kind is fetched over HTTP: /feeds/all.ics, /feeds/venue/<slug>.ics,
/feeds/course/<slug>.ics and the personal instructor and participant
feeds, whose links come from `kursusctl feeds`. Checked: event counts,
the VCALENDAR properties and a compact VTIMEZONE, local and UTC times
across DST, exact round trips of Danish text, GEO, line folding on the raw
bytes, a moved session (same UID, higher SEQUENCE), a cancelled one
(STATUS:CANCELLED, "AFLYST:", still there), the waitlist marking, English
texts, and HTTP: ETag/If-None-Match, If-Modified-Since, gzip, HEAD, 405,
identical 404s, token rotation, and no admin API on the public listener.

The public listener is kursusd's own small HTTP/1.1 server, so its HTTP is
checked on raw sockets too: keep-alive, pipelined requests on one
connection, HTTP/1.0 with and without keep-alive, Connection: close, the
limits on a request head (414, 431) and the refusals of what it does not
take (400, 505, a body), each naming what was wrong; a request arriving
slowly in pieces, clients that go away half-way, many connections at
once, the cap on connections (under a low descriptor limit), and SIGTERM
with connections open.
"""

import datetime
import email.utils
import gzip
import re
import resource
import socket
import time
import urllib.parse

from kursustest import Response, Tap, diff_dumps, dst_changes, local_now, \
    raw_http, tcp_request, wait_for, zone

t = Tap()

ZONE_NAME = "Europe/Copenhagen"
UTC = datetime.timezone.utc

AERO = "aero"
AERO_NAME = "Ærøskøbing Bibliotek"
AERO_ADDRESS = "Vestergade 1, 1. sal; indgang fra gården"
AERO_POSTCODE = "5970"
AERO_CITY = "Ærøskøbing"
AERO_ACCESS = "Trinfri adgang, teleslynge; elevator bag ved skranken"
AERO_CONTACT = "Åse Ørum"

HORSENS = "horsens"
PRIVATE_CONTACT = "Per Privatsen"
SESSION_NOTES = "Intern: nøglen ligger hos Per"
SESSION_DESC = "Vi mødes i salen på 1. sal."
HORSENS_NAME = "Horsens Bibliotek"
HORSENS_LAT, HORSENS_LON = 55.860867, 9.850302

TABLET = "tablet"
# No comma here: python3-icalendar 4.0.3 splits CATEGORIES on commas.
TABLET_TITLE = "Tablet for begyndere – æøå ÆØÅ; trin 1"
# A backslash, a newline and a semicolon that must survive escaping.
# (No backslash before n, N, ',' or ';': python3-icalendar 4.0.3
# unescapes those wrongly.)
TABLET_DESC = ("Vi øver på bibliotekets tablets, så du kan komme i gang.\n"
               "Gem filerne i C:\\Kurser\\Tablet; spørg gerne undervejs.\n"
               # two-, three- and four-octet characters in a long run, so
               # that folds fall at every offset inside them
               "Tegn: " + "æ€😀–ø" * 14)
TABLET_BRING = "egen tablet, opladt; NemID/MitID-kodeviser og læsebriller"

MITID = "mitid"
MITID_TITLE = "MitID, NemID og e-Boks"

INSTRUCTORS = {"ib": "Ib Ærbøl", "karen": "Karen Sønderstrøm"}


def iso(dt):
    return dt.isoformat(timespec="seconds")


def expect(day, hh, mm, minutes=90):
    """(local naive start, local naive end, UTC start, UTC end) of a
    session at hh:mm on day in Copenhagen, worked out with zoneinfo."""
    start = datetime.datetime.combine(day, datetime.time(hh, mm), zone())
    end = (start.astimezone(UTC) +
           datetime.timedelta(minutes=minutes)).astimezone(zone())
    return (start.replace(tzinfo=None), end.replace(tzinfo=None),
            start.astimezone(UTC), end.astimezone(UTC))


# --------------------------------------------------------------------------
# reading feeds


def load_icalendar():
    try:
        import icalendar
    except ImportError as e:
        t.ok(False, "python3-icalendar can be imported (apt-get install "
             "python3-icalendar)", [str(e)])
        return None
    return icalendar


ICAL = None


def raw_line_problems(body):
    """What is wrong with the physical lines of a calendar's raw bytes:
    every line CRLF-terminated, at most 75 octets, valid UTF-8 on its own
    (so no fold splits a character)."""
    problems = []
    if not body.endswith(b"\r\n"):
        problems.append("the body does not end with CRLF: %r" % body[-20:])
    lines = body.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for i, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            problems.append("line %d has a bare CR or LF: %r" % (i, line))
        if len(line) > 75:
            problems.append("line %d is %d octets: %r" % (i, len(line),
                                                          line))
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append("line %d is not UTF-8 on its own (a fold "
                            "splits a character?): %s: %r" % (i, e, line))
        if i == 1 and line.startswith((b" ", b"\t")):
            problems.append("the first line is a continuation line")
    return problems


def parse(body, what):
    """The VCALENDAR parsed by python3-icalendar, or None (reported)."""
    try:
        cal = ICAL.Calendar.from_ical(body.decode("utf-8"))
    except Exception as e:
        t.ok(False, "%s parses with python3-icalendar" % what,
             ["%s: %s" % (type(e).__name__, e),
              body[:400].decode("utf-8", "replace")])
        return None
    if cal.name != "VCALENDAR":
        t.ok(False, "%s is a VCALENDAR" % what, [cal.name])
        return None
    return cal


def vevents(cal):
    return [c for c in cal.walk("VEVENT")]


def by_uid(cal, what):
    """{UID: VEVENT}; a UID given twice is a failed check."""
    out, dup = {}, []
    for ev in vevents(cal):
        uid = str(ev.get("UID"))
        if uid in out:
            dup.append(uid)
        out[uid] = ev
    if dup:
        t.ok(False, "%s: no UID twice" % what, dup)
    return out


def unfolded_lines(body):
    """The content lines of a raw calendar, unfolded at the octet level."""
    return re.sub(rb"\r\n[ \t]", b"", body).decode("utf-8",
                                                    "replace").split("\r\n")


def escaping_problems(body, names=("SUMMARY", "LOCATION", "DESCRIPTION")):
    """TEXT values with a ',' or ';' not escaped, or a backslash that does
    not start one of the escapes of RFC 5545 3.3.11."""
    problems = []
    for line in unfolded_lines(body):
        name, sep, value = line.partition(":")
        if not sep or name.split(";")[0] not in names:
            continue
        i = 0
        while i < len(value):
            c = value[i]
            if c == "\\":
                if value[i + 1:i + 2] not in ("\\", ";", ",", "n", "N"):
                    problems.append("bad escape in %r" % line[:120])
                    break
                i += 2
                continue
            if c in ",;":
                problems.append("unescaped %r in %r" % (c, line[:120]))
                break
            i += 1
    return problems


def text(ev, name):
    v = ev.get(name)
    return None if v is None else str(v)


def duration_of(v):
    """A REFRESH-INTERVAL or X-PUBLISHED-TTL value as a timedelta."""
    if v is None:
        return None
    if hasattr(v, "dt"):
        return v.dt
    if hasattr(v, "td"):
        return v.td
    try:
        return ICAL.vDuration.from_ical(str(v))
    except Exception:
        return str(v)


def categories(ev):
    v = ev.get("CATEGORIES")
    if v is None:
        return None
    if hasattr(v, "cats"):
        v = list(v.cats)
    if isinstance(v, list):
        out = []
        for x in v:
            out.extend(x if isinstance(x, list) else [x])
        v = out
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)


class Fetcher:
    """GETs from the public listener of one daemon."""

    def __init__(self, d):
        self.d = d

    def get(self, path, headers=None, method="GET"):
        return tcp_request(self.d.public_port, method, path,
                           headers=headers)

    def feed(self, path, what, headers=None):
        """GET a feed; check 200, its raw lines, parse it. Returns
        (response, calendar or None)."""
        r = self.get(path, headers)
        if not t.ok(r.status == 200, "GET %s (%s): 200" % (path, what),
                    [repr(r)]):
            return r, None
        problems = raw_line_problems(r.body)
        t.ok(not problems, "%s: every line CRLF-terminated, at most 75 "
             "octets, and UTF-8 on its own" % what, problems[:8])
        problems = escaping_problems(r.body)
        t.ok(not problems, "%s: SUMMARY, LOCATION and DESCRIPTION escape "
             "\\ ; , and newlines" % what, problems[:5])
        return r, parse(r.body, what)


class Conn:
    """One raw TCP connection to the public listener, read answer by
    answer (by Content-Length), so that keep-alive and pipelining show."""

    def __init__(self, port, timeout=5.0):
        self.s = socket.create_connection(("127.0.0.1", port),
                                          timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        b = self.s.recv(65536)
        if not b:
            raise EOFError("the server closed the connection")
        self.buf += b

    def answer(self, head=False):
        """The next answer; head=True for one to a HEAD (no body)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = raw.decode("iso-8859-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = 0 if head or status == 304 else \
            int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        r = Response(status, headers, body)
        r.version = lines[0].split(" ")[0]
        return r

    def closed(self, wait=3.0):
        """True when the server closes the connection within wait
        seconds, having sent nothing more."""
        self.s.settimeout(wait)
        try:
            b = self.s.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if b:
            self.buf += b
            return False
        return True

    def close(self):
        self.s.close()


def request(method, path, *headers, version="HTTP/1.1", host=True):
    lines = ["%s %s %s" % (method, path, version)]
    if host:
        lines.append("Host: 127.0.0.1")
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def check_http(d, path, g, z, the_404):
    """The public listener's HTTP on raw sockets; g and z are the plain
    and gzip answers for path, the_404 the body of every 404."""
    port = d.public_port
    etag = g.headers.get("etag", "")

    # keep-alive: HTTP/1.1 keeps the connection without being asked
    c = Conn(port)
    problems = []
    for i in range(3):
        c.send(request("GET", path))
        r = c.answer()
        if r.status != 200 or r.body != g.body or \
                "connection" in r.headers:
            problems.append("request %d: %r %r" % (i + 1, r, r.headers))
    t.ok(not problems and not c.closed(0.3), "HTTP/1.1: three requests "
         "one after the other on one connection, each answered whole, the "
         "connection kept", problems)
    c.close()

    # pipelined: five requests in one write, five answers in order
    c = Conn(port)
    c.send(request("GET", path) + request("HEAD", path) +
           request("GET", path, "If-None-Match: " + etag) +
           request("GET", "/feeds/venue/ukendt.ics") +
           request("GET", path, "Accept-Encoding: gzip",
                   "Connection: close"))
    got, problems = [], []
    try:
        got.append(c.answer())
        got.append(c.answer(head=True))
        got.append(c.answer())
        got.append(c.answer())
        got.append(c.answer())
    except (OSError, EOFError, ValueError, IndexError) as e:
        problems.append("after %d answers: %r" % (len(got), e))
    want = [(200, g.body), (200, b""), (304, b""), (404, the_404),
            (200, z.body)]
    for i, (r, (status, body)) in enumerate(zip(got, want)):
        if r.status != status or r.body != body:
            problems.append("answer %d: %r, not %d" % (i + 1, r, status))
    if len(got) == 5:
        if got[1].headers.get("content-length") != str(len(g.body)):
            problems.append("HEAD: Content-Length %r" %
                            got[1].headers.get("content-length"))
        if got[2].headers.get("etag") != etag:
            problems.append("304: ETag %r" % got[2].headers.get("etag"))
        if got[4].headers.get("connection", "").lower() != "close":
            problems.append("the last answer has no Connection: close")
    t.ok(not problems and c.closed(), "five pipelined requests on one "
         "connection (GET, HEAD, 304, 404, gzip with Connection: close): "
         "five answers in order, then the server closes", problems)
    c.close()

    # Connection: close
    r = raw_http(port, request("GET", path, "Connection: close"), timeout=5)
    t.ok(r is not None and r.status == 200 and r.body == g.body and
         r.headers.get("connection", "").lower() == "close" and
         not r.timed_out, "Connection: close: the answer says so and the "
         "server closes", [repr(r), r and r.headers])

    # HTTP/1.0: closed after the answer unless it asks for keep-alive
    r = raw_http(port, request("GET", path, version="HTTP/1.0", host=False),
                 timeout=5)
    t.ok(r is not None and r.status == 200 and r.body == g.body and
         r.headers.get("content-length") == str(len(g.body)) and
         not r.timed_out, "HTTP/1.0 without Host: 200 with Content-Length, "
         "then the server closes", [repr(r), r and r.headers])
    c = Conn(port)
    c.send(request("GET", path, "Connection: keep-alive", version="HTTP/1.0",
                   host=False))
    r1 = c.answer()
    c.send(request("HEAD", path, version="HTTP/1.0", host=False))
    r2 = c.answer(head=True)
    t.ok(r1.status == 200 and r1.body == g.body and
         r1.headers.get("connection", "").lower() == "keep-alive" and
         r2.status == 200 and c.closed(),
         "HTTP/1.0 with Connection: keep-alive: kept (it says so) for the "
         "next request, closed after one without",
         [repr(r1), r1.headers, repr(r2), r2.headers])
    c.close()

    # refusals: a status, a sentence naming what was wrong, then closed
    long_target = "/feeds/" + "a" * 9000 + ".ics"
    refusals = [
        ("a request line over 8 KiB", request("GET", long_target), 414,
         "8192"),
        ("a 20 KB header", request("GET", path, "X-Big: " + "b" * 20000),
         431, "16384"),
        ("101 header lines", request("GET", path, *["X-%d: y" % i
                                                    for i in range(101)]),
         431, "100 header lines"),
        ("a malformed request line", b"GARBAGE\r\n\r\n", 400,
         "request line"),
        ("two spaces in the request line",
         request("GET", " " + path), 400, "request line"),
        ("HTTP/2.0", request("GET", path, version="HTTP/2.0"), 505,
         "HTTP/2.0"),
        ("HTTP/1.1 without Host", request("GET", path, host=False), 400,
         "Host"),
        ("two Host headers", request("GET", path, "Host: other"), 400,
         "Host"),
        ("a folded header line", request("GET", path, "X-A: a", " b"), 400,
         "folded"),
        ("a header name with a space", request("GET", path, "X A: b"), 400,
         "header line"),
        ("a control character in a header",
         request("GET", path, "X-A: a\x01b"), 400, "control character"),
        ("a bare CR in a header", request("GET", path, "X-A: a\rb"), 400,
         "control character"),
        ("GET with a body", request("GET", path, "Content-Length: 5") +
         b"hello", 400, "body"),
        ("GET with Transfer-Encoding",
         request("GET", path, "Transfer-Encoding: chunked") + b"0\r\n\r\n",
         400, "body"),
        ("Content-Length not a number",
         request("GET", path, "Content-Length: 1x"), 400, "Content-Length"),
        ("OPTIONS *", request("OPTIONS", "*"), 405, "OPTIONS"),
        ("a target that is not a path", request("GET", "*"), 400, "path"),
    ]
    for what, data, status, word in refusals:
        r = raw_http(port, data, timeout=5)
        ok = r is not None and r.status == status and \
            r.headers.get("content-type", "").startswith("text/plain") and \
            word.encode() in r.body and r.body.endswith(b"\n") and \
            r.headers.get("connection", "").lower() == "close" and \
            not r.timed_out
        t.ok(ok, "%s: %d naming what was wrong (%r), then closed" %
             (what, status, word), [repr(r), r and r.headers])
    r = tcp_request(port, "GET", path)
    t.ok(r.status == 200 and r.body == g.body, "after the refusals the "
         "public listener answers as before")

    # a request arriving slowly in pieces is answered whole
    c = Conn(port)
    data = request("GET", path, "If-None-Match: \"x\"", "Connection: close")
    for piece in (data[:5], data[5:17], data[17:40], data[40:]):
        c.send(piece)
        time.sleep(0.2)
    r = c.answer()
    t.ok(r.status == 200 and r.body == g.body and c.closed(),
         "a request sent in four pieces over a second: answered whole",
         [repr(r)])
    c.close()

    # clients that go away: half a head, a head and no reading, a big
    # answer abandoned; none of it disturbs anyone else
    for i in range(20):
        c = Conn(port)
        c.send(request("GET", path)[:10 + i])
        c.close()
    for i in range(5):
        c = Conn(port)
        c.send(request("GET", "/feeds/all.ics") * 20)
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()    # a reset, answers unread
    r = tcp_request(port, "GET", path)
    t.ok(r.status == 200 and r.body == g.body and d.running(),
         "clients that close half-way through a head, or reset with "
         "pipelined answers unread: kursusd goes on answering")

    # many connections at once
    conns, problems = [], []
    try:
        for i in range(200):
            conns.append(Conn(port))
        for c in conns:
            c.send(request("GET", path, "Accept-Encoding: gzip"))
        for i, c in enumerate(conns):
            r = c.answer()
            if r.status != 200 or r.body != z.body:
                problems.append("connection %d: %r" % (i, r))
    except (OSError, EOFError, ValueError) as e:
        problems.append("%r after %d connections" % (e, len(conns)))
    for c in conns:
        c.close()
    t.ok(not problems, "200 connections open at once, a request on each: "
         "200 whole answers", problems[:5])


def check_cap_and_drain():
    """The cap on connections under a low descriptor limit, and SIGTERM
    with connections open."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Soft limit 160: kursusd keeps some descriptors for the rest and
    # shares out what is left among its doors; the public listener gets
    # a few dozen.
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(160, hard), hard))
    try:
        d3 = t.daemon()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    d3.ctl("venue", "add", "cap", "--name", "Cap")
    path = "/feeds/venue/cap.ics"
    port = d3.public_port
    conns = []
    for i in range(120):
        c = Conn(port)
        conns.append(c)
    conns[-1].send(request("GET", path))
    r = conns[-1].answer()
    t.eq(r.status, 200, "cap: 120 connections opened, more than the "
         "descriptors allow; the newest is answered")
    started = time.monotonic()
    extra = Conn(port)
    extra.send(request("GET", path))
    extra.s.settimeout(5.0)
    try:
        r = extra.answer()
    except (OSError, EOFError) as e:
        r = e
    took = time.monotonic() - started
    t.ok(isinstance(r, Response) and r.status == 200 and took < 1.0,
         "cap: one more client is answered at once (%.2f s): the "
         "connections idle longest made room" % took, [repr(r)])
    t.ok(conns[0].closed(2.0), "cap: the connection idle longest was "
         "closed")
    t.ok("idle longest" in d3.log(since_start=True),
         "cap: the log says the listener is at its limit")
    for c in conns[1:]:
        c.close()

    # SIGTERM: an idle connection is closed, one in the middle of a head
    # may finish it and gets its answer, then kursusd exits 0
    slow, idle = Conn(port), Conn(port)
    try:
        slow.send(request("GET", path)[:12])
        # idle's answer shows that both were accepted (in turn).
        idle.send(request("GET", path))
        idle.answer()
        d3.proc.send_signal(15)
        wait_for(lambda: "SIGTERM: stopping" in d3.log(since_start=True),
                 5)
        slow.send(request("GET", path)[12:])
        r = slow.answer()
    except (OSError, EOFError) as e:
        r = e
    t.ok(isinstance(r, Response) and r.status == 200 and
         r.headers.get("connection", "").lower() == "close" and
         slow.closed(), "SIGTERM: a request being sent is answered, with "
         "Connection: close, and its connection closed", [repr(r)])
    t.ok(idle.closed(3.0), "SIGTERM: an idle connection is closed within a "
         "second or so")
    t.eq(d3.stop(), 0, "SIGTERM with public connections open: kursusd "
         "exits 0")
    for c in (idle, slow, extra, conns[0]):
        c.close()


# --------------------------------------------------------------------------
# checks on whole calendars


def check_vcalendar(cal, what, name_has=None, refresh="PT1H"):
    want_td = ICAL.vDuration.from_ical(refresh)
    problems = []
    if not str(cal.get("PRODID") or "").strip():
        problems.append("no PRODID")
    for prop, want in (("VERSION", "2.0"), ("CALSCALE", "GREGORIAN"),
                       ("METHOD", "PUBLISH"),
                       ("X-WR-TIMEZONE", ZONE_NAME)):
        if str(cal.get(prop)) != want:
            problems.append("%s is %r, want %r" % (prop, cal.get(prop), want))
    name, wrname = cal.get("NAME"), cal.get("X-WR-CALNAME")
    if not name or not str(name).strip():
        problems.append("no NAME")
    if str(name) != str(wrname):
        problems.append("NAME %r and X-WR-CALNAME %r differ" % (name, wrname))
    if name_has is not None and name_has not in str(name or ""):
        problems.append("NAME %r does not name %r" % (name, name_has))
    for prop in ("REFRESH-INTERVAL", "X-PUBLISHED-TTL"):
        got = duration_of(cal.get(prop))
        if got != want_td:
            problems.append("%s is %r, want %s" % (prop, got, refresh))
    t.ok(not problems, "%s: PRODID, VERSION:2.0, CALSCALE:GREGORIAN, "
         "METHOD:PUBLISH, NAME = X-WR-CALNAME, X-WR-TIMEZONE, "
         "REFRESH-INTERVAL and X-PUBLISHED-TTL %s" % (what, refresh),
         problems)


def offset_text(v):
    """A TZOFFSETFROM/TO value as "+hhmm"."""
    td = getattr(v, "td", None)
    if td is None:
        return repr(v)
    secs = int(td.total_seconds())
    sign = "-" if secs < 0 else "+"
    secs = abs(secs)
    return "%s%02d%02d" % (sign, secs // 3600, secs % 3600 // 60)


def check_vtimezone(cal, what):
    """One VTIMEZONE for Europe/Copenhagen, compact: one STANDARD and one
    DAYLIGHT, each a yearly RRULE on the last Sunday of October / March,
    no historical onsets (no 1890s), no RDATE. Returns it as a tzinfo made
    by python3-icalendar from the VTIMEZONE itself (or None)."""
    tzs = cal.walk("VTIMEZONE")
    problems = []
    if [str(z.get("TZID")) for z in tzs] != [ZONE_NAME]:
        problems.append("VTIMEZONEs: %r, want one for %s" %
                        ([str(z.get("TZID")) for z in tzs], ZONE_NAME))
        t.ok(False, "%s: a VTIMEZONE for %s" % (what, ZONE_NAME), problems)
        return None
    z = tzs[0]
    subs = z.subcomponents
    kinds = sorted(s.name for s in subs)
    if kinds != ["DAYLIGHT", "STANDARD"]:
        problems.append("sub-components %r, want one DAYLIGHT and one "
                        "STANDARD" % kinds)
    for s in subs:
        rr = s.get("RRULE")
        want_month = 3 if s.name == "DAYLIGHT" else 10
        want_from, want_to = (("+0100", "+0200") if s.name == "DAYLIGHT"
                              else ("+0200", "+0100"))
        if rr is None:
            problems.append("%s without RRULE" % s.name)
        else:
            got = ({k: [str(x) for x in v] for k, v in rr.items()})
            if got.get("FREQ") != ["YEARLY"] or \
                    [int(x) for x in got.get("BYMONTH", [])] != \
                    [want_month] or got.get("BYDAY") != ["-1SU"] or \
                    "UNTIL" in got or "COUNT" in got:
                problems.append("%s RRULE %r, want FREQ=YEARLY;BYMONTH=%d;"
                                "BYDAY=-1SU without an end" %
                                (s.name, got, want_month))
        if "RDATE" in s:
            problems.append("%s has RDATE (history)" % s.name)
        start = s.get("DTSTART")
        if start is None or start.dt.year < 1970:
            problems.append("%s DTSTART %r: history before 1970" %
                            (s.name, start and start.dt))
        got = (offset_text(s.get("TZOFFSETFROM")),
               offset_text(s.get("TZOFFSETTO")))
        if got != (want_from, want_to):
            problems.append("%s offsets %s -> %s, want %s -> %s" % (
                (s.name,) + got + (want_from, want_to)))
    t.ok(not problems, "%s: one compact VTIMEZONE for %s (a yearly RRULE "
         "each for STANDARD and DAYLIGHT, no 1890 history)" %
         (what, ZONE_NAME), problems)
    try:
        return z.to_tz()
    except Exception as e:
        t.ok(False, "%s: python3-icalendar can use the VTIMEZONE" % what,
             [repr(e)])
        return None


def check_times(ev, want, vtz, what):
    """DTSTART/DTEND carry TZID=Europe/Copenhagen and the expected local
    wall time; the instant is right both by the parser's own zone data and
    by the feed's VTIMEZONE."""
    start_local, end_local, start_utc, end_utc = want
    problems = []
    for prop, local, utc in (("DTSTART", start_local, start_utc),
                             ("DTEND", end_local, end_utc)):
        p = ev.get(prop)
        if p is None:
            problems.append("no %s" % prop)
            continue
        tzid = p.params.get("TZID")
        dt = p.dt
        if tzid != ZONE_NAME:
            problems.append("%s TZID=%r, want %s" % (prop, tzid, ZONE_NAME))
        if not isinstance(dt, datetime.datetime) or dt.tzinfo is None:
            problems.append("%s is %r, not a zoned date-time" % (prop, dt))
            continue
        if dt.replace(tzinfo=None) != local:
            problems.append("%s local %s, want %s" %
                            (prop, dt.replace(tzinfo=None), local))
        if dt.astimezone(UTC) != utc:
            problems.append("%s is %s UTC, want %s" %
                            (prop, dt.astimezone(UTC), utc))
        if vtz is not None:
            via = vtz.localize(dt.replace(tzinfo=None)).astimezone(UTC)
            if via != utc:
                problems.append("%s through the feed's VTIMEZONE is %s UTC, "
                                "want %s" % (prop, via, utc))
    return t.ok(not problems, what, problems)


# --------------------------------------------------------------------------


def check_kinds(d):
    """GET /v1/feeds lists the kinds of feed the links routes take, and a
    kind not in it, or without its argument, is refused naming the
    kinds."""
    r = d.request("GET", "/v1/feeds")
    kinds = (r.json or {}).get("kinds") if r.status == 200 else None
    want = [{"kind": "all", "argument": None, "complete": None,
             "personal": False},
            {"kind": "venue", "argument": "SLUG", "complete": "venues",
             "personal": False},
            {"kind": "course", "argument": "SLUG", "complete": "courses",
             "personal": False},
            {"kind": "instructor", "argument": "SLUG",
             "complete": "instructors", "personal": True},
            {"kind": "participant", "argument": "ID", "complete": None,
             "personal": True}]
    t.eq(kinds, want, "GET /v1/feeds lists the kinds of feed")
    for path, words in (
            ("/v1/feeds/bus", ("bus", "venue SLUG", "participant ID")),
            ("/v1/feeds/bus/x", ("bus", "all, venue SLUG")),
            ("/v1/feeds/venue", ("venue", "SLUG")),
            ("/v1/feeds/all/x", ("all", "no argument"))):
        r = d.request("GET", path)
        j = r.json if isinstance(r.json, dict) else {}
        err = j.get("error") or ""
        t.ok(r.status == 404 and j.get("field") == "kind" and
             all(w in err for w in words),
             "GET %s: 404 naming the field kind and %s" % (path, words),
             [repr(r)])
    # kursusctl reads the same list: its completion and its refusal.
    r = d.ctl("__complete", "feeds", json=False)
    got = set(r.out.split())
    t.ok({k["kind"] for k in want} <= got, "kursusctl completes feeds "
         "with the kinds kursusd lists", [r.out])
    r = d.ctl("__complete", "feeds", "venue", json=False)
    t.ok(AERO in r.out.split() and TABLET not in r.out.split(),
         "kursusctl completes feeds venue with venue slugs", [r.out])
    r = d.ctl("feeds", "bus", json=False, ok=None)
    t.ok(r.rc == 64 and "all, venue SLUG, course SLUG" in r.err,
         "kursusctl feeds bus: a usage error naming the kinds kursusd "
         "lists", r.describe())


def main():
    global ICAL
    ICAL = load_icalendar()
    if ICAL is None:
        return
    d = t.daemon()
    f = Fetcher(d)

    # --- venues, course types, instructors
    d.ctl("venue", "add", AERO, "--name", AERO_NAME,
          "--address", AERO_ADDRESS, "--postcode", AERO_POSTCODE,
          "--city", AERO_CITY, "--access", AERO_ACCESS,
          "--contact-name", AERO_CONTACT, "--contact-phone", "62 52 11 22",
          "--contact-public")
    d.ctl("venue", "add", HORSENS, "--name", HORSENS_NAME,
          "--address", "Tobaksgården 12", "--postcode", "8700",
          "--city", "Horsens", "--lat", str(HORSENS_LAT),
          "--lon", str(HORSENS_LON), "--contact-name", PRIVATE_CONTACT,
          "--contact-phone", "70 80 90 10")
    d.ctl("course", "add", TABLET, "--title", TABLET_TITLE,
          "--description", TABLET_DESC, "--bring", TABLET_BRING,
          "--duration", "90m", "--capacity", "8")
    d.ctl("course", "add", MITID, "--title", MITID_TITLE,
          "--description", "Log på med MitID.", "--duration", "90m",
          "--capacity", "8")
    for slug, name in INSTRUCTORS.items():
        d.ctl("instructor", "add", slug, "--name", name)

    # --- sessions at 10:00 on both sides of both DST changes (the day
    # before, the day of the change, and a week later)
    changes = dst_changes(local_now() + datetime.timedelta(days=2), 2)
    spring = [c for c in changes if c[3] > c[2]][0]
    autumn = [c for c in changes if c[3] < c[2]][0]
    dst_sessions = []       # (session, expected times, description)
    for label, (before, after, old, new), teach in (
            ("spring", spring, True), ("autumn", autumn, False)):
        extra = ["--instructor", "ib"] if teach else []
        r = d.ctl("session", "add", "--course", TABLET, "--venue", AERO,
                  "--start", "%s 10:00" % before.isoformat(),
                  "--weekly", "2", *extra)
        ss = (r.out or {}).get("sessions") or []
        r = d.ctl("session", "add", "--course", TABLET, "--venue", AERO,
                  "--start", "%s 10:00" % after.isoformat(), *extra)
        ss += (r.out or {}).get("sessions") or []
        if len(ss) != 3:
            raise RuntimeError("could not make the %s sessions" % label)
        days = [before, before + datetime.timedelta(weeks=1), after]
        offsets = [old, new, new]
        for s, day, off in zip(ss, days, offsets):
            dst_sessions.append((s, expect(day, 10, 0),
                                 "%s change: %s 10:00 (UTC%s)" %
                                 (label, day.isoformat(),
                                  "+%d" % (off.seconds // 3600))))

    # --- sessions of the other course in the next weeks
    base = local_now().date() + datetime.timedelta(days=10)

    def add(course, venue, day, hhmm, *extra):
        r = d.ctl("session", "add", "--course", course, "--venue", venue,
                  "--start", "%s %s" % (day.isoformat(), hhmm), *extra)
        ss = (r.out or {}).get("sessions") or []
        if len(ss) != 1:
            raise RuntimeError("could not add a session")
        return ss[0]

    s_move = add(MITID, HORSENS, base, "13:00", "--instructor", "karen",
                 "--helper", "ib")
    s_cancel = add(MITID, HORSENS, base + datetime.timedelta(days=1),
                   "13:00", "--instructor", "karen")
    s_full = add(MITID, HORSENS, base + datetime.timedelta(days=2), "10:00",
                 "--capacity", "1")
    s_aero_mitid = add(MITID, AERO, base + datetime.timedelta(days=3),
                       "09:30", "--notes", SESSION_NOTES,
                       "--description", SESSION_DESC)
    all_sessions = [x[0] for x in dst_sessions] + [s_move, s_cancel, s_full,
                                                   s_aero_mitid]
    uid = {s["id"]: s.get("uid") for s in all_sessions}
    t.ok(all(uid.values()) and len(set(uid.values())) == len(all_sessions),
         "every session has its own UID", [repr(uid)])

    # --- participants: Jens confirmed, Birthe waitlisted, John (English)
    # registered for the session that will be cancelled and waitlisted
    def register(sid, *args):
        r = d.ctl("register", str(sid), *args)
        return r.out or {}

    first_dst = dst_sessions[0][0]["id"]
    jens = register(s_full["id"], "--name", "Jens Ærø Kjær",
                    "--phone", "20304050").get("participant_id")
    register(first_dst, str(jens))
    birthe_reg = register(s_full["id"], "--name", "Birthe Ågård",
                          "--email", "birthe@example.dk")
    birthe = birthe_reg.get("participant_id")
    t.eq(birthe_reg.get("status"), "waitlisted",
         "Birthe is waitlisted for the one-seat session")
    john = register(s_cancel["id"], "--name", "John Smith",
                    "--email", "john@example.com", "--language",
                    "en").get("participant_id")
    john_wait = register(s_full["id"], str(john))
    t.eq(john_wait.get("status"), "waitlisted",
         "John is waitlisted for the one-seat session too")

    # --- the links
    links = {}
    for key, args in (("all", ["feeds"]), ("all2", ["feeds", "all"]),
                      ("aero", ["feeds", "venue", AERO]),
                      ("horsens", ["feeds", "venue", HORSENS]),
                      ("tablet", ["feeds", "course", TABLET]),
                      ("mitid", ["feeds", "course", MITID]),
                      ("ib", ["feeds", "instructor", "ib"]),
                      ("karen", ["feeds", "instructor", "karen"]),
                      ("jens", ["feeds", "participant", str(jens)]),
                      ("birthe", ["feeds", "participant", str(birthe)]),
                      ("john", ["feeds", "participant", str(john)])):
        links[key] = d.ctl(*args).out or {}
    base_url = "http://127.0.0.1:%d" % d.public_port
    want_paths = {"all": "/feeds/all.ics", "all2": "/feeds/all.ics",
                  "aero": "/feeds/venue/aero.ics",
                  "horsens": "/feeds/venue/horsens.ics",
                  "tablet": "/feeds/course/tablet.ics",
                  "mitid": "/feeds/course/mitid.ics"}
    problems = []
    for key, l in links.items():
        url, webcal, path = l.get("url"), l.get("webcal"), l.get("path")
        if not url or urllib.parse.urlsplit(url).path != path or \
                not url.startswith(base_url + "/feeds/"):
            problems.append("%s: url %r, path %r" % (key, url, path))
        if url and webcal != "webcal://" + url.split("://", 1)[1]:
            problems.append("%s: webcal %r for %r" % (key, webcal, url))
        if key in want_paths and path != want_paths[key]:
            problems.append("%s: path %r, want %r" % (key, path,
                                                      want_paths[key]))
    t.ok(not problems, "kursusctl feeds: links under public.url, the "
         "webcal:// form the same link, public paths as documented",
         problems)
    paths = {k: l.get("path") for k, l in links.items()}
    personal = {k for k, l in links.items() if l.get("personal") is True}
    t.eq(sorted(personal), ["birthe", "ib", "jens", "john", "karen"],
         "links say they are personal exactly for instructors and "
         "participants")
    check_kinds(d)

    # Personal links: at least 128 random bits, stable, one per person,
    # and not in the database as they are.
    tokens = {}
    for key in ("ib", "karen", "jens", "birthe", "john"):
        m = re.fullmatch(r"/feeds/(instructor|participant)/([^/]+)\.ics",
                         paths[key] or "")
        tokens[key] = m.group(2) if m else None
    problems = []
    for key, tok in tokens.items():
        if tok is None:
            problems.append("%s: path %r" % (key, paths[key]))
            continue
        if re.fullmatch(r"[0-9a-fA-F]+", tok):
            bits = 4 * len(tok)
        elif re.fullmatch(r"[0-7][0-9a-hjkmnp-tv-z]{25}", tok):
            bits = 128     # Crockford's base 32, the first of 3 bits
        elif re.fullmatch(r"[A-Za-z0-9_-]+", tok):
            bits = 6 * len(tok)
        else:
            bits = 0
        if bits < 128:
            problems.append("%s: token %r carries %d bits" % (key, tok, bits))
    if len(set(tokens.values())) != len(tokens):
        problems.append("tokens repeat: %r" % tokens)
    t.ok(not problems, "personal links carry tokens of at least 128 bits, "
         "one per person", problems)
    again = d.ctl("feeds", "participant", str(jens)).out or {}
    t.eq(again.get("url"), links["jens"].get("url"),
         "asking for a participant's link again gives the same link")
    dump = d.dump()
    leaks = []
    for table, rows in dump.items():
        if table.startswith("#"):
            continue
        for row in rows:
            for v in row:
                if isinstance(v, bytes):
                    v = v.hex()
                if isinstance(v, str):
                    for key, tok in tokens.items():
                        if tok and tok.lower() in v.lower():
                            leaks.append("%s's token in table %s" %
                                         (key, table))
    t.ok(not leaks, "no personal token is stored in the database as it is "
         "[calendars issue §1]", leaks)

    # --- every kind of feed: counts, calendar properties, VTIMEZONE
    spring_ids = [x[0]["id"] for x in dst_sessions[:3]]
    aero_ids = [x[0]["id"] for x in dst_sessions] + [s_aero_mitid["id"]]
    want_ids = {
        "all": [s["id"] for s in all_sessions],
        "aero": aero_ids,
        "horsens": [s_move["id"], s_cancel["id"], s_full["id"]],
        "tablet": [x[0]["id"] for x in dst_sessions],
        "mitid": [s_move["id"], s_cancel["id"], s_full["id"],
                  s_aero_mitid["id"]],
        "ib": spring_ids + [s_move["id"]],
        "karen": [s_move["id"], s_cancel["id"]],
        "jens": [s_full["id"], first_dst],
        "birthe": [s_full["id"]],
        "john": [s_cancel["id"], s_full["id"]],
    }
    name_has = {"aero": AERO_NAME, "horsens": HORSENS_NAME,
                "tablet": TABLET_TITLE, "mitid": MITID_TITLE}
    cals, resps, vtzs = {}, {}, {}
    for key in want_ids:
        what = "feed %s" % key
        r, cal = f.feed(paths[key], what)
        resps[key] = r
        if cal is None:
            continue
        cals[key] = cal
        got = by_uid(cal, what)
        want = {uid[i] for i in want_ids[key]}
        t.ok(set(got) == want and len(vevents(cal)) == len(want),
             "%s: %d events, the right ones" % (what, len(want)),
             ["missing: %r" % sorted(want - set(got)),
              "extra: %r" % sorted(set(got) - want),
              "VEVENTs: %d" % len(vevents(cal))])
        check_vcalendar(cal, what, name_has.get(key))
        vtzs[key] = check_vtimezone(cal, what)
        ct = r.headers.get("content-type", "")
        t.ok(re.fullmatch(r"text/calendar;\s*charset=utf-8", ct, re.I),
             "%s: Content-Type text/calendar; charset=utf-8" % what, [ct])

    # --- times across DST, in the venue feed
    if "aero" in cals:
        evs = by_uid(cals["aero"], "feed aero")
        for s, want, label in dst_sessions:
            ev = evs.get(s.get("uid"))
            if ev is None:
                t.ok(False, "%s is in the venue feed" % label)
                continue
            check_times(ev, want, vtzs.get("aero"),
                        "%s: DTSTART 10:00 local with TZID, DTEND 11:30, "
                        "instants right" % label)
    if "ib" in cals:
        evs = by_uid(cals["ib"], "feed ib")
        for s, want, label in dst_sessions[:3]:
            ev = evs.get(s.get("uid"))
            if ev is None:
                t.ok(False, "instructor feed: %s is in it" % label)
                continue
            check_times(ev, want, vtzs.get("ib"),
                        "instructor feed: %s at 10:00 local" % label)

    # --- Danish text round-trips exactly
    if "aero" in cals:
        ev = by_uid(cals["aero"], "feed aero").get(dst_sessions[0][0]["uid"])
        summary, loc = text(ev, "SUMMARY"), text(ev, "LOCATION")
        desc = text(ev, "DESCRIPTION") or ""
        t.eq(summary, TABLET_TITLE, "SUMMARY is the course title, æøå and "
             "the semicolon exact")
        t.ok(loc is not None and loc.startswith(AERO_NAME) and
             AERO_ADDRESS in loc and AERO_POSTCODE + " " + AERO_CITY in loc,
             "LOCATION: %r and the full address %r, %s %s exact" %
             (AERO_NAME, AERO_ADDRESS, AERO_POSTCODE, AERO_CITY), [repr(loc)])
        problems = ["DESCRIPTION lacks %r" % x for x in
                    (TABLET_DESC, TABLET_BRING, AERO_ACCESS, AERO_CONTACT,
                     INSTRUCTORS["ib"]) if x not in desc]
        if not re.search(r"(\+45 ?)?62 ?52 ?11 ?22", desc):
            problems.append("DESCRIPTION lacks the contact phone")
        t.ok(not problems, "DESCRIPTION: course description (newline, "
             "backslash, semicolon), what to bring, access notes, "
             "instructor and contact phone exact", problems + [repr(desc)])
        t.eq(categories(ev), TABLET_TITLE, "CATEGORIES: the course type")
        problems = ["no %s" % p for p in ("DTSTAMP", "LAST-MODIFIED", "URL",
                                          "SEQUENCE") if ev.get(p) is None]
        if text(ev, "STATUS") != "CONFIRMED":
            problems.append("STATUS %r" % text(ev, "STATUS"))
        if ev.get("GEO") is not None:
            problems.append("GEO %r for a venue without coordinates" %
                            ev.get("GEO"))
        if ev.get("VALARM") is not None or ev.walk("VALARM"):
            problems.append("a VALARM in a public feed")
        t.ok(not problems, "the event has DTSTAMP, LAST-MODIFIED, URL, "
             "SEQUENCE, STATUS:CONFIRMED, no GEO without coordinates, "
             "no VALARM", problems)
        t.ok(AERO_NAME in str(cals["aero"].get("NAME")),
             "the venue feed's NAME holds %r exactly" % AERO_NAME)
    # --- what is for staff stays out of every feed
    if "all" in cals:
        ev = by_uid(cals["all"], "all").get(s_aero_mitid["uid"])
        desc = (text(ev, "DESCRIPTION") if ev is not None else None) or ""
        t.ok(SESSION_DESC in desc, "a session's description is in its "
             "DESCRIPTION", [repr(desc)])
        raw = resps["all"].body.decode("utf-8", "replace")
        leaks = [x for x in ("Intern", PRIVATE_CONTACT, "70809010",
                             "70 80 90 10") if x in raw]
        t.ok(not leaks, "no session notes and no contact person not "
             "marked public in the feed", leaks)
    if "horsens" in cals:
        ev = by_uid(cals["horsens"], "feed horsens").get(s_move["uid"])
        geo = ev.get("GEO") if ev is not None else None
        got = None
        if geo is not None:
            got = (getattr(geo, "latitude", None),
                   getattr(geo, "longitude", None))
        t.ok(got is not None and None not in got and
             abs(got[0] - HORSENS_LAT) < 1e-5 and
             abs(got[1] - HORSENS_LON) < 1e-5,
             "GEO: the venue's latitude and longitude",
             ["got %r" % (got,)])

    # Public feeds name no participant.
    problems = []
    for key in ("all", "aero", "horsens", "tablet", "mitid", "ib", "karen"):
        body = resps[key].body.decode("utf-8", "replace")
        for who in ("Jens Ærø Kjær", "Birthe Ågård", "John Smith",
                    "20304050", "birthe@example.dk"):
            if who in body:
                problems.append("%s names %r" % (key, who))
    t.ok(not problems, "feeds other than a participant's own name no "
         "participant", problems)

    # --- personal feeds: waitlist marked, English texts
    if "birthe" in cals:
        ev = by_uid(cals["birthe"], "birthe").get(s_full["uid"])
        t.ok(ev is not None and text(ev, "STATUS") == "TENTATIVE" and
             "(venteliste)" in (text(ev, "SUMMARY") or "") and
             (text(ev, "SUMMARY") or "").startswith(MITID_TITLE),
             "waitlisted Birthe's feed: STATUS:TENTATIVE, \"%s "
             "(venteliste)\"" % MITID_TITLE,
             ev and [text(ev, "STATUS"), text(ev, "SUMMARY")])
    if "jens" in cals:
        evs = by_uid(cals["jens"], "jens")
        t.ok(evs and all(text(e, "STATUS") == "CONFIRMED" and
                         "venteliste" not in (text(e, "SUMMARY") or "")
                         for e in evs.values()),
             "confirmed Jens's feed: STATUS:CONFIRMED, not marked waiting",
             [(text(e, "STATUS"), text(e, "SUMMARY")) for e in evs.values()])
        ev = evs.get(uid.get(first_dst))
        if t.ok(ev is not None, "participant feed: the %s is in it" %
                dst_sessions[0][2], [repr(sorted(evs))]):
            check_times(ev, dst_sessions[0][1], vtzs.get("jens"),
                        "participant feed: the %s" % dst_sessions[0][2])

    # --- a change: the session moves from 13:00 to 14:30
    before = {k: resps[k] for k in resps}
    seq_before = None
    if "all" in cals:
        ev = by_uid(cals["all"], "all").get(s_move["uid"])
        seq_before = int(ev.get("SEQUENCE", 0)) if ev is not None else None
    d.ctl("session", "move", str(s_move["id"]), "--start",
          "%s 14:30" % base.isoformat())
    r, cal = f.feed(paths["all"], "feed all after a move")
    if cal is not None:
        evs = by_uid(cal, "feed all after a move")
        ev = evs.get(s_move["uid"])
        seq = int(ev.get("SEQUENCE", 0)) if ev is not None else None
        t.ok(ev is not None and seq_before is not None and seq > seq_before,
             "a moved session keeps its UID with a higher SEQUENCE",
             ["SEQUENCE before %r, after %r" % (seq_before, seq)])
        t.eq(len(evs), len(want_ids["all"]),
             "the move adds no event (no duplicate)")
        if ev is not None:
            check_times(ev, expect(base, 14, 30), vtzs.get("all"),
                        "the moved session starts at 14:30 local")
    t.ok(r.headers.get("etag") and
         r.headers.get("etag") != before["all"].headers.get("etag"),
         "after a change the ETag of the feed differs",
         [before["all"].headers.get("etag"), r.headers.get("etag")])
    r2 = f.get(paths["all"], {"If-None-Match":
                              before["all"].headers.get("etag", "")})
    t.ok(r2.status == 200 and r2.body == r.body,
         "If-None-Match with the ETag from before the change: 200 and the "
         "new calendar", [repr(r2)])
    for key in ("horsens", "mitid", "ib", "karen"):
        rk = f.get(paths[key])
        # (A 404 without an ETag would differ too: ask for 200 and one.)
        t.ok(rk.status == 200 and rk.headers.get("etag") and
             rk.headers.get("etag") != before[key].headers.get("etag"),
             "feed %s (which shows the moved session): new ETag" % key,
             [repr(rk), before[key].headers.get("etag"),
              rk.headers.get("etag")])
    for key in ("aero", "tablet", "birthe"):
        rk = f.get(paths[key])
        t.ok(rk.status == 200 and rk.body == before[key].body and
             rk.headers.get("etag") == before[key].headers.get("etag"),
             "feed %s (which does not show it): same bytes, same ETag "
             "[calendars issue §3: rendered once per change of what it "
             "shows]" % key,
             [before[key].headers.get("etag"), rk.headers.get("etag")])

    # --- a cancellation: AFLYST, STATUS:CANCELLED, higher SEQUENCE, stays
    seq_before = None
    if cal is not None:
        ev = by_uid(cal, "all").get(s_cancel["uid"])
        seq_before = int(ev.get("SEQUENCE", 0)) if ev is not None else None
    d.ctl("session", "cancel", str(s_cancel["id"]), "--reason",
          "Underviseren er syg")
    for key in ("all", "horsens", "mitid", "karen", "john"):
        r, cal = f.feed(paths[key], "feed %s after a cancellation" % key)
        if cal is None:
            continue
        evs = by_uid(cal, key)
        ev = evs.get(s_cancel["uid"])
        if not t.ok(ev is not None, "feed %s: the cancelled session stays "
                    "in the feed" % key):
            continue
        t.eq(len(evs), len(want_ids[key]),
             "feed %s: still %d events" % (key, len(want_ids[key])))
        summary = text(ev, "SUMMARY") or ""
        seq = int(ev.get("SEQUENCE", 0))
        if key == "john":
            t.ok(text(ev, "STATUS") == "CANCELLED" and
                 "AFLYST" not in summary and "cancel" in summary.lower() and
                 MITID_TITLE in summary,
                 "English John's feed: STATUS:CANCELLED, an English "
                 "\"cancelled\" in the summary", [repr(summary)])
        else:
            t.ok(text(ev, "STATUS") == "CANCELLED" and
                 summary == "AFLYST: " + MITID_TITLE,
                 "feed %s: STATUS:CANCELLED, SUMMARY \"AFLYST: %s\"" %
                 (key, MITID_TITLE), [text(ev, "STATUS"), repr(summary)])
        if key == "all":
            t.ok(seq_before is not None and seq > seq_before,
                 "the cancellation raises SEQUENCE",
                 ["before %r, after %r" % (seq_before, seq)])
        if key == "john":
            problems = []
            for e in evs.values():
                s_txt = text(e, "SUMMARY") or ""
                d_txt = text(e, "DESCRIPTION") or ""
                for danish in ("AFLYST", "venteliste", "Medbring:",
                               "Underviser:", "Sted:", "Adgang:"):
                    if danish in s_txt or danish in d_txt:
                        problems.append("%r in %r" % (danish,
                                                      s_txt + " / " + d_txt))
            wait = evs.get(s_full["uid"])
            if wait is None or text(wait, "STATUS") != "TENTATIVE" or \
                    "wait" not in (text(wait, "SUMMARY") or "").lower():
                problems.append("waitlisted event: %r" % (
                    wait and (text(wait, "STATUS"), text(wait, "SUMMARY"))))
            t.ok(not problems, "English John's feed: English texts (no "
                 "AFLYST/venteliste/Medbring), his waitlisted session "
                 "TENTATIVE and marked as waiting", problems)

    # --- HTTP behaviour, on the venue feed with the æøå address
    path = paths["aero"]
    g = f.get(path)
    etag, lm = g.headers.get("etag"), g.headers.get("last-modified")
    t.ok(etag and re.fullmatch(r'"[^"]+"', etag),
         "a strong ETag (quoted, no W/)", [repr(etag)])
    lm_dt = None
    try:
        lm_dt = email.utils.parsedate_to_datetime(lm)
    except (TypeError, ValueError):
        pass
    t.ok(lm_dt is not None and lm.endswith("GMT"),
         "Last-Modified is an HTTP date", [repr(lm)])
    cc = g.headers.get("cache-control", "")
    t.ok(re.search(r"\bpublic\b", cc) and
         re.search(r"\bmax-age=\d+", cc),
         "Cache-Control lets a cache in front keep it (public, max-age)",
         [repr(cc)])
    t.ok("accept-encoding" in g.headers.get("vary", "").lower(),
         "Vary: Accept-Encoding on a plain answer",
         [repr(g.headers.get("vary"))])
    t.ok(g.headers.get("content-length") == str(len(g.body)),
         "Content-Length is the body's length")

    r = f.get(path, {"If-None-Match": etag})
    t.ok(r.status == 304 and r.body == b"" and
         r.headers.get("etag") == etag,
         "If-None-Match with the ETag: 304, no body, the same ETag",
         [repr(r), repr(r.headers)])
    r = f.get(path, {"If-None-Match": '"stale-etag", ' + etag})
    t.eq(r.status, 304, "If-None-Match with a list holding the ETag: 304")
    r = f.get(path, {"If-None-Match": "W/" + etag})
    t.eq(r.status, 304, "If-None-Match with W/ and the ETag: 304 (weak "
         "comparison, RFC 9110 13.1.2)")
    r = f.get(path, {"If-None-Match": '"stale-etag"'})
    t.ok(r.status == 200 and r.body == g.body,
         "If-None-Match with another ETag: 200 and the calendar")
    r = f.get(path, {"If-Modified-Since": lm})
    t.ok(r.status == 304 and r.body == b"",
         "If-Modified-Since the Last-Modified: 304", [repr(r)])
    if lm_dt is not None:
        later = email.utils.format_datetime(
            lm_dt + datetime.timedelta(hours=1), usegmt=True)
        r = f.get(path, {"If-Modified-Since": later})
        t.eq(r.status, 304, "If-Modified-Since a later date: 304")
        older = email.utils.format_datetime(
            lm_dt - datetime.timedelta(days=1), usegmt=True)
        r = f.get(path, {"If-Modified-Since": older})
        t.ok(r.status == 200 and r.body == g.body,
             "If-Modified-Since a day before: 200 and the calendar",
             [repr(r)])
        r = f.get(path, {"If-None-Match": '"stale-etag"',
                         "If-Modified-Since": lm})
        t.eq(r.status, 200, "a stale If-None-Match wins over a matching "
             "If-Modified-Since: 200 (RFC 9110 13.1.3)")

    # gzip
    z = f.get(path, {"Accept-Encoding": "gzip"})
    plain = g.body
    try:
        unz = gzip.decompress(z.body)
    except Exception as e:
        unz = repr(e)
    t.ok(z.status == 200 and
         z.headers.get("content-encoding", "").lower() == "gzip" and
         "accept-encoding" in z.headers.get("vary", "").lower() and
         unz == plain and len(z.body) < len(plain),
         "Accept-Encoding: gzip: Content-Encoding gzip, Vary: "
         "Accept-Encoding, smaller, decompresses to the plain calendar",
         [repr(z), repr(z.headers)])
    t.ok(z.headers.get("etag") and z.headers.get("etag") != etag,
         "the gzip answer has its own strong ETag",
         [etag, z.headers.get("etag")])
    r = f.get(path, {"Accept-Encoding": "gzip",
                     "If-None-Match": z.headers.get("etag", "")})
    t.eq(r.status, 304, "If-None-Match with the gzip ETag, gzip accepted: "
         "304")
    r = f.get(path, {"Accept-Encoding": "br, deflate;q=0.5, gzip;q=0.8"})
    t.eq(r.headers.get("content-encoding", "").lower(), "gzip",
         "Accept-Encoding listing gzip among others: gzip")
    for ae in ("identity", "gzip;q=0", "br"):
        r = f.get(path, {"Accept-Encoding": ae})
        t.ok(r.status == 200 and "content-encoding" not in r.headers and
             r.body == plain, "Accept-Encoding: %s: the plain calendar" % ae,
             [repr(r.headers)])

    # HEAD: the headers of GET, no body
    for label, extra in (("plain", ""), ("gzip", "Accept-Encoding: gzip\r\n")):
        ref = g if label == "plain" else z
        h = raw_http(d.public_port, ("HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "%sConnection: close\r\n\r\n" %
                                     (path, extra)).encode())
        problems = []
        if h is None:
            problems.append("no answer")
        else:
            if h.status != 200:
                problems.append("status %d" % h.status)
            if h.body:
                problems.append("a body of %d bytes: %r" % (len(h.body),
                                                            h.body[:80]))
            if getattr(h, "timed_out", False):
                problems.append("the connection stayed open after "
                                "Connection: close")
            for k in ("content-type", "etag", "last-modified",
                      "content-length", "content-encoding", "vary",
                      "cache-control"):
                if h.headers.get(k) != ref.headers.get(k):
                    problems.append("%s: HEAD %r, GET %r" % (
                        k, h.headers.get(k), ref.headers.get(k)))
        t.ok(not problems, "HEAD (%s): the headers and Content-Length of "
             "GET, no body" % label, problems)

    # Methods that change things: 405, nothing written
    dump = d.dump()
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = tcp_request(d.public_port, method, path, body=b"x=1",
                        headers={"Content-Type": "text/calendar"})
        allow = r.headers.get("allow", "")
        t.ok(r.status == 405 and "GET" in allow.upper(),
             "%s to a feed: 405 with Allow naming GET" % method,
             [repr(r), repr(allow)])
    r = tcp_request(d.public_port, "POST", paths["jens"], body=b"")
    t.eq(r.status, 405, "POST to a personal feed: 405")

    # --- 404: unknown paths, slugs and tokens, all alike
    fake_hex = "0123456789abcdef0123456789abcdef"
    real_jens = tokens["jens"] or fake_hex
    fake_same_shape = "".join("0" if c != "0" else "1" for c in real_jens)
    not_found = [
        "/kurser", "/feeds", "/feeds/", "/feeds/all", "/feeds/all.ics/x",
        "/feeds/alle.ics", "/feeds/venue/ukendt.ics",
        "/feeds/venue/aero", "/feeds/venue/.ics",
        "/feeds/course/ukendt.ics", "/feeds/course/%C3%A6r%C3%B8.ics",
        "/feeds/venue/../all.ics", "/feeds/participant/xyz.ics",
        "/feeds/participant/%s.ics" % ("z" * 32),
        "/feeds/participant/%s.ics" % fake_same_shape,
        "/feeds/instructor/%s.ics" % fake_same_shape,
        "/feeds/participant/%s.ics" % real_jens.upper()
        if real_jens.upper() != real_jens else "/feeds/participant/-.ics",
        "/feeds/instructor/%s.ics" % real_jens,
        "/feeds/participant/%s.ics" % (tokens["ib"] or fake_hex),
        "/v1/status", "/v1/sessions", "/v1/feeds/all", "/v1/venues/aero",
        "/admin", "/favicon.ico",
    ]
    bodies = {}
    problems = []
    for p in not_found:
        r = f.get(p)
        if r.status != 404:
            problems.append("GET %s: %d %r" % (p, r.status, r.body[:80]))
        bodies.setdefault((r.body, r.headers.get("content-type")),
                          []).append(p)
    t.ok(not problems, "404 for unknown paths, slugs, malformed tokens, "
         "well-formed unknown tokens, a token of the wrong kind, and /v1/*",
         problems)
    t.ok(len(bodies) == 1, "every 404 has the same body and Content-Type "
         "(nothing tells whether a token ever existed)",
         ["%r: %s" % (k[0][:100], v[:4]) for k, v in bodies.items()])
    the_404 = next(iter(bodies))[0] if bodies else None
    # The public listener never serves the admin API, not even to write.
    for method, p, body in (("POST", "/v1/venues",
                             {"slug": "ny", "name": "Ny"}),
                            ("POST", "/v1/participants/%d/rotate-token" %
                             jens, None),
                            ("DELETE", "/v1/venues/aero", None),
                            ("PATCH", "/v1/settings", {"number_start": 5})):
        r = tcp_request(d.public_port, method, p, body=body)
        # GET of any path not a feed is the same 404 (above); another
        # method may be refused for every path alike before the path is
        # looked at (405), as long as the API does not answer.
        t.ok((r.status == 404 and r.body == the_404) or
             (r.status == 405 and r.json is None and
              "x-kursus-api" not in r.headers),
             "public listener: %s %s is refused (404 or 405), not served"
             % (method, p), [repr(r)])
    diff = diff_dumps(dump, d.dump())
    t.ok(not diff, "nothing the public listener was sent wrote anything",
         diff[:10] if diff else None)

    # --- the public listener's HTTP on raw sockets
    check_http(d, path, g, z, the_404)

    # --- rotating a participant's and an instructor's token
    old_jens = paths["jens"]
    r = d.ctl("participant", "rotate-token", str(jens))
    new_link = r.out or {}
    new_path = new_link.get("path") or urllib.parse.urlsplit(
        new_link.get("url") or "").path
    t.ok(new_path and new_path != old_jens and
         new_path.startswith("/feeds/participant/"),
         "participant rotate-token: a new personal link", [repr(new_link)])
    r = f.get(old_jens)
    t.ok(r.status == 404 and r.body == the_404,
         "the old participant link answers the same 404", [repr(r)])
    r, cal = f.feed(new_path, "the new participant link")
    if cal is not None:
        t.eq(set(by_uid(cal, "new link")),
             {uid[i] for i in want_ids["jens"]},
             "the new participant link shows the same sessions")
    cur = d.ctl("feeds", "participant", str(jens)).out or {}
    t.eq(cur.get("path"), new_path, "kursusctl feeds participant now "
         "gives the new link")
    old_ib = paths["ib"]
    r = d.ctl("instructor", "rotate-token", "ib")
    new_ib = (r.out or {}).get("path") or urllib.parse.urlsplit(
        (r.out or {}).get("url") or "").path
    r = f.get(old_ib)
    t.ok(r.status == 404 and r.body == the_404,
         "instructor rotate-token: the old link answers the same 404",
         [repr(r)])
    r = f.get(new_ib or "/none")
    t.eq(r.status, 200, "instructor rotate-token: the new link works")
    r = f.get(paths["birthe"])
    t.eq(r.status, 200, "another participant's link still works")

    # --- Jens cancels: Birthe moves up, her feed no longer marks waiting
    d.ctl("unregister", str(s_full["id"]), str(jens))
    r, cal = f.feed(paths["birthe"], "Birthe's feed after she moved up")
    if cal is not None:
        ev = by_uid(cal, "birthe").get(s_full["uid"])
        t.ok(ev is not None and text(ev, "STATUS") == "CONFIRMED" and
             text(ev, "SUMMARY") == MITID_TITLE,
             "promoted from the waitlist: STATUS:CONFIRMED, the plain "
             "title", ev and [text(ev, "STATUS"), text(ev, "SUMMARY")])

    # --- a session moves to another venue: it leaves the old venue's
    # feed and shows in the new one with the same UID, a higher SEQUENCE,
    # the new LOCATION and the new venue's GEO
    d.ctl("session", "move", str(s_aero_mitid["id"]), "--start",
          "%s 09:30" % (base + datetime.timedelta(days=3)).isoformat(),
          "--venue", HORSENS)
    r, cal = f.feed(paths["aero"], "feed aero after a venue move")
    if cal is not None:
        t.ok(s_aero_mitid["uid"] not in by_uid(cal, "aero"),
             "a session moved to another venue leaves the old venue's feed")
    r, cal = f.feed(paths["horsens"], "feed horsens after a venue move")
    if cal is not None:
        ev = by_uid(cal, "horsens").get(s_aero_mitid["uid"])
        loc = (text(ev, "LOCATION") or "") if ev is not None else ""
        t.ok(ev is not None and loc.startswith(HORSENS_NAME) and
             AERO_NAME not in loc and ev.get("GEO") is not None,
             "... and shows in the new venue's feed with the same UID, "
             "LOCATION %s and GEO" % HORSENS_NAME, [repr(loc)])
        r2, call = f.feed(paths["all"], "feed all after a venue move")
        if call is not None:
            eva = by_uid(call, "all").get(s_aero_mitid["uid"])
            first_seq = None
            if "all" in cals:
                e1 = by_uid(cals["all"], "all").get(s_aero_mitid["uid"])
                first_seq = int(e1.get("SEQUENCE", 0)) if e1 else None
            t.ok(eva is not None and first_seq is not None and
                 int(eva.get("SEQUENCE", 0)) > first_seq,
                 "the venue move raises SEQUENCE",
                 ["before %r, after %r" % (first_seq,
                                           eva and eva.get("SEQUENCE"))])

    t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")

    # --- settings: REFRESH-INTERVAL, VALARM in personal feeds only, and
    # what leaves a feed: sessions that started more than [feeds]
    # past_days ago, cancelled ones [feeds] cancelled_days after the
    # cancellation (both 0 here, so they leave as soon as a second has
    # passed, without any other change to the feed)
    d2 = t.daemon(extra=["feeds.refresh_minutes=15",
                         "feeds.alarm_minutes=30",
                         "feeds.past_days=0",
                         "feeds.cancelled_days=0"])
    f2 = Fetcher(d2)
    d2.ctl("venue", "add", HORSENS, "--name", HORSENS_NAME)
    d2.ctl("course", "add", MITID, "--title", MITID_TITLE, "--duration",
           "60m")

    def add2(start):
        r = d2.ctl("session", "add", "--course", MITID, "--venue", HORSENS,
                   "--start", start)
        return ((r.out or {}).get("sessions") or [{}])[0]
    soon = local_now().replace(microsecond=0) + datetime.timedelta(seconds=5)
    s_soon = add2(iso(soon))
    s_a = add2("%s 10:00" % base.isoformat())
    s_b = add2("%s 10:00" % (base + datetime.timedelta(days=1)).isoformat())
    p = (d2.ctl("register", str(s_a.get("id")), "--name", "Else Bæk",
                "--phone", "23344556").out or {}).get("participant_id")
    d2.ctl("register", str(s_b.get("id")), str(p))
    d2.ctl("session", "cancel", str(s_b.get("id")))
    asked = local_now()
    r, cal = f2.feed("/feeds/all.ics", "feed all, refresh_minutes=15")
    if cal is not None:
        check_vcalendar(cal, "feed all, refresh_minutes=15", refresh="PT15M")
        t.ok(not cal.walk("VALARM"), "alarm_minutes=30: no VALARM in the "
             "public feed")
        got = set(by_uid(cal, "all"))
        if asked < soon - datetime.timedelta(seconds=0.5):
            t.ok({s_a.get("uid"), s_soon.get("uid")} <= got,
                 "past_days=0: a session that has not started yet is in "
                 "the feed", [repr(got)])
        else:
            t.skip("past_days=0: a session that has not started yet is in "
                   "the feed", "the machine was too slow to ask in time")
    link = d2.ctl("feeds", "participant", str(p)).out or {}
    r, cal = f2.feed(link.get("path") or "/none", "personal feed with "
                     "alarm_minutes=30")
    if cal is not None:
        alarms = cal.walk("VALARM")
        trig = [a.get("TRIGGER") for a in alarms]
        t.ok(len(alarms) >= 1 and all(
            x is not None and x.dt == -datetime.timedelta(minutes=30)
            for x in trig),
            "alarm_minutes=30: the personal feed's events carry a VALARM "
            "30 minutes before", [repr(trig)])
    wait = (soon - local_now()).total_seconds() + 1.5
    if wait > 0:
        time.sleep(wait)
    r, cal = f2.feed("/feeds/all.ics", "feed all, a little later")
    if cal is not None:
        got = set(by_uid(cal, "all"))
        # (A session that was never made has no UID, and None is in no
        # feed: ask for the UID too.)
        t.ok(s_b.get("uid") and s_b.get("uid") not in got,
             "cancelled_days=0: the cancelled session has left the feed "
             "a second after its cancellation, with no other change",
             [repr(got)])
        t.ok(s_soon.get("uid") and s_soon.get("uid") not in got,
             "past_days=0: the session that has started has left the "
             "feed, with no other change", [repr(got)])
        t.ok(s_a.get("uid") in got, "the upcoming session is still there")
    t.eq(d2.stop(), 0, "SIGTERM: the second kursusd exits 0")

    check_cap_and_drain()

t.run(main)
