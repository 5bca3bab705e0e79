"""One player connected to the relay: the relay's own transport, downstream.

The player speaks the Motion Server protocol to the relay (configure, audio, interrupt).
The relay confirms at once, opens its own upstream session at the player's rate and
forwards: the player's audio messages go upstream and come back down unchanged (the
audio to play), the upstream's motion and response errors come down as received. The
upstream's state changes and failures come down as the relay's own text frames
(`protocol.relay_status`), in the order they happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection as WebSocket
from websockets.exceptions import ConnectionClosed

from avatar_player.client import AvatarError
from avatar_player.protocol.constants import AVATAR_ID_QUERY
from avatar_player.protocol.errors import ServerFailure
from avatar_player.protocol.relay_status import (
    RelayMessage,
    UpstreamFault,
    UpstreamReport,
    UpstreamState,
    encode_relay_message,
)
from avatar_player.protocol.server import (
    AudioReceived,
    ClientViolation,
    InterruptRequested,
    ServerConnection,
    SessionConfigured,
)
from avatar_player.relay.config import RelayConfig
from avatar_player.relay.upstream import Upstream

log = logging.getLogger("avatar_player.relay")

Report = Callable[["PlayerLink", AvatarError], None]


def fault_of(error: AvatarError) -> UpstreamFault:
    """What the player is told of an upstream failure (every field of the record)."""
    return UpstreamFault(
        error.code,
        str(error.phase),
        error.message,
        http_status=error.http_status,
        server_code=error.server_code,
        close_code=error.close_code,
        connection_id=error.connection_id,
        req_id=error.req_id,
    )


class PlayerLink:
    """The downstream connection of one player and the upstream session behind it."""

    def __init__(self, ws: WebSocket, config: RelayConfig, link_id: str, report: Report) -> None:
        self.ws = ws
        self.config = config
        self.link_id = link_id
        self.upstream: Upstream | None = None
        self._report = report
        self._outbox: deque[str] = deque()
        self._sending: asyncio.Task[None] | None = None

    @property
    def avatar_id(self) -> str:
        """The avatar the player asked for (`?id=`), else the relay's default."""
        query = parse_qs(urlsplit(self.ws.request.path if self.ws.request else "").query)
        return query.get(AVATAR_ID_QUERY, [self.config.avatar_id])[0]

    async def run(self) -> None:
        """Serve the player until it disconnects."""
        core = ServerConnection(self.link_id)
        sample_rate = await self._handshake(core)
        if sample_rate is None:
            return
        upstream = Upstream(
            self.config,
            sample_rate,
            self.avatar_id,
            forward=self._send_down,
            on_state=self._upstream_state,
            on_failure=self._upstream_failure,
        )
        self.upstream = upstream
        upstream.start()
        try:
            async for message in self.ws:
                await self._from_player(core, upstream, message)
        except ConnectionClosed:
            pass
        finally:
            await self.close_upstream()

    async def close_upstream(self) -> None:
        """Close the upstream session and tell the player (`closed`) before it goes."""
        if self.upstream is not None:
            await self.upstream.close()
        if self._sending is not None:
            await self._sending

    def _upstream_state(self, state: UpstreamState, error: AvatarError | None) -> None:
        """Log the failure that led to `state`; tell the player both."""
        if error is not None:
            self._report(self, error)
        ids = self.upstream.connection_ids if self.upstream else []
        connection_id = ids[-1] if ids and state is UpstreamState.CONNECTED else ""
        fault = None if error is None else fault_of(error)
        self._tell(UpstreamReport(state, fault, connection_id))

    def _upstream_failure(self, error: AvatarError) -> None:
        """Log a failure that left the state as it was; tell the player."""
        self._report(self, error)
        self._tell(fault_of(error))

    def _tell(self, message: RelayMessage) -> None:
        """Send the relay's own message, after those before it."""
        self._outbox.append(encode_relay_message(message))
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._send_outbox())

    async def _send_outbox(self) -> None:
        while self._outbox:
            await self._send_down(self._outbox.popleft())

    async def _handshake(self, core: ServerConnection) -> int | None:
        try:
            async with asyncio.timeout(self.config.handshake_timeout_s):
                first = await self.ws.recv()
        except TimeoutError:
            detail = f"no session configure within {self.config.handshake_timeout_s:g} s"
            await self._refuse(core, ClientViolation(ServerFailure.PROTOCOL_ERROR, detail))
            return None
        except ConnectionClosed:
            return None
        match core.receive(first):
            case [SessionConfigured(sample_rate=rate)]:
                await self.ws.send(core.confirm())
                log.info("player %s connected at %d Hz", self.link_id, rate)
                return rate
            case [ClientViolation() as violation, *_]:
                await self._refuse(core, violation)
        return None

    async def _from_player(
        self, core: ServerConnection, upstream: Upstream, message: bytes | str
    ) -> None:
        for event in core.receive(message):
            match event:
                case AudioReceived(req_id=req_id):
                    assert isinstance(message, bytes)  # text frames are violations
                    await upstream.send_audio(req_id, message)
                    await self._send_down(message)  # the audio to play
                case InterruptRequested(req_id=req_id):
                    assert isinstance(message, bytes)
                    await upstream.interrupt(req_id, message)
                case ClientViolation(fatal=True):
                    await self._refuse(core, event)
                case ClientViolation():
                    await self._send_down(core.error(event.failure, event.detail, event.req_id))

    async def _send_down(self, message: bytes | str) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(message)

    async def _refuse(self, core: ServerConnection, violation: ClientViolation) -> None:
        failure = violation.failure
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(core.error(failure, violation.detail, violation.req_id))
            await self.ws.close(failure.spec.close_code or 1011, failure.spec.text)
