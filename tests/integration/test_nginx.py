"""
kursusd behind nginx with the shipped etc/nginx-kursusd.conf.

A real nginx (Debian's) is started on loopback with the shipped server
block, only its addresses and cache directory changed, in front of a real
kursusd whose feeds may be cached for CACHE seconds. Through it:

- a feed comes from kursusd once and from the cache after, the same bytes;
- gzip is passed through, and each encoding is kept apart (Vary);
- a changed session shows through the cache within the feed's max-age
  (nginx asks again with If-None-Match once the copy is stale);
- two people's personal feeds are each their own, never the other's;
- with kursusd stopped, the cache goes on serving the last feeds.
"""

import datetime
import gzip
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

from kursustest import SRCDIR, Tap, free_port, local_now, wait_for

t = Tap()

CACHE = 2       # [feeds] cache_seconds: the feeds' max-age
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def shipped_conf(upstream_port, listen_port, cache_dir):
    """etc/nginx-kursusd.conf with the test's addresses and cache."""
    with open(os.path.join(SRCDIR, "etc", "nginx-kursusd.conf")) as f:
        text = f.read()
    subs = [(r"proxy_cache_path /var/cache/nginx/kursusd",
             "proxy_cache_path " + cache_dir),
            (r"server 127\.0\.0\.1:8090;",
             "server 127.0.0.1:%d;" % upstream_port),
            (r"\n\tlisten 80;", "\n\tlisten 127.0.0.1:%d;" % listen_port),
            (r"\n\tlisten \[::\]:80;", "")]
    for pattern, repl in subs:
        text, n = re.subn(pattern, repl, text)
        if n != 1:
            raise RuntimeError("etc/nginx-kursusd.conf: %r not found once"
                               % pattern)
    return text


