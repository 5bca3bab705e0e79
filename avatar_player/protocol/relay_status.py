"""The relay's own status messages to its players (Custom Mode), sans-I/O.

The relay's downstream WebSocket carries the Motion Server protocol in binary frames and the
relay's status in text frames, one JSON object each (docs/relay.md):
`{"type": "upstream", "state": ..., "connectionId": ..., "error": {...} | null}` says what
became of the relay's upstream session for this player (with the failure that led to
`reconnecting` or `failed`); `{"type": "upstreamError", "error": {...}}` is a failure that
left that state as it was (a response that gets no motion, an undecodable upstream
message). Decoding never raises anything but RelayMessageError, whatever the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from avatar_player.protocol.errors import ErrorCode

UPSTREAM_STATE = "upstream"
UPSTREAM_ERROR = "upstreamError"
MAX_TEXT_CHARS = 1000
"""Longer messages are cut (with an ellipsis) when encoded and when decoded."""
MAX_ID_CHARS = 200

E = TypeVar("E", bound=StrEnum)


class UpstreamState(StrEnum):
    """The relay's session with the Motion Server, as one player's link has it."""

    CONNECTING = "connecting"
    """Getting a token and opening the session (first try, or again after `failed`)."""
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    """A try failed or the session was lost; the relay retries after a backoff."""
    FAILED = "failed"
    """The relay gave up; the player's next response makes it try again."""
    CLOSED = "closed"
    """The relay closed the session (it is shutting down)."""


FAILURE_STATES = frozenset({UpstreamState.RECONNECTING, UpstreamState.FAILED})
"""States that a failure leads to: their reports carry the error."""


@dataclass(frozen=True)
class UpstreamFault:
    """An upstream failure: its stable code, where it happened upstream, and its details."""

    code: ErrorCode
    phase: str
    """The relay's phase (session_token, websocket_connect, websocket_runtime, ...)."""
    message: str
    http_status: int | None = None
    server_code: int | None = None
    close_code: int | None = None
    connection_id: str = ""
    """The upstream session's id (the Motion Server's), when there was one."""
    req_id: str = ""


@dataclass(frozen=True)
class UpstreamReport:
    """A new upstream state, with the failure that led to it (`reconnecting`, `failed`)."""

    state: UpstreamState
    error: UpstreamFault | None = None
    connection_id: str = ""
    """The upstream session's id while connected."""


RelayMessage = UpstreamReport | UpstreamFault


class RelayMessageError(ValueError):
    """A relay message that is not valid JSON or not a valid report (the text says why)."""


def encode_relay_message(message: RelayMessage) -> str:
    """The text frame of a state report or of a failure."""
    body: dict[str, Any]
    if isinstance(message, UpstreamFault):
        body = {"type": UPSTREAM_ERROR, "error": _fault_json(message)}
    else:
        error = message.error
        body = {
            "type": UPSTREAM_STATE,
            "state": message.state.value,
            "connectionId": message.connection_id,
            "error": None if error is None else _fault_json(error),
        }
    return json.dumps(body, separators=(",", ":"))


def decode_relay_message(text: str) -> RelayMessage:
    """The state report or failure in a text frame; RelayMessageError for anything else."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise RelayMessageError(f"relay message is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RelayMessageError(f"relay message is a JSON {type(body).__name__}, not an object")
    kind = body.get("type")
    error = _fault(body.get("error"))
    if kind == UPSTREAM_ERROR:
        if error is None:
            raise RelayMessageError("upstreamError without an error")
        return error
    if kind != UPSTREAM_STATE:
        raise RelayMessageError(f"unknown relay message type {_shown(kind)}")
    state = _enum(UpstreamState, body, "state")
    if (error is None) == (state in FAILURE_STATES):
        reason = "without the error that led to it" if error is None else "with an error"
        raise RelayMessageError(f"upstream state {state} {reason}")
    return UpstreamReport(state, error, _text(body, "connectionId", MAX_ID_CHARS))


def _fault_json(error: UpstreamFault) -> dict[str, Any]:
    return {
        "code": error.code.value,
        "phase": error.phase,
        "message": _cut(error.message),
        "httpStatus": error.http_status,
        "serverCode": error.server_code,
        "closeCode": error.close_code,
        "connectionId": error.connection_id,
        "reqId": error.req_id,
    }


def _fault(body: object) -> UpstreamFault | None:
    if body is None:
        return None
    if not isinstance(body, dict):
        raise RelayMessageError("relay message field 'error' is not an object")
    return UpstreamFault(
        code=_enum(ErrorCode, body, "code"),
        phase=_text(body, "phase", MAX_ID_CHARS, required=True),
        message=_cut(_text(body, "message", None, required=True)),
        http_status=_number(body, "httpStatus"),
        server_code=_number(body, "serverCode"),
        close_code=_number(body, "closeCode"),
        connection_id=_text(body, "connectionId", MAX_ID_CHARS),
        req_id=_text(body, "reqId", MAX_ID_CHARS),
    )


def _enum(kind: type[E], body: dict[str, Any], key: str) -> E:
    value = body.get(key)
    try:
        return kind(value)
    except ValueError:
        raise RelayMessageError(f"relay message field {key!r}: unknown {_shown(value)}") from None


def _text(body: dict[str, Any], key: str, limit: int | None, *, required: bool = False) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise RelayMessageError(f"relay message field {key!r} is not a string")
    if limit is not None and len(value) > limit:
        raise RelayMessageError(f"relay message field {key!r} is longer than {limit} characters")
    return value


def _number(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 31:
        raise RelayMessageError(f"relay message field {key!r} is not a status code")
    return value


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "…"


def _shown(value: object) -> str:
    return _cut(repr(value))[:80]
