"""
The public course pages on the public listener, judged with Python's own
html.parser, never with kursusd's code: /, /venue/<slug>, /course/<slug>,
/embed and the person's "add to calendar" page /kalender/<token>.

Two venues (one with coordinates, one with an address only), a course
with English texts and one without, sessions this month and in the next
months, one full with a waitlist, one cancelled, one already started.
Checked: dates in Danish words, the seats-left wording and that a
registration changes it (the cached page is rendered again, with a new
ETag), the venue's address and OpenStreetMap link, what to bring and the
access notes, how to sign up (the library's phone and e-mail from
[library]), the subscription links to the matching feed (webcal, Google,
Outlook), ?lang=en with the English course texts and the Danish marked
lang="da", the months, /embed without the chrome, the header's text and
colour, and that no name, phone or e-mail of a participant appears
anywhere. HTTP: ETag and 304, gzip, Cache-Control, HEAD, 404 pages with
the library's phone, refusals of bad queries. [library] colour: a bad or
too light one is refused at start.

Then, where Debian's chromium and the node modules in tests/node_modules
are (dev/deps installs them), tests/browser/check-pages.mjs loads the
pages in headless chromium: html-validate finds no error, axe-core no
serious or critical violation, and nothing scrolls sideways at 390 px.
"""

import datetime
import gzip
import hashlib
import html.parser
import json
import re
import secrets
import sqlite3
import subprocess
import urllib.parse

from browser import check_pages
from kursustest import KURSUSD, Tap, da_when, local_now, \
    raw_http, run_ctl, tcp_request, zone

t = Tap()

LIBRARY = ["library.name=Horsens Bibliotek", "library.phone=76 29 23 00",
           "library.email=kursus@horsens.dk",
           "library.url=https://horsensbibliotek.dk",
           "library.header=Horsens Bibliotek – kurser for alle",
           "library.colour=#7a1f3d"]
SECRET_NAME = "Hemmelig Hansen-Ørum"
SECRET_PHONE = "20304050"
SECRET_EMAIL = "hemmelig@example.dk"



class Page(html.parser.HTMLParser):
    """What a page says, as a reader would find it: the <html lang>, the
    text of each article by class, the links, the headings."""

    def __init__(self, body):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.articles = []      # {"title", "when", "seats", "text", ...}
        self.links = []         # (href, text)
        self.headings = []      # (tag, text)
        self.text = []
        self.tags = set()
        self.base_target = None
        self.style = ""
        self._stack = []
        self._art = None
        self._a = None
        self._h = None
        self._cls = []
        self._in_style = False
        self.feed(body.decode("utf-8"))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "base":
            self.base_target = a.get("target")
        if tag == "style":
            self._in_style = True
        if tag == "article":
            self._art = {"class": a.get("class", ""), "text": "",
                         "links": []}
        if tag == "a":
            self._a = [a.get("href"), ""]
        if tag in ("h1", "h2", "h3"):
            self._h = [tag, ""]
        if tag not in ("meta", "base", "br", "link"):
            self._cls.append(a.get("class", ""))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if tag == "article" and self._art is not None:
            self.articles.append(self._art)
            self._art = None
        if tag == "a" and self._a is not None:
            self.links.append(tuple(self._a))
            if self._art is not None:
                self._art["links"].append(tuple(self._a))
            self._a = None
        if tag in ("h1", "h2", "h3") and self._h is not None:
            self.headings.append(tuple(self._h))
            if self._art is not None and tag == "h3":
                self._art["title"] = self._h[1]
            self._h = None
        if self._cls:
            self._cls.pop()

    def handle_data(self, data):
        if self._in_style:
            self.style += data
            return
        self.text.append(data)
        if self._a is not None:
            self._a[1] += data
        if self._h is not None:
            self._h[1] += data
        if self._art is not None:
            self._art["text"] += data
            cls = self._cls[-1] if self._cls else ""
            for c in ("when", "seats"):
                if c in cls.split():
                    self._art[c] = self._art.get(c, "") + data

    def all_text(self):
        return " ".join(self.text).replace("\xa0", " ")

    def href(self, text_part):
        return [h for h, x in self.links
                if text_part in x.replace("\xa0", " ")]


def get(d, path, headers=None, method="GET"):
    return tcp_request(d.public_port, method, path, headers=headers)


