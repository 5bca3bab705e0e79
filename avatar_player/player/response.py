"""One response being played: its audio bookkeeping and its motion track."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from avatar_player.player.motion_track import MotionTrack


@dataclass
class Response:
    """Audio and motion of one conversation id (`req_id`)."""

    req_id: str
    track: MotionTrack
    started_at: float
    pending: deque[np.ndarray] = field(default_factory=deque)
    """Audio received and not yet handed to the sink (it waits for its motion)."""
    handed: int = 0
    """Audio samples handed to the sink so far."""
    samples: int = 0
    """Audio samples received so far."""
    audio_ended: bool = False
    first_motion_at: float | None = None
    """Clock time its first motion frame arrived."""
    last_motion_at: float | None = None
    """Clock time motion frames last arrived."""
    base: int | None = None
    """Sink position of this response's first sample, once playback started."""
    fallback: bool = False
    """Audio-only: motion was missing, late or malformed."""
    audible: bool = True
    """Whether its audio is played (else silence on its clock: a user's own voice)."""
    live: bool = False
    """Live speech: starts with the smaller jitter buffer."""
    stalled_at: float | None = None
    """Clock time it ran out of audio (None: not rebuffering)."""

    @property
    def started(self) -> bool:
        """Whether its audio has been handed to the sink."""
        return self.base is not None
