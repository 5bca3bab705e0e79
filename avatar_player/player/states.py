"""The player's two independent state machines and the reasons for their changes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from avatar_player.client.errors import AvatarError


class ConnectionState(StrEnum):
    """The Motion Server connection. `failed` stays until a retry moves it on."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"


class ConversationState(StrEnum):
    """Playback of the current response."""

    IDLE = "idle"
    ACTIVE = "active"
    """Audio received, no playable motion yet."""
    PLAYING = "playing"
    PAUSED = "paused"


class StateChangeReason(StrEnum):
    """Why the conversation state changed."""

    USER_ACTION = "userAction"
    PLAYBACK_END = "playbackEnd"
    NETWORK_ERROR = "networkError"
    SERVER_ERROR = "serverError"
    FALLBACK_MODE = "fallbackMode"


@dataclass(frozen=True)
class ConnectionChange:
    """A connection state change; `error` is set for `failed`."""

    state: ConnectionState
    error: AvatarError | None = None


@dataclass(frozen=True)
class ConversationChange:
    """A conversation state change with its reason and the response it concerns."""

    state: ConversationState
    reason: StateChangeReason
    req_id: str = ""
