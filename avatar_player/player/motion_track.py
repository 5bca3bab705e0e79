"""MotionTrack: the motion frames of one response, sampled at audio positions."""

from __future__ import annotations

import bisect

import numpy as np

from avatar_player.protocol.constants import frame_sample
from avatar_player.protocol.motion import MotionFrame, neutral_vector


class MotionTrack:
    """Frames of one response, indexed by their audio-sample stamps.

    `pose_at(sample)` interpolates linearly between the two frames around the
    position (frame i is shown at its `sample` stamp) and holds the first/last frame
    outside them. Frames may arrive in any number of batches; duplicates replace.
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.ended = False
        self._samples: list[int] = []
        self._values: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._samples)

    def add(self, frames: tuple[MotionFrame, ...] | list[MotionFrame]) -> None:
        """Insert frames (normally in order, at the end)."""
        for frame in frames:
            at = bisect.bisect_left(self._samples, frame.sample)
            if at < len(self._samples) and self._samples[at] == frame.sample:
                self._values[at] = frame.values
            else:
                self._samples.insert(at, frame.sample)
                self._values.insert(at, frame.values)

    def clear(self) -> None:
        """Forget every frame."""
        self._samples.clear()
        self._values.clear()
        self.ended = False

    @property
    def covered_until(self) -> int:
        """Sample stamp of the last frame, plus one frame when the response has ended."""
        if not self._samples:
            return 0
        last = self._samples[-1]
        return last + frame_sample(1, self.sample_rate) if self.ended else last

    def buffered_ms(self, position: float) -> float:
        """Motion available ahead of audio position `position`, in milliseconds."""
        return max(0.0, (self.covered_until - position) * 1000.0 / self.sample_rate)

    def pose_at(self, position: float) -> np.ndarray:
        """The pose at audio sample `position` (neutral when there is no frame)."""
        samples = self._samples
        if not samples:
            return neutral_vector()
        right = bisect.bisect_right(samples, position)
        if right == 0:
            return self._values[0].copy()
        if right == len(samples):
            return self._values[-1].copy()
        left = right - 1
        span = samples[right] - samples[left]
        weight = np.float32((position - samples[left]) / span)
        return (1 - weight) * self._values[left] + weight * self._values[right]

    def frame_time(self, position: float) -> float | None:
        """Seconds of motion time shown at audio sample `position`; None outside the
        frames' stamps, where the first or last pose is held (the last frame stands for the
        frame period after its stamp, which no motion time measures)."""
        if not self._samples or not self._samples[0] <= position <= self._samples[-1]:
            return None
        return position / self.sample_rate
