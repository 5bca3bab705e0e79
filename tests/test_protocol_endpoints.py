"""Sans-I/O endpoint tests: the client and server cores exchange bytes directly."""

from __future__ import annotations

import numpy as np
import pytest

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.client import (
    AnimationReceived,
    ClientConnection,
    ClientState,
    ProtocolViolation,
    ServerErrorReceived,
    SessionConfirmed,
    new_request_id,
)
from avatar_player.protocol.codec import encode
from avatar_player.protocol.errors import ErrorCode, ServerFailure
from avatar_player.protocol.motion import frame_from_channels
from avatar_player.protocol.server import (
    AudioReceived,
    ClientViolation,
    InterruptRequested,
    ResponseSuperseded,
    ServerConnection,
    ServerState,
    SessionConfigured,
)


def open_pair(rate: int = 16000) -> tuple[ClientConnection, ServerConnection]:
    client, server = ClientConnection(rate), ServerConnection("conn-1")
    assert server.receive(client.configure()) == [SessionConfigured(rate)]
    assert client.receive(server.confirm()) == [SessionConfirmed("conn-1")]
    return client, server


def test_handshake_opens_both_sides() -> None:
    client, server = open_pair()
    assert client.state is ClientState.OPEN
    assert server.state is ServerState.OPEN
    assert server.sample_rate == 16000


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 24000, 32000, 44100, 48000])
def test_every_supported_rate_configures(rate: int) -> None:
    _, server = open_pair(rate)
    assert server.sample_rate == rate


def test_unsupported_rate_is_refused_at_the_handshake() -> None:
    server = ServerConnection("c")
    configure = encode(
        pb.MESSAGE_CLIENT_CONFIGURE_SESSION,
        client_configure_session=pb.ClientConfigureSession(sample_rate=11025),
    )
    [event] = server.receive(configure)
    assert event == ClientViolation(ServerFailure.UNSUPPORTED_SAMPLE_RATE, "11025")
    assert event.fatal


def test_opus_is_refused() -> None:
    configure = pb.ClientConfigureSession(sample_rate=16000, audio_format=pb.AUDIO_FORMAT_OGG_OPUS)
    [event] = ServerConnection("c").receive(
        encode(pb.MESSAGE_CLIENT_CONFIGURE_SESSION, client_configure_session=configure)
    )
    assert event.failure is ServerFailure.UNSUPPORTED_AUDIO_FORMAT


def test_audio_before_configure_is_a_protocol_error() -> None:
    audio = encode(pb.MESSAGE_CLIENT_AUDIO_INPUT, client_audio_input=pb.ClientAudioInput())
    [event] = ServerConnection("c").receive(audio)
    assert event.failure is ServerFailure.PROTOCOL_ERROR
    assert "before the handshake" in event.detail


def test_server_messages_from_a_client_are_protocol_errors() -> None:
    _, server = open_pair()
    confirm = ServerConnection("x")
    confirm.state = ServerState.CONFIGURED
    [event] = server.receive(confirm.confirm())
    assert event.failure is ServerFailure.PROTOCOL_ERROR
    assert event.fatal


def test_audio_flows_and_end_finishes_the_response() -> None:
    client, server = open_pair()
    pcm = np.arange(320, dtype="<i2").tobytes()
    assert server.receive(client.audio("r1", pcm, end=False)) == [AudioReceived("r1", pcm, False)]
    assert server.receive(client.audio("r1", b"", end=True)) == [AudioReceived("r1", b"", True)]
    frames = [frame_from_channels(0, 0, jaw_open=0.25)]
    [event] = client.receive(server.animation("r1", frames, end=True))
    assert event == AnimationReceived("r1", tuple(frames), True, has_motion=True)
    assert server.receive(client.audio("r1", pcm, end=True)) == [], "r1 is over"


def test_new_request_supersedes_the_one_in_flight() -> None:
    client, server = open_pair()
    server.receive(client.audio("r1", b"\0\0", end=False))
    events = server.receive(client.audio("r2", b"\0\0", end=False))
    assert events == [ResponseSuperseded("r1"), AudioReceived("r2", b"\0\0", False)]
    assert server.receive(client.audio("r1", b"\0\0", end=False)) == [], "late r1 audio"


