#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system delivery
# timeout: 2400
# cost: 310
# The whole delivery (tests/e2e/delivery-pe2950.sh) with the first-boot hook removed:
# the late_command runs the flagship's late-command.sh, which installs and
# enables imgbuild-firstboot.service, then takes the unit out again, as an image whose
# hook was dropped would be. The installed system boots to its login prompt with the
# virtual media still attached and nobody detaches them: `verify --stage firstboot` must
# say the hook did not run (not time out), and the emulated DRAC must have seen no racadm.
source "$(dirname "$0")/prelude.sh"
late='in-target sh /usr/local/lib/imgbuild/late-command.sh && in-target systemctl disable imgbuild-firstboot.service && rm /target/etc/systemd/system/imgbuild-firstboot.service'
summary='the installed system came up to its login prompt and no IMGBUILD:firstboot-start came'
cause='first-boot hook did not run'
source "$IMGBUILD_SOURCE_DIR/tests/delivery/fault.sh"
grep -q '^  DRAC: the guest never called racadm' "$T/verify.out" || fail "the report does not say the DRAC saw no racadm"
grep -q 'IMGBUILD:install-finished' "$T/logs/serial.log" || fail "the install did not finish (wrong failure)"
if grep -q 'IMGBUILD:firstboot-' "$T/logs/serial.log"; then fail "a first-boot marker came: the hook was not removed"; fi
