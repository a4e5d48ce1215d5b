#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validates Redfish documents against DMTF's JSON schemas (Debian's python3-jsonschema).

    validate-redfish-testdata.py SCHEMA_DIR FILE.json...

SCHEMA_DIR is the json-schema/ folder of DMTF's Redfish-Publications (BSD-3-Clause; not
kept in this repository: 45 schema files, 0.8 MB, for the test documents). Each document
is checked against the schema its @odata.type names (versioned when it says so). The
answers in builder/redfish/testdata/ that were written in the shape of a vendor's
documentation are checked this way, so the client is not tested on invented structure.
Exit 0 when every document is valid.
"""
import json
import os
import re
import sys

import jsonschema
from jsonschema import RefResolver


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    schema_dir = sys.argv[1]

    def load(name):
        with open(os.path.join(schema_dir, name)) as f:
            return json.load(f)

    class LocalResolver(RefResolver):
        def resolve_remote(self, uri):
            name = uri.split('#')[0].rstrip('/').split('/')[-1]
            if os.path.exists(os.path.join(schema_dir, name)):
                return load(name)
            raise jsonschema.RefResolutionError('no local copy of ' + uri)

    bad = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            document = json.load(f)
        kind = document.get('@odata.type', '')
        versioned = re.match(r'#(\w+)\.(v\d+_\d+_\d+)\.(\w+)$', kind)
        plain = re.match(r'#(\w+)\.(\w+)$', kind)
        if versioned:
            name, definition = versioned.group(1) + '.' + versioned.group(2) + '.json', versioned.group(3)
        elif plain:
            name, definition = plain.group(1) + '.json', plain.group(2)
        else:
            print('BAD ' + path + ': no usable @odata.type')
            bad += 1
            continue
        schema = load(name)
        ref = {'$ref': schema['$id'].split('#')[0] + '#/definitions/' + definition}
        validator = jsonschema.Draft4Validator(ref, resolver=LocalResolver.from_schema(schema))
        validator.resolver.store[schema['$id'].split('#')[0]] = schema
        errors = list(validator.iter_errors(document))
        print(('OK  ' if not errors else 'BAD ') + path + ' (' + name + ')')
        for error in errors[:5]:
            print('    /' + '/'.join(str(p) for p in error.path) + ': ' + error.message[:200])
        bad += bool(errors)
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
