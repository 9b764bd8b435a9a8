"""
SMS replies, end to end.

Through a real Kannel: bearerbox, smsbox and fakesmsc as the operator
(servers.py), the sms-service's get-url pointing at kursusd's
/sms/kannel with the shared secret; a phone's answer sent from fakesmsc
(MO). kursusd sends through the same Kannel, so its SMS back reach
fakesmsc.

- "Afmeld" cancels the sender's next registration, not the one after;
  the waitlist moves up; the person gets an SMS back saying so;
  `registrations` says "cancelled via SMS";
- "kan  IKKE!" (case, spacing, punctuation) cancels the next one;
- anything else, and any number kursusd does not know, lands in
  `kursusctl inbox` with sender and time, counts in `status`, and can be
  marked handled; unknown numbers get no SMS;
- invalid UTF-8, a wrong or missing secret, and a 10,000-character text
  are refused clearly and change nothing;
- the log names neither numbers nor texts.

Through the REST gateway's webhook (POST /sms/webhook, HMAC-SHA256 of
"<timestamp>.<body>"), with a daemon sending by the REST driver:
"nej" cancels and the SMS back goes to the gateway; a replay, a wrong
signature, an old timestamp, a missing header, a body that is not JSON
or not UTF-8, a missing field, 10,000 characters: each answered with its
reason, nothing changed.
"""

import json
import re
import time

from citizen import KANNEL_SECRET, SHORT, signed, sms_stories
from kursustest import EXIT_ATTENTION, Tap, tcp_request, wait_for

t = Tap()


def counts(d):
    """What a refused reply must not change: registrations by status and
    via, inbox rows, outbox rows."""
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True)
    try:
        return (db.execute("SELECT status, cancelled_via, count(*) FROM "
                           "registration GROUP BY 1, 2").fetchall(),
                db.execute("SELECT count(*) FROM inbox").fetchone(),
                db.execute("SELECT count(*) FROM outbox").fetchone())
    finally:
        db.close()


def texts_to(k, number):
    return [x for s, r, x in k.texts() if r.lstrip("+") == number]