def page(d, path):
    r = get(d, path)
    if r.status != 200:
        t.diag("GET %s: %d %r" % (path, r.status, r.body[:300]))
        return r, Page(b"<html></html>")
    return r, Page(r.body)


def session_at(d, course, venue, when, *extra):
    r = d.ctl("session", "add", "--course", course, "--venue", venue,
              "--start", when.strftime("%Y-%m-%d %H:%M"), *extra)
    ss = (r.out or {}).get("sessions") or []
    if len(ss) != 1:
        raise RuntimeError("could not add a session: %r" % (r,))
    return ss[0]


def art_by_when(p, dt):
    want = da_when(dt)
    for a in p.articles:
        if a.get("when", "").startswith(want):
            return a
    return None


def check_config(d):
    """library.colour: refused when it is no colour or too light."""
    for value, words in (("red", ["library.colour", "red", "#"]),
                         ("#ffff00", ["library.colour", "too light",
                                      "4.5:1"]),
                         ("#12345", ["library.colour", "#12345"])):
        p = subprocess.run([KURSUSD, "-n", "-c", d.config, "-d", d.db,
                            "-o", "library.colour=" + value],
                           capture_output=True, text=True, timeout=30)
        t.ok(p.returncode != 0 and all(w in p.stderr for w in words),
             "kursusd -n refuses library.colour=%s, saying why" % value,
             [p.stderr])


