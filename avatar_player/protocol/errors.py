"""Error vocabulary of the Motion Server protocol: one table, used by both ends.

`ServerFailure` is what the server reports (ServerError.code, its message text and
the WebSocket close code); `ErrorCode` is the stable client-side code
(AvatarError.code) a player logs. Clients classify by close code first, then by the
message text rules of the commercial SDKs, then by HTTP status: never by branching
on arbitrary message text elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum


class ErrorCode(StrEnum):
    """Stable client-side error codes (AvatarError.code)."""

    SESSION_TOKEN_INVALID = "sessionTokenInvalid"
    SESSION_TOKEN_EXPIRED = "sessionTokenExpired"
    APP_ID_UNRECOGNIZED = "appIDUnrecognized"
    INSUFFICIENT_BALANCE = "insufficientBalance"
    CONCURRENT_LIMIT_EXCEEDED = "concurrentLimitExceeded"
    AVATAR_ID_UNRECOGNIZED = "avatarIDUnrecognized"
    AVATAR_ASSET_MISSING = "avatarAssetMissing"
    FAILED_TO_FETCH_AVATAR_METADATA = "failedToFetchAvatarMetadata"
    FAILED_TO_DOWNLOAD_AVATAR_ASSETS = "failedToDownloadAvatarAssets"
    WEBSOCKET_ERROR = "websocketError"
    WEBSOCKET_CLOSED_ABNORMALLY = "websocketClosedAbnormally"
    SESSION_TIMEOUT = "sessionTimeout"
    CONNECTION_IN_PROGRESS = "connectionInProgress"
    SERVER_ERROR = "serverError"
    # Project extensions (the commercial SDKs have no code for these):
    PROTOCOL_ERROR = "protocolError"
    """A message from the peer could not be decoded or broke the protocol."""
    MOTION_DATA_INVALID = "motionDataInvalid"
    """Motion frames were truncated, malformed or carried non-finite values."""
    MOTION_DATA_MISSING = "motionDataMissing"
    """A response brought no motion (none in time, or a server without a motion payload)."""
    MOTION_DATA_LATE = "motionDataLate"
    """Motion fell behind the audio by more than the allowed bound."""
    AUDIO_DEVICE_UNAVAILABLE = "audioDeviceUnavailable"
    """No usable audio output: playing on the paced null sink (silent) instead."""
    RELAY_MESSAGE_INVALID = "relayMessageInvalid"
    """A relay's status message (Custom Mode, a text frame) could not be decoded."""


@dataclass(frozen=True)
class FailureSpec:
    """One row of the server failure table."""

    server_code: int
    close_code: int | None
    text: str
    client_code: ErrorCode


class ServerFailure(Enum):
    """Every failure the embedded Motion Server reports.

    `text` is the message prefix; it contains the phrase the commercial SDKs
    classify on. `close_code` is None for failures that end one response only.
    """

    CREDITS_EXHAUSTED = FailureSpec(
        4001, 4001, "insufficient balance: credits exhausted", ErrorCode.INSUFFICIENT_BALANCE
    )
    SESSION_DURATION_EXCEEDED = FailureSpec(
        4002, 4002, "session duration exceeded", ErrorCode.SESSION_TIMEOUT
    )
    CONCURRENT_LIMIT_EXCEEDED = FailureSpec(
        4003, 4003, "concurrent limit exceeded", ErrorCode.CONCURRENT_LIMIT_EXCEEDED
    )
    IDLE_TIMEOUT = FailureSpec(4004, 4004, "idle timeout", ErrorCode.SESSION_TIMEOUT)
    UNSUPPORTED_SAMPLE_RATE = FailureSpec(
        4005, 4005, "unsupported sample rate", ErrorCode.SERVER_ERROR
    )
    UNSUPPORTED_AUDIO_FORMAT = FailureSpec(
        4006, 4006, "unsupported audio format", ErrorCode.SERVER_ERROR
    )
    PROTOCOL_ERROR = FailureSpec(4007, 4007, "protocol error", ErrorCode.SERVER_ERROR)
    SESSION_TOKEN_EXPIRED = FailureSpec(
        4010, 4010, "session token expired", ErrorCode.SESSION_TOKEN_EXPIRED
    )
    SESSION_TOKEN_INVALID = FailureSpec(
        4011, 4011, "invalid session token", ErrorCode.SESSION_TOKEN_INVALID
    )
    APP_ID_MISMATCH = FailureSpec(4012, 4012, "app id mismatch", ErrorCode.SESSION_TOKEN_INVALID)
    APP_ID_UNRECOGNIZED = FailureSpec(
        4013, 4013, "app id unrecognized", ErrorCode.APP_ID_UNRECOGNIZED
    )
    AVATAR_NOT_FOUND = FailureSpec(4014, 4014, "avatar not found", ErrorCode.AVATAR_ID_UNRECOGNIZED)
    INTERNAL_ERROR = FailureSpec(4500, 1011, "internal server error", ErrorCode.SERVER_ERROR)
    AUDIO_LIMIT_EXCEEDED = FailureSpec(
        4020, None, "audio limit exceeded for request", ErrorCode.SERVER_ERROR
    )
    INVALID_AUDIO_INPUT = FailureSpec(4021, None, "invalid audio input", ErrorCode.SERVER_ERROR)

    @property
    def spec(self) -> FailureSpec:
        """The table row."""
        return self.value

    def message(self, detail: str = "") -> str:
        """The ServerError message: the classified phrase, then an optional detail."""
        return f"{self.spec.text}: {detail}" if detail else self.spec.text


