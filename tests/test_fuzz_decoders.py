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
from fuzz_client_envelope import check_client_receive
from fuzz_clip import check_clip_result
from fuzz_common import open_client, seed_animations
from fuzz_keyframes import SAMPLE_RATE, check_keyframe_frames
from fuzz_motion_frames import check_frame_decoding
from fuzz_server_envelope import check_server_receive
from fuzz_session_token import check_token_verdict
from fuzz_token_request import check_token_endpoint_answer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avatar_player.audio import load_clip
from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.flame import KeyframeError, frames_from_keyframes
from avatar_player.protocol.motion import FLAME_CHANNELS
from avatar_player.protocol.server import ServerConnection
from avatar_player.server.refusal import Refusal
from avatar_player.server.tokens import TokenAuthority

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=512))
def test_client_survives_arbitrary_bytes(data: bytes) -> None:
    client, _ = open_client()
    check_client_receive(client, data)


@FUZZ
@given(st.data())
def test_client_survives_mutated_animation_messages(data: st.DataObject) -> None:
    message = bytearray(seed_animations()[0])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(message) - 1))
        message[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(message)))
    client, _ = open_client()
    check_client_receive(client, bytes(message[:cut]))


@FUZZ
@given(st.one_of(st.binary(max_size=512), st.text(max_size=64)))
def test_server_survives_arbitrary_messages(data: bytes | str) -> None:
    check_server_receive(ServerConnection("c"), data)


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
    check_frame_decoding(message)


@FUZZ
@given(st.binary(max_size=2048))
def test_clip_decoder_refuses_garbage_with_a_code(data: bytes) -> None:
    check_clip_result(lambda: load_clip(data, 16000))


@FUZZ
@given(st.data())
def test_clip_decoder_survives_damaged_wav_files(data: st.DataObject) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(800, dtype=np.int16), 8000, format="WAV", subtype="PCM_16")
    wav = bytearray(buffer.getvalue())
    for _ in range(data.draw(st.integers(1, 6))):
        wav[data.draw(st.integers(0, 63))] = data.draw(st.integers(0, 255))
    damaged = bytes(wav[: data.draw(st.integers(0, len(wav)))])
    check_clip_result(lambda: load_clip(damaged, 16000))


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
        frames = frames_from_keyframes(keyframes, SAMPLE_RATE)
    except KeyframeError:
        return
    check_keyframe_frames(frames, keyframes)


AUTHORITY = TokenAuthority(b"k" * 32)
GENUINE_TOKEN = AUTHORITY.issue("demo-app", 4_000_000_000)


@FUZZ
@given(st.text(max_size=200))
def test_token_verifier_refuses_garbage(token: str) -> None:
    assert isinstance(check_token_verdict(AUTHORITY, token, time.time()), Refusal)


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
    check_token_endpoint_answer(*post_token_request(console_url, body))
