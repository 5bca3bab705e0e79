"""The adaptive jitter buffer: how much audio (and its motion) a response needs buffered
before it plays, and before it plays again after running out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class JitterBuffer:
    """A start threshold that adapts to the producer, as WebRTC's NetEq does (without
    time-stretching): doubled after each rebuffer, shrunk by `decay_per_s` for every
    second played without one, never below the response's base or above `max_ms`."""

    max_ms: float = 3000.0
    growth: float = 2.0
    decay_per_s: float = 0.9
    factor: float = 1.0
    """Multiplies a response's base threshold (1: the producer keeps up)."""

    def target_ms(self, base_ms: float) -> float:
        """The threshold for a response whose base is `base_ms`."""
        return min(self.max_ms, base_ms * self.factor)

    def rebuffered(self, base_ms: float) -> None:
        """A response ran out of audio: ask for more next time."""
        limit = self.max_ms / base_ms if base_ms > 0 else 1.0
        self.factor = min(max(1.0, limit), self.factor * self.growth)

    def played_steadily(self, seconds: float) -> None:
        """`seconds` of playing without running out: shrink back toward the base."""
        self.factor = max(1.0, self.factor * self.decay_per_s**seconds)
