"""The relay's own connection to a Motion Server: API key -> token -> session, with recovery.

One per player link. It forwards every message that belongs to a response to the
link, reports its failures (phase, code, close code) and reconnects on its own; the
player downstream never sees the upstream's credentials or its reconnects. Audio that
arrives while no session is open waits (bounded) for the next one, unless its response
already began on a session that was lost: motion stamps restart with every session.
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from avatar_player.client import (
    AvatarError,
    ConnectionState,
    MotionSession,
    Phase,
    SessionClosed,
    TokenSource,
    fetch_session_token,
    open_session,
    retrying,
)
from avatar_player.client.session import SessionEvent
from avatar_player.protocol.client import AnimationReceived, ProtocolViolation, ServerErrorReceived
from avatar_player.protocol.errors import ErrorCode
from avatar_player.relay.config import RelayConfig

Forward = Callable[[bytes], Awaitable[None]]
Report = Callable[[AvatarError], None]

_REMEMBERED_REQUESTS = 256


def belongs_to_response(event: SessionEvent) -> bool:
    """Whether the player must see the message that produced `event` (motion, response errors)."""
    match event:
        case AnimationReceived() | ServerErrorReceived(fatal=False):
            return True
        case ProtocolViolation(code=ErrorCode.MOTION_DATA_INVALID):
            return True
    return False


class Upstream:
    """The Motion Server session behind one player link."""

    def __init__(
        self,
        config: RelayConfig,
        sample_rate: int,
        avatar_id: str,
        *,
        forward: Forward,
        report: Report,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.sample_rate = sample_rate
        self.avatar_id = avatar_id
        self.state = ConnectionState.DISCONNECTED
        self.connection_ids: list[str] = []
        """Every upstream session this link has had, oldest first."""
        self.connected = asyncio.Event()
        self._forward = forward
        self._report = report
        self._rng = rng or random.Random()
        self._tokens = TokenSource(self._fetch_token)
        self._session: MotionSession | None = None
        self._waiting: list[tuple[str, bytes]] = []
        self._waiting_bytes = 0
        self._request_sessions: OrderedDict[str, str] = OrderedDict()

    async def run(self) -> None:
        """Connect, pump messages, reconnect after failures worth retrying; until closed."""
        while True:
            try:
                session = await retrying(
                    self._open,
                    self.config.retry,
                    self._rng,
                    on_failure=self._failed,
                    worth_retrying=self._worth_retrying,
                )
            except AvatarError:
                return  # reported; stays failed
            for req_id, message in self._take_waiting():
                await self._send_audio_on(session, req_id, message)
            closed = await self._pump(session)
            self._session = None
            self.connected.clear()
            if closed.error is None:
                self.state = ConnectionState.DISCONNECTED
                return
            if closed.error.code is ErrorCode.SESSION_TOKEN_EXPIRED:
                self._tokens.expire()
            self._failed(closed.error)
            if not self._worth_retrying(closed.error):
                return

    async def send_audio(self, req_id: str, message: bytes) -> bool:
        """Forward (or hold for the next session) one encoded audio message of `req_id`;
        False when that response can get no motion."""
        session = self._session
        if session is not None:
            return await self._send_audio_on(session, req_id, message)
        if req_id in self._request_sessions:
            return False
        if self._waiting_bytes + len(message) > self.config.max_waiting_bytes:
            return False
        self._waiting.append((req_id, message))
        self._waiting_bytes += len(message)
        return True

    async def interrupt(self, req_id: str, message: bytes) -> None:
        """Forward an encoded interrupt; audio of `req_id` still waiting is dropped."""
        kept = [(r, m) for r, m in self._take_waiting() if r != req_id]
        self._waiting, self._waiting_bytes = kept, sum(len(m) for _, m in kept)
        if self._session is not None:
            await self._forward_up(self._session, message)

    async def _send_audio_on(self, session: MotionSession, req_id: str, message: bytes) -> bool:
        first = self._request_sessions.setdefault(req_id, session.connection_id)
        while len(self._request_sessions) > _REMEMBERED_REQUESTS:
            self._request_sessions.popitem(last=False)
        return first == session.connection_id and await self._forward_up(session, message)

    async def _forward_up(self, session: MotionSession, message: bytes) -> bool:
        try:
            await session.forward(message)
        except AvatarError:
            return False  # the pump reports the close
        return True

    def _take_waiting(self) -> list[tuple[str, bytes]]:
        waiting, self._waiting, self._waiting_bytes = self._waiting, [], 0
        return waiting

    async def close(self) -> None:
        """Close the session normally."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _open(self) -> MotionSession:
        token = await self._tokens.usable()
        self.state = ConnectionState.CONNECTING
        config = self.config
        try:
            session = await open_session(
                config.upstream_url,
                app_id=config.app_id,
                token=token,
                avatar_id=self.avatar_id,
                sample_rate=self.sample_rate,
                extra_query=config.upstream_query,
            )
        except AvatarError as error:
            if error.code is ErrorCode.SESSION_TOKEN_EXPIRED:
                self._tokens.expire(token)
            raise
        self._session = session
        self.connection_ids.append(session.connection_id)
        self.state = ConnectionState.CONNECTED
        self.connected.set()
        return session

    async def _pump(self, session: MotionSession) -> SessionClosed:
        while True:
            message, events = await session.receive_message()
            for event in events:
                if isinstance(event, SessionClosed):
                    return event
                if isinstance(event, ProtocolViolation) and not belongs_to_response(event):
                    self._report(
                        AvatarError(
                            event.code,
                            event.message,
                            Phase.WEBSOCKET_RUNTIME,
                            connection_id=session.connection_id,
                            req_id=event.req_id,
                        )
                    )
            if isinstance(message, bytes) and any(belongs_to_response(e) for e in events):
                await self._forward(message)

    async def _fetch_token(self) -> str:
        return await fetch_session_token(self.config.console_url, self.config.api_key)

    def _failed(self, error: AvatarError) -> None:
        self.state = ConnectionState.FAILED
        self._report(error)

    def _worth_retrying(self, error: AvatarError) -> bool:
        if error.code is ErrorCode.SESSION_TOKEN_EXPIRED:
            return True  # the token source fetches a fresh one
        return self.config.retry.retries(error.code)
