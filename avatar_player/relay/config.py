"""What a relay connects to upstream, and where it listens for players."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from avatar_player.client import RetryPolicy


@dataclass(frozen=True)
class RelayConfig:
    """The relay's upstream Motion Server and its credentials, and its own listener."""

    upstream_url: str = "ws://127.0.0.1:8765/websocket"
    console_url: str = "http://127.0.0.1:8766"
    app_id: str = "demo-app"
    api_key: str = field(default="demo-key", repr=False)
    avatar_id: str = "demo-avatar"
    """Used when a player names no avatar (`?id=` on the relay URL)."""
    upstream_query: Mapping[str, str] = field(default_factory=dict)
    """Extra query parameters on every upstream connect (e.g. the server's fault injection)."""
    host: str = "127.0.0.1"
    port: int = 8770
    handshake_timeout_s: float = 10.0
    max_message_bytes: int = 1 << 20
    max_waiting_bytes: int = 4 << 20
    """Audio held per player while its upstream session is (re)connecting."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
