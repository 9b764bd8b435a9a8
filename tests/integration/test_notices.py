"""
The staff's side of the notifier through kursusctl, against a real kursusd:
reminder rules on a course type, its own message templates, the preview of
what one person would get (Danish date, SMS parts), the call list to print,
the outbox (list, show, retry, cancel), `remind` and `status`.

The first daemon has neither SMTP nor SMS configured, so nothing is sent
and everyone ends up on the call list. The second has an SMTP server that
is not there (a closed port on loopback) and an hour between attempts, so
its messages stay pending: they can be cancelled and retried, and `remind`
ends its wait with messages still waiting.
"""

import datetime
import json
import re

from kursustest import EXIT_ATTENTION, Tap, da_when, free_port, local_now, \
    wait_for, zone

t = Tap()

VENUE = "malernes"
COURSE = "mitid"
# GSM 03.38: the basic set (one septet each) and the extension table
# (an escape and a septet: two each), written out here so that an SMS's
# length is counted without kursusd's own code.
GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./"
             "0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
             "abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = "\f^{}\\[~]|€"


def gsm_units(text):
    """Septets text takes in GSM 03.38, or None when it has a character
    the alphabet lacks (then it would go as UCS-2)."""
    n = 0
    for ch in text:
        if ch in GSM_BASIC:
            n += 1
        elif ch in GSM_EXTENSION:
            n += 2
        else:
            return None
    return n


def setup(d, start):
    """Venue, course type with reminder rules, one session; its id."""
    d.ctl("venue", "add", VENUE, "--name", "Malernes Seniorklub",
          "--address", "Borgergade 1", "--postcode", "8700", "--city",
          "Horsens", "--capacity", "10")
    d.ctl("course", "add", COURSE, "--title", "NemID/MitID for begyndere",
          "--duration", "90m", "--bring", "telefon og nøglekort",
          "--reminders", "email:2d,sms:1d@10:00")
    res = d.ctl("session", "add", "--course", COURSE, "--venue", VENUE,
                "--start", start.strftime("%Y-%m-%d %H:%M"))
    return res.out["sessions"][0]["id"]


def person(d, sid, name, *opts):
    """Registers a new participant; returns their id."""
    res = d.ctl("register", sid, "--name", name, *opts)
    return res.out["participant_id"]


def text(d, *args, ok=True, stdin=None):
    return d.ctl(*args, json=False, ok=ok, stdin=stdin)


def test_course_reminders(d):
    res = d.ctl("course", "show", COURSE)
    t.eq(res.out.get("reminders"), "email:2d,sms:1d@10:00",
         "course add --reminders keeps the rules")
    res = text(d, "course", "show", COURSE)
    t.ok("email:2d,sms:1d@10:00" in res.stdout,
         "course show prints the reminder rules", res.describe())
    res = d.ctl("course", "edit", COURSE, "--reminders", "sms:1x", ok=False)
    t.refused(res, "a bad rule is refused, naming the field",
              ["reminders", "sms:1x"])
    res = d.ctl("course", "edit", COURSE, "--reminders", "none")
    t.eq(res.out.get("reminders"), "", "--reminders none: no reminders")
    res = text(d, "course", "show", COURSE)
    t.ok(re.search(r"reminders:\s+none", res.stdout) is not None,
         "course show says none", res.describe())
    res = d.ctl("course", "edit", COURSE, "--reminders", "")
    t.eq(res.out.get("reminders"), None,
         "--reminders '' on edit goes back to the configured default")
    d.ctl("course", "edit", COURSE, "--reminders", "email:2d,sms:1d@10:00")


