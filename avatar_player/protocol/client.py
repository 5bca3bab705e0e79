"""Sans-I/O client side of the Motion Server protocol.

`ClientConnection` builds the bytes to send (`configure`, `audio`, `interrupt`) and
turns each received message into events (`receive`). Malformed envelopes and bad
motion frames become events with stable error codes; nothing raises on bad input
from the server.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import Enum, auto

from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.codec import (
    DecodeError,
    MotionDecodeError,
    decode_message,
    encode,
    frame_from_pb,
)
from avatar_player.protocol.constants import FRAME_RATE, SUPPORTED_SAMPLE_RATES
from avatar_player.protocol.errors import ErrorCode, classify_server_error, failure_for_server_code
from avatar_player.protocol.motion import MotionFrame
from avatar_player.protocol.relay_status import (
    RelayMessage,
    RelayMessageError,
    decode_relay_message,
)


@dataclass(frozen=True)
class SessionConfirmed:
    """The server accepted the session."""

    connection_id: str


@dataclass(frozen=True)
class AnimationReceived:
    """Motion for response `req_id`; `end` marks its last message.

    `has_motion` is False when the server sent no motion payload (a server that
    speaks only the public schema); `frames` holds the frames that decoded cleanly.
    """

    req_id: str
    frames: tuple[MotionFrame, ...]
    end: bool
    has_motion: bool


@dataclass(frozen=True)
class ServerErrorReceived:
    """A SERVER_ERROR message, classified to a stable code."""

    code: ErrorCode
    server_code: int
    message: str
    req_id: str
    fatal: bool


@dataclass(frozen=True)
class AudioRelayed:
    """Custom Mode: audio of response `req_id` that a relay forwards for the player to play."""

    req_id: str
    pcm: bytes
    end: bool


@dataclass(frozen=True)
class ProtocolViolation:
    """The server sent something undecodable or out of place (`code` says which)."""

    code: ErrorCode
    message: str
    req_id: str = ""


ClientEvent = (
    SessionConfirmed
    | AnimationReceived
    | AudioRelayed
    | ServerErrorReceived
    | ProtocolViolation
    | RelayMessage
)


class ClientState(Enum):
    """Handshake progress of the client connection."""

    NEW = auto()
    AWAITING_CONFIRM = auto()
    OPEN = auto()


def new_request_id() -> str:
    """A conversation id in the commercial style: UTC timestamp + random suffix."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "_" + secrets.token_urlsafe(9)


