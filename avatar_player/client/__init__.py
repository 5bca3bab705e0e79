"""Asyncio transport of the player: token requests and Motion Server sessions.

A thin I/O layer over the sans-I/O `protocol.client`; it knows nothing of playback.
"""

from avatar_player.client.errors import AvatarError, Phase
from avatar_player.client.retry import TRANSIENT_CODES, RetryPolicy, retrying
from avatar_player.client.session import MotionSession, SessionClosed, open_session
from avatar_player.client.states import ConnectionChange, ConnectionState
from avatar_player.client.tokens import TokenProvider, TokenSource, fetch_session_token

__all__ = [
    "TRANSIENT_CODES",
    "AvatarError",
    "ConnectionChange",
    "ConnectionState",
    "MotionSession",
    "Phase",
    "RetryPolicy",
    "SessionClosed",
    "TokenProvider",
    "TokenSource",
    "fetch_session_token",
    "open_session",
    "retrying",
]
