"""Motion payload versions: players read every motion_version from 1 on.

The v1 and v3 schemas are built here from the current one (fields 17-20 of MotionFrame
removed, or unknown fields added), so an older and a newer peer speak real protobuf.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.client import AnimationReceived, ClientConnection
from avatar_player.protocol.constants import MOTION_VERSION
from avatar_player.protocol.motion import LAYOUT, SEMANTIC_CHANNELS, frame_from_channels
from avatar_player.protocol.server import ServerConnection

V2_CHANNELS = ("lips_press", "lip_funnel", "lip_tuck", "tongue_up")
V1_CHANNELS = tuple(name for name in SEMANTIC_CHANNELS if name not in V2_CHANNELS)
FRAME_VALUES = {
    "jaw_open": 0.4,
    "mouth_round": 0.2,
    "lips_press": 0.9,
    "lip_funnel": 0.5,
    "lip_tuck": 0.7,
    "tongue_up": 0.3,
    "brow_up": -0.2,
}


def schema(version: int) -> dict[str, Any]:
    """Message classes of the payload schema `version` (1: before the articulation
    channels; 3: the current one plus fields this player does not know)."""
    file = descriptor_pb2.FileDescriptorProto()
    pb.DESCRIPTOR.CopyToProto(file)
    file.name = f"message_v{version}.proto"
    frame = next(m for m in file.message_type if m.name == "MotionFrame")
    if version == 1:
        kept = [f for f in frame.field if f.number < 17]
        del frame.field[:]
        frame.field.extend(kept)
    if version == 3:
        frame.field.add(
            name="cheek_puff",
            number=21,
            type=descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT,
            label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
        )
        animation = next(m for m in file.message_type if m.name == "ServerResponseAnimation")
        animation.field.add(
            name="emotion",
            number=14,
            type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
            label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
        )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    found = pool.FindFileByName(file.name)
    return {
        name: message_factory.GetMessageClass(found.message_types_by_name[name])
        for name in ("Message", "MotionFrame", "ServerResponseAnimation")
    }


def open_client(rate: int = 16000) -> tuple[ClientConnection, ServerConnection]:
    client, server = ClientConnection(rate), ServerConnection("c")
    server.receive(client.configure())
    client.receive(server.confirm())
    return client, server


def test_an_older_player_reads_current_frames_without_the_new_channels() -> None:
    _, server = open_client()
    data = server.animation("r1", [frame_from_channels(0, 0, **FRAME_VALUES)], end=True)
    v1 = schema(1)
    message = v1["Message"]()
    message.ParseFromString(data)
    animation = message.server_response_animation
    assert animation.motion_version == MOTION_VERSION
    [frame] = animation.frames
    for name in V1_CHANNELS:
        assert getattr(frame, name) == pytest.approx(FRAME_VALUES.get(name, 0.0))
    assert all(not hasattr(frame, name) for name in V2_CHANNELS)
    forwarded = pb.MotionFrame.FromString(frame.SerializeToString())  # kept, unread
    assert forwarded.lips_press == pytest.approx(FRAME_VALUES["lips_press"])


def test_version_1_frames_decode_with_the_new_channels_at_zero() -> None:
    client, _ = open_client()
    v1 = schema(1)
    frame = v1["MotionFrame"](index=0, sample=0, jaw_open=0.4, mouth_round=0.2)
    for name, size in (
        ("translation", 3),
        ("rotation", 3),
        ("neck_pose", 3),
        ("jaw_pose", 3),
        ("eye_pose", 6),
        ("eye_lid", 2),
    ):
        getattr(frame, name).extend([0.0] * size)
    animation = v1["ServerResponseAnimation"](
        req_id="r1", end=True, motion_version=1, frame_rate=25, sample_rate=16000, frames=[frame]
    )
    message = v1["Message"](
        type=pb.MESSAGE_SERVER_RESPONSE_ANIMATION, server_response_animation=animation
    )
    [event] = client.receive(message.SerializeToString())
    assert isinstance(event, AnimationReceived) and event.has_motion
    [decoded] = event.frames
    assert decoded.scalar("jaw_open") == pytest.approx(0.4)
    assert all(decoded.scalar(name) == 0.0 for name in V2_CHANNELS)


def test_a_newer_payload_decodes_with_its_unknown_fields_ignored() -> None:
    client, server = open_client()
    expected = frame_from_channels(0, 0, **FRAME_VALUES)
    v3 = schema(3)
    message = v3["Message"]()
    message.ParseFromString(server.animation("r1", [expected], end=True))
    animation = message.server_response_animation
    animation.motion_version = MOTION_VERSION + 1
    animation.emotion = "joy"
    animation.frames[0].cheek_puff = 0.8
    [event] = client.receive(message.SerializeToString())
    assert event == AnimationReceived("r1", (expected,), True, has_motion=True)
    assert np.array_equal(event.frames[0].values[LAYOUT["lips_press"]], [np.float32(0.9)])


def test_version_0_still_means_no_motion() -> None:
    client, server = open_client()
    message = pb.Message()
    message.ParseFromString(server.animation("r1", [frame_from_channels(0, 0)], end=True))
    message.server_response_animation.motion_version = 0
    [event] = client.receive(message.SerializeToString())
    assert event == AnimationReceived("r1", (), True, has_motion=False)