def test_preview(d, sid, jorgen, karen, start):
    when = da_when(start)
    res = text(d, "preview", sid, jorgen)
    out = res.stdout
    t.ok(when in out, "preview: the Danish date %r" % when, res.describe())
    t.ok("SMS to: +45 20 30 40 50" in out,
         "preview: SMS by default to the mobile, formatted for Danes",
         res.describe())
    m = re.search(r"^1 SMS \(GSM 03\.38, (\d+) of 160 characters\)$", out,
                  re.M)
    t.ok(m is not None, "preview: one SMS, GSM 03.38, characters counted",
         res.describe())
    res = d.ctl("preview", sid, jorgen)
    t.eq((res.out["channel"], res.out["segments"], res.out["ucs2"]),
         ("sms", 1, False), "preview --json: channel and segments")
    # Counted here from the text itself, not taken from kursusd's answer.
    units = gsm_units(res.out["body"])
    t.ok(units is not None and m is not None and
         int(m.group(1)) == units and res.out["units"] == units,
         "preview: the count printed (and in --json) is the text's length "
         "in GSM 03.38 septets, counted independently",
         ["counted %r, printed %r, --json %r" % (
             units, m and m.group(1), res.out["units"]),
          repr(res.out["body"])])
    t.ok("NemID/MitID for begyndere" in res.out["body"],
         "preview: the course's title in the text")

    res = text(d, "preview", sid, jorgen, "--via", "email", "--kind",
               "confirmation")
    t.ok("E-mail to: jorgen@example.dk" in res.stdout and
         "Subject: " in res.stdout and when in res.stdout,
         "preview --via email: address, subject and date", res.describe())
    t.ok("method=REQUEST" in res.stdout,
         "preview: a confirmation carries an invitation (REQUEST)",
         res.describe())
    res = d.ctl("preview", sid, jorgen, "--via", "email", "--kind",
                "cancellation")
    t.eq(res.out["calendar_method"], "CANCEL",
         "preview --kind cancellation: CANCEL")
    t.ok("BEGIN:VCALENDAR" in (res.out.get("calendar") or ""),
         "preview: the invitation itself is in the answer")
    res = d.ctl("preview", sid, jorgen, "--kind", "staff", "--message",
                "Lokalet er flyttet til 1. sal.")
    t.ok("Lokalet er flyttet til 1. sal." in res.out["body"],
         "preview --kind staff: staff's message in the text")

    res = text(d, "preview", sid, karen)
    t.ok("not sent to them" in res.stdout and "no e-mail address" in res.stdout,
         "preview of a landline-only person: the text, and why it is not "
         "sent", res.describe())
    res = d.ctl("preview", sid, jorgen, "--kind", "birthday", ok=False)
    t.refused(res, "preview --kind birthday is refused, naming kind",
              ["kind", "birthday"])
    res = d.ctl("preview", sid, 999, ok=False)
    t.refused(res, "preview of an unknown participant", ["participant"])


def test_templates(d, sid, jorgen, start):
    res = text(d, "course", "template", "list", COURSE)
    t.ok("No own templates" in res.stdout, "template list: none yet",
         res.describe())
    res = text(d, "course", "template", "set", COURSE, "reminder", "sms",
               "--body", "Hej {first_name}! {course} {date}, {venue}.")
    t.ok("now uses its own sms text for reminder" in res.stdout and
         "Hej Jørgen!" in res.stdout,
         "template set: saved, with a sample", res.describe())
    res = d.ctl("preview", sid, jorgen)
    t.eq(res.out["body"], "Hej Jørgen! NemID/MitID for begyndere %s, "
         "Malernes Seniorklub." % da_when(start),
         "preview uses the course type's own template")
    res = d.ctl("course", "template", "set", COURSE, "reminder", "email",
                "--subject", "Husk {course}", "--body",
                "Kære {name}\nVi ses {dato}.", ok=False)
    t.refused(res, "an unknown placeholder is refused with line and column",
              ["{dato}", "line 2, column 8", "body"])
    res = d.ctl("course", "template", "set", COURSE, "confirmation",
                "email", "--language", "en", "--subject",
                "Welcome to {course}", "--body-file", "-",
                stdin="Dear {name},\nsee you {date}.\n".encode())
    t.eq((res.out.get("kind"), res.out.get("language"),
          res.out.get("subject")),
         ("confirmation", "en", "Welcome to {course}"),
         "template set --body-file - --language en")
    res = d.ctl("course", "template", "list", COURSE)
    t.eq(sorted((x["kind"], x["channel"], x["language"])
                for x in res.out["templates"]),
         [("confirmation", "email", "en"), ("reminder", "sms", "da")],
         "template list: both")
    res = text(d, "course", "template", "list", COURSE)
    t.ok("Welcome to {course}" in res.stdout and "{first_name}" in
         res.stdout, "template list prints the texts", res.describe())
    res = text(d, "course", "template", "unset", COURSE, "reminder", "sms")
    t.ok("built-in" in res.stdout, "template unset", res.describe())
    res = d.ctl("course", "template", "unset", COURSE, "reminder", "sms",
                ok=False)
    t.refused(res, "template unset twice is refused", ["built-in"])
    res = d.ctl("preview", sid, jorgen)
    t.ok(not res.out["body"].startswith("Hej Jørgen!"),
         "preview: the built-in text again")
    text(d, "course", "template", "unset", COURSE, "confirmation", "email",
         "--language", "en")


