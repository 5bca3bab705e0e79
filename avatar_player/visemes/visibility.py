"""Openings a frame rate can show.

In a fast train of bilabials (Piper's "bababababa": vowels of 30 ms between closures of
50-80 ms) the lips part for less than a frame period, between two frames: sampled at
25 fps the mouth never opens. As Rhubarb Lip Sync's timing optimisation makes every open
or closed stretch last long enough to register visually, such an opening is retimed: it
is centred on the frame nearest to it and widened to OPEN_WIDTH_S, the closures on either
side giving up the time, provided each of them keeps a frame of its own.

Spans are (viseme, start, end) in seconds as shown (after the lead); frames fall every
`period_s` on the grid through `time_s`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from avatar_player.visemes.table import Viseme

Span = tuple[Viseme, float, float]

OPEN_WIDTH_S = 0.04
"""Width of a retimed opening: one frame period at 25 fps, so the frame on its centre is
20 ms from either closure (bilabial dominance has decayed to a tenth there)."""
MARGIN_S = 0.012
"""An opening whose nearest frame lies closer than this to a closure shows as closed."""


def visible_openings(spans: Sequence[Span], time_s: float, period_s: float) -> list[Span]:
    """`spans` with every opening between two lip closures that no frame shows retimed."""
    retimed = []
    previous_frame = -math.inf
    for (a_start, a_end), (b_start, b_end) in pairwise(_closures(spans)):
        if b_start <= a_end or _frame_within(
            a_end + MARGIN_S, b_start - MARGIN_S, time_s, period_s
        ):
            continue
        frame = time_s + round((0.5 * (a_end + b_start) - time_s) / period_s) * period_s
        keeps_frames = a_start <= frame - period_s and frame + period_s <= b_end
        if keeps_frames and frame - previous_frame >= 2 * period_s:
            previous_frame = frame
            retimed.append((a_end, b_start, frame - 0.5 * OPEN_WIDTH_S, frame + 0.5 * OPEN_WIDTH_S))
    if not retimed:
        return list(spans)
    return [_moved(span, retimed) for span in spans]


def _closures(spans: Sequence[Span]) -> list[tuple[float, float]]:
    """The lip closures: the bilabial spans, overlapping ones merged, in time order."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((s, e) for viseme, s, e in spans if viseme is Viseme.A):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _frame_within(start: float, end: float, time_s: float, period_s: float) -> bool:
    """Whether a frame of the grid through `time_s` falls in [start, end]."""
    return math.ceil((start - time_s) / period_s) <= math.floor((end - time_s) / period_s)


def _moved(span: Span, retimed: Sequence[tuple[float, float, float, float]]) -> Span:
    """`span` after the openings (gap start, gap end, new start, new end) are retimed: the
    closure before each ends, and the one after it starts, at the new opening; the spans
    shown in the gap fill the new opening."""
    viseme, start, end = span
    for gap_start, gap_end, low, high in retimed:
        if viseme is Viseme.A:
            if start < gap_start and (math.isclose(end, gap_start) or end > low):
                end = low
            elif start > gap_start and (math.isclose(start, gap_end) or start < high):
                start = high
        elif start < gap_end and end > gap_start:
            start, end = low, high
    return viseme, start, end
