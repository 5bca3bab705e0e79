"""One response being played: its audio bookkeeping and its motion track."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from avatar_player.player.motion_track import MotionTrack


@dataclass
class Response:
    """Audio and motion of one conversation id (`req_id`)."""

    req_id: str
    track: MotionTrack
    started_at: float
    pending: list[np.ndarray] = field(default_factory=list)
    """Audio received before playback started (not yet handed to the sink)."""
    samples: int = 0
    """Audio samples received so far."""
    audio_ended: bool = False
    first_motion_at: float | None = None
    """Clock time its first motion frame arrived."""
    base: int | None = None
    """Sink position of this response's first sample, once playback started."""
    fallback: bool = False
    """Audio-only: motion was missing, late or malformed."""

    @property
    def started(self) -> bool:
        """Whether its audio has been handed to the sink."""
        return self.base is not None
