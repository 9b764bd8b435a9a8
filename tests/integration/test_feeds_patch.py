"""
A feed patched after a change is the feed listed afresh, byte for byte.

Between two full listings kursusd does not read a cached feed's sessions
again: it patches the list from the sessions written since (the store's
update hook keeps their ids) and renders only those. Here every change that
moves a session into, out of or within a feed, or changes what its event
says, is made in turn: a move within the venue and to the other venue, a
series moved from one session on, a cancellation, staff added and taken
off, new sessions, a renamed venue, course type and instructor, notes, a
registration (a commit that writes no session). After each, every public
feed kind (all, venue, course, instructor) is fetched, the debug log must
say its list was patched, and the bytes must be those a kursusd started
afresh on the same database serves, which lists everything anew (and
renders the next sessions' texts ahead of the first request).
"""

import datetime
import re

from kursustest import Daemon, Tap, local_now, tcp_request

t = Tap()


class VerboseDaemon(Daemon):
    """kursusd with its debug log, where each render says how its list was
    made."""

    def argv(self):
        return super().argv() + ["-v"]


def api(d, method, path, body=None):
    r = d.request(method, path, body)
    if not 200 <= r.status < 300:
        raise RuntimeError("%s %s: %d %r" % (method, path, r.status, r.body))
    return r.json


