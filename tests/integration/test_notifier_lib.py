"""
The notifier library against real servers on loopback, driven through
tests/notifier/notify-send: aiosmtpd for SMTP (accepting, answering 451
to RCPT twice, answering 550, refusing the DATA command with 554 and the
data with 554 and 452, and a socket that never answers), Kannel's
bearerbox and smsbox with fakesmsc as the operator, and a small REST
gateway. Mails are judged by Python's email package and python3-icalendar.
"""

import email
import email.policy
import os
import random
import re
import subprocess
import time

from kursustest import BUILDDIR, Tap, free_port, wait_for
from servers import Kannel, Recorder, RestGateway, SMTPServer, \
    SilentServer, fakesmsc_text, invitation_problems, kannel_available, \
    mime_problems

t = Tap()
NOTIFY_SEND = os.path.join(BUILDDIR, "tests", "notifier", "notify-send")

SUBJECT = "Påmindelse: IT-café for øvede på torsdag"
FROM_NAME = "Horsens Bibliotek – Kurser på Ærø"
TO_NAME = "Søren Ågård Ørsted"
BODY = ("Kære Søren Ågård Ørsted\n\nVi glæder os til at se dig torsdag "
        "den 3. december kl. 10.00 i Borgergade 1, 8700 Horsens.\n"
        "Husk at tage din bærbare med. Æbleskiver og kaffe.\n\n"
        "Med venlig hilsen\nHorsens Bibliotek\n")
UID = "session-42-reg-7@kursusd.test"

def calendar_text(method, sequence):
    return "\r\n".join([
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//kursusd//test//DA",
        "METHOD:%s" % method,
        "BEGIN:VEVENT",
        "UID:%s" % UID,
        "SEQUENCE:%d" % sequence,
        "DTSTAMP:20261128T100000Z",
        "DTSTART:20261203T090000Z",
        "DTEND:20261203T110000Z",
        "SUMMARY:IT-café for øvede",
        "LOCATION:Horsens Bibliotek\\, Borgergade 1",
        "ORGANIZER;CN=Horsens Bibliotek:mailto:kursus@bib.example",
        "ATTENDEE;CN=Søren;RSVP=FALSE:mailto:soren@example.dk",
        "STATUS:%s" % ("CANCELLED" if method == "CANCEL" else "CONFIRMED"),
        "END:VEVENT",
        "END:VCALENDAR",
        ""])


