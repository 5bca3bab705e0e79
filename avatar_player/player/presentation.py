"""Presentation latency: the time from taking a pose to its frame being on screen."""

from __future__ import annotations

import statistics
from collections import deque

MAX_LEAD_S = 0.25
"""A host slower than this is not compensated further (its offset shows instead)."""
WINDOW = 15
"""Frames the estimate is the median of: a slow frame (the first one compiles shaders, a
garbage collection) does not move it; a lasting change does within half a window."""


class PresentationLead:
    """Running estimate of how long a frame takes from `pose()` to the screen, in seconds.

    The player takes each pose this far ahead of the audio clock, so the frame matches the
    audio when it is presented: render and swap time do not show up as A/V offset. Every
    frame is measured, idle ones too, so the estimate is ready when speech starts.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self._recent: deque[float] = deque(maxlen=WINDOW)

    def measure(self, latency_s: float) -> None:
        """Fold in one frame's measured latency."""
        self._recent.append(min(max(latency_s, 0.0), MAX_LEAD_S))
        self.seconds = statistics.median(self._recent)