def test_calllist(d, sid, names):
    res = text(d, "calllist", sid)
    out = res.stdout
    lines = out.split("\n")
    t.ok(lines[0].startswith("Call list for session %s: NemID/MitID for "
                             "begyndere" % sid),
         "calllist: a heading naming the session", res.describe())
    rows = [l for l in lines if any(n in l for n in names)]
    order = [next(n for n in names if n in l) for l in rows]
    t.eq(order, sorted(names, key=str.lower), "calllist: sorted by name")
    karen = next((l for l in rows if "Karen Holm" in l), "")
    t.ok("+45 75 62 00 00" in karen and "landline only" in karen,
         "calllist: Karen, her number for Danes, landline only", out)
    svend = next((l for l in rows if "Svend Åge Lund" in l), "")
    t.ok("no contact details" in svend, "calllist: Svend has no contact "
         "details", out)
    jorgen = next((l for l in rows if "Jørgen Smidstrup" in l), "")
    t.ok("neither SMS nor e-mail is configured" in jorgen,
         "calllist: with nothing configured, everyone is on it", out)
    res = d.ctl("calllist", sid)
    t.eq(sorted(p["name"] for p in res.out["calllist"]),
         sorted(names), "calllist --json: the same people")


def test_outbox(d, sid):
    res = d.ctl("outbox", "--session", sid)
    rows = res.out["outbox"]
    t.ok(rows and all(r["channel"] == "call" and r["state"] == "skipped"
                      for r in rows),
         "outbox: without SMTP or SMS, call-list records only",
         [repr(r) for r in rows[:5]])
    res = d.ctl("outbox", "--state", "lost", ok=False)
    t.refused(res, "outbox --state lost is refused", ["lost", "state"])
    res = d.ctl("outbox", "--kind", "confirmation", "--session", sid)
    got = sorted(r["id"] for r in res.out["outbox"])
    want = sorted(r["id"] for r in rows if r["kind"] == "confirmation")
    t.ok(got and got == want and
         all(r["kind"] == "confirmation" for r in res.out["outbox"]),
         "outbox --kind: the confirmation rows of the unfiltered list, "
         "and only those", ["got %r" % got, "want %r" % want])
    if not rows:
        return
    rid = rows[0]["id"]
    res = text(d, "outbox", "show", rid)
    t.ok(re.search(r"state:\s+skipped", res.stdout) is not None and
         re.search(r"channel:\s+call", res.stdout) is not None,
         "outbox show: every field", res.describe())
    res = d.ctl("outbox", "retry", rid, ok=False)
    t.refused(res, "outbox retry of a call-list record is refused",
              ["call"])
    res = d.ctl("outbox", "cancel", rid, ok=False)
    t.refused(res, "outbox cancel of a skipped record is refused",
              ["skipped"])
    res = d.ctl("outbox", "show", 99999, ok=False)
    t.refused(res, "outbox show of an unknown notice", ["99999"])


def test_remind_nothing_configured(d, sid, names):
    res = text(d, "remind", sid, "--no-wait", ok=None)
    t.eq(res.rc, 1, "remind: exit 1 when someone cannot be reached",
         res.describe())
    t.ok("Nothing sent for session %s" % sid in res.stdout,
         "remind: says nothing was sent", res.describe())
    t.ok("Unreachable: %d" % len(names) in res.stdout and
         "kursusctl calllist %s" % sid in res.stdout,
         "remind: the unreachable, and where the call list is",
         res.describe())
    res = d.ctl("remind", sid, "--no-wait", ok=None)
    try:
        out = json.loads(res.stdout)
    except ValueError:
        out = {}
    t.eq((res.rc, out.get("queued"), len(out.get("unreachable", [])),
          out.get("outbox")), (1, 0, len(names), []),
         "remind --json: queued 0, all unreachable, exit 1")
    res = d.ctl("remind", sid, "--via", "fax", ok=False)
    t.refused(res, "remind --via fax is refused", ["via", "fax"])
    res = d.ctl("remind", sid, "--message", "CPR 010203-1234", ok=False)
    t.refused(res, "remind with a CPR number is refused", ["message"])
    res = d.ctl("remind", sid, "--wait", "5", "--no-wait", ok=False)
    t.refused(res, "remind --wait and --no-wait exclude each other",
              ["--wait", "--no-wait"])


def test_status(d, smtp=None):
    res = text(d, "status", ok=None)
    out = res.stdout
    # The SMTP server given is a closed port: messages wait for it.
    want = 0 if smtp is None else EXIT_ATTENTION
    t.ok(res.rc == want and (want == 0) == (res.err.strip() == ""),
         "status: exit %d%s" % (want, "" if want == 0 else ", saying why"),
         res.describe())
    t.ok(re.search(r"^outbox:\s+\d+ pending, \d+ sending, \d+ failed", out,
                   re.M) is not None, "status: the outbox", res.describe())
    if smtp is None:
        t.ok(re.search(r"^e-mail \(SMTP\):\s+not configured", out, re.M)
             is not None and re.search(r"^SMS gateway:\s+not configured",
                                       out, re.M) is not None,
             "status: neither server configured", res.describe())
    else:
        t.ok(re.search(r"^e-mail \(SMTP\):\s+\S+.*127\.0\.0\.1:%d" % smtp,
                       out, re.M) is not None,
             "status: the SMTP server and its state", res.describe())