def run(args, timeout=30):
    """Run notify-send; return (rc, [result lines], stderr, seconds)."""
    start = time.monotonic()
    p = subprocess.run([NOTIFY_SEND] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    took = time.monotonic() - start
    out = p.stdout.decode("utf-8", "replace")
    return (p.returncode, [l for l in out.split("\n") if l],
            p.stderr.decode("utf-8", "replace"), took)


def results(lines):
    """["1 OK ...", ...] -> [("OK", "..."), ...]"""
    res = []
    for line in lines:
        parts = line.split(" ", 2)
        res.append((parts[1] if len(parts) > 1 else "?",
                    parts[2] if len(parts) > 2 else ""))
    return res


# --------------------------------------------------------------------------
# SMTP (the servers are in servers.py)


def mail_args(port, extra=()):
    return ["mail", "--host", "127.0.0.1", "--port", str(port),
            "--from", "kursus@bib.example", "--from-name", FROM_NAME,
            "--reply-to", "info@bib.example",
            "--to", "soren@example.dk", "--to-name", TO_NAME,
            "--subject", SUBJECT, "--body", BODY,
            "--timeout", "3"] + list(extra)


def check_mail(raw, desc, method=None, sequence=None):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    problems = []
    if str(msg["Subject"]) != SUBJECT:
        problems.append("Subject %r" % str(msg["Subject"]))
    frm = msg["From"].addresses[0] if msg["From"] else None
    if frm is None or frm.display_name != FROM_NAME or \
            frm.addr_spec != "kursus@bib.example":
        problems.append("From %r" % (frm,))
    to = msg["To"].addresses[0] if msg["To"] else None
    if to is None or to.display_name != TO_NAME:
        problems.append("To %r" % (to,))
    if str(msg["Reply-To"]) != "info@bib.example":
        problems.append("Reply-To %r" % msg["Reply-To"])
    if str(msg["Auto-Submitted"]) != "auto-generated":
        problems.append("Auto-Submitted %r" % msg["Auto-Submitted"])
    if str(msg["MIME-Version"]) != "1.0":
        problems.append("MIME-Version %r" % msg["MIME-Version"])
    if msg["Date"] is None or msg["Date"].datetime is None:
        problems.append("Date %r" % msg["Date"])
    if not re.match(r"^<[^<>@\s]+@[^<>@\s]+>$", str(msg["Message-ID"])):
        problems.append("Message-ID %r" % msg["Message-ID"])
    # The raw headers are 7-bit: the æøå travel RFC 2047-encoded.
    head = raw.split(b"\r\n\r\n", 1)[0]
    if any(b > 127 for b in head):
        problems.append("8-bit bytes in the header")
    if b"=?" not in head:
        problems.append("no RFC 2047 encoded word in the header")
    if any(b > 127 for b in raw):
        problems.append("8-bit bytes in the message")
    if b"\n" in raw.replace(b"\r\n", b""):
        problems.append("bare LF in the message")
    plain = msg.get_body(preferencelist=("plain",))
    if plain is None:
        problems.append("no text/plain part")
    else:
        if plain.get_content_charset() != "utf-8":
            problems.append("text/plain charset %r" %
                            plain.get_content_charset())
        text = plain.get_content().replace("\r\n", "\n")
        if text != BODY:
            problems.append("body %r" % text)
    cals = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    if method is None:
        if cals:
            problems.append("a text/calendar part where none was asked")
        if msg.get_content_type() != "text/plain":
            problems.append("content type %s" % msg.get_content_type())
    else:
        # The shape mail programs expect of an invitation, the text
        # first (no HTML asked for).
        problems += mime_problems(msg, method, html=False)
        problems += invitation_problems(msg, method, UID, sequence,
                                        summary="IT-café for øvede")
    t.ok(not problems, desc, problems)


def test_smtp(tmp):
    d = os.path.join(tmp, "smtp-ok")
    os.mkdir(d)
    rec = Recorder(d)
    srv = SMTPServer(rec)
    try:
        rc, lines, err, _ = run(mail_args(srv.port))
        t.ok(rc == 0 and results(lines) == [("OK", "")],
             "smtp: a plain mail is accepted", lines + [err])
        mails = wait_for(lambda: rec.mails() or None, 5) or []
        t.eq(len(mails), 1, "smtp: the server got one mail")
        if mails:
            check_mail(mails[0], "smtp: plain mail: headers decode, "
                       "Danish body intact, no calendar")

        for i, (method, seq) in enumerate((("REQUEST", 0),
                                           ("REQUEST", 1),
                                           ("CANCEL", 2))):
            ics = os.path.join(tmp, "invite-%d.ics" % i)
            with open(ics, "w", encoding="utf-8") as f:
                f.write(calendar_text(method, seq))
            rc, lines, err, _ = run(mail_args(srv.port, [
                "--calendar", ics, "--method", method]))
            t.ok(rc == 0, "smtp: invitation %s SEQUENCE %d accepted" %
                 (method, seq), lines + [err])
        mails = wait_for(lambda: len(rec.mails()) >= 4 and rec.mails(), 5) \
            or rec.mails()
        t.eq(len(mails), 4, "smtp: the server has four mails")
        for raw, (method, seq) in zip(mails[1:], (("REQUEST", 0),
                                                 ("REQUEST", 1),
                                                 ("CANCEL", 2))):
            check_mail(raw, "smtp: %s part with METHOD, UID, SEQUENCE %d "
                       "parses" % (method, seq), method, seq)

        # One connection for a batch.
        before = len(rec.mails())
        rc, lines, err, _ = run(mail_args(srv.port, ["--count", "25"]))
        res = results(lines)
        t.ok(rc == 0 and len(res) == 25 and all(r[0] == "OK" for r in res),
             "smtp: a batch of 25 is accepted, one line each", lines[:5])
        mails = rec.mails()
        t.eq(len(mails) - before, 25, "smtp: 25 mails arrived")
        ids = set()
        for raw in mails[before:]:
            m = email.message_from_bytes(raw, policy=email.policy.default)
            ids.add(str(m["Message-ID"]))
        t.eq(len(ids), 25, "smtp: each mail of the batch has its own "
             "Message-ID")
        # Lines of a lone dot survive: libesmtp dot-stuffs them.
        dots = "Linje 1\n.\n..to prikker\n.\nslut\n"
        before = len(rec.mails())
        args = mail_args(srv.port)
        args[args.index("--body") + 1] = dots
        rc, lines, err, _ = run(args)
        mails = rec.mails()
        body = None
        if rc == 0 and len(mails) == before + 1:
            m = email.message_from_bytes(mails[-1],
                                         policy=email.policy.default)
            body = m.get_body(("plain",)).get_content().replace("\r\n",
                                                                 "\n")
        t.eq(body, dots, "smtp: lines holding dots arrive intact",
             lines + [err])
        env = rec.envelopes()[0] if rec.envelopes() else None
        t.eq(env, ("kursus@bib.example", ["soren@example.dk"]),
             "smtp: envelope sender and recipient")
    finally:
        srv.stop()


def test_smtp_connections(tmp):
    """The batch uses one connection: count sessions with a handler that
    notes HELO/EHLO."""
    d = os.path.join(tmp, "smtp-conn")
    os.mkdir(d)

    class Counting(Recorder):
        ehlo = 0

        async def handle_EHLO(self, server, session, envelope, hostname,
                              responses):
            Counting.ehlo += 1
            session.host_name = hostname
            return responses

    rec = Counting(d)
    srv = SMTPServer(rec)
    try:
        rc, lines, err, _ = run(mail_args(srv.port, ["--count", "10"]))
        t.ok(rc == 0 and len(lines) == 10, "smtp: batch of 10 sent",
             lines + [err])
        t.eq(Counting.ehlo, 1, "smtp: the batch of 10 used one session")
    finally:
        srv.stop()


def one_session(tmp, name, count, **recorder):
    """count mails in one session to a Recorder(**recorder) in tmp/name:
    (exit code, results, the lines and stderr, mails delivered)."""
    d = os.path.join(tmp, name)
    os.mkdir(d)
    rec = Recorder(d, **recorder)
    srv = SMTPServer(rec)
    try:
        rc, lines, err, _ = run(mail_args(srv.port, ["--count",
                                                     str(count)]))
        return rc, results(lines), lines + [err], len(rec.mails())
    finally:
        srv.stop()


def test_smtp_failures(tmp):
    # 451 to RCPT twice, then accepted: TEMPORARY, TEMPORARY, OK.
    d = os.path.join(tmp, "smtp-451")
    os.mkdir(d)
    rec = Recorder(d, rcpt_fail=["451 4.7.1 Greylisted, try again later"] * 2)
    srv = SMTPServer(rec)
    try:
        seen = []
        for attempt in range(3):
            rc, lines, err, _ = run(mail_args(srv.port))
            seen.append(results(lines))
        t.ok(seen[0] and seen[0][0][0] == "TEMPORARY" and
             "451" in seen[0][0][1] and "Greylisted" in seen[0][0][1],
             "smtp 451: first attempt TEMPORARY with the server's words",
             [repr(seen)])
        t.ok(seen[1] and seen[1][0][0] == "TEMPORARY",
             "smtp 451: second attempt TEMPORARY", [repr(seen)])
        t.ok(seen[2] == [("OK", "")], "smtp 451: third attempt OK",
             [repr(seen)])
        t.eq(len(rec.mails()), 1, "smtp 451: delivered exactly once")
    finally:
        srv.stop()

    rc, res, said, got = one_session(tmp, "smtp-550", 2, reject=(
        "550 5.1.1 <soren@example.dk>: no such user"))
    t.ok(rc != 0 and len(res) == 2 and
         all(r[0] == "PERMANENT" and "550" in r[1] and
             "no such user" in r[1] for r in res),
         "smtp 550: PERMANENT with the server's words", said)
    t.eq(got, 0, "smtp 550: nothing delivered")

    # Refused at the end of the data (its "."), in one session of three:
    # 554 PERMANENT, 452 TEMPORARY, each with the server's words and the
    # stage, and the third message still goes.
    rc, res, said, got = one_session(tmp, "smtp-data", 3, data_script={
        "soren@example.dk": ["554 5.7.1 Rejected: looks like spam",
                             "452 4.3.1 Insufficient system storage"]})
    t.ok(rc != 0 and len(res) == 3 and res[0][0] == "PERMANENT" and
         res[0][1].startswith("DATA: 554") and
         "looks like spam" in res[0][1],
         "smtp 554 to the data: PERMANENT, the stage and the server's "
         "words", said)
    t.ok(len(res) == 3 and res[1][0] == "TEMPORARY" and
         res[1][1].startswith("DATA: 452") and "Insufficient" in res[1][1],
         "smtp 452 to the data: TEMPORARY, the stage and the server's "
         "words", said)
    t.ok(len(res) == 3 and res[2] == ("OK", ""),
         "smtp data refused: the session's next message still goes", said)
    t.eq(got, 1, "smtp data refused: one delivered")

    # The DATA command itself refused (no 354), then accepted.
    rc, res, said, got = one_session(
        tmp, "smtp-data-command", 2, command_script={
            "soren@example.dk": ["554 5.5.1 Error: no valid recipients"]})
    t.ok(rc != 0 and len(res) == 2 and res[0][0] == "PERMANENT" and
         res[0][1].startswith("DATA: 554") and
         "no valid recipients" in res[0][1] and res[1] == ("OK", ""),
         "smtp 554 to the DATA command: PERMANENT with the server's "
         "words; the next message goes", said)
    t.eq(got, 1, "smtp DATA command refused: one delivered")

    silent = SilentServer()
    try:
        rc, lines, err, took = run(mail_args(silent.port, [
            "--timeout", "2", "--count", "3"]))
        res = results(lines)
        t.ok(len(res) == 3 and all(r[0] == "SERVER" for r in res),
             "smtp silent server: SERVER (the server's fault, not the "
             "message's)", lines + [err])
        t.ok(took < 10, "smtp silent server: gave up within the timeout "
             "(%.1f s for 2 s)" % took)
    finally:
        silent.stop()

    port = free_port()
    rc, lines, err, took = run(mail_args(port))
    res = results(lines)
    t.ok(len(res) == 1 and res[0][0] == "SERVER" and res[0][1],
         "smtp refused connection: SERVER with a reason", lines + [err])
    t.ok(took < 5, "smtp refused connection: quick (%.1f s)" % took)


def test_smtp_auth(tmp):
    from aiosmtpd.smtp import AuthResult
    d = os.path.join(tmp, "smtp-auth")
    os.mkdir(d)
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login == b"kursus" and
              auth_data.password == b"hemmeligt \xc3\xa6\xc3\xb8\xc3\xa5")
        seen.append((mechanism, ok))
        return AuthResult(success=ok)

    rec = Recorder(d)
    srv = SMTPServer(rec, authenticator=authenticator, auth_required=True,
                     auth_require_tls=False)
    try:
        rc, lines, err, _ = run(mail_args(srv.port, [
            "--user", "kursus", "--password", "hemmeligt æøå"]))
        t.ok(rc == 0 and results(lines) == [("OK", "")],
             "smtp AUTH: accepted with user and password", lines + [err] +
             [repr(seen)])
        t.ok(seen and all(ok for _, ok in seen),
             "smtp AUTH: the server saw the right credentials", repr(seen))
        rc, lines, err, _ = run(mail_args(srv.port, [
            "--user", "kursus", "--password", "forkert"]))
        res = results(lines)
        t.ok(rc != 0 and res and res[0][0] == "SERVER",
             "smtp AUTH: a wrong password is not delivered, and is the "
             "settings' fault (SERVER), not the message's", lines + [err])
        t.eq(len(rec.mails()), 1, "smtp AUTH: one mail delivered")
        rc, lines, err, _ = run(mail_args(srv.port, ["--starttls",
                                                     "required"]))
        res = results(lines)
        t.ok(rc != 0 and res and res[0][0] == "SERVER" and
             "STARTTLS" in res[0][1],
             "smtp: starttls required but not offered: SERVER, says so",
             lines + [err])
    finally:
        srv.stop()


