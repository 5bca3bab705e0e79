"""Non-verbal gestures stepped frame by frame: blinks, gaze saccades, head motion.

Each track draws from its own seeded generator, only in frame order, so the output is
a function of the seed and the frame index (and, for the head, the speech cues). The
blink and saccade statistics (`blink_interval`, `blink_closure`, `fixation_s`,
`saccade_target`, `saccade_s`) are shared with the renderer's idle layer.
"""

from __future__ import annotations

import math

import numpy as np

from avatar_player.protocol.constants import FRAME_RATE

BLINK_INTERVAL_S = (2.0, 6.0)
"""Shortest and longest time between the starts of two blinks."""
BLINK_INTERVAL_GAMMA = (2.0, 0.7)
"""Gamma shape and scale (s) of the interval beyond its shortest: right-skewed, a mean of
3.4 s (about 18 blinks a minute, the rate of people listening and talking)."""
BLINK_DURATION_S = (0.15, 0.25)
BLINK_CLOSING_SHARE = (0.3, 0.45)
"""Share of a blink spent closing: the lid falls faster than it rises, by a varying ratio."""
FIRST_BLINK_S = (0.5, 2.5)
FIXATION_S = (1.1, 0.6, 0.35, 5.0)
"""Fixation durations: log-normal median (s) and sigma, clipped to a shortest and longest."""
GAZE_RANGE_RAD = (0.03, 0.06)
"""Largest gaze pitch and yaw of a saccade target."""
GAZE_CENTRE_PROBABILITY = 0.3
"""Chance that a saccade returns to the centre (the listener) instead of a random target."""
SACCADE_MAIN_SEQUENCE = (0.021, 0.0022)
"""Saccade duration: intercept (s) and slope (s per degree) of the main sequence
(Carpenter 1988): 25-30 ms for the few degrees of conversational gaze."""
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


def blink_interval(rng: np.random.Generator) -> float:
    """Seconds from one blink's start to the next (BLINK_INTERVAL_S, gamma-distributed)."""
    shortest, longest = BLINK_INTERVAL_S
    return min(shortest + float(rng.gamma(*BLINK_INTERVAL_GAMMA)), longest)


def blink_closure(phase: float, closing: float) -> float:
    """Eyelid closure (0..1) at `phase` (0..1) of a blink that spends `closing` of its time
    closing (a quarter sine down, a quarter cosine up); 0 outside the blink."""
    if not 0.0 < phase < 1.0:
        return 0.0
    if phase < closing:
        return math.sin(0.5 * math.pi * phase / closing)
    return math.cos(0.5 * math.pi * (phase - closing) / (1.0 - closing))


def fixation_s(rng: np.random.Generator) -> float:
    """How long the gaze rests before the next saccade (log-normal, FIXATION_S)."""
    median, sigma, shortest, longest = FIXATION_S
    return min(max(median * math.exp(sigma * float(rng.standard_normal())), shortest), longest)


def saccade_target(rng: np.random.Generator) -> tuple[float, float]:
    """The (pitch, yaw) a saccade lands on: the centre, or a point within GAZE_RANGE_RAD."""
    if rng.random() < GAZE_CENTRE_PROBABILITY:
        return (0.0, 0.0)
    pitch, yaw = rng.uniform(-1.0, 1.0, 2) * GAZE_RANGE_RAD
    return (float(pitch), float(yaw))


def saccade_s(amplitude_rad: float) -> float:
    """Duration of a saccade of `amplitude_rad` (the main sequence)."""
    intercept, slope = SACCADE_MAIN_SEQUENCE
    return intercept + slope * math.degrees(amplitude_rad)


class Blinks:
    """Both eyelids close together at gamma-distributed intervals of 2-6 s; a blink lasts
    150-250 ms from open to open, closing faster than it opens."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._until_next = _frames(rng, FIRST_BLINK_S)
        self._phase = self._duration = 1
        self._closing = BLINK_CLOSING_SHARE[0]

    def step(self) -> float:
        """Eyelid closure (0 open .. 1 closed) of the next frame."""
        self._until_next -= 1
        if self._until_next == 0:
            self._until_next = max(1, round(blink_interval(self._rng) * FRAME_RATE))
            self._duration = _frames(self._rng, BLINK_DURATION_S)
            self._closing = float(self._rng.uniform(*BLINK_CLOSING_SHARE))
            self._phase = 0
        self._phase += 1
        return blink_closure(self._phase / self._duration, self._closing)


class Gaze:
    """Saccades between fixations of log-normal length: returns (pitch, yaw) in radians.
    At 25 frames a second a conversational saccade (under 40 ms) is a one-frame jump."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._until_next = max(1, round(fixation_s(rng) * FRAME_RATE))
        self._target = (0.0, 0.0)

    def step(self) -> tuple[float, float]:
        """Gaze of the next frame."""
        self._until_next -= 1
        if self._until_next <= 0:
            self._until_next = max(1, round(fixation_s(self._rng) * FRAME_RATE))
            self._target = saccade_target(self._rng)
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
