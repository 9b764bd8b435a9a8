"""
No SMS reply is lost while kursusd cannot write it at once.

A session under load once lost a question sent through Kannel: the
public door answered smsbox's get-url 503 while another connection held
the database's write lock (a sender recording an outcome, a checkpoint,
an import, sqlite3 by hand), and smsbox, by default, does not fetch a
failed get-url again. Here another program holds the write lock (BEGIN
IMMEDIATE from Python's sqlite3) while fakesmsc sends, and:

- held 2 s: kursusd waits for it (off the loop, BEGIN tried again on a
  timer) and takes the reply once it is free; Kannel saw one answer;
- held 8 s, past kursusd's wait: kursusd answers 503, Kannel fetches
  the get-url again (http-request-retry, as the README sets it up) and
  the reply is taken then, once;
- kursusd not listening (a restart): Kannel's retry brings it in after;
- an "afmeld" waiting for the lock cancels once;
- Kannel's retry of a reply already taken (same %I) is not taken twice;
- the README's Kannel groups are the ones these tests run (but for the
  retry's delay: a minute there, a second here).

Through the REST webhook: a POST waits for a lock held 2 s and gets 200;
past the wait, 503 saying to retry and nothing written; the gateway's
retry (new signature, same id) is taken once, and again is a duplicate;
one stamped 299 s ago that waits 3 s is taken, its timestamp judged as
it came. The loop keeps answering feeds meanwhile. A POST whose gateway hangs up
while it waits is not taken (its retry, signed anew and without an id,
is, once). SIGHUP while a POST waits: taken after; SIGTERM: answered
before kursusd stops; SIGTERM twice: closed unanswered, nothing written.
"""

import datetime
import os
import signal
import socket
import threading
import time

from citizen import KANNEL_SECRET, SHORT, signed, sms_stories
from kursustest import (SRCDIR, Lock, Tap, db_rows, local_now, tcp_request,
                        wait_for)

t = Tap()


def inbox(d):
    return db_rows(d.db, "SELECT sender, text, via, provider_id, "
                   "registration_id FROM inbox ORDER BY id")


def texts(d, text):
    return [r for r in inbox(d) if r[1] == text]


def readme_kannel(k):
    """The README's Kannel set-up is the one the tests run: its lines,
    but for the URL and the delay (a minute there, a second here)."""
    with open(os.path.join(SRCDIR, "README.md"), encoding="utf-8") as f:
        text = f.read()
    start = text.find("group = smsbox\n")
    lines = text[start:text.find("```", start)].strip().split("\n")
    with open(k.conf, encoding="utf-8") as f:
        conf = f.read().split("\n")
    missing = [x for x in lines if x and not x.startswith(
        ("get-url", "http-queue-delay")) and x not in conf]
    t.ok(start >= 0 and "http-request-retry = 10" in lines and
         not missing, "the README's Kannel groups are the tests' "
         "(http-request-retry and the sms-service)", missing or lines)


def retries(k):
    return k.log("smsbox.log", 10 ** 7).count("HTTP: Retrying request")


