#!/usr/bin/env python3
# Draws the console's icon, web/console/favicon.ico: the picture of web/console/assets/favicon.svg (a
# navy rounded square, the header's colour, with three rising green bars) as 16 and 32 px images,
# 32-bit BMPs with alpha, each pixel the average of 4 x 4 samples. Python's standard library only.
#
#   python3 web/tools/make_favicon.py web/console/favicon.ico
import struct
import sys

NAVY = (0x17, 0x23, 0x3A)
GREEN = (0x3C, 0xCF, 0x7E)
BARS = [(7, 17, 4, 9), (14, 12, 4, 14), (21, 6, 4, 20)]  # x, y, width, height on the SVG's 32 x 32 grid
RADIUS = 6


def colour(x, y):
    """The picture's colour at (x, y) of the 32 x 32 grid, or None outside the rounded square."""
    cx = min(max(x, RADIUS), 32 - RADIUS)
    cy = min(max(y, RADIUS), 32 - RADIUS)
    if (x - cx) ** 2 + (y - cy) ** 2 > RADIUS * RADIUS:
        return None
    for bx, by, bw, bh in BARS:
        if bx <= x < bx + bw and by <= y < by + bh:
            return GREEN
    return NAVY


def image(size, samples=4):
    """One icon image: its BITMAPINFOHEADER, BGRA pixels bottom-up, and an empty AND mask."""
    rows = []
    for row in range(size):
        line = []
        for col in range(size):
            r = g = b = n = 0
            for sy in range(samples):
                for sx in range(samples):
                    c = colour((col + (sx + 0.5) / samples) * 32 / size, (row + (sy + 0.5) / samples) * 32 / size)
                    if c:
                        r, g, b, n = r + c[0], g + c[1], b + c[2], n + 1
            line.append((r // n, g // n, b // n, 255 * n // (samples * samples)) if n else (0, 0, 0, 0))
        rows.append(line)
    pixels = b''.join(bytes((b, g, r, a)) for line in reversed(rows) for r, g, b, a in line)
    mask = b'\0' * (((size + 31) // 32) * 4 * size)  # alpha says it all; the mask is all zero
    header = struct.pack('<IiiHHIIiiII', 40, size, size * 2, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0)
    return header + pixels + mask


def main(path):
    sizes = [16, 32]
    images = [image(s) for s in sizes]
    out = struct.pack('<HHH', 0, 1, len(images))  # reserved, type 1 (icon), count
    offset = 6 + 16 * len(images)
    for size, data in zip(sizes, images):
        out += struct.pack('<BBBBHHII', size, size, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    with open(path, 'wb') as f:
        f.write(out + b''.join(images))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'web/console/favicon.ico')
