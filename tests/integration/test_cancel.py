"""
Cancelling without phoning, end to end: the cancel link taken from the
real confirmation mail (aiosmtpd writing each mail to a file), the page
fetched and posted on the public listener as a browser would.

- GET (and HEAD) show the session and the button and change nothing;
- a POST from another site (Origin, Sec-Fetch-Site) or without the
  form's companion token is refused, nothing changed;
- the POST of the form cancels: "Du er afmeldt", the waitlisted person
  is promoted and told, the person gets the confirmation of the
  cancelling (with the CANCEL of her invitation), `registrations` says
  "cancelled via link" and when;
- the link used again: "already cancelled", nothing changes;
- an unknown or malformed token, and one whose session has started:
  404 with the library's phone;
- ?lang=en: the English page;
- more requests a minute than public.cancel_per_minute: 429 (not for
  public.trusted addresses: a proxy in front limits);
- the POST while another program holds the write lock: it waits and
  cancels once the lock is free; held past kursusd's wait (5 s), a 503
  page saying to try again, nothing changed; the tries made while it
  waited count once against public.cancel_per_minute; SIGTERM while it
  waits: answered, then kursusd stops;
- the pages in headless chromium: html-validate, axe-core, 390 px
  (browser.py; skipped where chromium or the node modules are missing).
"""

import datetime
import hashlib
import re
import secrets
import signal
import sqlite3
import threading
import time
import urllib.parse

from browser import check_pages
from citizen import API, COURSE_TITLE, LIBRARY_PHONE_DA, Page, cancel_link, \
    library_opts, wait_mail
from kursustest import Lock, Tap, da_when, db_rows, tcp_request, wait_for
from servers import Recorder, SMTPServer, calendar_parts

t = Tap()


def path_of(link):
    u = urllib.parse.urlsplit(link)
    return u.path + ("?" + u.query if u.query else "")


