"""
One person per caller, with the real daemon and kursusctl: a caller
registered again by name and phone (written another way) or e-mail (in
another case) is the participant already known; another name on the same
number is refused with the matches and the way out (--participant, --new);
two desks registering the same caller at once make one participant with
one seat; `participant merge` moves registrations with their running
numbers and refuses two seats in one session; a registration is named by
its kursist nr. as well as by participant id.
"""

import datetime
import sqlite3

from kursustest import (Tap, ctl_together, db_rows, local_now,
                        next_weekday, wait_for)

t = Tap()


def session(d, day_offset, hour, capacity=None):
    day = next_weekday(local_now().date() + datetime.timedelta(
        days=day_offset), 1)
    args = ["session", "add", "--course", "mitid", "--venue", "bibliotek",
            "--start", "%s %02d:00" % (day.isoformat(), hour)]
    if capacity:
        args += ["--capacity", str(capacity)]
    r = d.ctl(*args)
    return ((r.out or {}).get("sessions") or [{}])[0].get("id")


def people(d):
    return db_rows(d.db, "SELECT id, name, phone, email FROM participant "
                   "WHERE anonymised_at IS NULL ORDER BY id")


def live_seats(d, sid):
    return db_rows(d.db, "SELECT participant_id, number FROM registration "
                   "WHERE session_id = ? AND status != 'cancelled' "
                   "ORDER BY id", (sid,))


def test_returning_caller(d, s1, s2, s3):
    r = d.ctl("register", s1, "--name", "Jørgen Smidstrup", "--phone",
              "20 30 40 50")
    jorgen = (r.out or {}).get("participant_id")
    t.ok(jorgen and (r.out or {}).get("participant_known") is False,
         "a first call creates the participant", r.describe())

    # The same man rings again, his number written another way.
    r = d.ctl("register", s2, "--name", "jørgen smidstrup", "--phone",
              "+45 2030 4050", json=False)
    t.ok(r.rc == 0 and "Jørgen Smidstrup (participant %s) is known "
         "already" % jorgen in r.stdout and "Created" not in r.stdout and
         "registered for session %s" % s2 in r.stdout,
         "the same name and number is the participant already known",
         r.describe())
    t.eq(len(people(d)), 1, "still one participant")

    # Joergen for Jørgen, and by e-mail in another case.
    d.ctl("participant", "edit", jorgen, "--email", "Jorgen@Example.DK")
    r = d.ctl("register", s3, "--name", "Joergen Smidstrup", "--email",
              "JORGEN@example.dk")
    t.ok(r.out and r.out.get("participant_id") == jorgen and
         r.out.get("participant_known") is True,
         "Joergen with the e-mail in capitals is Jørgen", r.describe())

    # Once more for a session he holds: refused, naming the seat.
    r = d.ctl("register", s1, "--name", "Jørgen Smidstrup", "--phone",
              "20304050", ok=False, json=False)
    t.refused(r, "a second seat in one session is refused",
              ["participant %s" % jorgen, "already registered",
               "session %s" % s1, "kursist nr."])
    t.eq(len(live_seats(d, s1)), 1, "one seat for him in session %s" % s1)
    return jorgen


def test_another_name(d, s1, jorgen):
    # His wife on the shared landline.
    r = d.ctl("register", s1, "--name", "Karen Smidstrup", "--phone",
              "20304050", ok=False, json=False)
    t.refused(r, "another name on a known number is refused with the "
              "matches and the choices",
              ["+4520304050", "Jørgen Smidstrup", "participant %s" % jorgen,
               "--participant ID", "--new"])
    t.eq(len(people(d)), 1, "the refusal created nobody")
    r = d.ctl("register", s1, "--name", "Karen Smidstrup", "--phone",
              "20304050", "--landline", "--new")
    karen = (r.out or {}).get("participant_id")
    t.ok(karen and karen != jorgen and r.out.get("participant_known") is
         False, "--new registers her as a new participant", r.describe())
    r = d.ctl("register", s1, "--participant", jorgen, ok=False,
              json=False)
    t.refused(r, "--participant ID is one seat too", ["already registered"])
    r = d.ctl("register", s1, "1", "--participant", jorgen, ok=False,
              json=False)
    t.ok(r.rc == 64, "a participant given twice is a usage error",
         r.describe())
    # Now two people share the number: a third name lists both.
    r = d.ctl("register", s1, "--name", "Ole Smidstrup", "--phone",
              "20304050", ok=False, json=False)
    t.refused(r, "a third name lists both who have the number",
              ["Jørgen Smidstrup", "Karen Smidstrup"])
    return karen


