"""Deformation fields of the articulation blendshapes (per-point offsets at full weight):
lips pressed, lip funnel, lower lip tucked under the upper teeth, and their jaw correctives.
The tongue's shapes live with the tongue (parts/mouth.py).

A corrective `<shape>_jaw` is driven by jaw_open x the shape's weight (render/pose.py). It
holds what the shape brings into contact (the lips together, the lower lip at the upper
teeth, the lips beside a round opening) in place while the jaw opens, which a linear sum
of the jaw and the shape cannot do for every jaw opening at once.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import Anatomy

FUNNEL_OPENING = 0.55
"""Half-width of the funnel's round opening, as a fraction of the mouth half-width."""


def _lip_offset(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Height of each point above the line between the lips (negative: below it)."""
    return p[:, 1] - a.mouth_line(p[:, 0])


def _front(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """1 on the front of the face around the lips, 0 inside the mouth and further back."""
    return ex.smoothstep(a.mouth_z - 0.03, a.mouth_z - 0.012, p[:, 2])


def _opening(a: Anatomy, x: np.ndarray) -> np.ndarray:
    """Height profile of the funnel's round opening across x (1 in the middle, 0 beyond)."""
    return np.sqrt(np.clip(1.0 - (x / (FUNNEL_OPENING * a.mouth_half_width)) ** 2, 0.0, 1.0))


def lips_press(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Lips pressed together: both squeezed toward the line between them (thinner red) and
    rolled in a little."""
    x = p[:, 0]
    d = _lip_offset(a, p)
    across = ex.smoothstep(a.mouth_half_width + 0.008, a.mouth_half_width - 0.002, np.abs(x))
    squeeze = -0.3 * d * np.exp(-((d / 0.012) ** 2))
    back = -0.0012 * np.exp(-((d / 0.008) ** 2))
    offset = np.stack([np.zeros_like(x), squeeze, back], axis=1)
    return (across * _front(a, p))[:, None] * offset


def lower_lip_hold(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """The jaw drop undone on the lower lip, fading out down the chin: the corrective of
    lips_press and lip_tuck (the lower lip stays against the upper lip or teeth)."""
    line = a.mouth_line(p[:, 0])
    hold = ex.smoothstep(line - 0.03, line - 0.011, p[:, 1])
    return ex.follow(-ex.jaw_mask(a, p) * hold, ex.JAW_DROP)


def lip_funnel(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Lips rounded and pushed forward: corners drawn in, both lips forward, parted in the
    middle into a small round opening."""
    x = p[:, 0]
    d = _lip_offset(a, p)
    front = _front(a, p)
    region = ex.mouth_region(a, p)
    lips = np.exp(-((d / 0.009) ** 2)) * front
    part = 0.0016 * _opening(a, x) * np.sign(d) * np.exp(-((d / 0.006) ** 2)) * front
    return np.stack([-0.25 * x * region, part, 0.006 * region + 0.002 * lips], axis=1)


def lip_funnel_hold(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """The corrective of lip_funnel: beside the round opening the lower lip undoes the jaw
    drop, so an open jaw shows through a round mouth rather than a slot."""
    return lower_lip_hold(a, p) * (1.0 - _opening(a, p[:, 0]))[:, None]


def lip_tuck(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Lower lip drawn back under the upper incisors and rolled in (its top down and back
    to the teeth's edge, its lower border up: less red shows), the upper lip raised a
    little: the upper teeth show above the lower lip."""
    x = p[:, 0]
    d = _lip_offset(a, p)
    across = np.exp(-((x / (0.75 * a.mouth_half_width)) ** 4))
    red = a.lower_lip_height
    depth = np.clip(-d / red, 0.0, 1.0)
    lower = ex.smoothstep(-2.0 * red, -red, d) * (d < 0)
    upper = np.exp(-((d / 0.01) ** 2)) * (d >= 0)
    rise = 0.0015 * upper + (0.005 * depth - 0.0025) * lower
    offset = np.stack([np.zeros_like(x), rise, (0.004 * depth - 0.007) * lower], axis=1)
    return (across * _front(a, p))[:, None] * offset