def main():
    d = VerboseDaemon(t)
    t._daemons.append(d)
    d.start()

    api(d, "POST", "/v1/venues", {"slug": "aero", "name": "Ærø Bibliotek",
        "address": "Vestergade 1; 1. sal", "postcode": "5970",
        "city": "Ærøskøbing"})
    api(d, "POST", "/v1/venues", {"slug": "horsens",
        "name": "Horsens Bibliotek", "latitude": 55.860867,
        "longitude": 9.850302})
    api(d, "POST", "/v1/courses", {"slug": "tablet",
        "title": "Tablet, trin 1", "duration": 90,
        "description": "Vi øver; tag din egen med."})
    api(d, "POST", "/v1/courses", {"slug": "mitid", "title": "MitID",
        "duration": 60})
    api(d, "POST", "/v1/instructors", {"slug": "ib", "name": "Ib Ærbøl"})
    api(d, "POST", "/v1/instructors", {"slug": "karen",
        "name": "Karen Sønderstrøm"})

    base = local_now().date() + datetime.timedelta(days=3)

    def day(n):
        return (base + datetime.timedelta(days=n)).isoformat()

    series = api(d, "POST", "/v1/sessions", {"course": "tablet",
                 "venue": "aero", "start": "%s 10:00" % day(0),
                 "weekly": 40, "instructors": ["ib"]})["sessions"]
    others = api(d, "POST", "/v1/sessions", {"course": "mitid",
                 "venue": "horsens", "start": "%s 14:00" % day(1),
                 "weekly": 30, "instructors": ["karen"]})["sessions"]
    # Enough for the first render of /feeds/all.ics to read and render on
    # every core, each thread with a connection of its own (five years of
    # weeks: far).
    api(d, "POST", "/v1/sessions", {"course": "tablet", "venue": "horsens",
        "start": "%s 18:00" % day(4), "weekly": 250, "far": True})

    paths = ["/feeds/all.ics", "/feeds/venue/aero.ics",
             "/feeds/venue/horsens.ics", "/feeds/course/tablet.ics",
             "/feeds/course/mitid.ics"]
    for slug in ("ib", "karen"):
        paths.append(api(d, "GET", "/v1/feeds/instructor/" + slug)["path"])

    def fetch_all():
        got = {}
        for p in paths:
            r = tcp_request(d.public_port, "GET", p)
            got[p] = r.body if r.status == 200 else "status %d" % r.status
        return got

    fetch_all()

    changes = [
        ("a session moved later the same day", "POST",
         "/v1/sessions/%d/move" % series[3]["id"],
         {"start": "%s 16:30" % day(21)}),
        ("a session moved to the other venue", "POST",
         "/v1/sessions/%d/move" % series[5]["id"],
         {"start": "%s 09:00" % day(36), "venue": "horsens"}),
        ("a series moved from one session on", "POST",
         "/v1/sessions/%d/move" % others[20]["id"],
         {"start": "%s 15:00" % day(141), "scope": "following"}),
        ("a session cancelled", "POST",
         "/v1/sessions/%d/cancel" % series[8]["id"], {}),
        ("an instructor added to a session", "PATCH",
         "/v1/sessions/%d" % others[2]["id"],
         {"instructors": ["karen", "ib"]}),
        ("the instructors taken off a session", "PATCH",
         "/v1/sessions/%d" % series[10]["id"], {"instructors": []}),
        ("new sessions", "POST", "/v1/sessions",
         {"course": "mitid", "venue": "aero", "start": "%s 10:00" % day(2),
          "weekly": 3, "instructors": ["ib"]}),
        ("a session's description", "PATCH",
         "/v1/sessions/%d" % series[12]["id"],
         {"description": "Husk opladeren, også i dag."}),
        ("a session's notes (for staff, not in feeds)", "PATCH",
         "/v1/sessions/%d" % series[12]["id"],
         {"notes": "Ring til klubben dagen før."}),
        ("the venue renamed", "PATCH", "/v1/venues/horsens",
         {"name": "Horsens Hovedbibliotek"}),
        ("the course type renamed", "PATCH", "/v1/courses/tablet",
         {"title": "Tablet for begyndere"}),
        ("the instructor renamed", "PATCH", "/v1/instructors/karen",
         {"name": "Karen S. Sønderstrøm"}),
        ("a registration (no session written)", "POST",
         "/v1/sessions/%d/registrations" % series[15]["id"],
         {"participant": {"name": "Else Bæk", "phone": "23344556"}}),
    ]
    for what, method, path, body in changes:
        api(d, method, path, body)
        since = len(d.log(since_start=True))
        patched = fetch_all()
        log = d.log(since_start=True)[since:]
        lines = {p: re.findall(r"feed %s: .*\(list (\w+)\)" % re.escape(p),
                               log) for p in paths}
        read = [p for p in paths if "read" in lines[p]]
        t.ok(not read, "%s: no feed read its list anew" % what, read)
        d.restart()
        fresh = fetch_all()
        # Two equal refusals ("status 404") are no feed: each must be a
        # 200 both times, and then the same bytes.
        differ = [p for p in paths if patched[p] != fresh[p] or
                  not isinstance(patched[p], bytes) or
                  not isinstance(fresh[p], bytes)]
        t.ok(not differ, "%s: every feed as a fresh kursusd serves it" %
             what, ["%s: patched %r, fresh %r" % (
                 p, patched[p] if isinstance(patched[p], str)
                 else "%d bytes" % len(patched[p]),
                 fresh[p] if isinstance(fresh[p], str)
                 else "%d bytes" % len(fresh[p])) for p in differ])
        renders = sum(len(v) for v in lines.values())
        if what.startswith("a registration"):
            t.ok(renders == 0, "%s: no feed rendered again" % what,
                 [repr(lines)])
        else:
            t.ok(renders > 0, "%s: feeds rendered again" % what,
                 [repr(lines)])

    # After a start, the texts of the next sessions are rendered ahead
    # (by threads of their own), and the first fetch of every feed takes
    # them: the same bytes as above, with none of the common variant's
    # texts rendered by the fetch itself.
    d.restart()
    since = len(d.log(since_start=True))
    again = fetch_all()
    log = d.log(since_start=True)[since:]
    ahead = re.findall(r"feeds: (\d+) event texts rendered ahead of "
                       r"(\d+) sessions", d.log(since_start=True))
    t.ok(ahead and int(ahead[-1][0]) > 250,
         "after a start the next sessions' texts are rendered ahead",
         [repr(ahead)])
    t.ok(again == fresh, "the feeds rendered ahead are the same bytes", [])
    counts = [int(n) for n in re.findall(
        r"feed /feeds/(?:all|venue/\w+|course/\w+)\.ics: \d+ sessions, "
        r"(\d+) rendered", log)]
    t.ok(counts and not any(counts),
         "the public feeds' first fetch rendered none itself", [repr(counts)])
    taken = [int(n) for n in re.findall(
        r"feed /feeds/(?:all|venue/\w+|course/\w+)\.ics: \d+ sessions, "
        r"\d+ rendered now, (\d+) taken from the render-ahead", log)]
    t.ok(taken and any(taken),
         "the debug line says the texts were taken from the render-ahead",
         [repr(taken)])

    t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")


t.run(main)
