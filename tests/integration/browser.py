"""
browser: public pages judged in a real browser, for the tests of the
pages (test_public_page.py, test_cancel.py). tests/browser/check-pages.mjs
loads each URL in Debian's headless chromium through playwright-core:
html-validate finds no error, axe-core no serious or critical violation
(WCAG 2.1 A and AA), and nothing scrolls sideways at 390 px. Skipped,
saying why, when the browser or the node modules (dev/deps) are missing.
"""

import json
import os
import shutil
import subprocess

from kursustest import SRCDIR

NODE_DIR = os.path.join(SRCDIR, "tests", "node_modules")
CHECK_SCRIPT = os.path.join(SRCDIR, "tests", "browser", "check-pages.mjs")


def check_pages(t, base, paths):
    """The checks for each of paths under base (http://host:port)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    node = shutil.which("node")
    missing = []
    if not os.path.exists(chromium):
        missing.append("chromium (apt-get install chromium, see dev/deps)")
    if node is None:
        missing.append("node (apt-get install nodejs npm)")
    for mod in ("playwright-core", "axe-core", "html-validate"):
        if not os.path.isdir(os.path.join(NODE_DIR, mod)):
            missing.append("tests/node_modules/%s (dev/deps runs npm ci "
                           "in tests/)" % mod)
    desc = "the pages in headless chromium: html-validate, axe-core, 390 px"
    if missing:
        t.skip(desc, "missing " + "; ".join(missing))
        return
    p = subprocess.run([node, CHECK_SCRIPT, chromium] +
                       [base + x for x in paths], capture_output=True,
                       text=True, timeout=300, cwd=os.path.dirname(NODE_DIR))
    try:
        res = json.loads(p.stdout)
    except ValueError:
        t.ok(False, desc, [p.stdout[-2000:], p.stderr[-2000:]])
        return
    for x in res:
        t.ok(not x.get("error"), "%s loads in chromium" % x["url"],
             [x.get("error")])
        t.ok(not x.get("html_errors"), "%s: html-validate finds no error"
             % x["url"], x.get("html_errors"))
        t.ok(not x.get("axe"), "%s: axe-core finds no serious or critical "
             "violation" % x["url"], x.get("axe"))
        t.ok(x.get("scroll_width", 999) <= 390, "%s: no sideways scroll "
             "at 390 px (scrollWidth %s)" % (x["url"],
                                             x.get("scroll_width")))
