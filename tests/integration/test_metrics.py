"""
Watching kursusd: GET /metrics and `kursusctl status` as a check.

The page is fetched over the admin socket and over admin TCP with the
bearer token (401 without it; the public listener gives the 404 of any
other path), and read with Prometheus' own parser
(prometheus_client.parser, Debian's python3-prometheus-client): every
family has HELP and TYPE, and its values are what this script did:

  main   a real SMTP server (aiosmtpd, servers.py): registrations made,
         one refused (not counted), one cancelled and one promoted; every
         message through the server counts as an attempt (the outbox's
         own attempts agree); a feed fetched twice is one render and one
         cache hit; 404s this script caused count by door; the server
         stopped shows as unreachable, and `kursusctl status` exits 3
         saying so, 0 again once it is back; a message the server
         refuses (550) fails, shows in the outbox gauge, and makes status
         exit 3 with the session to phone about;
  sms    an SMS gateway nothing listens on: unreachable on the page, and
         status exits 3 naming it.

Nothing here waits for luck: every change of the daemon's state is
waited for by polling what it reports, with generous limits.
"""

import datetime
import os
import sqlite3
import urllib.parse

from kursustest import EXIT_ATTENTION, Tap, free_port, tcp_request, wait_for
from servers import Recorder, SMTPServer

t = Tap()

FROM = "kurser@horsens-bibliotek.example"
REFUSED = "ingen@horsens-bibliotek.example"
CTYPE = "text/plain; version=0.0.4"
WAIT = 30

# name -> TYPE, as the parser names families (counters without _total).
FAMILIES = {
    "kursusd_info": "gauge",
    "kursusd_start_time_seconds": "gauge",
    "kursusd_uptime_seconds": "gauge",
    "kursusd_http_requests": "counter",
    "kursusd_http_request_duration_seconds": "histogram",
    "kursusd_feed_renders": "counter",
    "kursusd_feed_cache_hits": "counter",
    "kursusd_feed_events_rendered": "counter",
    "kursusd_registrations_made": "counter",
    "kursusd_registrations_cancelled": "counter",
    "kursusd_registrations_promoted": "counter",
    "kursusd_outbox_messages": "gauge",
    "kursusd_outbox_failed_upcoming_messages": "gauge",
    "kursusd_outbox_oldest_due_seconds": "gauge",
    "kursusd_inbox_unhandled_messages": "gauge",
    "kursusd_send_attempts": "counter",
    "kursusd_send_failures": "counter",
    "kursusd_sender_configured": "gauge",
    "kursusd_sender_reachable": "gauge",
    "kursusd_sender_in_flight": "gauge",
    "kursusd_database_size_bytes": "gauge",
}
DOORS = ("admin_socket", "admin_tcp", "public")


class Page:
    """A /metrics page read by Prometheus' parser: the families by name,
    and each sample's value by its name and labels."""

    def __init__(self, text):
        from prometheus_client.parser import text_string_to_metric_families
        self.text = text
        self.families = {}
        self.samples = {}
        for f in text_string_to_metric_families(text):
            self.families[f.name] = f
            for s in f.samples:
                self.samples[(s.name, frozenset(s.labels.items()))] = \
                    s.value

    def get(self, name, **labels):
        return self.samples.get((name, frozenset(labels.items())))

    def requests(self, door, status):
        return self.get("kursusd_http_requests_total", door=door,
                        status=str(status)) or 0


def scrape(d, what="socket"):
    """The page over the admin socket; None (a failed check) otherwise."""
    r = d.request("GET", "/metrics")
    if not t.ok(r.status == 200 and r.headers.get("content-type", "")
                .startswith(CTYPE), "GET /metrics (%s): 200, %s" % (what,
                                                                    CTYPE),
                [repr(r), repr(r.headers)]):
        return None
    return Page(r.body.decode("utf-8"))


