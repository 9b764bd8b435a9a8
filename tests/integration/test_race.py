"""
Twenty clients race for the last seat. A session with capacity 5 has 4
seats taken; twenty kursusctl processes are started at once (each waits in
a shell on its stdin until all twenty exist, then all are released), each
registering a different new person. Exactly one gets the seat; the other
nineteen are waitlisted at positions 1..19 with no gap and no duplicate;
the running numbers are unique and consecutive, and the order of the
waitlist agrees with the order of the numbers.
"""

import datetime

from kursustest import Tap, ctl_together, local_now, next_weekday, dump_db

t = Tap()

CAPACITY = 5
RACERS = 20


def main():
    d = t.daemon()
    d.ctl("settings", "--number-start", "500")
    d.ctl("venue", "add", "bibliotek", "--name", "Horsens Bibliotek")
    d.ctl("course", "add", "borger-dk", "--title", "borger.dk",
          "--duration", "90m", "--capacity", str(CAPACITY))
    day = next_weekday(local_now().date() + datetime.timedelta(days=10), 2)
    r = d.ctl("session", "add", "--course", "borger-dk", "--venue",
              "bibliotek", "--start", "%s 13:00" % day.isoformat())
    sid = ((r.out or {}).get("sessions") or [{}])[0].get("id")
    if sid is None:
        raise RuntimeError("no session to race for")
    for i in range(CAPACITY - 1):
        d.ctl("register", str(sid), "--name", "Tidlig %d" % (i + 1),
              "--phone", "2000%04d" % i)
    s = d.ctl("session", "show", str(sid)).out or {}
    t.eq((s.get("capacity"), s.get("seats_free")), (CAPACITY, 1),
         "one seat is left of %d" % CAPACITY)

    # Start all twenty, each held in a shell until released together.
    results = ctl_together(d.sock, [
        ["register", sid, "--name", "Kapløber %02d" % (i + 1), "--phone",
         "3100%04d" % i] for i in range(RACERS)])

    failed = [(i, rc, err.strip()) for i, (rc, reg, err) in
              enumerate(results) if rc != 0 or not isinstance(reg, dict)]
    t.ok(not failed, "all %d racing kursusctl register commands succeed "
         "with JSON" % RACERS, [repr(f) for f in failed[:5]])
    regs = [reg for rc, reg, err in results if isinstance(reg, dict)]
    confirmed = [r for r in regs if r.get("status") == "confirmed"]
    waiting = [r for r in regs if r.get("status") == "waitlisted"]
    t.eq(len(confirmed), 1, "exactly one racer gets the last seat")
    t.eq(len(waiting), RACERS - 1, "the other %d are waitlisted" %
         (RACERS - 1))
    t.eq(sorted(r.get("waitlist_position") for r in waiting),
         list(range(1, RACERS)),
         "the answers give waitlist positions 1..%d, no gaps or duplicates"
         % (RACERS - 1))
    numbers = sorted(r.get("number") for r in regs)
    t.eq(numbers, list(range(500 + CAPACITY - 1, 500 + CAPACITY - 1 + RACERS)),
         "running numbers of the racers are unique and consecutive "
         "(%d..%d)" % (500 + CAPACITY - 1, 500 + CAPACITY - 2 + RACERS))
    if confirmed and numbers:
        t.eq(confirmed[0].get("number"), numbers[0],
             "the seat went to the racer whose registration was numbered "
             "first")
    t.eq([r.get("number") for r in sorted(
        waiting, key=lambda r: r.get("waitlist_position") or 0)],
        sorted(r.get("number") for r in waiting),
        "waitlist positions follow the order of the running numbers")

    # The daemon's own view afterwards agrees.
    s = d.ctl("session", "show", str(sid)).out or {}
    t.eq((s.get("seats_taken"), s.get("seats_free"), s.get("confirmed"),
          s.get("waitlisted")), (CAPACITY, 0, CAPACITY, RACERS - 1),
         "session show: full, %d confirmed, %d waitlisted" %
         (CAPACITY, RACERS - 1))
    wl = (d.ctl("waitlist", str(sid)).out or {}).get("registrations") or []
    t.eq([(w.get("waitlist_position"), w.get("id")) for w in wl],
         [(i + 1, r.get("id")) for i, r in enumerate(sorted(
             waiting, key=lambda r: r.get("waitlist_position") or 0))],
         "waitlist lists the nineteen in the positions their answers gave")

    # And the database: one live registration per person, numbers unique,
    # one notice per racer.
    db = dump_db(d.db)
    reg_rows = [r for r in db.get("registration", []) if r[1] == sid]
    t.eq(len(reg_rows), CAPACITY - 1 + RACERS,
         "the database holds %d registrations for the session" %
         (CAPACITY - 1 + RACERS))
    box = (d.ctl("outbox", "--session", str(sid)).out or {}).get(
        "outbox") or []
    racer_ids = {r.get("id") for r in regs}
    kinds = sorted(o.get("kind") for o in box
                   if o.get("registration_id") in racer_ids)
    t.eq(kinds, ["confirmation"] + ["waitlisted"] * (RACERS - 1),
         "outbox: one confirmation and %d waitlisted notices for the racers"
         % (RACERS - 1))

    # The seat holder cancels: the first in the queue moves up.
    first = min(waiting, key=lambda r: r.get("waitlist_position") or 99)
    r = d.ctl("unregister", str(sid), str(confirmed[0].get("participant_id")))
    t.eq([x.get("id") for x in (r.out or {}).get("promoted") or []],
         [first.get("id")], "a cancellation promotes waitlist position 1")
    wl = (d.ctl("waitlist", str(sid)).out or {}).get("registrations") or []
    t.eq([w.get("waitlist_position") for w in wl], list(range(1, RACERS - 1)),
         "the waitlist closes up: positions 1..%d" % (RACERS - 2))

    # Companions keep their place: a waitlisted couple that does not fit
    # the one free seat is not jumped by the single person behind them.
    r = d.ctl("session", "add", "--course", "borger-dk", "--venue",
              "bibliotek", "--start", "%s 15:00" % day.isoformat(),
              "--capacity", "3")
    q = ((r.out or {}).get("sessions") or [{}])[0].get("id")
    who = {}
    for name, phone, extra in (("Alene Først", "32000001", []),
                               ("Par Først", "32000002", ["--companion"]),
                               ("Par Bagefter", "32000003", ["--companion"]),
                               ("Alene Sidst", "32000004", [])):
        g = d.ctl("register", str(q), "--name", name, "--phone", phone,
                  *extra).out or {}
        who[name] = g
    t.eq([(n, who[n].get("status"), who[n].get("waitlist_position"))
          for n in ("Alene Først", "Par Først", "Par Bagefter",
                    "Alene Sidst")],
         [("Alene Først", "confirmed", None), ("Par Først", "confirmed",
                                                None),
          ("Par Bagefter", "waitlisted", 1), ("Alene Sidst", "waitlisted",
                                               2)],
         "companions: 1 + 2 seats confirmed, a couple and a single wait")
    r = d.ctl("unregister", str(q), str(who["Alene Først"].get(
        "participant_id")))
    t.eq((r.out or {}).get("promoted"), [],
         "one seat free: the couple first in line does not fit, and the "
         "single behind them does not jump the queue")
    r = d.ctl("unregister", str(q), str(who["Par Først"].get(
        "participant_id")))
    t.eq([x.get("participant_name") for x in (r.out or {}).get("promoted")
          or []], ["Par Bagefter", "Alene Sidst"],
         "three seats free: the couple and then the single move up")
    t.eq(d.stop(), 0, "SIGTERM: exit 0")


t.run(main)
