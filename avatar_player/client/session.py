"""MotionSession: one authenticated WebSocket session with a Motion Server."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection as WebSocket
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from avatar_player.client.errors import AvatarError, Phase
from avatar_player.protocol.client import (
    ClientConnection,
    ClientEvent,
    ProtocolViolation,
    ServerErrorReceived,
    SessionConfirmed,
)
from avatar_player.protocol.constants import (
    APP_ID_HEADER,
    APP_ID_QUERY,
    AVATAR_ID_QUERY,
    SESSION_KEY_HEADER,
    SESSION_KEY_QUERY,
)
from avatar_player.protocol.errors import ErrorCode, classify_close, classify_http
from avatar_player.protocol.redaction import redacted_logger

_CLOSE_WAIT_S = 2.0


@dataclass(frozen=True)
class SessionClosed:
    """The connection ended; `error` is None when this side closed it normally."""

    close_code: int | None
    reason: str
    error: AvatarError | None


SessionEvent = ClientEvent | SessionClosed


class MotionSession:
    """Send audio and interrupts; iterate over server events until SessionClosed."""

    def __init__(self, ws: WebSocket, core: ClientConnection) -> None:
        self._ws = ws
        self._core = core
        self._pending: deque[SessionEvent] = deque()
        self._closing = False
        self._closed: SessionClosed | None = None
        self._last_server_error: ServerErrorReceived | None = None

    @property
    def connection_id(self) -> str:
        """The server's id for this session."""
        return self._core.connection_id

    @property
    def sample_rate(self) -> int:
        """The session's audio rate."""
        return self._core.sample_rate

    async def send_audio(self, req_id: str, pcm: bytes, *, end: bool) -> None:
        """Send one chunk of s16le audio for response `req_id`."""
        await self._send(self._core.audio(req_id, pcm, end=end))

    async def interrupt(self, req_id: str) -> None:
        """Ask the server to stop response `req_id`."""
        await self._send(self._core.interrupt(req_id))

    async def forward(self, message: bytes) -> None:
        """Send a client message that is already encoded (and validated) as it is (relays)."""
        await self._send(message)

    async def receive(self) -> SessionEvent:
        """The next event; once closed, SessionClosed every time."""
        while not self._pending:
            _, events = await self.receive_message()
            self._pending.extend(events)
        return self._pending.popleft()

    async def receive_message(self) -> tuple[bytes | str | None, list[SessionEvent]]:
        """The next message as received and its events; `(None, [SessionClosed])` once closed.

        For relays, which forward messages unchanged. Do not mix with `receive()`.
        """
        if self._closed is not None:
            return None, [self._closed]
        try:
            data = await self._ws.recv()
        except ConnectionClosed:
            self._closed = self._closed_event()
            return None, [self._closed]
        events: list[SessionEvent] = list(self._core.receive(data))
        for event in events:
            if isinstance(event, ServerErrorReceived) and event.fatal:
                self._last_server_error = event
        return data, events

    async def __aiter__(self) -> AsyncIterator[SessionEvent]:
        while True:
            event = await self.receive()
            yield event
            if isinstance(event, SessionClosed):
                return

    async def handshake(self, timeout_s: float) -> None:
        """Send the configure message and wait for the confirm; AvatarError otherwise."""
        configure = self._core.configure()
        try:
            with contextlib.suppress(ConnectionClosed):  # a refusal may already be queued
                await self._ws.send(configure)
            async with asyncio.timeout(timeout_s):
                first = await self.receive()
        except TimeoutError:
            await self._ws.close()
            message = f"no session confirm within {timeout_s:g} s"
            raise AvatarError(
                ErrorCode.WEBSOCKET_ERROR, message, Phase.WEBSOCKET_HANDSHAKE
            ) from None
        if not isinstance(first, SessionConfirmed):
            raise await self._handshake_error(first)

    async def _handshake_error(self, first: SessionEvent) -> AvatarError:
        """The AvatarError for a handshake that did not end in a confirm."""
        ws = self._ws
        if isinstance(first, ServerErrorReceived):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ws.wait_closed(), _CLOSE_WAIT_S)
            await ws.close()
            return AvatarError(
                first.code,
                first.message,
                Phase.WEBSOCKET_HANDSHAKE,
                server_code=first.server_code,
                close_code=ws.close_code,
                close_reason=ws.close_reason or "",
            )
        await ws.close()
        if isinstance(first, SessionClosed) and first.error is not None:
            return AvatarError(
                first.error.code,
                first.error.message,
                Phase.WEBSOCKET_HANDSHAKE,
                close_code=first.close_code,
                close_reason=first.reason,
            )
        message = first.message if isinstance(first, ProtocolViolation) else f"unexpected {first}"
        return AvatarError(ErrorCode.PROTOCOL_ERROR, message, Phase.WEBSOCKET_HANDSHAKE)

    async def close(self) -> None:
        """Close normally (1000)."""
        self._closing = True
        await self._ws.close()

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake."""
        self._closing = True
        self._ws.transport.abort()

    async def _send(self, data: bytes) -> None:
        try:
            await self._ws.send(data)
        except ConnectionClosed:
            closed = self._closed_event()
            raise closed.error or AvatarError(
                ErrorCode.WEBSOCKET_ERROR, "session is closed", Phase.WEBSOCKET_RUNTIME
            ) from None

    def _closed_event(self) -> SessionClosed:
        code, reason = self._ws.close_code, self._ws.close_reason or ""
        if self._closing and code in (1000, 1001, None):
            return SessionClosed(code, reason, None)
        last = self._last_server_error
        message = last.message if last else f"connection closed ({code} {reason})".strip()
        error = AvatarError(
            classify_close(code, reason),
            message,
            Phase.WEBSOCKET_RUNTIME,
            server_code=last.server_code if last else None,
            close_code=code,
            close_reason=reason,
            connection_id=self.connection_id,
        )
        return SessionClosed(code, reason, error)


async def open_session(
    url: str,
    *,
    app_id: str,
    token: str,
    avatar_id: str,
    sample_rate: int,
    auth: Literal["headers", "query"] = "headers",
    extra_query: Mapping[str, str] | None = None,
    timeout_s: float = 10.0,
    relayed_audio: bool = False,
) -> MotionSession:
    """Connect, authenticate and complete the configure/confirm handshake.

    `relayed_audio`: the peer is a relay that also sends the audio to play (Custom Mode).

    Raises AvatarError with phase websocket_connect or websocket_handshake.
    """
    query = {AVATAR_ID_QUERY: avatar_id, **(extra_query or {})}
    headers: dict[str, str] = {}
    if auth == "headers":
        headers = {APP_ID_HEADER: app_id, SESSION_KEY_HEADER: token}
    else:
        query |= {APP_ID_QUERY: app_id, SESSION_KEY_QUERY: token}
    full_url = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
    ws = await _connect(full_url, headers, timeout_s)
    session = MotionSession(ws, ClientConnection(sample_rate, relayed_audio=relayed_audio))
    await session.handshake(timeout_s)
    return session


async def _connect(url: str, headers: dict[str, str], timeout_s: float) -> WebSocket:
    try:
        return await connect(
            url,
            additional_headers=headers,
            open_timeout=timeout_s,
            max_size=4 << 20,
            logger=redacted_logger("avatar_player.client.websockets"),
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        detail = exc.response.body.decode("utf-8", "replace") if exc.response.body else ""
        raise AvatarError(
            classify_http(status, detail),
            f"upgrade refused ({status}): {detail.strip()}",
            Phase.WEBSOCKET_CONNECT,
            http_status=status,
        ) from None
    except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
        message = f"cannot connect to {url.split('?', maxsplit=1)[0]}: {exc or type(exc).__name__}"
        raise AvatarError(ErrorCode.WEBSOCKET_ERROR, message, Phase.WEBSOCKET_CONNECT) from None