def test_add(d, jorgen):
    """participant add does not make a known person twice either."""
    before = len(people(d))
    r = d.ctl("participant", "add", "--name", "Jørgen Smidstrup",
              "--phone", "2030 4050", ok=False, json=False)
    t.refused(r, "participant add of someone known is refused, naming them",
              ["participant %s" % jorgen, "known already", "--new"])
    r = d.ctl("participant", "add", "--name", "Ib Smidstrup", "--phone",
              "2030 4050", ok=False, json=False)
    t.refused(r, "participant add of another name on a known number is "
              "refused with the matches", ["Jørgen Smidstrup", "--new"])
    t.eq(len(people(d)), before, "the refusals made nobody")
    r = d.ctl("participant", "add", "--name", "Ib Smidstrup", "--phone",
              "2030 4050", "--landline", "--new")
    t.ok(r.rc == 0 and (r.out or {}).get("phone") == "+4520304050",
         "participant add --new makes him", r.describe())


def test_at_once(d, sid):
    """Two desks register the same new caller at the same moment."""
    results = ctl_together(d.sock, [
        ["register", sid, "--name", "Åse Ærø", "--phone", phone] for phone in
        ("31 41 51 61", "+4531415161", "31415161", "3141 5161")])
    codes = [r[0] for r in results]
    errs = [r[2] for r in results]
    ase = [p for p in people(d) if p[2] == "+4531415161"]
    seats = [s for s in live_seats(d, sid)
             if ase and s[0] == ase[0][0]]
    t.ok(len(ase) == 1 and len(seats) == 1 and sorted(codes) ==
         [0, 1, 1, 1] and all("already registered" in e for e, c in
                              zip(errs, codes) if c != 0),
         "four desks at once: one participant, one seat, three refusals",
         ["exit codes %s" % codes, "people %s" % ase, "seats %s" % seats]
         + errs)


def test_numbers(d, sid):
    d.ctl("register", sid, "--name", "Bent Nummer", "--phone", "40404040")
    d.ctl("register", sid, "--name", "Birte Nummer", "--phone", "40404041")
    seats = live_seats(d, sid)
    bent_pid, bent_nr = seats[-2]
    birte_pid, birte_nr = seats[-1]
    r = d.ctl("unregister", sid, "nr:%d" % bent_nr, json=False)
    t.ok(r.rc == 0 and "Bent Nummer (participant %d, kursist nr. %d) "
         "unregistered from session %s" % (bent_pid, bent_nr, sid)
         in r.stdout, "unregister SESSION nr:NUMBER", r.describe())
    r = d.ctl("unregister", sid, "--number", birte_nr, json=False)
    t.ok(r.rc == 0 and "kursist nr. %d" % birte_nr in r.stdout,
         "unregister SESSION --number NUMBER", r.describe())
    r = d.ctl("unregister", sid, "nr:%d" % birte_nr, ok=False, json=False)
    t.refused(r, "a cancelled number is named as a kursist nr.",
              ["kursist nr. %d" % birte_nr, "not registered",
               "cancelled"])
    # A number given where an id is expected: the message says which.
    seats = live_seats(d, sid)
    pid, nr = seats[0]
    r = d.ctl("unregister", sid, nr, ok=False, json=False)
    t.refused(r, "a kursist nr. given as a participant id is explained",
              ["participant %d is not registered" % nr,
               "kursist nr. %d" % nr, "nr:%d" % nr])
    r = d.ctl("unregister", sid, "nr:x", ok=False, json=False)
    t.ok(r.rc == 64, "nr: without a number is a usage error", r.describe())


