"""The idle layer: breathing, blinks at natural intervals and small head motion.

A pure function of time and seed, added to whatever pose plays (speech or rest), so the
avatar never freezes and a replay at the same times looks the same.
"""

from __future__ import annotations

import math

import numpy as np

from avatar_player.protocol.motion import LAYOUT, neutral_vector

BREATH_PERIOD_S = (3.6, 4.8)
BREATH_RISE_M = 0.0012
"""Bust rise at full inhale."""
BREATH_PITCH_RAD = -0.004
"""Head tilt (up) at full inhale."""
BLINK_INTERVAL_S = (2.0, 6.0)
BLINK_DURATION_S = (0.14, 0.22)
DOUBLE_BLINK_CHANCE = 0.12
HEAD_SWAY_RAD = (0.018, 0.026, 0.01)
"""Amplitude of the slow head sway in pitch, yaw and roll."""
HEAD_SWAY_PERIOD_S = (4.0, 13.0)
GAZE_DRIFT_RAD = 0.012


class IdleMotion:
    """Idle offsets of one avatar; `offsets(t)` is deterministic for a seed and time."""

    def __init__(self, seed: int = 0) -> None:
        breath_seed, blink_seed, sway_seed = np.random.SeedSequence(seed).spawn(3)
        breath = np.random.default_rng(breath_seed)
        self._breath_rate = 2 * math.pi / breath.uniform(*BREATH_PERIOD_S)
        self._breath_phase = breath.uniform(0, 2 * math.pi)
        sway = np.random.default_rng(sway_seed)
        self._sway_rate = 2 * np.pi / sway.uniform(*HEAD_SWAY_PERIOD_S, (5, 2))
        self._sway_phase = sway.uniform(0, 2 * np.pi, (5, 2))
        self._sway_amplitude = np.array([*HEAD_SWAY_RAD, GAZE_DRIFT_RAD, GAZE_DRIFT_RAD]) / 2
        self._blink_rng = np.random.default_rng(blink_seed)
        self._blinks: list[tuple[float, float]] = []
        self._next_blink = self._blink_rng.uniform(0.5, BLINK_INTERVAL_S[1])

    def _blinks_until(self, t: float) -> list[tuple[float, float]]:
        """(start, duration) of every blink starting before t (drawn in order, cached)."""
        while self._next_blink <= t:
            rng = self._blink_rng
            duration = rng.uniform(*BLINK_DURATION_S)
            self._blinks.append((self._next_blink, duration))
            if rng.random() < DOUBLE_BLINK_CHANCE:
                self._blinks.append((self._next_blink + duration + 0.08, duration))
            self._next_blink = self._blinks[-1][0] + rng.uniform(*BLINK_INTERVAL_S)
        return self._blinks

    def blink(self, t: float) -> float:
        """Eyelid closure at time t: closes quickly, opens a little slower."""
        for start, duration in reversed(self._blinks_until(t)):
            phase = (t - start) / duration
            if 0.0 <= phase < 1.0:
                closing = 0.4
                if phase < closing:
                    return math.sin(0.5 * math.pi * phase / closing)
                return math.cos(0.5 * math.pi * (phase - closing) / (1.0 - closing))
            if t - start > 1.0:
                break
        return 0.0

    def offsets(self, t: float) -> np.ndarray:
        """The idle motion vector at time t (seconds): add it to a pose."""
        values = neutral_vector()
        breath = 0.5 - 0.5 * math.cos(self._breath_rate * t + self._breath_phase)
        sway = np.sum(
            self._sway_amplitude[:, None] * np.sin(self._sway_rate * t + self._sway_phase), axis=1
        )
        values[LAYOUT["translation"]] = (0.0, BREATH_RISE_M * breath, 0.0)
        values[LAYOUT["rotation"]] = (sway[0] + BREATH_PITCH_RAD * breath, sway[1], sway[2])
        values[LAYOUT["eye_pose"]] = (sway[3], sway[4], 0.0) * 2
        blink = self.blink(t)
        values[LAYOUT["blink_left"]] = blink
        values[LAYOUT["blink_right"]] = blink
        return values

    def apply(self, pose: np.ndarray, t: float) -> np.ndarray:
        """`pose` with the idle motion at time t added under it."""
        return np.asarray(pose, dtype=np.float32) + self.offsets(t)