# --------------------------------------------------------------------------
# SMS


SMS_TEXT = "Hej Søren! Husk IT-café i morgen kl. 10.00. Æbler & \"kaffe\" {x}"


def rest_args(port, to, text=SMS_TEXT, extra=()):
    return ["sms", "--driver", "rest",
            "--url", "http://127.0.0.1:%d/v1/sms" % port,
            "--user", "kursus", "--password", "tok\u00e6n-123",
            "--header", "Authorization: Bearer {password}",
            "--body", '{"recipient": "{to}", "sender": "{from}", '
                      '"message": "{text}", "meta": ["kursusd", "{to}"]}',
            "--sender", "Bibliotek", "--to", to, "--text", text,
            "--timeout", "3"] + list(extra)


def test_rest(tmp):
    gw = RestGateway()
    try:
        rc, lines, err, _ = run(rest_args(gw.port, "+4512345678"))
        res = results(lines)
        t.ok(rc == 0 and res == [("OK", "msg-1")],
             "rest: 200 is OK with the gateway's id", lines + [err])
        req = gw.requests[0] if gw.requests else {}
        doc = req.get("json") or {}
        t.eq((doc.get("recipient"), doc.get("sender"), doc.get("message"),
              doc.get("meta")),
             ("+4512345678", "Bibliotek", SMS_TEXT, ["kursusd",
                                                    "+4512345678"]),
             "rest: the JSON body carries number, sender and the text "
             "(quotes, braces, æøå) intact")
        t.eq(req.get("headers", {}).get("Authorization"),
             "Bearer tok\u00e6n-123".encode("utf-8").decode("latin-1"),
             "rest: the configured header with the password")
        t.eq(req.get("headers", {}).get("Content-Type"), "application/json",
             "rest: Content-Type application/json")
        for to, want in (("+4512345429", "TEMPORARY"),
                         ("+4512345500", "SERVER"),
                         ("+4512345400", "PERMANENT")):
            rc, lines, err, _ = run(rest_args(gw.port, to))
            res = results(lines)
            t.ok(rc != 0 and len(res) == 1 and res[0][0] == want and
                 to[-3:] in res[0][1],
                 "rest: HTTP %s is %s with the status in the error" %
                 (to[-3:], want), lines + [err])
        rc, lines, err, _ = run(rest_args(gw.port, "+4512345400"))
        t.ok("invalid recipient" in (lines[0] if lines else ""),
             "rest: the gateway's words are in the error", lines)
    finally:
        gw.stop()

    port = free_port()
    rc, lines, err, took = run(rest_args(port, "+4512345678"))
    res = results(lines)
    t.ok(len(res) == 1 and res[0][0] == "SERVER",
         "rest: refused connection is SERVER", lines + [err])

    silent = SilentServer()
    try:
        rc, lines, err, took = run(rest_args(silent.port, "+4512345678",
                                             extra=["--timeout", "2"]))
        res = results(lines)
        t.ok(len(res) == 1 and res[0][0] == "SERVER" and took < 8,
             "rest: a gateway that never answers is SERVER within the "
             "timeout (%.1f s)" % took, lines + [err])
    finally:
        silent.stop()


