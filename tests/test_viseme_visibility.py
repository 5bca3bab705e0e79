"""Openings between lip closures retimed onto a frame (avatar_player.visemes.visibility)."""

from __future__ import annotations

from avatar_player.visemes import PhoneSegment, Viseme, shape_at
from avatar_player.visemes.table import SHAPE_CHANNELS
from avatar_player.visemes.visibility import OPEN_WIDTH_S, visible_openings

PERIOD_S = 0.04
PRESS = SHAPE_CHANNELS.index("lips_press")
# "...mam...": a 30 ms vowel between two /m/. Shown (50 ms lead, the /m/ released 35 ms
# early) the lips are open from 0.443 to 0.458 s, between the frames at 0.44 and 0.48.
TRAIN = [PhoneSegment("M", 30, 47), PhoneSegment("AH", 47, 50), PhoneSegment("M", 50, 60)]


def press(segments: list[PhoneSegment], time_s: float, period_s: float | None) -> float:
    shape = shape_at(segments, time_s, period_s)
    assert shape is not None
    return float(shape[PRESS])


def test_an_opening_between_frames_is_shown_on_the_nearest_frame() -> None:
    assert press(TRAIN, 0.44, None) > 0.5  # sampled without retiming: closed throughout
    assert press(TRAIN, 0.48, None) > 0.5
    assert press(TRAIN, 0.44, PERIOD_S) < 0.3  # the frame nearest the opening opens
    assert press(TRAIN, 0.40, PERIOD_S) > 0.7  # both closures keep their frames
    assert press(TRAIN, 0.48, PERIOD_S) > 0.7


def test_an_opening_a_frame_already_shows_is_left_alone() -> None:
    long_vowel = [PhoneSegment("M", 30, 47), PhoneSegment("AH", 47, 62), PhoneSegment("M", 62, 70)]
    for frame in range(10, 18):
        time_s = frame * PERIOD_S
        assert press(long_vowel, time_s, PERIOD_S) == press(long_vowel, time_s, None)


def test_the_retimed_opening_takes_its_time_from_the_closures() -> None:
    spans = [(Viseme.A, 0.258, 0.443), (Viseme.C, 0.428, 0.458), (Viseme.A, 0.458, 0.573)]
    low, high = 0.44 - OPEN_WIDTH_S / 2, 0.44 + OPEN_WIDTH_S / 2
    assert visible_openings(spans, 0.44, PERIOD_S) == [
        (Viseme.A, 0.258, low),
        (Viseme.C, low, high),
        (Viseme.A, high, 0.573),
    ]


def test_the_closures_meet_an_opening_moved_either_way() -> None:
    # The gap (0.43-0.4645) has no frame 12 ms inside it; its centre is nearest to 0.44:
    # the opening moves earlier, and the closure after it starts earlier with it.
    spans = [(Viseme.A, 0.3, 0.43), (Viseme.C, 0.415, 0.45), (Viseme.A, 0.4645, 0.6)]
    assert visible_openings(spans, 0.44, PERIOD_S) == [
        (Viseme.A, 0.3, 0.42),
        (Viseme.C, 0.42, 0.46),
        (Viseme.A, 0.46, 0.6),
    ]


def test_a_closure_is_not_given_up_for_an_opening() -> None:
    # The closure after the opening ends before the next frame (0.48): it has no frame to
    # spare, so the opening stays between frames (faster than two frames per syllable).
    spans = [(Viseme.A, 0.258, 0.443), (Viseme.C, 0.428, 0.458), (Viseme.A, 0.458, 0.47)]
    assert visible_openings(spans, 0.44, PERIOD_S) == spans
