#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validates what an emulated BMC serves against the DMTF Redfish JSON schemas.

usage: validate.py SCHEMA_DIR DUMP.json [--used FILE]

DUMP.json is what tests/drivers/bmc-dump prints: {"resources": [{"path", "body"}...],
"errors": [{"request", "status", "body"}...]}. Each resource is validated against the
definition its "@odata.type" names ("#ComputerSystem.v1_20_0.ComputerSystem" ->
ComputerSystem.v1_20_0.json#/definitions/ComputerSystem), each error body against
redfish-error.v1_0_2.json#/definitions/RedfishError. The DMTF schemas reference each
other by URL (http://redfish.dmtf.org/schemas/v1/...): every reference is answered from
SCHEMA_DIR, never from the network; one that is not there is a failure of its own.
--used FILE writes the schema files the validation read (to vendor only those).

Run with Debian's /usr/bin/python3 (python3-jsonschema, RefResolver API).
Exit status 0 when everything is valid, 1 otherwise.
"""
import json
import os
import re
import sys

import jsonschema
import jsonschema.validators

BASE = "http://redfish.dmtf.org/schemas/v1/"


class LocalSchemas:
    """The schema files of one directory, looked up by their URL, recording what is used."""

    def __init__(self, directory):
        self.directory = directory
        self.used = set()

    def fetch(self, url):
        name = url[len(BASE):] if url.startswith(BASE) else None
        if not name or "/" in name:
            raise jsonschema.RefResolutionError("refusing to fetch %s: only %s* is resolved, locally" % (url, BASE))
        if not name.endswith(".json"):
            name += ".json"
        path = os.path.join(self.directory, name)
        if not os.path.exists(path):
            raise jsonschema.RefResolutionError("schema %s is not in %s" % (name, self.directory))
        self.used.add(name)
        with open(path, encoding="utf-8") as f:
            return json.load(f)


def check(schemas, url, definition, instance):
    try:
        document = schemas.fetch(url)
        resolver = jsonschema.RefResolver(base_uri=url, referrer=document,
                                          handlers={"http": schemas.fetch, "https": schemas.fetch})
        validator = jsonschema.Draft7Validator({"$ref": url + "#/definitions/" + definition}, resolver=resolver)
        return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message)
                for e in validator.iter_errors(instance)]
    except jsonschema.RefResolutionError as e:
        return ["unresolvable reference: %s" % e]


def schema_of(odata_type):
    match = re.fullmatch(r"#([A-Za-z]+)(?:\.(v\d+_\d+_\d+))?\.([A-Za-z]+)", odata_type or "")
    if not match:
        return None
    namespace, version, definition = match.groups()
    return BASE + namespace + ("." + version if version else "") + ".json", definition


def main(argv):
    if len(argv) not in (3, 5) or (len(argv) == 5 and argv[3] != "--used"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    schemas = LocalSchemas(argv[1])
    with open(argv[2], encoding="utf-8") as f:
        dump = json.load(f)
    failures = 0
    checked = 0
    for resource in dump["resources"]:
        body, path = resource["body"], resource["path"]
        problems = []
        if body.get("@odata.id") != path:
            problems.append("@odata.id is %r, served at %r" % (body.get("@odata.id"), path))
        target = schema_of(body.get("@odata.type"))
        if not target:
            problems.append("@odata.type %r names no schema" % body.get("@odata.type"))
        else:
            problems += check(schemas, target[0], target[1], body)
        checked += 1
        failures += bool(problems)
        print("%s %s (%s)" % ("FAIL" if problems else "ok  ", path, body.get("@odata.type")))
        for problem in problems:
            print("     " + problem)
    for error in dump.get("errors", []):
        problems = check(schemas, BASE + "redfish-error.v1_0_2.json", "RedfishError", error["body"])
        checked += 1
        failures += bool(problems)
        print("%s error body of %s (%d)" % ("FAIL" if problems else "ok  ", error["request"], error["status"]))
        for problem in problems:
            print("     " + problem)
    if len(argv) == 5:
        with open(argv[4], "w", encoding="utf-8") as f:
            f.write("".join(name + "\n" for name in sorted(schemas.used)))
    print("%d checked, %d invalid" % (checked, failures))
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
