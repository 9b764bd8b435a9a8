"""
Lists that grow without bound come a page at a time: `limit` (default
100, at most 1000) and an opaque `cursor`, the answer's `next` while more
remain. 2,500 sessions are walked with a small limit while sessions are
added ahead of the walk and behind it, and moved out of the range: every
session that stayed is seen exactly once, in order, those added ahead of
the walk are seen, those added behind are not. Filters hold across pages,
a walk without a range keeps its first page's range, and the outbox and
the inbox page the same way. Bad limits and cursors (malformed, made up,
another list's) are refused naming the field. kursusctl shows the first
page and says how to get more; --all streams every page: one table, one
CSV header, one JSON array.
"""

import csv
import datetime
import io
import json
import urllib.parse

from kursustest import AdminAPI, Tap, local_now

t = Tap()

SERIES = 10
PER_SERIES = 250
N = SERIES * PER_SERIES


def q(path, **params):
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


def walk(api, path, key, limit, params, during=None):
    """Every page of a list; during(pageno) runs between pages."""
    seen, pages, cursor = [], 0, None
    while True:
        p = dict(params, limit=limit)
        if cursor is not None:
            p["cursor"] = cursor
        a = api("GET", q(path, **p))
        if a is None:
            return seen, pages
        pages += 1
        seen.extend(a.get(key, []))
        if len(a.get(key, [])) > limit:
            t.ok(False, "a page holds at most the limit")
        cursor = a.get("next")
        if cursor is None:
            return seen, pages
        if during is not None:
            during(pages)


