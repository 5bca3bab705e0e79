"""Session recording and replay: record -> replay gives the same frames and state sequence."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import API_KEY, eventually, null_player, render_loop, speech_clip

from avatar_player.models.player_session import PlayerSession
from avatar_player.player import ConversationChange, ConversationState, StateChangeReason
from avatar_player.player.recording import RecordingError, decode_pose, load_recording
from avatar_player.player.replay import compare, recorded_result, replay_simulated
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.motion import EARLIER_VECTOR_SIZES, LAYOUT, VECTOR_SIZE


async def wait_for(changes: list[ConversationChange], state: ConversationState) -> None:
    await eventually(lambda: bool(changes) and changes[-1].state is state, timeout_s=10)


async def record_session(
    session: PlayerSession, tmp_path: Path, shown: list[np.ndarray]
) -> tuple[Path, list[np.ndarray]]:
    """Play, pause, resume, play to the end, then play and interrupt; all recorded.
    Returns the recording and the poses rendered while it ran."""
    path = tmp_path / "session.avrec"
    changes: list[ConversationChange] = []
    session.conversation_changed.connect(changes.append)
    assert await session.connect()
    assert session.start_recording(path)
    shown.clear()
    await session.play_clip(speech_clip(tmp_path, 2.0))
    await wait_for(changes, ConversationState.PLAYING)
    await asyncio.sleep(0.5)
    assert session.pause()
    await asyncio.sleep(0.3)
    assert session.resume()
    await eventually(lambda: changes[-1].reason is StateChangeReason.PLAYBACK_END, timeout_s=10)
    await session.play_clip(speech_clip(tmp_path, 1.5))
    await wait_for(changes, ConversationState.PLAYING)
    await asyncio.sleep(0.4)
    await session.interrupt()
    await asyncio.sleep(0.1)
    assert session.stop_recording() == path
    return path, list(shown)


async def test_record_then_replay_gives_identical_frames_and_states(tmp_path: Path) -> None:
    async with null_player() as session, render_loop(session) as shown:
        changes: list[ConversationChange] = []
        session.conversation_changed.connect(changes.append)
        path, presented = await record_session(session, tmp_path, shown)
    recording = load_recording(path)
    original = recorded_result(recording)
    # The file holds what the player really did and showed.
    assert original.conversation == [(str(c.state), str(c.reason), c.req_id) for c in changes]
    assert [state for state, _, _ in original.conversation] == [
        "active", "playing", "paused", "playing", "idle", "active", "playing", "idle",
    ]  # fmt: skip
    assert len(original.poses) > 50
    assert len(presented) == len(original.poses)
    assert all(np.array_equal(a, b) for a, b in zip(original.poses, presented, strict=True))
    assert max(pose[LAYOUT["jaw_open"]][0] for pose in original.poses) > 0.3  # lips moved

    replayed = replay_simulated(recording)
    result = compare(recording, replayed)
    assert result.identical, result.first_difference
    assert result.frames == len(original.poses)


async def test_a_recording_keeps_errors_but_no_credentials(tmp_path: Path) -> None:
    async with null_player(fault_query={"faultCorruptEvery": "3"}) as session:
        path = tmp_path / "faulty.avrec"
        changes: list[ConversationChange] = []
        session.conversation_changed.connect(changes.append)
        assert await session.connect()
        token = session.controller.tokens.token
        assert session.start_recording(path)
        await session.play_clip(speech_clip(tmp_path, 1.0))
        await eventually(lambda: bool(changes) and changes[-1].state is ConversationState.IDLE)
        session.stop_recording()
    recording = load_recording(path)
    failures = recording.of_type("motion_failed")
    assert {f["error"]["code"] for f in failures} == {ErrorCode.MOTION_DATA_INVALID}
    assert failures[0]["reason"] == "fallbackMode"
    assert recording.of_type("error")[0]["error"]["code"] == ErrorCode.MOTION_DATA_INVALID
    assert compare(recording, replay_simulated(recording)).identical
    text = gzip.decompress(path.read_bytes()).decode()
    assert token and token not in text
    assert API_KEY not in text
    assert recording.header["source"]["app_id"] == "demo-app"


async def test_a_recording_replays_live_in_the_player(tmp_path: Path) -> None:
    async with null_player() as session:
        path = tmp_path / "short.avrec"
        assert await session.connect()
        assert session.start_recording(path)
        changes: list[ConversationChange] = []
        session.conversation_changed.connect(changes.append)
        await session.play_clip(speech_clip(tmp_path, 0.8))
        await eventually(lambda: bool(changes) and changes[-1].state is ConversationState.IDLE)
        session.stop_recording()
        await session.disconnect()

        session.conversation_changed.disconnect(changes.append)
        replayed: list[ConversationChange] = []
        session.conversation_changed.connect(replayed.append)
        assert await session.replay(path)
        await eventually(lambda: bool(replayed) and replayed[-1].state is ConversationState.IDLE)
    assert [(c.state, c.reason, c.req_id) for c in replayed] == [
        (c.state, c.reason, c.req_id) for c in changes
    ]


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_bytes(gzip.compress("\n".join(json.dumps(x) for x in lines).encode()))
    return path


HEADER = {"type": "header", "format": "avatar-player-recording", "version": 1, "sample_rate": 16000}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not gzip at all", "not a readable recording"),
        (gzip.compress(b'{"type": "header"'), "not a readable recording"),
        (gzip.compress(json.dumps({"format": "other"}).encode()), "not an Avatar Player recording"),
        (gzip.compress(json.dumps(HEADER | {"version": 9}).encode()), "version 9 unsupported"),
    ],
)
def test_unreadable_recordings_are_refused_clearly(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.avrec"
    path.write_bytes(content)
    with pytest.raises(RecordingError, match=message):
        load_recording(path)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"type": "begin"}, "time None missing"),
        ({"t": 1, "type": "audio", "pcm": "@@@", "end": True}, "bad audio event"),
        ({"t": 1, "type": "motion", "frames": "AAAA", "end": True}, "bad motion event"),
        ({"t": 1, "type": "motion_failed", "error": {"code": "nope"}}, "bad motion_failed"),
        ({"t": 1, "type": "frame", "pose": "AAAA", "position": 1}, "bad frame event"),
    ],
)
def test_damaged_events_name_their_line(tmp_path: Path, event: dict, message: str) -> None:
    path = write_lines(tmp_path / "bad.avrec", [HEADER, {"t": 0.5, "type": "pause"}, event])
    with pytest.raises(RecordingError, match=f"line 3: {message}"):
        load_recording(path)


async def test_the_player_logs_a_bad_recording(tmp_path: Path) -> None:
    async with null_player() as session:
        assert not await session.replay(write_lines(tmp_path / "x.avrec", [{"format": "x"}]))
        assert session.log.entries[-1].code == RecordingError.code


def test_poses_of_earlier_motion_versions_load_with_the_newer_channels_at_rest() -> None:
    for size in EARLIER_VECTOR_SIZES:
        stored = np.arange(1, size + 1, dtype="<f4")
        pose = decode_pose(base64.b64encode(stored.tobytes()).decode())
        assert pose.shape == (VECTOR_SIZE,)
        assert np.array_equal(pose[:size], stored) and not pose[size:].any()
    odd = np.ones(EARLIER_VECTOR_SIZES[0] + 1, dtype="<f4")
    with pytest.raises(ValueError, match="not 28"):
        decode_pose(base64.b64encode(odd.tobytes()).decode())
