"""The state of a connection to a Motion Server (or a relay), with the error of a failure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from avatar_player.client.errors import AvatarError


class ConnectionState(StrEnum):
    """A connection's state. `failed` stays until a retry moves it on."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"


@dataclass(frozen=True)
class ConnectionChange:
    """A connection state change; `error` is set for `failed`."""

    state: ConnectionState
    error: AvatarError | None = None
