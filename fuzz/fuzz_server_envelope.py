"""Fuzz target: a sequence of envelope messages as the server receives them on one connection.

The input is split into messages (`fuzz_common.split_messages`); the harness answers like
the ingress does: `confirm()` after SessionConfigured, `error(failure)` after a fatal
violation (which closes the connection).

Property: `ServerConnection.receive` returns events and never raises; every violation is
one of the failures the protocol layer reports (protocol error, unsupported sample rate or
audio format, invalid audio input), fatal exactly when the failure has a close code; audio
events carry a req_id, whole s16le samples and become the active response; interrupts name a
response that is no longer active; a closed connection ignores everything; a text frame is
a protocol error.

    python fuzz/fuzz_server_envelope.py -runs=100000
"""

from __future__ import annotations

import numpy as np
from fuzz_common import frame_messages, fuzz, split_messages

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.client import ClientConnection
from avatar_player.protocol.codec import encode
from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES
from avatar_player.protocol.errors import ServerFailure
from avatar_player.protocol.server import (
    AudioReceived,
    ClientViolation,
    InterruptRequested,
    ResponseSuperseded,
    ServerConnection,
    ServerEvent,
    ServerState,
    SessionConfigured,
)

PROTOCOL_FAILURES = frozenset(
    {
        ServerFailure.PROTOCOL_ERROR,
        ServerFailure.UNSUPPORTED_SAMPLE_RATE,
        ServerFailure.UNSUPPORTED_AUDIO_FORMAT,
        ServerFailure.INVALID_AUDIO_INPUT,
    }
)


def check_server_receive(server: ServerConnection, data: bytes | str) -> list[ServerEvent]:
    """Feed `data` to `server`, check the events, answer like the ingress; return them."""
    closed_before = server.state is ServerState.CLOSED
    events = server.receive(data)
    if closed_before:
        assert events == [], events
    for event in events:
        match event:
            case ClientViolation():
                assert event.failure in PROTOCOL_FAILURES and isinstance(event.detail, str)
                assert event.fatal == (event.failure.spec.close_code is not None), event
                if event.fatal:
                    server.error(event.failure, event.detail)
            case SessionConfigured():
                assert event.sample_rate in SUPPORTED_SAMPLE_RATES, event
                assert server.state is ServerState.CONFIGURED, server.state
                server.confirm()
            case AudioReceived():
                assert event.req_id and len(event.pcm) % 2 == 0, event
                assert server.active_req_id == event.req_id, (event, server.active_req_id)
            case InterruptRequested() | ResponseSuperseded():
                assert event.req_id and server.active_req_id != event.req_id, event
            case _:
                raise AssertionError(f"unexpected event {event!r}")
    assert server.state in ServerState
    return events


def TestOneInput(data: bytes) -> None:
    server = ServerConnection("fuzz")
    for message in split_messages(data):
        check_server_receive(server, message)
    text = check_server_receive(ServerConnection("fuzz"), data.decode("utf-8", "replace"))
    assert [event.failure for event in text] == [ServerFailure.PROTOCOL_ERROR], text


def seeds() -> list[bytes]:
    """Sessions a client sends (made by the project's encoders), plus a few bad ones."""
    client = ClientConnection(16000)
    configure = client.configure()
    server = ServerConnection("seed")
    server.receive(configure)
    client.receive(server.confirm())
    pcm = np.arange(-160, 160, dtype="<i2").tobytes()
    session = [
        configure,
        client.audio("r1", pcm, end=False),
        client.audio("r1", pcm, end=True),
        client.audio("r2", pcm, end=False),
        client.interrupt("r2"),
        client.audio("r3", pcm, end=False),
        client.audio("r4", pcm, end=True),
        client.interrupt(""),
    ]
    bad_rate = encode(
        pb.MESSAGE_CLIENT_CONFIGURE_SESSION,
        client_configure_session=pb.ClientConfigureSession(sample_rate=11025),
    )
    return [
        frame_messages(session),
        frame_messages([configure, configure]),
        frame_messages([bad_rate, *session[1:3]]),
        frame_messages(session[1:3]),
        frame_messages([configure, session[1][:-1], session[2][:9]]),
        frame_messages([b"", b"\xff" * 8]),
    ]


if __name__ == "__main__":
    fuzz(TestOneInput, "server_envelope")
