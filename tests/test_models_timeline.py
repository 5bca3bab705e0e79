"""The timeline's played audio: jittery block stamps join, pauses stay silent."""

from __future__ import annotations

import numpy as np

from avatar_player.models.timeline import Timeline, state_spans
from avatar_player.player.states import ConversationChange, ConversationState, StateChangeReason

S, R = ConversationState, StateChangeReason

RATE = 16000


def test_blocks_with_jittery_stamps_are_contiguous_and_a_hold_stays_a_gap() -> None:
    timeline = Timeline(RATE)
    block = np.arange(1, 321, dtype=np.int16)
    for k, jitter in enumerate((0.0, 0.004, -0.003, 0.02, 0.0)):
        timeline.add_audio(1.0 + k * 0.02 + jitter, block)
    timeline.add_audio(1.0 + 5 * 0.02 + 0.5, block)  # after a 0.5 s hold
    t0, pcm = timeline.played_audio()
    assert t0 == 1.0
    np.testing.assert_array_equal(pcm[: 5 * 320], np.tile(block, 5))
    gap = pcm[5 * 320 : -320]
    assert not gap.any() and abs(gap.size - 0.5 * RATE) <= 1
    np.testing.assert_array_equal(pcm[-320:], block)


def test_state_spans_run_to_the_next_change_and_the_last_to_the_end() -> None:
    timeline = Timeline(RATE)
    assert state_spans(list(timeline.states), end=5.0) == []
    for t, state, reason in ((1.0, S.ACTIVE, R.USER_ACTION), (1.5, S.ACTIVE, R.REBUFFERING)):
        timeline.add_state(t, ConversationChange(state, reason, "r"))
    spans = state_spans(list(timeline.states), end=3.0, origin=1.0)
    assert [(s.start, s.end, s.rebuffering) for s in spans] == [
        (0.0, 0.5, False),
        (0.5, 2.0, True),
    ]
