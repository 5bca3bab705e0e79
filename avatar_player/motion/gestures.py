"""Non-verbal gestures stepped frame by frame: blinks, gaze saccades, head motion.

Each track draws from its own seeded generator, only in frame order, so the output is
a function of the seed and the frame index (and, for the head, the speech cues).
"""

from __future__ import annotations

import math

import numpy as np

from avatar_player.protocol.constants import FRAME_RATE

BLINK_INTERVAL_S = (2.0, 6.0)
BLINK_DURATION_S = (0.15, 0.25)
FIRST_BLINK_S = (0.5, 2.5)
SACCADE_INTERVAL_S = (0.6, 3.0)
GAZE_RANGE_RAD = (0.03, 0.06)
"""Largest gaze pitch and yaw of a saccade target."""
GAZE_CENTRE_PROBABILITY = 0.3
"""Chance that a saccade returns to the centre instead of a random target."""
SWAY_PERIOD_S = (3.0, 9.0)
SWAY_AMPLITUDE_RAD = (0.008, 0.015, 0.006)
"""Per-component amplitude of the slow sway, for pitch, yaw and roll (two components each)."""
NOD_RAD = 0.04
"""Head pitch (down) of a nod at full stress."""
NOD_TIME_CONSTANT_S = 0.12
NOD_REFRACTORY_S = 0.6
"""Stress within this time after a nod's start does not start another."""
PITCH_RAISE_RAD = 0.03
"""Head pitch (up) at full brow raise."""
HEAD_LIMIT_RAD = 0.12
NECK_SHARE = 0.25
"""Part of the head rotation repeated as neck pose."""


def _frames(rng: np.random.Generator, seconds: tuple[float, float]) -> int:
    return max(1, round(rng.uniform(*seconds) * FRAME_RATE))


class Blinks:
    """Both eyelids close together every 2-6 s; a blink lasts 150-250 ms from open to open."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._until_next = _frames(rng, FIRST_BLINK_S)
        self._phase = self._duration = 1

    def step(self) -> float:
        """Eyelid closure (0 open .. 1 closed) of the next frame."""
        self._until_next -= 1
        if self._until_next == 0:
            self._until_next = _frames(self._rng, BLINK_INTERVAL_S)
            self._duration = _frames(self._rng, BLINK_DURATION_S)
            self._phase = 0
        self._phase += 1
        if self._phase >= self._duration:
            return 0.0
        return math.sin(math.pi * self._phase / self._duration)


class Gaze:
    """Small saccades between fixations: returns (pitch, yaw) in radians."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._until_next = _frames(rng, SACCADE_INTERVAL_S)
        self._target = (0.0, 0.0)

    def step(self) -> tuple[float, float]:
        """Gaze of the next frame."""
        self._until_next -= 1
        if self._until_next <= 0:
            self._until_next = _frames(self._rng, SACCADE_INTERVAL_S)
            if self._rng.random() < GAZE_CENTRE_PROBABILITY:
                self._target = (0.0, 0.0)
            else:
                pitch, yaw = self._rng.uniform(-1.0, 1.0, 2) * GAZE_RANGE_RAD
                self._target = (float(pitch), float(yaw))
        return self._target


class HeadMotion:
    """Head rotation (pitch, yaw, roll): sway, nods on stressed onsets, raise on pitch rises."""

    def __init__(self, rng: np.random.Generator) -> None:
        periods = rng.uniform(*SWAY_PERIOD_S, (3, 2)) * FRAME_RATE
        self._sway_rate = 2 * np.pi / periods
        self._sway_phase = rng.uniform(0.0, 2 * np.pi, (3, 2))
        self._sway_amplitude = np.repeat(np.array(SWAY_AMPLITUDE_RAD)[:, None], 2, axis=1)
        self._nod_decay = math.exp(-1.0 / (NOD_TIME_CONSTANT_S * FRAME_RATE))
        # The cascade's impulse response is (1 - d)(n + 1)d^n: scale its peak to 1.
        self._nod_scale = 1.0 / max(
            (1.0 - self._nod_decay) * (n + 1) * self._nod_decay**n for n in range(FRAME_RATE)
        )
        self._nod_stages = [0.0, 0.0]
        self._refractory = round(NOD_REFRACTORY_S * FRAME_RATE)
        self._since_nod = self._refractory
        self._frame = 0

    def step(self, stress: float, brow_up: float) -> np.ndarray:
        """Rotation of the next frame; `stress` starts a nod, `brow_up` > 0 raises the head."""
        sway = np.sum(
            self._sway_amplitude * np.sin(self._sway_rate * self._frame + self._sway_phase), axis=1
        )
        self._frame += 1
        self._since_nod += 1
        if stress <= 0.0 or self._since_nod < self._refractory:
            stress = 0.0
        else:
            self._since_nod = 0
        # Two cascaded one-pole stages turn a stress impulse into a smooth nod bump.
        first, second = self._nod_stages
        first = self._nod_decay * first + stress
        second = self._nod_decay * second + (1.0 - self._nod_decay) * first
        self._nod_stages = [first, second]
        nod = NOD_RAD * self._nod_scale * second
        sway[0] += nod - PITCH_RAISE_RAD * max(brow_up, 0.0)
        return np.clip(sway, -HEAD_LIMIT_RAD, HEAD_LIMIT_RAD)
