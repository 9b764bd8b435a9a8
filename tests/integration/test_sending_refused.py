"""
A mail the server refuses only at the end of its data (its "."), after
kursusd took the seal for it (sender.c: a crash repeats at most one
message): a 554 fails the row at once with the stage and the server's
words, a 452 leaves it pending to go again, and the seal is given back
either way, so the mails queued behind it and those after still go. A
451 to the DATA command itself (no seal taken: no data was read) leaves
the row pending too.
"""

from citizen import API, library_opts
from kursustest import Tap, wait_for
from servers import Recorder, SMTPServer

t = Tap()

SPAM = "554 5.7.1 Rejected: looks like spam"
FULL = "452 4.3.1 Insufficient system storage"
LATER = "451 4.7.1 Try again later"


def main():
    rec = Recorder(t.tempdir(), data_script={"afvist@example.dk": [SPAM],
                                             "fuld@example.dk": [FULL]},
                   command_script={"senere@example.dk": [LATER]})
    srv = SMTPServer(rec)
    d = t.daemon(extra=library_opts(srv.port) + [
        "smtp.timeout=5", "smtp.connections=2", "sms.driver=none"])
    api = API(d, "refused")
    try:
        api.setup(capacity=8)
        sid = api.session()["id"]
        people = ["afvist", "fuld", "senere", "glad"]
        pids = {}
        for who in people:
            reg = api.register(sid, {"name": who.capitalize() + " Ærø",
                                     "email": who + "@example.dk"})
            pids[who] = (reg or {}).get("participant_id")
        rows = {}

        def settled():
            for r in api.outbox(session=sid):
                if r.get("channel") == "email":
                    rows[r.get("participant_id")] = r
            return len(rows) == 4 and all(
                r["state"] in ("sent", "failed") for r in rows.values())
        wait_for(settled, 30, 0.1)
        seen = ["%s: %s attempts=%s error=%s" % (
            who, rows.get(pids[who], {}).get("state"),
            rows.get(pids[who], {}).get("attempts"),
            rows.get(pids[who], {}).get("last_error")) for who in people]
        a = rows.get(pids["afvist"], {})
        err = a.get("last_error") or ""
        t.ok(a.get("state") == "failed" and a.get("attempts") == 1 and
             err.startswith("DATA: 554") and "looks like spam" in err,
             "554 to the data: the row failed at once, with the stage and "
             "the server's words", seen)
        f = rows.get(pids["fuld"], {})
        t.ok(f.get("state") == "sent" and f.get("attempts") == 2,
             "452 to the data: the row went again, and the second time "
             "it was sent", seen)
        f = rows.get(pids["senere"], {})
        t.ok(f.get("state") == "sent" and f.get("attempts") == 2,
             "451 to the DATA command: the row went again, and the second "
             "time it was sent", seen)
        g = rows.get(pids["glad"], {})
        t.ok(g.get("state") == "sent" and g.get("attempts") == 1,
             "the mail beside them was sent at the first attempt", seen)
        t.eq([len(rec.to(who + "@example.dk")) for who in people],
             [0, 1, 1, 1], "delivered: none refused, each other one once")

        # The seal came back after each refusal: a mail queued now goes.
        reg = api.register(sid, {"name": "Efter Ærø",
                                 "email": "efter@example.dk"})
        t.ok(api.sent((reg or {}).get("participant_id"), "confirmation",
                      "email") is not None and
             wait_for(lambda: len(rec.to("efter@example.dk")) == 1, 10),
             "a mail queued after the refusals is sent")
        t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")
    finally:
        srv.stop()


t.run(main)
