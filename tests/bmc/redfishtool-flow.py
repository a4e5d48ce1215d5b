#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs DMTF's redfishtool against the emulated BMC, in-process.

usage: redfishtool-flow.py BMC_STDIO DIALECT PASSWORD_FILE EFFECTS_FILE [FAULT...] -- COMMAND...

Each COMMAND is one redfishtool command line (its words separated by spaces, "{}" for
the JSON data of raw; "@PASSWORD" stands for the password) run by redfishtoollib.main
with -r bmc.invalid -u root -p PASSWORD in front; every request it makes goes to
tests/drivers/bmc-stdio through stdio_transport. Prints each command, its output and its
exit status ("status N"). The password never reaches a process's argv.
"""
import contextlib
import io
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stdio_transport import StdioAdapter, mount_everywhere  # noqa: E402

import redfishtoollib  # noqa: E402


def main(argv):
    if "--" not in argv or len(argv) < 6:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    split = argv.index("--")
    driver, dialect, password_file, effects = argv[1:5]
    faults, commands = argv[5:split], argv[split + 1:]
    with open(password_file, encoding="utf-8") as f:
        password = f.read().strip()
    process = subprocess.Popen([driver, dialect, password_file, effects] + faults,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    adapter = StdioAdapter(process)
    mount_everywhere(adapter)
    try:
        for command in commands:
            words = shlex.split(command)
            print("$ redfishtool " + command)
            out = io.StringIO()
            status = 0
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                try:
                    redfishtoollib.main(["redfishtool", "-S", "Never", "-r", "bmc.invalid", "-u", "root",
                                         "-p", password] + words)
                except SystemExit as e:
                    status = e.code if isinstance(e.code, int) else 1
            print(out.getvalue().rstrip())
            print("status %d" % status)
        print("\n".join(adapter.log))
    finally:
        process.stdin.close()
        process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
