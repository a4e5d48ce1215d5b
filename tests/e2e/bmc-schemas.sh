#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e
# timeout: 120
# cost: 3
# Every resource and error body the emulated BMC (builder/bmc) serves, in both dialects
# (idrac9: VirtualMedia under the System; idrac8: under the Manager), validated against
# the DMTF Redfish JSON schemas vendored in tests/redfish-schemas by python3-jsonschema, an
# implementation independent of the model. The schemas are resolved from the vendored
# files only. Then the proofs that the check can fail: resources spoiled the way a bug
# would spoil them, an unknown property, and a schema missing from the vendored set.
source "$(dirname "$0")/prelude.sh"

driver="$IMGBUILD_BUILD_DIR/bmc-dump"
[ -x "$driver" ] || fail "$driver not built (ninja bmc-dump)"
python=/usr/bin/python3
"$python" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema not installed for $python"
schemas="$IMGBUILD_SOURCE_DIR/tests/redfish-schemas"
validate() { "$python" "$schemas/validate.py" "$@"; }

for dialect in idrac9 idrac8; do
    "$driver" "$dialect" > "$T/$dialect.json"
    validate "$schemas/json-schema" "$T/$dialect.json" > "$T/$dialect.out" ||
        { cat "$T/$dialect.out"; fail "$dialect: resources do not validate"; }
    # Every resource of the dialect, not a few: the collections, both slots, the tasks,
    # and the error bodies.
    resources=$(grep -c '^ok   /redfish' "$T/$dialect.out")
    errors=$(grep -c '^ok   error body' "$T/$dialect.out")
    [ "$resources" -ge 15 ] || fail "$dialect: only $resources resources validated"
    [ "$errors" -ge 6 ] || fail "$dialect: only $errors error bodies validated"
done
grep -q '^ok   /redfish/v1/Systems/System.Embedded.1/VirtualMedia/1 ' "$T/idrac9.out" || fail "idrac9: no System VirtualMedia/1"
grep -q '^ok   /redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD ' "$T/idrac8.out" || fail "idrac8: no Manager VirtualMedia/CD"

# A spoiled System (PowerState outside its enumeration) and slot (Inserted a string).
for dialect in idrac9 idrac8; do
    "$driver" "$dialect" --break > "$T/$dialect-broken.json"
    expect_status 1 validate "$schemas/json-schema" "$T/$dialect-broken.json"
    grep -q "^     PowerState: 'Sideways' is not valid" "$T/last.out" || fail "$dialect: bad PowerState not caught"
    grep -q "^     Inserted: 'yes' is not of type" "$T/last.out" || fail "$dialect: bad Inserted not caught"
done

# A property the schema does not have (additionalProperties: false).
jq '.resources[2].body.Bogus = 1' "$T/idrac9.json" > "$T/bogus.json"
expect_status 1 validate "$schemas/json-schema" "$T/bogus.json"
grep -q "'Bogus' does not match any of the regexes" "$T/last.out" || fail "unknown property not caught"

# A schema missing from the vendored set fails the run instead of being fetched.
mkdir "$T/partial"
cp "$schemas"/json-schema/*.json "$T/partial/"
rm "$T/partial/VirtualMedia.v1_6_0.json"
expect_status 1 validate "$T/partial" "$T/idrac9.json"
grep -q "schema VirtualMedia.v1_6_0.json is not in" "$T/last.out" || fail "a missing schema was not reported"
