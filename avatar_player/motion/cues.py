"""Speaker-normalised articulation cues derived, frame by frame, from acoustic features."""

from __future__ import annotations

import math
from dataclasses import dataclass

from avatar_player.motion.features import FrameFeatures
from avatar_player.motion.smoothing import LoudnessNormalizer

OPEN_F1_HZ = (300.0, 750.0)
"""F1 of a close vowel (/i/, /u/) and of an open one (/a/)."""
ROUND_F2_HZ = (1400.0, 800.0)
"""F2 at which rounding starts, and at which it is full."""
ROUND_F1_HZ = (700.0, 400.0)
"""F1 at which rounding starts, and at which it is full (open vowels are not rounded)."""
SPREAD_F2_HZ = (1500.0, 2200.0)
"""F2 at which lip spreading starts, and at which it is full."""
FRICATION_RATIO = (0.3, 0.7)
"""High-band energy share at which frication starts, and at which it is full."""
ONSET_RISE = (0.2, 0.6)
"""Loudness rise over two frames at which an onset starts, and at which it is full."""
PITCH_BASELINE_RATE = 0.03
"""Per voiced frame: the speaker's pitch baseline follows with a ~1.3 s time constant."""
PITCH_RISE_RANGE_ST = (-6.0, 8.0)
"""Clamp on pitch relative to the baseline, in semitones (absorbs octave errors)."""


@dataclass(frozen=True)
class Cues:
    """Normalised cues of one frame (all 0..1 except `pitch_rise`)."""

    loudness: float
    openness: float
    """Vowel openness from F1 (0.5 when unknown)."""
    rounding: float
    spreading: float
    frication: float
    voicing: float
    onset: float
    """Strength of a loudness onset ending at this frame."""
    pitch_rise: float
    """Semitones above the speaker's running pitch baseline (0 when unvoiced or silent:
    a pitch found in background noise neither counts nor moves the baseline)."""


def _ramp(value: float, start: float, full: float) -> float:
    """0 at `start`, 1 at `full` (either direction), clipped; 0 for NaN."""
    if math.isnan(value):
        return 0.0
    return min(max((value - start) / (full - start), 0.0), 1.0)


class CueExtractor:
    """Turns the feature stream into Cues; keeps the speaker's level and pitch references."""

    def __init__(self) -> None:
        self._loudness = LoudnessNormalizer()
        self._previous_loudness = (0.0, 0.0)
        self._pitch_baseline: float | None = None

    def update(self, features: FrameFeatures) -> Cues:
        """Cues of the next frame in order."""
        loudness = self._loudness.update(features.level_db)
        onset = _ramp(loudness - min(self._previous_loudness), *ONSET_RISE)
        self._previous_loudness = (self._previous_loudness[1], loudness)
        openness = 0.5 if math.isnan(features.f1_hz) else _ramp(features.f1_hz, *OPEN_F1_HZ)
        return Cues(
            loudness=loudness,
            openness=openness,
            rounding=_ramp(features.f2_hz, *ROUND_F2_HZ) * _ramp(features.f1_hz, *ROUND_F1_HZ),
            spreading=_ramp(features.f2_hz, *SPREAD_F2_HZ),
            frication=_ramp(features.high_ratio, *FRICATION_RATIO),
            voicing=features.voicing,
            onset=onset,
            pitch_rise=self._pitch_rise(features.f0_hz if loudness > 0.0 else math.nan),
        )

    def _pitch_rise(self, f0_hz: float) -> float:
        if math.isnan(f0_hz):
            return 0.0
        semitones = 12.0 * math.log2(f0_hz / 100.0)
        if self._pitch_baseline is None:
            self._pitch_baseline = semitones
        low, high = PITCH_RISE_RANGE_ST
        rise = min(max(semitones - self._pitch_baseline, low), high)
        self._pitch_baseline += PITCH_BASELINE_RATE * (semitones - self._pitch_baseline)
        return rise
