"""Custom Mode: what the player knows of its relay's own session with the Motion Server.

The relay reports its upstream state changes and failures over its transport
(`protocol.relay_status`). Each failure becomes an AvatarError in phase `relay_upstream`
with the relay's code (on the controller's error signal, so the error log has it); the
state, with the failure that led to it, is `current`. Nothing is known while the player
is not connected to the relay. (A relay message that cannot be decoded is the connection's
own `relayMessageInvalid`, logged by the controller.) Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from avatar_player.client import AvatarError, ConnectionChange, ConnectionState, Phase
from avatar_player.player.signals import Signal
from avatar_player.protocol.relay_status import (
    FAILURE_STATES,
    RelayMessage,
    UpstreamFault,
    UpstreamState,
)


@dataclass(frozen=True)
class RelayUpstreamChange:
    """The relay's upstream state as this player last heard it."""

    state: UpstreamState | None
    """None: not known (the player is not connected to a relay, or it has not said yet)."""
    error: AvatarError | None = None
    """The last failure since the session was last connected (the reason of `failed` and
    `reconnecting`; kept while it connects again)."""
    connection_id: str = ""
    """The Motion Server's id of the relay's session, while connected."""

    def describe(self) -> str:
        """One line: 'upstream failed: websocketError (session_token: token request ...)'."""
        if self.state is None:
            return "upstream unknown"
        line = f"upstream {self.state}"
        if self.state is UpstreamState.CONNECTED:
            return f"{line} ({self.connection_id})" if self.connection_id else line
        if self.error is not None:
            after = " after" if self.state not in FAILURE_STATES else ":"
            line += f"{after} {self.error.code} ({self.error.message})"
        return line


def upstream_error(fault: UpstreamFault) -> AvatarError:
    """The player's record of a failure the relay reported (the relay's phase leads the
    message)."""
    return AvatarError(
        fault.code,
        f"{fault.phase}: {fault.message}",
        Phase.RELAY_UPSTREAM,
        http_status=fault.http_status,
        server_code=fault.server_code,
        close_code=fault.close_code,
        connection_id=fault.connection_id,
        req_id=fault.req_id,
    )


class RelayUpstream:
    """Follows the relay's reports on one controller's connection."""

    def __init__(
        self, connection_changed: Signal[ConnectionChange], errors: Signal[AvatarError]
    ) -> None:
        self.current = RelayUpstreamChange(None)
        self.changed: Signal[RelayUpstreamChange] = Signal()
        self._errors = errors
        connection_changed.connect(self._downstream_changed)

    def receive(self, message: RelayMessage) -> None:
        """A state report or a failure from the relay."""
        if isinstance(message, UpstreamFault):
            self._errors.emit(upstream_error(message))
            return
        error = None if message.error is None else upstream_error(message.error)
        if error is not None:
            self._errors.emit(error)
        if message.state is UpstreamState.CONNECTED:
            reason = None
        elif message.state in FAILURE_STATES:
            reason = error
        else:
            reason = self.current.error
        self._show(RelayUpstreamChange(message.state, reason, message.connection_id))

    def _downstream_changed(self, change: ConnectionChange) -> None:
        if change.state is not ConnectionState.CONNECTED:
            self._show(RelayUpstreamChange(None))

    def _show(self, change: RelayUpstreamChange) -> None:
        if change != self.current:
            self.current = change
            self.changed.emit(change)
