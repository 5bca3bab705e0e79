"""WebSocket ingress: authenticates each connection and runs its session.

One `IngressSession` per connection: a receive loop feeding the sans-I/O
`ServerConnection`, a worker that turns audio into motion with the generator (in a
thread, so the event loop stays responsive), a sender that applies fault injection,
and a watchdog for the handshake, token expiry, session duration and idle limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from websockets.asyncio.server import ServerConnection as WebSocket
from websockets.exceptions import ConnectionClosed

from avatar_player.motion import MotionGenerator
from avatar_player.protocol.constants import (
    APP_ID_HEADER,
    APP_ID_QUERY,
    AVATAR_ID_QUERY,
    SESSION_KEY_HEADER,
    SESSION_KEY_QUERY,
)
from avatar_player.protocol.errors import ServerFailure
from avatar_player.protocol.motion import MotionFrame
from avatar_player.protocol.server import (
    AudioReceived,
    ClientViolation,
    InterruptRequested,
    ResponseSuperseded,
    ServerConnection,
    ServerEvent,
    ServerState,
    SessionConfigured,
)
from avatar_player.server.accounts import Accounts
from avatar_player.server.config import ServerConfig
from avatar_player.server.faults import FaultInjector
from avatar_player.server.refusal import Refusal
from avatar_player.server.tokens import TokenAuthority

log = logging.getLogger("avatar_player.server.session")

_WORK_QUEUE_MESSAGES = 32


@dataclass
class ServerShared:
    """State every session of one server uses."""

    config: ServerConfig
    accounts: Accounts
    tokens: TokenAuthority


@dataclass
class _Response:
    """One response being generated."""

    req_id: str
    generator: MotionGenerator
    started: float = field(default_factory=time.monotonic)
    audio_s: float = 0.0
    frames: int = 0
    fallback_logged: bool = False


@dataclass(frozen=True)
class _Outgoing:
    req_id: str
    data: bytes
    frames: int
    end: bool
    due: float


class IngressSession:
    """One client connection, from authentication to close."""

    def __init__(self, ws: WebSocket, shared: ServerShared) -> None:
        self.ws = ws
        self.shared = shared
        self.limits = shared.config.limits
        self.conn = ServerConnection(secrets.token_hex(8))
        self.app_id = ""
        self.started = time.monotonic()
        self.last_audio = self.started
        self.token_deadline = float("inf")
        self.faults = FaultInjector(shared.config.faults)
        self._responses: dict[str, _Response] = {}
        self._generating: _Response | None = None
        """The response whose audio a worker thread is turning into motion now."""
        self._cancelled: set[str] = set()
        self._work: asyncio.Queue[AudioReceived] = asyncio.Queue(_WORK_QUEUE_MESSAGES)
        self._outbox: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._closing = False
        self._close_note = "client closed"
        self._deadlines_changed = asyncio.Event()

    @property
    def cid(self) -> str:
        """Connection id (for logs)."""
        return self.conn.connection_id

    async def run(self) -> None:
        """Serve the connection until it closes."""
        admitted = False
        try:
            self._authenticate()
            self.shared.accounts.admit(self.app_id)
            admitted = True
            log.info("session %s open app=%s peer=%s", self.cid, self.app_id, self._peer())
            async with asyncio.TaskGroup() as tasks:
                helpers = [
                    tasks.create_task(self._watchdog()),
                    tasks.create_task(self._generate()),
                    tasks.create_task(self._send()),
                ]
                try:
                    await self._receive()
                finally:
                    for task in helpers:
                        task.cancel()
        except* Refusal as group:
            refusal = group.exceptions[0]
            assert isinstance(refusal, Refusal)
            await self._fail(refusal.failure, refusal.detail)
        except* ConnectionClosed:
            self._close_note = "connection lost"
        except* Exception:
            log.exception("session %s failed", self.cid)
            await self._fail(ServerFailure.INTERNAL_ERROR, "")
        finally:
            for response in self._responses.values():
                if response is not self._generating:
                    response.generator.close()
            if admitted:
                self.shared.accounts.release(self.app_id)
            duration = time.monotonic() - self.started
            log.info(
                "session %s closed (%s) code=%s after %.1fs",
                self.cid,
                self._close_note,
                self.ws.close_code,
                duration,
            )

    def _peer(self) -> str:
        address = self.ws.remote_address
        return f"{address[0]}:{address[1]}" if address else "?"

    def _authenticate(self) -> None:
        request = self.ws.request
        assert request is not None
        query = dict(parse_qsl(urlsplit(request.path).query))
        app_id = request.headers.get(APP_ID_HEADER) or query.get(APP_ID_QUERY, "")
        token = request.headers.get(SESSION_KEY_HEADER) or query.get(SESSION_KEY_QUERY, "")
        avatar_id = query.get(AVATAR_ID_QUERY, "")
        config = self.shared.config
        self.app_id = app_id
        if not app_id or not token:
            raise Refusal(ServerFailure.SESSION_TOKEN_INVALID, "missing app id or token")
        if config.app(app_id) is None:
            raise Refusal(ServerFailure.APP_ID_UNRECOGNIZED, app_id)
        claims = self.shared.tokens.verify(token, app_id, time.time())
        self.token_deadline = time.monotonic() + (claims.expire_at - time.time())
        if config.avatar_for(avatar_id, app_id) is None:
            raise Refusal(ServerFailure.AVATAR_NOT_FOUND, avatar_id or "no id given")
        if any(key.startswith("fault") for key in query):
            if not config.allow_session_faults:
                raise Refusal(ServerFailure.PROTOCOL_ERROR, "fault injection is disabled")
            try:
                self.faults = FaultInjector(config.faults.with_query(query))
            except ValueError as exc:
                raise Refusal(ServerFailure.PROTOCOL_ERROR, str(exc)) from None
        if self.faults.config.active:
            log.info("session %s faults %s", self.cid, self.faults.config)

    async def _receive(self) -> None:
        async for data in self.ws:
            for event in self.conn.receive(data):
                await self._handle(event)

    async def _handle(self, event: ServerEvent) -> None:
        match event:
            case SessionConfigured(sample_rate=rate):
                await self.ws.send(self.conn.confirm())
                self.last_audio = time.monotonic()
                self._deadlines_changed.set()
                log.info("session %s configured rate=%d", self.cid, rate)
            case AudioReceived():
                await self._on_audio(event)
            case InterruptRequested(req_id=req_id):
                self._cancel(req_id)
                log.info("session %s response %s interrupted", self.cid, req_id)
            case ResponseSuperseded(req_id=req_id):
                await self._work.put(AudioReceived(req_id, b"", end=True))
            case ClientViolation(fatal=True):
                raise Refusal(event.failure, event.detail)
            case ClientViolation():
                if event.req_id:
                    self._cancel(event.req_id)
                await self.ws.send(self.conn.error(event.failure, event.detail, event.req_id))

    async def _on_audio(self, event: AudioReceived) -> None:
        self.last_audio = time.monotonic()
        response = self._responses.get(event.req_id)
        if response is None:
            generator = MotionGenerator(
                self.conn.sample_rate,
                seed=response_seed(event.req_id),
                visemes=self.shared.config.visemes,
            )
            response = self._responses[event.req_id] = _Response(event.req_id, generator)
            log.info("session %s response %s started", self.cid, event.req_id)
        seconds = len(event.pcm) / 2 / self.conn.sample_rate
        response.audio_s += seconds
        if response.audio_s > self.limits.max_request_audio_s:
            self._cancel(event.req_id)
            failure = ServerFailure.AUDIO_LIMIT_EXCEEDED
            detail = f"{event.req_id} exceeds {self.limits.max_request_audio_s:.0f} s"
            await self.ws.send(self.conn.error(failure, detail, event.req_id))
            return
        if not self.shared.accounts.charge(self.app_id, seconds):
            raise Refusal(ServerFailure.CREDITS_EXHAUSTED)
        await self._work.put(event)

    def _cancel(self, req_id: str) -> None:
        """Stop response `req_id` at once: no more generation, nothing more sent."""
        response = self._responses.pop(req_id, None)
        self._cancelled.add(req_id)
        if response is not None and response is not self._generating:
            response.generator.close()  # else _generate closes it when its thread is done

    async def _generate(self) -> None:
        while True:
            item = await self._work.get()
            response = self._responses.get(item.req_id)
            if response is None:
                continue
            pcm = np.frombuffer(item.pcm, dtype="<i2")
            self._generating = response
            if response.generator.recognizing:
                frames = await asyncio.to_thread(_run_generator, response.generator, pcm, item.end)
            else:  # the DSP mouth takes less time than a hop to a thread and back
                frames = _run_generator(response.generator, pcm, item.end)
            self._generating = None
            if self._responses.get(item.req_id) is not response:
                response.generator.close()  # interrupted while generating
                continue
            if response.generator.fallback_reason and not response.fallback_logged:
                response.fallback_logged = True
                log.info(
                    "session %s response %s: DSP mouth (%s)",
                    self.cid,
                    item.req_id,
                    response.generator.fallback_reason,
                )
            if item.end:
                del self._responses[item.req_id]
            if frames or item.end:
                self._queue_animation(response, frames, item.end)

    def _queue_animation(self, response: _Response, frames: list[MotionFrame], end: bool) -> None:
        response.frames += len(frames)
        data = self.conn.animation(response.req_id, frames, end=end)
        config = self.faults.config
        due = time.monotonic() + config.delay_s(self.faults.rng)
        if end:
            if config.end_delay_ms < 0:
                log.info("session %s response %s: end withheld (fault)", self.cid, response.req_id)
                return
            due += config.end_delay_ms / 1000.0
            log.info(
                "session %s response %s done audio=%.2fs frames=%d in %.3fs",
                self.cid,
                response.req_id,
                response.audio_s,
                response.frames,
                time.monotonic() - response.started,
            )
        self._outbox.put_nowait(_Outgoing(response.req_id, data, len(frames), end, due))

    async def _send(self) -> None:
        not_before = 0.0
        while True:
            item = await self._outbox.get()
            if item.req_id in self._cancelled:
                continue
            not_before = max(not_before, item.due)
            delay = not_before - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
                if item.req_id in self._cancelled:
                    continue
            await self.ws.send(self.faults.mangle(item.data, item.frames))
            if self.faults.should_drop():
                log.info("session %s dropping connection (fault)", self.cid)
                self._close_note = "dropped by fault injection"
                self.ws.transport.abort()
                return

    async def _watchdog(self) -> None:
        while True:
            failure, deadline, detail = min(self._deadlines(), key=lambda d: d[1])
            delay = deadline - time.monotonic()
            if delay <= 0:
                raise Refusal(failure, detail)
            self._deadlines_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._deadlines_changed.wait(), delay)

    def _deadlines(self) -> list[tuple[ServerFailure, float, str]]:
        limits = self.limits
        deadlines = [
            (ServerFailure.SESSION_TOKEN_EXPIRED, self.token_deadline, ""),
            (
                ServerFailure.SESSION_DURATION_EXCEEDED,
                self.started + limits.session_duration_s,
                f"limit {limits.session_duration_s:g} s",
            ),
        ]
        if self.conn.state is ServerState.OPEN:
            idle = (
                ServerFailure.IDLE_TIMEOUT,
                self.last_audio + limits.idle_timeout_s,
                f"no audio input for {limits.idle_timeout_s:g} s",
            )
            deadlines.append(idle)
        else:
            handshake = (
                ServerFailure.PROTOCOL_ERROR,
                self.started + limits.handshake_timeout_s,
                f"no session configure within {limits.handshake_timeout_s:g} s",
            )
            deadlines.append(handshake)
        return deadlines

    async def _fail(self, failure: ServerFailure, detail: str) -> None:
        if self._closing:
            return
        self._closing = True
        self._close_note = failure.message(detail)
        close_code = failure.spec.close_code or 1011
        try:
            await self.ws.send(self.conn.error(failure, detail))
            await self.ws.close(close_code, failure.spec.text)
        except ConnectionClosed:
            pass


def response_seed(req_id: str) -> int:
    """The generator seed of response `req_id`: its gestures are reproducible."""
    return zlib.crc32(req_id.encode())


def _run_generator(generator: MotionGenerator, pcm: np.ndarray, end: bool) -> list[MotionFrame]:
    frames = generator.push(pcm)
    if end:
        frames += generator.finish()
    return frames
