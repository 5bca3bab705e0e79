"""The idle layer: breathing, varied blinks, gaze saccades and small head motion.

A pure function of time and seed, added to whatever pose plays (speech or rest), so the
avatar never freezes and a replay at the same times looks the same. A pose from a
response (any channel off neutral) brings its own blinks and gaze (motion/gestures.py), so
under it the layer adds only breathing and head sway: both layers blinking would double
the blink rate, and both saccading would swing the eyes twice as far. Blinks and saccades
follow the generator's statistics (motion/gestures.py) but run in continuous time: a
saccade takes its main-sequence duration on a minimum-jerk path, a blink closes faster
than it opens, and some blinks come in pairs.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from avatar_player.motion.gestures import (
    BLINK_CLOSING_SHARE,
    BLINK_DURATION_S,
    blink_closure,
    blink_interval,
    fixation_s,
    saccade_s,
    saccade_target,
)
from avatar_player.protocol.motion import LAYOUT, neutral_vector

BREATH_PERIOD_S = (3.6, 4.8)
BREATH_RISE_M = 0.0012
"""Bust rise at full inhale."""
BREATH_PITCH_RAD = -0.004
"""Head tilt (up) at full inhale."""
FIRST_BLINK_S = (0.5, 6.0)
DOUBLE_BLINK_CHANCE = 0.12
DOUBLE_BLINK_GAP_S = 0.08
"""Open time between the two blinks of a pair."""
HEAD_SWAY_RAD = (0.018, 0.026, 0.01)
"""Amplitude of the slow head sway in pitch, yaw and roll."""
HEAD_SWAY_PERIOD_S = (4.0, 13.0)
GAZE_DRIFT_RAD = 0.003
"""Amplitude of the slow drift of the gaze during fixations."""


@dataclass(frozen=True)
class _Blink:
    start: float
    duration: float
    closing: float
    """Share of the duration spent closing."""


@dataclass(frozen=True)
class _Saccade:
    start: float
    duration: float
    origin: tuple[float, float]
    target: tuple[float, float]
    """Gaze (pitch, yaw) before and after, radians."""


class IdleMotion:
    """Idle offsets of one avatar; `offsets(t)` is deterministic for a seed and time."""

    def __init__(self, seed: int = 0) -> None:
        streams = np.random.SeedSequence(seed).spawn(4)
        breath, blink, sway, gaze = (np.random.default_rng(s) for s in streams)
        self._breath_rate = 2 * math.pi / breath.uniform(*BREATH_PERIOD_S)
        self._breath_phase = breath.uniform(0, 2 * math.pi)
        self._sway_rate = 2 * np.pi / sway.uniform(*HEAD_SWAY_PERIOD_S, (5, 2))
        self._sway_phase = sway.uniform(0, 2 * np.pi, (5, 2))
        self._sway_amplitude = np.array([*HEAD_SWAY_RAD, GAZE_DRIFT_RAD, GAZE_DRIFT_RAD]) / 2
        self._blink_rng = blink
        self._blinks: list[_Blink] = []
        self._next_blink = blink.uniform(*FIRST_BLINK_S)
        self._gaze_rng = gaze
        self._saccades = [_Saccade(0.0, 0.0, (0.0, 0.0), (0.0, 0.0))]
        self._saccade_starts = [0.0]

    def _blinks_until(self, t: float) -> list[_Blink]:
        """Every blink starting before t (drawn in order, cached)."""
        rng = self._blink_rng
        while self._next_blink <= t:
            first = _Blink(
                self._next_blink,
                rng.uniform(*BLINK_DURATION_S),
                rng.uniform(*BLINK_CLOSING_SHARE),
            )
            self._blinks.append(first)
            if rng.random() < DOUBLE_BLINK_CHANCE:
                start = first.start + first.duration + DOUBLE_BLINK_GAP_S
                self._blinks.append(_Blink(start, first.duration, first.closing))
            self._next_blink = first.start + blink_interval(rng)
        return self._blinks

    def blink(self, t: float) -> float:
        """Eyelid closure at time t: closes quickly, opens a little slower."""
        for blink in reversed(self._blinks_until(t)):
            if blink.start <= t < blink.start + blink.duration:
                return blink_closure((t - blink.start) / blink.duration, blink.closing)
            if t - blink.start > 1.0:
                break
        return 0.0

    def gaze(self, t: float) -> tuple[float, float]:
        """Gaze (pitch, yaw) at time t from the saccades: fixations of log-normal length,
        each jump on a minimum-jerk path of its main-sequence duration."""
        while self._saccades[-1].start <= t:
            last = self._saccades[-1]
            start = last.start + last.duration + fixation_s(self._gaze_rng)
            target = saccade_target(self._gaze_rng)
            amplitude = math.dist(last.target, target)
            self._saccades.append(_Saccade(start, saccade_s(amplitude), last.target, target))
            self._saccade_starts.append(start)
        saccade = self._saccades[max(bisect.bisect_right(self._saccade_starts, t) - 1, 0)]
        s = min((t - saccade.start) / saccade.duration, 1.0) if saccade.duration else 1.0
        path = s * s * s * (10.0 - 15.0 * s + 6.0 * s * s)
        (pitch0, yaw0), (pitch1, yaw1) = saccade.origin, saccade.target
        return pitch0 + (pitch1 - pitch0) * path, yaw0 + (yaw1 - yaw0) * path

    def offsets(self, t: float, *, gestures: bool = True) -> np.ndarray:
        """The idle motion vector at time t (seconds): add it to a pose. `gestures`: with
        blinks, saccades and gaze drift (False: breathing and head sway only)."""
        values = neutral_vector()
        breath = 0.5 - 0.5 * math.cos(self._breath_rate * t + self._breath_phase)
        sway = np.sum(
            self._sway_amplitude[:, None] * np.sin(self._sway_rate * t + self._sway_phase), axis=1
        )
        values[LAYOUT["translation"]] = (0.0, BREATH_RISE_M * breath, 0.0)
        values[LAYOUT["rotation"]] = (sway[0] + BREATH_PITCH_RAD * breath, sway[1], sway[2])
        if not gestures:
            return values
        pitch, yaw = self.gaze(t)
        values[LAYOUT["eye_pose"]] = (pitch + sway[3], yaw + sway[4], 0.0) * 2
        blink = self.blink(t)
        values[LAYOUT["blink_left"]] = blink
        values[LAYOUT["blink_right"]] = blink
        return values

    def apply(self, pose: np.ndarray, t: float) -> np.ndarray:
        """`pose` with the idle motion at time t added under it (without the gestures
        when `pose` is a response's: not neutral)."""
        pose = np.asarray(pose, dtype=np.float32)
        return pose + self.offsets(t, gestures=not pose.any())
