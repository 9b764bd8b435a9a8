"""
A batch whose texts cannot be written into its rows is not sent. The
worker claims the rows, composes their messages and writes the texts
into outbox_text in one transaction before anything goes out; when that
transaction fails (the database locked past the workers' busy wait, the
disk full: here a trigger refuses the texts), none of the batch is sent.
Each row waits as pending again, its attempt given back, and goes once
the texts can be written: one mail each, nobody twice.
"""

import time

from citizen import mail_daemon
from kursustest import Tap, refuse_writes, wait_for

t = Tap()

NOTE = "their texts could not be written"


def refuse_texts(db, refuse):
    """While refused, every write of a message's texts fails."""
    refuse_writes(db, "test_refuse_texts", "BEFORE INSERT ON outbox_text",
                  refuse)


def brief(rows):
    return ["%s %s %s attempts=%s next=%s error=%s" % (
        r.get("id"), r.get("kind"), r.get("state"), r.get("attempts"),
        r.get("next_attempt"), r.get("last_error")) for r in rows]


def main():
    rec, srv, d, api = mail_daemon(t, "texts")
    try:
        api.setup(capacity=8)
        s = api.session()

        refuse_texts(d.db, True)
        for i in range(2):
            api.register(s["id"], {"name": "Tove Thorsen %d" % i,
                                   "email": "tove%d@example.dk" % i})
        # Three batches at least: the two registrations' rows are
        # claimed (in one batch or two), refused and given back, then
        # claimed again after their wait.
        wait_for(lambda: d.log(since_start=True).count(NOTE) >= 3, 30)
        said = d.log(since_start=True)
        t.ok(said.count(NOTE) >= 3 and "refused by the test" in said,
             "texts refused: the worker says the batch was not sent, and "
             "tries again after the wait", said.split("\n")[-6:])
        time.sleep(0.3)
        t.eq(len(rec.mails()), 0, "texts refused: no mail is sent")

        wait_for(lambda: api.outbox_all(s["id"], 2, "pending")[0], 10, 0.05)
        ok, rows = api.outbox_all(s["id"], 2, "pending")
        t.ok(ok and all(r["attempts"] == 0 for r in rows),
             "texts refused: the rows wait as pending, no attempt counted",
             brief(rows))

        refuse_texts(d.db, False)
        wait_for(lambda: len(rec.mails()) >= 2, 30)
        wait_for(lambda: api.outbox_all(s["id"], 2, "sent")[0], 20)
        ok, rows = api.outbox_all(s["id"], 2, "sent")
        t.ok(ok and all(r["attempts"] == 1 for r in rows),
             "texts written again: both sent, at their first attempt",
             brief(rows))
        time.sleep(0.5)         # whatever else would arrive, arrives
        got = sorted(a for _, rc in rec.envelopes() for a in rc)
        t.eq(got, ["tove0@example.dk", "tove1@example.dk"],
             "texts written again: one mail each, nobody twice")
        for r in rows:
            shown = api("GET", "/outbox/%d" % r["id"]) or {}
            t.ok(shown.get("body"),
                 "outbox %d: its text is in the row" % r["id"],
                 [repr(shown)[:300]])
        t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")
    finally:
        srv.stop()


t.run(main)