class ClientConnection:
    """Protocol state of the player's connection to a Motion Server.

    With `relayed_audio=True` (Custom Mode, connected to a relay) the peer may also send
    CLIENT_AUDIO_INPUT messages: the audio the relay's backend sent upstream, to be played,
    and text frames: the relay's reports on its upstream session (`relay_status`).
    """

    def __init__(self, sample_rate: int, *, relayed_audio: bool = False) -> None:
        if sample_rate not in SUPPORTED_SAMPLE_RATES:
            raise ValueError(f"unsupported sample rate {sample_rate}")
        self.sample_rate = sample_rate
        self.relayed_audio = relayed_audio
        self.state = ClientState.NEW
        self.connection_id = ""

    def configure(self) -> bytes:
        """The CLIENT_CONFIGURE_SESSION message that opens the handshake."""
        if self.state is not ClientState.NEW:
            raise RuntimeError("session already configured")
        self.state = ClientState.AWAITING_CONFIRM
        payload = pb.ClientConfigureSession(
            sample_rate=self.sample_rate, audio_format=pb.AUDIO_FORMAT_PCM_S16LE
        )
        return encode(pb.MESSAGE_CLIENT_CONFIGURE_SESSION, client_configure_session=payload)

    def audio(self, req_id: str, pcm: bytes, *, end: bool) -> bytes:
        """A CLIENT_AUDIO_INPUT chunk of mono s16le audio at the session rate."""
        self._require_open()
        if len(pcm) % 2:
            raise ValueError("audio must be whole s16le samples")
        payload = pb.ClientAudioInput(req_id=req_id, end=end, audio=pcm)
        return encode(pb.MESSAGE_CLIENT_AUDIO_INPUT, client_audio_input=payload)

    def interrupt(self, req_id: str) -> bytes:
        """A CLIENT_INTERRUPT for response `req_id`."""
        self._require_open()
        return encode(
            pb.MESSAGE_CLIENT_INTERRUPT, client_interrupt=pb.ClientInterrupt(req_id=req_id)
        )

    def receive(self, data: bytes | str) -> list[ClientEvent]:
        """Events for one message received from the server."""
        if isinstance(data, str) and self.relayed_audio:
            return [self._on_relay_status(data)]
        try:
            message = decode_message(data)
        except DecodeError as exc:
            return [ProtocolViolation(ErrorCode.PROTOCOL_ERROR, str(exc))]
        if message.type == pb.MESSAGE_SERVER_ERROR:
            return [self._on_error(message.server_error)]
        if message.type == pb.MESSAGE_SERVER_CONFIRM_SESSION:
            return [self._on_confirm(message.server_confirm_session)]
        if message.type == pb.MESSAGE_SERVER_RESPONSE_ANIMATION:
            if self.state is not ClientState.OPEN:
                return [ProtocolViolation(ErrorCode.PROTOCOL_ERROR, "animation before confirm")]
            return self._on_animation(message.server_response_animation)
        if message.type == pb.MESSAGE_CLIENT_AUDIO_INPUT and self.relayed_audio:
            return [self._on_relayed_audio(message.client_audio_input)]
        name = pb.MessageType.Name(message.type)
        return [ProtocolViolation(ErrorCode.PROTOCOL_ERROR, f"{name} is a client message")]

    def _require_open(self) -> None:
        if self.state is not ClientState.OPEN:
            raise RuntimeError(f"session is not open ({self.state.name})")

    def _on_confirm(self, confirm: pb.ServerConfirmSession) -> ClientEvent:
        if self.state is not ClientState.AWAITING_CONFIRM:
            return ProtocolViolation(ErrorCode.PROTOCOL_ERROR, "unexpected session confirm")
        if not confirm.connection_id:
            return ProtocolViolation(ErrorCode.PROTOCOL_ERROR, "confirm without connection_id")
        self.state = ClientState.OPEN
        self.connection_id = confirm.connection_id
        return SessionConfirmed(confirm.connection_id)

    def _on_error(self, error: pb.ServerError) -> ServerErrorReceived:
        failure = failure_for_server_code(error.code)
        fatal = failure is None or failure.spec.close_code is not None
        return ServerErrorReceived(
            code=classify_server_error(error.code, error.message),
            server_code=error.code,
            message=error.message,
            req_id=error.req_id,
            fatal=fatal and not error.req_id,
        )

    def _on_relay_status(self, text: str) -> ClientEvent:
        try:
            return decode_relay_message(text)
        except RelayMessageError as exc:
            return ProtocolViolation(ErrorCode.RELAY_MESSAGE_INVALID, str(exc))

    def _on_relayed_audio(self, audio: pb.ClientAudioInput) -> ClientEvent:
        if self.state is not ClientState.OPEN:
            return ProtocolViolation(ErrorCode.PROTOCOL_ERROR, "audio before confirm")
        if not audio.req_id or len(audio.audio) % 2:
            message = f"relayed audio without req_id or of {len(audio.audio)} bytes"
            return ProtocolViolation(ErrorCode.PROTOCOL_ERROR, message, audio.req_id)
        return AudioRelayed(audio.req_id, audio.audio, audio.end)

    def _on_animation(self, animation: pb.ServerResponseAnimation) -> list[ClientEvent]:
        req_id = animation.req_id
        if animation.motion_version == 0:
            return [AnimationReceived(req_id, (), animation.end, has_motion=False)]
        problem = self._payload_problem(animation)
        if problem:
            violation = ProtocolViolation(ErrorCode.MOTION_DATA_INVALID, problem, req_id)
            return [violation, AnimationReceived(req_id, (), animation.end, has_motion=True)]
        frames: list[MotionFrame] = []
        events: list[ClientEvent] = []
        for raw in animation.frames:
            try:
                frames.append(frame_from_pb(raw))
            except MotionDecodeError as exc:
                events.append(ProtocolViolation(ErrorCode.MOTION_DATA_INVALID, str(exc), req_id))
        events.append(AnimationReceived(req_id, tuple(frames), animation.end, has_motion=True))
        return events

    def _payload_problem(self, animation: pb.ServerResponseAnimation) -> str:
        """What makes a motion payload unusable ('' when nothing). Every motion_version
        from 1 on is read (docs/protocol.md): an older one leaves the channels it lacks at
        0, a newer one's unknown fields are ignored."""
        if animation.frame_rate != FRAME_RATE:
            return f"frame rate {animation.frame_rate} (expected {FRAME_RATE})"
        if animation.sample_rate != self.sample_rate:
            return f"motion stamped at {animation.sample_rate} Hz, session is {self.sample_rate} Hz"
        return ""
