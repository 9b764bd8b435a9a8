"""
A reload that names another feeds.key_file swaps the tokens' key while
feeds are served, registrations seal their tokens on the loop and the
sender's workers open them for the links in messages. Each swap takes
whole: the feeds keep answering (the public ones 200 throughout, a
personal link 200 or 404, never an error), a personal link shown after
each swap works at once, every registration's confirmation goes, and
kursusd runs on and exits 0. (That no use of the key meets a half-made
one is shown by tests/unit/test_token's test_reload_race, under
ThreadSanitizer too; run this under the ASan or TSan build as well.)
"""

import os
import signal
import threading
import time

from citizen import mail_daemon
from kursustest import Tap, tcp_request, wait_for

t = Tap()

SWAPS = 6


def main():
    rec, srv, d, api = mail_daemon(t, "reload", start=False)
    keys = [os.path.join(d.dir, "a.key"), os.path.join(d.dir, "b.key")]
    base = open(d.config).read()

    def use_key(n):
        with open(d.config + ".tmp", "w") as f:
            f.write(base + "[feeds]\nkey_file = %s\n" % keys[n])
        os.rename(d.config + ".tmp", d.config)

    use_key(0)
    d.start()
    stop = threading.Event()
    seen = {"public": {}, "personal": {}, "errors": []}
    personal = {"path": None}

    def fetch():
        while not stop.is_set():
            for what, path in (("public", "/feeds/all.ics"),
                               ("personal", personal["path"])):
                if path is None:
                    continue
                try:
                    r = tcp_request(d.public_port, "GET", path)
                    seen[what][r.status] = seen[what].get(r.status, 0) + 1
                except OSError as e:
                    seen["errors"].append("%s: %s" % (path, e))

    fetcher = threading.Thread(target=fetch, daemon=True)
    try:
        api.setup(capacity=40)
        s = api.session()
        pids = []

        def register(i):
            reg = api.register(s["id"], {
                "name": "Tove Thorsen %d" % i,
                "email": "tove%d@example.dk" % i}) or {}
            pids.append(reg.get("participant_id"))

        def link():
            j = api("GET", "/feeds/participant/%s" % pids[0]) or {}
            return j.get("path")

        register(0)
        personal["path"] = link()
        r = tcp_request(d.public_port, "GET", personal["path"] or "/")
        t.eq(r.status, 200, "key a: the personal link works")
        fetcher.start()
        ok_links = []
        for i in range(1, SWAPS + 1):
            mark = len(d.log())
            use_key(i % 2)
            d.proc.send_signal(signal.SIGHUP)
            # A reload says "configuration reloaded"; only one that keeps
            # the old configuration says "SIGHUP".
            swapped = wait_for(lambda: "configuration reloaded" in
                               d.log()[mark:], 10)
            register(i)
            # The link shown now, sealed under the new key, and read by
            # the public listener under it.
            path = link()
            personal["path"] = path
            r = tcp_request(d.public_port, "GET", path or "/")
            ok_links.append((i, bool(swapped) and path is not None and
                             r.status == 200, r.status))
        time.sleep(0.5)
        stop.set()
        fetcher.join(10)
        t.diag("answers while swapping: public %r, personal %r" % (
            seen["public"], seen["personal"]))
        t.ok(all(ok for _, ok, _ in ok_links),
             "after each swap: the personal link shown then works at once",
             ok_links)
        t.ok(set(seen["public"]) == {200} and sum(
            seen["public"].values()) > SWAPS,
             "during the swaps: the public feed answers 200 each time",
             [repr(seen["public"])])
        t.ok(set(seen["personal"]) <= {200, 404} and not seen["errors"],
             "during the swaps: a personal link answers 200 or 404, never "
             "an error", [repr(seen["personal"])] + seen["errors"][:5])
        t.ok(os.path.exists(keys[0]) and os.path.exists(keys[1]),
             "both key files were read (made at their first use)")
        wait_for(lambda: len(rec.mails()) >= SWAPS + 1, 60, 0.1)
        got = sorted(a for _, rc in rec.envelopes() for a in rc)
        t.eq(got, sorted("tove%d@example.dk" % i
                         for i in range(SWAPS + 1)),
             "every registration's confirmation went, once")
        t.ok(d.running() and "fatal" not in d.log(since_start=True).lower(),
             "kursusd runs on", d.log(since_start=True).split("\n")[-10:])
        t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")
    finally:
        stop.set()
        srv.stop()


t.run(main)
