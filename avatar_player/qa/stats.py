"""Summaries of a run's measurements: A/V offset, frame rate, timings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from avatar_player.player.metrics import sync_verdict
from avatar_player.render.fps import FpsReport

Level = Literal["pass", "warn", "fail"]
SYNC_LEVEL: dict[str, Level] = {"good": "pass", "noticeable": "warn", "bad": "fail"}
SYNC_WINDOW = {"good": "IS-191", "noticeable": "BT.1359", "bad": "outside"}


def ms(value: float | None) -> float | None:
    """A duration in milliseconds as reported (0.1 ms)."""
    return None if value is None else round(float(value), 1)


@dataclass(frozen=True)
class OffsetStats:
    """A/V offsets of presented frames (positive: audio early, picture late)."""

    frames: int
    median_ms: float
    """Signed: the systematic offset, judged against the standards' windows."""
    p95_abs_ms: float
    max_abs_ms: float

    @classmethod
    def of(cls, offsets_ms: Sequence[float]) -> OffsetStats | None:
        """The summary of `offsets_ms` (None when no frame showed motion)."""
        if not offsets_ms:
            return None
        values = np.asarray(offsets_ms, dtype=np.float64)
        magnitude = np.abs(values)
        return cls(
            len(values),
            float(np.median(values)),
            float(np.percentile(magnitude, 95)),
            float(magnitude.max()),
        )

    @property
    def window(self) -> str:
        """'IS-191' (ATSC, -45..+15 ms), 'BT.1359' (ITU-R, -125..+45 ms) or 'outside'."""
        return SYNC_WINDOW[sync_verdict(self.median_ms)]

    @property
    def verdict(self) -> Level:
        """pass inside IS-191, warn inside BT.1359, fail outside."""
        return SYNC_LEVEL[sync_verdict(self.median_ms)]

    def to_json(self) -> dict[str, object]:
        return {
            "frames": self.frames,
            "median_ms": ms(self.median_ms),
            "p95_abs_ms": ms(self.p95_abs_ms),
            "max_abs_ms": ms(self.max_abs_ms),
            "window": self.window,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class FrameRate:
    """Frames the renderer counted (its FpsReport events) against the target rate."""

    expected_fps: float
    actual_fps: float | None
    """None: the run was too short for a report."""
    dropped_frames: int
    lowest_fps: float | None
    """The slowest report interval (about one second)."""

    @classmethod
    def of(cls, expected_fps: float, reports: Sequence[FpsReport]) -> FrameRate:
        seconds = sum(report.interval_s for report in reports)
        frames = sum(report.frames for report in reports)
        return cls(
            expected_fps,
            frames / seconds if seconds else None,
            sum(report.dropped_frames for report in reports),
            min((report.actual_fps for report in reports), default=None),
        )

    def shortfall_pct(self) -> float | None:
        """How far below the target the actual rate is, in percent (None: unknown)."""
        if self.actual_fps is None:
            return None
        return max(0.0, 100.0 * (1.0 - self.actual_fps / self.expected_fps))

    def to_json(self) -> dict[str, object]:
        return {
            "expected": self.expected_fps,
            "actual": None if self.actual_fps is None else round(self.actual_fps, 2),
            "lowest": None if self.lowest_fps is None else round(self.lowest_fps, 2),
            "dropped_frames": self.dropped_frames,
        }


def spread_ms(values: Sequence[float | None]) -> dict[str, float | None]:
    """Median and maximum of the known values (milliseconds)."""
    known = [value for value in values if value is not None]
    if not known:
        return {"median": None, "max": None}
    return {"median": ms(float(np.median(known))), "max": ms(max(known))}
