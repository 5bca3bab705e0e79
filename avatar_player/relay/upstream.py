"""The relay's own connection to a Motion Server: API key -> token -> session, with recovery.

One per player link. It forwards every message that belongs to a response to the
link, reports its state changes and failures (phase, code, close code) and reconnects on
its own; the player downstream never sees the upstream's credentials. Audio that arrives
while no session is open waits (bounded) for the next one, unless its response already
began on a session that was lost: motion stamps restart with every session. Once it gave
up, the next response starts a new series of tries.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from avatar_player.client import (
    AvatarError,
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
from avatar_player.protocol.relay_status import UpstreamState
from avatar_player.relay.config import RelayConfig

Forward = Callable[[bytes], Awaitable[None]]
OnState = Callable[[UpstreamState, AvatarError | None], None]
"""Gets every new state, with the failure that led to it (reconnecting, failed)."""
OnFailure = Callable[[AvatarError], None]
"""Gets every failure that left the state as it was."""

_REMEMBERED_REQUESTS = 256
_LOST = ""
"""A response's session in `_request_sessions` when it can get no motion (reported once)."""


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
        on_state: OnState,
        on_failure: OnFailure,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.sample_rate = sample_rate
        self.avatar_id = avatar_id
        self.state = UpstreamState.CLOSED
        self.connection_ids: list[str] = []
        """Every upstream session this link has had, oldest first."""
        self.connected = asyncio.Event()
        self._forward = forward
        self._on_state = on_state
        self._on_failure = on_failure
        self._rng = rng or random.Random()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._failures = 0
        """Failed tries in the current series (as `retrying` counts them)."""
        self._tokens = TokenSource(self._fetch_token)
        self._session: MotionSession | None = None
        self._waiting: list[tuple[str, bytes]] = []
        self._waiting_bytes = 0
        self._request_sessions: OrderedDict[str, str] = OrderedDict()

    def start(self) -> None:
        """Open the session in the background (again, when the last series gave up)."""
        if not self._closed and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        """Connect, pump messages, reconnect after failures worth retrying; until closed
        or given up."""
        self._set_state(UpstreamState.CONNECTING)
        while True:
            self._failures = 0
            try:
                session = await retrying(
                    self._open,
                    self.config.retry,
                    self._rng,
                    on_failure=self._try_failed,
                    worth_retrying=self._worth_retrying,
                )
            except AvatarError:
                self._give_up()
                return
            for req_id, message in self._take_waiting():
                await self.send_audio(req_id, message)
            closed = await self._pump(session)
            self._session = None
            self.connected.clear()
            if closed.error is None:
                self._set_state(UpstreamState.CLOSED)
                return
            if closed.error.code is ErrorCode.SESSION_TOKEN_EXPIRED:
                self._tokens.expire()
            retry = self._worth_retrying(closed.error)
            self._failed(closed.error, retry)
            if not retry:
                self._give_up()
                return

    async def send_audio(self, req_id: str, message: bytes) -> None:
        """Forward (or hold for the next session, which it starts when none is on its way)
        one encoded audio message of `req_id`; a response that can get no motion is
        reported once."""
        first = self._request_sessions.get(req_id)
        if first == _LOST:
            return
        session = self._session
        if session is not None:
            if not await self._send_audio_on(session, req_id, message):
                self._lose(req_id)
            return
        if first is not None or self._waiting_bytes + len(message) > self.config.max_waiting_bytes:
            self._lose(req_id)  # it began on a lost session, or too much is waiting
            return
        self._waiting.append((req_id, message))
        self._waiting_bytes += len(message)
        self.start()

    async def interrupt(self, req_id: str, message: bytes) -> None:
        """Forward an encoded interrupt; audio of `req_id` still waiting is dropped."""
        kept = [(r, m) for r, m in self._take_waiting() if r != req_id]
        self._waiting, self._waiting_bytes = kept, sum(len(m) for _, m in kept)
        if self._session is not None:
            await self._forward_up(self._session, message)

    async def _send_audio_on(self, session: MotionSession, req_id: str, message: bytes) -> bool:
        first = self._request_sessions.setdefault(req_id, session.connection_id)
        self._forget_oldest()
        return first == session.connection_id and await self._forward_up(session, message)

    def _lose(self, req_id: str) -> None:
        """Response `req_id` gets no motion: say so once."""
        self._request_sessions[req_id] = _LOST
        self._forget_oldest()
        message = "no upstream session for this response; it plays without motion"
        error = AvatarError(
            ErrorCode.WEBSOCKET_ERROR, message, Phase.WEBSOCKET_RUNTIME, req_id=req_id
        )
        self._on_failure(error)

    def _forget_oldest(self) -> None:
        while len(self._request_sessions) > _REMEMBERED_REQUESTS:
            self._request_sessions.popitem(last=False)

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
        """Stop trying, close the session normally (`closed`); for good."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        self.connected.clear()
        self._set_state(UpstreamState.CLOSED)

    async def _open(self) -> MotionSession:
        token = await self._tokens.usable()
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
        self.connected.set()
        self._set_state(UpstreamState.CONNECTED)
        return session

    async def _pump(self, session: MotionSession) -> SessionClosed:
        while True:
            message, events = await session.receive_message()
            for event in events:
                if isinstance(event, SessionClosed):
                    return event
                if isinstance(event, ProtocolViolation) and not belongs_to_response(event):
                    self._on_failure(
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

    def _try_failed(self, error: AvatarError) -> None:
        """A try to open the session failed; `retrying` tries again unless this was its last."""
        self._failures += 1
        retry = self._worth_retrying(error) and self._failures <= self.config.retry.max_attempts
        self._failed(error, retry)

    def _failed(self, error: AvatarError, retry: bool) -> None:
        self.state = UpstreamState.RECONNECTING if retry else UpstreamState.FAILED
        self._on_state(self.state, error)

    def _give_up(self) -> None:
        """The series ended in `failed`: the audio waiting for it gets no motion."""
        for req_id in dict.fromkeys(req_id for req_id, _ in self._take_waiting()):
            self._lose(req_id)

    def _set_state(self, state: UpstreamState) -> None:
        if state is not self.state:
            self.state = state
            self._on_state(state, None)

    def _worth_retrying(self, error: AvatarError) -> bool:
        if error.code is ErrorCode.SESSION_TOKEN_EXPIRED:
            return True  # the token source fetches a fresh one
        return self.config.retry.retries(error.code)
