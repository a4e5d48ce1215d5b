#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# labels: e2e qemu
# timeout: 900
# cost: 90
#
# --memtest on a UEFI disc: GRUB's menu gets a memtest86+ entry that chainloads the EFI
# program Debian 12's memtest86+ package ships (/boot/memtest86+x64.efi), and it starts
# under OVMF. The image is the one `build --memtest` makes, unchanged: the entry is picked
# the way a person at the console would, by its hotkey ("m") sent as a key press over
# QMP while GRUB's menu counts down, and memtest86+ proves it runs by drawing its first
# screen on the serial port (the entry passes console=ttyS0,115200).
source "$(dirname "$0")/prelude.sh"

[[ -r /boot/memtest86+x64.efi ]] || fail "/boot/memtest86+x64.efi missing (memtest86+, scripts/install-deps.sh)"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not installed (scripts/install-deps.sh)"
ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd
[[ -r $ovmf_code ]] || fail "$ovmf_code missing (ovmf, scripts/install-deps.sh)"

base=$(fixture_iso modern-amd64)
printf 'd-i debian-installer/locale string en_US\n' >"$T/p.cfg"
# A long menu timeout: under TCG on a loaded machine the firmware alone can take a minute,
# and the unattended entry must not boot before the key arrives.
expect_status 0 "$IMGBUILD" build "$base" -o "$T/memtest.iso" --preseed "$T/p.cfg" --memtest --timeout 600 --quiet

# The menu, read with xorriso: the entry, its hotkey, the EFI program on the disc.
iso_cat "$T/memtest.iso" /boot/grub/grub.cfg >"$T/grub.cfg"
grep -qE "menuentry --hotkey=m 'Memory test \(memtest86\+\)'" "$T/grub.cfg" || { cat "$T/grub.cfg" >&2; fail "no memtest entry with hotkey m in grub.cfg"; }
grep -qE '^\s*chainloader /imgbuild/memtest86\+x64\.efi console=ttyS0,115200$' "$T/grub.cfg" ||
    fail "the memtest entry does not chainload /imgbuild/memtest86+x64.efi"
iso_cat "$T/memtest.iso" /imgbuild/memtest86+x64.efi | cmp -s - /boot/memtest86+x64.efi ||
    fail "/imgbuild/memtest86+x64.efi is not the memtest86+ package's EFI program"

# Boot it: OVMF with a private variable store, serial port to a file, QMP for the keys.
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars.fd"
qemu-system-x86_64 -machine q35 -m 1024 -accel tcg -display none -monitor none -vga std \
    -drive if=pflash,format=raw,readonly=on,file="$ovmf_code" -drive if=pflash,format=raw,file="$T/vars.fd" \
    -drive media=cdrom,readonly=on,format=raw,file="$T/memtest.iso" \
    -serial file:"$T/serial.log" -qmp unix:"$T/qmp.sock",server=on,wait=off >"$T/qemu.log" 2>&1 &
qemu=$!
trap 'rc=$?; kill "$qemu" 2>/dev/null; wait "$qemu" 2>/dev/null; (exit $rc); _prelude_exit' EXIT

# Press "m" every 3 s until memtest86+ shows on the serial port: before GRUB's menu the
# firmware and GRUB ignore it; in the menu it boots the memtest entry at once. Exit 0
# when memtest's banner arrives, 1 when QEMU ends or time runs out.
python3 - "$T/qmp.sock" "$T/serial.log" "$qemu" <<'PY' || { cat "$T/qemu.log" >&2; tail -c 3000 "$T/serial.log" | strings >&2; fail "memtest86+ did not start from GRUB under OVMF"; }
import json, os, socket, sys, time
sock_path, serial_path, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.time() + 600
def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
while not os.path.exists(sock_path):
    if time.time() > deadline or not alive():
        sys.exit(1)
    time.sleep(0.5)
s = socket.socket(socket.AF_UNIX)
s.connect(sock_path)
f = s.makefile("rw")
f.readline()  # greeting
def command(name, **args):
    f.write(json.dumps({"execute": name, "arguments": args} if args else {"execute": name}) + "\n")
    f.flush()
    while True:
        reply = json.loads(f.readline())
        if "return" in reply or "error" in reply:
            return reply
command("qmp_capabilities")
presses = 0
start = time.time()
while time.time() < deadline and alive():
    with open(serial_path, "rb") as log:
        text = log.read()
    if b"Memtest86+ v" in text:
        print(f"memtest86+ on the serial port after {presses} key press(es), {time.time() - start:.0f} s")
        sys.exit(0)
    # GRUB writes through the firmware console, which OVMF mirrors to the serial port:
    # an entry that cannot start (a missing file or command) shows its error and waits
    # for a key, and that ends the test at once (GRUB's earlier errors, such as a
    # missing font, are not the entry's).
    failed_at = text.find(b"Press any key to continue")
    if failed_at >= 0:
        error = text.rfind(b"error: ", 0, failed_at)
        print("GRUB: " + text[error if error >= 0 else failed_at:failed_at].decode(errors="replace").strip())
        sys.exit(1)
    command("send-key", keys=[{"type": "qcode", "data": "m"}])
    presses += 1
    time.sleep(3)
sys.exit(1)
PY

# memtest86+'s first screen, as it drew it on the serial port: its banner and test status.
grep -aqF 'Memtest86+ v6' "$T/serial.log" || fail "no memtest86+ 6 banner on the serial port"
deadline=$((SECONDS + 120))
until grep -aqF 'Status: Testing' "$T/serial.log"; do
    ((SECONDS < deadline)) || { strings "$T/serial.log" | tail -20 >&2; fail "memtest86+ started but never reported testing"; }
    sleep 3
done
# Shown in the test's output: the lines of that screen, as evidence of what ran.
strings "$T/serial.log" | sed -E 's/\[[0-9;]*[A-Za-z]//g; s/ +/ /g' | grep -E 'Memtest86\+ v|CPU' | sed -n 1,3p
echo "memtest86+ runs under OVMF from GRUB's memtest entry"
