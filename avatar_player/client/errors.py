"""AvatarError: the client's error record, with a stable code and where it happened."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from avatar_player.protocol.errors import ErrorCode


class Phase(StrEnum):
    """Where an error happened (the commercial SDKs' phases, plus playback and the relay)."""

    AVATAR_LOAD = "avatar_load"
    SESSION_TOKEN = "session_token"
    WEBSOCKET_CONNECT = "websocket_connect"
    WEBSOCKET_HANDSHAKE = "websocket_handshake"
    WEBSOCKET_RUNTIME = "websocket_runtime"
    PLAYBACK = "playback"
    RELAY_UPSTREAM = "relay_upstream"
    """Custom Mode: the relay's own session with the Motion Server, as the relay reports it."""


@dataclass(eq=False)  # not frozen: raising sets __traceback__ (contextlib does it explicitly)
class AvatarError(Exception):
    """An error with a stable `code`; branch on the code, never on `message`."""

    code: ErrorCode
    message: str
    phase: Phase
    http_status: int | None = None
    server_code: int | None = None
    close_code: int | None = None
    close_reason: str = ""
    connection_id: str = ""
    req_id: str = ""

    def __str__(self) -> str:
        return f"{self.code} ({self.phase}): {self.message}"
