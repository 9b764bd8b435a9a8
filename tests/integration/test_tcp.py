"""
The admin API over TCP with a bearer token: the token file is created 0600
at first start; kursusctl --url --token-file works; no token or a wrong
one gets 401; after admin.max_failures failures the address gets 429 (even
with the right token) while another allowed address is unaffected; an
address outside admin.allow gets 403; a token file others can read makes
kursusd refuse to start, naming the file; the public listener never serves
the admin API. Writes sent back to back on one connection, each waiting for
its group commit, are answered in order; a client that shuts its sending
side after its request still gets the answer, and clients that close at
once leave kursusd answering.
"""

import http.client
import json
import os
import re
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request

from kursustest import CMD_TIMEOUT, Daemon, Tap, free_port, run_ctl

t = Tap()

MAX_FAILURES = 4

# Straight to the daemon, whatever http_proxy says.
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url, token=None, scheme="Bearer", method="GET", data=None):
    """(status, headers, body) for one request made with urllib."""
    req = urllib.request.Request(url, method=method, data=data)
    if token is not None:
        req.add_header("Authorization", "%s %s" % (scheme, token))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with NO_PROXY.open(req, timeout=CMD_TIMEOUT) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_from(source, port, path, token):
    """GET from a given loopback source address."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=CMD_TIMEOUT,
                                   source_address=(source, 0))
    try:
        c.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def venue_post(token, slug, close=False):
    """POST /v1/venues as raw bytes, for requests sent back to back."""
    body = ('{"slug": "%s", "name": "Sted %s"}' % (slug, slug)).encode()
    return ("POST /v1/venues HTTP/1.1\r\nHost: kursusd\r\nAuthorization: "
            "Bearer %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n%s\r\n" %
            (token, len(body), "Connection: close\r\n" if close else "")
            ).encode() + body


def raw_from(source, port, chunks, pause=0.0, half_close=False):
    """What the server sends on one connection from source, chunks sent
    pause seconds apart (then the sending side shut, if half_close), read
    until it closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=CMD_TIMEOUT,
                                 source_address=(source, 0))
    try:
        for i, c in enumerate(chunks):
            if i > 0 and pause > 0:
                time.sleep(pause)
            s.sendall(c)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                return data
            data += b
    finally:
        s.close()


def is_json_error(body):
    import json
    try:
        j = json.loads(body.decode("utf-8"))
    except ValueError:
        return False
    return isinstance(j, dict) and isinstance(j.get("error"), str) and \
        "field" in j


