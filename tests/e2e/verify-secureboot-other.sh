#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu slow
# timeout: 900
# cost: 100
#
# tests/e2e/verify-secureboot.sh's signed Debian 13 image under the other firmwares: plain
# UEFI (the installer reports Secure Boot off) and BIOS (isolinux; it reports bios); both
# pass and neither counts as proven. Two boots, 38 s (uefi) and 27 s (bios) here at load ~4; the Secure Boot boot
# itself is in the default run (verify-secureboot).
secureboot_cases="plain bios"
source "$(dirname "$0")/verify-secureboot.sh"
