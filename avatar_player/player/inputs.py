"""What steers a Playback: its settings, and each input it takes (what recordings store)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from avatar_player.client.errors import AvatarError
from avatar_player.player.states import StateChangeReason
from avatar_player.protocol.motion import MotionFrame


@dataclass(frozen=True)
class PlaybackSettings:
    """Buffering and fallback bounds."""

    jitter_buffer_ms: float = 200.0
    """Motion (and audio) needed ahead before a response starts playing, or plays again
    after a rebuffer; the adaptive jitter buffer scales it up after rebuffers."""
    live_jitter_buffer_ms: float = 60.0
    """The same for live speech (a microphone): waiting longer cannot make a real-time
    producer faster, it only adds latency."""
    motion_late_ms: float = 400.0
    """Motion this far behind the audio: the audio stops waiting for it, and falls back to
    audio-only when it plays this far ahead of the motion (or waited this long)."""
    motion_timeout_s: float = 2.0
    """No motion this long after a response's first audio: fallback."""
    metrics_interval_s: float = 1.0


InputKind = Literal[
    "begin", "audio", "motion", "motion_failed", "pause", "resume", "interrupt", "tick", "frame"
]


@dataclass(frozen=True)
class PlaybackInput:
    """One call that fed or steered the playback (what a session recording stores)."""

    kind: InputKind
    req_id: str = ""
    pcm: np.ndarray | None = None
    frames: Sequence[MotionFrame] = ()
    end: bool = False
    error: AvatarError | None = None
    reason: StateChangeReason | None = None
    position: float | None = None
    """`tick`, `frame`: the response's audio position it used (None: not playing)."""
    holding: bool = False
    """`tick`: the sink had run out of audio and was holding."""
    audible: bool = True
    """`begin`: whether the response's audio is played (else silence on its clock)."""
    live: bool = False
    """`begin`: live speech (the smaller jitter buffer)."""
    pose: np.ndarray | None = None
    """`frame`: the pose handed to the renderer."""
