"""Fuzz target: a relay's text frame as the player in Custom Mode decodes it.

The input bytes, decoded as UTF-8 (invalid bytes replaced, as a WebSocket text frame cannot
carry them), go to `ClientConnection.receive` of a player connected to a relay, which
decodes them with `protocol.relay_status.decode_relay_message`.

Property: exactly one event, either a state report or failure that encodes back to a message
decoding to the same value (a failure state always with its error, any other state without),
or a `relayMessageInvalid` violation whose message is the decoder's reason; the same text
always gives the same answer.

    python fuzz/fuzz_relay_message.py -runs=100000 -max_len=4096
"""

from __future__ import annotations

import json

from fuzz_common import fuzz

from avatar_player.protocol.client import ClientConnection, ClientEvent, ProtocolViolation
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.relay_status import (
    FAILURE_STATES,
    MAX_TEXT_CHARS,
    RelayMessageError,
    UpstreamFault,
    UpstreamReport,
    UpstreamState,
    decode_relay_message,
    encode_relay_message,
)


def check_relay_message(text: str) -> ClientEvent:
    """Receive one text frame from a relay: its event (checked)."""
    [event] = ClientConnection(16000, relayed_audio=True).receive(text)
    if isinstance(event, ProtocolViolation):
        assert event.code is ErrorCode.RELAY_MESSAGE_INVALID, event
        try:
            decode_relay_message(text)
        except RelayMessageError as error:
            assert str(error) == event.message and event.message
        else:
            raise AssertionError(f"the decoder accepts what the client refused: {text!r}")
        return event
    assert isinstance(event, UpstreamReport | UpstreamFault), event
    if isinstance(event, UpstreamReport):
        assert (event.error is not None) == (event.state in FAILURE_STATES), event
    fault = event if isinstance(event, UpstreamFault) else event.error
    assert fault is None or len(fault.message) <= MAX_TEXT_CHARS, fault
    assert decode_relay_message(encode_relay_message(event)) == event
    return event


def TestOneInput(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    assert check_relay_message(text) == check_relay_message(text)


def seeds() -> list[bytes]:
    """What a relay sends (every state, both kinds of message) and near misses."""
    fault = UpstreamFault(
        ErrorCode.WEBSOCKET_ERROR,
        "session_token",
        "token request failed: Cannot connect to host 127.0.0.1:8766",
    )
    closed = UpstreamFault(
        ErrorCode.WEBSOCKET_CLOSED_ABNORMALLY,
        "websocket_runtime",
        "connection closed (1006 )",
        close_code=1006,
        connection_id="4af6ef5170279667",
    )
    messages = [
        UpstreamReport(UpstreamState.CONNECTING),
        UpstreamReport(UpstreamState.CONNECTED, None, "4af6ef5170279667"),
        UpstreamReport(UpstreamState.RECONNECTING, closed),
        UpstreamReport(UpstreamState.FAILED, fault),
        UpstreamReport(UpstreamState.CLOSED),
        UpstreamFault(ErrorCode.WEBSOCKET_ERROR, "websocket_runtime", "no session", req_id="r1"),
    ]
    texts = [encode_relay_message(message) for message in messages]
    texts += [
        json.dumps({"type": "upstream", "state": "failed", "error": None}),
        json.dumps({"type": "upstreamError", "error": {"code": "noSuchCode"}}),
        json.dumps({"type": "upstream", "state": "connected", "connectionId": 7}),
        "[" * 64,
        "",
    ]
    return [text.encode() for text in texts]


if __name__ == "__main__":
    fuzz(TestOneInput, "relay_message")