def test_interrupt_stops_the_response_and_late_audio_is_ignored() -> None:
    client, server = open_pair()
    server.receive(client.audio("r1", b"\0\0", end=False))
    assert server.receive(client.interrupt("r1")) == [InterruptRequested("r1")]
    assert server.receive(client.audio("r1", b"\0\0", end=True)) == []
    assert server.receive(client.interrupt("r1")) == [], "second interrupt is a no-op"


def test_empty_interrupt_targets_the_active_response() -> None:
    client, server = open_pair()
    server.receive(client.audio("r9", b"\0\0", end=False))
    assert server.receive(client.interrupt("")) == [InterruptRequested("r9")]


def test_odd_audio_bytes_fail_the_response_only() -> None:
    _, server = open_pair()
    odd = encode(
        pb.MESSAGE_CLIENT_AUDIO_INPUT,
        client_audio_input=pb.ClientAudioInput(req_id="r1", audio=b"\0\0\0"),
    )
    [event] = server.receive(odd)
    assert event.failure is ServerFailure.INVALID_AUDIO_INPUT
    assert event.req_id == "r1"
    assert not event.fatal


def test_fatal_error_closes_the_server_side() -> None:
    client, server = open_pair()
    [event] = client.receive(server.error(ServerFailure.IDLE_TIMEOUT, "no audio input for 5 s"))
    assert event == ServerErrorReceived(
        ErrorCode.SESSION_TIMEOUT, 4004, "idle timeout: no audio input for 5 s", "", True
    )
    assert server.state is ServerState.CLOSED
    assert server.receive(client.audio("r", b"", end=True)) == []


def test_public_only_server_animation_has_no_motion() -> None:
    client, _ = open_pair()
    plain = pb.ServerResponseAnimation(connection_id="c", req_id="r1", end=True)
    data = encode(pb.MESSAGE_SERVER_RESPONSE_ANIMATION, server_response_animation=plain)
    assert client.receive(data) == [AnimationReceived("r1", (), True, has_motion=False)]


def test_bad_frames_are_reported_and_good_ones_kept() -> None:
    client, server = open_pair()
    good = frame_from_channels(0, 0, jaw_open=0.1)
    data = server.animation("r1", [good, frame_from_channels(1, 640)], end=False)
    message = pb.Message()
    message.ParseFromString(data)
    message.server_response_animation.frames[1].jaw_open = float("nan")
    violation, animation = client.receive(message.SerializeToString())
    assert violation == ProtocolViolation(
        ErrorCode.MOTION_DATA_INVALID, "frame 1: non-finite values in jaw_open", "r1"
    )
    assert animation == AnimationReceived("r1", (good,), False, has_motion=True)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("frame_rate", 30, "frame rate 30"),
        ("sample_rate", 48000, "stamped at 48000 Hz"),
    ],
)
def test_inconsistent_motion_header_is_invalid_motion(field: str, value: int, problem: str) -> None:
    client, server = open_pair()
    message = pb.Message()
    message.ParseFromString(server.animation("r1", [frame_from_channels(0, 0)], end=True))
    setattr(message.server_response_animation, field, value)
    violation, animation = client.receive(message.SerializeToString())
    assert violation.code is ErrorCode.MOTION_DATA_INVALID
    assert problem in violation.message
    assert animation.frames == ()
    assert animation.end


def test_garbage_from_the_server_is_a_protocol_violation() -> None:
    client, _ = open_pair()
    [event] = client.receive(b"\x08\x05\x32\xff")
    assert event.code is ErrorCode.PROTOCOL_ERROR


def test_animation_before_confirm_is_a_protocol_violation() -> None:
    client, server = ClientConnection(16000), ServerConnection("c")
    client.configure()
    [event] = client.receive(server.animation("r", [], end=True))
    assert event == ProtocolViolation(ErrorCode.PROTOCOL_ERROR, "animation before confirm")


def test_client_refuses_to_send_before_the_session_is_open() -> None:
    client = ClientConnection(16000)
    with pytest.raises(RuntimeError, match="not open"):
        client.audio("r", b"", end=True)
    with pytest.raises(ValueError, match="unsupported sample rate"):
        ClientConnection(11025)


def test_request_ids_are_unique_and_commercial_shaped() -> None:
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100
    stamp, suffix = next(iter(ids)).split("_", 1)
    assert len(stamp) == 14 and stamp.isdigit() and len(suffix) == 12
