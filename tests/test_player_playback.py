"""Playback on a manual audio clock: states, reasons, sync, fallback, Host Mode."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED

from avatar_player.audio import ManualClockSink
from avatar_player.audio.sink import FADE_S
from avatar_player.player import (
    ConversationChange,
    ConversationState,
    Playback,
    PlaybackSettings,
    StateChangeReason,
    load_flame_recording,
    play_recording,
)
from avatar_player.player.motion_track import MotionTrack
from avatar_player.player.playback import MOUTH, RELAX_S
from avatar_player.player.presentation import MAX_LEAD_S, WINDOW, PresentationLead
from avatar_player.protocol.constants import frame_sample
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.motion import LAYOUT, frame_from_channels

RATE = 16000
BLOCK = 320  # 20 ms
S = ConversationState
R = StateChangeReason


class FakeClock:
    """The only fake: wall time for timeouts, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def ramp_frames(count: int, rate: int = RATE) -> list:
    """Frames whose jaw_open equals their time in seconds: pose(t) reveals t."""
    return [frame_from_channels(i, frame_sample(i, rate), jaw_open=i / 25) for i in range(count)]


def make(**settings: float) -> tuple[Playback, ManualClockSink, list, list, FakeClock]:
    sink = ManualClockSink(RATE)
    clock = FakeClock()
    playback = Playback(sink, PlaybackSettings(**settings), clock=clock)
    changes: list[ConversationChange] = []
    errors: list = []
    playback.changed.connect(changes.append)
    playback.error.connect(errors.append)
    return playback, sink, changes, errors, clock


def states(changes: list[ConversationChange]) -> list[tuple[S, R]]:
    return [(c.state, c.reason) for c in changes]


def test_response_plays_once_motion_is_buffered_and_ends_idle() -> None:
    playback, sink, changes, errors, _ = make(jitter_buffer_ms=200)
    playback.begin("r1")
    playback.add_audio(np.ones(RATE, dtype=np.int16), end=True)
    playback.tick()
    assert playback.state is S.ACTIVE, "no motion yet"
    playback.add_frames("r1", ramp_frames(3), end=False)  # 80 ms: not enough
    playback.tick()
    assert playback.state is S.ACTIVE
    playback.add_frames("r1", ramp_frames(26)[3:], end=True)
    playback.tick()
    assert playback.state is S.PLAYING
    while playback.current is not None:
        sink.advance(BLOCK)
        playback.tick()
    assert states(changes) == [
        (S.ACTIVE, R.USER_ACTION),
        (S.PLAYING, R.USER_ACTION),
        (S.IDLE, R.PLAYBACK_END),
    ]
    assert {c.req_id for c in changes} == {"r1"}
    assert errors == []


def test_pose_follows_the_audio_clock_exactly() -> None:
    playback, sink, _, _, _ = make()
    play_recording(playback, np.zeros(2 * RATE, dtype=np.int16), ramp_frames(50))
    playback.tick()
    for played in range(0, RATE, BLOCK):
        assert playback.position() == played
        jaw = float(playback.pose()[LAYOUT["jaw_open"]][0])
        assert jaw == pytest.approx(played / RATE, abs=1e-6)
        sink.advance(BLOCK)


def test_pause_keeps_position_and_buffers_and_resume_continues() -> None:
    playback, sink, changes, _, _ = make()
    play_recording(playback, np.ones(RATE, dtype=np.int16), ramp_frames(25))
    playback.tick()
    sink.advance(8 * BLOCK)
    assert playback.pause()
    fade_out = sink.advance(BLOCK)  # the next few samples fade out, then silence
    fade = round(FADE_S * RATE)
    assert fade_out[:fade].any() and not fade_out[fade:].any()
    paused_at = playback.position()
    pose = playback.pose()
    for _ in range(10):
        assert not sink.advance(BLOCK).any(), "silence while paused"
        playback.tick()
    assert playback.position() == paused_at
    assert np.array_equal(playback.pose(), pose)
    assert playback.resume()
    sink.advance(BLOCK)
    assert playback.position() == paused_at + BLOCK
    assert states(changes)[-2:] == [(S.PAUSED, R.USER_ACTION), (S.PLAYING, R.USER_ACTION)]