# --------------------------------------------------------------------------
# Kannel


def kannel_args(port, to, text, user="kursus", password="hemmelig"):
    return ["sms", "--driver", "kannel",
            "--url", "http://127.0.0.1:%d/cgi-bin/sendsms" % port,
            "--user", user, "--password", password, "--sender", "Bibliotek",
            "--to", to, "--text", text, "--timeout", "5"]


kannel = None


def test_kannel(tmp):
    global kannel
    if not kannel_available():
        t.skip("kannel", "kannel or kannel-extras is not installed")
        return
    kannel = Kannel(os.path.join(tmp, "kannel"))
    up = kannel.start()
    t.ok(up, "kannel: bearerbox, smsbox and fakesmsc run", kannel.why)
    if not up:
        return
    sendsms = kannel.sendsms

    cases = [
        ("+4520304050", "Hej Søren! Husk IT-café i morgen kl. 10.00 på "
         "Horsens Bibliotek. Æbleskiver & kaffe."),
        ("+4520304051", "Kurset er aflyst – vi beklager. ☕"),
    ]
    for to, text in cases:
        rc, lines, err, _ = run(kannel_args(sendsms, to, text))
        res = results(lines)
        t.ok(rc == 0 and len(res) == 1 and res[0][0] == "OK",
             "kannel: sendsms to %s accepted" % to, lines + [err])
    got = wait_for(lambda: len(kannel.got()) >= 2 and kannel.got(), 10) \
        or kannel.got()
    t.eq(len(got), 2, "kannel: the operator side got two messages",
         kannel.log("fakesmsc.out", 1500))
    if len(got) < 2:
        for name in ("bearerbox.log", "smsbox.log"):
            t.diag_lines(kannel.log(name, 4000), 30)
    for (to, text), msg in zip(cases, got):
        t.eq((msg[0], msg[1]), ("Bibliotek", to),
             "kannel: sender and number arrive as given (%s)" % to)
        t.eq(fakesmsc_text(msg[2], msg[3]), text,
             "kannel: the text arrives intact as %s" % msg[2])
    if len(got) == 2:
        t.eq((got[0][2], got[1][2]), ("text", "ucs-2"),
             "kannel: æøå go as GSM text, other letters force UCS-2")

    rc, lines, err, _ = run(kannel_args(sendsms, "+4520304050", "x",
                                        password="forkert"))
    res = results(lines)
    t.ok(rc != 0 and len(res) == 1 and res[0][0] == "SERVER" and
         "403" in res[0][1],
         "kannel: a wrong password is SERVER (the settings'), 403",
         lines + [err])
    rc, lines, err, _ = run(kannel_args(sendsms, "", "x"))
    res = results(lines)
    t.ok(rc != 0 and len(res) == 1 and res[0][0] == "PERMANENT",
         "kannel: no number is PERMANENT", lines + [err])

    kannel.stop()
    rc, lines, err, _ = run(kannel_args(sendsms, "+4520304050", "x"))
    res = results(lines)
    t.ok(len(res) == 1 and res[0][0] == "SERVER",
         "kannel: smsbox down is SERVER", lines + [err])


