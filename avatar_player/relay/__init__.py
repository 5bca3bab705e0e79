"""Custom Mode's backend relay: `python -m avatar_player.relay`.

It holds the server-side connection to a Motion Server (API key -> token -> session)
for each player and forwards the encoded audio and motion messages to the player over
its own WebSocket; each side observes and recovers its own connection.
"""

from avatar_player.relay.config import RelayConfig
from avatar_player.relay.relay import Relay, RelayError

__all__ = ["Relay", "RelayConfig", "RelayError"]
