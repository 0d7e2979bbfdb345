"""Draws the two Teams app icons (a calendar page with a check mark) as PNGs, stdlib only.

    python -m manifest.make_icons     # rewrites manifest/color.png and manifest/outline.png

color.png: 192x192, opaque, white glyph on the accent colour.
outline.png: 32x32, white glyph on a transparent background (every pixel is white; only alpha varies).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCENT = (0x0B, 0x5C, 0xAB)  # keep equal to accentColor in manifest.template.json
WHITE = (255, 255, 255)
SAMPLES = 4  # 4x4 samples per pixel for smooth edges


def _segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def glyph(x: float, y: float) -> bool:
    """The glyph in unit coordinates (0..1, y down): a calendar page, two rings, a check mark."""
    left, right, top, bottom, border = 0.19, 0.81, 0.24, 0.82, 0.065
    if left <= x <= right and top <= y <= bottom:
        inside = left + border < x < right - border and top + 0.16 < y < bottom - border
        if not inside:
            return True  # frame and the filled header band
    for ring_x in (0.36, 0.64):
        if abs(x - ring_x) <= 0.045 and 0.15 <= y <= 0.31:
            return True
    check = ((0.35, 0.565), (0.46, 0.665), (0.66, 0.465))
    half_width = 0.05
    return (
        _segment_distance(x, y, *check[0], *check[1]) <= half_width
        or _segment_distance(x, y, *check[1], *check[2]) <= half_width
    )


def coverage(size: int) -> list[list[float]]:
    """How much of each pixel the glyph covers, 0.0 to 1.0."""
    step = 1.0 / (size * SAMPLES)
    rows = []
    for row in range(size):
        values = []
        for col in range(size):
            hits = sum(
                glyph((col * SAMPLES + i + 0.5) * step, (row * SAMPLES + j + 0.5) * step)
                for i in range(SAMPLES)
                for j in range(SAMPLES)
            )
            values.append(hits / (SAMPLES * SAMPLES))
        rows.append(values)
    return rows


def png(width: int, height: int, rows: list[bytes], alpha: bool) -> bytes:
    """An 8-bit RGB or RGBA PNG; each row is the raw pixel bytes (filter 0 is added here)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def color_icon(size: int = 192) -> bytes:
    rows = []
    for values in coverage(size):
        row = bytearray()
        for c in values:
            row += bytes(round(bg + (fg - bg) * c) for bg, fg in zip(ACCENT, WHITE))
        rows.append(bytes(row))
    return png(size, size, rows, alpha=False)


def outline_icon(size: int = 32) -> bytes:
    rows = [b"".join(bytes((*WHITE, round(255 * c))) for c in values) for values in coverage(size)]
    return png(size, size, rows, alpha=True)


def main() -> None:
    (HERE / "color.png").write_bytes(color_icon())
    (HERE / "outline.png").write_bytes(outline_icon())
    print(f"wrote {HERE / 'color.png'} and {HERE / 'outline.png'}")


if __name__ == "__main__":
    main()