def check_page(p, name):
    """The shape of a page: the families named in the docs, each with HELP
    and TYPE, every sample kursusd_-prefixed, histograms consistent."""
    missing = [n for n in FAMILIES if n not in p.families]
    t.ok(not missing, "%s: every documented family is there" % name,
         missing)
    wrong = ["%s: %s, want %s" % (n, p.families[n].type, FAMILIES[n])
             for n in FAMILIES if n in p.families and
             p.families[n].type != FAMILIES[n]]
    t.ok(not wrong, "%s: each family has its TYPE" % name, wrong)
    bare = [f.name for f in p.families.values() if not f.documentation]
    t.ok(not bare, "%s: each family has a HELP line" % name, bare)
    stray = [s for s, _ in p.samples if not s.startswith("kursusd_")]
    t.ok(not stray, "%s: every name starts with kursusd_" % name, stray)
    problems = []
    for door in DOORS:
        hist = p.families.get("kursusd_http_request_duration_seconds")
        buckets = sorted(
            (float(s.labels["le"]), s.value) for s in
            (hist.samples if hist else []) if s.name.endswith("_bucket")
            and s.labels.get("door") == door)
        counts = [v for _, v in buckets]
        total = p.get("kursusd_http_request_duration_seconds_count",
                      door=door)
        answered = sum(v for (n, labels), v in p.samples.items()
                       if n == "kursusd_http_requests_total" and
                       dict(labels).get("door") == door)
        if not buckets or counts != sorted(counts) or \
                buckets[-1][0] != float("inf") or counts[-1] != total or \
                total != answered:
            problems.append("%s: buckets %r, count %r, requests %r" % (
                door, buckets, total, answered))
    t.ok(not problems, "%s: each door's latency histogram counts its "
         "requests, bucket by bucket upwards" % name, problems)


def status(d, *args, json=True):
    return d.ctl("status", *args, json=json, ok=None)


def attention_lines(res):
    return [l for l in res.err.split("\n") if l.strip()]


def outbox_rows(d):
    r = d.request("GET", "/v1/outbox")
    return (r.json or {}).get("outbox", []) if r.status == 200 else []


def settled(d, n):
    """The outbox holds n rows, none pending or being sent."""
    rows = outbox_rows(d)
    return rows if len(rows) == n and all(
        r["state"] not in ("pending", "sending") for r in rows) else None


def db_attempts(d, channel):
    """What the outbox itself counts: attempts made, and rows sent."""
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(d.db))
    con = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        return con.execute(
            "SELECT coalesce(sum(attempts), 0), coalesce(sum(state = "
            "'sent'), 0) FROM outbox WHERE channel = ?",
            (channel,)).fetchone()
    finally:
        con.close()


def sender_state(d, channel):
    r = d.request("GET", "/v1/status")
    return ((r.json or {}).get("senders") or {}).get(channel, {}).get(
        "state")


def post(d, path, body, want):
    r = d.request("POST", "/v1" + path, body)
    t.ok(r.status == want, "POST %s answers %d" % (path, want), [repr(r)])
    return r.json or {}


def main_daemon():
    tmp = t.tempdir()
    rec = Recorder(os.path.join(tmp, "smtp"),
                   always={REFUSED: "550 5.1.1 no such mailbox"})
    srv = SMTPServer(rec)
    port = srv.port
    admin = free_port()
    token_file = os.path.join(tmp, "admin.token")
    d = t.daemon(dirname=tmp, extra=[
        "smtp.host=127.0.0.1", "smtp.port=%d" % port, "smtp.starttls=off",
        "smtp.from=" + FROM, "smtp.timeout=2", "outbox.retry_seconds=1",
        "outbox.retry_max_seconds=2", "outbox.probe_seconds=1",
        "sms.driver=none", "reminders.rules=",
        "admin.listen=127.0.0.1:%d" % admin,
        "admin.token_file=" + token_file])
    try:
        main_story(d, rec, srv, port, admin, token_file)
    finally:
        srv.stop()


