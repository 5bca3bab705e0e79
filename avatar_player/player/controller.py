"""AvatarController: the connection that feeds a Playback, in Basic or Custom Mode.

Basic Mode: connected to a Motion Server, it sends the app's audio to the server and to
the playback, and feeds the server's motion in. Custom Mode: connected to the app's relay
(`python -m avatar_player.relay`), it sends speech requests to the relay and plays the
audio and motion the relay forwards. Either way it owns the connection state machine
and its recovery (token refresh on 4010, jittered capped backoff for transient failures,
no retry for auth and quota failures; a reconnect with a fresh token when speech is sent
on a connection that failed for a transient reason). Qt-free; runs on any asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from avatar_player.client import (
    TRANSIENT_CODES,
    AvatarError,
    MotionSession,
    Phase,
    RetryPolicy,
    SessionClosed,
    TokenProvider,
    TokenSource,
    open_session,
    retrying,
)
from avatar_player.player.playback import Playback
from avatar_player.player.relay_upstream import RelayUpstream
from avatar_player.player.signals import Signal
from avatar_player.player.states import ConnectionChange, ConnectionState, StateChangeReason
from avatar_player.protocol.client import (
    AnimationReceived,
    AudioRelayed,
    ClientEvent,
    ProtocolViolation,
    ServerErrorReceived,
    new_request_id,
)
from avatar_player.protocol.errors import ErrorCode, ServerFailure
from avatar_player.protocol.relay_status import UpstreamFault, UpstreamReport

_TICK_S = 0.02
_STOPPED_MEMORY = 64
RECONNECT_ON_DEMAND = TRANSIENT_CODES | {
    ErrorCode.SESSION_TIMEOUT,
    ErrorCode.SESSION_TOKEN_EXPIRED,
    ErrorCode.SESSION_TOKEN_INVALID,
}
"""Failures after which sending speech reconnects (a fresh token first): the session idled
out, the network or the server went away. Auth and quota failures wait for the user."""


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and as whom to connect."""

    url: str
    """A Motion Server's ingress (Basic Mode) or the app's relay (Custom Mode)."""
    app_id: str
    avatar_id: str
    auth: Literal["headers", "query"] = "headers"
    extra_query: Mapping[str, str] = field(default_factory=dict)
    """Extra ingress query parameters (e.g. the server's fault injection)."""
    send_chunk_ms: float = 100.0
    open_timeout_s: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    mode: Literal["basic", "custom"] = "basic"
    """custom: `url` is a relay that sends the audio to play along with its motion."""


