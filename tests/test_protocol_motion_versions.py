"""Motion payload versions: players read every motion_version from 1 on.

The older schemas (1: before the articulation channels, 2: before the expressions) are
built here from the current one by removing the MotionFrame fields added later, and a newer
one by adding fields this player does not know, so older and newer peers speak real
protobuf.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.client import AnimationReceived, ClientConnection
from avatar_player.protocol.constants import MOTION_VERSION
from avatar_player.protocol.motion import (
    EXPRESSION_CHANNELS,
    FLAME_CHANNELS,
    LAYOUT,
    SEMANTIC_CHANNELS,
    frame_from_channels,
)
from avatar_player.protocol.server import ServerConnection

ADDED: dict[int, tuple[str, ...]] = {
    2: ("lips_press", "lip_funnel", "lip_tuck", "tongue_up"),
    3: EXPRESSION_CHANNELS,
}
"""The semantic channels each motion_version added."""
OLDER_VERSIONS = tuple(range(1, MOTION_VERSION))
FRAME_VALUES = {
    "jaw_open": 0.4,
    "mouth_round": 0.2,
    "lips_press": 0.9,
    "lip_funnel": 0.5,
    "lip_tuck": 0.7,
    "tongue_up": 0.3,
    "brow_up": -0.2,
    "smile": 0.25,
    "brow_furrow": 0.6,
    "squint": 0.15,
}


def unknown_to(version: int) -> tuple[str, ...]:
    """The semantic channels a player of `version` does not know."""
    return tuple(name for added, names in ADDED.items() if added > version for name in names)


def schema(version: int) -> dict[str, Any]:
    """Message classes of the payload schema `version`: an older one without the channels
    added since, or (MOTION_VERSION + 1) the current one plus fields this player lacks."""
    file = descriptor_pb2.FileDescriptorProto()
    pb.DESCRIPTOR.CopyToProto(file)
    file.name = f"message_v{version}.proto"
    frame = next(m for m in file.message_type if m.name == "MotionFrame")
    kept = [f for f in frame.field if f.name not in unknown_to(version)]
    del frame.field[:]
    frame.field.extend(kept)
    if version > MOTION_VERSION:
        frame.field.add(
            name="cheek_puff",
            number=max(f.number for f in kept) + 1,
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


@pytest.mark.parametrize("version", OLDER_VERSIONS)
def test_each_version_appended_its_channels(version: int) -> None:
    unknown = unknown_to(version)
    assert SEMANTIC_CHANNELS[-len(unknown) :] == unknown
    assert unknown_to(MOTION_VERSION) == ()


@pytest.mark.parametrize("version", OLDER_VERSIONS)
def test_an_older_player_reads_current_frames_without_the_new_channels(version: int) -> None:
    _, server = open_client()
    data = server.animation("r1", [frame_from_channels(0, 0, **FRAME_VALUES)], end=True)
    older = schema(version)
    message = older["Message"]()
    message.ParseFromString(data)
    animation = message.server_response_animation
    assert animation.motion_version == MOTION_VERSION
    [frame] = animation.frames
    for name in SEMANTIC_CHANNELS:
        if name in unknown_to(version):
            assert not hasattr(frame, name)
        else:
            assert getattr(frame, name) == pytest.approx(FRAME_VALUES.get(name, 0.0))
    forwarded = pb.MotionFrame.FromString(frame.SerializeToString())  # kept, unread
    for name in unknown_to(version):
        assert getattr(forwarded, name) == pytest.approx(FRAME_VALUES.get(name, 0.0))


@pytest.mark.parametrize("version", OLDER_VERSIONS)
def test_older_frames_decode_with_the_new_channels_at_zero(version: int) -> None:
    client, _ = open_client()
    older = schema(version)
    known = {k: v for k, v in FRAME_VALUES.items() if k not in unknown_to(version)}
    frame = older["MotionFrame"](index=0, sample=0, **known)
    for name, size in FLAME_CHANNELS:
        getattr(frame, name).extend([0.0] * size)
    animation = older["ServerResponseAnimation"](
        req_id="r1",
        end=True,
        motion_version=version,
        frame_rate=25,
        sample_rate=16000,
        frames=[frame],
    )
    message = older["Message"](
        type=pb.MESSAGE_SERVER_RESPONSE_ANIMATION, server_response_animation=animation
    )
    [event] = client.receive(message.SerializeToString())
    assert isinstance(event, AnimationReceived) and event.has_motion
    [decoded] = event.frames
    assert decoded == frame_from_channels(0, 0, **known)
    assert all(decoded.scalar(name) == 0.0 for name in unknown_to(version))


def test_a_newer_payload_decodes_with_its_unknown_fields_ignored() -> None:
    client, server = open_client()
    expected = frame_from_channels(0, 0, **FRAME_VALUES)
    newer = schema(MOTION_VERSION + 1)
    message = newer["Message"]()
    message.ParseFromString(server.animation("r1", [expected], end=True))
    animation = message.server_response_animation
    animation.motion_version = MOTION_VERSION + 1
    animation.emotion = "joy"
    animation.frames[0].cheek_puff = 0.8
    [event] = client.receive(message.SerializeToString())
    assert event == AnimationReceived("r1", (expected,), True, has_motion=True)
    assert np.array_equal(event.frames[0].values[LAYOUT["smile"]], [np.float32(0.25)])


def test_version_0_still_means_no_motion() -> None:
    client, server = open_client()
    message = pb.Message()
    message.ParseFromString(server.animation("r1", [frame_from_channels(0, 0)], end=True))
    message.server_response_animation.motion_version = 0
    [event] = client.receive(message.SerializeToString())
    assert event == AnimationReceived("r1", (), True, has_motion=False)
