#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds the compact question lists of data/questions/ from debconf template files.

Each input is a debconf templates file (as in a debian-installer package's debian/ folder,
or var/lib/dpkg/info/*.templates of an installer initrd, or cdebconf's templates.dat).
Output, one question per line:  name TAB type [TAB choice]...
Choices are listed only where they are fixed (Choices-C, else untranslated Choices)
and not filled in at run time (${...}).

Usage:
  gen-questions.py git REPO COMMIT PATH_REGEX [EXCLUDE_REGEX]   # template files in a commit
  gen-questions.py code REPO COMMIT PATH_REGEX [EXCLUDE_REGEX]  # names the shell code reads
      (db_get/db_set/... of a name no template defines: the installer reads a preseeded
      value for it; "$var" parts become "*"; type "-" means any type)
  gen-questions.py files FILE...                                # template files on disk
The results of several runs are merged with `sort -u` style by `merge`:
  gen-questions.py merge LIST...                                # later lists add questions
"""
import re
import subprocess
import sys


def stanzas(text):
    fields, key = {}, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if fields:
                yield fields
            fields, key = {}, None
            continue
        if line[0] in " \t":
            continue  # description continuation
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_.@-]*):\s?(.*)$", line)
        if not m:
            continue
        key = m.group(1).lstrip("_")
        fields.setdefault(key, m.group(2).strip())


def split_choices(value):
    out, cur, i = [], "", 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] == ",":
            cur += ","
            i += 2
            continue
        if value[i] == ",":
            out.append(cur.strip())
            cur = ""
        else:
            cur += value[i]
        i += 1
    out.append(cur.strip())
    return [c for c in out if c]


def questions(text):
    for f in stanzas(text):
        name = f.get("Template") or f.get("Name")
        qtype = f.get("Type")
        if not name or not qtype:
            continue
        choices = f.get("Choices-C")
        if choices is None:
            choices = f.get("Choices")
        fixed = []
        if qtype in ("select", "multiselect") and choices and "$" not in choices and "@" not in choices:
            fixed = split_choices(choices)
        yield name, qtype, fixed


def emit(found):
    for name in sorted(found):
        qtype, choices = found[name]
        print("\t".join([name, qtype] + choices))


def main():
    found = {}
    if sys.argv[1] == "git":
        repo, commit, pattern = sys.argv[2], sys.argv[3], re.compile(sys.argv[4])
        exclude = re.compile(sys.argv[5]) if len(sys.argv) > 5 else None
        paths = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", commit],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        for path in paths:
            if not pattern.search(path) or (exclude and exclude.search(path)):
                continue
            text = subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"],
                                  capture_output=True, check=True).stdout.decode("utf-8", "replace")
            for name, qtype, choices in questions(text):
                found.setdefault(name, (qtype, choices))
    elif sys.argv[1] == "code":
        repo, commit, pattern = sys.argv[2], sys.argv[3], sys.argv[4]
        exclude = re.compile(sys.argv[5]) if len(sys.argv) > 5 else None
        out = subprocess.run(["git", "-C", repo, "grep", "-I", "-oE",
                              r"db_(get|fget|set|input|register|metaget) +\"?[a-z0-9-]+/[A-Za-z0-9_/.${}-]+",
                              commit], capture_output=True, text=True).stdout
        for line in out.splitlines():
            path, _, match = line[len(commit) + 1:].partition(":")
            if not re.search(pattern, path) or (exclude and exclude.search(path)):
                continue
            name = re.split(r" +", match, maxsplit=1)[1].strip('"')
            if re.match(r"db_register", match):
                name = re.split(r" +", match)[-1].strip('"') if False else name
            name = re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", "*", name)
            if name.endswith("/") or "$" in name:
                continue
            found.setdefault(name, ("-", []))
    elif sys.argv[1] == "files":
        for path in sys.argv[2:]:
            with open(path, encoding="utf-8", errors="replace") as fh:
                for name, qtype, choices in questions(fh.read()):
                    found.setdefault(name, (qtype, choices))
    elif sys.argv[1] == "merge":
        for path in sys.argv[2:]:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("#") or not line.strip():
                        continue
                    parts = line.rstrip("\n").split("\t")
                    found.setdefault(parts[0], (parts[1], parts[2:]))
    emit(found)


if __name__ == "__main__":
    main()