def test_merge(d, s1, s2, s3):
    r = d.ctl("register", s1, "--name", "Grethe Hansen", "--phone",
              "50505050")
    a = r.out["participant_id"]
    a_nr = r.out["number"]
    r = d.ctl("register", s2, "--name", "Grete Hansen", "--email",
              "grete@example.dk")
    b = r.out["participant_id"]
    b_nr = r.out["number"]
    r = d.ctl("register", s3, b)
    b3_nr = r.out["number"]
    r = d.ctl("participant", "merge", a, b, json=False)
    t.ok(r.rc == 0 and "Participant %d merged into Grethe Hansen "
         "(participant %d): 2 registrations moved" % (b, a) in r.stdout,
         "participant merge KEEP OTHER", r.describe())
    r = d.ctl("participant", "show", a)
    regs = sorted((x["session_id"], x["number"]) for x in
                  (r.out or {}).get("registrations", []))
    t.eq(regs, sorted([(s1, a_nr), (s2, b_nr), (s3, b3_nr)]),
         "the kept participant holds all three with their kursist nr.")
    t.eq(((r.out or {}).get("phone"), (r.out or {}).get("email")),
         ("+4550505050", "grete@example.dk"),
         "the kept participant took over the e-mail it lacked")
    con = sqlite3.connect(d.db)
    rec = con.execute("SELECT kept_id, merged_id, registrations FROM "
                      "participant_merge").fetchall()
    gone = con.execute("SELECT anonymised_at IS NOT NULL, phone, email FROM "
                       "participant WHERE id = ?", (b,)).fetchone()
    con.close()
    t.eq(rec, [(a, b, 2)], "the merge is recorded")
    t.eq(gone, (1, None, None), "the merged record keeps nothing personal")

    # Both in one session: refused, naming it, nothing changed.
    r = d.ctl("register", s1, "--name", "Poul Dobbelt", "--phone", "60606060")
    c = r.out["participant_id"]
    r = d.ctl("register", s1, "--name", "Poul Dobbelt", "--phone",
              "60606061", "--email", "poul@example.dk")
    e = r.out["participant_id"]
    before = live_seats(d, s1)
    r = d.ctl("participant", "merge", c, e, ok=False, json=False)
    t.refused(r, "a merge of two seats in one session is refused",
              ["session %s" % s1, "kursist nr."])
    t.eq(live_seats(d, s1), before, "the refused merge changed nothing")
    r = d.ctl("participant", "merge", c, c, ok=False, json=False)
    t.refused(r, "a participant is not merged with itself", ["itself"])
    r = d.ctl("participant", "merge", c, 99999, ok=False, json=False)
    t.refused(r, "a merge with nobody is refused", ["99999"])


def words_upto(d):
    return db_rows(d.db, "SELECT CAST(value AS INTEGER) FROM settings "
                   "WHERE key = 'words_upto'")[0][0]


def last_id(d):
    return db_rows(d.db, "SELECT max(id) FROM participant")[0][0]


def load(db, first, n):
    """n people written without kursusd, as sqlite3 would."""
    con = sqlite3.connect(db, timeout=30)
    con.executemany(
        "INSERT INTO participant (name, phone, phone_type, created_at, "
        "updated_at) VALUES (?, ?, 'mobile', strftime('%s'), "
        "strftime('%s'))",
        [("Indlæst %d" % i, "+4560%06d" % i) for i in range(first,
                                                              first + n)])
    con.commit()
    con.close()


def found(d, what, query, key="id"):
    r = d.ctl(what, "list", "--search", query)
    return sorted(x[key] for x in (r.out or {}).get(what + "s", []))


def test_search(d, jorgen):
    for q in ("20 30 40 50", "+45 20304050", "20304050", "0045 2030 4050",
              "Jorgen", "Joergen", "Jørgen", "JØRGEN", "jørgen SMIDSTRUP",
              "smid", "example.dk"):
        t.ok(jorgen in found(d, "participant", q),
             "participant list --search %r finds Jørgen" % q)
    for q in ("Karen Jørgen", "40 50", "Jorgensen", "zzz"):
        t.ok(jorgen not in found(d, "participant", q),
             "participant list --search %r does not find Jørgen" % q)
    for q in ("Åse", "aase", "ase", "AERO", "ærø"):
        t.eq([n for n in [x for x in (d.ctl("participant", "list",
             "--search", q).out or {}).get("participants", [])]
              if n["name"] == "Åse Ærø"].__len__(), 1,
             "participant list --search %r finds Åse Ærø" % q)
    # New people's words go into the index 256 at a time (issue 9); until
    # then a search reads them row by row. Both ways find the same people.
    waiting = last_id(d) - words_upto(d)
    t.ok(0 < waiting < 256, "the last few people's words wait",
         [words_upto(d), last_id(d)])
    codes = set()
    n = max(256 - waiting, 0)
    for i in range(n):
        codes.add(d.request("POST", "/v1/participants", {
            "name": "Ny Deltager %d" % i, "phone": "3100%04d" % i}).status)
    t.eq((codes, words_upto(d)), ({201}, last_id(d)), "%d more, so that "
         "256 wait: that batch writes everyone's words" % n)
    codes = {d.request("POST", "/v1/participants", {
        "name": "Ny Deltager %d" % n, "phone": "3100%04d" % n}).status}
    t.eq((codes, last_id(d) - words_upto(d)), ({201}, 1),
         "one more: their words wait again")
    t.ok(("smidstrup",) in db_rows(d.db, "SELECT word FROM participant_word "
                                   "WHERE participant_id = ?", (jorgen,)),
         "Jørgen's words are in the index")
    for q in ("20304050", "Joergen", "smid"):
        t.ok(jorgen in found(d, "participant", q),
             "from the index too, participant list --search %r finds "
             "Jørgen" % q)
    r = d.request("GET", "/v1/participants?q=deltager&limit=300")
    t.eq(len((r.json or {}).get("participants", [])), n + 1,
         "a search finds all %d, from the index and row by row" % (n + 1))
    r = d.request("GET", "/v1/participants?q=smidstrup&limit=1")
    body = r.json or {}
    t.ok(r.status == 200 and len(body.get("participants", [])) == 1 and
         body.get("more") is True, "a search answers at most limit, and "
         "says there is more", [r.status, body])
    r = d.request("GET", "/v1/participants?q=smidstrup&limit=0")
    t.eq(r.status, 422, "limit 0 is refused")
    r = d.ctl("participant", "list", "--search", "Jørgen", json=False)
    t.ok(r.rc == 0 and "Jørgen Smidstrup" in r.stdout and "+4520304050" in
         r.stdout, "the table shows him", r.describe())
    d.ctl("venue", "add", "aarhus", "--name", "Århus Hovedbibliotek",
          "--city", "Aarhus C")
    d.ctl("course", "add", "post", "--title", "Digital Post for øvede",
          "--duration", "90m")
    for q in ("århus", "Aarhus", "ARHUS", "hovedbib"):
        t.eq(found(d, "venue", q, "slug"), ["aarhus"],
             "venue list --search %r" % q)
    for q in ("ovede", "øvede", "OEVEDE", "digital post"):
        t.eq(found(d, "course", q, "slug"), ["post"],
             "course list --search %r" % q)
    t.eq(found(d, "course", "mitid post", "slug"), [],
         "every word of a search must match")


