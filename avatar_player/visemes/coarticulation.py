"""Coarticulation: the mouth shape at an instant, blended from the phones around it.

Dominance functions (Cohen & Massaro 1993): every phone pulls each channel towards its
viseme's target with a weight that is highest over the phone and decays exponentially
with the distance from it; the shape is the weighted mean of the targets. Bilabial
closure dominates strongly (the lips seal even in a short /b/), rounding reaches far
ahead (lips round during the consonants before /u/), silence dominates weakly (the mouth
starts moving before the sound), and a phone shorter than FULL_DOMINANCE_S is dominated
by its neighbours. Every phone is shown ONSET_LEAD_S before it sounds, a bilabial closure
LEAD_S early at both ends; its hold on the jaw is weaker, so the jaw starts to lower while
the lips are still sealed.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np

from avatar_player.visemes.table import (
    PHONE_FRAME_RATE,
    SHAPE_CHANNELS,
    SHAPES,
    PhoneSegment,
    Viseme,
    viseme_of,
)
from avatar_player.visemes.visibility import visible_openings

ONSET_LEAD_S = 0.05
"""The mouth reaches a phone's shape this long before its acoustic onset."""
LEAD_S = {Viseme.A: 0.035}
"""Visemes shown less early than ONSET_LEAD_S, at both ends: a bilabial seals the lips
35 ms before its acoustic closure and keeps them sealed until 35 ms before the burst (its
length kept: sealed 50 ms early, as until 2026-12-03, it took a frame from the vowel before
it, and 22 % of the speech frames of nine sentences were closed where 13 % are bilabial)."""
LABEL_OFFSET_S = 0.008
"""Label k's window (25.6 ms) is centred 12.8 ms after its start k * 10 ms: a label
stands for [k * 10 + 8, (k + 1) * 10 + 8) ms."""
FULL_DOMINANCE_S = 0.06
FULL_WHEN_SHORT = frozenset({Viseme.A})
"""Visemes that dominate fully however short: a bilabial closure is always made."""
REACH_S = 0.1
"""Phones further than this from the instant (after the lead) are ignored."""
DEFAULT_DOMINANCE = (1.0, 0.03)
"""(peak weight, decay length in seconds) of a channel without a rule below."""
_CHANNEL = {name: index for index, name in enumerate(SHAPE_CHANNELS)}
_ROUNDING = ("mouth_round", "lip_funnel")
DOMINANCE_RULES: dict[Viseme, dict[str, tuple[float, float]]] = {
    Viseme.A: {name: (3.0, 0.006) for name in SHAPE_CHANNELS} | {"jaw_open": (0.3, 0.01)},
    Viseme.G: {"lip_tuck": (3.0, 0.03), "jaw_open": (2.0, 0.03)},
    Viseme.F: {name: (1.5, 0.08) for name in _ROUNDING},
    Viseme.E: {name: (1.2, 0.06) for name in _ROUNDING},
    Viseme.X: {name: (0.5, 0.03) for name in SHAPE_CHANNELS},
}
"""Per viseme and channel: (peak weight, decay length in seconds)."""


def _dominance_table() -> dict[Viseme, tuple[np.ndarray, np.ndarray]]:
    table = {}
    for viseme in Viseme:
        peak = np.full(len(SHAPE_CHANNELS), DEFAULT_DOMINANCE[0])
        decay = np.full(len(SHAPE_CHANNELS), DEFAULT_DOMINANCE[1])
        for name, (weight, length) in DOMINANCE_RULES.get(viseme, {}).items():
            peak[_CHANNEL[name]], decay[_CHANNEL[name]] = weight, length
        table[viseme] = (peak, decay)
    return table


_DOMINANCE = _dominance_table()
_TARGETS = {viseme: np.array(shape) for viseme, shape in SHAPES.items()}


def _spans(segment: PhoneSegment) -> list[tuple[Viseme, float, float]]:
    """The segment's viseme spans in seconds (two for a diphthong), as shown (led)."""
    start = segment.start / PHONE_FRAME_RATE + LABEL_OFFSET_S
    end = segment.end / PHONE_FRAME_RATE + LABEL_OFFSET_S
    middle = 0.5 * (start + end)
    first, second = viseme_of(segment.phone, 0.0), viseme_of(segment.phone, 1.0)
    halves = [(first, start, end)] if first == second else [(first, start, middle)]
    if first != second:
        halves.append((second, middle, end))
    return [
        (viseme, a - LEAD_S.get(viseme, ONSET_LEAD_S), b - LEAD_S.get(viseme, ONSET_LEAD_S))
        for viseme, a, b in halves
    ]


def shape_at(
    segments: Sequence[PhoneSegment], time_s: float, frame_period_s: float | None = None
) -> np.ndarray | None:
    """The SHAPE_CHANNELS values shown at `time_s`; None when no phone is near it. With
    `frame_period_s` (`time_s` then being a frame), openings between lip closures that no
    frame would show are retimed onto one (visemes.visibility)."""
    reach = REACH_S + (2 * frame_period_s if frame_period_s else 0.0)
    earliest = (time_s - reach - LABEL_OFFSET_S) * PHONE_FRAME_RATE
    first = bisect.bisect_right(segments, earliest, key=lambda segment: segment.end)
    spans = []
    for segment in segments[first:]:
        segment_spans = _spans(segment)
        if segment_spans[0][1] > time_s + reach:
            break
        spans += segment_spans
    if frame_period_s:
        spans = visible_openings(spans, time_s, frame_period_s)
    weighted = np.zeros(len(SHAPE_CHANNELS))
    total = np.zeros(len(SHAPE_CHANNELS))
    for viseme, start, end in spans:
        distance = max(start - time_s, time_s - end, 0.0)
        if distance > REACH_S:
            continue
        peak, decay = _DOMINANCE[viseme]
        shortness = 1.0 if viseme in FULL_WHEN_SHORT else (end - start) / FULL_DOMINANCE_S
        weight = peak * min(1.0, shortness)
        dominance = weight * np.exp(-distance / decay)
        weighted += dominance * _TARGETS[viseme]
        total += dominance
    if not total.any():
        return None
    return weighted / np.maximum(total, math.ulp(1.0))
