"""The adaptive jitter buffer: how much audio (and its motion) a response needs buffered
before it plays, and before it plays again after running out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class JitterBuffer:
    """A start threshold that adapts to the producer, as WebRTC's NetEq does (without
    time-stretching): doubled by each rebuffer, shrinking back by `decay_per_s` for every
    second without one, never below the response's base or above `max_ms`."""

    max_ms: float = 3000.0
    growth: float = 2.0
    decay_per_s: float = 0.9
    _peak: float = 1.0
    _since: float = 0.0

    def factor(self, now: float) -> float:
        """What multiplies a response's base threshold at clock time `now` (1: the
        producers keep up)."""
        return max(1.0, self._peak * self.decay_per_s ** max(0.0, now - self._since))

    def target_ms(self, base_ms: float, now: float) -> float:
        """The threshold for a response whose base is `base_ms`."""
        return min(self.max_ms, base_ms * self.factor(now))

    def rebuffered(self, base_ms: float, now: float) -> None:
        """A response ran out of audio at `now`: ask for more from now on."""
        limit = self.max_ms / base_ms if base_ms > 0 else 1.0
        self._peak = min(max(1.0, limit), self.factor(now) * self.growth)
        self._since = now