class AvatarController:
    """Connect, send audio, play responses in sync; report states, errors, metrics."""

    def __init__(
        self,
        settings: ConnectionSettings,
        playback: Playback,
        *,
        token_provider: TokenProvider | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.playback = playback
        self.connection_changed: Signal[ConnectionChange] = Signal()
        self.error: Signal[AvatarError] = Signal()
        self.connection_state = ConnectionState.DISCONNECTED
        self.connection_error: AvatarError | None = None
        self.tokens = TokenSource(token_provider)
        self.relay_upstream = RelayUpstream(self.connection_changed, self.error)
        """Custom Mode: the relay's session with the Motion Server, as the relay reports it."""
        self._rng = rng or random.Random()
        self._session: MotionSession | None = None
        self._network_req = ""
        self._sending = ""
        self._sent_as: dict[str, tuple[bool, bool]] = {}
        """(audible, live) of the responses this player sent (Custom Mode plays them later)."""
        self._stopped: deque[str] = deque(maxlen=_STOPPED_MEMORY)
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._reconnect: asyncio.Task[None] | None = None
        playback.error.connect(self.error.emit)

    @property
    def sample_rate(self) -> int:
        """The session's audio rate (the playback sink's rate)."""
        return self.playback.sample_rate

    @property
    def connection_id(self) -> str:
        """The server's id of the open session ('' when not connected)."""
        return self._session.connection_id if self._session else ""

    @property
    def custom_mode(self) -> bool:
        """Whether the peer is a relay (Custom Mode)."""
        return self.settings.mode == "custom"

    @property
    def token_provider(self) -> TokenProvider | None:
        """Where fresh tokens come from (None: only tokens set by hand)."""
        return self.tokens.provider

    @token_provider.setter
    def token_provider(self, provider: TokenProvider | None) -> None:
        self.tokens.provider = provider

    def set_session_token(self, token: str) -> None:
        """Use `token` for the next connect."""
        self.tokens.token = token

    async def start(self) -> None:
        """Connect (retrying transient failures); AvatarError once it gives up."""
        if self.connection_state is ConnectionState.CONNECTING:
            raise AvatarError(
                ErrorCode.CONNECTION_IN_PROGRESS, "already connecting", Phase.WEBSOCKET_CONNECT
            )
        if self.connection_state is ConnectionState.CONNECTED:
            return
        self.ensure_ticking()
        await self._connect_with_retries()

    async def close(self) -> None:
        """Stop playback, close the connection and every background task."""
        for task in (self._reconnect, self._ticker):
            if task is not None:
                task.cancel()
        self._reconnect = self._ticker = None
        self.playback.interrupt()
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._set_connection(ConnectionState.DISCONNECTED)

    async def send(
        self,
        audio: np.ndarray | bytes,
        *,
        end: bool = False,
        audible: bool = True,
        live: bool = False,
    ) -> str:
        """Send speech (mono int16 at the session rate); returns its conversation id.

        Continues the current response until a chunk with `end=True`; the next call
        then starts a new one (`audible` and `live` apply to it: see `Playback.begin`).
        In Custom Mode the relay sends the audio back to be played. On a connection that
        failed for a transient reason it first reconnects (`reconnect_on_demand`).
        """
        if not self._sending:
            await self.reconnect_on_demand()
        session = self._session
        if session is None or self.connection_state is not ConnectionState.CONNECTED:
            code = (
                ErrorCode.CONNECTION_IN_PROGRESS
                if self.connection_state is ConnectionState.CONNECTING
                else ErrorCode.WEBSOCKET_ERROR
            )
            raise AvatarError(code, "not connected", Phase.WEBSOCKET_RUNTIME)
        pcm = np.frombuffer(audio, dtype="<i2") if isinstance(audio, bytes) else audio
        req_id = self._request_to_send(audible=audible, live=live)
        if not self.custom_mode:
            self.playback.add_audio(pcm, end=end)
        if end:
            self._sending = ""
        chunk = max(1, int(self.sample_rate * self.settings.send_chunk_ms / 1000))
        starts = range(0, len(pcm), chunk) or [0]
        try:
            for start in starts:
                last = start + chunk >= len(pcm)
                chunk_pcm = pcm[start : start + chunk].tobytes()
                await session.send_audio(req_id, chunk_pcm, end=end and last)
        except AvatarError:
            if self.custom_mode:  # nothing plays until the relay sends the audio back
                raise
            # The audio is queued here and plays on; the reader reports the lost connection
            # and the response falls back to audio only (networkError).
        return req_id

    def _request_to_send(self, *, audible: bool, live: bool) -> str:
        """The conversation id the next audio belongs to (a new one after an `end`)."""
        current = self.playback.current
        local_gone = not self.custom_mode and (current is None or current.req_id != self._sending)
        if not self._sending or local_gone:
            self._sending = new_request_id()
            self._sent_as = {self._sending: (audible, live)}
            if not self.custom_mode:
                self.playback.begin(self._sending, audible=audible, live=live)
                self._network_req = self._sending
        return self._sending

    @property
    def sending(self) -> str:
        """The response still taking audio ('' when none)."""
        return self._sending

    @property
    def can_reconnect_on_demand(self) -> bool:
        """Whether sending speech now would reconnect first (see `reconnect_on_demand`)."""
        error = self.connection_error
        failed = self.connection_state is ConnectionState.FAILED
        return failed and error is not None and error.code in RECONNECT_ON_DEMAND

    def is_sending(self, req_id: str) -> bool:
        """Whether `req_id` is the response still taking audio (not ended or interrupted)."""
        return bool(req_id) and req_id == self._sending

    async def reconnect_on_demand(self) -> None:
        """Reconnect (with a fresh token where one can be had) when the connection failed
        for a reason in `RECONNECT_ON_DEMAND`, or wait for a reconnect in progress; an
        AvatarError when that fails. Any other state is left as it is."""
        if self.connection_state is ConnectionState.CONNECTING and self._reconnect is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._reconnect)
            return
        if not self.can_reconnect_on_demand:
            return
        if self._reconnect is not None:
            self._reconnect.cancel()
            self._reconnect = None
        if self.tokens.provider is not None:
            self.tokens.expire()
        await self._connect_with_retries()

    async def interrupt(self) -> str | None:
        """Stop the current response at once and tell the server; returns its id."""
        req_id = self.playback.interrupt()
        if req_id:
            self._stopped.append(req_id)
        if req_id == self._sending:
            self._sending = ""
        if req_id and req_id == self._network_req and self._session is not None:
            with contextlib.suppress(AvatarError):
                await self._session.interrupt(req_id)
        return req_id

    # Connection --------------------------------------------------------------------------

    async def _connect_with_retries(self) -> None:
        await retrying(
            self._connect_once,
            self.settings.retry,
            self._rng,
            on_failure=self._fail,
            worth_retrying=self._worth_retrying,
        )

    async def _connect_once(self) -> None:
        token = "" if self.custom_mode else await self.tokens.usable()
        self._set_connection(ConnectionState.CONNECTING)
        try:
            session = await open_session(
                self.settings.url,
                app_id=self.settings.app_id,
                token=token,
                avatar_id=self.settings.avatar_id,
                sample_rate=self.sample_rate,
                auth=self.settings.auth,
                extra_query=self.settings.extra_query,
                timeout_s=self.settings.open_timeout_s,
                relayed_audio=self.custom_mode,
            )
        except AvatarError as error:
            if self._needs_fresh_token(error):
                self.tokens.expire(token)
            raise
        self._session = session
        self._spawn(self._read(session))
        self._set_connection(ConnectionState.CONNECTED)

    def _worth_retrying(self, error: AvatarError) -> bool:
        if self._needs_fresh_token(error):
            return self.tokens.provider is not None
        return self.settings.retry.retries(error.code)

    def _needs_fresh_token(self, error: AvatarError) -> bool:
        """The token expired, or the server does not know it (it restarted with a new signing
        key): a fresh one from the provider may work."""
        unknown = error.server_code == ServerFailure.SESSION_TOKEN_INVALID.spec.server_code
        return error.code is ErrorCode.SESSION_TOKEN_EXPIRED or (
            unknown and self.tokens.provider is not None
        )

    async def _read(self, session: MotionSession) -> None:
        async for event in session:
            if isinstance(event, SessionClosed):
                self._on_closed(session, event)
            else:
                self._on_event(session, event)

    def _on_event(self, session: MotionSession, event: ClientEvent) -> None:
        playback = self.playback
        match event:
            case AnimationReceived(has_motion=False):
                if playback.accepts_motion(event.req_id):
                    message = "the server sent no motion payload"
                    playback.motion_failed(
                        event.req_id,
                        self._runtime_error(
                            session, ErrorCode.MOTION_DATA_MISSING, message, event.req_id
                        ),
                    )
            case AnimationReceived():
                playback.add_frames(event.req_id, event.frames, end=event.end)
            case AudioRelayed():
                self._play_relayed(event)
            case UpstreamReport() | UpstreamFault():
                self.relay_upstream.receive(event)
            case ProtocolViolation(code=ErrorCode.MOTION_DATA_INVALID):
                error = self._runtime_error(session, event.code, event.message, event.req_id)
                playback.motion_failed(event.req_id, error)
            case ProtocolViolation():
                self.error.emit(
                    self._runtime_error(session, event.code, event.message, event.req_id)
                )
            case ServerErrorReceived(fatal=False):
                error = self._runtime_error(
                    session, event.code, event.message, event.req_id, event.server_code
                )
                playback.motion_failed(event.req_id, error, StateChangeReason.SERVER_ERROR)
            case ServerErrorReceived():
                pass  # the close that follows reports it, with the close code

    def _play_relayed(self, audio: AudioRelayed) -> None:
        """Custom Mode: play audio the relay forwarded (a new req_id starts a new response)."""
        playback = self.playback
        if audio.req_id in self._stopped:
            return
        current = playback.current
        if current is None or current.req_id != audio.req_id:
            audible, live = self._sent_as.get(audio.req_id, (True, False))
            playback.begin(audio.req_id, audible=audible, live=live)
            self._network_req = audio.req_id
        elif current.audio_ended:
            return
        playback.add_audio(np.frombuffer(audio.pcm, dtype="<i2"), end=audio.end)

    def _on_closed(self, session: MotionSession, closed: SessionClosed) -> None:
        if self._session is session:
            self._session = None
        error = closed.error
        if error is None:
            self._set_connection(ConnectionState.DISCONNECTED)
            return
        response = self.playback.current
        if (
            response is not None
            and response.req_id == self._network_req
            and not response.track.ended  # a response whose motion all arrived plays on
        ):
            reason = (
                StateChangeReason.SERVER_ERROR
                if error.server_code is not None
                else StateChangeReason.NETWORK_ERROR
            )
            self.playback.motion_failed(response.req_id, error, reason)  # audio plays on
        else:
            self.error.emit(error)
        self._set_connection(ConnectionState.FAILED, error)
        if error.code is ErrorCode.SESSION_TOKEN_EXPIRED:
            self.tokens.expire()
        if self._worth_retrying(error):
            self._reconnect = asyncio.create_task(self._reconnect_quietly())

    async def _reconnect_quietly(self) -> None:
        with contextlib.suppress(AvatarError):
            await self._connect_with_retries()

    def _fail(self, error: AvatarError) -> None:
        self.error.emit(error)
        self._set_connection(ConnectionState.FAILED, error)

    def _runtime_error(
        self,
        session: MotionSession,
        code: ErrorCode,
        message: str,
        req_id: str,
        server_code: int | None = None,
    ) -> AvatarError:
        return AvatarError(
            code,
            message,
            Phase.WEBSOCKET_RUNTIME,
            server_code=server_code,
            connection_id=session.connection_id,
            req_id=req_id,
        )

    def _set_connection(self, state: ConnectionState, error: AvatarError | None = None) -> None:
        if state is self.connection_state and error is self.connection_error:
            return
        self.connection_state, self.connection_error = state, error
        self.connection_changed.emit(ConnectionChange(state, error))

    # Background tasks ---------------------------------------------------------------------

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def ensure_ticking(self) -> None:
        """Advance the playback's state machine every 20 ms from now on (until `close()`),
        also while no connection is open (Host Mode, replays)."""
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        while True:
            self.playback.tick()
            await asyncio.sleep(_TICK_S)
