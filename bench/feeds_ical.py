#!/usr/bin/python3
"""bench/feeds_ical.py DB VENUE_SLUG PUBLIC_URL [PAST_DAYS CANCELLED_DAYS]

The peer of the cold-render figure of bench/feeds: builds the feed of one
venue the way kursusd shows it (same rows from the same database, same
properties: VTIMEZONE with yearly RRULEs, UID, DTSTAMP, DTSTART/DTEND with
TZID, SUMMARY, STATUS, SEQUENCE, CREATED, LAST-MODIFIED, LOCATION, GEO,
DESCRIPTION, URL, CATEGORIES, TRANSP) with Debian's python3-icalendar and
serialises it with to_ical(). Run it with /usr/bin/python3, whose
dist-packages hold that package.

Prints one line: "BENCH events=N bytes=B read_ms=R build_ms=X
serialise_ms=S total_ms=T icalendar=VERSION"; total is read + build +
serialise, the same work a cold kursusd render does.
"""
import datetime
import sqlite3
import sys
import time

import icalendar

try:
    import pytz  # what python3-icalendar 4 and 5 know a zone's name from
    zone, utc = pytz.timezone, pytz.utc
except ImportError:  # newer ones read it from zoneinfo
    from zoneinfo import ZoneInfo as zone
    utc = datetime.timezone.utc

SQL = """
SELECT s.uid, s.sequence, s.status, s.start_at, s.end_at, v.timezone,
       c.title, v.name, v.address, v.postcode, v.city, v.latitude,
       v.longitude, c.description, c.bring, v.access_notes,
       v.equipment_notes, v.contact_name, v.contact_phone, s.notes,
       s.created_at, max(s.updated_at, v.updated_at, c.updated_at),
       (SELECT group_concat(i.name, ', ') FROM session_staff st
        JOIN instructor i ON i.id = st.instructor_id
        WHERE st.session_id = s.id AND st.role = 'instructor'),
       (SELECT group_concat(i.name, ', ') FROM session_staff st
        JOIN instructor i ON i.id = st.instructor_id
        WHERE st.session_id = s.id AND st.role = 'helper'),
       c.slug
FROM session s JOIN venue v ON v.id = s.venue_id
JOIN course c ON c.id = s.course_id
WHERE v.slug = ?1 AND s.start_at >= ?2
  AND (s.status != 'cancelled' OR s.updated_at >= ?3)
ORDER BY s.start_at, s.id
"""


def vtimezone(tzid):
    """The compact form kursusd sends for the EU rule (last Sunday of
    March and October)."""
    tz = icalendar.Timezone()
    tz.add("tzid", tzid)
    tz.add("x-lic-location", tzid)
    day = icalendar.TimezoneDaylight()
    day.add("tzname", "CEST")
    day.add("tzoffsetfrom", datetime.timedelta(hours=1))
    day.add("tzoffsetto", datetime.timedelta(hours=2))
    day.add("dtstart", datetime.datetime(1981, 3, 29, 2, 0, 0))
    day.add("rrule", {"freq": "yearly", "byday": "-1su", "bymonth": 3})
    tz.add_component(day)
    std = icalendar.TimezoneStandard()
    std.add("tzname", "CET")
    std.add("tzoffsetfrom", datetime.timedelta(hours=2))
    std.add("tzoffsetto", datetime.timedelta(hours=1))
    std.add("dtstart", datetime.datetime(1996, 10, 27, 3, 0, 0))
    std.add("rrule", {"freq": "yearly", "byday": "-1su", "bymonth": 10})
    tz.add_component(std)
    return tz


def joined(sep, *parts):
    return sep.join(p for p in parts if p)


def main():
    db, slug, url = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/")
    past_days = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    cancelled_days = int(sys.argv[5]) if len(sys.argv) > 5 else 30
    now = int(time.time())

    t0 = time.perf_counter()
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    name = con.execute("SELECT name FROM venue WHERE slug = ?",
                       (slug,)).fetchone()[0]
    rows = con.execute(SQL, (slug, now - past_days * 86400,
                             now - cancelled_days * 86400)).fetchall()
    con.close()
    t1 = time.perf_counter()

    zones = {}
    stamp = datetime.datetime.fromtimestamp(now, utc)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//kursusd bench//python3-icalendar//DA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", "Kurser – %s" % name)
    cal.add("x-wr-calname", "Kurser – %s" % name)
    cal.add("x-wr-timezone", "Europe/Copenhagen")
    cal.add("refresh-interval",
            icalendar.vDuration(datetime.timedelta(hours=1)),
            parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    events = []
    for (uid, seq, status, start, end, tzid, title, vname, addr, postcode,
         city, lat, lon, cdesc, bring, access, equipment, cname, cphone,
         notes, created, modified, instructors, helpers, cslug) in rows:
        if tzid not in zones:
            zones[tzid] = zone(tzid)
            cal.add_component(vtimezone(tzid))
        tz = zones[tzid]
        loc = joined(", ", vname, addr, joined(" ", postcode, city))
        desc = [cdesc] if cdesc else []
        for label, value in (("Medbring", bring), ("Sted", loc),
                             ("Adgang", access), ("Udstyr", equipment),
                             ("Underviser", instructors),
                             ("Hjælpere", helpers)):
            if value:
                desc.append("%s: %s" % (label, value))
        if cname:
            desc.append("Kontakt: %s" % joined(", ", cname, cphone))
        text = "\n".join(desc)
        if notes:
            text = joined("\n\n", text, notes)
        ev = icalendar.Event()
        ev.add("uid", uid)
        ev.add("dtstamp", stamp)
        ev.add("dtstart", datetime.datetime.fromtimestamp(start, tz))
        ev.add("dtend", datetime.datetime.fromtimestamp(end, tz))
        cancelled = status == "cancelled"
        ev.add("summary", ("AFLYST: " if cancelled else "") + title)
        ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        ev.add("sequence", seq)
        ev.add("created", datetime.datetime.fromtimestamp(created, utc))
        ev.add("last-modified",
               datetime.datetime.fromtimestamp(modified, utc))
        ev.add("location", loc)
        if lat is not None and lon is not None:
            ev.add("geo", (lat, lon))
        ev.add("description", text)
        ev.add("url", "%s/feeds/course/%s.ics" % (url, cslug))
        ev.add("categories", [title])
        ev.add("transp", "OPAQUE")
        events.append(ev)
    for ev in events:
        cal.add_component(ev)
    t2 = time.perf_counter()
    out = cal.to_ical()
    t3 = time.perf_counter()

    print("BENCH events=%d bytes=%d read_ms=%.1f build_ms=%.1f "
          "serialise_ms=%.1f total_ms=%.1f icalendar=%s" % (
              len(rows), len(out), (t1 - t0) * 1e3, (t2 - t1) * 1e3,
              (t3 - t2) * 1e3, (t3 - t0) * 1e3,
              getattr(icalendar, "__version__", "?")))
    if len(sys.argv) > 6:
        with open(sys.argv[6], "wb") as f:
            f.write(out)


if __name__ == "__main__":
    main()