def kannel_story(d, api, k):
    api.setup(capacity=4)
    s = api.session()
    if s is None:
        return
    inger = api.register(s["id"], {"name": "Inger Ås",
                                   "phone": "20 30 40 50"})
    pid = inger["participant_id"]
    # A second course for her: an "afmeld" taken twice would cancel it.
    later = api.session("%s 10:00" % (local_now().date() +
                                      datetime.timedelta(days=11)))
    again = api.register(later["id"], {"name": "Inger Ås",
                                       "phone": "20 30 40 50"})
    t.eq(again["participant_id"], pid, "Inger is registered twice")
    readme_kannel(k)

    # --- a lock held 2 s: kursusd waits for it
    before = retries(k)
    lock = Lock(d.db)
    t.ok(k.inject("4520304050", SHORT, "Hvor ligger salen?"),
         "a question sent while another program holds the database")
    # smsbox fetches the get-url a moment after the link takes it.
    waited = wait_for(lambda: "waits for the database" in d.log(), 10, 0.05)
    lock.release(after=2)
    wait_for(lambda: texts(d, "Hvor ligger salen?"), 20, 0.2)
    t.eq([r[:3] for r in texts(d, "Hvor ligger salen?")],
         [("+4520304050", "Hvor ligger salen?", "kannel")],
         "it is in the inbox once the lock is let go, once", inbox(d))
    t.ok(waited, "kursusd said the reply waited for the database",
         d.log().splitlines()[-10:])
    t.eq(retries(k), before, "Kannel did not have to fetch it again")

    # --- "afmeld" waiting: cancels once
    before = retries(k)
    waits = d.log().count("waits for the database")
    lock = Lock(d.db)
    t.ok(k.inject("4520304050", SHORT, "afmeld"), "\"afmeld\" sent while "
         "the database is held")
    waited = wait_for(lambda: d.log().count("waits for the database") >
                      waits, 10, 0.05)
    lock.release(after=2)
    wait_for(lambda: api.registrations(s["id"])[pid]["status"] ==
             "cancelled", 20, 0.2)
    r = api.registrations(s["id"])[pid]
    t.eq((r["status"], r["cancelled_via"]), ("cancelled", "sms"),
         "her registration is cancelled, via SMS")
    time.sleep(2)
    t.eq(len(texts(d, "afmeld")), 1, "the \"afmeld\" is taken once",
         inbox(d))
    t.ok(api.registrations(later["id"])[pid]["status"] != "cancelled",
         "her later registration stands", [api.registrations(later["id"])])
    t.ok(waited, "kursusd said the \"afmeld\" waited for the database",
         d.log().splitlines()[-10:])
    t.eq(retries(k), before, "Kannel did not have to fetch the \"afmeld\" "
         "again")

    # --- held past kursusd's wait: 503, and Kannel fetches it again
    before = retries(k)
    lock = Lock(d.db)
    t.ok(k.inject("4520304050", SHORT, "Er der parkering?"),
         "a question sent while the database is held 8 s")
    answered = wait_for(lambda: "SMS reply from kannel" in d.log() and
                        "not taken: the database is locked" in d.log(),
                        15, 0.1)
    t.ok(answered, "kursusd gave up waiting and said so (503)",
         d.log().splitlines()[-10:])
    t.eq(texts(d, "Er der parkering?"), [], "nothing written meanwhile")
    lock.release(after=8)
    wait_for(lambda: texts(d, "Er der parkering?"), 30, 0.2)
    t.eq(len(texts(d, "Er der parkering?")), 1,
         "Kannel's retry brings it in, once", inbox(d))
    t.ok(retries(k) > before, "Kannel fetched the get-url again "
         "(http-request-retry)", [k.log("smsbox.log")])

    # --- kursusd not listening: Kannel's retry
    t.eq(d.stop(), 0, "kursusd stops")
    t.ok(k.inject("4520304050", SHORT, "Kommer I i morgen?"),
         "a question sent while kursusd is down")
    # smsbox's get-url finds nobody listening, and a retry after it.
    time.sleep(3)
    d.start()
    wait_for(lambda: texts(d, "Kommer I i morgen?"), 30, 0.2)
    t.eq(len(texts(d, "Kommer I i morgen?")), 1,
         "kursusd started again: Kannel's retry brings it in, once",
         inbox(d))

    # --- Kannel's retry of one taken: the same %I
    q = ("/sms/kannel?secret=%s&from=4520304050&to=1234&text=Tak&"
         "id=kannel-7" % KANNEL_SECRET)
    a = tcp_request(d.public_port, "GET", q)
    b = tcp_request(d.public_port, "GET", q)
    t.ok(a.status == 200 and b.status == 200 and a.body == b"" and
         b.body == b"", "the same get-url twice: 200, empty, both",
         [repr(a), repr(b)])
    t.eq(len(texts(d, "Tak")), 1, "taken once")
    t.ok("again (inbox" in d.log(), "the second is said to be taken "
         "before", [])


