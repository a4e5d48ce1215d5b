#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Damages the directory records of an ISO 9660 image in place, the way a hostile or
corrupt download would. Used to make the hostile seeds of tests/fuzz/iso and by
tests/e2e/robust-hostile-iso.sh.

  damage-iso.py MODE IMAGE
    loop       every subdirectory record of a root directory points at the root's own
               extent: a directory that contains itself (an endless tree)
    past-end   every subdirectory record of a root directory points past the end of the image
    root-past-end  the root directory record of every volume descriptor points past the end

Both the primary (Rock Ridge) tree and any supplementary (Joliet) tree are changed, so
a reader cannot fall back to an intact one. Exits 1 if nothing was changed.
"""
import struct
import sys

SECTOR = 2048


def both_endian_32(value):
    return struct.pack("<I", value) + struct.pack(">I", value)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    with open(path, "r+b") as f:
        data = bytearray(f.read())
    volume_sectors = struct.unpack_from("<I", data, 16 * SECTOR + 80)[0]
    far = volume_sectors + 1000
    changed = 0
    for index in range(16, 16 + 64):
        d = index * SECTOR
        if data[d + 1:d + 6] != b"CD001":
            break
        kind = data[d]
        if kind == 255:
            break
        if kind not in (1, 2):
            continue
        root = d + 156
        root_extent = struct.unpack_from("<I", data, root + 2)[0]
        root_size = struct.unpack_from("<I", data, root + 10)[0]
        if mode == "root-past-end":
            data[root + 2:root + 10] = both_endian_32(far)
            changed += 1
            continue
        offset, end = root_extent * SECTOR, root_extent * SECTOR + root_size
        while offset < end:
            length = data[offset]
            if length == 0:  # records do not cross sectors: skip to the next one
                offset = (offset // SECTOR + 1) * SECTOR
                continue
            flags, name_len = data[offset + 25], data[offset + 32]
            name = bytes(data[offset + 33:offset + 33 + name_len])
            if flags & 2 and name not in (b"\x00", b"\x01"):
                target = root_extent if mode == "loop" else far
                data[offset + 2:offset + 10] = both_endian_32(target)
                if mode == "loop":
                    data[offset + 10:offset + 18] = both_endian_32(root_size)
                changed += 1
            offset += length
    if not changed:
        sys.exit("damage-iso: no directory record changed in " + path)
    with open(path, "r+b") as f:
        f.write(data)


if __name__ == "__main__":
    main()
