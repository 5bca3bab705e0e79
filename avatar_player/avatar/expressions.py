"""Deformation fields of the face blendshapes: per-point offsets at full weight.

Each field is a function of rest positions (n, 3), so every part that should follow
an expression (skin, lips, teeth, tongue, mouth cavity, brows) calls the same one.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar.anatomy import Anatomy

JAW_DROP = np.array([0.0, -0.0135, -0.004])
"""Translation of the jaw at jaw_open = 1 (a masked translation, not a rotation)."""
BROW_RAISE = np.array([0.0, 0.0055, 0.0])


def smoothstep(edge0: float | np.ndarray, edge1: float | np.ndarray, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at edge0 to 1 at edge1 (either order)."""
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def jaw_mask(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """How much each skin point follows the jaw: 1 below the lips, 0 above the mouth line,
    fading out toward the ears and down the neck."""
    x, y, z = p.T
    beyond = np.maximum(np.abs(x) - a.mouth_half_width, 0.0)
    line = a.mouth_line(np.minimum(np.abs(x), a.mouth_half_width)) + 0.45 * beyond
    width = 1e-5 + 2.5 * beyond
    below = smoothstep(line + width, line - width, y)
    front = smoothstep(-0.03, 0.04, z)
    neck = smoothstep(a.chin_y - 0.022, a.chin_y - 0.002, y)
    return below * front * neck


def jaw_stretch(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Disc growth (>= 1) for skin the open jaw stretches (the cheeks beside the mouth),
    so it stays closed; none along the lips, where the mouth is meant to open."""
    mask = jaw_mask(a, p)
    beyond = np.abs(p[:, 0]) - a.mouth_half_width
    return 1.0 + 2.4 * mask * (1.0 - mask) * smoothstep(0.0015, 0.008, beyond)


def follow(mask: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Offsets of points that follow a rigid `offset` by `mask` (0..1 each)."""
    return mask[:, None] * offset


def mouth_region(a: Anatomy, p: np.ndarray, reach: float = 1.0) -> np.ndarray:
    """0..1 around the front of the mouth (a soft ellipse, `reach` scales its size)."""
    x, y, z = p.T
    spread = ((x / (0.032 * reach)) ** 2) + ((y - a.mouth_y) / (0.02 * reach)) ** 2
    return np.exp(-spread) * smoothstep(a.mouth_z - 0.04, a.mouth_z - 0.015, z)


def mouth_round(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Lips pursed: corners pulled in, lips pushed forward."""
    w = mouth_region(a, p)
    x = p[:, 0]
    return w[:, None] * np.stack([-0.32 * x, np.zeros_like(x), np.full_like(x, 0.0045)], axis=1)


def mouth_wide(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Lips spread: corners pulled out and slightly up."""
    w = mouth_region(a, p, reach=1.2)
    x = p[:, 0]
    up = 0.0035 * np.clip(np.abs(x) / a.mouth_half_width, 0.0, 1.0) ** 2
    return w[:, None] * np.stack([0.2 * x, up, np.full_like(x, -0.0015)], axis=1)


def mouth_close(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Lips pressed: the lower lip rises (against an open jaw), the upper lip drops a little."""
    x, y, _ = p.T
    line = a.mouth_line(x)
    lips = np.exp(-((x / 0.028) ** 2) - ((y - line) / 0.011) ** 2)
    lips = lips * smoothstep(a.mouth_z - 0.03, a.mouth_z - 0.012, p[:, 2])
    rise = np.where(y < line, 0.0045, -0.0012)
    return lips[:, None] * np.stack([np.zeros_like(x), rise, np.full_like(x, -0.001)], axis=1)


def brow_mask(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Forehead and brow area that rises with brow_up."""
    x, y, z = p.T
    across = np.exp(-(((np.abs(x) - a.eye_x) / 0.032) ** 2))
    height = smoothstep(a.eye_y + 0.01, a.eye_y + 0.022, y) * smoothstep(0.09, 0.05, y)
    return across * height * smoothstep(0.03, 0.06, z)