# --------------------------------------------------------------------------
# A batch made by one mail_builder (as the daemon's workers make it) against
# each mail made on its own by mail_build(), as before builders


def people_file(path, people):
    with open(path, "wb") as f:
        for p in people:
            for field in p:
                f.write(field.encode("utf-8") + b"\0")


def split_printed(out):
    """notify-send --people output: each mail after a line with its
    length."""
    mails = []
    while out:
        head, rest = out.split(b"\n", 1)
        n = int(head)
        mails.append(rest[:n])
        out = rest[n:]
    return mails


def normalised(raw):
    """The bytes less what is unique to each mail: the Date and
    Message-ID headers out, the boundaries named by their order."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        raw = raw.replace(part.get_boundary().encode(),
                          b"BOUNDARY-%d" % i)
    head, body = raw.split(b"\r\n\r\n", 1)
    head = re.sub(rb"(?mi)^(date|message-id):[^\r]*\r\n([ \t][^\r]*\r\n)*",
                  b"", head + b"\r\n")
    return head + b"\r\n" + body


def parsed(raw):
    """What the email package reads: headers (less Date and Message-ID)
    and each part's type, parameters (less boundary), encoding and
    decoded content."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    heads = [(k, re.sub(r';\s*boundary="[^"]*"', "", str(v)))
             for k, v in msg.items()
             if k.lower() not in ("date", "message-id")]
    parts = []
    for part in msg.walk():
        params = [(k, v) for k, v in part.get_params() or []
                  if k != "boundary"]
        content = None if part.is_multipart() else part.get_content()
        parts.append((part.get_content_type(), params,
                      part.get("Content-Transfer-Encoding"),
                      part.get_content_disposition(),
                      part.get_filename(), content))
    return heads, parts


