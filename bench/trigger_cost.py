"""bench/trigger_cost.py SOCKET N FIRST CLIENTS: N registrations of new
people over kursusd's admin socket, as bench/register.lua sends them (a
name and an 8-digit number no one has yet, round-robin over the 200
sessions from FIRST), from CLIENTS threads with a connection each; exits
1 when an answer is not 201."""

import sys
import threading

from unixhttp import UnixConnection


def client(path, tid, count, first, bad):
    c = UnixConnection(path, timeout=600)
    for i in range(1, count + 1):
        sid = first + ((i * 7 + tid) % 200)
        body = ('{"participant":{"name":"Bench Deltager %d-%d",'
                '"phone":"%08d"}}' % (tid, i, 10000000 * (tid + 2) + i))
        c.request("POST", "/v1/sessions/%d/registrations" % sid, body,
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status != 201:
            bad.append(r.status)


def main():
    path, n, first, clients = (sys.argv[1], int(sys.argv[2]),
                               int(sys.argv[3]), int(sys.argv[4]))
    bad = []
    threads = [threading.Thread(target=client, args=(
        path, tid, n // clients + (tid < n % clients), first, bad))
        for tid in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if bad:
        print("not 201: %r" % sorted(set(bad)), file=sys.stderr)
        sys.exit(1)


main()
