"""bench/unixhttp.py: an http.client connection to kursusd's admin
socket (a unix socket), for the bench scripts written in Python.

    from unixhttp import UnixConnection
    c = UnixConnection("/run/kursusd/admin.sock")
    c.request("GET", "/v1/status")
"""

import http.client
import socket


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=300):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s
