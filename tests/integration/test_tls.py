"""
The admin TCP listener with TLS ([admin] tls_cert and tls_key), with a CA
and certificates the test makes with the openssl command:

  ctl       kursusctl --url https://127.0.0.1:PORT --cacert CA writes and
            reads; [admin] tls_cacert in kursusctl's file does as
            --cacert, and a URL made from [admin] listen is https://;
            without the CA kursusctl refuses the certificate in one line
            naming --cacert; an http:// URL to another machine is refused
            before connecting; a key only root may read serves (it is read
            before the drop);
  protocol  TLS 1.2 and 1.3 are spoken; a client of TLS 1.1 at most, one
            offering only a CBC cipher, and renegotiation are refused;
  plain     plain HTTP to the TLS port gets a plain 400 saying https, and
            kursusctl says the same in one line; garbage and plain HTTP
            leave no line in the log at the default level; the daemon goes
            on; an address outside admin.allow is closed before a
            handshake;
  stall     a client that stalls in the handshake (silent, or trickling a
            ClientHello) is cut off at the head timeout, while others are
            served, and the daemon does not spin meanwhile;
  many      60 clients at once, each with three requests on one
            connection, all answered;
  big       answers of many records to a client that reads slowly, and
            requests pipelined in one record, all whole;
  file      an answer sent from its file (a large export, spool.c), read
            a record at a time, between two from memory on one
            connection: the bytes the unix socket gives;
  metrics   GET /metrics over TLS with the token; 401 without;
  reload    SIGHUP reads the certificate and key again: one only root may
            read, or a key that is not the certificate's, is kept out and
            the log says why; a certificate for another name is served
            after SIGHUP, and kursusctl refuses it naming the host;
  check     kursusd -n and start-up refuse a non-loopback admin.listen
            without TLS, a key others may read, tls_cert without tls_key,
            each in one line naming what is wrong; with TLS a wildcard
            listen is accepted; -n not as root says of a key only root
            may read, without refusing.
"""

import datetime
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

from kursustest import KURSUSCTL, KURSUSD, LIBRARY_CONF, Tap, as_user, \
    export_setup, free_port, local_now, run_ctl, run_ids, wait_for

t = Tap()
ROOT = os.geteuid() == 0
HEAD_TIME = 15          # the admin door's head timeout (http.c)


# --------------------------------------------------------------------------
# certificates


def openssl(*args):
    p = subprocess.run(["openssl"] + list(args), capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), p.stderr))


def make_pki(d):
    """A CA and two server certificates it signed (EC P-256): "good" for
    127.0.0.1 and localhost, "other" for elsewhere.example only. Paths in
    a dict; keys 0600, owned by whoever runs the test."""
    p = {k: os.path.join(d, k) for k in (
        "ca.pem", "ca.key", "good.pem", "good.key", "other.pem",
        "other.key")}
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", p["ca.key"],
            "-out", p["ca.pem"], "-days", "30", "-subj", "/CN=kursustest CA")
    for name, san in (("good", "IP:127.0.0.1,DNS:localhost"),
                      ("other", "DNS:elsewhere.example")):
        csr = os.path.join(d, name + ".csr")
        ext = os.path.join(d, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n" % san)
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", p[name + ".key"], "-out", csr,
                "-subj", "/CN=" + san.split(",")[0].split(":")[1])
        openssl("x509", "-req", "-in", csr, "-CA", p["ca.pem"], "-CAkey",
                p["ca.key"], "-CAcreateserial", "-out", p[name + ".pem"],
                "-days", "30", "-extfile", ext)
    for k in ("ca.key", "good.key", "other.key"):
        os.chmod(p[k], 0o600)
    return p


# --------------------------------------------------------------------------
# clients


