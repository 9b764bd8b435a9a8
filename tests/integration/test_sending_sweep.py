"""
Rows left "sending" are taken back without a restart. When a batch's
texts cannot be written, its rows are deferred (pending again); when that
deferral and the outcome recorded instead both fail too (the database
locked by another process past the workers' busy wait, the disk full:
here triggers refuse the three writes), the rows stay "sending". A sweep
after the worker's next settle takes them back once the database takes
writes again, tried again on the worker's timer while it does not; the
rows then go, one mail each, nobody twice, and a restart sends nothing
more.

A row the server took is never taken back: with Kannel, an SMS that went
while its outcome could not be settled (its line waits in the SMS
worker's sent log) stays "sending" through the e-mail worker's sweep,
and is settled as sent, not sent again, once the settle succeeds; with
the REST gateway, whose message id is committed with the outcome, an SMS
whose outcome could not be committed is kept "sending", not sent again.
"""

import time

from citizen import mail_daemon
from kursustest import Tap, refuse_writes, wait_for
from servers import Phones, kannel_available, mail_of_row, parse_mail

t = Tap()

LEFT = "left \"sending\" until the database takes writes again"
RETRIED = "taking back messages left \"sending\""
TAKEN = "left \"sending\" taken back; sending again"

# The texts, the deferral that gives the rows back, and the outcome
# recorded instead of the deferral: each refused while on.
REFUSALS = [
    ("test_refuse_texts", "BEFORE INSERT ON outbox_text"),
    ("test_refuse_defer", "BEFORE UPDATE OF state ON outbox WHEN "
     "OLD.state = 'sending' AND NEW.state = 'pending'"),
    ("test_refuse_outcome", "BEFORE INSERT ON outbox_outcome"),
]


def refuse(db, on):
    for name, event in REFUSALS:
        refuse_writes(db, name, event, on)


def refuse_outcomes(db, on):
    """While on, no outcome can be settled: the sent log's lines go into
    outbox_outcome first."""
    refuse_writes(db, "test_refuse_outcome", REFUSALS[2][1], on)


def brief(rows):
    return ["%s %s %s attempts=%s error=%s" % (
        r.get("id"), r.get("kind"), r.get("state"), r.get("attempts"),
        r.get("last_error")) for r in rows]


def main():
    left_behind()
    if not kannel_available():
        t.skip("a sent SMS is not taken back (Kannel)", "kannel or "
               "kannel-extras is not installed (dev/deps)")
    else:
        sent_not_taken(True)
    sent_not_taken(False)


def left_behind():
    rec, srv, d, api = mail_daemon(t, "sweep")
    try:
        api.setup(capacity=8)
        s = api.session()
        pid = d.proc.pid

        refuse(d.db, True)
        people = ["tove0@example.dk", "tove1@example.dk"]
        for i, addr in enumerate(people):
            api.register(s["id"], {"name": "Tove Thorsen %d" % i,
                                   "email": addr})

        # "sending" from the claim on; left so once said in the log.
        wait_for(lambda: d.log(since_start=True).count(LEFT) >= 1 and
                 api.outbox_all(s["id"], 2, "sending")[0], 30, 0.05)
        ok, rows = api.outbox_all(s["id"], 2, "sending")
        t.ok(ok and LEFT in d.log(since_start=True),
             "double failure: texts, deferral and outcome refused, both "
             "rows are left \"sending\", said in the log", brief(rows))
        # The sweep is tried after each batch, refused, and tried again on
        # the worker's timer (after 1 s, 2 s, ...).
        wait_for(lambda: d.log(since_start=True).count(RETRIED) >= 4, 30)
        said = d.log(since_start=True)
        t.ok(said.count(RETRIED) >= 4 and TAKEN not in said,
             "writes refused: the sweep is tried again and takes nothing "
             "back", said.split("\n")[-8:])
        t.eq(len(rec.mails()), 0, "writes refused: no mail is sent")
        t.ok(api.outbox_all(s["id"], 2, "sending")[0],
             "writes refused: the rows stay \"sending\"")

        refuse(d.db, False)
        wait_for(lambda: api.outbox_all(s["id"], 2, "sent")[0], 90, 0.1)
        ok, rows = api.outbox_all(s["id"], 2, "sent")
        t.ok(ok and all(r["attempts"] == 1 for r in rows),
             "writes lifted: both rows sent, at their first attempt",
             brief(rows))
        t.ok(d.running() and d.proc.pid == pid,
             "writes lifted: sent by the same kursusd, not restarted")
        t.ok(TAKEN in d.log(since_start=True),
             "writes lifted: the log says the rows were taken back",
             d.log(since_start=True).split("\n")[-8:])
        time.sleep(1.0)         # whatever else would arrive, arrives
        got = sorted(a for _, rc in rec.envelopes() for a in rc)
        t.eq(got, people, "writes lifted: one mail each, nobody twice")
        for r in rows:
            mails = mail_of_row(rec, r)
            t.eq(len(mails), 1, "outbox %d: one mail carries its "
                 "Message-ID" % r["id"])
            tos = [str(parse_mail(raw)["To"] or "") for raw, _ in mails]
            t.ok(len(tos) == 1 and r["recipient"] in tos[0],
                 "outbox %d: the mail is to its recipient" % r["id"], tos)

        # Nothing was left for a start to send again.
        d.restart()
        time.sleep(2.0)
        t.eq(len(rec.mails()), 2, "restart: nothing is sent again")
        t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")
    finally:
        srv.stop()


