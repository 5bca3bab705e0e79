"""Frame-rate smoothers: attack/release followers and the adaptive loudness reference."""

from __future__ import annotations

import numpy as np


class AttackRelease:
    """One-pole follower that rises with `attack` and falls with `release` (per-frame 0..1)."""

    def __init__(self, attack: float, release: float, initial: float = 0.0) -> None:
        self._attack = attack
        self._release = release
        self.value = initial

    def update(self, target: float) -> float:
        """Move towards `target` by one frame; returns the new value."""
        rate = self._attack if target > self.value else self._release
        self.value += rate * (target - self.value)
        return self.value


class LoudnessNormalizer:
    """Maps dBFS levels to 0..1 against an adaptive speaker reference.

    The reference follows the speaker's loud (vowel) level: it rises quickly towards
    louder frames and sinks slowly towards quieter speech frames (more than
    `activity_db` above `floor_db`), so quiet and loud speakers both span the range.
    Levels at `floor_db` and below (silence, background noise) map to 0.
    """

    def __init__(
        self,
        *,
        initial_reference_db: float = -20.0,
        span_db: float = 30.0,
        headroom_db: float = 3.0,
        floor_db: float = -55.0,
        activity_db: float = 10.0,
        rise: float = 0.25,
        fall: float = 0.02,
    ) -> None:
        self.reference_db = initial_reference_db
        self._span_db = span_db
        self._headroom_db = headroom_db
        self._floor_db = floor_db
        self._activity_db = activity_db
        self._rise = rise
        self._fall = fall

    def update(self, level_db: float) -> float:
        """Normalised loudness (0..1) of a frame at `level_db`; adapts the reference."""
        if level_db > self.reference_db:
            self.reference_db += self._rise * (level_db - self.reference_db)
        elif level_db > self._floor_db + self._activity_db:
            self.reference_db += self._fall * (level_db - self.reference_db)
        top = max(self.reference_db - self._headroom_db, self._floor_db + self._activity_db)
        bottom = max(top - self._span_db, self._floor_db)
        return float(np.clip((level_db - bottom) / (top - bottom), 0.0, 1.0))
