#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu installed-system slow
# timeout: 900
# cost: 220
#
# Issue 7 part 4, the refusal: tests/e2e/installer-repo.sh's repository with one byte added
# to its udeb index after the Release was written, booted with the real Debian 12
# installer: net-retriever must refuse the index (SHA256/size mismatch against the Release)
# and anna must fetch nothing from pool/. One boot of about 185 s under TCG; the accepting
# boot is in the default run (installer-repo).
installer_repo_cases=tamper
source "$(dirname "$0")/installer-repo.sh"