def test_pause_and_resume_are_refused_when_not_valid() -> None:
    playback, *_ = make()
    assert not playback.pause()
    assert not playback.resume()
    playback.begin("r")
    assert not playback.pause(), "nothing playing yet"


def test_interrupt_stops_at_once_and_leaves_a_clean_state() -> None:
    playback, sink, changes, _, _ = make()
    play_recording(playback, np.full(RATE, 1000, dtype=np.int16), ramp_frames(25), "r1")
    playback.tick()
    sink.advance(BLOCK)
    assert playback.interrupt() == "r1"
    assert playback.current is None and sink.queued() == 0
    assert not sink.advance(BLOCK).any(), "no audio after an interrupt"
    assert playback.pose().tolist() == np.zeros_like(playback.pose()).tolist()
    assert changes[-1] == ConversationChange(S.IDLE, R.USER_ACTION, "r1")
    play_recording(playback, np.ones(RATE // 2, dtype=np.int16), ramp_frames(13), "r2")
    playback.tick()
    assert playback.position() == 0
    while playback.current is not None:
        sink.advance(BLOCK)
        playback.tick()
    assert changes[-1] == ConversationChange(S.IDLE, R.PLAYBACK_END, "r2")


def test_missing_motion_falls_back_to_audio_only() -> None:
    playback, sink, changes, errors, clock = make(motion_timeout_s=2.0)
    playback.begin("r")
    playback.add_audio(np.ones(RATE // 2, dtype=np.int16), end=True)
    clock.now += 1.9
    playback.tick()
    assert playback.state is S.ACTIVE
    clock.now += 0.2
    playback.tick()
    assert states(changes)[-1] == (S.PLAYING, R.FALLBACK_MODE)
    assert [e.code for e in errors] == [ErrorCode.MOTION_DATA_MISSING]
    assert sink.advance(BLOCK).any(), "the audio still plays"
    while playback.current is not None:
        sink.advance(BLOCK)
        playback.tick()
    assert states(changes)[-1] == (S.IDLE, R.PLAYBACK_END)


def test_late_motion_falls_back_instead_of_freezing() -> None:
    playback, sink, changes, errors, _ = make(jitter_buffer_ms=200, motion_late_ms=300)
    playback.begin("r")
    playback.add_audio(np.ones(2 * RATE, dtype=np.int16), end=True)
    playback.add_frames("r", ramp_frames(6), end=False)  # 200 ms of motion, then nothing
    playback.tick()
    assert playback.state is S.PLAYING
    for _ in range(30):  # 600 ms: the motion (200 ms) is 400 ms behind
        sink.advance(BLOCK)
        playback.tick()
    assert states(changes)[-1] == (S.PLAYING, R.FALLBACK_MODE)
    assert [e.code for e in errors] == [ErrorCode.MOTION_DATA_LATE]
    assert not playback.pose().any(), "audio-only shows the neutral pose"


def test_a_producer_that_runs_out_holds_the_clock_where_the_motion_ends() -> None:
    playback, sink, changes, errors, clock = make(jitter_buffer_ms=200, motion_late_ms=300)
    playback.begin("r")
    playback.add_audio(np.ones(RATE // 2, dtype=np.int16), end=False)  # 500 ms so far
    playback.add_frames("r", ramp_frames(10), end=False)  # motion trails it by 140 ms
    playback.tick()
    assert playback.state is S.PLAYING
    for _ in range(25):
        sink.advance(BLOCK)
        clock.now += BLOCK / RATE
        playback.tick()
    covered = frame_sample(9, RATE)
    assert playback.position() == covered, "the audio stopped where its motion ends"
    assert states(changes)[-1] == (S.ACTIVE, R.REBUFFERING)
    clock.now += RELAX_S
    assert not playback.peek_pose()[MOUTH].any(), "a silent mouth closes while it waits"
    playback.add_audio(np.ones(RATE, dtype=np.int16), end=True)
    playback.add_frames("r", ramp_frames(38)[10:], end=True)
    playback.tick()
    assert states(changes)[-1] == (S.PLAYING, R.BUFFER_REFILLED)
    assert playback.rebuffers == 1 and playback.jitter.factor(clock.now) == pytest.approx(2.0, 0.05)
    assert errors == []


def test_frames_for_another_response_are_ignored() -> None:
    playback, *_ = make()
    playback.begin("mine")
    playback.add_frames("other", ramp_frames(10), end=True)
    assert len(playback.current.track) == 0


def test_adding_audio_without_a_response_is_an_error() -> None:
    playback, *_ = make()
    with pytest.raises(RuntimeError):
        playback.add_audio(np.ones(10, dtype=np.int16), end=True)
    playback.begin("r")
    with pytest.raises(ValueError, match="int16"):
        playback.add_audio(np.ones(10, dtype=np.float32), end=True)


def test_a_new_response_drops_the_one_in_progress() -> None:
    playback, sink, changes, _, _ = make()
    play_recording(playback, np.full(RATE, 7, dtype=np.int16), ramp_frames(25), "old")
    playback.tick()
    sink.advance(BLOCK)
    playback.begin("new")
    assert sink.queued() == 0
    assert changes[-1] == ConversationChange(S.ACTIVE, R.USER_ACTION, "new")


def test_av_offset_of_presented_frames_and_latency_compensation() -> None:
    """A frame presented one block after its pose was taken is 20 ms late; the player
    measures that latency and takes the next poses that far ahead: no offset from then on."""
    playback, sink, _, _, clock = make()
    metrics = []
    playback.metrics.connect(metrics.append)
    play_recording(playback, np.ones(2 * RATE, dtype=np.int16), ramp_frames(50))
    playback.tick()
    reported = []
    for _ in range(60):  # 1.2 s at 50 frames/s, one 20 ms block per frame
        playback.pose()
        sink.advance(BLOCK)  # the frame is presented one block after its pose was taken
        clock.now += 0.02
        reported.append(playback.report_frame())
        playback.tick()
    assert reported == list(playback.offsets.history), "each frame returns its offset"
    first, *rest = playback.offsets.history
    assert first == pytest.approx(20.0, abs=0.01)
    assert rest == pytest.approx([0.0] * len(rest), abs=0.01)
    assert playback.lead.seconds == pytest.approx(BLOCK / RATE, rel=0.01)
    assert metrics and metrics[0].av_offset_ms == pytest.approx(0.0, abs=0.01)
    assert metrics[0].buffered_motion_ms > 0


def test_frames_past_the_last_motion_frame_measure_no_offset() -> None:
    """The audio runs a frame period past the last frame's stamp (the last frame stands
    for it); frames shown there hold the last pose, whose motion time is not theirs: they
    are no A/V offset sample. (They read +0 to +40 ms, and the panel's last interval showed
    up to +35 ms, "noticeable", after a clean response.)"""
    playback, sink, _, _, clock = make()
    play_recording(playback, np.ones(RATE, dtype=np.int16), ramp_frames(25))
    playback.tick()
    while playback.current is not None:
        playback.pose()
        playback.report_frame()
        sink.advance(BLOCK)
        clock.now += 0.02
        playback.tick()
    assert set(playback.offsets.history) == {0.0}
    assert len(playback.offsets.history) == 49  # 0 to 0.96 s, the 25th frame's stamp


def test_latency_is_measured_on_idle_frames_too() -> None:
    """The estimate is ready before speech starts: idle frames are measured as well."""
    playback, _, _, _, clock = make()
    for _ in range(3):
        playback.pose()
        clock.now += 0.03
        playback.report_frame()
    assert playback.lead.seconds == pytest.approx(0.03)
    assert not playback.offsets.history, "no motion shown: no A/V offset"


def test_a_standing_clock_measures_no_latency() -> None:
    """A test clock that does not move between pose and present: no lead."""
    playback, sink, _, _, _ = make()
    play_recording(playback, np.ones(RATE, dtype=np.int16), ramp_frames(25))
    playback.tick()
    for _ in range(10):
        playback.pose()
        playback.report_frame()
        sink.advance(BLOCK)
        playback.tick()
    assert playback.lead.seconds == 0.0
    assert set(playback.offsets.history) == {0.0}


def test_motion_track_interpolates_and_holds() -> None:
    track = MotionTrack(RATE)
    assert not track.pose_at(100).any()
    track.add(ramp_frames(3))
    jaw = LAYOUT["jaw_open"].start
    assert track.pose_at(-50)[jaw] == 0.0
    assert track.pose_at(320)[jaw] == pytest.approx(0.02)
    assert track.pose_at(10_000)[jaw] == pytest.approx(0.08)
    assert track.covered_until == 1280
    track.ended = True
    assert track.covered_until == 1920
    assert track.buffered_ms(960) == pytest.approx(60.0)


@pytest.mark.skipif(not (SHARED / "data" / "flame-sample").exists(), reason="no ../shared")
def test_host_mode_plays_the_flame_sample_with_the_jaw_following_speech() -> None:
    pcm, frames = load_flame_recording(SHARED / "data" / "flame-sample", RATE)
    assert len(frames) == 92
    playback, sink, changes, _, _ = make()
    play_recording(playback, pcm, frames)
    playback.tick()
    jaw, envelope = [], []
    while playback.current is not None:
        played = sink.advance(640)  # one motion frame of audio
        envelope.append(np.sqrt(np.mean(played.astype(np.float64) ** 2)))
        jaw.append(float(playback.pose()[LAYOUT["jaw_pose"].start]))
        playback.tick()
    assert states(changes)[-1] == (S.IDLE, R.PLAYBACK_END)
    jaw_arr, env = np.asarray(jaw[:90]), np.asarray(envelope[:90])
    assert np.ptp(jaw_arr) > 0.02, "the jaw moves"
    correlation = {
        lag: np.corrcoef(
            jaw_arr[max(0, lag) : 90 + min(0, lag)], env[max(0, -lag) : 90 - max(0, lag)]
        )[0, 1]
        for lag in range(-3, 4)
    }
    assert correlation[0] > 0.15
    assert max(correlation, key=correlation.get) in (-1, 0, 1)


def test_the_latency_estimate_ignores_outliers_and_follows_a_changing_host() -> None:
    """A slow first frame (shader compilation) and single slow frames do not move the
    estimate; frames that take 60 ms from now on do, and it never passes the cap."""
    lead = PresentationLead()
    lead.measure(0.15)
    for _ in range(WINDOW):
        lead.measure(0.02)
    assert lead.seconds == pytest.approx(0.02)
    lead.measure(0.2)
    assert lead.seconds == pytest.approx(0.02)
    for _ in range(WINDOW // 2 + 1):
        lead.measure(0.06)
    assert lead.seconds == pytest.approx(0.06)
    for _ in range(WINDOW):
        lead.measure(5.0)
    assert lead.seconds == pytest.approx(MAX_LEAD_S)


def test_peeking_at_the_pose_is_not_a_frame() -> None:
    playback, sink, _, _, _ = make()
    fed: list[str] = []
    playback.fed.connect(lambda given: fed.append(given.kind))
    play_recording(playback, np.ones(RATE, dtype=np.int16), ramp_frames(25))
    playback.tick()
    sink.advance(BLOCK)
    shown = playback.pose()
    sink.advance(BLOCK)
    peeked = playback.peek_pose()
    assert peeked[LAYOUT["jaw_open"]][0] > shown[LAYOUT["jaw_open"]][0], "it is the pose now"
    playback.report_frame()
    assert list(playback.offsets.history) == [pytest.approx(20.0)], "measured from pose()"
    assert fed.count("frame") == 1


def test_an_audio_only_response_rebuffers_on_its_audio_alone() -> None:
    playback, sink, changes, errors, clock = make(jitter_buffer_ms=200, motion_timeout_s=0.5)
    playback.begin("r")
    playback.add_audio(np.ones(RATE // 4, dtype=np.int16), end=False)  # 250 ms, no motion
    for _ in range(50):  # 0.5 s waiting for motion, then 250 ms of audio-only
        sink.advance(BLOCK)
        clock.now += BLOCK / RATE
        playback.tick()
    assert [e.code for e in errors] == [ErrorCode.MOTION_DATA_MISSING]
    assert states(changes)[-2:] == [(S.PLAYING, R.FALLBACK_MODE), (S.ACTIVE, R.REBUFFERING)]
    playback.add_audio(np.ones(RATE // 2, dtype=np.int16), end=False)
    playback.tick()
    assert states(changes)[-1] == (S.PLAYING, R.BUFFER_REFILLED), "no motion to wait for"
