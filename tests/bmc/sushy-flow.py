#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Drives the emulated BMC with sushy (OpenStack's Redfish library, what ironic uses).

usage: sushy-flow.py BMC_STDIO DIALECT PASSWORD_FILE EFFECTS_FILE SCENARIO [FAULT...]

The BMC is tests/drivers/bmc-stdio, reached through a requests transport adapter instead of
HTTP (the model has no server of its own), so every request sushy makes goes through
EmulatedBmc::handle as it would behind the emulator's server. SCENARIO is one of:
  deploy       ironic's redfish-virtual-media steps: session, power off, eject, insert,
               one-time boot from Cd, power on, eject, log out
  badpassword  a session with a wrong password must be refused
  unreachable  an insert whose task ends in the BMC's RAC0904 message
Prints what it did; exits non-zero on the first surprise.
"""
import os
import subprocess
import sys

import sushy
from sushy import auth as sushy_auth
from sushy import connector as sushy_connector
from sushy.resources.manager import virtual_media

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stdio_transport import StdioAdapter  # noqa: E402


def connect(process, password):
    connector = sushy_connector.Connector("http://bmc.invalid", verify=False)
    adapter = StdioAdapter(process)
    connector._session.mount("http://bmc.invalid", adapter)
    root = sushy.Sushy("http://bmc.invalid",
                       auth=sushy_auth.SessionAuth(username="root", password=password),
                       connector=connector)
    return root, adapter


def deploy(root, adapter, image):
    system = root.get_system(root.get_system_collection().members_identities[0])
    print("system", system.identity, "power", system.power_state)
    if system.power_state != sushy.POWER_STATE_OFF:
        system.reset_system(sushy.RESET_FORCE_OFF)
    system.refresh()
    assert system.power_state == sushy.POWER_STATE_OFF, system.power_state
    # sushy 4.3 knows VirtualMedia under the Manager only; where the System links it
    # (iDRAC9 >= 6.00) use the same classes on the System's collection, as sushy >= 4.8 does.
    linked = root._conn.get(system.path).json().get("VirtualMedia")
    if linked:
        collection = virtual_media.VirtualMediaCollection(root._conn, linked["@odata.id"],
                                                          redfish_version=root.redfish_version)
    else:
        manager = root.get_manager(root.get_manager_collection().members_identities[0])
        collection = manager.virtual_media
    media = collection.get_members()
    print("virtual media", [m.identity for m in media])
    for slot in media:
        slot.eject_media()
    cd = next(m for m in media if sushy.VIRTUAL_MEDIA_CD in m.media_types)
    cd.insert_media(image, inserted=True, write_protected=True)
    cd.refresh()
    assert cd.inserted and cd.image == image, (cd.inserted, cd.image)
    system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_CD, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
    system.refresh()
    assert system.boot.target == sushy.BOOT_SOURCE_TARGET_CD, system.boot.target
    assert system.boot.enabled == sushy.BOOT_SOURCE_ENABLED_ONCE, system.boot.enabled
    system.reset_system(sushy.RESET_ON)
    system.refresh()
    assert system.power_state == sushy.POWER_STATE_ON, system.power_state
    cd.eject_media()
    cd.refresh()
    print("after eject: inserted", cd.inserted)
    root._conn._auth.close()  # ends the session (DELETE), as ironic does


def unreachable(root):
    system = root._conn.get(root.get_system_collection().members_identities[0]).json()
    if "VirtualMedia" in system:
        collection = system["VirtualMedia"]["@odata.id"]
    else:
        manager = root._conn.get(system["Links"]["ManagedBy"][0]["@odata.id"]).json()
        collection = manager["VirtualMedia"]["@odata.id"]
    slot = root._conn.get(collection).json()["Members"][0]["@odata.id"]
    target = root._conn.get(slot).json()["Actions"]["#VirtualMedia.InsertMedia"]["target"]
    response = root._conn.post(target, data={"Image": "http://192.0.2.1/trixie.iso"})
    assert response.status_code == 202, response.status_code
    location = response.headers["Location"]
    try:
        answer = root._conn.get(location)
    except sushy.exceptions.BadRequestError as e:  # a task monitor answers with the error
        print("task failed:", e)
        return
    task = answer.json()
    print("task", task["TaskState"], task["Messages"][0]["MessageId"], task["Messages"][0]["Message"])


def main(argv):
    if len(argv) < 6:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    driver, dialect, password_file, effects, scenario = argv[1:6]
    with open(password_file, encoding="utf-8") as f:
        password = f.read().strip()
    process = subprocess.Popen([driver, dialect, password_file, effects] + argv[6:],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if scenario == "deploy":
            root, adapter = connect(process, password)
            deploy(root, adapter, "http://10.0.2.2:8080/trixie-r660.iso")
        elif scenario == "unreachable":
            root, adapter = connect(process, password)
            unreachable(root)
        elif scenario == "badpassword":
            try:
                root, adapter = connect(process, password + "-wrong")
                root.get_system_collection()
            except (sushy.exceptions.AccessError, sushy.exceptions.ConnectionError) as e:
                print("refused:", type(e).__name__)
                adapter = None
            else:
                print("a wrong password was accepted")
                return 1
        else:
            print("unknown scenario", scenario, file=sys.stderr)
            return 2
        if adapter:
            print("\n".join(adapter.log))
    finally:
        process.stdin.close()
        process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
