"""How sharp and how faithful a rendered frame is next to a reference frame of the same
size (the full tier): the ratio of their edge energy (mean squared luminance gradient; a
blurred frame scores well below 1) and their structural similarity (SSIM, 7x7 box
windows). Both are taken over the avatar's bounding box in the reference, so the empty
background does not dilute them. Used by benchmarks/bench_render.py and the tier tests.
"""

from __future__ import annotations

import numpy as np

WINDOW = 7
BACKGROUND_DELTA = 8
"""Pixels differing from the reference's corner colour by more than this are avatar."""


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of (h, w, 3 or 4) uint8 pixels, float64 0..255."""
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def avatar_box(reference: np.ndarray) -> tuple[slice, slice]:
    """Rows and columns spanning everything in `reference` that is not background."""
    luma = luminance(reference)
    rows, columns = np.nonzero(np.abs(luma - luma[0, 0]) > BACKGROUND_DELTA)
    if len(rows) == 0:
        return slice(None), slice(None)
    return slice(rows.min(), rows.max() + 1), slice(columns.min(), columns.max() + 1)


def edge_energy(luma: np.ndarray) -> float:
    """Mean squared forward-difference gradient of a luma image."""
    dx = np.diff(luma, axis=1)[:-1]
    dy = np.diff(luma, axis=0)[:, :-1]
    return float(np.mean(dx * dx + dy * dy))


def _box_mean(values: np.ndarray) -> np.ndarray:
    """Means over every WINDOW x WINDOW window (valid positions only)."""
    table = np.pad(values, ((1, 0), (1, 0))).cumsum(axis=0).cumsum(axis=1)
    n = WINDOW
    sums = table[n:, n:] - table[:-n, n:] - table[n:, :-n] + table[:-n, :-n]
    return sums / (n * n)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two luma images (1: identical)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mean_a, mean_b = _box_mean(a), _box_mean(b)
    var_a = _box_mean(a * a) - mean_a**2
    var_b = _box_mean(b * b) - mean_b**2
    cov = _box_mean(a * b) - mean_a * mean_b
    score = ((2 * mean_a * mean_b + c1) * (2 * cov + c2)) / (
        (mean_a**2 + mean_b**2 + c1) * (var_a + var_b + c2)
    )
    return float(score.mean())


def compare(frame: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(edge energy of `frame` / that of `reference`, SSIM), over the avatar's box."""
    if frame.shape != reference.shape:
        raise ValueError(f"frames differ in size: {frame.shape} vs {reference.shape}")
    box = avatar_box(reference)
    luma, reference_luma = luminance(frame)[box], luminance(reference)[box]
    return edge_energy(luma) / max(edge_energy(reference_luma), 1e-12), ssim(luma, reference_luma)
