"""A frame-rate counter that reports expected vs actual frames per second about once a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FpsReport:
    """Frames counted over the last `interval_s` seconds."""

    expected_fps: float
    actual_fps: float
    frames: int
    interval_s: float
    unchanged: int = 0
    """Frames of `frames` that repeated the last picture drawn (it would have looked the
    same: an idle view skips drawing them)."""

    @property
    def dropped_frames(self) -> int:
        """Frames the expected rate would have drawn in the interval but were not."""
        return max(0, round(self.expected_fps * self.interval_s) - self.frames)


class FpsCounter:
    """Call `tick()` once per frame (`unchanged`: the last picture stood for it); `report`
    gets an FpsReport every `period_s`."""

    def __init__(
        self,
        expected_fps: float,
        report: Callable[[FpsReport], None],
        *,
        period_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.expected_fps = expected_fps
        self._report = report
        self._period = period_s
        self._clock = clock
        self._start: float | None = None
        self._frames = 0
        self._unchanged = 0

    def tick(self, *, unchanged: bool = False) -> None:
        now = self._clock()
        if self._start is None:
            self._start = now
            return
        self._frames += 1
        self._unchanged += unchanged
        elapsed = now - self._start
        if elapsed >= self._period:
            frames = self._frames
            self._report(
                FpsReport(self.expected_fps, frames / elapsed, frames, elapsed, self._unchanged)
            )
            self.reset()
            self._start = now

    def reset(self) -> None:
        """Forget the current interval (e.g. after a pause)."""
        self._start, self._frames, self._unchanged = None, 0, 0
