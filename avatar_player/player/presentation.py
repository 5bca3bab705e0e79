"""Presentation latency: the time from taking a pose to its frame being on screen."""

from __future__ import annotations

MAX_LEAD_S = 0.25
"""A host slower than this is not compensated further (its offset shows instead)."""
SMOOTHING = 0.1
"""Weight of each new measurement in the running estimate (the first one is taken as is)."""


class PresentationLead:
    """Running estimate of how long a frame takes from `pose()` to the screen, in seconds.

    The player takes each pose this far ahead of the audio clock, so the frame matches the
    audio when it is presented: render and swap time do not show up as A/V offset. Every
    frame is measured, idle ones too, so the estimate is ready when speech starts.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self._measured = False

    def measure(self, latency_s: float) -> None:
        """Fold in one frame's measured latency."""
        latency = min(max(latency_s, 0.0), MAX_LEAD_S)
        weight = SMOOTHING if self._measured else 1.0
        self.seconds += weight * (latency - self.seconds)
        self._measured = True
