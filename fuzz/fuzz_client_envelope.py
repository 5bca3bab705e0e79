"""Fuzz target: one envelope message as the player receives it, after the handshake.

Property: `ClientConnection.receive` returns events and never raises; the input is
undecodable (`decode_message` raises DecodeError) exactly when the only event is a
`protocolError` violation; every violation has a stable client code (`protocolError`,
`motionDataInvalid`); animation events carry the message's req_id and end flag and only
whole, finite frames, and each of the message's frames is either delivered or reported;
relayed audio (Custom Mode) is whole s16le samples with a req_id; the same input gives the
same events on a fresh connection.

    python fuzz/fuzz_client_envelope.py -runs=100000
"""

from __future__ import annotations

from fuzz_common import check_frame, fuzz, open_client, seed_animations

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.client import (
    AnimationReceived,
    AudioRelayed,
    ClientConnection,
    ClientEvent,
    ProtocolViolation,
    ServerErrorReceived,
)
from avatar_player.protocol.codec import DecodeError, decode_message, encode
from avatar_player.protocol.constants import FRAME_RATE
from avatar_player.protocol.errors import ErrorCode, ServerFailure
from avatar_player.protocol.motion import frame_from_channels

CLIENT_CODES = frozenset({ErrorCode.PROTOCOL_ERROR, ErrorCode.MOTION_DATA_INVALID})


def outcome(events: list[ClientEvent]) -> list[tuple[str, str]]:
    """What must be stable for an input: each event's type and code."""
    return [(type(event).__name__, str(getattr(event, "code", ""))) for event in events]


def check_client_receive(client: ClientConnection, data: bytes | str) -> list[ClientEvent]:
    """Feed `data` to an open client, check the events against the message; return them."""
    events = client.receive(data)
    try:
        message = decode_message(data)
    except DecodeError:
        assert outcome(events) == [("ProtocolViolation", ErrorCode.PROTOCOL_ERROR)], events
        return events
    assert events, "a decodable message produced no event"
    for event in events:
        match event:
            case ProtocolViolation():
                assert event.code in CLIENT_CODES and event.message, event
            case AnimationReceived():
                check_animation(client, event, message.server_response_animation, events)
            case ServerErrorReceived():
                assert message.type == pb.MESSAGE_SERVER_ERROR, event
                assert event.code in ErrorCode and event.server_code == message.server_error.code
                assert not (event.fatal and event.req_id), event
            case AudioRelayed():
                assert client.relayed_audio and event.req_id and len(event.pcm) % 2 == 0, event
            case _:
                raise AssertionError(f"unexpected event after the handshake: {event!r}")
    return events


def check_animation(
    client: ClientConnection,
    event: AnimationReceived,
    animation: pb.ServerResponseAnimation,
    events: list[ClientEvent],
) -> None:
    """An animation event matches its message; every frame is delivered or reported, or
    a payload stamped for another frame rate or sample rate is refused whole (every motion
    version >= 1 decodes: fields a version adds are ignored, those it lacks are neutral)."""
    assert (event.req_id, event.end) == (animation.req_id, animation.end), event
    assert event.has_motion == (animation.motion_version != 0), event
    for frame in event.frames:
        check_frame(frame)
    reported = sum(
        isinstance(other, ProtocolViolation) and other.code is ErrorCode.MOTION_DATA_INVALID
        for other in events
    )
    stamp = (animation.frame_rate, animation.sample_rate)
    if not event.has_motion:
        assert not event.frames and not reported, events
    elif stamp == (FRAME_RATE, client.sample_rate):
        assert len(event.frames) + reported == len(animation.frames), events
    else:
        assert not event.frames and reported == 1, events


def TestOneInput(data: bytes) -> None:
    for relayed in (False, True):
        events = check_client_receive(open_client(relayed_audio=relayed)[0], data)
        again = open_client(relayed_audio=relayed)[0].receive(data)
        assert outcome(again) == outcome(events), (events, again)


def seeds() -> list[bytes]:
    """Messages a server sends (made by the project's encoders), plus a few bad ones."""
    _, server = open_client()
    clean, *damaged = seed_animations()
    public_only = encode(
        pb.MESSAGE_SERVER_RESPONSE_ANIMATION,
        server_response_animation=pb.ServerResponseAnimation(req_id="r1", end=True),
    )
    relayed = encode(
        pb.MESSAGE_CLIENT_AUDIO_INPUT,
        client_audio_input=pb.ClientAudioInput(req_id="r2", audio=b"\x01\x00" * 8, end=True),
    )
    confirm = encode(
        pb.MESSAGE_SERVER_CONFIRM_SESSION,
        server_confirm_session=pb.ServerConfirmSession(connection_id="again"),
    )
    return [
        clean,
        *damaged,
        server.animation("r1", [], end=True),
        open_client(24000)[1].animation("r3", [frame_from_channels(0, 0)], end=True),
        public_only,
        relayed,
        server.error(ServerFailure.INVALID_AUDIO_INPUT, "odd bytes", req_id="r1"),
        server.error(ServerFailure.SESSION_TOKEN_EXPIRED),
        confirm,
        b"",
        b"\x08\x63",
    ]


if __name__ == "__main__":
    fuzz(TestOneInput, "client_envelope")
