"""
Every kind of bad input gets a clear error and writes nothing.

Through kursusctl: non-zero exit, nothing on stdout, exactly one line on
stderr naming the field or the value. Through raw HTTP on the admin unix
socket (for what kursusctl cannot send: malformed JSON, unknown fields,
wrong types, oversized bodies, other API versions): the right status and a
JSON {"error", "field"} body. After each refusal, a dump of every table
(sqlite3, read-only) equals the dump before it.

The last part changes data on purpose: lowering a session's capacity
below its confirmed seats is refused (409) without --force and, with it,
moves the latest confirmed registration to the front of the waitlist.
"""

import datetime

from kursustest import Tap, diff_dumps, dst_changes, local_now, \
    next_weekday

t = Tap()


def main():
    d = t.daemon()

    # --- data to be wrong about
    day = next_weekday(local_now().date() + datetime.timedelta(days=14), 1)
    when = "%s 10:00" % day.isoformat()
    d.ctl("venue", "add", "malernes", "--name", "Malernes Seniorklub")
    d.ctl("course", "add", "nemid", "--title", "NemID/MitID for begyndere",
          "--duration", "90m", "--capacity", "3")
    r = d.ctl("session", "add", "--course", "nemid", "--venue", "malernes",
              "--start", when)
    sid = ((r.out or {}).get("sessions") or [{}])[0].get("id")
    r = d.ctl("session", "add", "--course", "nemid", "--venue", "malernes",
              "--start", "%s 13:00" % day.isoformat())
    gone = ((r.out or {}).get("sessions") or [{}])[0].get("id")
    d.ctl("session", "cancel", str(gone), "--reason", "Sygdom")
    pids = []
    for name, phone in (("Anna Andersen", "21000001"),
                        ("Bo Bøgh", "21000002"),
                        ("Carl Ærlig", "21000003"),
                        ("Dorte Dyrby", "21000004")):
        r = d.ctl("register", str(sid), "--name", name, "--phone", phone)
        pids.append((r.out or {}).get("participant_id"))
    if sid is None or gone is None or None in pids:
        raise RuntimeError("the set-up failed")

    state = {"dump": d.dump()}

    def unchanged(what):
        after = d.dump()
        diff = diff_dumps(state["dump"], after)
        state["dump"] = after
        t.ok(not diff, "%s: nothing written" % what, diff)

    def cli(what, args, words):
        """kursusctl ARGS must fail with one line naming words (each a
        string or a tuple of alternatives), and write nothing."""
        r = d.ctl(*args, json=False, ok=None)
        errlines = [l for l in r.err.split("\n") if l.strip()]
        problems = []
        if r.rc == 0 or r.rc is None:
            problems.append("exit status %s, want non-zero" % r.rc)
        if len(errlines) != 1:
            problems.append("%d lines on stderr, want 1" % len(errlines))
        if r.stdout.strip():
            problems.append("something on stdout")
        for w in words:
            alts = w if isinstance(w, tuple) else (w,)
            if not any(a.lower() in r.err.lower() for a in alts):
                problems.append("stderr names none of %r" % (alts,))
        t.ok(not problems, "%s: refused with one clear line" % what,
             problems + r.describe())
        unchanged(what)

    def raw(what, method, path, body, status, field=Ellipsis, words=(),
            headers=None):
        """A raw request over the unix socket must get status and a JSON
        error (naming field, unless field is Ellipsis), writing nothing."""
        try:
            r = d.request(method, path, body, headers)
        except OSError as e:
            t.ok(False, "%s: answered" % what, [repr(e)])
            unchanged(what)
            return None
        j = r.json if isinstance(r.json, dict) else {}
        problems = []
        want = status if isinstance(status, tuple) else (status,)
        if r.status not in want:
            problems.append("status %d, want %s" % (
                r.status, " or ".join(str(w) for w in want)))
        if not isinstance(j.get("error"), str) or "field" not in j:
            problems.append('body is not {"error": ..., "field": ...}')
        if field is not Ellipsis and j.get("field") != field:
            problems.append("field %r, want %r" % (j.get("field"), field))
        for w in words:
            if w.lower() not in (j.get("error") or "").lower():
                problems.append("error does not mention %r" % w)
        if r.headers.get("x-kursus-api") != "1":
            problems.append("no X-Kursus-API: 1 header")
        t.ok(not problems, "%s: %s with a JSON error" % (
            what, " or ".join(str(w) for w in want)),
             problems + ["answer: %r" % r])
        unchanged(what)
        return r

    # --- unknown things
    cli("session add --venue nosuch (unknown venue)",
        ["session", "add", "--course", "nemid", "--venue", "nosuch",
         "--start", when], [("nosuch", "venue")])
    cli("session add --course nosuch (unknown course)",
        ["session", "add", "--course", "nosuch", "--venue", "malernes",
         "--start", when], [("nosuch", "course")])
    cli("register for session 9999 (no such session)",
        ["register", "9999", str(pids[0])], [("9999", "session")])
    cli("register participant 9999 (no such participant)",
        ["register", str(sid), "9999"], [("9999", "participant")])
    cli("unregister someone not registered",
        ["unregister", str(gone), str(pids[0])], [])
    cli("venue show nosuch", ["venue", "show", "nosuch"],
        [("nosuch", "venue")])

    # --- times
    cli("session add with the end before the start",
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", when, "--end", "%s 09:00" % day.isoformat()],
        [("end", "before")])
    cli("session add --start 'next blursday' (bad date text)",
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", "next blursday"], [("blursday", "start")])
    cli("session add --start 2027-02-30 10:00 (no such date)",
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", "2027-02-30 10:00"], [("2027-02-30", "start")])
    cli("session add --start 25:00 (no such hour)",
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", "%s 25:00" % day.isoformat()], [("25:00", "start")])
    # The next spring-forward day: 02:30 does not exist in Copenhagen.
    spring = [c for c in dst_changes(local_now(), 2) if c[3] > c[2]][0]
    gap = "%s 02:30" % spring[1].isoformat()
    cli("session add --start '%s' (inside the DST gap)" % gap,
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", gap], [("02:30", "start", "exist")])
    cli("session move into the DST gap (%s)" % gap,
        ["session", "move", str(sid), "--start", gap],
        [("02:30", "start", "exist")])
    cli("session add --weekly 0", ["session", "add", "--course", "nemid",
                                   "--venue", "malernes", "--start", when,
                                   "--weekly", "0"], [("weekly", "0")])
    cli("session add --repeat without COUNT or UNTIL",
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", when, "--repeat", "FREQ=WEEKLY;BYDAY=TU"],
        [("rrule", "repeat", "count")])

    # --- people
    cli("participant add --phone '12 34' (invalid phone)",
        ["participant", "add", "--name", "Kort Nummer", "--phone", "12 34"],
        [("phone", "12 34")])
    cli("participant add --phone 'abcdefgh' (invalid phone)",
        ["participant", "add", "--name", "Bogstav Nummer", "--phone",
         "abcdefgh"], [("phone", "abcdefgh")])
    cli("register --name ... --phone '123' (invalid phone, no participant "
        "made either)", ["register", str(sid), "--name", "Halv Person",
                         "--phone", "123"], [("phone", "123")])
    cli("participant add --email 'jens.hansen@' (invalid e-mail)",
        ["participant", "add", "--name", "Jens Hansen", "--email",
         "jens.hansen@"], [("email", "e-mail", "jens.hansen@")])
    cli("participant add --email 'jens hansen@example.dk' (invalid e-mail)",
        ["participant", "add", "--name", "Jens Hansen", "--email",
         "jens hansen@example.dk"], [("email", "e-mail")])
    cli("participant add without phone, e-mail or --no-contact",
        ["participant", "add", "--name", "Ingen Kontakt"],
        [("phone", "no_contact", "no-contact")])
    cli("participant add --no-contact with a phone",
        ["participant", "add", "--name", "Både Og", "--phone", "21000009",
         "--no-contact"], [("no_contact", "no-contact")])
    cli("participant add --notes with a CPR number",
        ["participant", "add", "--name", "Kirsten Kure", "--phone",
         "21000010", "--notes", "CPR 010203-1234"], [("cpr", "notes")])
    cli("participant add --name with a CPR number",
        ["participant", "add", "--name", "Kurt 010203-1234", "--phone",
         "21000011"], [("cpr", "name")])
    cli("register --name ... --notes with a CPR number",
        ["register", str(sid), "--name", "Lis Lund", "--phone", "21000012",
         "--notes", "cpr: 311299-4321"], [("cpr", "notes")])
    cli("participant edit --notes with a CPR number",
        ["participant", "edit", str(pids[0]), "--notes", "nr 010203-1234"],
        [("cpr", "notes")])
    # The ways people write one, in every kind of field.
    for field, value in (
            ("--notes", "010203 1234"), ("--notes", "01.02.03-1234"),
            ("--notes", "010203\u20131234"), ("--notes", "010203/1234"),
            ("--notes", "\uff10\uff11\uff10\uff12\uff10\uff13-1234"),
            ("--email", "010203-1234@example.org"),
            ("--email", "anna.01.02.03-1234@example.org")):
        cli("participant add %s %r (a CPR number)" % (field, value),
            ["participant", "add", "--name", "Anna Cpr", "--phone",
             "21000013", field, value], [("cpr", "CPR")])
    cli("instructor add --email with a CPR number",
        ["instructor", "add", "cpr-test", "--name", "Ib Cpr", "--email",
         "010203-1234@example.org"], [("cpr", "email")])
    cli("session add --description with a CPR number",
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", when, "--description", "Kontakt 010203-1234"],
        [("cpr", "description")])
    cli("session add --notes of 2001 bytes",
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", when, "--notes", "x" * 2001], [("notes", "2000")])
    cli("session add --description with a control character",
        ["session", "add", "--course", "nemid", "--venue", "malernes",
         "--start", when, "--description", "a\x07b"],
        [("description", "control")])

    # --- registrations
    cli("register on a cancelled session", ["register", str(gone),
                                            str(pids[0])],
        [("cancel", "session")])
    cli("register someone already registered (double registration)",
        ["register", str(sid), str(pids[0])],
        [("already", "participant")])
    cli("register a waitlisted person again",
        ["register", str(sid), str(pids[3])],
        [("already", "participant")])

    # --- venues and course types
    cli("venue add with a slug that is taken", ["venue", "add", "malernes",
                                               "--name", "Igen"],
        [("malernes", "slug")])
    cli("venue add with an invalid slug", ["venue", "add", "Ugyldig Slug!",
                                          "--name", "X"], [("slug",)])
    cli("course add --capacity 0", ["course", "add", "nul", "--title", "Nul",
                                    "--duration", "60", "--capacity", "0"],
        [("capacity",)])
    cli("course add --duration 0", ["course", "add", "nul", "--title", "Nul",
                                    "--duration", "0"], [("duration",)])
    cli("venue add --timezone Mars/Olympus", ["venue", "add", "mars",
                                             "--name", "Mars",
                                             "--timezone", "Mars/Olympus"],
        [("Mars/Olympus", "timezone")])
    cli("venue remove while sessions use it", ["venue", "remove",
                                              "malernes"],
        [("malernes", "session", "use")])

    # --- the command line itself
    cli("kursusctl nosuchcmd", ["nosuchcmd"], [("nosuchcmd",)])
    cli("kursusctl register without arguments", ["register"],
        [("session",)])
    cli("kursusctl session add without --venue",
        ["session", "add", "--course", "nemid", "--start", when],
        [("--venue", "venue")])
    cli("kursusctl session add --bogus", ["session", "add", "--bogus"],
        [("--bogus",)])
    cli("kursusctl register with an id and --name",
        ["register", str(sid), str(pids[0]), "--name", "To Gange"], [])
    cli("kursusctl session list --from without a value",
        ["session", "list", "--from"], [("--from", "from")])

    # --- raw requests on the admin socket
    raw("POST /v1/venues with malformed JSON", "POST", "/v1/venues",
        b'{"slug": "ny", "name": ', 400)
    raw("POST /v1/venues with a JSON array", "POST", "/v1/venues",
        b'["ny", "Ny"]', 400)
    raw("POST /v1/venues with invalid UTF-8", "POST", "/v1/venues",
        b'{"slug": "ny", "name": "\xff\xfe"}', 400)
    raw("POST /v1/venues with an unknown field", "POST", "/v1/venues",
        {"slug": "ny", "name": "Ny", "colour": "rød"}, 400, "colour",
        ["colour"])
    raw("POST /v1/venues with capacity as text (wrong type)", "POST",
        "/v1/venues", {"slug": "ny", "name": "Ny", "capacity": "otte"}, 400,
        "capacity")
    # A missing required field: api.md lists it under neither 400 nor 422.
    raw("POST /v1/venues without the required name", "POST", "/v1/venues",
        {"slug": "ny"}, (400, 422), "name")
    raw("POST /v1/sessions/<id>/registrations with an unknown field",
        "POST", "/v1/sessions/%d/registrations" % sid,
        {"participant": {"name": "Ny", "phone": "21000020", "cpr": "x"}},
        400, Ellipsis, ["cpr"])
    big = b'{"slug": "stor", "name": "' + b"x" * (70 * 1024) + b'"}'
    raw("POST /v1/venues with a 70 KiB body (over 64 KiB)", "POST",
        "/v1/venues", big, 413)
    raw("GET /v2/status (another API version)", "GET", "/v2/status", None,
        400, Ellipsis,
        ["API version 2 is not supported; this kursusd speaks version 1"])
    raw("POST /v2/venues (another API version)", "POST", "/v2/venues",
        {"slug": "ny", "name": "Ny"}, 400, Ellipsis, ["version 2"])
    raw("GET /v1/nosuch (unknown route)", "GET", "/v1/nosuch", None, 404)
    raw("PUT /v1/venues (method not allowed)", "PUT", "/v1/venues",
        {"slug": "ny", "name": "Ny"}, 405)
    raw("POST /v1/sessions with start in the DST gap", "POST",
        "/v1/sessions", {"course": "nemid", "venue": "malernes",
                         "start": "%sT02:30" % spring[1].isoformat()},
        422, "start")
    raw("POST /v1/sessions with end before start", "POST", "/v1/sessions",
        {"course": "nemid", "venue": "malernes", "start": when,
         "end": "%s 09:59" % day.isoformat()}, 422, "end")
    raw("POST /v1/participants with an invalid phone", "POST",
        "/v1/participants", {"name": "Ny", "phone": "+45 12"}, 422, "phone")
    raw("PATCH /v1/settings number_start below numbers given", "PATCH",
        "/v1/settings", {"number_start": 1}, 409, "number_start")
    raw("PATCH /v1/settings next_number (read-only)", "PATCH",
        "/v1/settings", {"next_number": 5}, 400, "next_number")

    # --- capacity below the confirmed seats: 409, then --force
    s = d.ctl("session", "show", str(sid)).out or {}
    t.eq((s.get("capacity"), s.get("confirmed"), s.get("waitlisted")),
         (3, 3, 1), "session: 3 of 3 confirmed, 1 waitlisted")
    cli("session edit --capacity 2 without --force",
        ["session", "edit", str(sid), "--capacity", "2"],
        [("capacity", "force")])
    raw("PATCH /v1/sessions/<id> capacity 2 without force", "PATCH",
        "/v1/sessions/%d" % sid, {"capacity": 2}, 409, "capacity")

    r = d.ctl("session", "edit", str(sid), "--capacity", "2", "--force")
    t.eq(((r.out or {}).get("capacity"), (r.out or {}).get("confirmed"),
          (r.out or {}).get("waitlisted")), (2, 2, 2),
         "session edit --capacity 2 --force: 2 confirmed, 2 waitlisted")
    wl = (d.ctl("waitlist", str(sid)).out or {}).get("registrations") or []
    t.eq([(w.get("participant_id"), w.get("waitlist_position")) for w in wl],
         [(pids[2], 1), (pids[3], 2)],
         "--force: the latest confirmed (Carl) is first on the waitlist, "
         "ahead of the one already waiting")
    box = (d.ctl("outbox", "--session", str(sid)).out or {}).get(
        "outbox") or []
    t.eq([o.get("participant_id") for o in box if o.get("kind") ==
          "demoted"], [pids[2]], "--force: a demoted notice for Carl")

    # --- a session marked done takes no registrations
    r = d.ctl("session", "edit", str(sid), "--status", "done")
    t.eq((r.out or {}).get("status"), "done", "session edit --status done")
    state["dump"] = d.dump()
    cli("register on a session marked done",
        ["register", str(sid), "--name", "For Sent", "--phone", "21000030"],
        [("done", "session")])
    t.eq(d.stop(), 0, "SIGTERM: exit 0")


t.run(main)
