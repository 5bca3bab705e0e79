"""Back-face culling of splats: a disc on a closed, outward-facing surface (the shirt and
the skin its neckline shows, the hair, the neck) that faces away from the camera lies
behind the front of that surface, so software tiers skip it (about a third of the splats:
fewer vertices and fewer fragments).

Skin, eyelids and the mouth are not culled: ears, nostrils, lids and the cavity show
surfaces whose discs face away from the camera; nor is hair below the eyes, which hangs
(a bob, long hair) and shows its inner side between the jaw and the hair beside it
(measured: tests/test_render_tiers.py).
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar.model import Avatar
from avatar_player.render.deform import Geometry

CLOSED_PARTS = ("torso", "chest", "hair", "neck")
"""Parts whose discs' normals (axis_u x axis_v) point out of a closed surface."""
HANGING_PART = "hair"
"""The closed part that is closed only over the skull: above the eyes."""
FACING_LIMIT = -0.3
"""Discs whose normal makes a cosine below this with the direction to the camera are
skipped; negative keeps discs at the silhouette, which still show their rim (at -0.2 the
light shirt's shoulder line dropped by a pixel: 0.9 % of the pixels changed)."""


def cullable(avatar: Avatar) -> np.ndarray:
    """Per splat of `avatar`: whether it lies on a closed surface (bool, n)."""
    mask = np.zeros(avatar.info.splat_count, dtype=bool)
    eye_level = avatar.landmark("eye_left")[1]
    for name, span in avatar.part_ranges().items():
        if name == HANGING_PART:
            mask[span.start : span.stop] = avatar.splats.centre[span, 1] > eye_level
        elif name in CLOSED_PARTS:
            mask[span.start : span.stop] = True
    return mask


def facing_splats(geometry: Geometry, eye: np.ndarray, cullable: np.ndarray) -> np.ndarray:
    """Indices (ascending) of the splats to draw: every splat not `cullable`, and those that
    are whose normal faces the camera at `eye` (cosine >= FACING_LIMIT). Normals are
    computed for the cullable splats only (about a quarter of a software tier's)."""
    closed = np.flatnonzero(cullable)
    normal = np.cross(geometry.axis_u[closed], geometry.axis_v[closed])
    toward = eye.astype(np.float32) - geometry.centre[closed]
    facing = np.einsum("ij,ij->i", normal, toward)
    lengths = np.linalg.norm(normal, axis=1) * np.linalg.norm(toward, axis=1)
    drawn = ~cullable
    drawn[closed] = facing >= FACING_LIMIT * lengths
    return np.flatnonzero(drawn)