def post_timed(d, raw, h, out):
    t0 = time.monotonic()
    out["r"] = tcp_request(d.public_port, "POST", "/sms/webhook", raw, h)
    out["s"] = time.monotonic() - t0


def webhook_story(d, api, gw):
    api.setup()
    msg = {"from": "+4540506070", "to": SHORT, "text": "Hvad koster det?",
           "id": "gw-9"}

    # --- held 2 s: the POST waits, the loop answers feeds meanwhile
    lock = Lock(d.db)
    out = {}
    raw, h = signed(msg)
    th = threading.Thread(target=post_timed, args=(d, raw, h, out))
    th.start()
    time.sleep(0.5)
    worst = 0.0
    for _ in range(5):
        t0 = time.monotonic()
        f = tcp_request(d.public_port, "GET", "/feeds/all.ics")
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.1)
    alive = th.is_alive()
    lock.release(after=2)
    th.join()
    r = out["r"]
    t.ok(alive and f.status == 200, "while the POST waits, feeds answer "
         "(slowest %.0f ms)" % (worst * 1000), [])
    t.ok(r.status == 200 and (r.json or {}).get("result") == "inbox" and
         "SMS reply from webhook" in d.log() and "waits for the database"
         in d.log(), "the webhook waited for the lock and was taken: 200 "
         "after %.1f s" % out["s"], [repr(r)] + d.log().splitlines()[-5:])

    # --- past the wait: 503, nothing written; the gateway's retry
    msg = dict(msg, id="gw-10", text="Kan jeg tage min mand med?")
    lock = Lock(d.db)
    raw, h = signed(msg)
    out = {}
    post_timed(d, raw, h, out)
    r = out["r"]
    lock.release()
    t.ok(r.status == 503 and "retry" in (r.json or {}).get("error", ""),
         "held past the wait: 503 after %.1f s, saying to retry" % out["s"],
         [repr(r)])
    t.eq(texts(d, msg["text"]), [], "nothing written")
    raw, h = signed(msg, stamp=int(time.time()) + 1)
    r = tcp_request(d.public_port, "POST", "/sms/webhook", raw, h)
    t.ok(r.status == 200 and (r.json or {}).get("result") == "inbox",
         "the gateway's retry: 200, taken", [repr(r)])
    raw, h = signed(msg, stamp=int(time.time()) + 2)
    r = tcp_request(d.public_port, "POST", "/sms/webhook", raw, h)
    t.ok(r.status == 200 and (r.json or {}).get("result") == "duplicate",
         "and once more: a duplicate", [repr(r)])
    t.eq(len(texts(d, msg["text"])), 1, "one row")
    stamped_old(d)
    hung_up(d)
    signalled(d)


def waiting(d):
    return d.log().count("waits for the database")


def stamped_old(d):
    """A POST stamped 299 s ago (the limit is 300) that waits 3 s for the
    lock is judged as it came: taken, not refused as too old."""
    msg = {"from": "+4540506070", "to": SHORT, "text": "Er der plads?",
           "id": "gw-11"}
    lock = Lock(d.db)
    raw, h = signed(msg, stamp=int(time.time()) - 299)
    out = {}
    n = waiting(d)
    th = threading.Thread(target=post_timed, args=(d, raw, h, out))
    th.start()
    waited = wait_for(lambda: waiting(d) > n, 10)
    time.sleep(3)
    lock.release()
    th.join()
    r = out["r"]
    t.ok(waited and r.status == 200 and
         (r.json or {}).get("result") == "inbox" and
         len(texts(d, msg["text"])) == 1, "a POST stamped 299 s ago that "
         "waited 3 s: taken (its timestamp judged as it came)", [repr(r)])


