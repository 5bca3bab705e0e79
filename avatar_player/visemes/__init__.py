"""Phone-aware mouth shapes: phone recognition, the phone -> viseme table, coarticulation.

`table` and `coarticulation` are pure data and arithmetic; `recognizer` wraps PocketSphinx.
"""

from avatar_player.visemes.coarticulation import ONSET_LEAD_S, shape_at
from avatar_player.visemes.table import (
    PHONE_FRAME_RATE,
    SHAPE_CHANNELS,
    SHAPES,
    SILENCE,
    PhoneSegment,
    Viseme,
    viseme_of,
)

__all__ = [
    "ONSET_LEAD_S",
    "PHONE_FRAME_RATE",
    "SHAPES",
    "SHAPE_CHANNELS",
    "SILENCE",
    "PhoneSegment",
    "Viseme",
    "shape_at",
    "viseme_of",
]
