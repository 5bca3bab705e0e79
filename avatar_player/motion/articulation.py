"""Mouth and brow poses from a window of cues: the current frame plus its lookahead."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from avatar_player.motion.cues import Cues
from avatar_player.motion.smoothing import AttackRelease

LOOKAHEAD_FRAMES = 2
"""Future frames the articulator sees (anticipation, closures before onsets)."""
JAW_GAIN = 0.95
JAW_LOUDNESS_EXPONENT = 1.3
JAW_CLOSE_VOWEL_SHARE = 0.55
"""Jaw opening of a close vowel relative to an open one at the same loudness."""
FRICATION_JAW_SUPPRESSION = 0.85
ANTICIPATION = (0.8, 0.3)
"""Share of the next frames' jaw targets the jaw already reaches (opens early)."""
CLOSURE_ANTICIPATION = 0.5
"""Share of the lip closure already shown two frames before an onset."""
BROW_RISE_ST = 5.0
"""Pitch rise (semitones above the speaker baseline) that raises the brows fully."""
NOD_STRESS_THRESHOLD = 0.35
"""Onset strength x loudness above which an onset counts as stressed (head nod)."""


@dataclass(frozen=True)
class Articulation:
    """One frame's mouth, brow and stress output."""

    jaw_open: float
    mouth_round: float
    mouth_wide: float
    mouth_close: float
    brow_up: float
    stress: float
    """Strength (0..1) of a stressed onset on the next frame: a head nod starts here."""


def _jaw_target(cues: Cues) -> float:
    shape = JAW_CLOSE_VOWEL_SHARE + (1.0 - JAW_CLOSE_VOWEL_SHARE) * cues.openness
    fricative = 1.0 - FRICATION_JAW_SUPPRESSION * cues.frication
    return JAW_GAIN * cues.loudness**JAW_LOUDNESS_EXPONENT * shape * fricative


def _closure(current: Cues, upcoming: Cues) -> float:
    """Lip closure before a non-fricative onset (plosive or nasal) from a quiet frame."""
    return upcoming.onset * (1.0 - current.loudness) * (1.0 - upcoming.frication)


class Articulator:
    """Stateful mapping of cue windows to smoothed mouth and brow channels."""

    def __init__(self) -> None:
        self._jaw = AttackRelease(attack=0.9, release=0.6)
        self._round = AttackRelease(attack=0.5, release=0.3)
        self._wide = AttackRelease(attack=0.5, release=0.3)
        self._close = AttackRelease(attack=0.8, release=0.6)
        self._brow = AttackRelease(attack=0.3, release=0.1)

    def step(self, window: Sequence[Cues]) -> Articulation:
        """Advance one frame; `window` holds the frame's cues and LOOKAHEAD_FRAMES more."""
        current, *upcoming = window
        closure = max(
            _closure(current, upcoming[0]),
            CLOSURE_ANTICIPATION * _closure(current, upcoming[1]),
        )
        jaw_target = max(
            _jaw_target(current),
            *(
                share * _jaw_target(cues)
                for share, cues in zip(ANTICIPATION, upcoming, strict=True)
            ),
        )
        stress = upcoming[0].onset * max(cues.loudness for cues in upcoming)
        voiced = current.voicing * math.sqrt(current.loudness)
        brow_target = min(max(current.pitch_rise / BROW_RISE_ST, -0.5), 1.0)
        return Articulation(
            jaw_open=self._jaw.update(jaw_target * max(1.0 - 2.0 * closure, 0.0)),
            mouth_round=self._round.update(voiced * current.rounding),
            mouth_wide=self._wide.update(voiced * current.spreading),
            mouth_close=self._close.update(closure),
            brow_up=self._brow.update(brow_target),
            stress=stress if stress >= NOD_STRESS_THRESHOLD else 0.0,
        )
