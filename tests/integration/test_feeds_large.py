"""
A large feed's gzip bytes, sent from a memory file with sendfile(2).

kursusd keeps gzip bytes of 32 KiB and more in a sealed memory file and
hands its pages to the socket without copying them (as nginx's gzip_static
does from its files); the response head goes before them with MSG_MORE.
Here a feed of 2,000 sessions (gzip well over 32 KiB) is fetched plain and
gzip, on one kept-alive connection with a HEAD and a 304 between, by a
client that reads slowly through a small receive buffer (the kernel takes
the file's bytes in many pieces, resuming where it stopped), and again
after a session moved (new bytes, a new file): the gzip bytes always
decompress to the plain bytes of the same moment.

Plain bytes of 32 KiB to 1 MiB go into a memory file when they are asked
for again as they stand (larger ones stay on the heap, the memory the next
bytes are written into). Memory files hold descriptors, which the doors
count on: 32 at most, so forty such feeds, each asked for twice, leave 32
files and every answer whole.
"""

import datetime
import fcntl
import gzip
import http.client
import os
import socket
import time

import icalendar

from kursustest import AdminAPI, Tap, local_now, open_files, tcp_request

t = Tap()


def slow_get(port, path, headers):
    """GET through a 4 KiB receive buffer, read in small bites with
    pauses; returns (head, body) as bytes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" %
               (path, "".join("%s: %s\r\n" % kv for kv in headers.items())))
              .encode())
    data = b""
    bites = 0
    s.settimeout(30)
    while True:
        chunk = s.recv(2048)
        if not chunk:
            break
        data += chunk
        bites += 1
        if bites % 16 == 0:
            time.sleep(0.01)
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def main():
    d = t.daemon()
    api = AdminAPI(d)

    api("POST", "/venues", {"slug": "stor", "name": "Store Bibliotek",
        "address": "Torvet 1", "postcode": "8700", "city": "Horsens",
        "latitude": 55.86, "longitude": 9.85,
        "access_notes": "Trinfri adgang; teleslynge"})
    api("POST", "/courses", {"slug": "mitid", "title": "MitID",
        "duration": 90, "description": "Vi gennemgår MitID trin for trin.",
        "bring": "Telefon og nøglekort"})
    api("POST", "/instructors", {"slug": "ole", "name": "Ole Ørsted"})
    base = local_now().date() + datetime.timedelta(days=2)
    first = None
    for i in range(8):
        day = (base + datetime.timedelta(days=i)).isoformat()
        made = api("POST", "/sessions", {
            "course": "mitid", "venue": "stor",
            "start": "%s %02d:00" % (day, 9 + i), "weekly": 250,
            "instructors": ["ole"], "far": True, "allow_overlap": True,
            "allow_closed": True})["sessions"]
        first = first or made
    path = "/feeds/venue/stor.ics"
    gz = {"Accept-Encoding": "gzip"}

    plain = tcp_request(d.public_port, "GET", path)
    t.eq(plain.status, 200, "the 2,000-session feed: 200")
    t.eq(plain.body.count(b"BEGIN:VEVENT"), 2000, "it holds 2,000 events")
    zipped = tcp_request(d.public_port, "GET", path, headers=gz)
    t.eq(zipped.headers.get("content-encoding"), "gzip", "gzip: gzip bytes")
    t.ok(len(zipped.body) >= 32768, "the gzip bytes are over 32 KiB, "
         "sent from a memory file", ["%d bytes" % len(zipped.body)])
    t.ok(gzip.decompress(zipped.body) == plain.body,
         "they decompress to the plain bytes")
    fds = open_files(d.proc.pid)
    t.ok(any("memfd:kursusd-feed" in f for f in fds),
         "kursusd keeps them in a memory file", fds)
    t.eq(int(zipped.headers.get("content-length", -1)), len(zipped.body),
         "Content-Length is their length")

    # One kept-alive connection: gzip, HEAD, 304, plain, gzip again.
    conn = http.client.HTTPConnection("127.0.0.1", d.public_port, timeout=30)
    answers = []
    for method, hdrs in (("GET", gz), ("HEAD", gz),
                         ("GET", dict(gz, **{"If-None-Match":
                                             zipped.headers["etag"]})),
                         ("GET", {}), ("GET", gz)):
        conn.request(method, path, headers=hdrs)
        r = conn.getresponse()
        answers.append((r.status, r.read(), r.getheader("content-length")))
    conn.close()
    t.ok(answers[0][:2] == (200, zipped.body),
         "kept alive: the gzip bytes whole", [answers[0][0]])
    t.ok(answers[1][0] == 200 and answers[1][1] == b"" and
         answers[1][2] == str(len(zipped.body)),
         "kept alive: HEAD says their length and sends none",
         [answers[1][0], len(answers[1][1]), answers[1][2]])
    t.ok(answers[2][:2] == (304, b""), "kept alive: 304 with no body",
         [answers[2][0]])
    t.ok(answers[3][:2] == (200, plain.body), "kept alive: the plain bytes",
         [answers[3][0]])
    t.ok(answers[4][:2] == (200, zipped.body),
         "kept alive: the gzip bytes again, after the others",
         [answers[4][0]])

    head, body = slow_get(d.public_port, path, gz)
    t.ok(head.startswith(b"HTTP/1.1 200") and body == zipped.body,
         "a slow reader with a small buffer gets every gzip byte",
         [head[:40], len(body)])

    sid = first[7]["id"]
    day = (base + datetime.timedelta(days=60)).isoformat()
    api("POST", "/sessions/%d/move" % sid, {
        "start": "%s 16:30" % day, "far": True, "allow_overlap": True,
        "allow_closed": True})
    plain2 = tcp_request(d.public_port, "GET", path)
    zipped2 = tcp_request(d.public_port, "GET", path, headers=gz)
    t.ok(plain2.body != plain.body, "a session moved: other plain bytes")
    t.ok(gzip.decompress(zipped2.body) == plain2.body,
         "and gzip bytes that decompress to them")

    mid_sized(d, api, base)
    t.eq(d.stop(), 0, "SIGTERM: kursusd exits 0")


def memfds(pid):
    return sum("memfd:kursusd-feed" in f for f in open_files(pid))


def unsealed(pid):
    """kursusd's memory files that could still be written, grown or
    shrunk, or have their seals changed: ["fd: seals"]."""
    want = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | \
        fcntl.F_SEAL_SEAL
    out = []
    fds = "/proc/%d/fd" % pid
    for fd in os.listdir(fds):
        try:
            if "memfd:kursusd-feed" not in os.readlink(os.path.join(fds, fd)):
                continue
            f = os.open(os.path.join(fds, fd), os.O_RDONLY)
        except OSError:
            continue
        try:
            seals = fcntl.fcntl(f, fcntl.F_GET_SEALS)
        finally:
            os.close(f)
        if seals & want != want:
            out.append("%s: %#x" % (fd, seals))
    return out


def vevents(body):
    """How many VEVENTs python3-icalendar reads in body, with distinct
    UIDs (-1 when it cannot read it, or a UID comes twice)."""
    try:
        uids = [str(e.get("UID")) for e in
                icalendar.Calendar.from_ical(body).walk("VEVENT")]
    except ValueError:
        return -1
    return len(uids) if len(set(uids)) == len(uids) else -1


def mid_sized(d, api, base):
    """Plain bytes between 32 KiB and 1 MiB: into a memory file at the
    second answer, 32 such files at most."""
    for i in range(40):
        api("POST", "/venues", {"slug": "filial%d" % i,
            "name": "Filial nummer %d" % i, "address": "Vejen %d" % i,
            "postcode": "8700", "city": "Horsens"})
        api("POST", "/sessions", {
            "course": "mitid", "venue": "filial%d" % i,
            "start": "%s 10:00" % base.isoformat(), "weekly": 60,
            "instructors": ["ole"], "far": True, "allow_overlap": True,
            "allow_closed": True})
    before = memfds(d.proc.pid)
    path = "/feeds/venue/filial0.ics"
    first = tcp_request(d.public_port, "GET", path)
    t.ok(first.status == 200 and 32768 <= len(first.body) < 1 << 20,
         "a feed of 60 sessions: plain bytes between 32 KiB and 1 MiB",
         [first.status, len(first.body)])
    t.eq(memfds(d.proc.pid), before, "asked once: kept in memory")
    again = tcp_request(d.public_port, "GET", path)
    t.ok(again.body == first.body, "asked again: the same bytes")
    t.eq(memfds(d.proc.pid), before + 1,
         "which are now in a memory file of their own")
    head, body = slow_get(d.public_port, path, {})
    t.ok(head.startswith(b"HTTP/1.1 200") and body == first.body,
         "a slow reader with a small buffer gets every plain byte from it",
         [head[:40], len(body)])
    # The gzip bytes are made from the plain ones where they now are:
    # the memory file's mapping, not the memory it replaced.
    zipped = tcp_request(d.public_port, "GET", path,
                         headers={"Accept-Encoding": "gzip"})
    t.ok(zipped.headers.get("content-encoding") == "gzip" and
         gzip.decompress(zipped.body) == first.body,
         "gzip made after the move: it decompresses to the plain bytes",
         [zipped.status, len(zipped.body)])
    conn = http.client.HTTPConnection("127.0.0.1", d.public_port, timeout=30)
    answers = []
    for method, hdrs in (("GET", {}), ("HEAD", {}),
                         ("GET", {"If-None-Match": first.headers["etag"]}),
                         ("GET", {})):
        conn.request(method, path, headers=hdrs)
        r = conn.getresponse()
        answers.append((r.status, r.read()))
    conn.close()
    t.ok(answers == [(200, first.body), (200, b""), (304, b""),
                     (200, first.body)],
         "kept alive: plain, HEAD, 304, plain from the file",
         [a[0] for a in answers])

    # Forty such feeds, each asked for twice: 32 files, every answer whole.
    bodies = {}
    for i in range(40):
        p = "/feeds/venue/filial%d.ics" % i
        one = tcp_request(d.public_port, "GET", p).body
        two = tcp_request(d.public_port, "GET", p).body
        bodies[p] = (one, two)
    t.ok(all(a == b and vevents(a) == 60 for a, b in bodies.values()),
         "forty feeds asked for twice: the same 60 events each time")
    t.eq(memfds(d.proc.pid), 32, "no more than 32 memory files")
    t.eq(unsealed(d.proc.pid), [], "each sealed: nothing can change it")
    r = tcp_request(d.public_port, "GET", "/feeds/venue/filial39.ics")
    t.ok(r.body == bodies["/feeds/venue/filial39.ics"][0],
         "a feed past the limit is still answered whole, from memory")

    # New bytes let the old file go and get one of their own in turn.
    sid = api("GET", "/sessions?venue=filial0")["sessions"][3]["id"]
    api("POST", "/sessions/%d/move" % sid, {
        "start": "%s 16:30" % (base + datetime.timedelta(days=1)).isoformat(),
        "far": True, "allow_overlap": True, "allow_closed": True})
    new1 = tcp_request(d.public_port, "GET", path)
    new2 = tcp_request(d.public_port, "GET", path)
    t.ok(new1.body != first.body and new2.body == new1.body,
         "a session moved: new bytes, the same the second time")
    t.eq(memfds(d.proc.pid), 32,
         "the old file let go, the new bytes in one (still 32)")


t.run(main)