def main():
    d = t.daemon()
    api = AdminAPI(d)
    api("POST", "/venues", {"slug": "bib", "name": "Biblioteket"})
    api("POST", "/venues", {"slug": "filial", "name": "Filialen"})
    api("POST", "/courses", {"slug": "mitid", "title": "MitID",
                             "duration": 30})
    day0 = local_now().date() + datetime.timedelta(days=2)
    for s in range(SERIES):
        a = api("POST", "/sessions", {
            "course": "mitid", "venue": "bib" if s % 2 == 0 else "filial",
            "start": "%s %02d:%02d" % (day0.isoformat(), 8 + s // 2,
                                       (s % 2) * 30),
            "rrule": "FREQ=DAILY;COUNT=%d" % PER_SERIES,
            "allow_overlap": True, "far": True})
        if a is None:
            raise RuntimeError("sessions not made")
    span = {"from": day0.isoformat(),
            "to": (day0 + datetime.timedelta(days=PER_SERIES + 30))
            .isoformat()}

    # The first page: the default limit, and `next`.
    a = api("GET", q("/sessions", **span))
    t.eq(len(a["sessions"]), 100, "without a limit a page holds 100 sessions")
    t.ok(isinstance(a.get("next"), str) and a["next"],
         "an answer with more to come carries next")

    # A walk while sessions come and go.
    later = day0 + datetime.timedelta(days=PER_SERIES - 5)
    added_ahead, added_behind, moved = [], [], []

    def during(page):
        if page == 5:
            # Ahead of the walk (near the end) and behind it (at the start).
            for start, lst in (("%s 19:00" % later.isoformat(), added_ahead),
                               ("%s 19:00" % day0.isoformat(),
                                added_behind)):
                r = api("POST", "/sessions", {
                    "course": "mitid", "venue": "bib", "start": start,
                    "allow_overlap": True, "far": True})
                lst.append(r["sessions"][0]["id"])
        if page == 10:
            # Two sessions far ahead leave the range; cancel one (it stays).
            ahead = api("GET", q("/sessions", **{
                "from": (day0 + datetime.timedelta(days=200)).isoformat(),
                "to": span["to"], "limit": 3}))["sessions"]
            for s in ahead[:2]:
                api("POST", "/sessions/%d/move" % s["id"], {
                    "start": "%s 10:00" % (day0 + datetime.timedelta(
                        days=PER_SERIES + 40)).isoformat(),
                    "allow_overlap": True, "far": True})
                moved.append(s["id"])
            api("POST", "/sessions/%d/cancel" % ahead[2]["id"], {})

    seen, pages = walk(api, "/sessions", "sessions", 37, span, during)
    ids = [s["id"] for s in seen]
    keys = [(s["start_utc"], s["id"]) for s in seen]
    t.eq(len(ids), len(set(ids)), "no session is seen twice in the walk")
    t.ok(keys == sorted(keys), "the walk is in order of start and id")
    want = set(range(1, N + 1)) - set(moved) | set(added_ahead)
    t.eq(sorted(set(ids) ^ want), [],
         "every session that stayed is seen exactly once, those added "
         "ahead of the walk too (%d sessions in %d pages)" % (len(ids),
                                                              pages))
    t.ok(not set(added_behind) & set(ids),
         "a session added behind the walk is not seen")

    # A filter holds across pages.
    seen, pages = walk(api, "/sessions", "sessions", 50,
                       dict(span, venue="filial"))
    t.ok(pages > 2 and seen and all(s["venue"] == "filial" for s in seen),
         "venue=filial holds on every page (%d pages)" % pages)
    full = api("GET", q("/sessions", venue="filial", limit=1000, **span))
    t.eq([s["id"] for s in seen][:1000],
         [s["id"] for s in full["sessions"]],
         "the walk gives what one big page gives")

    # Without a range: the walk keeps the window of its first page.
    seen, pages = walk(api, "/sessions", "sessions", 200, {})
    one = api("GET", q("/sessions", limit=1000))
    t.eq([s["id"] for s in seen], [s["id"] for s in one["sessions"]],
         "a walk without a range gives the default window, as one page")
    t.ok("next" not in one, "the last page carries no next")

    # Refusals.
    for bad, status in (("0", 422), ("1001", 422), ("abc", 422),
                        ("", 422), ("-5", 422)):
        r = d.request("GET", q("/v1/sessions", limit=bad))
        t.eq((r.status, (r.json or {}).get("field")), (status, "limit"),
             "limit=%r is refused with %d naming limit" % (bad, status))
    nxt = api("GET", q("/sessions", limit=5, **span))["next"]
    for bad, why in (("zz", "not hex"), ("abc", "odd"),
                     (b'{"a":1}'.hex(), "not an array"),
                     (b'["sessions",1]'.hex(), "too few keys"),
                     (b'["sessions","x",1,2]'.hex(), "a key of a wrong type"),
                     (nxt[:-2], "cut short"), ("00" * 400, "too long")):
        r = d.request("GET", q("/v1/sessions", cursor=bad))
        t.eq((r.status, (r.json or {}).get("field")), (400, "cursor"),
             "a malformed cursor (%s) is refused with 400 naming cursor"
             % why)
    ob = b'["outbox",5]'.hex()
    r = d.request("GET", q("/v1/sessions", cursor=ob))
    t.eq((r.status, (r.json or {}).get("field")), (422, "cursor"),
         "another list's cursor is refused with 422 naming cursor")
    r = d.request("GET", q("/v1/outbox", cursor=nxt))
    t.eq((r.status, (r.json or {}).get("field")), (422, "cursor"),
         "a session cursor on the outbox is refused with 422")
    t.ok("sessions" in (r.json or {}).get("error", ""),
         "the refusal says whose cursor it is", r.body[:300])

    # The outbox and the inbox page too.
    for i in range(7):
        api("POST", "/participants", {"name": "Person %d" % i,
                                      "email": "p%d@example.org" % i})
        api("POST", "/sessions/1/registrations", {"participant": i + 1})
    whole = api("GET", q("/outbox", limit=1000))["outbox"]
    seen, pages = walk(api, "/outbox", "outbox", 3, {})
    t.ok(len(whole) >= 7 and [o["id"] for o in seen] ==
         [o["id"] for o in whole] and pages >= 3,
         "the outbox in pages of 3 is the whole outbox, by id (%d notices, "
         "%d pages)" % (len(whole), pages))
    seen, pages = walk(api, "/outbox", "outbox", 2, {"kind": "confirmation"})
    t.ok(seen and all(o["kind"] == "confirmation" for o in seen),
         "an outbox filter holds across pages")
    a = api("GET", "/inbox")
    t.eq(a, {"messages": [], "unhandled": 0},
         "an empty inbox answers as before")

    # Participants without a search: by name (case aside) and id.
    for i, name in enumerate(["anne Holm", "Anne Holm", "Bo", "bo", "Åse",
                              "Zacharias", "karen", "Karen", "jens"] * 2):
        api("POST", "/participants", {"name": name, "new_participant": True,
                                      "phone": "4%07d" % (i + 100)})
    every = api("GET", "/participants?limit=1000")["participants"]
    seen, pages = walk(api, "/participants", "participants", 4, {})
    t.ok(len(every) == 25 and [p["id"] for p in seen] ==
         [p["id"] for p in every] and pages == 7,
         "participants in pages of 4 are every participant once, in the "
         "order of one page (%d in %d pages)" % (len(seen), pages))
    t.ok([p["name"].lower() for p in every] ==
         sorted(p["name"].lower() for p in every),
         "by name, case aside")
    a = api("GET", "/participants?q=anne")
    t.ok(len(a["participants"]) == 4 and "next" not in a,
         "a search is not paged")
    r = d.request("GET", "/v1/participants?q=anne&cursor=" +
                  b'["participants","a",1]'.hex())
    t.eq((r.status, (r.json or {}).get("field")), (400, "cursor"),
         "a cursor with a search is refused naming cursor")
    r = d.ctl("participant", "list", "--all", "--csv", "--limit", "4",
              json=False)
    rows = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    t.eq([row[0] for row in rows], ["ID"] + [str(p["id"]) for p in every],
         "participant list --all --csv: one header, every participant")

    # kursusctl: the first page and a word on how to get more.
    span_args = ["--from", span["from"], "--to", span["to"]]
    r = d.ctl("session", "list", *span_args, json=False)
    lines = r.stdout.rstrip("\n").split("\n")
    t.eq(len(lines), 101, "session list prints the first page: a header "
         "and 100 rows")
    t.ok("--all" in r.err, "and says on stderr how to get more", r.err)
    r = d.ctl("session", "list", "--limit", "30", *span_args, json=False)
    t.eq(len(r.stdout.rstrip("\n").split("\n")), 31, "--limit 30: 30 rows")
    total_all = len(walk(api, "/sessions", "sessions", 1000, span)[0])
    r = d.ctl("session", "list", "--all", "--limit", "500", *span_args,
              json=False)
    lines = r.stdout.rstrip("\n").split("\n")
    t.eq(len(lines), total_all + 1, "--all prints one header and every "
         "session (%d)" % total_all)
    t.eq(r.err.strip(), "", "--all says nothing more on stderr")
    t.ok(lines[0].split()[:2] == ["ID", "START"] and
         not any(l.split()[:1] == ["ID"] for l in lines[1:]),
         "one header line only")
    r = d.ctl("session", "list", "--all", "--csv", "--limit", "400",
              *span_args, json=False)
    rows = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    t.eq(len(rows), total_all + 1, "--all --csv: one header and every row")
    t.eq(sum(1 for row in rows if row[:1] == ["ID"]), 1,
         "--all --csv has one header")
    r = d.ctl("session", "list", "--all", "--json", "--limit", "300",
              *span_args, json=False)
    try:
        arr = json.loads(r.stdout)
    except ValueError as e:
        arr = None
        t.diag("not JSON: %s" % e)
    t.ok(isinstance(arr, list) and len(arr) == total_all and
         len({s["id"] for s in arr}) == total_all,
         "--all --json prints one JSON array of every session")
    r = d.ctl("outbox", "--all", "--json", "--limit", "2", json=False)
    try:
        arr = json.loads(r.stdout)
    except ValueError:
        arr = None
    t.ok(isinstance(arr, list) and [o["id"] for o in arr] ==
         [o["id"] for o in whole], "outbox --all --json: every notice")
    r = d.ctl("session", "list", "--cursor", "zz", json=False, ok=False)
    t.refused(r, "a bad --cursor is refused with one line", ["cursor"])


t.run(main)
