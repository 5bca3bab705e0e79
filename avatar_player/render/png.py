"""Minimal PNG writing and reading (8-bit RGBA, no filtering) with the standard library.

Pillow is not a dependency of the project; these ~30 lines are all the renderer needs
(frame export, golden images).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an (h, w, 4) uint8 image, top row first."""
    height, width, channels = rgba.shape
    if channels != 4 or rgba.dtype != np.uint8:
        raise ValueError("expected an (h, w, 4) uint8 image")
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgba.reshape(height, -1)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + _chunk(b"IEND", b"")
    )


def write_png(path: str | Path, rgba: np.ndarray) -> None:
    """Write an (h, w, 4) uint8 image as PNG."""
    Path(path).write_bytes(encode_png(rgba))


def read_png(path: str | Path) -> np.ndarray:
    """Read a PNG written by `write_png` (8-bit RGBA, filter type 0) as (h, w, 4) uint8."""
    data = Path(path).read_bytes()
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path} is not a PNG")
    offset, header, compressed = len(SIGNATURE), b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        header = body if kind == b"IHDR" else header
        compressed += body if kind == b"IDAT" else b""
        offset += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    if (depth, colour_type) != (8, 6):
        raise ValueError(f"{path}: only 8-bit RGBA PNGs are supported")
    rows = np.frombuffer(zlib.decompress(compressed), np.uint8).reshape(height, 1 + 4 * width)
    if rows[:, 0].any():
        raise ValueError(f"{path}: only unfiltered PNGs are supported")
    return rows[:, 1:].reshape(height, width, 4).copy()
