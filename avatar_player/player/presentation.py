"""Presentation latency: how far the audio moves on between taking a pose and showing it."""

from __future__ import annotations

MAX_LEAD_S = 0.25
"""A host slower than this is not compensated further (its offset shows instead)."""
SMOOTHING = 0.1
"""Weight of each new measurement in the running estimate."""


class PresentationLead:
    """Running estimate, in audio samples, of the time from `pose()` to the frame on screen.

    The player takes each pose this far ahead of the audio clock, so the frame matches the
    audio when it is presented: render and swap time no longer show up as A/V offset. It is
    measured on the audio clock, so a clock that stands still (paused, a manual test clock)
    measures no latency.
    """

    def __init__(self, sample_rate: int) -> None:
        self._limit = MAX_LEAD_S * sample_rate
        self.samples = 0.0

    def measure(self, latency_samples: float) -> None:
        """Fold in one frame's measured latency (audio samples from pose to present)."""
        latency = min(max(latency_samples, 0.0), self._limit)
        self.samples += SMOOTHING * (latency - self.samples)