def test_loaded(d):
    """People written without kursusd (a bulk load) are found after a
    restart, which indexes them once enough wait; and when loaded while
    kursusd runs, after the next registration."""
    d.stop()
    con = sqlite3.connect(d.db)
    con.execute("INSERT INTO participant (name, phone, phone_type, "
                "created_at, updated_at) VALUES ('Søren Indlæst', "
                "'+4570707070', 'mobile', strftime('%s'), strftime('%s'))")
    con.commit()
    pid = con.execute("SELECT max(id) FROM participant").fetchone()[0]
    con.close()
    load(d.db, 0, 300)
    d.start()
    t.ok(wait_for(lambda: words_upto(d) == last_id(d), 20),
         "after a restart, 300 loaded people are indexed",
         [words_upto(d), last_id(d)])
    t.eq(found(d, "participant", "soeren indlaest"), [pid],
         "a participant loaded with sqlite3 is found after a restart")
    t.eq(found(d, "participant", "70 70 70 70"), [pid],
         "and by his phone")

    # A few registrations wait (fewer than 256); then, while kursusd
    # runs, 2,100 people are loaded behind them: more than a search reads
    # row by row. The next registration's batch starts the catch-up.
    for i in range(3):
        d.request("POST", "/v1/participants", {
            "name": "Vent Nr %d" % i, "phone": "3200%04d" % i})
    waiting = last_id(d)
    t.ok(words_upto(d) < waiting, "three registrations' words wait")
    load(d.db, 1000, 2100)
    r = d.request("POST", "/v1/participants", {"name": "Efter Læsningen",
                                               "phone": "32009999"})
    t.eq(r.status, 201, "a registration after the load", r.status)
    t.ok(wait_for(lambda: words_upto(d) == last_id(d), 30),
         "the loaded 2,100 are indexed while kursusd runs",
         [words_upto(d), last_id(d)])
    t.eq(len(found(d, "participant", "vent nr")), 3,
         "the three registered before the load are found")
    t.eq(len(found(d, "participant", "indlaest 3099")), 1,
         "and the last one loaded")


def main():
    d = t.daemon()
    d.ctl("settings", "--number-start", "3000")
    d.ctl("venue", "add", "bibliotek", "--name", "Horsens Bibliotek")
    d.ctl("course", "add", "mitid", "--title", "MitID", "--duration", "90m")
    s1 = session(d, 10, 10)
    s2 = session(d, 17, 10)
    s3 = session(d, 24, 10)
    jorgen = test_returning_caller(d, s1, s2, s3)
    test_another_name(d, s1, jorgen)
    test_add(d, jorgen)
    test_at_once(d, s2)
    test_numbers(d, s3)
    test_merge(d, s1, s2, s3)
    test_search(d, jorgen)
    test_loaded(d)


t.run(main)