def main():
    port = free_port()
    tmp = t.tempdir()
    token_file = os.path.join(tmp, "token")
    d = t.daemon(dirname=tmp, extra=[
        "admin.listen=127.0.0.1:%d" % port, "admin.token_file=" + token_file,
        "admin.max_failures=%d" % MAX_FAILURES,
        "admin.allow=127.0.0.1/32,127.0.0.2/32"])
    base = "http://127.0.0.1:%d" % port

    # --- the token file
    try:
        st = os.stat(token_file)
        mode = stat.S_IMODE(st.st_mode)
        with open(token_file) as f:
            token = f.read().strip()
    except OSError as e:
        t.diag("token file: %s" % e)
        st, mode, token = None, None, ""
    t.ok(st is not None and stat.S_ISREG(st.st_mode) and mode == 0o600,
         "the token file is created as a regular file with mode 0600",
         ["mode: %s" % (oct(mode) if mode is not None else None)])
    t.ok(len(token) >= 16, "the token file holds a token of 16+ characters",
         ["length %d" % len(token)])

    # --- with the token
    tcp = ["--url", base, "--token-file", token_file]
    r = run_ctl(t, tcp, ["status"])
    t.eq((r.out or {}).get("api_version"), 1,
         "kursusctl --url --token-file status works over TCP")
    r = run_ctl(t, tcp, ["venue", "add", "tcp-sted", "--name", "Over TCP"])
    t.eq((r.out or {}).get("slug"), "tcp-sted",
         "kursusctl --url --token-file venue add writes over TCP")
    code, hdrs, body = get(base + "/v1/status", token)
    t.ok(code == 200 and hdrs.get("X-Kursus-API") == "1",
         "urllib with the right token: 200 and X-Kursus-API: 1",
         ["status %s, headers %r" % (code, hdrs)])

    # --- without, or with a wrong token (failures 1 to MAX_FAILURES)
    code, hdrs, body = get(base + "/v1/status")
    t.ok(code == 401 and is_json_error(body),
         "no Authorization header: 401 with a JSON error",
         ["status %s, body %r" % (code, body[:200])])
    t.ok("Bearer" in (hdrs.get("WWW-Authenticate") or ""),
         "401 carries WWW-Authenticate: Bearer", [repr(hdrs)])
    code, hdrs, body = get(base + "/v1/status", token[:-1] + (
        "x" if token[-1:] != "x" else "y"))
    t.ok(code == 401 and is_json_error(body),
         "a wrong token (last character changed): 401",
         ["status %s, body %r" % (code, body[:200])])
    code, hdrs, body = get(base + "/v1/status", token, scheme="Basic")
    t.ok(code == 401, "the right token under another scheme (Basic): 401",
         ["status %s" % code])
    bad_file = os.path.join(tmp, "wrong-token")
    with open(bad_file, "w") as f:
        f.write("0123456789abcdef0123456789abcdef\n")
    os.chmod(bad_file, 0o600)
    r = run_ctl(t, ["--url", base, "--token-file", bad_file], ["status"],
                ok=False)
    t.refused(r, "kursusctl with a wrong token: fails with one line that "
              "says so", ["token"])

    # --- MAX_FAILURES failures: 429 for this address, even with the token
    code, hdrs, body = get(base + "/v1/status")
    t.ok(code == 429 and is_json_error(body),
         "after admin.max_failures=%d failures: 429" % MAX_FAILURES,
         ["status %s, body %r" % (code, body[:200])])
    code, hdrs, body = get(base + "/v1/status", token)
    t.eq(code, 429, "429 also with the right token while blocked")
    r = run_ctl(t, tcp, ["status"], ok=False)
    t.refused(r, "kursusctl while blocked: fails with one line", [])
    try:
        code, body = get_from("127.0.0.2", port, "/v1/status", token)
    except OSError as e:
        code, body = None, str(e).encode()
    t.eq(code, 200, "another allowed address (127.0.0.2) is not blocked",
         [repr(body[:200])])
    try:
        code, body = get_from("127.0.0.3", port, "/v1/status", token)
    except OSError as e:
        code, body = None, str(e).encode()
    t.eq(code, 403, "an address outside admin.allow (127.0.0.3): 403",
         [repr(body[:200])])

    # --- the public listener never serves the admin API
    pub = "http://127.0.0.1:%d" % d.public_port
    code, hdrs, body = get(pub + "/v1/status", token)
    t.eq(code, 404, "public listener: GET /v1/status is 404")
    code, hdrs, body = get(pub + "/v1/venues", token, method="POST",
                           data=b'{"slug": "public", "name": "Nej"}')
    t.ok(code in (404, 405), "public listener: POST /v1/venues is refused",
         ["status %s" % code])
    r = d.ctl("venue", "list")
    t.eq([v.get("slug") for v in (r.out or {}).get("venues") or []],
         ["tcp-sted"], "nothing was written through the public listener")

    # --- writes sent back to back on one connection (from 127.0.0.2,
    # not blocked): each waits for its group commit, and what arrives
    # meanwhile waits its turn (the socket stays in epoll meanwhile).
    slugs = ["koe-%d" % i for i in range(5)]
    data = raw_from("127.0.0.2", port, [b"".join(
        venue_post(token, v, close=(i == 4)) for i, v in enumerate(slugs))])
    got = re.findall(rb'"slug":"([^"]+)"', data)
    t.ok(data.count(b"HTTP/1.1 201 ") == 5 and
         [g.decode() for g in got] == slugs, "five writes pipelined in one "
         "packet: five answers (201), in order", [repr(data[:300])])
    data = raw_from("127.0.0.2", port, [venue_post(token, "koe-a"),
                                        venue_post(token, "koe-b", True)])
    got = re.findall(rb'"slug":"([^"]+)"', data)
    t.ok([g.decode() for g in got] == ["koe-a", "koe-b"], "a second write "
         "sent while the first waits for its commit: answered after it",
         [repr(data[:300])])
    second = venue_post(token, "koe-d", True)
    data = raw_from("127.0.0.2", port, [venue_post(token, "koe-c") +
                                        second[:20], second[20:]], 0.3)
    got = re.findall(rb'"slug":"([^"]+)"', data)
    t.ok([g.decode() for g in got] == ["koe-c", "koe-d"], "a second write "
         "whose head arrives in two pieces around the first's answer",
         [repr(data[:300])])
    data = raw_from("127.0.0.2", port, [venue_post(token, "koe-e")],
                    half_close=True)
    t.ok(b" 201 " in data.split(b"\r\n")[0] and b'"koe-e"' in data,
         "a write whose client shuts its sending side at once: answered",
         [repr(data[:300])])
    for i in range(10):
        s = socket.create_connection(("127.0.0.1", port),
                                     source_address=("127.0.0.2", 0))
        s.sendall(venue_post(token, "koe-luk-%d" % i))
        s.close()
    code, body = get_from("127.0.0.2", port, "/v1/venues", token)
    names = [v["slug"] for v in json.loads(body).get("venues", [])] \
        if code == 200 else []
    t.ok(code == 200 and sum(n.startswith("koe-luk-") for n in names) == 10,
         "ten writes whose clients closed at once: done, and kursusd "
         "answers on", ["status %s, %d venues" % (code, len(names))])
    t.eq(d.stop(), 0, "SIGTERM: exit 0")

    # --- a token file others can read: kursusd refuses to start
    os.chmod(token_file, 0o644)
    d2 = Daemon(t, dirname=t.tempdir(), extra=[
        "admin.listen=127.0.0.1:%d" % free_port(),
        "admin.token_file=" + token_file])
    t._daemons.append(d2)
    p = d2.spawn()
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    d2.kill()
    t.ok(rc not in (0, None) and token_file in d2.log(),
         "a token file with mode 0644: kursusd refuses to start (exit %s), "
         "naming the file" % rc, d2.log().split("\n"))
    t.ok(not os.path.exists(d2.sock), "... and leaves no admin socket")


t.run(main)
