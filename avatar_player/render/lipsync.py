"""Objective lip-sync measurement from rendered pixels.

Mouth opening is the dark (cavity) area inside a box around the mouth; the lag between
that signal and the audio loudness envelope comes from their cross-correlation.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar.model import Avatar
from avatar_player.render.camera import Camera

MOUTH_BOX = ((-0.027, 0.027), (-0.024, 0.005))
"""x and y extent (metres) of the measured box around the mouth landmark (y: the jaw
drops into it)."""
DARK_LUMA = 90.0
"""Pixels darker than this (0..255) count as open mouth, fully at black."""


def mouth_region(avatar: Avatar, camera: Camera, width: int, height: int) -> tuple[slice, slice]:
    """(rows, columns) of the image around the avatar's mouth."""
    x, y, z = avatar.landmark("mouth")
    (x0, x1), (y0, y1) = MOUTH_BOX
    corners = np.array([[x + x0, y + y0, z], [x + x1, y + y1, z]])
    (left, bottom), (right, top) = camera.project(corners, width, height)
    rows = slice(max(int(np.floor(top)), 0), min(int(np.ceil(bottom)), height))
    columns = slice(max(int(np.floor(left)), 0), min(int(np.ceil(right)), width))
    return rows, columns


def mouth_opening(rgba: np.ndarray, region: tuple[slice, slice]) -> float:
    """Dark area (in pixels, soft-weighted) inside `region` of an (h, w, 4) uint8 image."""
    patch = rgba[region].astype(np.float64)
    luma = patch[..., :3] @ np.array([0.299, 0.587, 0.114])
    return float(np.clip((DARK_LUMA - luma) / DARK_LUMA, 0.0, 1.0).sum())


def lag_seconds(signal: np.ndarray, reference: np.ndarray, rate: float, max_lag_s: float) -> float:
    """How much `signal` lags `reference` (both sampled at `rate` Hz; positive: later),
    from the peak of their normalised cross-correlation, refined by a parabola."""
    a = (signal - signal.mean()) / (signal.std() or 1.0)
    b = (reference - reference.mean()) / (reference.std() or 1.0)
    lags = np.arange(-round(max_lag_s * rate), round(max_lag_s * rate) + 1)
    score = np.array(
        [
            np.mean(a[max(k, 0) : len(a) + min(k, 0)] * b[max(-k, 0) : len(b) - max(k, 0)])
            for k in lags
        ]
    )
    peak = int(np.argmax(score))
    offset = 0.0
    if 0 < peak < len(lags) - 1:
        left, centre, right = score[peak - 1 : peak + 2]
        curvature = left - 2 * centre + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
    return (lags[peak] + offset) / rate
