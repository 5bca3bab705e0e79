"""Motion frames: the per-frame face, jaw, eye and head parameters of a response.

A frame is stored as one float32 vector in a fixed channel layout so the player can
interpolate and the server can generate with numpy; named accessors keep call sites
readable. FLAME-style joints use the commercial keyframe's units (axis-angle
radians); semantic channels are normalised (0..1, `brow_up` -1..1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FLAME_CHANNELS: tuple[tuple[str, int], ...] = (
    ("translation", 3),
    ("rotation", 3),
    ("neck_pose", 3),
    ("jaw_pose", 3),
    ("eye_pose", 6),
    ("eye_lid", 2),
)
"""Joint parameters of the commercial FLAME keyframe (name, component count)."""

EXPRESSION_CHANNELS: tuple[str, ...] = ("smile", "frown", "brow_furrow", "cheek_raise", "squint")
"""Facial expression channels (0..1), since motion_version 3."""
SEMANTIC_CHANNELS: tuple[str, ...] = (
    "jaw_open",
    "mouth_round",
    "mouth_wide",
    "mouth_close",
    "brow_up",
    "blink_left",
    "blink_right",
    "lips_press",
    "lip_funnel",
    "lip_tuck",
    "tongue_up",
    *EXPRESSION_CHANNELS,
)
"""Renderer-facing scalar channels (lips_press to tongue_up since motion_version 2, the
expressions since motion_version 3; a new version only appends)."""


def _build_layout() -> dict[str, slice]:
    layout: dict[str, slice] = {}
    offset = 0
    for name, size in FLAME_CHANNELS:
        layout[name] = slice(offset, offset + size)
        offset += size
    for name in SEMANTIC_CHANNELS:
        layout[name] = slice(offset, offset + 1)
        offset += 1
    return layout


LAYOUT: dict[str, slice] = _build_layout()
"""Channel name -> slice of the frame vector."""

VECTOR_SIZE: int = sum(size for _, size in FLAME_CHANNELS) + len(SEMANTIC_CHANNELS)
EARLIER_VECTOR_SIZES: tuple[int, ...] = (LAYOUT["lips_press"].start, LAYOUT["smile"].start)
"""Vector sizes of motion_version 1 and 2 (each version appended channels to the last)."""


def neutral_vector() -> np.ndarray:
    """The rest pose: every channel zero (mouth closed, eyes open, head centred)."""
    return np.zeros(VECTOR_SIZE, dtype=np.float32)


@dataclass(frozen=True, eq=False)
class MotionFrame:
    """One motion frame, shown at audio sample `sample` of its response."""

    index: int
    sample: int
    values: np.ndarray = field(default_factory=neutral_vector)

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float32)
        if values.shape != (VECTOR_SIZE,):
            raise ValueError(f"motion vector must have {VECTOR_SIZE} values, got {values.shape}")
        object.__setattr__(self, "values", values)

    def channel(self, name: str) -> np.ndarray:
        """The components of channel `name` (a view into `values`)."""
        return self.values[LAYOUT[name]]

    def scalar(self, name: str) -> float:
        """A semantic channel's value."""
        return float(self.values[LAYOUT[name]][0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MotionFrame):
            return NotImplemented
        return (
            self.index == other.index
            and self.sample == other.sample
            and np.array_equal(self.values, other.values)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable numpy payload

    def __repr__(self) -> str:
        return (
            f"MotionFrame(index={self.index}, sample={self.sample}, "
            f"jaw_open={self.scalar('jaw_open'):.3f})"
        )


def frame_from_channels(index: int, sample: int, **channels: float | np.ndarray) -> MotionFrame:
    """Build a frame from named channels; unnamed channels stay neutral."""
    values = neutral_vector()
    for name, value in channels.items():
        if name not in LAYOUT:
            raise KeyError(f"unknown motion channel {name!r}")
        values[LAYOUT[name]] = value
    return MotionFrame(index, sample, values)