def post(d, link, form, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return tcp_request(d.public_port, "POST", path_of(link),
                       urllib.parse.urlencode(form), h)


def origin(d):
    return "http://127.0.0.1:%d" % d.public_port


def main():
    tmp = t.tempdir()
    rec = Recorder(tmp + "/smtp")
    srv = SMTPServer(rec)
    d = t.daemon(extra=library_opts(srv.port) +
                 ["public.cancel_per_minute=0"])
    try:
        flow(d, API(d), rec)
        forms(d, API(d), rec)
        expired(d, API(d), rec)
    finally:
        d.stop()
        srv.stop()
    limited()
    locked()


def flow(d, api, rec):
    api.setup(capacity=1)
    s = api.session()
    sid = s["id"]
    start = datetime.datetime.strptime(s["start_utc"], "%Y-%m-%dT%H:%M:%SZ") \
        .replace(tzinfo=datetime.timezone.utc)
    anna = api.register(sid, {"name": "Anna Ærø", "email": "anna@example.dk"})
    bent = api.register(sid, {"name": "Bent Ølsted",
                              "email": "bent@example.dk"})
    t.eq((anna["status"], bent["status"]), ("confirmed", "waitlisted"),
         "one seat: Anna has it, Bent waits")
    conf = wait_mail(rec, "anna@example.dk", "Du er tilmeldt")
    if not t.ok(conf is not None, "Anna's confirmation mail arrives"):
        return
    link = cancel_link(conf)
    if not t.ok(link is not None and link.startswith(origin(d) + "/afmeld/"),
                "the confirmation carries [public] url + /afmeld/<token>",
                [link or "no link in the text"]):
        return
    t.ok("melde afbud her uden at ringe: " + link in
         conf.get_body(preferencelist=("plain",)).get_content(),
         "the link sits on its own line beside the phone number")
    waited = wait_mail(rec, "bent@example.dk", "Du er på venteliste")
    wlink = cancel_link(waited) if waited is not None else None
    t.ok(wlink is not None and wlink != link,
         "the waitlist mail offers Bent a link of his own to leave the list")

    before = d.dump()
    # --- GET and HEAD change nothing
    r = tcp_request(d.public_port, "GET", path_of(link))
    t.eq(r.status, 200, "GET of the link: 200")
    t.eq(r.headers.get("content-type"), "text/html; charset=utf-8",
         "an HTML page")
    t.ok("no-store" in r.headers.get("cache-control", ""),
         "the personal page is not cached (Cache-Control: no-store)")
    p = Page(r.body)
    t.eq(p.lang, "da", "the page is Danish (lang=\"da\")")
    t.ok(COURSE_TITLE in p.text and da_when(start) in p.text and
         "Ærøsalen" in p.text and "Tobaksgården 1" in p.text,
         "the page names the course, the date in Danish words and the "
         "venue", [p.text[:400]])
    t.eq(p.buttons, ["Afmeld min plads"], "one button: Afmeld min plads")
    forms = [f for f in p.forms if f["method"] == "post"]
    t.eq(len(forms), 1, "one form, method post")
    form = forms[0]["inputs"] if forms else {}
    t.ok(len(form.get("form") or "") == 32,
         "the form carries its own companion token", [repr(form)])
    if wlink:
        wp = Page(tcp_request(d.public_port, "GET", path_of(wlink)).body)
        t.ok("venteliste" in wp.text and wp.buttons == ["Afmeld min plads"],
             "Bent's page says he is on the waitlist, with the button")
    r = tcp_request(d.public_port, "HEAD", path_of(link))
    t.eq(r.status, 200, "HEAD of the link: 200")
    t.eq(d.dump(), before, "GET and HEAD changed nothing in the database")
    t.eq(api.registrations(sid)[anna["participant_id"]]["status"],
         "confirmed", "Anna is still confirmed after the GETs")

    # --- cross-site posts refused
    for desc, f, h in [
            ("Origin of another site", form,
             {"Origin": "https://evil.example"}),
            ("Sec-Fetch-Site: cross-site", form,
             {"Sec-Fetch-Site": "cross-site"}),
            ("Sec-Fetch-Site: same-site (a sibling host)", form,
             {"Sec-Fetch-Site": "same-site"}),
            ("Origin: null", form, {"Origin": "null"}),
            ("no form token", {"lang": "da"}, {}),
            ("a wrong form token", {"form": "0" * 32}, {})]:
        r = post(d, link, f, h)
        t.eq(r.status, 403, "POST with %s: 403" % desc, [repr(r)])
    t.ok("Afmeldingen blev ikke gennemført" in Page(r.body).h1,
         "the refusal says the place was not cancelled")
    t.eq(d.dump(), before, "the refused posts changed nothing")

    # --- the POST of the form cancels
    r = post(d, link, form, {"Origin": origin(d),
                             "Sec-Fetch-Site": "same-origin"})
    t.eq(r.status, 200, "POST of the form: 200", [repr(r)])
    p = Page(r.body)
    t.ok(p.h1 == "Du er afmeldt" and COURSE_TITLE in p.text,
         "the page says \"Du er afmeldt\" and names the course",
         [p.h1, p.text[:300]])
    regs = api.registrations(sid)
    a, b = regs[anna["participant_id"]], regs[bent["participant_id"]]
    t.eq((a["status"], a["cancelled_via"]), ("cancelled", "link"),
         "Anna's registration is cancelled, via the link")
    t.ok(a.get("cancelled_at"), "and when is recorded")
    t.eq(b["status"], "confirmed", "Bent moved up from the waitlist")
    bye = wait_mail(rec, "anna@example.dk", "Du er afmeldt")
    t.ok(bye is not None, "Anna gets the confirmation of her cancelling")
    if bye is not None:
        cal = calendar_parts(bye)
        t.ok(cal and "METHOD:CANCEL" in cal[0].get_content(),
             "it takes the session out of her calendar (METHOD:CANCEL)")
        t.ok(LIBRARY_PHONE_DA in bye.get_body(
            preferencelist=("plain",)).get_content(),
             "and says whom to call if it was a mistake")
    got = wait_mail(rec, "bent@example.dk", "Du har fået en plads")
    t.ok(got is not None and cancel_link(got) == wlink,
         "Bent is told he has the seat, with his own cancel link (the same "
         "registration, the same link)")
    res = d.ctl("registrations", sid, json=False)
    t.ok(re.search(r"cancelled via link, \w+ \d{4}-\d\d-\d\d \d\d:\d\d",
                   res.out) is not None,
         "kursusctl registrations shows \"cancelled via link\" and when",
         res.out.split("\n"))

    # --- the link again
    after = d.dump()
    r = tcp_request(d.public_port, "GET", path_of(link))
    t.ok(r.status == 200 and "allerede afmeldt" in Page(r.body).h1,
         "GET again: \"Du er allerede afmeldt\"", [repr(r)])
    r = post(d, link, form, {"Origin": origin(d)})
    t.ok(r.status == 200 and "allerede afmeldt" in Page(r.body).h1,
         "POST again: already cancelled, friendly", [repr(r)])
    t.eq(d.dump(), after, "using the link again changes nothing")
    n = len(rec.to("anna@example.dk"))
    time.sleep(1)
    t.eq(len(rec.to("anna@example.dk")), n,
         "and sends Anna nothing more")

    # --- English
    r = tcp_request(d.public_port, "GET", path_of(link) + "?lang=en")
    p = Page(r.body)
    t.ok(p.lang == "en" and p.h1 == "Already cancelled",
         "?lang=en: the page in English", [p.lang, p.h1])
    blink = cancel_link(got) if got is not None else None
    if blink:
        r = tcp_request(d.public_port, "GET", path_of(blink) + "?lang=en")
        p = Page(r.body)
        t.eq(p.buttons, ["Cancel my place"], "the English button")

    # --- unknown and malformed tokens
    for what, path in [("an unknown token",
                        "/afmeld/" + secrets.token_hex(16)),
                       ("a malformed token", "/afmeld/xyz'<script>"),
                       ("an upper-case token", "/afmeld/" +
                        path_of(link).rsplit("/", 1)[1].upper()),
                       ("no token", "/afmeld/")]:
        r = tcp_request(d.public_port, "GET", urllib.parse.quote(path))
        p = Page(r.body) if r.body else None
        t.ok(r.status == 404 and p is not None and
             LIBRARY_PHONE_DA in p.text and "<script>" not in
             r.body.decode(), "%s: 404 with the library's phone" % what,
             [repr(r)])
    r = post(d, "/afmeld/" + secrets.token_hex(16), {"form": "0" * 32})
    t.eq(r.status, 404, "POST to an unknown token: 404")
    r = tcp_request(d.public_port, "POST", "/feeds/all.ics", "x",
                    {"Content-Type": "text/plain"})
    t.eq(r.status, 405, "POST elsewhere on the public listener: 405")

    # The pages in a browser: the form (Danish, English), already
    # cancelled, the 404.
    paths = ["/afmeld/" + "0" * 32, path_of(link)]
    if blink:
        paths += [path_of(blink), path_of(blink) + "?lang=en"]
    check_pages(t, origin(d), paths)


def forms(d, api, rec):
    """A new link names its registration (26 characters of base 32);
    one changed in a single character, or made up in that form, gets
    the 404 of an unknown link. A link of the old form (32 hex digits,
    found by its hash), as sent before, still cancels."""
    s = api.session("%s 14:00" % (datetime.date.today() +
                                  datetime.timedelta(days=12)).isoformat())
    if not t.ok(s is not None, "a second session"):
        return
    dorte = api.register(s["id"], {"name": "Dorte Ø",
                                   "email": "dorte@example.dk"})
    m = wait_mail(rec, "dorte@example.dk", "Du er tilmeldt")
    link = cancel_link(m) if m is not None else None
    if not t.ok(link is not None, "Dorte's confirmation carries a link"):
        return
    token = path_of(link).rsplit("/", 1)[1]
    t.ok(re.fullmatch(r"[0-7][0-9a-hjkmnp-tv-z]{25}", token) is not None,
         "a new link: 26 characters of Crockford's base 32", [token])
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    changed = token[:-1] + alphabet[(alphabet.index(token[-1]) + 1) % 32]
    made_up = "7" + "".join(secrets.choice(alphabet) for _ in range(25))
    for what, tok in [("changed in its last character", changed),
                      ("made up", made_up),
                      ("with a bit beyond its 128", "8" + token[1:])]:
        for method in ("GET", "POST"):
            r = post(d, "/afmeld/" + tok, {"form": "0" * 32}) \
                if method == "POST" else \
                tcp_request(d.public_port, "GET", "/afmeld/" + tok)
            t.ok(r.status == 404 and LIBRARY_PHONE_DA in Page(r.body).text,
                 "%s of a new-form token %s: 404" % (method, what),
                 [repr(r)])
    # As a link sent before the new form: only its hash in the row.
    old = secrets.token_hex(16)
    con = sqlite3.connect(d.db, timeout=30)
    with con:
        con.execute("UPDATE registration SET cancel_token_hash = ?, "
                    "cancel_token_check = NULL WHERE id = ?",
                    (hashlib.sha256(old.encode()).hexdigest(), dorte["id"]))
    con.close()
    r = tcp_request(d.public_port, "GET", "/afmeld/" + token)
    t.eq(r.status, 404, "a new link whose row no longer knows it: 404")
    r = tcp_request(d.public_port, "GET", "/afmeld/" + old)
    p = Page(r.body)
    t.ok(r.status == 200 and p.buttons == ["Afmeld min plads"],
         "an old-form link (32 hex) still shows the page", [repr(r)])
    inputs = [f for f in p.forms if f["method"] == "post"]
    form = inputs[0]["inputs"] if inputs else {}
    r = post(d, "/afmeld/" + old, form, {"Origin": origin(d)})
    t.ok(r.status == 200 and Page(r.body).h1 == "Du er afmeldt",
         "and its form cancels", [repr(r)])
    t.eq(api.registrations(s["id"])[dorte["participant_id"]]["status"],
         "cancelled", "Dorte's registration is cancelled")


def expired(d, api, rec):
    """A session starting in a few seconds: once it starts, its link is
    gone (404)."""
    start = datetime.datetime.now(datetime.timezone.utc).replace(
        microsecond=0) + datetime.timedelta(seconds=20)
    s = api.session(start)
    if s is None:
        return
    api.register(s["id"], {"name": "Carl Å", "email": "carl@example.dk"})
    m = wait_mail(rec, "carl@example.dk", "Du er tilmeldt")
    link = cancel_link(m) if m is not None else None
    if not t.ok(link is not None, "a confirmation with a link for a session "
                "about to start"):
        return
    r = tcp_request(d.public_port, "GET", path_of(link))
    t.eq(r.status, 200, "before the start the link works")
    wait_for(lambda: datetime.datetime.now(datetime.timezone.utc) >
             start + datetime.timedelta(seconds=1), 40, 0.5)
    r = tcp_request(d.public_port, "GET", path_of(link))
    t.ok(r.status == 404 and LIBRARY_PHONE_DA in Page(r.body).text,
         "once the session has started: 404 with the library's phone",
         [repr(r)])


def link_form(d, api, rec, sid, name, email):
    """A new registration's cancel link and its page's form fields."""
    api.register(sid, {"name": name, "email": email})
    m = wait_mail(rec, email, "Du er tilmeldt")
    link = cancel_link(m) if m is not None else None
    if link is None:
        return None, {}
    p = Page(tcp_request(d.public_port, "GET", path_of(link)).body)
    forms = [f for f in p.forms if f["method"] == "post"]
    return link, forms[0]["inputs"] if forms else {}


WAITS = "the cancel link (a browser) waits for the database"


def post_locked(d, link, form, headers, hold=None, sig=None):
    """post() while another program holds the write lock (from the main
    thread: sqlite3's connection is its), let go hold seconds after
    kursusd said the POST waits (and, with sig, after kursusd said it got
    that signal), or, with hold None, only once its answer came (so no
    wait of kursusd's can outlast the lock on a busy machine). The
    answer, how long it took, and whether kursusd said it waited."""
    out = {}

    def timed():
        t0 = time.monotonic()
        out["r"] = post(d, link, form, headers)
        out["s"] = time.monotonic() - t0

    lock = Lock(d.db)
    n = d.log().count(WAITS)
    th = threading.Thread(target=timed)
    th.start()
    waited = wait_for(lambda: d.log().count(WAITS) > n, 30)
    if sig is not None:
        n = d.log().count("SIGTERM: stop")
        d.proc.send_signal(sig)
        wait_for(lambda: d.log().count("SIGTERM: stop") > n, 10)
    if hold is not None:
        time.sleep(hold)
        lock.release()
        th.join()
    else:
        th.join()
        lock.release()
    return out["r"], out["s"], waited


def locked():
    """The button pressed while another program holds the write lock."""
    tmp = t.tempdir()
    rec = Recorder(tmp + "/smtp")
    srv = SMTPServer(rec)
    # Four requests a minute: each waiting POST is tried some 40 to 100
    # times, which must count once.
    d = t.daemon(extra=library_opts(srv.port) + [
        "public.cancel_per_minute=4", "public.trusted="])
    try:
        api = API(d)
        api.setup(capacity=5)
        sid = api.session()["id"]
        same = {"Origin": origin(d), "Sec-Fetch-Site": "same-origin"}

        link, form = link_form(d, api, rec, sid, "Dorthe Ås",
                               "dorthe@example.dk")                  # 1
        if not t.ok(link is not None and form, "Dorthe's link and form"):
            return
        r, took, waited = post_locked(d, link, form, same, 1)        # 2
        t.ok(waited, "kursusd's log says the POST waits for the lock")
        t.ok(r.status == 200 and "Du er afmeldt" in Page(r.body).h1 and
             took >= 1,
             "a POST while the lock is held (1 s after it waited): it "
             "waits, then cancels", [r.status, "%.1f s" % took])
        t.eq([x["status"] for x in api.registrations(sid).values()],
             ["cancelled"], "Dorthe's registration is cancelled, once")

        link, form = link_form(d, api, rec, sid, "Erik Øst",
                               "erik@example.dk")                    # 3
        # The messages of the steps before go out first: a row that
        # goes from "sending" to "sent" meanwhile is no change of this
        # request's.
        wait_for(lambda: not db_rows(d.db, "SELECT 1 FROM outbox WHERE "
                                     "state = 'sending' OR (state = "
                                     "'pending' AND coalesce(next_attempt, "
                                     "due_at) <= unixepoch())"), 15)
        before = d.dump()
        r, took, waited = post_locked(d, link, form, same)           # 4
        p = Page(r.body)
        t.ok(waited and r.status == 503 and "Det gik galt" in p.h1 and
             "Prøv igen om lidt" in p.text and took >= 3.5,
             "held until answered: after kursusd's wait (4 to 5 s), 503 "
             "saying to try again", [r.status, p.h1, "%.1f s" % took])
        t.eq(d.dump(), before, "and nothing changed, the lock let go")
        r = tcp_request(d.public_port, "GET", path_of(link))         # 5
        t.eq(r.status, 429, "the fifth request this minute gets 429: the "
             "waiting POSTs' tries counted once each", [r.status])

        # SIGTERM while it waits: answered, the cancel taken once, then
        # kursusd stops, as for an SMS reply (test_sms_busy). A new
        # kursusd counts requests anew.
        d.stop()
        d.start()
        link, form = link_form(d, api, rec, sid, "Frida Ærø",
                               "frida@example.dk")
        r, took, waited = post_locked(d, link, form, same, 1,
                                      signal.SIGTERM)
        rc = d.wait()
        t.ok(waited and r.status == 200 and "Du er afmeldt" in
             Page(r.body).h1 and rc == 0, "SIGTERM while the POST waits: "
             "kursusd answers it, then stops (%s)" % rc, [r.status])
        d.start()
        t.eq(sorted(x["status"] for x in api.registrations(sid).values()),
             ["cancelled", "cancelled", "confirmed"],
             "Frida's registration cancelled too, Erik's not")
        lines = [x for x in d.log().splitlines() if "cancel link" in x]
        t.ok(len(lines) >= 3 and not any("127.0.0.1" in x for x in lines),
             "the log's lines about the cancel link do not name the "
             "citizen's address", lines)
    finally:
        d.stop()
        srv.stop()


def limited():
    # Not trusted as a proxy would be: 127.0.0.1 is, by default.
    d = t.daemon(extra=library_opts() + ["public.cancel_per_minute=3",
                                         "public.trusted="])
    try:
        codes = [tcp_request(d.public_port, "GET", "/afmeld/" +
                             secrets.token_hex(16)) for _ in range(4)]
        t.eq([c.status for c in codes], [404, 404, 404, 429],
             "public.cancel_per_minute=3: the fourth request a minute "
             "gets 429")
        t.eq(codes[-1].headers.get("retry-after"), "60",
             "with Retry-After: 60")
        p = Page(codes[-1].body)
        t.ok("Vent" in p.h1 and "minut" in p.text,
             "and a page saying to wait a minute", [p.h1, p.text])
        r = tcp_request(d.public_port, "GET", "/feeds/all.ics")
        t.eq(r.status, 200, "the feeds are not limited by it")
    finally:
        d.stop()
    # A proxy in front (public.trusted) limits by the citizens' addresses.
    d = t.daemon(extra=library_opts() + ["public.cancel_per_minute=3"])
    try:
        codes = [tcp_request(d.public_port, "GET", "/afmeld/" +
                             secrets.token_hex(16)).status
                 for _ in range(5)]
        t.eq(codes, [404] * 5, "public.trusted addresses are not limited")
    finally:
        d.stop()


t.run(main)
