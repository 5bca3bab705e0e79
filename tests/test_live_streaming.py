"""Live speech through the whole player: producers slower than real time and stalls, with
the embedded Motion Server, the paced null sink and a render loop like the app's."""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from conftest import eventually, null_player, render_loop, speech_clip

from avatar_player.audio import load_clip
from avatar_player.audio.sink import FADE_S
from avatar_player.models.player_session import PlayerSession, SessionOptions
from avatar_player.player import ConnectionState, ConversationChange, StateChangeReason
from avatar_player.player.metrics import ATSC_MS
from avatar_player.player.states import ConversationState
from avatar_player.speech import Pacing

S, R = ConversationState, StateChangeReason


@dataclass
class Observed:
    """What a streamed response did."""

    played: list[np.ndarray] = field(default_factory=list)
    changes: list[ConversationChange] = field(default_factory=list)
    offsets: list[tuple[int, float]] = field(default_factory=list)
    """(number of refills before the frame, A/V offset in ms) of each frame showing motion."""

    def refills(self) -> int:
        return sum(c.reason is R.BUFFER_REFILLED for c in self.changes)


async def stream_clip(session: PlayerSession, clip: Path, pacing: Pacing) -> Observed:
    """Play `clip` produced with `pacing`; everything the sink played, states, offsets."""
    seen = Observed()
    assert session.sink is not None
    session.sink.add_tap(seen.played.append)
    session.conversation_changed.connect(seen.changes.append)

    def measure() -> float | None:
        offset = report()
        if offset is not None:
            seen.offsets.append((seen.refills(), offset))
        return offset

    report, session.report_frame = session.report_frame, measure  # type: ignore[method-assign]
    assert await session.connect()
    async with render_loop(session):
        req_id = await session.play_clip(clip, pacing)
        assert req_id
        await eventually(lambda: seen.changes[-1].reason is R.PLAYBACK_END, timeout_s=20)
    return seen


def assert_every_sample_played_once(played: np.ndarray, source: np.ndarray, rate: int) -> None:
    """Same count and order; only the short fades at the edges of a hold may differ."""
    assert played.size == source.size
    differs = np.flatnonzero(played != source)
    assert np.all(np.abs(played[differs]) <= np.abs(source[differs]))
    fade = round(FADE_S * rate)
    edges = np.flatnonzero(np.diff(differs) > 1).size + 1 if differs.size else 0
    assert differs.size <= 2 * fade * edges, "only samples at an edge are shaped"


@pytest.mark.parametrize(
    ("pacing", "min_rebuffers"),
    [
        (Pacing(speed=0.5), 1),
        (Pacing(speed=0.8), 1),
        (Pacing(speed=1.0, stall_at_s=1.0, stall_for_s=1.0), 1),
    ],
    ids=["0.5x", "0.8x", "1s-stall"],
)
async def test_a_slow_or_stalling_producer_rebuffers_cleanly(
    tmp_path: Path, pacing: Pacing, min_rebuffers: int
) -> None:
    clip = speech_clip(tmp_path, 3.0)
    async with null_player() as session:
        seen = await stream_clip(session, clip, pacing)
        playback = session.playback
        assert playback is not None and session.sink is not None
        source = load_clip(clip, playback.sample_rate)
        assert_every_sample_played_once(np.concatenate(seen.played), source, 16000)
        assert session.sink.underruns == 0
        assert playback.rebuffers >= min_rebuffers
        assert playback.rebuffers == session.sink.rebuffers, "every hold was announced"
        assert playback.stall_s > 0.2
    states = [(c.state, c.reason) for c in seen.changes]
    assert states[:2] == [(S.ACTIVE, R.USER_ACTION), (S.PLAYING, R.USER_ACTION)]
    assert (S.ACTIVE, R.REBUFFERING) in states
    for before, after in itertools.pairwise(states):
        if before == (S.ACTIVE, R.REBUFFERING):
            assert after in ((S.PLAYING, R.BUFFER_REFILLED), (S.IDLE, R.PLAYBACK_END))
    assert states[-1] == (S.IDLE, R.PLAYBACK_END)
    for refills in range(seen.refills() + 1):
        offsets = [offset for n, offset in seen.offsets if n == refills]
        if len(offsets) >= 5:
            assert ATSC_MS[0] <= statistics.median(offsets) <= ATSC_MS[1], (refills, offsets)
            assert ATSC_MS[0] <= np.percentile(offsets, 95) <= ATSC_MS[1], (refills, offsets)


async def test_a_producer_at_real_time_with_jitter_never_rebuffers_after_the_start(
    tmp_path: Path,
) -> None:
    clip = speech_clip(tmp_path, 2.0)
    async with null_player() as session:
        seen = await stream_clip(session, clip, Pacing(speed=1.0, jitter_ms=80, seed=3))
        assert session.sink is not None and session.sink.underruns == 0
        assert session.playback is not None
        source = load_clip(clip, 16000)
        assert_every_sample_played_once(np.concatenate(seen.played), source, 16000)
    offsets = [offset for _, offset in seen.offsets]
    assert ATSC_MS[0] <= statistics.median(offsets) <= ATSC_MS[1]


async def test_speaking_after_a_session_timeout_reconnects_with_a_fresh_token(
    tmp_path: Path,
) -> None:
    options = SessionOptions(audio="null", sample_rate=16000)
    packaged = resources.files("avatar_player.server").joinpath("default_config.toml")
    config = tmp_path / "server.toml"
    config.write_text(
        re.sub(r"(?m)^idle_timeout_s = \S+", "idle_timeout_s = 0.5", packaged.read_text())
    )
    session = PlayerSession(options, server_args=["--config", str(config)])
    await session.open()
    try:
        connection = []
        session.connection_changed.connect(connection.append)
        assert await session.connect()
        controller = session.controller
        assert controller is not None
        first_token = controller.tokens.token
        await eventually(lambda: controller.connection_state is ConnectionState.FAILED)
        assert controller.connection_error is not None
        assert str(controller.connection_error.code) == "sessionTimeout"
        changes: list[ConversationChange] = []
        session.conversation_changed.connect(changes.append)
        assert await session.play_clip(speech_clip(tmp_path, 0.3))
        await eventually(lambda: bool(changes) and changes[-1].reason is R.PLAYBACK_END)
        assert [c.state for c in connection][-3:] == [
            ConnectionState.FAILED,
            ConnectionState.CONNECTING,
            ConnectionState.CONNECTED,
        ]
        assert controller.tokens.token != first_token
    finally:
        await session.close()


async def test_an_auth_failure_still_waits_for_the_user(tmp_path: Path) -> None:
    async with null_player(app_id="no-such-app") as session:
        assert not await session.connect()
        controller = session.controller
        assert controller is not None and controller.connection_error is not None
        assert str(controller.connection_error.code) == "appIDUnrecognized"
        connection = []
        session.connection_changed.connect(connection.append)
        assert await session.play_clip(speech_clip(tmp_path, 0.3)) is None
        assert connection == [], "no reconnect: the app id is wrong"
        assert session.log.entries[-1].code == "websocketError"