def main():
    d = t.daemon(extra=LIBRARY)
    check_config(d)

    d.ctl("venue", "add", "horsens", "--name", "Horsens Hovedbibliotek",
          "--address", "Tobaksgården 12", "--postcode", "8700",
          "--city", "Horsens", "--lat", "55.860867", "--lon", "9.850302",
          "--access", "Trinfri adgang; elevator til 1. sal")
    d.ctl("venue", "add", "lund", "--name", "Lund Seniorklub",
          "--address", "Kirkevej 3", "--postcode", "8700",
          "--city", "Horsens")
    d.ctl("course", "add", "mitid", "--title", "MitID på mobilen",
          "--title-en", "MitID on your phone",
          "--description", "Vi hjælper dig i gang med MitID-appen.",
          "--description-en", "We help you start with the MitID app.",
          "--bring", "Din telefon og dit pas",
          "--bring-en", "Your phone and passport",
          "--duration", "90m", "--capacity", "3")
    d.ctl("course", "add", "borger", "--title", "borger.dk & <Digital Post>",
          "--description", "Find rundt på borger.dk.", "--bring",
          "Læsebriller", "--duration", "90m", "--capacity", "1")

    now = local_now().replace(second=0, microsecond=0)
    day = (now + datetime.timedelta(days=2)).replace(hour=10, minute=0)
    # all in the same month as day, where the month allows
    s_open = session_at(d, "mitid", "horsens", day)
    s_full = session_at(d, "borger", "lund", day + datetime.timedelta(
        hours=3))
    s_cancel = session_at(d, "mitid", "lund", day + datetime.timedelta(
        hours=5))
    later = (day + datetime.timedelta(days=70)).replace(day=5)
    s_later = session_at(d, "mitid", "horsens", later)
    started = now - datetime.timedelta(minutes=30)
    s_started = session_at(d, "borger", "horsens", started, "--past",
                          "--allow-overlap")
    d.ctl("session", "cancel", str(s_cancel["id"]), "--reason", "Sygdom")

    r = d.ctl("register", str(s_full["id"]), "--name", SECRET_NAME,
              "--phone", SECRET_PHONE, "--email", SECRET_EMAIL)
    secret_id = (r.out or {}).get("participant_id")
    r = d.ctl("register", str(s_full["id"]), "--name", "Anden Person",
              "--email", "anden@example.dk")
    t.eq((r.out or {}).get("status"), "waitlisted",
         "the second person is waitlisted for the one-seat session")
    r = d.ctl("register", str(s_started["id"]), str(secret_id), ok=None)

    # --- / in Danish
    r, p = page(d, "/")
    t.eq(r.status, 200, "GET / answers 200")
    t.ok(r.headers.get("content-type", "").startswith("text/html"),
         "/ is text/html", [r.headers.get("content-type")])
    t.eq(p.lang, "da", "<html lang=\"da\"> by default")
    month_of_day = day.month
    a_open = art_by_when(p, day)
    t.ok(a_open is not None, "the open session is listed with its date in "
         "Danish words (%s)" % da_when(day), [x.get("when") for x in
                                             p.articles])
    if a_open:
        end = day + datetime.timedelta(minutes=90)
        t.ok(a_open["when"].strip() == "%s–%02d.%02d" % (
            da_when(day), end.hour, end.minute),
            "the time is a span: \"%s–%02d.%02d\"" % (da_when(day),
                                                      end.hour, end.minute),
            [a_open["when"]])
        t.eq(a_open.get("seats", "").strip(), "3 ledige pladser",
             "an empty three-seat session: \"3 ledige pladser\"")
        t.eq(a_open.get("title"), "MitID på mobilen", "the course title")
        t.ok("Vi hjælper dig i gang" in a_open["text"],
             "the course's description")
        t.ok("Tobaksgården 12, 8700 Horsens" in a_open["text"],
             "the venue's address")
        osm = [h for h, x in a_open["links"] if "openstreetmap.org" in h]
        t.ok(osm and "mlat=55.86" in osm[0] and "mlon=9.85" in osm[0],
             "an OpenStreetMap link from the venue's coordinates", osm)
        t.ok("Medbring: Din telefon og dit pas" in a_open["text"],
             "what to bring, once \"Medbring\"", [a_open["text"]])
        t.ok("Adgang: Trinfri adgang; elevator til 1. sal" in
             a_open["text"], "the access notes")
        t.ok(("/venue/horsens", "Horsens Hovedbibliotek") in
             a_open["links"] and any(h == "/course/mitid" for h, _ in
                                     a_open["links"]),
             "links to the venue's and the course's pages",
             a_open["links"])
    a_full = art_by_when(p, day + datetime.timedelta(hours=3))
    if s_full and day.month == month_of_day:
        t.ok(a_full is not None and a_full.get("seats", "").strip() ==
             "Fuldt – der er venteliste",
             "a full session: \"Fuldt – der er venteliste\"",
             [a_full and a_full.get("seats")])
        t.ok(a_full is not None and "borger.dk & <Digital Post>" ==
             a_full.get("title"), "a title with & and < comes out as "
             "written (escaped in the HTML)", [a_full and a_full.get(
                 "title")])
        t.ok(b"&lt;Digital Post&gt;" in r.body, "< and > escaped")
        osm = [h for h, x in (a_full or {"links": []})["links"]
               if "openstreetmap.org" in h]
        t.ok(osm and "search?query=Kirkevej%203%2C%208700%20Horsens" in
             osm[0], "a venue without coordinates: a map search for its "
             "address", osm)
    a_cancel = art_by_when(p, day + datetime.timedelta(hours=5))
    t.ok(a_cancel is not None and a_cancel.get("seats", "").strip() ==
         "Aflyst" and "cancelled" in a_cancel["class"],
         "a cancelled session stays, marked \"Aflyst\"",
         [a_cancel and a_cancel.get("seats")])
    t.ok(art_by_when(p, started) is None, "a session that has started is "
         "not listed")
    t.ok(art_by_when(p, later) is None, "a session two months on is not "
         "on the first month's page")
    months = [x for h, x in p.links if "month=" in (h or "")]
    t.ok(len(months) >= 2, "links to the months with sessions", months)
    t.ok(re.search(r"\(\d+ kurser\)|\(1 kursus\)", p.all_text()) and
         "kursuser" not in p.all_text(), "each month with its number of "
         "courses, \"1 kursus\", \"3 kurser\"", [p.all_text()[:600]])
    text = p.all_text()
    t.ok("Ring til Horsens Bibliotek på" in text and "76 29 23 00" in text
         and "kursus@horsens.dk" in text, "how to sign up: the library's "
         "phone, the Danish way, and e-mail")
    t.ok(p.href("76 29 23 00") and p.href("76 29 23 00")[0] ==
         "tel:+4576292300", "the phone is a tel: link", p.href("76 29"))
    t.ok("Horsens Bibliotek – kurser for alle" in text and
         "--c:#7a1f3d" in p.style, "the header's text and colour from "
         "[library]", [p.style[:60]])
    t.ok(any(h == "Abonnér i din kalender" for _, h in p.headings),
         "\"Abonnér i din kalender\"", p.headings)
    base = "127.0.0.1:%d" % d.public_port
    webcal = "webcal://%s/feeds/all.ics" % base
    google = p.href("Google Kalender")
    outlook = p.href("Outlook")
    t.ok(webcal in [h for h, _ in p.links], "a webcal link to the feed of "
         "all courses", [h for h, _ in p.links if "webcal" in (h or "")])
    t.ok(google and urllib.parse.parse_qs(urllib.parse.urlsplit(
        google[0]).query).get("cid") == [webcal],
        "a Google Calendar link to the same feed", google)
    t.ok(outlook and urllib.parse.parse_qs(urllib.parse.urlsplit(
        outlook[0]).query).get("url") == ["http://%s/feeds/all.ics" % base],
        "an Outlook link to the same feed", outlook)
    t.ok("script" not in p.tags and "link" not in p.tags and
         "img" not in p.tags, "no script, no outside stylesheet or image",
         sorted(p.tags))
    feed = get(d, "/feeds/all.ics")
    t.eq(feed.status, 200, "and the feed it links to is there")

    # --- nothing personal, anywhere
    cal = d.ctl("feeds", "participant", str(secret_id)).out or {}
    token = cal.get("path", "").rsplit("/", 1)[-1].replace(".ics", "")
    leaks = []
    for path in ("/", "/?lang=en", "/venue/lund", "/venue/horsens",
                 "/course/borger", "/course/mitid", "/embed",
                 "/embed/venue/lund", "/kalender/" + token):
        r = get(d, path)
        for secret in (SECRET_NAME, "Hemmelig", SECRET_PHONE,
                       "20 30 40 50", SECRET_EMAIL, "Anden Person"):
            if secret.encode() in r.body:
                leaks.append("%s shows %r" % (path, secret))
    t.ok(not leaks, "no participant's name, phone or e-mail on any page",
         leaks)

    # --- a registration changes the page: rendered again, new ETag
    r1 = get(d, "/")
    d.ctl("register", str(s_open["id"]), "--name", "Tredje Person",
          "--phone", "30405060")
    r2, p2 = page(d, "/")
    a = art_by_when(p2, day)
    t.ok(a is not None and a.get("seats", "").strip() ==
         "2 ledige pladser", "after a registration: \"2 ledige pladser\"",
         [a and a.get("seats")])
    t.ok(r1.headers.get("etag") != r2.headers.get("etag"),
         "and the page has a new ETag", [r1.headers.get("etag"),
                                         r2.headers.get("etag")])
    d.ctl("register", str(s_open["id"]), "--name", "Fjerde Person",
          "--phone", "30405061")
    _, p3 = page(d, "/")
    a = art_by_when(p3, day)
    t.eq(a and a.get("seats", "").strip(), "1 ledig plads",
         "one seat left: \"1 ledig plads\"")

    # --- HTTP: ETag, 304, gzip, HEAD, Cache-Control
    r = get(d, "/")
    etag = r.headers.get("etag")
    r304 = get(d, "/", headers={"If-None-Match": etag})
    t.ok(r304.status == 304 and not r304.body,
         "If-None-Match with the ETag: 304, no body",
         [r304.status, r304.body[:80]])
    t.ok(r304.headers.get("etag") == etag and
         r304.headers.get("cache-control") == r.headers.get("cache-control")
         and r304.headers.get("vary") and
         "content-type" not in r304.headers and
         "content-security-policy" not in r304.headers,
         "the 304 updates the stored copy's validators and caching only "
         "(RFC 9110 15.4.5), the type and policies stay with the copy",
         [r304.headers])
    cc = r.headers.get("cache-control", "")
    t.ok(re.search(r"\bpublic\b", cc) and re.search(r"max-age=\d+", cc),
         "Cache-Control: public, max-age", [cc])
    rz = get(d, "/", headers={"Accept-Encoding": "gzip"})
    t.ok(rz.headers.get("content-encoding") == "gzip" and
         gzip.decompress(rz.body) == r.body,
         "gzip when asked for: the same bytes", [rz.headers])
    t.ok(rz.headers.get("etag") != etag and
         get(d, "/", headers={"Accept-Encoding": "gzip",
                              "If-None-Match": rz.headers.get("etag")})
         .status == 304, "the gzip answer has its own ETag, and a 304")
    h = raw_http(d.public_port, b"HEAD / HTTP/1.1\r\nHost: x\r\n"
                 b"Connection: close\r\n\r\n")
    t.ok(h is not None and h.status == 200 and h.body == b"" and
         h.headers.get("content-length") == str(len(r.body)),
         "HEAD /: the head alone, with the length", [h and h.headers])
    t.ok("default-src 'none'" in r.headers.get(
        "content-security-policy", ""), "a Content-Security-Policy that "
         "allows no script")

    # --- English
    r, p = page(d, "/?lang=en")
    t.eq(p.lang, "en", "?lang=en: <html lang=\"en\">")
    a = art_by_when(p, day) or {}
    t.ok(any(x.get("title") == "MitID on your phone" for x in
             p.articles), "the course's English title",
         [x.get("title") for x in p.articles])
    en_when = [x.get("when", "") for x in p.articles]
    t.ok(any(re.match(r"(Monday|Tuesday|Wednesday|Thursday|Friday|"
                      r"Saturday|Sunday) \d+ [A-Z][a-z]+, \d\d:\d\d–"
                      r"\d\d:\d\d", w) for w in en_when),
         "dates in English words", en_when)
    t.ok(b"Your phone and passport" in r.body and
         b"We help you start" in r.body, "English description and what "
         "to bring")
    t.ok(b'<span lang="da">L\xc3\xa6sebriller</span>' in r.body,
         "a course without English texts: the Danish, marked lang=\"da\"")
    t.ok(any("seat" in x.get("seats", "") or "Full" in x.get("seats", "")
             for x in p.articles), "seats in English",
         [x.get("seats") for x in p.articles])
    t.ok(p.href("Dansk") and p.href("English") == [],
         "a link back to Danish", p.href("Dansk"))

    # --- the next month
    ym = "%04d-%02d" % (later.year, later.month)
    r, p = page(d, "/?month=" + ym)
    t.ok(art_by_when(p, later) is not None and art_by_when(p, day) is
         None, "?month=%s shows that month's sessions only" % ym,
         [x.get("when") for x in p.articles])
    empty = now.date().replace(day=1) + datetime.timedelta(days=600)
    r = get(d, "/?month=%04d-%02d" % (empty.year, empty.month))
    t.ok(r.status == 200 and "Ingen kurser i denne måned".encode() in
         r.body, "a month without sessions says so")
    first = get(d, "/")
    for old in ("2000-01", "2199-12"):
        r = get(d, "/?month=" + old)
        t.ok(r.status == 200 and r.body == first.body and
             r.headers.get("etag") == first.headers.get("etag"),
             "?month=%s (gone by, or beyond ten years): the first month's "
             "page, the same one" % old)
    r = get(d, "/?lang=da")
    t.ok(r.body == first.body and r.headers.get("etag") ==
         first.headers.get("etag"), "?lang=da is the same page as /")

    # --- venue and course pages
    r, p = page(d, "/venue/lund")
    t.ok(all("Lund Seniorklub" in a["text"] for a in p.articles) and
         p.articles, "/venue/lund: only that venue's sessions",
         [x.get("title") for x in p.articles])
    t.ok("webcal://%s/feeds/venue/lund.ics" % base in
         [h for h, _ in p.links], "subscribing to the venue's feed")
    r, p = page(d, "/course/mitid")
    t.ok(p.articles and all(x.get("title") == "MitID på mobilen" for x in
                            p.articles), "/course/mitid: only that "
         "course's sessions")
    t.ok(any(h == "h1" and x == "MitID på mobilen" for h, x in
             p.headings), "the course's page is titled by the course")

    # --- embed
    r, p = page(d, "/embed")
    t.ok(r.status == 200 and "header" not in p.tags and "footer" not in
         p.tags and p.base_target == "_top" and p.articles,
         "/embed: the list without header and footer, links open in the "
         "whole window", sorted(p.tags))
    r, p = page(d, "/embed/course/borger?lang=en")
    t.ok(r.status == 200 and p.lang == "en" and "header" not in p.tags,
         "/embed/course/borger?lang=en")

    # --- the add-to-calendar page
    r, p = page(d, "/kalender/" + token)
    t.eq(r.status, 200, "/kalender/<token> answers 200")
    ics = "/feeds/participant/%s.ics" % token
    hrefs = [h for h, _ in p.links]
    t.ok("webcal://%s%s" % (base, ics) in hrefs and
         "http://%s%s" % (base, ics) in hrefs,
         "webcal link and the .ics download of the person's feed", hrefs)
    t.ok(p.href("Google Kalender") and p.href("Outlook"),
         "Google and Outlook links")
    t.ok("private" in r.headers.get("cache-control", ""),
         "a person's page is Cache-Control: private",
         [r.headers.get("cache-control")])
    t.eq(get(d, ics).status, 200, "the feed it links to is there")
    r = d.ctl("register", str(s_later["id"]), "--name", "English Reader",
              "--email", "reader@example.com", "--language", "en")
    pid = (r.out or {}).get("participant_id")
    tok2 = ((d.ctl("feeds", "participant", str(pid)).out or {}).get(
        "path", "").rsplit("/", 1)[-1].replace(".ics", ""))
    _, p = page(d, "/kalender/" + tok2)
    t.eq(p.lang, "en", "an English reader's calendar page is in English")
    _, p = page(d, "/kalender/%s?lang=da" % tok2)
    t.eq(p.lang, "da", "... and in Danish with ?lang=da")
    t.ok(re.fullmatch(r"[0-7][0-9a-hjkmnp-tv-z]{25}", tok2) is not None,
         "a new personal token: 26 characters of Crockford's base 32",
         [tok2])

    # A link of the old form (32 hex digits, found by its hash), as
    # calendars subscribed before tokens named their row, still works;
    # the new one of the same person, whose row no longer knows it, not.
    old = secrets.token_hex(16)
    con = sqlite3.connect(d.db, timeout=30)
    with con:
        con.execute("UPDATE participant SET feed_token_hash = ?, "
                    "feed_token_check = NULL WHERE id = ?",
                    (hashlib.sha256(old.encode()).hexdigest(), pid))
    con.close()
    r, p = page(d, "/kalender/" + old)
    t.ok(r.status == 200 and p.lang == "en",
         "an old-form /kalender/<32 hex> still answers, in the person's "
         "language", [r.status, p.lang])
    t.eq(get(d, "/feeds/participant/%s.ics" % old).status, 200,
         "and so does its feed")
    t.eq(get(d, "/feeds/participant/%s.ics" % tok2).status, 404,
         "a new-form feed its row no longer knows: 404")

    # --- the link the messages carry leads to that page
    r = d.request("GET", "/v1/sessions/%d/preview?participant=%d&kind="
                  "reminder&via=email" % (s_full["id"], secret_id))
    body = ""
    try:
        body = json.loads(r.body).get("body") or ""
    except ValueError:
        pass
    links = re.findall(r"https?://\S*/kalender/[0-9a-z]+", body)
    t.ok(links and links[0].endswith("/kalender/" + token) and
         get(d, urllib.parse.urlsplit(links[0]).path).status == 200,
         "the reminder's \"add to calendar\" link is the person's page, "
         "and it is there", [links, body[-600:]])

    # --- what is not there, and what is refused
    for path in ("/kalender/" + "0" * 32, "/kalender/" + "0" * 64,
                 "/kalender/xyz", "/venue/nowhere", "/venue/", "/venue",
                 "/course/mitid/", "/venue/Horsens", "/embed/kalender/" +
                 token, "/embedded", "/venue/../feeds/all.ics",
                 "/x" * 300, "/%00", "/venue/" + "a" * 65):
        r = get(d, path)
        t.ok(r.status == 404 and b"76&nbsp;29&nbsp;23&nbsp;00" in r.body and
             r.headers.get("content-type", "").startswith("text/html"),
             "%s: 404 page with the library's phone" % path[:60],
             [r.status, r.body[:120]])
    for query, words in (("lang=fr", "da (dansk)"),
                         ("month=2026-13", "2026-12"),
                         ("month=26-1", "2026-12"),
                         ("lang=en&month=x", "is written as"),
                         ("a=" + "x" * 600, "for lang")):
        r = get(d, "/?" + query)
        t.ok(r.status == 400 and words.encode() in r.body and
             b"76&nbsp;29&nbsp;23&nbsp;00" in r.body or (
                 words == "for lang" and r.status in (400, 414)),
             "/?%s: refused (400), saying why" % query[:30],
             [r.status, r.body[-400:]])
    r = get(d, "/?utm_source=facebook&fbclid=abc")
    t.eq(r.status, 200, "other parameters (a campaign's) are let be")
    r = tcp_request(d.public_port, "POST", "/", body=b"x=1")
    t.ok(r.status in (405, 400), "POST / refused", [r.status])

    browser_checks(d, token)


def browser_checks(d, token):
    paths = ["/", "/?lang=en", "/venue/horsens", "/course/mitid", "/embed",
             "/kalender/" + token, "/venue/nowhere"]
    check_pages(t, "http://127.0.0.1:%d" % d.public_port, paths)


t.run(main)