def kannel_story(d, api, k):
    api.setup(capacity=1)
    s1 = api.session()
    s2 = api.session(api_day(11))
    if s1 is None or s2 is None:
        return
    inger = api.register(s1["id"], {"name": "Inger Ås",
                                    "phone": "20 30 40 50"})
    api.register(s2["id"], inger["participant_id"])
    ole = api.register(s1["id"], {"name": "Ole Bæk", "phone": "30405060"})
    pid, opid = inger["participant_id"], ole["participant_id"]
    t.eq(ole["status"], "waitlisted", "Ole waits for session 1")
    api.sent(pid, "confirmation", "sms")

    # --- "Afmeld": the next registration only
    before = len(texts_to(k, "4520304050"))
    t.ok(k.inject("4520304050", SHORT, " Afmeld "), "fakesmsc sends "
         "\" Afmeld \" from Inger's phone")
    wait_for(lambda: api.registrations(s1["id"])[pid]["status"] ==
             "cancelled", 20, 0.2)
    r1, r2 = api.registrations(s1["id"]), api.registrations(s2["id"])
    t.eq((r1[pid]["status"], r1[pid]["cancelled_via"]), ("cancelled", "sms"),
         "Inger's next registration (session 1) is cancelled, via SMS")
    t.eq(r2[pid]["status"], "confirmed", "the one after stays")
    t.eq(r1[opid]["status"], "confirmed", "Ole moves up")
    t.ok(api.sent(opid, "promoted", "sms") is not None,
         "Ole is told by SMS")
    t.ok(api.sent(pid, "unregistered", "sms") is not None,
         "the SMS back to Inger is sent")
    # fakesmsc prints a text's lines as lines of their own.
    wait_for(lambda: len(texts_to(k, "4520304050")) > before, 20, 0.2)
    with open(k.fake_log, "rb") as f:
        log = f.read().decode("utf-8", "replace")
    back = log[log.rfind("+4520304050 text"):]
    t.ok("Du er afmeldt" in back and "Horsens Bibliotek" in back,
         "it reaches her phone: she is afmeldt, from the library",
         back.split("\n")[:4])
    res = d.ctl("registrations", s1["id"], json=False)
    t.ok("cancelled via SMS" in res.out,
         "kursusctl registrations shows \"cancelled via SMS\"",
         res.out.split("\n"))

    # --- folded: "kan  IKKE!"
    t.ok(k.inject("+4520304050", SHORT, "kan  IKKE!"), "\"kan  IKKE!\" sent")
    wait_for(lambda: api.registrations(s2["id"])[pid]["status"] ==
             "cancelled", 20, 0.2)
    t.eq(api.registrations(s2["id"])[pid]["cancelled_via"], "sms",
         "\"kan  IKKE!\" cancels the next one (session 2)")

    # --- anything else, an unknown number: the inbox
    t.ok(k.inject("4520304050", SHORT, "Hvor ligger Ærøsalen?"),
         "a question sent")
    t.ok(k.inject("4599887766", SHORT, "AFMELD"), "AFMELD from a number "
         "kursusd does not know")
    wait_for(lambda: len((api("GET", "/inbox") or {})
                         .get("messages", [])) >= 2, 20, 0.2)
    res = d.ctl("inbox")
    msgs = (res.out or {}).get("messages", [])
    t.eq(sorted((m["sender"], m["text"]) for m in msgs),
         sorted([("+4520304050", "Hvor ligger Ærøsalen?"),
                 ("+4599887766", "AFMELD")]),
         "kursusctl inbox: the question and the unknown number's AFMELD, "
         "with the senders in E.164", msgs)
    t.ok(all(m.get("received_at") for m in msgs), "each with its time")
    t.eq([m["participant_name"] for m in msgs if m["sender"] ==
          "+4520304050"], ["Inger Ås"], "the known number is named")
    plain = d.ctl("inbox", json=False).out
    t.ok("Hvor ligger Ærøsalen?" in plain and re.search(
        r"\w+ \d{4}-\d\d-\d\d \d\d:\d\d", plain) is not None,
         "the table shows the text and the time", plain.split("\n"))
    t.eq(texts_to(k, "4599887766"), [], "the unknown number gets no SMS")
    st = d.ctl("status", ok=None)
    t.ok(st.rc == EXIT_ATTENTION and
         st.out.get("inbox", {}).get("unhandled") == 2,
         "status counts 2 unhandled replies and asks for attention",
         [repr(st.rc), repr(st.out.get("inbox") if st.out else None)])
    r = d.request("GET", "/metrics")
    t.ok(r.status == 200 and "\nkursusd_inbox_unhandled_messages 2\n" in
         r.body.decode(), "GET /metrics: kursusd_inbox_unhandled_messages 2")
    done = d.ctl("inbox", "done", msgs[0]["id"], json=False)
    t.ctl_ok(done, "kursusctl inbox done ID")
    t.eq(len(d.ctl("inbox").out["messages"]), 1, "one left")
    every = d.ctl("inbox", "--all").out["messages"]
    t.eq(len(every), 4, "--all shows the handled one too, and the two "
         "replies that cancelled")
    # (fakesmsc squeezes the spaces on the way.)
    t.eq(sorted((" ".join(m["text"].split()), m["handled_by"])
                for m in every if m["registration_id"] is not None),
         [("Afmeld", "kursusd"), ("kan IKKE!", "kursusd")],
         "those two name the registration, handled by kursusd")
    t.ok(all(m["provider_id"] for m in every),
         "each with Kannel's message id (%I)", every)
    t.refused(d.ctl("inbox", "done", msgs[0]["id"], ok=False),
              "done twice: refused", ["handled"])

    # --- bad input through Kannel and as Kannel would send it
    before = counts(d)
    t.ok(k.inject("4520304050", SHORT, b"afmeld \xff\xfe"),
         "invalid UTF-8 sent through Kannel")
    wait_for(lambda: "refused (400, text)" in d.log(), 10, 0.2)
    t.eq(counts(d), before, "invalid UTF-8: nothing changed")
    q = "/sms/kannel?secret=%s&from=4520304050&to=1234&text=" % \
        KANNEL_SECRET
    r = tcp_request(d.public_port, "GET", q + "afmeld%FF")
    t.ok(r.status == 400 and r.json and r.json.get("field") == "text" and
         "UTF-8" in r.json.get("error", ""),
         "GET with invalid UTF-8: 400 naming text", [repr(r)])
    r = tcp_request(d.public_port, "GET", q + "a" * 10000)
    t.ok(r.status in (413, 414), "a 10,000-character text: refused "
         "(%d)" % r.status, [repr(r)])
    r = tcp_request(d.public_port, "GET", q + "a" * 1700)
    t.ok(r.status == 413 and r.json.get("field") == "text" and
         "1700" in r.json.get("error", ""),
         "1,700 characters: 413 saying how many and the limit", [repr(r)])
    r = tcp_request(d.public_port, "GET", q.replace(KANNEL_SECRET, "nej")
                    + "afmeld")
    t.ok(r.status == 403 and r.json.get("field") == "secret",
         "a wrong secret: 403", [repr(r)])
    r = tcp_request(d.public_port, "GET",
                    "/sms/kannel?from=4520304050&text=afmeld")
    t.eq(r.status, 403, "no secret: 403")
    r = tcp_request(d.public_port, "GET", "/sms/kannel?secret=%s&text=x" %
                    KANNEL_SECRET)
    t.ok(r.status == 400 and r.json.get("field") == "from",
         "no sender: 400 naming from", [repr(r)])
    r = tcp_request(d.public_port, "GET", "/sms/kannel?secret=%s&text=x&"
                    "from=abc" % KANNEL_SECRET)
    t.ok(r.status == 422 and r.json.get("field") == "from",
         "a sender that is no number: 422 naming from", [repr(r)])
    r = tcp_request(d.public_port, "HEAD", q + "Hvor%20ligger%20det")
    t.ok(r.status == 405 and r.headers.get("allow") == "GET",
         "HEAD of a whole reply: 405, Allow: GET (a HEAD would take it "
         "and drop the answer)", [repr(r)])
    t.eq(counts(d), before, "the refused replies changed nothing")

    log = d.log()
    t.ok(not any(x in log for x in ("20304050", "20 30 40 50", "99887766",
                                    "Hvor ligger", "Ærøsalen?")),
         "the log holds neither the numbers nor the texts")


