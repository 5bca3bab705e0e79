"""Fuzz target: the motion payload, a ServerResponseAnimation (fields >= 10: the frames).

Each frame goes through `codec.frame_from_pb`; then the payload, stamped for the session
(motion version, frame rate, sample rate), travels in an envelope to an open client.

Property: a frame decodes to a finite float32 vector of the full layout with its index and
sample, which encodes and decodes back to the same values, or is refused with
MotionDecodeError naming the frame; a frame with a channel of the wrong size is always
refused, one with whole channels of finite float32-range numbers always decodes; the client
delivers exactly the frames that decode on their own and reports each other one as
`motionDataInvalid` (`fuzz_client_envelope.check_client_receive`).

    python fuzz/fuzz_motion_frames.py -runs=100000
"""

from __future__ import annotations

import math

import numpy as np
from fuzz_client_envelope import check_client_receive
from fuzz_common import check_frame, fuzz, open_client, seed_animations
from google.protobuf.message import DecodeError

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.client import AnimationReceived
from avatar_player.protocol.codec import DecodeError as CodecDecodeError
from avatar_player.protocol.codec import (
    MotionDecodeError,
    decode_message,
    encode,
    frame_from_pb,
    frame_to_pb,
)
from avatar_player.protocol.constants import FRAME_RATE, MOTION_VERSION
from avatar_player.protocol.motion import FLAME_CHANNELS, SEMANTIC_CHANNELS, MotionFrame

FLOAT32_MAX = float(np.finfo(np.float32).max)
SESSION_RATE = 16000


def check_frame_decoding(raw: pb.MotionFrame) -> MotionFrame | None:
    """Decode one protobuf frame and check the result; the frame, or None if refused."""
    whole = all(len(getattr(raw, name)) == size for name, size in FLAME_CHANNELS)
    numbers = [v for name, _ in FLAME_CHANNELS for v in getattr(raw, name)]
    numbers += [getattr(raw, name) for name in SEMANTIC_CHANNELS]
    representable = all(math.isfinite(v) and abs(v) <= FLOAT32_MAX for v in numbers)
    try:
        frame = frame_from_pb(raw)
    except MotionDecodeError as exc:
        assert str(exc).startswith(f"frame {raw.index}: "), exc
        assert not (whole and representable), f"a whole, finite frame was refused: {exc}"
        return None
    assert whole, "a frame with a channel of the wrong size decoded"
    check_frame(frame)
    assert (frame.index, frame.sample) == (raw.index, raw.sample), frame
    assert np.array_equal(frame_from_pb(frame_to_pb(frame)).values, frame.values)
    return frame


def TestOneInput(data: bytes) -> None:
    try:
        animation = pb.ServerResponseAnimation.FromString(data)
    except DecodeError:
        return  # not a payload at all: the envelope targets cover undecodable bytes
    decoded = [check_frame_decoding(raw) for raw in animation.frames]
    animation.motion_version, animation.frame_rate = MOTION_VERSION, FRAME_RATE
    animation.sample_rate = SESSION_RATE
    client, _ = open_client(SESSION_RATE)
    message = encode(pb.MESSAGE_SERVER_RESPONSE_ANIMATION, server_response_animation=animation)
    events = check_client_receive(client, message)
    [received] = [event for event in events if isinstance(event, AnimationReceived)]
    expected = [frame for frame in decoded if frame is not None]
    assert len(received.frames) == len(expected), (received, expected)
    for got, want in zip(received.frames, expected, strict=True):
        assert got.index == want.index and np.array_equal(got.values, want.values)


def seeds() -> list[bytes]:
    """The payloads of the server's animation messages, clean and fault-injected."""
    payloads = []
    for message in seed_animations():
        try:
            payloads.append(decode_message(message).server_response_animation)
        except CodecDecodeError:  # the garbled one (cut in half)
            continue
    return [payload.SerializeToString() for payload in payloads]


if __name__ == "__main__":
    fuzz(TestOneInput, "motion_frames")
