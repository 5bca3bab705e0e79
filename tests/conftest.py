"""Shared fixtures: real Motion Servers on free loopback ports, speech clips."""

from __future__ import annotations

import os

# One GL platform for the whole test process, set before anything imports OpenGL:
# EGL works headless (surfaceless) for the renderer and under Xvfb for Qt.
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
import soundfile as sf
from yarl import URL

from avatar_player.avatar.model import Avatar
from avatar_player.client import MotionSession, open_session
from avatar_player.models.player_session import PlayerSession, SessionOptions
from avatar_player.protocol.client import AnimationReceived
from avatar_player.protocol.motion import MotionFrame
from avatar_player.render.offscreen import OffscreenContext, OffscreenUnavailable
from avatar_player.server import MotionServer, ServerConfig, load_config
from avatar_player.server.config import AppConfig

pytest_plugins = ("window_harness",)  # the window fixture (Xvfb, qasync) for the UI tests

ROOT = Path(__file__).resolve().parents[1]
CLIPS = ROOT / "resources" / "clips"
SHARED = ROOT.parent / "shared"

APP_ID = "demo-app"
API_KEY = "demo-key"
AVATAR_ID = "demo-avatar"


FACE_DEPTH = 0.03
"""Splats behind this z (the back of the head) are left out by `front_of`: what shows
through the face is the background."""


def front_of(avatar: Avatar, parts: tuple[str, ...]) -> Avatar:
    """`avatar` with every splat but the front (z >= FACE_DEPTH) of `parts` transparent."""
    spans = avatar.part_ranges()
    opacity = np.zeros(avatar.info.splat_count)
    for part in parts:
        opacity[spans[part]] = avatar.splats.opacity[spans[part]]
    opacity[avatar.splats.centre[:, 2] < FACE_DEPTH] = 0.0
    return Avatar(avatar.info, replace(avatar.splats, opacity=opacity), avatar.blendshapes)


def offscreen_context(width: int, height: int) -> OffscreenContext:
    """A headless OpenGL context of `width` x `height`; skips the test where none can be
    made."""
    try:
        return OffscreenContext(width, height)
    except OffscreenUnavailable as error:
        pytest.skip(f"no OpenGL context here: {error}")


def speech(name: str = "hello_16k") -> tuple[np.ndarray, int]:
    """A bundled speech clip as int16 samples and its rate."""
    pcm, rate = sf.read(CLIPS / f"{name}.wav", dtype="int16")
    return pcm, rate


def speech_clip(tmp_path: Path, seconds: float) -> Path:
    """The first `seconds` of the bundled hello_16k clip as a WAV file in `tmp_path`."""
    pcm, rate = speech("hello_16k")
    path = tmp_path / f"hello_{seconds:g}s.wav"
    sf.write(path, pcm[: round(rate * seconds)], rate)
    return path


@contextlib.asynccontextmanager
async def null_player(**options: Any) -> AsyncIterator[PlayerSession]:
    """An open PlayerSession on the paced null sink at 16 kHz (the embedded server unless
    `options` say otherwise), closed after."""
    session = PlayerSession(SessionOptions(**{"audio": "null", "sample_rate": 16000} | options))
    await session.open()
    try:
        yield session
    finally:
        await session.close()


@contextlib.asynccontextmanager
async def render_loop(
    session: PlayerSession, period_s: float = 0.04, present_after_s: float = 0.005
) -> AsyncIterator[list[np.ndarray]]:
    """Render like the app: take the pose, present the frame `present_after_s` later
    (`report_frame`), every `period_s`; yields every pose shown."""
    shown: list[np.ndarray] = []

    async def loop() -> None:
        while True:
            shown.append(session.pose())
            await asyncio.sleep(present_after_s)
            session.report_frame()
            await asyncio.sleep(period_s - present_after_s)

    task = asyncio.create_task(loop())
    try:
        yield shown
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_config(**changes: Any) -> ServerConfig:
    """The default config on free ports, with `limits`/`apps`/`faults` overrides."""
    config = replace(load_config(), ws_port=0, http_port=0)
    limits = {k: changes.pop(k) for k in list(changes) if hasattr(config.limits, k)}
    config = replace(config, limits=replace(config.limits, **limits), **changes)
    return config


def default_apps() -> tuple[AppConfig, ...]:
    """The apps of the packaged config (to keep them next to a `second_app()`)."""
    return load_config().apps


def second_app(**overrides: Any) -> AppConfig:
    """Another configured app (for cross-app and quota tests)."""
    values = {
        "app_id": "other-app",
        "api_key": "other-key",
        "balance_s": 100.0,
        "max_concurrent_sessions": 1,
    }
    return AppConfig(**(values | overrides))


@pytest.fixture
async def server_factory() -> AsyncIterator[Callable[..., Awaitable[MotionServer]]]:
    """Start servers with config overrides; all are stopped after the test."""
    servers: list[MotionServer] = []

    async def start(**changes: Any) -> MotionServer:
        server = MotionServer(test_config(**changes))
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def server(server_factory: Callable[..., Awaitable[MotionServer]]) -> MotionServer:
    """A Motion Server with the default demo config."""
    return await server_factory()


async def connect(server: MotionServer, rate: int = 16000, **kwargs: Any) -> MotionSession:
    """An open session on `server` for the demo app and avatar."""
    options = {"app_id": APP_ID, "avatar_id": AVATAR_ID, "sample_rate": rate} | kwargs
    token = options.pop("token", None) or server.issue_token(options["app_id"])
    return await open_session(server.ws_url, token=token, **options)


async def send_clip(session: MotionSession, req_id: str, pcm: np.ndarray, chunk: int) -> None:
    """Send `pcm` in chunks of `chunk` samples, the last one with end=true."""
    for start in range(0, len(pcm), chunk):
        last = start + chunk >= len(pcm)
        await session.send_audio(req_id, pcm[start : start + chunk].tobytes(), end=last)


async def collect_response(session: MotionSession, req_id: str) -> list[MotionFrame]:
    """Frames of `req_id` until its end=true message (fails on anything else)."""
    frames: list[MotionFrame] = []
    while True:
        event = await session.receive()
        assert isinstance(event, AnimationReceived), event
        assert event.req_id == req_id
        frames += event.frames
        if event.end:
            return frames


async def eventually(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Wait until `condition()` holds (server-side bookkeeping runs after a close)."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.01)


ASSET = "avatar.npz"


def write_avatar(
    root: Path, avatar_id: str = AVATAR_ID, size: int = 100_000, version: int = 1
) -> bytes:
    """An avatar directory: metadata.json and one asset of `size` random bytes."""
    directory = root / avatar_id
    directory.mkdir(parents=True, exist_ok=True)
    data = os.urandom(size)
    (directory / ASSET).write_bytes(data)
    metadata = {
        "id": avatar_id,
        "name": "from metadata.json",
        "version": version,
        "splat_count": 1234,
        "blendshapes": ["jaw_open", "blink_left"],
    }
    (directory / "metadata.json").write_text(json.dumps(metadata))
    return data


async def get(server: MotionServer, path: str, **headers: str) -> tuple[int, bytes, Any]:
    """Status, body and headers of `GET {console}{path}` (the path sent as is)."""
    url = URL(server.console_url + path, encoded=True)
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as reply:
        return reply.status, await reply.read(), reply.headers