def tls_context(ca=None, verify=True, minimum=None, maximum=None,
                ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_verify_locations(ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


def handshake(port, ctx, host="127.0.0.1", source=None):
    """The TLS version a handshake came to, or the exception it met."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                     source_address=source)
    except OSError as e:
        return e
    try:
        with ctx.wrap_socket(s, server_hostname=host) as ss:
            return ss.version()
    except (OSError, ssl.SSLError) as e:
        return e
    finally:
        s.close()


def https(port, ca, method, path, token=None, body=None):
    """(status, headers, body) of one request over TLS."""
    c = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                    context=tls_context(ca))
    hdrs = {}
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    if body is not None:
        hdrs["Content-Type"] = "application/json"
        body = json.dumps(body).encode()
    try:
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def raw(port, data, timeout=10.0, source=None):
    """Send data in clear; what came back until the daemon closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                 source_address=source)
    out = b""
    try:
        if data:
            s.sendall(data)
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    finally:
        s.close()
    return out


def one_line(r, words):
    """Problems with a kursusctl refusal: one line on stderr, every word."""
    lines = [l for l in r.err.split("\n") if l.strip()]
    bad = []
    if r.rc in (0, None):
        bad.append("exit %s" % r.rc)
    if len(lines) != 1:
        bad.append("%d lines on stderr" % len(lines))
    for w in words:
        if w.lower() not in r.err.lower():
            bad.append("no %r" % w)
    return bad


# --------------------------------------------------------------------------
# the checks


def check_ctl(d, port, pki, token_file):
    base = "https://127.0.0.1:%d" % port
    tcp = ["--url", base, "--token-file", token_file, "--cacert",
           pki["ca.pem"]]
    r = run_ctl(t, tcp, ["venue", "add", "tls-sted", "--name", "Over TLS"])
    t.eq((r.out or {}).get("slug"), "tls-sted",
         "ctl: kursusctl --url https:// --cacert CA venue add writes")
    r = run_ctl(t, tcp, ["venue", "list"])
    t.eq([v.get("slug") for v in (r.out or {}).get("venues") or []],
         ["tls-sted"], "ctl: ... and venue list reads it back")
    r = run_ctl(t, ["--url", "https://localhost:%d" % port, "--token-file",
                    token_file, "--cacert", pki["ca.pem"]], ["status"])
    t.eq((r.out or {}).get("api_version"), 1,
         "ctl: https://localhost: the certificate names it too")
    if ROOT:
        st = os.stat(pki["good.key"])
        t.ok(st.st_uid == 0 and st.st_mode & 0o777 == 0o600 and
             "running as nobody" in d.log(),
             "ctl: the key is root's alone (0600), read before the drop "
             "to nobody", ["uid %d mode %o" % (st.st_uid, st.st_mode)])
    else:
        t.skip("ctl: a key only root may read serves", "not root")

    # [admin] tls_cacert in kursusctl's file does what --cacert does.
    cdir = t.tempdir()
    cconf = os.path.join(cdir, "client.conf")
    with open(cconf, "w") as f:
        f.write("[admin]\nlisten = 127.0.0.1:%d\ntoken_file = %s\n"
                "tls_cacert = %s\n" % (port, token_file, pki["ca.pem"]))
    r = run_ctl(t, ["-c", cconf, "--url", base], ["status"])
    t.eq((r.out or {}).get("api_version"), 1,
         "ctl: [admin] tls_cacert in kursusctl's file verifies the "
         "certificate")
    # Without --url, [admin] listen gives the URL when the default socket
    # is not there: https://, since the file names the CA.
    help_text = subprocess.run([KURSUSCTL, "--help"], capture_output=True,
                               text=True).stdout
    default_sock = " ".join(help_text.split("admin socket (default", 1)[-1]
                            .split(")", 1)[0].split())
    if default_sock and not os.path.exists(default_sock):
        r = run_ctl(t, ["-c", cconf], ["status"])
        t.eq((r.out or {}).get("api_version"), 1,
             "ctl: the URL made from [admin] listen is https:// when the "
             "file names tls_cacert")
    else:
        t.skip("ctl: a URL made from [admin] listen is https://",
               "the default socket %s exists" % default_sock)

    r = run_ctl(t, ["--url", base, "--token-file", token_file], ["status"],
                ok=False)
    t.ok(not one_line(r, ["certificate", "--cacert"]),
         "ctl: without --cacert the certificate of an unknown CA is "
         "refused, in one line naming --cacert", one_line(
             r, ["certificate", "--cacert"]) + r.describe())
    r = run_ctl(t, ["--url", base, "--token-file", token_file, "--cacert",
                    "/nonexistent/ca.pem"], ["status"], ok=False)
    t.ok(not one_line(r, ["/nonexistent/ca.pem"]),
         "ctl: a --cacert that cannot be read: one line naming it",
         r.describe())
    start = time.monotonic()
    r = run_ctl(t, ["--url", "http://192.0.2.1:%d" % port, "--token-file",
                    token_file], ["status"], ok=False)
    t.ok(not one_line(r, ["https://", "clear"]) and
         time.monotonic() - start < 5,
         "ctl: an http:// URL to another machine is refused before "
         "connecting, in one line", one_line(r, ["https://", "clear"]) +
         r.describe())


def check_protocol(port, pki):
    got = handshake(port, tls_context(pki["ca.pem"],
                                      maximum=ssl.TLSVersion.TLSv1_2))
    t.eq(got, "TLSv1.2", "protocol: TLS 1.2 is spoken")
    got = handshake(port, tls_context(pki["ca.pem"]))
    t.eq(got, "TLSv1.3", "protocol: TLS 1.3 is spoken")
    # The client must be able to offer TLS 1.1 for the refusal to be the
    # daemon's: security level 0 lets it.
    old = tls_context(verify=False, minimum=ssl.TLSVersion.TLSv1,
                      maximum=ssl.TLSVersion.TLSv1_1,
                      ciphers="DEFAULT:@SECLEVEL=0")
    got = handshake(port, old)
    t.ok(isinstance(got, ssl.SSLError) and "VERSION" in str(got).upper(),
         "protocol: a client of TLS 1.1 at most is refused (protocol "
         "version)", [repr(got)])
    cbc = tls_context(verify=False, maximum=ssl.TLSVersion.TLSv1_2,
                      ciphers="ECDHE-ECDSA-AES128-SHA")
    got = handshake(port, cbc)
    t.ok(isinstance(got, ssl.SSLError) and "HANDSHAKE_FAILURE" in str(got),
         "protocol: a TLS 1.2 client offering only ECDHE-ECDSA-AES128-SHA "
         "(CBC, SHA-1) is refused", [repr(got)])
    try:
        p = subprocess.run(
            ["openssl", "s_client", "-tls1_2", "-connect",
             "127.0.0.1:%d" % port, "-CAfile", pki["ca.pem"]],
            input="R\n", capture_output=True, text=True, timeout=20)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = "timed out: %r" % e
    t.ok("RENEGOTIATING" in out and "no renegotiation" in out,
         "protocol: renegotiation (openssl s_client, R) is refused",
         out.split("\n")[-12:])
    t.ok("Compression: NONE" in out, "protocol: no compression",
         [l for l in out.split("\n") if "ompression" in l])


def check_plain(d, port, pki, token_file):
    mark = len(d.log())
    got = raw(port, b"GET /v1/status HTTP/1.1\r\nHost: x\r\n"
              b"Connection: close\r\n\r\n")
    head, _, body = got.partition(b"\r\n\r\n")
    try:
        err = json.loads(body.decode()).get("error", "")
    except ValueError:
        err = ""
    t.ok(head.startswith(b"HTTP/1.1 400 ") and "https://" in err,
         "plain: plain HTTP to the TLS port gets a plain 400 saying "
         "https://", [repr(got[:400])])
    r = run_ctl(t, ["--url", "http://127.0.0.1:%d" % port, "--token-file",
                    token_file], ["status"], ok=False)
    t.ok(not one_line(r, ["https://"]),
         "plain: kursusctl --url http:// to the TLS port fails in one line "
         "saying https://", r.describe())
    for data in (b"\x16\x03\x01\x00\x05hello", b"\x00" * 300,
                 os.urandom(2000), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"):
        raw(port, data, timeout=5)
    for _ in range(20):
        raw(port, b"POST /v1/venues HTTP/1.1\r\n\r\n", timeout=5)
    new = [l for l in d.log()[mark:].split("\n") if l.strip()]
    t.ok(not new, "plain: garbage and plain HTTP leave no line in the log "
         "at the default level", new[:10])
    code, _, _ = https(port, pki["ca.pem"], "GET", "/v1/status",
                       token=open(token_file).read().strip())
    t.eq(code, 200, "plain: the daemon goes on answering over TLS")

    # An address outside admin.allow: closed before any handshake.
    got = handshake(port, tls_context(pki["ca.pem"]),
                    source=("127.0.0.3", 0))
    t.ok(isinstance(got, (OSError, ssl.SSLError)) and
         not isinstance(got, ssl.SSLCertVerificationError),
         "plain: an address outside admin.allow gets no handshake",
         [repr(got)])
    t.ok(wait_for(lambda: "127.0.0.3 is not in admin.allow" in
                  d.log()[mark:], 5),
         "plain: ... and the log says why", d.log()[mark:].split("\n"))


def check_stall(d, port, pki, token):
    """Two clients stall in the handshake at once: one silent, one
    trickling the start of a ClientHello a byte every two seconds. Each
    is closed near the head timeout, not at the idle timeout (60 s)."""
    results = {}

    def silent():
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        start = time.monotonic()
        try:
            b = s.recv(100)
            results["silent"] = (time.monotonic() - start, b)
        except OSError as e:
            results["silent"] = (time.monotonic() - start, repr(e))
        finally:
            s.close()

    def trickle():
        hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        start = time.monotonic()
        try:
            for byte in hello:
                s.sendall(bytes([byte]))
                time.sleep(2)
            results["trickle"] = (time.monotonic() - start, "not closed")
        except OSError as e:
            results["trickle"] = (time.monotonic() - start, repr(e))
        finally:
            s.close()

    cpu = cpu_seconds(d.proc.pid)
    threads = [threading.Thread(target=f) for f in (silent, trickle)]
    for th in threads:
        th.start()
    time.sleep(1)
    code, _, _ = https(port, pki["ca.pem"], "GET", "/v1/status", token=token)
    t.eq(code, 200, "stall: others are served while two stall")
    for th in threads:
        th.join(90)
    cpu = cpu_seconds(d.proc.pid) - cpu
    t.ok(cpu < 3, "stall: the daemon waits for the rest of a record "
         "without spinning (%.2f s of CPU in %d s)" % (cpu, HEAD_TIME),
         ["%.2f s" % cpu])
    took, what = results.get("silent", (None, None))
    t.ok(took is not None and HEAD_TIME - 2 <= took <= HEAD_TIME + 8 and
         not what, "stall: a client silent after connecting is closed at "
         "the head timeout (%s s)" % HEAD_TIME, [repr(results)])
    took, what = results.get("trickle", (None, None))
    t.ok(took is not None and took <= HEAD_TIME + 8 and
         what != "not closed", "stall: a ClientHello trickled a byte every "
         "2 s is cut at the head timeout, not restarted by each byte",
         [repr(results)])


def check_many(port, pki, token, n=60):
    codes, errors = [], []
    lock = threading.Lock()
    gate = threading.Barrier(n)

    def client():
        try:
            gate.wait(30)
            c = http.client.HTTPSConnection(
                "127.0.0.1", port, timeout=60,
                context=tls_context(pki["ca.pem"]))
            for _ in range(3):
                c.request("GET", "/v1/status",
                          headers={"Authorization": "Bearer " + token})
                r = c.getresponse()
                r.read()
                with lock:
                    codes.append(r.status)
            c.close()
        except Exception as e:     # noqa: B902 -- reported below
            with lock:
                errors.append(repr(e))

    threads = [threading.Thread(target=client) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    t.ok(codes == [200] * (3 * n) and not errors,
         "many: %d clients at once, three requests each on one TLS "
         "connection: all 200" % n,
         ["%d answers, %d not 200" % (len(codes), len([c for c in codes
                                                        if c != 200]))] +
         errors[:5])


def read_answers(ss, n, slow=False):
    """n whole answers from a TLS socket: [(status, body)], read a little
    at a time when slow."""
    buf, out = b"", []
    while len(out) < n:
        while True:
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if not sep:
                break
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v)
            if len(rest) < length:
                break
            out.append((int(head.split(b" ")[1]), rest[:length]))
            buf = rest[length:]
        if len(out) >= n:
            break
        b = ss.recv(1024 if slow else 65536)
        if not b:
            break
        buf += b
        if slow:
            time.sleep(0.002)
    return out


def check_big(port, pki, token):
    """Answers larger than a record and than the socket's buffer, to a
    client that reads slowly; requests pipelined in one record (more than
    the first read takes: the rest waits inside OpenSSL, not the
    socket)."""
    c = http.client.HTTPSConnection("127.0.0.1", port, timeout=60,
                                    context=tls_context(pki["ca.pem"]))
    codes = []
    for i in range(200):
        c.request("POST", "/v1/venues", body=json.dumps(
            {"slug": "sted-%03d" % i, "name": "Sted %d " % i + "x" * 180}),
            headers={"Authorization": "Bearer " + token,
                     "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        codes.append(r.status)
    c.close()
    t.eq(set(codes), {201}, "big: 200 writes on one TLS connection")

    one = ("GET /v1/venues HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
           "%s\r\n\r\n" % token).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    with tls_context(pki["ca.pem"]).wrap_socket(
            s, server_hostname="127.0.0.1") as ss:
        ss.sendall(one * 3)
        got = read_answers(ss, 3, slow=True)
    sizes = [len(b) for _, b in got]
    try:
        counts = [len(json.loads(b)["venues"]) for _, b in got]
    except (ValueError, KeyError):
        counts = None
    t.ok([st for st, _ in got] == [200] * 3 and counts == [201] * 3 and
         min(sizes) > 64 * 1024,
         "big: three pipelined answers of %s bytes each, read slowly, "
         "whole" % (sizes[0] if sizes else "?"),
         ["statuses %r, sizes %r, counts %r" % ([st for st, _ in got],
                                                sizes, counts)])

    status = ("GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: "
              "Bearer %s\r\n\r\n" % token).encode()
    n = 12000 // len(status)
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    with tls_context(pki["ca.pem"]).wrap_socket(
            s, server_hostname="127.0.0.1") as ss:
        ss.sendall(status * n)     # one record of about 12 KB
        got = read_answers(ss, n)
    t.eq([st for st, _ in got], [200] * n,
         "big: %d requests pipelined in one record: all answered" % n)


def check_file(d, port, pki, token):
    first = local_now().date() + datetime.timedelta(days=3)
    export_setup(t, d, 1500, first)
    plain = d.request("GET", "/v1/export")
    ask = "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    with tls_context(pki["ca.pem"]).wrap_socket(
            s, server_hostname="127.0.0.1") as ss:
        ss.sendall("".join(ask % (p, token) for p in (
            "/v1/status", "/v1/export", "/v1/venues")).encode())
        got = read_answers(ss, 3, slow=True)
    t.ok([st for st, _ in got] == [200] * 3 and plain.status == 200 and
         got[1][1] == plain.body and
         "%d bytes, sent from a file" % len(plain.body) in d.log(),
         "file: an export of %d bytes sent from its file through TLS, "
         "between two answers from memory, read slowly: the unix socket's "
         "bytes" % len(plain.body),
         ["statuses %r, sizes %r" % ([st for st, _ in got],
                                     [len(b) for _, b in got])])


def cpu_seconds(pid):
    """User and system time a process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_metrics(port, pki, token):
    code, hdrs, body = https(port, pki["ca.pem"], "GET", "/metrics",
                             token=token)
    text = body.decode("utf-8", "replace")
    t.ok(code == 200 and hdrs.get("content-type", "").startswith(
        "text/plain") and "kursusd_uptime_seconds" in text and
        'door="admin_tcp"' in text,
        "metrics: GET /metrics over TLS with the token: the page, TCP "
        "requests counted", ["status %s" % code, text[:300]])
    code, _, _ = https(port, pki["ca.pem"], "GET", "/metrics")
    t.eq(code, 401, "metrics: without the token: 401")


def sighup(d, want):
    mark = len(d.log())
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: want in d.log()[mark:], 10)
    return d.log()[mark:]


def check_reload(d, port, pki, live, token_file):
    """live: the cert and key paths the daemon was started with."""
    base = ["--url", "https://127.0.0.1:%d" % port, "--token-file",
            token_file, "--cacert", pki["ca.pem"]]
    shutil.copy(pki["other.pem"], live["cert"])
    shutil.copy(pki["other.key"], live["key"])
    os.chmod(live["key"], 0o600)
    if ROOT:
        os.chown(live["key"], 0, 0)
        log = sighup(d, "keeping the admin TLS")
        t.ok("keeping the admin TLS" in log and live["key"] in log and
             "Permission denied" in log,
             "reload: SIGHUP with a key only root may read: the old "
             "certificate and key stay, the log says why", log.split("\n"))
        r = run_ctl(t, base, ["status"])
        t.eq((r.out or {}).get("api_version"), 1,
             "reload: ... and are served on")
        uid, gid = run_ids()
        os.chown(live["key"], uid, gid)
    else:
        for what in ("a key only root may read is kept out",
                     "the old ones are served on"):
            t.skip("reload: " + what, "not root")
    # The key of another certificate: kept out too.
    shutil.copy(pki["good.key"], live["key"])
    log = sighup(d, "keeping the admin TLS")
    t.ok("keeping the admin TLS" in log and "not the key" in log,
         "reload: SIGHUP with a key that is not the certificate's: kept "
         "out, the log says why", log.split("\n"))
    shutil.copy(pki["other.key"], live["key"])
    log = sighup(d, "read again")
    t.ok("read again" in log and "elsewhere.example" in log,
         "reload: SIGHUP with a certificate and key the user may read: "
         "served from now on", log.split("\n"))
    r = run_ctl(t, base, ["status"], ok=False)
    t.ok(not one_line(r, ["127.0.0.1", "certificate"]),
         "reload: a certificate for another name is refused by kursusctl "
         "in one line naming the host", r.describe())
    got = handshake(port, tls_context(pki["ca.pem"]))
    t.ok(isinstance(got, ssl.SSLCertVerificationError),
         "reload: ... and by Python's ssl (host name)", [repr(got)])
    got = handshake(port, tls_context(pki["ca.pem"]),
                    host="elsewhere.example")
    t.eq(got, "TLSv1.3", "reload: the name it holds is accepted")
    shutil.copy(pki["good.pem"], live["cert"])
    shutil.copy(pki["good.key"], live["key"])
    sighup(d, "read again")
    r = run_ctl(t, base, ["status"])
    t.eq((r.out or {}).get("api_version"), 1,
         "reload: the first certificate back after SIGHUP")


def check_n(pki):
    tmp = t.tempdir()
    # Nothing but the library, whose absence -n would warn of in a line
    # of its own.
    conf = os.path.join(tmp, "library.conf")
    with open(conf, "w") as f:
        f.write(LIBRARY_CONF)
    port = free_port()
    # Not root: -n would say the default user is missing; name one there.
    me = as_user() or ["-o", "daemon.user=" + pwd.getpwuid(
        os.geteuid()).pw_name]

    def run(args, check=True, user=None, binary=KURSUSD):
        argv = [binary] + (["-n"] if check else ["-f"]) + [
            "-c", conf, "-d", os.path.join(tmp, "k.db"),
            "-o", "admin.socket=" + os.path.join(tmp, "s"),
            "-o", "daemon.pidfile=",
            "-o", "public.listen=127.0.0.1:%d" % free_port()] + me
        for a in args:
            argv += ["-o", a]
        def become():
            os.setgroups([])
            os.setgid(user[1])
            os.setuid(user[0])
        try:
            p = subprocess.run(argv, capture_output=True, text=True,
                               timeout=30, preexec_fn=become if user
                               else None)
            return argv, p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return argv, None, "", "timed out"

    def describe(argv, rc, out, err):
        return ["command: " + " ".join(argv), "exit %s" % rc,
                "stdout: %r" % out, "stderr: %r" % err]

    def refused(res, words):
        argv, rc, out, err = res
        lines = [l for l in err.split("\n") if l.strip()]
        return rc == 78 and len(lines) == 1 and \
            "configuration OK" not in out and all(w in err for w in words)

    wild = "admin.listen=0.0.0.0:%d" % port
    res = run([wild])
    t.ok(refused(res, ["admin.listen", "0.0.0.0:%d" % port, "loopback",
                       "tls_cert"]),
         "check: -n refuses admin.listen 0.0.0.0 without TLS (exit 78), in "
         "one line naming admin.listen", describe(*res))
    res = run(["admin.listen=[::]:%d" % port])
    t.ok(refused(res, ["admin.listen"]),
         "check: ... and [::]", describe(*res))
    res = run([wild], check=False)
    t.ok(refused(res, ["admin.listen", "loopback"]),
         "check: start-up refuses it too, in one line", describe(*res))
    res = run(["admin.listen=localhost:%d" % port])
    t.ok(res[1] == 0 and res[2].strip() == "configuration OK",
         "check: a loopback admin.listen without TLS stays allowed",
         describe(*res))
    res = run(["admin.listen=127.0.0.1:%d" % port,
               "admin.tls_cert=" + pki["good.pem"]])
    t.ok(refused(res, ["admin.tls_cert", "admin.tls_key"]),
         "check: tls_cert without tls_key: one line naming both",
         describe(*res))
    loose = os.path.join(tmp, "loose.key")
    shutil.copy(pki["good.key"], loose)
    os.chmod(loose, 0o644)
    res = run([wild, "admin.tls_cert=" + pki["good.pem"],
               "admin.tls_key=" + loose])
    t.ok(refused(res, [loose, "0644"]),
         "check: -n refuses a key file others may read (0644), in one line "
         "naming the file", describe(*res))
    res = run([wild, "admin.tls_cert=" + pki["good.pem"],
               "admin.tls_key=" + loose], check=False)
    t.ok(refused(res, [loose]), "check: start-up refuses it too",
         describe(*res))
    res = run([wild, "admin.tls_cert=" + pki["good.pem"],
               "admin.tls_key=" + pki["other.key"]])
    t.ok(refused(res, ["not the key"]),
         "check: -n refuses a key that is not the certificate's",
         describe(*res))
    res = run([wild, "admin.tls_cert=" + pki["good.pem"],
               "admin.tls_key=" + pki["good.key"]])
    t.ok(res[1] == 0 and res[2].strip() == "configuration OK",
         "check: with TLS a wildcard admin.listen is accepted",
         describe(*res))
    if ROOT:
        # The build tree may be where the user cannot go (a clone under
        # /root, mode 0700): the user runs a copy of kursusd.
        mine = t.tempdir()
        os.chmod(mine, 0o755)
        shutil.copy(KURSUSD, os.path.join(mine, "kursusd"))
        os.chmod(os.path.join(mine, "kursusd"), 0o755)
        res = run([wild, "admin.tls_cert=" + pki["good.pem"],
                   "admin.tls_key=" + pki["good.key"]], user=run_ids(),
                  binary=os.path.join(mine, "kursusd"))
        argv, rc, out, err = res
        t.ok(rc == 0 and out.strip() == "configuration OK" and
             len([l for l in err.split("\n") if l.strip()]) == 1 and
             pki["good.key"] in err and "root" in err,
             "check: -n not as root, with a key only root may read: one "
             "warning naming it, configuration OK", describe(*res))
    else:
        t.skip("check: -n not as root with a key only root may read",
               "not root")


def main():
    if shutil.which("openssl") is None:
        t.skip("TLS", "the openssl command is missing (Debian package "
               "openssl)")
        return
    pki_dir = t.tempdir()
    pki = make_pki(pki_dir)
    # The daemon's own copies, which the reload checks overwrite; the
    # directory is the user's (t.tempdir()), the files are ours.
    live_dir = t.tempdir()
    live = {"cert": os.path.join(live_dir, "cert.pem"),
            "key": os.path.join(live_dir, "key.pem")}
    shutil.copy(pki["good.pem"], live["cert"])
    shutil.copy(pki["good.key"], live["key"])
    os.chmod(live["key"], 0o600)

    check_n(pki)

    port = free_port()
    tmp = t.tempdir()
    token_file = os.path.join(tmp, "token")
    d = t.daemon(dirname=tmp, extra=[
        "admin.listen=127.0.0.1:%d" % port, "admin.token_file=" + token_file,
        "admin.tls_cert=" + live["cert"], "admin.tls_key=" + live["key"],
        "admin.allow=127.0.0.1/32,127.0.0.2/32"])
    t.ok("TLS with /CN=127.0.0.1" in d.log(),
         "start: the log says the listener speaks TLS, with which "
         "certificate", d.log().split("\n")[:12])
    token = open(token_file).read().strip()
    check_ctl(d, port, pki, token_file)
    check_protocol(port, pki)
    check_plain(d, port, pki, token_file)
    check_metrics(port, pki, token)
    check_many(port, pki, token)
    check_big(port, pki, token)
    check_file(d, port, pki, token)
    check_stall(d, port, pki, token)
    check_reload(d, port, pki, live, token_file)
    t.ok(d.running(), "the daemon ran through all of it")
    t.eq(d.stop(), 0, "SIGTERM: exit 0")


t.run(main)