def start_nginx(dirname, server_block):
    conf = os.path.join(dirname, "nginx.conf")
    with open(os.path.join(dirname, "kursusd.conf"), "w") as f:
        f.write(server_block)
    temp = os.path.join(dirname, "temp")
    os.makedirs(temp, exist_ok=True)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    with open(conf, "w") as f:
        f.write("%sdaemon off;\nworker_processes 1;\npid %s/nginx.pid;\n"
                "error_log %s/error.log warn;\nevents {}\nhttp {\n"
                "access_log off;\nclient_body_temp_path %s/body;\n"
                "proxy_temp_path %s/proxy;\nfastcgi_temp_path %s/fcgi;\n"
                "uwsgi_temp_path %s/uwsgi;\nscgi_temp_path %s/scgi;\n"
                "include %s/kursusd.conf;\n}\n" % (
                    user, dirname, dirname, temp, temp, temp, temp, temp,
                    dirname))
    r = subprocess.run([NGINX, "-t", "-q", "-p", dirname, "-c", conf,
                        "-e", os.path.join(dirname, "error.log")],
                       capture_output=True, text=True)
    if not t.ok(r.returncode == 0, "nginx -t accepts the shipped server "
                "block", [r.stderr]):
        return None
    return subprocess.Popen([NGINX, "-p", dirname, "-c", conf, "-e",
                             os.path.join(dirname, "error.log")],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def get(port, path, gz=False):
    """(status, headers with lower-case names, body bytes as sent)."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path))
    if gz:
        req.add_header("Accept-Encoding", "gzip")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, \
                r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, \
            e.read()
    except OSError:
        return None, {}, b""


def summaries(body):
    return sorted(re.findall(rb"^SUMMARY:(.*?)\r$", body, re.M))


def main():
    if not os.path.exists(NGINX):
        t.skip("nginx in front of kursusd", "nginx is not installed "
               "(dev/deps installs nginx-light)")
        return
    d = t.daemon(extra=["feeds.cache_seconds=%d" % CACHE])
    day = local_now().date() + datetime.timedelta(days=3)
    start = "%s 10:00" % day.isoformat()
    d.ctl("venue", "add", "aero", "--name", "Ærø Bibliotek")
    d.ctl("course", "add", "tablet", "--title", "Tablet, trin 1",
          "--duration", "90m")
    d.ctl("course", "add", "mitid", "--title", "MitID", "--duration", "60m")
    s1 = (d.ctl("session", "add", "--course", "tablet", "--venue", "aero",
                "--start", start).out or {}).get("sessions", [{}])[0]
    s2 = (d.ctl("session", "add", "--course", "mitid", "--venue", "aero",
                "--start", start.replace("10:00", "14:00")).out or
          {}).get("sessions", [{}])[0]
    a = (d.ctl("register", s1.get("id"), "--name", "Anna Holm",
               "--phone", "20 30 40 50").out or {}).get("participant_id")
    b = (d.ctl("register", s2.get("id"), "--name", "Bent Lund",
               "--phone", "20 30 40 51").out or {}).get("participant_id")
    pa = (d.ctl("feeds", "participant", a).out or {}).get("path")
    pb = (d.ctl("feeds", "participant", b).out or {}).get("path")

    dirname = t.tempdir()
    port = free_port()
    ngx = start_nginx(dirname, shipped_conf(d.public_port, port,
                                            os.path.join(dirname, "cache")))
    if ngx is None:
        return
    try:
        check(d, port, pa, pb)
    finally:
        ngx.send_signal(signal.SIGQUIT)
        try:
            ngx.wait(10)
        except subprocess.TimeoutExpired:
            ngx.kill()


def check(d, port, pa, pb):
    venue = "/feeds/venue/aero.ics"
    # nginx's own 404 (no feed path): up without touching the cache.
    if not wait_for(lambda: get(port, "/")[0] is not None, 5, 0.05):
        t.ok(False, "nginx answers on its port")
        return

    direct = get(d.public_port, venue)[2]
    s, h, first = get(port, venue)
    s2, h2, again = get(port, venue)
    t.ok(s == 200 and first == direct and h.get("x-cache-status") == "MISS",
         "through nginx: the venue feed from kursusd, the same bytes",
         [s, h.get("x-cache-status")])
    t.ok(s2 == 200 and again == direct and h2.get("x-cache-status") == "HIT",
         "asked again: from the cache", [s2, h2.get("x-cache-status")])

    s, h, zbody = get(port, venue, gz=True)
    ok = s == 200 and h.get("content-encoding") == "gzip"
    try:
        ok = ok and gzip.decompress(zbody) == direct
    except OSError:
        ok = False
    s2, h2, plain = get(port, venue)
    t.ok(ok and plain == direct and "content-encoding" not in h2,
         "gzip passes through, and each encoding is kept apart (Vary)",
         [s, h.get("content-encoding"), h2.get("content-encoding")])

    ra, rb = get(port, pa)[2], get(port, pb)[2]
    ra2, rb2 = get(port, pa)[2], get(port, pb)[2]
    t.ok(summaries(ra) == [b"Tablet\\, trin 1"] and
         summaries(rb) == [b"MitID"] and ra2 == ra and rb2 == rb,
         "personal feeds: each person's own, cached under their own URL",
         [summaries(ra), summaries(rb)])
    s, _, _ = get(port, pa.replace(pa.split("/")[-1], "0" * 32 + ".ics"))
    t.eq(s, 404, "an unknown token through nginx: 404")

    # The cancel links pass through, uncached, limited by nginx per
    # address (kursusd trusts nginx's address and leaves it to nginx).
    s, h, body = get(port, "/afmeld/" + "0" * 32)
    t.ok(s == 404 and h.get("content-type", "").startswith("text/html")
         and "x-cache-status" not in h,
         "a cancel link through nginx: kursusd's own 404 page, not cached",
         [s, h])
    codes = [get(port, "/afmeld/" + "1" * 32)[0] for _ in range(15)]
    t.ok(429 in codes and codes[0] == 404,
         "a burst of cancel requests from one address: nginx says 429",
         codes)

    # A change shows within the max-age: the copy goes stale and nginx
    # asks again (If-None-Match); kursusd answers with the new bytes.
    d.ctl("course", "edit", "tablet", "--title", "Tablet, trin 2")
    t0 = time.monotonic()
    seen = False
    while not seen and time.monotonic() - t0 < CACHE + 3:
        seen = b"trin 2" in get(port, venue)[2]
        if not seen:
            time.sleep(0.1)
    took = time.monotonic() - t0
    # (nginx counts a copy's life in whole seconds: up to one more.)
    t.ok(seen and took <= CACHE + 1.5,
         "a changed course title shows through the cache within the "
         "max-age (%d s): after %.1f s" % (CACHE, took))
    body = get(port, venue)[2]

    d.stop()
    time.sleep(CACHE + 0.5)
    s, h, stale = get(port, venue)
    t.ok(s == 200 and stale == body and h.get("x-cache-status") in
         ("STALE", "UPDATING"),
         "kursusd stopped: nginx goes on serving the last feed",
         [s, h.get("x-cache-status")])
    s, h, _ = get(port, pb)
    t.ok(s == 200 and h.get("x-cache-status") in ("STALE", "UPDATING"),
         "and the personal feeds it had", [s, h.get("x-cache-status")])


t.run(main)
