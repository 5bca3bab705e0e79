"""Encoding and decoding of envelope messages and the motion payload.

Pure functions over bytes: no I/O. Decoding never lets a protobuf exception escape;
it raises `DecodeError` (envelope) or `MotionDecodeError` (motion payload) with a
message that says what was wrong.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from google.protobuf.message import DecodeError as _ProtobufDecodeError

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.constants import FRAME_RATE, MOTION_VERSION
from avatar_player.protocol.motion import (
    FLAME_CHANNELS,
    LAYOUT,
    SEMANTIC_CHANNELS,
    VECTOR_SIZE,
    MotionFrame,
)

MessageType = pb.MessageType

# Which oneof field each message type must carry.
_PAYLOAD_FIELD: dict[int, str] = {
    pb.MESSAGE_CLIENT_CONFIGURE_SESSION: "client_configure_session",
    pb.MESSAGE_SERVER_CONFIRM_SESSION: "server_confirm_session",
    pb.MESSAGE_CLIENT_AUDIO_INPUT: "client_audio_input",
    pb.MESSAGE_SERVER_ERROR: "server_error",
    pb.MESSAGE_SERVER_RESPONSE_ANIMATION: "server_response_animation",
    pb.MESSAGE_CLIENT_INTERRUPT: "client_interrupt",
}


class DecodeError(ValueError):
    """An envelope message could not be parsed or is inconsistent."""


class MotionDecodeError(ValueError):
    """A motion frame is truncated, malformed or carries non-finite values."""


def decode_message(data: bytes | str) -> pb.Message:
    """Parse one WebSocket message; checks the type matches the payload."""
    if isinstance(data, str):
        raise DecodeError("text frames are not allowed; messages are binary protobuf")
    message = pb.Message()
    try:
        message.ParseFromString(data)
    except (_ProtobufDecodeError, RuntimeError, ValueError) as exc:
        raise DecodeError(f"malformed protobuf message ({len(data)} bytes): {exc}") from None
    expected = _PAYLOAD_FIELD.get(message.type)
    if expected is None:
        raise DecodeError(f"unknown message type {message.type}")
    present = message.WhichOneof("data")
    if present != expected:
        raise DecodeError(
            f"message type {pb.MessageType.Name(message.type)} carries {present or 'no payload'}"
        )
    return message


def encode(message_type: int, **payload: object) -> bytes:
    """Serialise a Message of `message_type` with its oneof payload given by keyword."""
    (field_name, value), *rest = payload.items()
    if rest or _PAYLOAD_FIELD[message_type] != field_name:
        raise ValueError(f"{field_name} is not the payload of message type {message_type}")
    message = pb.Message(type=message_type)
    getattr(message, field_name).CopyFrom(value)
    return message.SerializeToString()


def frame_to_pb(frame: MotionFrame) -> pb.MotionFrame:
    """Protobuf form of one frame."""
    out = pb.MotionFrame(index=frame.index, sample=frame.sample)
    values = frame.values
    for name, _size in FLAME_CHANNELS:
        getattr(out, name).extend(values[LAYOUT[name]].tolist())
    for name in SEMANTIC_CHANNELS:
        setattr(out, name, float(values[LAYOUT[name]][0]))
    return out


def frame_from_pb(message: pb.MotionFrame) -> MotionFrame:
    """Validate and convert one protobuf frame."""
    values = np.empty(VECTOR_SIZE, dtype=np.float32)
    for name, size in FLAME_CHANNELS:
        components = getattr(message, name)
        if len(components) != size:
            raise MotionDecodeError(
                f"frame {message.index}: {name} has {len(components)} of {size} values"
            )
        values[LAYOUT[name]] = components
    for name in SEMANTIC_CHANNELS:
        values[LAYOUT[name]] = getattr(message, name)
    if not np.all(np.isfinite(values)):
        bad = [name for name, sl in LAYOUT.items() if not np.all(np.isfinite(values[sl]))]
        raise MotionDecodeError(f"frame {message.index}: non-finite values in {', '.join(bad)}")
    return MotionFrame(message.index, message.sample, values)


def animation_payload(
    connection_id: str,
    req_id: str,
    frames: Iterable[MotionFrame],
    *,
    end: bool,
    sample_rate: int,
) -> pb.ServerResponseAnimation:
    """A ServerResponseAnimation carrying `frames` in the motion payload fields."""
    return pb.ServerResponseAnimation(
        connection_id=connection_id,
        req_id=req_id,
        end=end,
        motion_version=MOTION_VERSION,
        frame_rate=FRAME_RATE,
        sample_rate=sample_rate,
        frames=[frame_to_pb(frame) for frame in frames],
    )
