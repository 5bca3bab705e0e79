"""Combination: the recognised viseme shape, scaled by the DSP estimator's loudness.

The phones choose the shape (which channels, in what proportion); the acoustic loudness
scales how far the jaw opens and how strongly the lips spread or round (emphasis), so a
stressed syllable opens wider than an unstressed one. Closures, lip-teeth contact and the
tongue are articulatory gestures that do not weaken with loudness.
"""

from __future__ import annotations

import numpy as np

from avatar_player.motion.cues import Cues
from avatar_player.visemes import SHAPE_CHANNELS, SILENCE

EMPHASIS = (0.5, 0.6)
"""Jaw scale at zero loudness, and its increase at full loudness."""
LIP_EMPHASIS = (0.7, 0.3)
"""The same for lip spreading and rounding."""
LOUD_SILENCE = 0.5
"""Loudness above which a frame the recognizer calls silence or noise is taken for sound
it cannot read (noise, music): such frames keep the DSP mouth."""
_JAW = SHAPE_CHANNELS.index("jaw_open")
_LIPS = [SHAPE_CHANNELS.index(name) for name in ("mouth_round", "mouth_wide", "lip_funnel")]


def shaped_mouth(shape: np.ndarray, current: Cues, upcoming: Cues) -> dict[str, float]:
    """SHAPE_CHANNELS values of a frame from its viseme shape and its cues (`upcoming`: the
    next frame's, whose sound the lead already shows)."""
    loudness = max(current.loudness, upcoming.loudness)
    values = shape.copy()
    values[_JAW] *= EMPHASIS[0] + EMPHASIS[1] * loudness
    values[_LIPS] *= LIP_EMPHASIS[0] + LIP_EMPHASIS[1] * loudness
    return dict(zip(SHAPE_CHANNELS, np.clip(values, 0.0, 1.0).tolist(), strict=True))


def unusable_reason(phone: str | None, cues: Cues) -> str:
    """Why the phone label of a frame cannot shape it ('' when it can)."""
    if phone is None:
        return "no phone recognised yet"
    speech = phone != SILENCE and not phone.startswith("+")  # "+NSN+": a noise filler
    if not speech and cues.loudness > LOUD_SILENCE:
        return f"the recognizer heard no speech ({phone}) in loud audio: noise or music"
    return ""
