"""Byte-level tests of the envelope and the motion payload codec."""

from __future__ import annotations

import math

import numpy as np
import pytest

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.codec import (
    DecodeError,
    MotionDecodeError,
    decode_message,
    encode,
    frame_from_pb,
    frame_to_pb,
)
from avatar_player.protocol.motion import LAYOUT, VECTOR_SIZE, MotionFrame, frame_from_channels


def test_configure_bytes_follow_the_public_field_numbers() -> None:
    data = encode(
        pb.MESSAGE_CLIENT_CONFIGURE_SESSION,
        client_configure_session=pb.ClientConfigureSession(sample_rate=16000),
    )
    # type=1 (field 1 varint 1), client_configure_session (field 2, 3 bytes): sample_rate=16000
    assert data == b"\x08\x01\x12\x03\x08\x80\x7d"


def test_audio_bytes_follow_the_public_field_numbers() -> None:
    data = encode(
        pb.MESSAGE_CLIENT_AUDIO_INPUT,
        client_audio_input=pb.ClientAudioInput(req_id="r", end=True, audio=b"\x01\x02"),
    )
    assert data == b"\x08\x03\x22\x09\x0a\x01r\x10\x01\x1a\x02\x01\x02"


def test_interrupt_uses_field_8() -> None:
    data = encode(pb.MESSAGE_CLIENT_INTERRUPT, client_interrupt=pb.ClientInterrupt(req_id="r"))
    assert data == b"\x08\x07\x42\x03\x0a\x01r"


def test_encode_refuses_a_payload_of_another_type() -> None:
    with pytest.raises(ValueError, match="not the payload"):
        encode(pb.MESSAGE_CLIENT_INTERRUPT, client_audio_input=pb.ClientAudioInput())


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("text", "text frames"),
        (b"\xff\xff\xff", "malformed protobuf"),
        (b"\x08\x09", "unknown message type 9"),
        (b"\x08\x03", "carries no payload"),
        (b"\x08\x01\x42\x00", "carries client_interrupt"),
    ],
)
def test_decode_message_rejects_bad_input(data: bytes | str, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        decode_message(data)


def test_frame_round_trip_is_exact_for_float32() -> None:
    values = np.random.default_rng(1).normal(size=VECTOR_SIZE).astype(np.float32)
    frame = MotionFrame(7, 7 * 640, values)
    assert frame_from_pb(frame_to_pb(frame)) == frame


def test_frame_from_channels_sets_named_channels_only() -> None:
    frame = frame_from_channels(0, 0, jaw_open=0.5, eye_lid=[1.0, 0.25])
    assert frame.scalar("jaw_open") == 0.5
    assert frame.channel("eye_lid").tolist() == [1.0, 0.25]
    untouched = np.delete(frame.values, [LAYOUT["jaw_open"].start, *range(18, 20)])
    assert not untouched.any()


def test_truncated_frame_is_a_motion_decode_error() -> None:
    message = frame_to_pb(frame_from_channels(3, 1920))
    del message.jaw_pose[1:]
    with pytest.raises(MotionDecodeError, match="frame 3: jaw_pose has 1 of 3 values"):
        frame_from_pb(message)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_frame_is_a_motion_decode_error(bad: float) -> None:
    message = frame_to_pb(frame_from_channels(4, 2560))
    message.mouth_round = bad
    with pytest.raises(MotionDecodeError, match="non-finite values in mouth_round"):
        frame_from_pb(message)


def test_motion_fields_are_invisible_to_the_public_part_of_the_schema() -> None:
    """Motion lives in fields >= 10 of ServerResponseAnimation."""
    numbers = {f.name: f.number for f in pb.ServerResponseAnimation.DESCRIPTOR.fields}
    public = {"connection_id": 1, "req_id": 2, "end": 3}
    assert {name: numbers[name] for name in public} == public
    assert all(number >= 10 for name, number in numbers.items() if name not in public)