def test_unreachable_server(start):
    """SMTP on a closed port: messages stay pending, to cancel and retry."""
    port = free_port()
    d = t.daemon(extra=["smtp.host=127.0.0.1", "smtp.port=%d" % port,
                        "smtp.from=kursus@example.dk",
                        "outbox.retry_seconds=3600",
                        "outbox.probe_seconds=0"])
    sid = setup(d, start)
    p = person(d, sid, "Jørgen Smidstrup", "--email", "jorgen@example.dk")
    person(d, sid, "Karen Holm", "--phone", "75620000", "--landline")

    res = text(d, "remind", sid, "--via", "email", "--wait", "2", ok=None)
    t.eq(res.rc, 1, "remind: exit 1 with messages still waiting",
         res.describe())
    t.ok(re.search(r"Still waiting: 1", res.stdout) is not None,
         "remind: the summary says what is still waiting", res.describe())
    t.ok(re.search(r"^1 message: 0 sent, 0 failed, 1 waiting$", res.err,
                   re.M) is not None,
         "remind: progress lines on stderr (plain when not a terminal)",
         res.describe())
    t.ok("Karen Holm" in res.stdout and "no e-mail address" in res.stdout,
         "remind: the unreachable with the reason", res.describe())
    test_status(d, smtp=port)

    res = d.ctl("outbox", "--kind", "reminder", "--session", sid)
    rows = [r for r in res.out["outbox"] if r["participant_id"] == p and
            r["batch"] is not None]
    if not t.ok(len(rows) == 1, "outbox --kind reminder: the one sent now",
                [repr(r) for r in res.out["outbox"]]):
        return
    rid = rows[0]["id"]

    def pending():
        r = d.ctl("outbox", "show", rid, ok=None)
        return r.rc == 0 and r.out["state"] == "pending" and \
            "waiting for the server" in (r.out["last_error"] or "") and \
            r.out
    row = wait_for(pending, 20)
    t.ok(row and row["attempts"] == 0, "the reminder was tried and waits "
         "for the server, not counted as an attempt (the server's fault, "
         "not the message's)", [repr(row)])
    res = text(d, "outbox", "cancel", rid)
    t.ok("will not be sent" in res.stdout, "outbox cancel", res.describe())
    res = d.ctl("outbox", "show", rid)
    t.eq(res.out["state"], "cancelled", "outbox show: cancelled")
    t.ok(re.fullmatch(r"cancelled by staff \(uid \d+\)",
                      res.out["last_error"] or "") is not None,
         "the reason names the staff member's uid",
         [repr(res.out["last_error"])])
    res = d.ctl("outbox", "cancel", rid, ok=False)
    t.refused(res, "cancelling twice is refused", ["cancelled"])
    res = text(d, "outbox", "retry", rid)
    t.ok("goes out shortly" in res.stdout, "outbox retry", res.describe())
    res = d.ctl("outbox", "show", rid)
    t.ok(res.out["state"] in ("pending", "sending"),
         "retried: pending again", [repr(res.out)])
    res = text(d, "outbox", "show", rid)
    t.ok(re.search(r"subject:\s+\S", res.stdout) is not None or
         "written when the notice is sent" in res.stdout,
         "outbox show prints the text or says it is not written yet",
         res.describe())
    res = text(d, "outbox", "--batch", rows[0]["batch"])
    t.ok(str(rid) in res.stdout, "outbox --batch lists the batch",
         res.describe())


def main():
    d = t.daemon()
    start = (local_now() + datetime.timedelta(days=30)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    start = start.replace(tzinfo=zone())
    sid = setup(d, start)
    test_course_reminders(d)
    jorgen = person(d, sid, "Jørgen Smidstrup", "--phone", "20 30 40 50",
                    "--email", "jorgen@example.dk")
    karen = person(d, sid, "Karen Holm", "--phone", "75620000",
                   "--landline")
    person(d, sid, "Svend Åge Lund", "--no-contact")
    person(d, sid, "Bodil Nej", "--phone", "20304051", "--no-sms")
    names = ["Jørgen Smidstrup", "Karen Holm", "Svend Åge Lund",
             "Bodil Nej"]
    test_preview(d, sid, jorgen, karen, start)
    test_templates(d, sid, jorgen, start)
    test_calllist(d, sid, names)
    test_outbox(d, sid)
    test_remind_nothing_configured(d, sid, names)
    test_status(d)
    test_unreachable_server(start)


t.run(main)
