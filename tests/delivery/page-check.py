#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks a browser's rendering of a verify report (test code).

   page-check.py PAGE.png MIN_IMAGES

The PNG (from headless Chromium's --screenshot) must not be blank, and must show at least
MIN_IMAGES x 40 rows crossing a picture (a run of >= 200 pixels of one non-white
colour), which text, table borders and a broken-image icon never make but a
guest's screenshot (a console on a uniform background) does. A plain PNG reader (zlib and
the five PNG filters) so the check needs nothing beyond Python.
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour {colour})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append([tuple(line[c:c + 3]) for c in range(0, stride, channels)])
        previous = line
    return width, height, rows


def main():
    path, want = sys.argv[1], int(sys.argv[2])
    width, height, rows = read_png(path)
    colours = {pixel for row in rows[::7] for pixel in row[::7]}
    if len(colours) < 3:
        raise SystemExit(f"{path}: blank page ({len(colours)} colours)")
    # Rows crossing a picture: a run of >= 200 pixels of one non-white colour.
    def pictured(row):
        start = 0
        for x in range(1, width + 1):
            if x == width or row[x] != row[start]:
                if x - start >= 200 and row[start] != (255, 255, 255):
                    return True
                start = x
        return False
    picture_rows = sum(1 for row in rows if pictured(row))
    blocks = picture_rows // 40
    print(f"{path}: {width}x{height}, {len(colours)} colours sampled, {blocks} picture-like blocks")
    if blocks < want:
        raise SystemExit(f"{path}: {blocks} picture-like blocks, expected at least {want} (screenshots not loaded?)")


main()