def hung_up(d):
    """A gateway that gives up on a waiting POST (its own timeout) sends
    it again, signed anew; without an id only kursusd can keep it from
    being taken twice: the one nobody waits for is not taken."""
    msg = {"from": "+4540506070", "to": SHORT, "text": "Er der kaffe?"}
    lock = Lock(d.db)
    raw, h = signed(msg)
    s = socket.create_connection(("127.0.0.1", d.public_port), timeout=10)
    n = waiting(d)
    s.sendall(("POST /sms/webhook HTTP/1.1\r\nHost: kursus\r\n"
               "Content-Length: %d\r\n" % len(raw) +
               "".join("%s: %s\r\n" % kv for kv in h.items()) +
               "\r\n").encode() + raw)
    first = wait_for(lambda: waiting(d) > n, 10)
    s.close()
    raw, h = signed(msg, stamp=int(time.time()) + 1)
    out = {}
    th = threading.Thread(target=post_timed, args=(d, raw, h, out))
    th.start()
    second = wait_for(lambda: waiting(d) > n + 1, 10)
    lock.release()
    th.join()
    t.ok(first and second and out["r"].status == 200 and
         (out["r"].json or {}).get("result") == "inbox", "a POST waiting "
         "behind one whose gateway hung up: 200, taken", [repr(out["r"])])
    t.eq(len(texts(d, msg["text"])), 1, "the one whose gateway hung up "
         "is not taken: one row", inbox(d))
    t.ok("hung up" in d.log(), "kursusd said it dropped the one nobody "
         "waits for", d.log().splitlines()[-6:])


def wait_signalled(d, sigs, text):
    """A POST of text waiting for the lock when kursusd gets sigs; the
    lock let go a second later. Its answer (None: the connection closed
    unanswered)."""
    msg = {"from": "+4540506070", "to": SHORT, "text": text}
    lock = Lock(d.db)
    raw, h = signed(msg)
    out = {}
    n = waiting(d)
    th = threading.Thread(target=post_safe, args=(d, raw, h, out))
    th.start()
    waited = wait_for(lambda: waiting(d) > n, 10)
    for i, sig in enumerate(sigs):
        n = d.log().count("SIGTERM: stop")
        d.proc.send_signal(sig)
        if i + 1 < len(sigs):
            wait_for(lambda: d.log().count("SIGTERM: stop") > n, 10)
    time.sleep(1)
    lock.release()
    th.join()
    t.ok(waited, "the POST of %r waits for the lock" % text, [])
    return out.get("r")


def post_safe(d, raw, h, out):
    try:
        post_timed(d, raw, h, out)
    except OSError as e:
        out["e"] = e


def signalled(d):
    """kursusd reloading or stopping while a reply waits: the reply is
    answered, or its connection closed with nothing written, and no
    waiting call outlives kursusd's (ASan's) end."""
    n = d.log().count("configuration reloaded")
    r = wait_signalled(d, [signal.SIGHUP], "Er der elevator?")
    t.ok(d.log().count("configuration reloaded") > n and r is not None
         and r.status == 200 and len(texts(d, "Er der elevator?")) == 1,
         "SIGHUP while it waits: it is taken after, once", [repr(r)])
    r = wait_signalled(d, [signal.SIGTERM], "Er der toiletter?")
    rc = d.wait()
    t.ok(r is not None and r.status == 200 and rc == 0 and
         len(texts(d, "Er der toiletter?")) == 1, "SIGTERM while it "
         "waits: kursusd answers it (taken once), then stops (%s)" % rc,
         [repr(r)])
    d.start()
    r = wait_signalled(d, [signal.SIGTERM, signal.SIGTERM],
                       "Er der wifi?")
    rc = d.wait()
    t.ok(r is None and rc == 0 and texts(d, "Er der wifi?") == [],
         "SIGTERM twice (stop now) while it waits: its connection "
         "closes unanswered, nothing written, exit %s" % rc, [repr(r)])
    d.start()


t.run(lambda: sms_stories(t, kannel_story, webhook_story))
