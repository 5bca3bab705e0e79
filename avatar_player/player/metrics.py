"""Measurements the player reports: A/V sync and buffers (frame rate is the renderer's)."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass
from typing import Literal

# Lip-sync limits, positive = audio early (ATSC IS-191, ITU-R BT.1359).
ATSC_MS = (-45.0, 15.0)
BT1359_MS = (-125.0, 45.0)


def sync_verdict(offset_ms: float) -> Literal["good", "noticeable", "bad"]:
    """'good' inside ATSC IS-191, 'noticeable' inside BT.1359 detectability, else 'bad'."""
    if ATSC_MS[0] <= offset_ms <= ATSC_MS[1]:
        return "good"
    if BT1359_MS[0] <= offset_ms <= BT1359_MS[1]:
        return "noticeable"
    return "bad"


@dataclass(frozen=True)
class PlaybackMetrics:
    """About once a second while a response plays."""

    req_id: str
    audio_position_s: float
    av_offset_ms: float | None
    """Median over the last report interval of (audio time at the DAC when a frame is
    presented - motion time that frame shows); positive means audio early."""
    buffered_motion_ms: float
    underruns: int
    """Glitches nobody announced (the device reported an output underflow)."""
    rebuffers: int = 0
    """Times a response ran out of audio and waited for its jitter buffer to refill."""
    stall_s: float = 0.0
    """Total time spent rebuffering."""


class OffsetWindow:
    """A/V offset samples of the current interval, plus a bounded history."""

    def __init__(self, history: int = 10_000) -> None:
        self._window: list[float] = []
        self.history: deque[float] = deque(maxlen=history)

    def add(self, offset_ms: float) -> None:
        """Record one presented frame's offset."""
        self._window.append(offset_ms)
        self.history.append(offset_ms)

    def take_median(self) -> float | None:
        """Median of the interval's samples (None if none), starting a new interval."""
        window, self._window = self._window, []
        return statistics.median(window) if window else None
