#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The skipped tests of a ctest run, with their reasons, from ctest's JUnit file.

    skipped.py JUNIT_XML E2E_DIR

Prints one line per skipped test: "  NAME: REASON". The reason is the "SKIP name: reason"
line tests/e2e/prelude.sh prints, else GoogleTest's skip message, else ctest's.

With CI=true, a skipped test fails the run (exit 1) unless its script declares that it may
legitimately not run in CI, with a header line in tests/e2e/NAME.sh:

    # may-skip-in-ci: REASON

CI runs as root with the Debian mirror reachable and every package of
scripts/install-deps.sh installed: anything else that skips there hides what it tests.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET


def reason_of(case):
    out = case.findtext("system-out") or ""
    for line in out.splitlines():
        if line.startswith("SKIP "):
            return line.split(": ", 1)[1] if ": " in line else line[5:]
    # GoogleTest: "FILE:LINE: Skipped" then the message, then "[  SKIPPED ] ..."
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.rstrip().endswith(": Skipped") and i + 1 < len(lines) and lines[i + 1].strip():
            return lines[i + 1].strip()
    skipped = case.find("skipped")
    message = skipped.get("message", "") if skipped is not None else ""
    return message or "no reason given"


def may_skip_in_ci(name, e2e_dir):
    if not name.startswith("e2e."):
        return None
    script = os.path.join(e2e_dir, name[len("e2e."):] + ".sh")
    try:
        with open(script, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"#\s*may-skip-in-ci:\s*(\S.*)", line)
                if m:
                    return m.group(1).strip()
    except OSError:
        pass
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    junit, e2e_dir = sys.argv[1], sys.argv[2]
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"run-tests: no skipped-test report: cannot read {junit}: {e}")
        return 0
    skipped = []
    for case in root.iter("testcase"):
        # ctest's "Skipped" (SKIP_RETURN_CODE, or GoogleTest's [  SKIPPED ] through
        # gtest_discover_tests' SKIP_REGULAR_EXPRESSION); "Not Run" for other reasons has no
        # <skipped> element and is a failure ctest itself reports.
        if case.get("status") == "notrun" and case.find("skipped") is not None:
            skipped.append((case.get("name"), reason_of(case)))
    if not skipped:
        return 0
    print(f"Skipped tests ({len(skipped)}):")
    for name, reason in skipped:
        print(f"  {name}: {reason}")
    if os.environ.get("CI") != "true":
        return 0
    unexpected = [(n, r) for n, r in skipped if may_skip_in_ci(n, e2e_dir) is None]
    for name, reason in unexpected:
        print(f"FAIL (CI=true): {name} was skipped ({reason}), but CI runs it (root, the Debian "
              f"mirror, every dependency); if it legitimately cannot run in CI, its script says "
              f"so with a line '# may-skip-in-ci: REASON'")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
