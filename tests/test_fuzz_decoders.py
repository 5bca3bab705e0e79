"""Property-based fuzzing of every decoder: nothing escapes, bad input gets a stable code."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avatar_player.audio import ClipError, ClipErrorCode, load_clip
from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.client import (
    AnimationReceived,
    ClientConnection,
    ProtocolViolation,
    ServerErrorReceived,
    SessionConfirmed,
)
from avatar_player.protocol.codec import MotionDecodeError, frame_from_pb
from avatar_player.protocol.errors import ErrorCode, ServerFailure
from avatar_player.protocol.flame import KeyframeError, frames_from_keyframes
from avatar_player.protocol.motion import FLAME_CHANNELS, frame_from_channels
from avatar_player.protocol.server import ClientViolation, ServerConnection, ServerState
from avatar_player.server.refusal import Refusal
from avatar_player.server.tokens import TokenAuthority

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLIENT_CODES = {ErrorCode.PROTOCOL_ERROR, ErrorCode.MOTION_DATA_INVALID}
CLIENT_EVENTS = (SessionConfirmed, AnimationReceived, ServerErrorReceived, ProtocolViolation)


def open_client() -> tuple[ClientConnection, ServerConnection]:
    client, server = ClientConnection(16000), ServerConnection("c")
    server.receive(client.configure())
    client.receive(server.confirm())
    return client, server


def valid_animation() -> bytes:
    _, server = open_client()
    frames = [frame_from_channels(i, i * 640, jaw_open=0.1 * i) for i in range(3)]
    return server.animation("r1", frames, end=True)


@FUZZ
@given(st.binary(max_size=512))
def test_client_survives_arbitrary_bytes(data: bytes) -> None:
    client, _ = open_client()
    for event in client.receive(data):
        assert isinstance(event, CLIENT_EVENTS)
        if isinstance(event, ProtocolViolation):
            assert event.code in CLIENT_CODES


@FUZZ
@given(st.data())
def test_client_survives_mutated_animation_messages(data: st.DataObject) -> None:
    message = bytearray(valid_animation())
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(message) - 1))
        message[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(message)))
    client, _ = open_client()
    for event in client.receive(bytes(message[:cut])):
        assert isinstance(event, CLIENT_EVENTS)
        if isinstance(event, AnimationReceived):
            assert all(np.all(np.isfinite(frame.values)) for frame in event.frames)


@FUZZ
@given(st.one_of(st.binary(max_size=512), st.text(max_size=64)))
def test_server_survives_arbitrary_messages(data: bytes | str) -> None:
    server = ServerConnection("c")
    for event in server.receive(data):
        if isinstance(event, ClientViolation):
            assert event.failure in ServerFailure
    assert server.state in ServerState


@FUZZ
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=8),
    st.sampled_from([name for name, _ in FLAME_CHANNELS]),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
)
def test_frame_decoder_accepts_only_whole_finite_frames(
    components: list[float], channel: str, scalar: float
) -> None:
    message = pb.MotionFrame(index=1, sample=640, jaw_open=scalar)
    for name, size in FLAME_CHANNELS:
        getattr(message, name).extend(components if name == channel else [0.0] * size)
    try:
        frame = frame_from_pb(message)
    except MotionDecodeError as exc:
        assert str(exc).startswith("frame 1:")
    else:
        assert np.all(np.isfinite(frame.values))


@FUZZ
@given(st.binary(max_size=2048))
def test_clip_decoder_refuses_garbage_with_a_code(data: bytes) -> None:
    try:
        pcm = load_clip(data, 16000)
    except ClipError as exc:
        assert exc.code in ClipErrorCode
    else:
        assert pcm.dtype == np.int16 and pcm.ndim == 1


@FUZZ
@given(st.data())
def test_clip_decoder_survives_damaged_wav_files(data: st.DataObject) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(800, dtype=np.int16), 8000, format="WAV", subtype="PCM_16")
    wav = bytearray(buffer.getvalue())
    for _ in range(data.draw(st.integers(1, 6))):
        wav[data.draw(st.integers(0, 63))] = data.draw(st.integers(0, 255))
    try:
        load_clip(bytes(wav[: data.draw(st.integers(0, len(wav)))]), 16000)
    except ClipError as exc:
        assert exc.code in ClipErrorCode


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "translation",
                    "rotation",
                    "neckPose",
                    "jawPose",
                    "eyePose",
                    "eyeLid",
                    "expression",
                ]
            ),
            JSON_VALUES,
            max_size=7,
        ),
        max_size=3,
    )
)
def test_keyframe_decoder_refuses_bad_keyframes_with_its_error(keyframes: list[dict]) -> None:
    try:
        frames = frames_from_keyframes(keyframes, 24000)
    except KeyframeError:
        return
    assert len(frames) == len(keyframes)


AUTHORITY = TokenAuthority(b"k" * 32)
GENUINE_TOKEN = AUTHORITY.issue("demo-app", 4_000_000_000)


@FUZZ
@given(st.text(max_size=200))
def test_token_verifier_refuses_garbage(token: str) -> None:
    try:
        AUTHORITY.verify(token, "demo-app", time.time())
    except Refusal as refusal:
        assert refusal.failure in {
            ServerFailure.SESSION_TOKEN_INVALID,
            ServerFailure.SESSION_TOKEN_EXPIRED,
            ServerFailure.APP_ID_MISMATCH,
        }


@FUZZ
@given(st.data())
def test_token_verifier_refuses_every_tampered_token(data: st.DataObject) -> None:
    token = bytearray(GENUINE_TOKEN.encode())
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(b"ABCxyz019-_.").filter(lambda c: c != token[position]))
    token[position] = replacement
    with pytest.raises(Refusal):
        AUTHORITY.verify(token.decode(), "demo-app", time.time())


@pytest.fixture(scope="module")
def console_url() -> Iterator[str]:
    from dataclasses import replace

    from avatar_player.server import EmbeddedServer, load_config

    with EmbeddedServer(replace(load_config(), ws_port=0, http_port=0)) as server:
        yield server.console_url


def post_token_request(url: str, body: bytes) -> tuple[int, object]:
    request = urllib.request.Request(
        f"{url}/session-tokens", data=body, headers={"X-Api-Key": "demo-key"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@settings(max_examples=150, deadline=None)
@given(body=st.one_of(JSON_VALUES.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300)))
def test_token_endpoint_answers_any_body_with_json(console_url: str, body: bytes) -> None:
    status, payload = post_token_request(console_url, body)
    assert isinstance(payload, dict)
    if status == 200:
        assert isinstance(payload["sessionToken"], str)
    else:
        assert status in (400, 413)
        [error] = payload["errors"]
        assert error["status"] == status and error["detail"]