def test_batch_build(tmp):
    names = [("soren@example.dk", TO_NAME),
             ("anna@example.dk", "Anna Jensen"),
             ("bo@example.dk", ""),
             ("ellen.margrethe@example.dk",
              "Ellen Margrethe Kirstine Østergaard-Bøgh Å. Lindholm"),
             ("kim@example.dk", "Kim \"K\" Ø, Ærø")]
    people = []
    for i, (addr, name) in enumerate(names):
        body = BODY.replace("Søren Ågård Ørsted", name or "deltager")
        if i == 2:
            # ASCII only: 7bit, where the others are quoted-printable
            body = "Dear participant\n\nSee you on Thursday.\n"
        if i == 3:
            body += "Linje med et langt ord: " + "æ" * 90 + "\n.\n"
        cal = calendar_text("REQUEST", i).replace(
            "ATTENDEE;CN=Søren;RSVP=FALSE:mailto:soren@example.dk",
            "ATTENDEE;CN=%s;RSVP=FALSE:mailto:%s" % (name or addr, addr))
        if i == 1:
            cal = ""        # another shape: no calendar
        people.append((addr, name, SUBJECT.replace("torsdag",
                       "torsdag %d" % i), body, cal))
    # and the first again, after the shape changed back
    people.append(people[0])
    path = os.path.join(tmp, "people")
    people_file(path, people)
    common = ["mail", "--people", path, "--from", "kursus@bib.example",
              "--from-name", FROM_NAME, "--reply-to", "info@bib.example",
              "--subject", "-", "--body", "-", "--method", "REQUEST",
              "--lang", "da"]
    for html in ([], ["--html"]):
        what = "with HTML" if html else "text only"
        out = {}
        for how in ("batch", "fresh"):
            p = subprocess.run([NOTIFY_SEND] + common + html +
                               (["--fresh"] if how == "fresh" else []),
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            out[how] = split_printed(p.stdout) if p.returncode == 0 \
                else []
        t.eq((len(out["batch"]), len(out["fresh"])),
             (len(people), len(people)),
             "batch-built mails (%s): one per person either way" % what)
        for i, (b, f) in enumerate(zip(out["batch"], out["fresh"])):
            t.eq(parsed(b), parsed(f), "batch-built mail %d (%s) reads "
                 "as the one made on its own: headers, parts, encodings, "
                 "texts" % (i + 1, what))
            t.ok(normalised(b) == normalised(f), "batch-built mail %d "
                 "(%s): the same bytes but for Date, Message-ID and "
                 "boundaries" % (i + 1, what),
                 [normalised(b)[:2000], normalised(f)[:2000]])
        if out["batch"]:
            bounds = [m.get_boundary() for m in
                      (email.message_from_bytes(raw,
                                                policy=email.policy.default)
                       for raw in out["batch"]) if m.is_multipart()]
            t.eq(len(set(bounds)), len(bounds), "batch-built mails (%s): "
                 "each has boundaries of its own" % what)


def test_batch_random(tmp):
    """A longer batch of people drawn at random (a fixed seed): names that
    fold, quote and encode, texts that share most lines and differ in
    some, lines with dots, "From ", CR, trailing blanks and long words,
    calendars or none, the subject changing now and then; the builder's
    mails the same bytes as mail_build()'s (less Date, Message-ID and
    boundaries) in four shapes."""
    rnd = random.Random(9)
    bits = ["Søren", "Ågård", "\"K\"", ",", "(x)", "\\", "=?utf-8?q?x?=",
            "a" * 40, "Ø" * 30, " ", "Jørgen-Hansen", ".", "<", "@", ";",
            "é", "日本", "'", "Anna"]
    lines = ["Kære {n}", "", ".", ". prik", "From her", "a" * 100,
             "æ" * 80, "blanke  ", "tab\t", "=3D", "x\r",
             "http://bib.example/afmeld/abc", "Med venlig hilsen",
             "Horsens Bibliotek"]
    people, subject = [], SUBJECT
    for i in range(30):
        addr = "p%d@example.dk" % i
        name = "".join(rnd.choice(bits) for _ in range(rnd.randint(0, 6)))
        body = "\n".join(rnd.choice(lines).replace("{n}", name)
                         for _ in range(rnd.randint(0, 25)))
        if rnd.random() < 0.7:
            body += "\n"
        cal = "" if rnd.random() < 0.3 else "\r\n".join(
            ["BEGIN:VCALENDAR", "METHOD:REQUEST",
             "DESCRIPTION:" + "Vi gennemgår MitID trin for trin. " *
             rnd.randint(0, 9),
             "SUMMARY:IT-café " + "x" * rnd.randint(0, 90),
             "ATTENDEE;CN=%s:mailto:%s" % (name, addr), "END:VCALENDAR",
             ""])
        if rnd.random() < 0.2:
            subject = rnd.choice([SUBJECT, "ascii", "Lang " + "ø" * 50])
        people.append((addr, name, subject, body, cal))
    path = os.path.join(tmp, "people-random")
    people_file(path, people)
    for extra in ([], ["--html"], ["--lang", "en"],
                  ["--html", "--method", "CANCEL"]):
        out = {}
        for how in ("batch", "fresh"):
            p = subprocess.run(
                [NOTIFY_SEND, "mail", "--people", path, "--from",
                 "kursus@bib.example", "--from-name", FROM_NAME,
                 "--reply-to", "info@bib.example", "--subject", "-",
                 "--body", "-", "--method", "REQUEST"] + extra +
                (["--fresh"] if how == "fresh" else []),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            out[how] = split_printed(p.stdout) if p.returncode == 0 \
                else []
        differ = [i + 1 for i, (b, f) in
                  enumerate(zip(out["batch"], out["fresh"]))
                  if normalised(b) != normalised(f)]
        t.ok(len(out["batch"]) == len(out["fresh"]) == len(people) and
             not differ, "random batch %s: each mail the same bytes as "
             "made on its own" % (" ".join(extra) or "(text only)"),
             ["mails differing: %s" % differ])


def main():
    if not os.access(NOTIFY_SEND, os.X_OK):
        t.ok(False, "notify-send is built (%s)" % NOTIFY_SEND)
        return
    tmp = t.tempdir()
    try:
        test_batch_build(tmp)
        test_batch_random(tmp)
        test_smtp(tmp)
        test_smtp_connections(tmp)
        test_smtp_failures(tmp)
        test_smtp_auth(tmp)
        test_rest(tmp)
        test_kannel(tmp)
    finally:
        if kannel is not None:
            kannel.stop()


t.run(main)
