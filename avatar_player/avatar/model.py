"""An avatar in memory: its description, its splats (grouped by part) and blendshapes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from avatar_player.avatar.splats import SplatSet
from avatar_player.protocol.motion import SEMANTIC_CHANNELS

JAW_CORRECTED: tuple[str, ...] = ("lips_press", "lip_funnel", "lip_tuck", "tongue_up")
"""Shapes with a jaw corrective `<shape>_jaw`, driven by jaw_open x the shape's weight."""
BLENDSHAPES: tuple[str, ...] = (
    *SEMANTIC_CHANNELS,
    "gaze_yaw",
    "gaze_pitch",
    *(f"{shape}_jaw" for shape in JAW_CORRECTED),
)
"""Blendshapes every avatar has: the motion frame's semantic channels, gaze, and the jaw
correctives. Gaze shapes are offsets per radian of eye rotation (yaw about +y, pitch about
+x), linearised for the small angles of eye motion. Older assets lack some (the renderer
skips weights of shapes an asset does not have)."""


@dataclass(frozen=True)
class Blendshape:
    """Sparse per-splat offsets at weight 1: splats `index` move by `delta` (k, 3)."""

    index: np.ndarray
    delta: np.ndarray


@dataclass(frozen=True)
class AvatarInfo:
    """What the metadata JSON of an avatar asset says."""

    avatar_id: str
    name: str
    version: int
    seed: int
    style: dict[str, str]
    parts: dict[str, int]
    """Splat count per part, in storage order."""
    blendshapes: tuple[str, ...]
    landmarks: dict[str, tuple[float, float, float]]
    """Named rest positions (metres): mouth, eye_left, eye_right, neck_pivot."""

    @property
    def splat_count(self) -> int:
        return sum(self.parts.values())


@dataclass(frozen=True)
class Avatar:
    """Splats stored part after part; each part's order is coarse-to-fine (any prefix of a
    part is an even subsample of it)."""

    info: AvatarInfo
    splats: SplatSet
    blendshapes: dict[str, Blendshape] = field(default_factory=dict)

    def part_ranges(self) -> dict[str, range]:
        """Splat index range of each part."""
        ranges, start = {}, 0
        for name, count in self.info.parts.items():
            ranges[name] = range(start, start + count)
            start += count
        return ranges

    def landmark(self, name: str) -> np.ndarray:
        return np.asarray(self.info.landmarks[name], dtype=np.float64)