def api_day(days):
    import datetime
    from kursustest import local_now
    day = local_now().date() + datetime.timedelta(days=days)
    return "%s 10:00" % day.isoformat()


def post(d, raw, headers):
    return tcp_request(d.public_port, "POST", "/sms/webhook", raw, headers)


def webhook_story(d, api, gw):
    api.setup(capacity=4)
    s = api.session()
    if s is None:
        return
    reg = api.register(s["id"], {"name": "Karen Øby", "phone": "40506070"})
    pid = reg["participant_id"]
    api.sent(pid, "confirmation", "sms")

    before = counts(d)
    msg = {"from": "+4540506070", "to": SHORT, "text": "x"}
    for desc, (raw, h), status, field in [
            ("a wrong signature", signed(msg, secret="forkert-" * 3),
             401, "X-Kursus-Signature"),
            ("a timestamp 20 minutes old",
             signed(msg, stamp=int(time.time()) - 1200), 401,
             "X-Kursus-Timestamp"),
            ("no timestamp", (json.dumps(msg).encode(),
                              {"Content-Type": "application/json"}),
             401, "X-Kursus-Timestamp"),
            ("a body that is not JSON", signed(b"from=x&text=y"), 400,
             None),
            ("a JSON array", signed(b"[1, 2]"), 400, None),
            ("invalid UTF-8 in the body",
             signed(b'{"from": "+4540506070", "text": "nej \xff"}'), 400,
             None),
            ("no from", signed({"text": "nej"}), 400, "from"),
            ("a number for text", signed({"from": "+4540506070",
                                          "text": 5}), 400, "text"),
            ("10,000 characters", signed({"from": "+4540506070",
                                          "text": "æ" * 10000}), 413,
             "text")]:
        r = post(d, raw, h)
        t.ok(r.status == status and r.json is not None and
             r.json.get("error") and (field is None or
                                      r.json.get("field") == field),
             "webhook with %s: %d%s" % (desc, status,
                                        " naming " + field if field else ""),
             [repr(r)])
    t.eq(counts(d), before, "the refused webhooks changed nothing")

    raw, h = signed({"from": "+4540506070", "to": SHORT, "text": "Nej",
                     "id": "gw-1"})
    r = post(d, raw, h)
    t.ok(r.status == 200 and r.json.get("result") == "cancelled" and
         r.json.get("registration") == reg["id"],
         "a signed \"Nej\": 200, the registration cancelled", [repr(r)])
    t.eq(api.registrations(s["id"])[pid]["cancelled_via"], "sms",
         "cancelled via SMS")
    t.ok(api.sent(pid, "unregistered", "sms") is not None,
         "the SMS back is sent")
    t.ok(any(x["json"] and x["json"].get("recipient") == "+4540506070" and
             "afmeldt" in x["json"].get("message", "")
             for x in gw.requests),
         "through the REST gateway, to her number")
    after = counts(d)
    r = post(d, raw, h)
    t.ok(r.status == 409 and "replay" in r.json.get("error", ""),
         "the same webhook again: 409, a replay", [repr(r)])
    t.eq(counts(d), after, "the replay changed nothing")
    # The gateway sends it again later (its own retry): a new timestamp
    # and signature, the same id.
    reg2 = api.register(s["id"], reg["participant_id"])
    after = counts(d)
    raw, h = signed({"from": "+4540506070", "to": SHORT, "text": "Nej",
                     "id": "gw-1"}, stamp=int(time.time()) + 1)
    r = post(d, raw, h)
    t.ok(r.status == 200 and r.json.get("result") == "duplicate" and
         r.json.get("registration") == reg["id"],
         "the same message id again: 200, a duplicate of what was done",
         [repr(r)])
    t.eq((counts(d), api.registrations(s["id"])[pid]["status"]),
         (after, reg2["status"] if reg2 else None),
         "the new registration stays: nothing cancelled twice")
    # Two people, one phone: whose place is not known.
    ib = api.register(s["id"], {"name": "Ib", "phone": "50607080"})
    else_ = api.register(s["id"], {"name": "Else", "phone": "50607080"},
                         new=True)
    raw, h = signed({"from": "+4550607080", "text": "AFMELD"})
    r = post(d, raw, h)
    regs = api.registrations(s["id"])
    t.ok(r.status == 200 and r.json.get("result") == "inbox" and
         regs[ib["participant_id"]]["status"] == "confirmed" and
         regs[else_["participant_id"]]["status"] == "confirmed",
         "AFMELD from a number two people share: the inbox, both keep "
         "their places", [repr(r)])
    raw, h = signed({"from": "+4540506070", "text": "Tak for sidst"})
    r = post(d, raw, h)
    t.ok(r.status == 200 and r.json.get("result") == "inbox",
         "anything else: 200, into the inbox", [repr(r)])
    r = tcp_request(d.public_port, "GET", "/sms/webhook")
    t.eq(r.status, 405, "GET /sms/webhook: 405")


t.run(lambda: sms_stories(t, kannel_story, webhook_story))
