"""The relay server: players connect over its WebSocket, it holds the Motion Server sessions."""

from __future__ import annotations

import itertools
import logging
from collections import deque
from dataclasses import dataclass
from types import TracebackType

from websockets.asyncio.server import Server, serve
from websockets.asyncio.server import ServerConnection as WebSocket

from avatar_player.client import AvatarError
from avatar_player.protocol.redaction import redacted_logger
from avatar_player.relay.config import RelayConfig
from avatar_player.relay.link import PlayerLink

log = logging.getLogger("avatar_player.relay")

ERROR_HISTORY = 1000


@dataclass(frozen=True)
class RelayError:
    """A failure the relay observed on its side, for the player link `link_id`."""

    link_id: str
    error: AvatarError


def describe(report: RelayError) -> str:
    """One log line with every field of the error record that is set."""
    error = report.error
    fields = {
        "code": error.code,
        "phase": error.phase,
        "http_status": error.http_status,
        "server_code": error.server_code,
        "close_code": error.close_code,
        "connection_id": error.connection_id,
        "req_id": error.req_id,
    }
    text = " ".join(f"{key}={value}" for key, value in fields.items() if value not in (None, ""))
    return f"player {report.link_id}: upstream error {text}: {error.message}"


class Relay:
    """Custom Mode's backend: forwards audio and motion between players and a Motion Server."""

    def __init__(self, config: RelayConfig | None = None) -> None:
        self.config = config or RelayConfig()
        self.links: dict[str, PlayerLink] = {}
        self.errors: deque[RelayError] = deque(maxlen=ERROR_HISTORY)
        self.port = 0
        self._server: Server | None = None
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        """Where players connect (Custom Mode's URL)."""
        return f"ws://{self.config.host}:{self.port}/"

    async def start(self) -> None:
        """Listen for players (port 0 picks a free port)."""
        self._server = await serve(
            self._serve,
            self.config.host,
            self.config.port,
            max_size=self.config.max_message_bytes,
            server_header="AvatarPlayer-Relay",
            logger=redacted_logger("avatar_player.relay.websockets"),
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("relay ready on %s -> %s", self.url, self.config.upstream_url)

    async def stop(self) -> None:
        """Close every upstream session (the players are told), disconnect every player and
        stop listening."""
        for link in list(self.links.values()):
            await link.close_upstream()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, ws: WebSocket) -> None:
        link = PlayerLink(ws, self.config, f"p{next(self._ids)}", self._report)
        self.links[link.link_id] = link
        try:
            await link.run()
        finally:
            del self.links[link.link_id]
            log.info("player %s disconnected", link.link_id)

    def _report(self, link: PlayerLink, error: AvatarError) -> None:
        report = RelayError(link.link_id, error)
        self.errors.append(report)
        log.warning("%s", describe(report))

    async def __aenter__(self) -> Relay:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