def sent_not_taken(kannel):
    """A message the gateway took, not settled, through the e-mail
    worker's sweep: with Kannel its line waits in the SMS worker's sent
    log; the REST gateway's id could not be committed, so it is kept
    "sending" (until the next start)."""
    tmp = t.tempdir()
    phones = Phones(tmp, kannel=kannel)
    if kannel and phones.kannel is None:
        t.ok(False, "Kannel starts", [phones.why or ""])
        phones.stop()
        return
    via = "kannel" if kannel else "rest"
    rec, srv, d, api = mail_daemon(t, "sweep-" + via, phones=phones)
    number = "+4520304050"
    try:
        api.setup(capacity=8)
        s = api.session()

        def rows():
            return {r["channel"]: r for r in api.outbox(session=s["id"])}

        # An SMS goes, but its outcome cannot be settled (Kannel: its
        # line is not applied; REST: its id is not committed).
        refuse_outcomes(d.db, True)
        api.register(s["id"], {"name": "Bent Bach", "phone": "20304050"})
        wait_for(lambda: len(phones.texts(number)) >= 1 and (
            "settling outcomes" if kannel else "could not be recorded") in
            d.log(since_start=True), 30)
        sms = rows().get("sms") or {}
        t.ok(sms.get("state") == "sending" and
             len(phones.texts(number)) == 1, "%s: the SMS went once, its "
             "outcome not settled: \"sending\"" % via, brief([sms]))

        # A mail's batch leaves its row "sending"; the e-mail worker's
        # sweep is refused, then takes that row back, but not the SMS.
        for name, event in REFUSALS[:2]:
            refuse_writes(d.db, name, event, True)
        api.register(s["id"], {"name": "Tove Thorsen",
                               "email": "tove@example.dk"})
        wait_for(lambda: d.log(since_start=True).count(RETRIED) >= 1, 30)
        for name, event in REFUSALS[:2]:
            refuse_writes(d.db, name, event, False)
        wait_for(lambda: len(rec.mails()) >= 1, 60, 0.1)
        said = d.log(since_start=True)
        t.ok(len(rec.mails()) == 1 and "1 message left \"sending\" taken "
             "back" in said, "%s: the sweep takes the mail's row back and "
             "it goes" % via, said.split("\n")[-10:])
        time.sleep(2.5)         # a resent SMS would be there by now
        t.eq(len(phones.texts(number)), 1, "%s: the SMS that went is not "
             "taken back, not sent again" % via)
        t.eq((rows().get("sms") or {}).get("state"), "sending",
             "%s: the SMS row stays \"sending\"" % via)

        refuse_outcomes(d.db, False)
        want = ["sent" if kannel else "sending", "sent"]

        def settled():
            rs = rows()
            return [rs.get(c, {}).get("state") for c in ("sms", "email")] \
                == want
        wait_for(settled, 90, 0.1)
        t.ok(settled(), "%s: settled again: the mail is sent, the SMS %s" %
             (via, "too" if kannel else "kept \"sending\" for the next "
              "start"), brief(list(rows().values())))
        time.sleep(1.0)
        t.eq(len(phones.texts(number)), 1, "%s: one SMS, sent once" % via)
        msgs = rec.messages()
        t.ok(len(msgs) == 1 and "tove@example.dk" in str(msgs[0]["To"]),
             "%s: one mail, to its recipient" % via,
             [str(m["To"]) for m in msgs])
        t.eq(d.stop(), 0, "%s: SIGTERM: kursusd exits 0" % via)
    finally:
        d.stop()
        srv.stop()
        phones.stop()


t.run(main)
