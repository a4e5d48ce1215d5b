#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# qmp.py SOCKET COMMAND [ARGUMENTS-JSON]: one QMP command on a QEMU monitor socket (the
# observer socket imgbuild emulate leaves free), its "return" printed as JSON; exit 1 with
# QEMU's error. Written from QEMU's QMP specification, independent of imgbuild's client.
import json
import socket
import sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.settimeout(20)
sock.connect(sys.argv[1])
stream = sock.makefile("rw")


def reply():
    while True:
        line = json.loads(stream.readline())
        if "event" not in line:
            return line


stream.readline()  # greeting
stream.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
stream.flush()
reply()
command = {"execute": sys.argv[2]}
if len(sys.argv) > 3:
    command["arguments"] = json.loads(sys.argv[3])
stream.write(json.dumps(command) + "\n")
stream.flush()
answer = reply()
if "error" in answer:
    print(answer["error"].get("desc", answer["error"]), file=sys.stderr)
    sys.exit(1)
print(json.dumps(answer["return"]))
