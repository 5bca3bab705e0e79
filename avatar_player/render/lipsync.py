"""Objective lip-sync measurement from rendered pixels.

Mouth opening is the dark (cavity) area inside a box around the mouth; the lag between
that signal and the audio loudness envelope comes from their cross-correlation. Mouth
shapes (lip gap, opening size, teeth, lip and tongue areas) come from classifying the
pixels of a mouth close-up by colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar_player.avatar.model import Avatar
from avatar_player.render.camera import Camera

MOUTH_BOX = ((-0.027, 0.027), (-0.024, 0.005))
"""x and y extent (metres) of the measured box around the mouth landmark (y: the jaw
drops into it)."""
DARK_LUMA = 90.0
"""Pixels darker than this (0..255) count as open mouth, fully at black."""
TEETH_LUMA = 120.0
TEETH_CHROMA = 0.25
"""Teeth: brightest channel above TEETH_LUMA and the channels within this fraction of it."""
RED_OVER_GREEN = 1.45
PINK_BLUE = 0.93
"""Lips and tongue: red above RED_OVER_GREEN x green; tongue pink: blue >= PINK_BLUE x green."""
SKIN_ROWS = 0.15
"""The bottom share of a mouth region's rows (the chin) gives the avatar's own skin colour:
darker or redder skin moves the lip and cavity thresholds below."""
LIP_OVER_SKIN = 1.2
"""Lips: red over green at least this many times the skin's (lips are redder than the skin
around them whatever its tone)."""
DARK_OVER_SKIN = 0.55
"""The cavity: darker than this share of the skin's luma (and than DARK_LUMA)."""
_LUMA = np.array([0.299, 0.587, 0.114])


def mouth_region(avatar: Avatar, camera: Camera, width: int, height: int) -> tuple[slice, slice]:
    """(rows, columns) of the image around the avatar's mouth."""
    x, y, z = avatar.landmark("mouth")
    (x0, x1), (y0, y1) = MOUTH_BOX
    corners = np.array([[x + x0, y + y0, z], [x + x1, y + y1, z]])
    (left, bottom), (right, top) = camera.project(corners, width, height)
    rows = slice(max(int(np.floor(top)), 0), min(int(np.ceil(bottom)), height))
    columns = slice(max(int(np.floor(left)), 0), min(int(np.ceil(right)), width))
    return rows, columns


def mouth_camera(avatar: Avatar) -> Camera:
    """A close-up of the lips, teeth and tongue (about 3 pixels per mm at 240 x 150)."""
    x, y, z = avatar.landmark("mouth")
    return Camera(target=(x, y - 0.004, z), frame_height=0.045, frame_width=0.072)


def _darkness(rgb: np.ndarray, threshold: float = DARK_LUMA) -> np.ndarray:
    """0..1 per pixel: how dark (cavity-like) it is, against a luma `threshold`."""
    luma = rgb.astype(np.float64) @ _LUMA
    return np.clip((threshold - luma) / threshold, 0.0, 1.0)


def mouth_opening(rgba: np.ndarray, region: tuple[slice, slice]) -> float:
    """Dark area (in pixels, soft-weighted) inside `region` of an (h, w, 4) uint8 image."""
    return float(_darkness(rgba[region][..., :3]).sum())


@dataclass(frozen=True)
class MouthPixels:
    """Pixels of a mouth region by what they show, each an (h, w) array."""

    opening: np.ndarray
    """0..1: between the lips (dark cavity, soft-weighted, or teeth)."""
    teeth: np.ndarray
    """Bright, nearly grey-white pixels."""
    lips: np.ndarray
    """Lip red (red, yellowish: blue well below green)."""
    tongue: np.ndarray
    """Tongue or gum pink (red, blue about as high as green)."""


def mouth_pixels(rgba: np.ndarray, region: tuple[slice, slice]) -> MouthPixels:
    """Classify the pixels of `region` of an (h, w, 4) uint8 image; opening, teeth and
    tongue count only between the lips (lip red above and below in the same column).
    Lip red and cavity darkness are judged against the skin of the region's bottom rows."""
    rgb = rgba[region][..., :3].astype(np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    brightest = rgb.max(axis=2)
    skin = rgb[-max(1, round(SKIN_ROWS * rgb.shape[0])) :].reshape(-1, 3)
    skin_red = float(np.median(skin[:, 0] / np.maximum(skin[:, 1], 1.0)))
    skin_luma = float(np.median(skin @ _LUMA))
    red_over_green = max(RED_OVER_GREEN, LIP_OVER_SKIN * skin_red)
    dark = min(DARK_LUMA, DARK_OVER_SKIN * skin_luma)
    red = (r > red_over_green * g) & (brightest > TEETH_LUMA / 2)
    lips = red & (b < PINK_BLUE * g)
    between = np.maximum.accumulate(lips, axis=0) & np.maximum.accumulate(lips[::-1], axis=0)[::-1]
    teeth = between & (brightest > TEETH_LUMA) & (rgb.min(axis=2) > (1 - TEETH_CHROMA) * brightest)
    opening = np.maximum(_darkness(rgb, dark), teeth) * between
    return MouthPixels(opening, teeth, lips, red & ~lips & between)


def lip_gap(pixels: MouthPixels, middle: float = 0.2) -> float:
    """Height (pixels) of the opening between the lips in the middle `middle` fraction of
    the columns: the mean opening per column there (a closed mouth's crease counts too)."""
    columns = pixels.opening.shape[1]
    half = max(1, round(columns * middle / 2))
    centre = pixels.opening[:, columns // 2 - half : columns // 2 + half]
    return float(centre.sum(axis=0).mean())


def opening_size(pixels: MouthPixels) -> tuple[int, float]:
    """(width, height) of the opening in pixels: its height in the middle (`lip_gap`) and
    how many columns hold at least half of that."""
    height = lip_gap(pixels)
    return int(np.sum(pixels.opening.sum(axis=0) >= height / 2)), height


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