def main_story(d, rec, srv, port, admin, token_file):
    # --- all is well
    t.ok(wait_for(lambda: sender_state(d, "email") == "ok", WAIT),
         "main: the SMTP server answers the probe")
    res = status(d)
    t.ok(res.rc == 0 and not res.err.strip() and
         (res.out or {}).get("attention") == [],
         "main: kursusctl status exits 0 when all is well, saying nothing "
         "on stderr; --json has an empty attention list", res.describe())
    res = status(d, json=False)
    t.ok(res.rc == 0 and "outbox:" in res.stdout and not res.err.strip(),
         "main: kursusctl status (text) exits 0 too", res.describe())

    p0 = scrape(d)
    if p0 is None:
        return
    check_page(p0, "main, at start")
    t.eq(p0.get("kursusd_sender_reachable", channel="email"), 1.0,
         "main: the SMTP server shows as reachable")
    t.eq((p0.get("kursusd_sender_configured", channel="email"),
          p0.get("kursusd_sender_configured", channel="sms"),
          p0.get("kursusd_sender_reachable", channel="sms")), (1.0, 0.0, None),
         "main: e-mail configured, SMS not (and no reachability for it)")
    t.ok(p0.get("kursusd_info", version=(status(d).out or {}).get(
        "version")) == 1.0, "main: kursusd_info names the version")
    t.ok(p0.get("kursusd_database_size_bytes") > 0 and
         p0.get("kursusd_uptime_seconds") >= 0 and
         p0.get("kursusd_start_time_seconds") > 0,
         "main: database size, uptime and start time are there",
         [repr(p0.get("kursusd_database_size_bytes"))])

    # --- registrations: 4 made (3 seats), 1 refused, 1 cancelled, 1 up
    post(d, "/venues", {"slug": "horsens", "name": "Horsens Bibliotek"},
         201)
    post(d, "/courses", {"slug": "it-cafe", "title": "IT-café",
                         "duration": 90}, 201)
    start = (datetime.datetime.now(datetime.timezone.utc) +
             datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    s = post(d, "/sessions", {"course": "it-cafe", "venue": "horsens",
                              "start": start, "capacity": 3}, 201)
    sid = ((s.get("sessions") or [{}])[0]).get("id")
    people = []
    for i, name in enumerate(["Anna Holm", "Bo Dahl", "Carl Berg",
                              "Dorte Lund"]):
        r = post(d, "/sessions/%s/registrations" % sid, {
            "participant": {"name": name,
                            "email": "p%d@horsens-bibliotek.example" % i}},
            201)
        people.append(r.get("participant_id"))
    post(d, "/sessions/%s/registrations" % sid,
         {"participant": people[0]}, 409)
    # Sent before the cancellation, which would otherwise cancel one.
    rows = wait_for(lambda: settled(d, 4), WAIT)
    t.ok(rows and all(r["state"] == "sent" for r in rows),
         "main: 3 confirmations and a waitlisted notice went out",
         [repr(rows or outbox_rows(d))])
    r = d.request("DELETE", "/v1/sessions/%s/registrations/%s" % (
        sid, people[1]))
    t.ok(r.status == 200 and len((r.json or {}).get("promoted", [])) == 1,
         "main: a cancellation promotes the one waiting", [repr(r)])
    # and a withdrawal, a promotion
    rows = wait_for(lambda: settled(d, 6), WAIT)
    t.ok(rows and all(r["state"] == "sent" for r in rows),
         "main: every message went through the SMTP server",
         [repr(rows or outbox_rows(d))])

    p1 = scrape(d)
    if p1 is None:
        return
    t.eq((p1.get("kursusd_registrations_made_total"),
          p1.get("kursusd_registrations_cancelled_total"),
          p1.get("kursusd_registrations_promoted_total")), (4.0, 1.0, 1.0),
         "main: 4 registrations made (the refused one does not count), "
         "1 cancelled, 1 promoted")
    attempts, sent = db_attempts(d, "email")
    t.eq((p1.get("kursusd_send_attempts_total", channel="email"),
          p1.get("kursusd_send_failures_total", channel="email")),
         (float(attempts), 0.0), "main: every message sent counts as an "
         "attempt (%d in the outbox, %d sent), none failed" % (attempts,
                                                                sent))
    t.ok(sent == 6, "main: the outbox says 6 were sent", [sent])
    t.eq([p1.get("kursusd_outbox_messages", channel="email", state=s)
          for s in ("pending", "sending", "failed")], [0.0, 0.0, 0.0],
         "main: nothing pending, sending or failed in the outbox gauge")
    t.eq(p1.get("kursusd_outbox_oldest_due_seconds"), 0.0,
         "main: no message waits past its time")
    t.ok(p1.requests("admin_socket", 201) >= 7 and
         p1.requests("admin_socket", 409) == 1,
         "main: the admin socket's requests count by status (201s, the "
         "409 refused)", [p1.requests("admin_socket", 201),
                          p1.requests("admin_socket", 409)])

    # --- a feed fetched twice: one render, one cache hit; 404s by door
    for _ in range(2):
        r = tcp_request(d.public_port, "GET", "/feeds/all.ics")
        t.ok(r.status == 200 and b"BEGIN:VCALENDAR" in r.body,
             "main: GET /feeds/all.ics answers the feed", [repr(r)])
    r = tcp_request(d.public_port, "GET", "/feeds/venue/nowhere.ics")
    t.eq(r.status, 404, "main: an unknown feed is 404")
    r = d.request("GET", "/v1/no-such-route")
    t.eq(r.status, 404, "main: an unknown admin route is 404")
    p2 = scrape(d)
    if p2 is None:
        return
    check_page(p2, "main, after the feeds")
    t.eq((p2.get("kursusd_feed_renders_total") -
          p1.get("kursusd_feed_renders_total"),
          p2.get("kursusd_feed_cache_hits_total") -
          p1.get("kursusd_feed_cache_hits_total")), (1.0, 1.0),
         "main: the feed fetched twice is one render and one cache hit")
    t.ok(p2.get("kursusd_feed_events_rendered_total") >= 1,
         "main: its one session's event text was rendered")
    t.eq((p2.requests("public", 200) - p1.requests("public", 200),
          p2.requests("public", 404) - p1.requests("public", 404),
          p2.requests("admin_socket", 404) -
          p1.requests("admin_socket", 404)), (2.0, 1.0, 1.0),
         "main: requests by door and status: the two feeds, and the 404 "
         "caused on each door")

    # --- over TCP: the token is asked for; the public door has no page
    with open(token_file) as f:
        token = f.read().strip()
    r = tcp_request(admin, "GET", "/metrics")
    t.ok(r.status == 401 and b"kursusd_" not in r.body,
         "main: GET /metrics over TCP without the token is 401", [repr(r)])
    r = tcp_request(admin, "GET", "/metrics",
                    headers={"Authorization": "Bearer " + token})
    ok = t.ok(r.status == 200 and r.headers.get("content-type", "")
              .startswith(CTYPE), "main: GET /metrics over TCP with the "
              "token: 200, %s" % CTYPE, [repr(r)])
    if ok:
        pt = Page(r.body.decode("utf-8"))
        check_page(pt, "main, over TCP")
        t.eq(pt.requests("admin_tcp", 401), 1.0,
             "main: the 401 counts on the admin TCP door")
        t.eq(pt.get("kursusd_registrations_made_total"), 4.0,
             "main: TCP shows the same counters")
    r = tcp_request(d.public_port, "GET", "/metrics")
    t.ok(r.status == 404 and b"kursusd_" not in r.body,
         "main: the public listener has no /metrics (404)", [repr(r)])
    r = d.request("POST", "/metrics", b"")
    t.eq(r.status, 405, "main: POST /metrics is 405")
    r = d.request("HEAD", "/metrics")
    t.ok(r.status == 200 and r.body == b"", "main: HEAD /metrics is 200 "
         "without a body", [repr(r)])

    # --- the SMTP server stops: unreachable, status exits 3; and back
    srv.stop()
    t.ok(wait_for(lambda: sender_state(d, "email") == "unreachable", WAIT),
         "main: the stopped SMTP server is found unreachable")
    res = status(d)
    lines = attention_lines(res)
    t.ok(res.rc == EXIT_ATTENTION and len(lines) == 1 and
         "SMTP server" in lines[0] and "127.0.0.1:%d" % port in lines[0] and
         "does not answer" in lines[0] and len(
             (res.out or {}).get("attention", [])) == 1,
         "main: kursusctl status exits %d, one line saying the SMTP server "
         "does not answer; --json keeps the detail" % EXIT_ATTENTION,
         res.describe())
    res = status(d, json=False)
    t.ok(res.rc == EXIT_ATTENTION and "e-mail (SMTP):" in res.stdout and
         len(attention_lines(res)) == 1, "main: the same without --json",
         res.describe())
    p3 = scrape(d)
    if p3 is not None:
        t.eq(p3.get("kursusd_sender_reachable", channel="email"), 0.0,
             "main: /metrics shows the SMTP server unreachable")
    srv = SMTPServer(rec, port=port)
    try:
        t.ok(wait_for(lambda: sender_state(d, "email") == "ok", WAIT),
             "main: the SMTP server answers again")
        res = status(d)
        t.ok(res.rc == 0 and not res.err.strip(), "main: kursusctl status "
             "exits 0 again", res.describe())

        # --- a message the server refuses: failed, on the call list
        post(d, "/sessions/%s/registrations" % sid, {
            "participant": {"name": "Erik Nielsen", "email": REFUSED}}, 201)
        rows = wait_for(lambda: settled(d, 7), WAIT)
        failed = [r for r in rows or [] if r["state"] == "failed"]
        t.ok(len(failed) == 1, "main: the refused message failed",
             [repr(rows or outbox_rows(d))])
        res = status(d)
        lines = attention_lines(res)
        t.ok(res.rc == EXIT_ATTENTION and len(lines) == 1 and
             "1 message failed" in lines[0] and "calllist %s" % sid in
             lines[0] and ((res.out or {}).get("outbox") or {}).get(
                 "failed_sessions") == [sid],
             "main: kursusctl status exits %d, naming the session whose "
             "people to phone" % EXIT_ATTENTION, res.describe())
        p4 = scrape(d)
        if p4 is None:
            return
        attempts, sent = db_attempts(d, "email")
        t.eq((p4.get("kursusd_outbox_messages", channel="email",
                     state="failed"),
              p4.get("kursusd_outbox_failed_upcoming_messages"),
              p4.get("kursusd_send_attempts_total", channel="email"),
              p4.get("kursusd_send_failures_total", channel="email"),
              p4.get("kursusd_registrations_made_total")),
             (1.0, 1.0, float(attempts), float(attempts - sent), 5.0),
             "main: the failure shows in the outbox gauge, as failed "
             "ahead of its session, and as an attempt that failed")
        t.ok("@" not in p4.text and "Erik" not in p4.text,
             "main: no address or name anywhere on the page")
    finally:
        srv.stop()


def sms_daemon():
    tmp = t.tempdir()
    gw = free_port()
    d = t.daemon(dirname=tmp, extra=[
        "sms.driver=kannel",
        "sms.url=http://127.0.0.1:%d/cgi-bin/sendsms" % gw,
        "sms.user=kursus", "sms.timeout=2", "outbox.probe_seconds=1"])
    t.ok(wait_for(lambda: sender_state(d, "sms") == "unreachable", WAIT),
         "sms: the gateway nothing listens on is found unreachable")
    p = scrape(d, "sms")
    if p is not None:
        check_page(p, "sms")
        t.eq((p.get("kursusd_sender_configured", channel="sms"),
              p.get("kursusd_sender_reachable", channel="sms")), (1.0, 0.0),
             "sms: /metrics shows the SMS gateway configured and "
             "unreachable")
    res = status(d)
    lines = attention_lines(res)
    t.ok(res.rc == EXIT_ATTENTION and len(lines) == 1 and
         "SMS gateway" in lines[0] and "does not answer" in lines[0],
         "sms: kursusctl status exits %d, saying the SMS gateway does not "
         "answer" % EXIT_ATTENTION, res.describe())


def main():
    try:
        import prometheus_client.parser  # noqa: F401
    except ImportError as e:
        t.ok(False, "Prometheus' parser can be imported "
             "(python3-prometheus-client, in dev/deps)", [str(e)])
        return
    main_daemon()
    sms_daemon()


t.run(main)
