"""
Times as Danes type and read them, with the real daemon and kursusctl:
a session's start typed "8.12.2026 10:00", "8/12 10.00", "8. december kl.
10" or "tirsdag kl. 10" is the same instant; every time kursusctl shows
staff is local time with the weekday in the CLI's language (English, or
Danish under LANG=da_DK.UTF-8), and nothing says UTC unless --utc; --json
is the same whatever the language.
"""

import datetime
import re

from kursustest import Tap, danish_env, local_now, zone

t = Tap()

DA_DAYS = ["man", "tir", "ons", "tor", "fre", "lør", "søn"]
EN_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# Danish needs the locale on the machine (danish_env() makes it); without
# it kursusctl speaks English throughout, and the Danish checks are skipped.
DA, NO_DA = danish_env()
EN = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def add_session(d, start):
    """session add, with what another rule asks for (the same hour twice,
    a closed day) when it asks."""
    args = ["session", "add", "--course", "mitid", "--venue", "bibliotek",
            "--start", start]
    for _ in range(3):
        r = d.ctl(*args, ok=None)
        more = [o for o in ("--allow-overlap", "--allow-closed")
                if r.rc != 0 and o in r.err and o not in args]
        if not more:
            break
        args += more
    t.ctl_ok(r, "kursusctl session add --start %r" % start)
    return r


def main():
    d = t.daemon()
    d.ctl("venue", "add", "bibliotek", "--name", "Horsens Bibliotek")
    d.ctl("course", "add", "mitid", "--title", "MitID", "--duration", "90m")

    # The next Tuesday at least two weeks on, written five ways.
    today = local_now().date()
    tue = today + datetime.timedelta(days=14 + (1 - today.weekday()) % 7)
    forms = [tue.isoformat() + " 10:00",
             "%d.%d.%d 10:00" % (tue.day, tue.month, tue.year),
             "%d/%d 10.00" % (tue.day, tue.month),
             "%d. %s kl. 10" % (tue.day, ["januar", "februar", "marts",
                                          "april", "maj", "juni", "juli",
                                          "august", "september", "oktober",
                                          "november", "december"]
                                [tue.month - 1]),
             "tirsdag den %d.%d.%d kl. 10" % (tue.day, tue.month, tue.year)]
    want = datetime.datetime.combine(tue, datetime.time(10), zone())
    want_utc = want.astimezone(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    ids = []
    for f in forms:
        r = add_session(d, f)
        s = ((r.out or {}).get("sessions") or [{}])[0]
        t.eq(s.get("start_utc"), want_utc, "--start %r is %s" % (f, want))
        ids.append(s.get("id"))
    r = d.ctl("session", "list", "--from", "tirsdag kl. 0", "--to",
              "%d/%d kl. 23" % (tue.day, tue.month))
    t.ok(r.rc == 0 and isinstance(r.out, dict),
         "session list --from/--to in Danish forms", r.describe())

    r = d.ctl("session", "add", "--course", "mitid", "--venue", "bibliotek",
              "--start", "onsdag den %d.%d.%d kl. 10" %
              (tue.day, tue.month, tue.year), ok=False, json=False)
    t.refused(r, "a weekday that is not the date's is refused",
              ["is a tuesday, not a wednesday"])

    sid = ids[0]
    d.ctl("register", sid, "--name", "Jørgen Smidstrup", "--phone",
          "20304050")
    en_when = "%s %s 10:00" % (EN_DAYS[tue.weekday()], tue.isoformat())
    da_when = "%s %d.%d.%d 10:00" % (DA_DAYS[tue.weekday()], tue.day,
                                     tue.month, tue.year)
    r = d.ctl("session", "list", json=False, env=EN)
    t.ok(en_when in r.stdout, "session list: %r in English" % en_when,
         r.describe())
    if DA is None:
        t.skip("session list: %r under LANG=da_DK.UTF-8" % da_when, NO_DA)
    else:
        r = d.ctl("session", "list", json=False, env=DA)
        t.ok(da_when in r.stdout and en_when not in r.stdout,
             "session list: %r under LANG=da_DK.UTF-8" % da_when,
             r.describe())

    # Every time shown: local, no UTC. The confirmation was queued now.
    now = local_now()
    for args in (["outbox"], ["outbox", "show", "1"], ["session", "show",
                 str(sid)], ["participant", "show", "1"], ["venue", "show",
                 "bibliotek"], ["status"]):
        for env in (EN, DA or EN):
            r = d.ctl(*args, json=False, env=env, ok=None)
            t.ok(r.rc in (0, 3) and "UTC" not in r.stdout,
                 "kursusctl %s (%s) says nothing of UTC" %
                 (" ".join(args), env["LANG"]), r.describe())
    r = d.ctl("outbox", json=False, env=EN)
    local_due = "%s %s" % (EN_DAYS[now.weekday()], now.strftime("%Y-%m-%d"))
    t.ok(local_due in r.stdout, "outbox: the due time is local, %r" %
         local_due, r.describe())
    r = d.ctl("outbox", "--utc", json=False, env=EN)
    t.ok(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", r.stdout) is not None,
         "outbox --utc shows UTC", r.describe())
    r = d.ctl("session", "show", str(sid), "--utc", json=False, env=EN)
    hm = want.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    t.ok("%s UTC" % hm in r.stdout, "session show --utc: %s UTC" % hm,
         r.describe())
    a = d.ctl("session", "show", sid, env=EN).out
    b = d.ctl("session", "show", sid, env=DA or EN).out
    t.eq(a, b, "--json is the same in Danish and English")


t.run(main)
