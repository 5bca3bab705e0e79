"""MotionServer: the WebSocket ingress and the HTTP console, started together."""

from __future__ import annotations

import asyncio
import logging
import time
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urlsplit

from aiohttp import web
from websockets.asyncio.server import Server, serve
from websockets.asyncio.server import ServerConnection as WebSocket
from websockets.http11 import Request, Response

from avatar_player.protocol.constants import WEBSOCKET_PATH
from avatar_player.protocol.redaction import redacted_logger
from avatar_player.server.accounts import Accounts
from avatar_player.server.config import ServerConfig, load_config
from avatar_player.server.console import Console
from avatar_player.server.ingress import IngressSession, ServerShared
from avatar_player.server.tokens import TokenAuthority
from avatar_player.visemes.recognizer import preload as preload_recognizer

log = logging.getLogger("avatar_player.server")


def _route(connection: WebSocket, request: Request) -> Response | None:
    """Refuse upgrades to any path but the ingress path."""
    if urlsplit(request.path).path != WEBSOCKET_PATH:
        return connection.respond(HTTPStatus.NOT_FOUND, f"use {WEBSOCKET_PATH}\n")
    return None


class MotionServer:
    """A complete Motion Server on two ports (WebSocket ingress, HTTP console)."""

    def __init__(self, config: ServerConfig | None = None, *, secret: bytes | None = None) -> None:
        self.config = config or load_config()
        self.tokens = TokenAuthority(secret)
        self.accounts = Accounts(self.config)
        self._shared = ServerShared(self.config, self.accounts, self.tokens)
        self._console = Console(self.config, self.accounts, self.tokens)
        self._ws_server: Server | None = None
        self._http_runner: web.AppRunner | None = None
        self.ws_port = 0
        self.http_port = 0

    @property
    def ws_url(self) -> str:
        """Ingress URL (add `?id=<avatar id>`)."""
        return f"ws://{self.config.host}:{self.ws_port}{WEBSOCKET_PATH}"

    @property
    def console_url(self) -> str:
        """Base URL of the token endpoint."""
        return f"http://{self.config.host}:{self.http_port}"

    async def start(self) -> None:
        """Bind both listeners; ports 0 in the config pick free ports."""
        config = self.config
        if config.visemes:
            unavailable = await asyncio.to_thread(preload_recognizer)
            if unavailable:
                log.warning("phone recognition unavailable, DSP mouth only: %s", unavailable)
        self._ws_server = await serve(
            self._serve_connection,
            config.host,
            config.ws_port,
            process_request=_route,
            max_size=config.limits.max_message_bytes,
            # No permessage-deflate: speech PCM deflates to 95 %, motion (3 KB/s) to 65 %,
            # and it cost the server a tenth of its CPU per session (bench_server.py).
            compression=None,
            server_header="AvatarPlayer-MotionServer",
            logger=redacted_logger("avatar_player.server.websockets"),
        )
        self.ws_port = self._ws_server.sockets[0].getsockname()[1]
        runner = web.AppRunner(self._console.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, config.host, config.http_port)
        await site.start()
        self._http_runner = runner
        assert site._server is not None
        self.http_port = site._server.sockets[0].getsockname()[1]
        log.info("Motion Server ready: ingress %s, console %s", self.ws_url, self.console_url)

    async def stop(self) -> None:
        """Close every session (1001 going away) and both listeners."""
        if self._ws_server is not None:
            self._ws_server.close()
            await self._ws_server.wait_closed()
            self._ws_server = None
        if self._http_runner is not None:
            await self._http_runner.cleanup()
            self._http_runner = None
        log.info("Motion Server stopped")

    def issue_token(self, app_id: str, ttl_s: float = 3600.0) -> str:
        """A session token for `app_id`, as the console would issue it."""
        return self.tokens.issue(app_id, time.time() + ttl_s)

    async def _serve_connection(self, ws: WebSocket) -> None:
        await IngressSession(ws, self._shared).run()

    async def __aenter__(self) -> MotionServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
