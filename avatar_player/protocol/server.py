"""Sans-I/O server side of the Motion Server protocol.

`ServerConnection` takes each received WebSocket message (`receive(bytes)`) and
returns events; the methods that answer (`confirm`, `animation`, `error`) return
the bytes to send. It validates the handshake and the response bookkeeping
(which `req_id` is in flight, which ended or were interrupted) and does no I/O.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, auto

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.codec import DecodeError, animation_payload, decode_message, encode
from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES
from avatar_player.protocol.errors import ServerFailure
from avatar_player.protocol.motion import MotionFrame

_RECENT_REQUESTS = 256


@dataclass(frozen=True)
class SessionConfigured:
    """The client configured the session; answer with `confirm()` or `error()`."""

    sample_rate: int


@dataclass(frozen=True)
class ResponseSuperseded:
    """Audio for a new `req_id` arrived while `req_id` was still in flight."""

    req_id: str


@dataclass(frozen=True)
class AudioReceived:
    """A chunk of s16le audio for response `req_id`; `end` marks its last chunk."""

    req_id: str
    pcm: bytes
    end: bool


@dataclass(frozen=True)
class InterruptRequested:
    """The client asked to stop response `req_id` at once."""

    req_id: str


@dataclass(frozen=True)
class ClientViolation:
    """The client broke the protocol; fatal failures end the session."""

    failure: ServerFailure
    detail: str
    req_id: str = ""

    @property
    def fatal(self) -> bool:
        """Whether the session must be closed with the failure's close code."""
        return self.failure.spec.close_code is not None


ServerEvent = (
    SessionConfigured | ResponseSuperseded | AudioReceived | InterruptRequested | ClientViolation
)


class ServerState(Enum):
    """Handshake progress of one connection."""

    AWAITING_CONFIGURE = auto()
    CONFIGURED = auto()
    OPEN = auto()
    CLOSED = auto()


class ServerConnection:
    """Protocol state of one client connection, as seen by the server."""

    def __init__(self, connection_id: str) -> None:
        self.connection_id = connection_id
        self.state = ServerState.AWAITING_CONFIGURE
        self.sample_rate = 0
        self.active_req_id: str | None = None
        self._finished: deque[str] = deque(maxlen=_RECENT_REQUESTS)

    def receive(self, data: bytes | str) -> list[ServerEvent]:
        """Events for one received WebSocket message."""
        if self.state is ServerState.CLOSED:
            return []
        try:
            message = decode_message(data)
        except DecodeError as exc:
            return [ClientViolation(ServerFailure.PROTOCOL_ERROR, str(exc))]
        if message.type == pb.MESSAGE_CLIENT_CONFIGURE_SESSION:
            return self._on_configure(message.client_configure_session)
        if self.state is not ServerState.OPEN:
            name = pb.MessageType.Name(message.type)
            return [ClientViolation(ServerFailure.PROTOCOL_ERROR, f"{name} before the handshake")]
        if message.type == pb.MESSAGE_CLIENT_AUDIO_INPUT:
            return self._on_audio(message.client_audio_input)
        if message.type == pb.MESSAGE_CLIENT_INTERRUPT:
            return self._on_interrupt(message.client_interrupt.req_id)
        name = pb.MessageType.Name(message.type)
        return [ClientViolation(ServerFailure.PROTOCOL_ERROR, f"{name} is a server message")]

    def confirm(self) -> bytes:
        """Accept the configured session."""
        if self.state is not ServerState.CONFIGURED:
            raise RuntimeError(f"cannot confirm in state {self.state.name}")
        self.state = ServerState.OPEN
        return encode(
            pb.MESSAGE_SERVER_CONFIRM_SESSION,
            server_confirm_session=pb.ServerConfirmSession(connection_id=self.connection_id),
        )

    def animation(self, req_id: str, frames: Iterable[MotionFrame], *, end: bool) -> bytes:
        """A SERVER_RESPONSE_ANIMATION message; `end` finishes the response."""
        if end:
            self.finish(req_id)
        payload = animation_payload(
            self.connection_id, req_id, frames, end=end, sample_rate=self.sample_rate
        )
        return encode(pb.MESSAGE_SERVER_RESPONSE_ANIMATION, server_response_animation=payload)

    def error(self, failure: ServerFailure, detail: str = "", req_id: str = "") -> bytes:
        """A SERVER_ERROR message; a failure with a close code also closes the session."""
        if failure.spec.close_code is not None:
            self.state = ServerState.CLOSED
        elif req_id:
            self.finish(req_id)
        payload = pb.ServerError(
            connection_id=self.connection_id,
            req_id=req_id,
            code=failure.spec.server_code,
            message=failure.message(detail),
        )
        return encode(pb.MESSAGE_SERVER_ERROR, server_error=payload)

    def finish(self, req_id: str) -> None:
        """Mark `req_id` as over: later audio for it is refused, interrupts ignored."""
        if req_id not in self._finished:
            self._finished.append(req_id)
        if self.active_req_id == req_id:
            self.active_req_id = None

    def _on_configure(self, configure: pb.ClientConfigureSession) -> list[ServerEvent]:
        if self.state is not ServerState.AWAITING_CONFIGURE:
            return [ClientViolation(ServerFailure.PROTOCOL_ERROR, "session already configured")]
        if configure.sample_rate not in SUPPORTED_SAMPLE_RATES:
            return [
                ClientViolation(ServerFailure.UNSUPPORTED_SAMPLE_RATE, str(configure.sample_rate))
            ]
        if configure.audio_format != pb.AUDIO_FORMAT_PCM_S16LE:
            name = pb.AudioFormat.Name(configure.audio_format)
            return [ClientViolation(ServerFailure.UNSUPPORTED_AUDIO_FORMAT, name)]
        if configure.egress_type != pb.EGRESS_TYPE_UNSPECIFIED:
            name = pb.EgressType.Name(configure.egress_type)
            return [
                ClientViolation(ServerFailure.PROTOCOL_ERROR, f"egress {name} is not supported")
            ]
        self.sample_rate = configure.sample_rate
        self.state = ServerState.CONFIGURED
        return [SessionConfigured(configure.sample_rate)]

    def _on_audio(self, audio: pb.ClientAudioInput) -> list[ServerEvent]:
        req_id = audio.req_id
        if not req_id:
            return [ClientViolation(ServerFailure.INVALID_AUDIO_INPUT, "empty req_id")]
        if len(audio.audio) % 2:
            return [
                ClientViolation(
                    ServerFailure.INVALID_AUDIO_INPUT,
                    f"{len(audio.audio)} bytes is not whole s16le samples",
                    req_id,
                )
            ]
        if req_id in self._finished:
            return []
        events: list[ServerEvent] = []
        if self.active_req_id != req_id:
            if self.active_req_id is not None:
                events.append(ResponseSuperseded(self.active_req_id))
                self.finish(self.active_req_id)
            self.active_req_id = req_id
        events.append(AudioReceived(req_id, audio.audio, audio.end))
        return events

    def _on_interrupt(self, req_id: str) -> list[ServerEvent]:
        target = req_id or self.active_req_id
        if target is None or target in self._finished:
            return []
        self.finish(target)
        return [InterruptRequested(target)]
