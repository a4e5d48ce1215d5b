#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Serves a directory over HTTP on 127.0.0.1 and listens for syslog on UDP 127.0.0.1,
for tests/e2e/installer-repo.sh (QEMU user networking: the guest reaches both as 10.0.2.2).

usage: serve.py ROOT PORTS_FILE HTTP_LOG SYSLOG_LOG LIFETIME_SECONDS

Both ports are chosen by the kernel; "HTTP_PORT UDP_PORT" is written to PORTS_FILE once
both sockets listen. Every HTTP request is logged as "METHOD PATH STATUS SIZE", every
syslog datagram as one line. The process exits by itself after LIFETIME_SECONDS.
"""
import functools
import http.server
import os
import socket
import sys
import threading


def main():
    root, ports_file, http_log, syslog_log, lifetime = sys.argv[1:6]
    http_out = open(http_log, "a", buffering=1)
    udp_out = open(syslog_log, "a", buffering=1)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code="-", size="-"):
            http_out.write("%s %s %s %s\n" % (self.command, self.path, code, size))

        def log_message(self, fmt, *args):  # errors, etc.
            http_out.write("# " + (fmt % args) + "\n")

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=root))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))

    def receive():
        while True:
            data, _ = udp.recvfrom(65535)
            udp_out.write(data.decode("utf-8", "replace").rstrip("\n") + "\n")

    threading.Thread(target=receive, daemon=True).start()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    tmp = ports_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (httpd.server_address[1], udp.getsockname()[1]))
    os.rename(tmp, ports_file)
    threading.Event().wait(float(lifetime))
    os._exit(0)


if __name__ == "__main__":
    main()
