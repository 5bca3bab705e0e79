"""The player's two independent state machines (connection, conversation) and the reasons
for conversation changes; the connection state is the transport's (`client.states`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from avatar_player.client.states import ConnectionChange, ConnectionState

__all__ = [
    "ConnectionChange",
    "ConnectionState",
    "ConversationChange",
    "ConversationState",
    "StateChangeReason",
]


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
    REBUFFERING = "rebuffering"
    """`active`: the response is still being produced and ran out of audio; the clock
    holds until the jitter buffer has refilled."""
    BUFFER_REFILLED = "bufferRefilled"
    """`playing` again after a rebuffer."""


@dataclass(frozen=True)
class ConversationChange:
    """A conversation state change with its reason and the response it concerns."""

    state: ConversationState
    reason: StateChangeReason
    req_id: str = ""
