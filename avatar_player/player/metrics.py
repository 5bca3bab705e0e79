"""Measurements the player reports: playback (A/V sync, buffers) and frame rate."""

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


@dataclass(frozen=True)
class FrameRateInfo:
    """Rendered frames over the last report interval."""

    expected_fps: float
    actual_fps: float
    dropped_frames: int


class FrameRateMeter:
    """Counts presented frames; returns a FrameRateInfo once per `interval_s`."""

    def __init__(self, expected_fps: float, interval_s: float = 1.0) -> None:
        self.expected_fps = expected_fps
        self.interval_s = interval_s
        self._window_start: float | None = None
        self._frames = 0

    def frame(self, now: float) -> FrameRateInfo | None:
        """Count one frame presented at `now`; a report when the interval is over."""
        if self._window_start is None:
            self._window_start = now
            return None
        self._frames += 1
        elapsed = now - self._window_start
        if elapsed < self.interval_s:
            return None
        actual = self._frames / elapsed
        dropped = max(0, round(self.expected_fps * elapsed) - self._frames)
        self._window_start, self._frames = now, 0
        return FrameRateInfo(self.expected_fps, actual, dropped)


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