_BY_SERVER_CODE = {failure.spec.server_code: failure for failure in ServerFailure}
_BY_CLOSE_CODE = {
    failure.spec.close_code: failure for failure in ServerFailure if failure.spec.close_code
}

# Message phrases the commercial SDKs classify, in priority order.
_TEXT_RULES: tuple[tuple[str, ErrorCode], ...] = (
    ("invalid session token", ErrorCode.SESSION_TOKEN_INVALID),
    ("session token expired", ErrorCode.SESSION_TOKEN_EXPIRED),
    ("token is expired", ErrorCode.SESSION_TOKEN_EXPIRED),
    ("app id mismatch", ErrorCode.SESSION_TOKEN_INVALID),
    ("app id unrecognized", ErrorCode.APP_ID_UNRECOGNIZED),
    ("avatar not found", ErrorCode.AVATAR_ID_UNRECOGNIZED),
    ("insufficient balance", ErrorCode.INSUFFICIENT_BALANCE),
    ("concurrent limit", ErrorCode.CONCURRENT_LIMIT_EXCEEDED),
    ("unsupported sample rate", ErrorCode.SERVER_ERROR),
    ("no audio input for", ErrorCode.SESSION_TIMEOUT),
    ("idle timeout", ErrorCode.SESSION_TIMEOUT),
    ("session duration exceeded", ErrorCode.SESSION_TIMEOUT),
    # Token endpoint: an unknown or missing API key means the app is not known.
    ("api key", ErrorCode.APP_ID_UNRECOGNIZED),
)

_HTTP_STATUS_RULES: dict[int, ErrorCode] = {
    401: ErrorCode.SESSION_TOKEN_EXPIRED,
    402: ErrorCode.INSUFFICIENT_BALANCE,
    404: ErrorCode.APP_ID_UNRECOGNIZED,
    429: ErrorCode.CONCURRENT_LIMIT_EXCEEDED,
}


def failure_for_server_code(code: int) -> ServerFailure | None:
    """The table row of a ServerError.code, if it is one of ours."""
    return _BY_SERVER_CODE.get(code)


def _classify_text(text: str) -> ErrorCode | None:
    lowered = text.lower()
    for phrase, code in _TEXT_RULES:
        if phrase in lowered:
            return code
    return None


def classify_server_error(code: int, message: str) -> ErrorCode:
    """Client code for a SERVER_ERROR message (code table, then the SDK text rules)."""
    failure = failure_for_server_code(code)
    if failure is not None:
        return failure.spec.client_code
    return _classify_text(message) or ErrorCode.SERVER_ERROR


def classify_close(close_code: int | None, reason: str = "") -> ErrorCode:
    """Client code for a WebSocket close the client did not ask for."""
    if close_code is not None and close_code in _BY_CLOSE_CODE:
        return _BY_CLOSE_CODE[close_code].spec.client_code
    if close_code is not None and 4000 <= close_code <= 4999:
        return _classify_text(reason) or ErrorCode.SERVER_ERROR
    if close_code in (1000, 1001):
        return ErrorCode.WEBSOCKET_ERROR
    return ErrorCode.WEBSOCKET_CLOSED_ABNORMALLY


def classify_http(status: int, detail: str = "") -> ErrorCode:
    """Client code for a failed HTTP exchange (token endpoint, WebSocket upgrade)."""
    if status == 404 and "avatar not found" in detail.lower():
        return ErrorCode.AVATAR_ID_UNRECOGNIZED
    return _classify_text(detail) or _HTTP_STATUS_RULES.get(status, ErrorCode.SERVER_ERROR)


def failure_table_markdown() -> str:
    """The server failure table as Markdown (kept in docs/protocol.md, checked by a test)."""
    rows = [
        "| failure | ServerError.code | close code | message text | client code |",
        "|---|---|---|---|---|",
    ]
    for failure in ServerFailure:
        spec = failure.spec
        close = str(spec.close_code) if spec.close_code else "- (response only)"
        cells = (failure.name, str(spec.server_code), close, f"`{spec.text}`", spec.client_code)
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)
