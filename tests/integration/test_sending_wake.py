"""
The sender's timer wakes the workers of the channels with rows due, and
no others; a row of the other channel coming due later is still sent when
it comes due, even while the workers woken are busy a long while (here
the only e-mail connection waits for a server that never greets it,
before any message holds the seal). A worker that is done says so and
the timer is armed again; the busy one cannot, so the timer arms itself
for the next row to come due.
"""

import time

from citizen import API, library_opts
from kursustest import Tap, wait_for
from servers import RestGateway, SilentServer

t = Tap()

WAIT = 2                # library_opts()' retry_max_seconds: the SMS's wait
SILENT = 15             # smtp.timeout: the e-mail worker's wait


def main():
    srv = SilentServer()
    gw = RestGateway()
    d = t.daemon(extra=library_opts(srv.port) + [
        "smtp.timeout=%d" % SILENT, "smtp.connections=1",
        "sms.driver=rest", "sms.url=" + gw.url, "sms.sender=Bibliotek",
        'sms.body={"recipient": "{to}", "message": "{text}"}',
        "outbox.probe_seconds=0"])
    api = API(d, "wake")
    try:
        api.setup(capacity=8)
        s = api.session()

        def rows(channel):
            return [r for r in api.outbox(session=s["id"])
                    if r.get("channel") == channel]

        # The gateway answers 500 for a number ending in 500: the SMS
        # waits WAIT seconds for it, pending.
        api.register(s["id"], {"name": "Sms Signe", "phone": "20405500"})
        wait_for(lambda: len(gw.requests) >= 1 and any(
            r["state"] == "pending" for r in rows("sms")), 20)
        t.eq(len(gw.requests), 1, "the SMS went to the gateway once, and "
             "waits for it", [repr(rows("sms"))[:300]])

        # A mail due now: only the e-mail worker is woken, and its only
        # connection waits SILENT seconds for the server's greeting.
        api.register(s["id"], {"name": "Mail Mette",
                               "email": "mette@example.dk"})
        t.ok(wait_for(lambda: srv.accepted >= 1, 20),
             "the e-mail worker connected to the silent server")
        busy = time.monotonic()

        # The SMS comes due while the e-mail worker still waits.
        wait_for(lambda: len(gw.requests) >= 2, 2 * WAIT)
        took = time.monotonic() - busy
        mail = [r["state"] for r in rows("email")]
        t.ok(len(gw.requests) >= 2 and took < SILENT - 2 and
             mail == ["sending"],
             "the SMS that came due while the e-mail worker was busy "
             "went again when due, not once the e-mail worker was done",
             ["gateway requests: %d after %.1f s; the mail %s" % (
                 len(gw.requests), took, mail)])
        t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")
    finally:
        srv.stop()
        gw.stop()


t.run(main)
