"""
kursusctl in Danish, with the real daemon: under LANG=da_DK.UTF-8 its own
words (help, messages, table headings, its errors) are the Danish of
po/da.po, under LANG=C the English of the source; what the daemon says
(an "error") is said in Danish through its msgid, and --json and --csv
are the same whatever the language. The locale is made with localedef when the machine
lacks it (danish_env()); the catalogue is the build's (make check sets
KURSUS_LOCALEDIR to the build's locale/ tree).
"""

import datetime

from kursustest import Tap, danish_env, local_now

t = Tap()

EN = {"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}


def both(d, da, *args, ok=True):
    """The same command in English and in Danish: (english, danish)."""
    return (d.ctl(*args, json=False, env=EN, ok=ok),
            d.ctl(*args, json=False, env=da, ok=ok))


def says(r, words, desc):
    """Every word of words in r's output (stdout and stderr)."""
    text = r.stdout + r.err
    missing = [w for w in words if w not in text]
    t.ok(not missing, desc, (["missing: %r" % missing] if missing else [])
         + r.describe())


def main():
    da, why = danish_env()
    if da is None:
        t.skip("kursusctl in Danish", why)
        return
    d = t.daemon()

    en, dk = both(d, da, "session", "list")
    says(en, ["No sessions."], "session list, none: English under LANG=C")
    says(dk, ["Ingen kursusgange."], "session list, none: Danish")

    en, dk = both(d, da, "register", "--help")
    says(en, ["Register a participant for a session.", "Options:"],
         "register --help in English")
    says(dk, ["Tilmeld en deltager til en kursusgang.", "Valg:",
              "har en ledsager med"], "register --help in Danish")

    en, dk = both(d, da, "frobnicate", ok=False)
    says(en, ['unknown command "frobnicate"'], "an error of kursusctl's own "
         "in English")
    says(dk, ['ukendt kommando "frobnicate"'], "... and in Danish")

    d.ctl("venue", "add", "bibliotek", "--name", "Horsens Bibliotek")
    d.ctl("course", "add", "mitid", "--title", "MitID", "--duration", "90m",
          "--capacity", "1")
    day = local_now().date() + datetime.timedelta(days=20)
    if day.weekday() == 6:
        day += datetime.timedelta(days=1)
    r = d.ctl("session", "add", "--course", "mitid", "--venue", "bibliotek",
              "--start", day.isoformat() + " 10:00", "--allow-closed")
    sid = str(((r.out or {}).get("sessions") or [{}])[0].get("id"))

    r = d.ctl("register", sid, "--name", "Jørgen Smidstrup", "--phone",
              "20304050", json=False, env=da)
    says(r, ["Deltager 1 oprettet.", "Jørgen Smidstrup tilmeldt kursusgang "
             + sid + " (bekræftet", "kursist nr."],
         "register --name in Danish: created, registered, confirmed")
    r = d.ctl("register", sid, "--name", "Karen Holm", "--phone",
              "20304051", json=False, env=EN)
    says(r, ["Created participant 2.", "Karen Holm registered for session "
             + sid + " (waitlisted, position 1"],
         "register --name in English: created, waitlisted")

    en, dk = both(d, da, "registrations", sid)
    says(en, ["NAME", "PHONE", "STATUS", "Jørgen Smidstrup"],
         "registrations: English headings")
    says(dk, ["NAVN", "TELEFON", "LEDSAGER", "Jørgen Smidstrup"],
         "registrations: Danish headings")
    t.ok("NAME" not in dk.stdout, "registrations: no English heading in "
         "Danish", dk.describe())

    en, dk = both(d, da, "participant", "show", "1")
    says(en, ["phone:", "SMS consent:"], "participant show: English labels")
    says(dk, ["telefon:", "samtykke til SMS:", "Tilmeldinger:"],
         "participant show: Danish labels")

    # A refusal by the daemon in the user's language (its msgid and args;
    # test_danish_errors.py has more).
    en, dk = both(d, da, "register", "999", "1", ok=False)
    t.ok(en.rc == dk.rc and en.rc != 0 and
         "no session with id 999 (field: session)" in en.err and
         "der er ingen kursusgang med id 999 (felt: session)" in dk.err,
         "a refusal by the daemon: English under LANG=C, Danish in Danish",
         en.describe() + dk.describe())

    # --json and --csv: the same whatever the language.
    for args in (["session", "list"], ["registrations", sid],
                 ["participant", "show", "1"], ["waitlist", sid]):
        a = d.ctl(*args, env=EN).out
        b = d.ctl(*args, env=da).out
        t.ok(a is not None and a == b, "kursusctl %s --json: the same in "
             "Danish and English" % " ".join(args), [repr(a), repr(b)])
    en, dk = both(d, da, "registrations", sid, "--csv")
    t.ok(en.rc == 0 and en.stdout == dk.stdout and "NAME" in en.stdout,
         "registrations --csv: the same English headings in both languages",
         en.describe() + dk.describe())

    r = d.ctl("unregister", sid, "1", json=False, env=da)
    says(r, ["Jørgen Smidstrup (deltager 1, kursist nr.",
             "afmeldt kursusgang " + sid,
             "Karen Holm rykket op fra ventelisten til kursusgang " + sid,
             "bekræftet"],
         "unregister in Danish, and the waitlist moving up")


t.run(main)
