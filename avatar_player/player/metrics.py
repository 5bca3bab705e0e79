"""Measurements the player reports: A/V sync and buffers (frame rate is the renderer's)."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass


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
