"""Credentials never leave the place they are used: not into Python logs, the error log (as
shown, copied or exported), session recordings or QA reports, whatever goes wrong."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest
from conftest import API_KEY, eventually, null_player

from avatar_player.client import fetch_session_token
from avatar_player.models.error_log import to_json_lines
from avatar_player.models.player_session import PlayerSession
from avatar_player.player import ConnectionState
from avatar_player.player.recording import load_recording

WRONG_KEY = "sk-live-0123456789abcdef"


def everything_written(session: PlayerSession, recording: Path, logs: str) -> str:
    """All text the player wrote: Python logs, the error log export, the recording."""
    entries = session.log.entries
    shown = " ".join(f"{e.code} {e.phase} {e.message}" for e in entries)
    return "\n".join(
        [logs, to_json_lines(entries), shown, gzip.decompress(recording.read_bytes()).decode()]
    )


async def test_a_refused_api_key_is_reported_but_never_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with null_player(api_key=WRONG_KEY) as session:
        recording = tmp_path / "refused.avrec"
        assert session.start_recording(recording)
        assert not await session.connect()
        session.stop_recording()
        [entry] = session.log.entries
        assert (entry.code, entry.phase) == ("appIDUnrecognized", "session_token")
        assert "invalid api key" in entry.message
        assert load_recording(recording).of_type("error")[0]["error"]["http_status"] == 401
        assert WRONG_KEY not in everything_written(session, recording, caplog.text)


async def test_an_expired_pasted_token_is_reported_but_never_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A token pasted by hand (no API key): it expires while connected (4010), the player
    shows sessionTokenExpired and cannot refresh; neither the token nor the key is written."""
    caplog.set_level(logging.DEBUG)
    async with null_player(api_key="") as session:
        assert session.server is not None
        token = await fetch_session_token(session.console_url, "demo-key", ttl_s=1.0)
        recording = tmp_path / "expired.avrec"
        assert session.start_recording(recording)
        session.controller.set_session_token(token)
        assert await session.connect()
        await eventually(lambda: session.controller.connection_state is ConnectionState.FAILED, 5.0)
        session.stop_recording()
        assert [e.code for e in session.log.entries] == ["sessionTokenExpired"]
        assert session.log.entries[0].close_code == 4010
        written = everything_written(session, recording, caplog.text)
        assert token not in written
        assert token.split(".")[2] not in written, "not even the signature"
        assert API_KEY not in written
