"""Session recordings: everything that fed a Playback, and what it reported, in one file.

A recording is gzip-compressed JSON lines. The first line is a header (format,
version, sample rate, source); every other line is one event with `t`, seconds since
the recording started. Inputs (`begin`, `audio`, `motion`, `motion_failed`, `pause`,
`resume`, `interrupt`; `tick` = a state machine step at the audio `position` it read;
`frame` = a pose handed to the renderer, with its audio `position` and the `pose`)
are what a replay feeds back in; outcomes (`conversation`,
`connection`, `error`) are what the replay must reproduce or re-show. Audio is base64
s16le, poses base64 float32, motion base64 of the protocol's ServerResponseAnimation
message. Credentials never reach the file (texts are redacted).
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from google.protobuf.message import DecodeError as ProtobufDecodeError

from avatar_player.client import AvatarError, ConnectionChange, Phase
from avatar_player.player.inputs import PlaybackInput
from avatar_player.player.playback import Playback
from avatar_player.player.signals import Signal
from avatar_player.player.states import ConversationChange, StateChangeReason
from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.codec import (
    DecodeError,
    MotionDecodeError,
    animation_payload,
    frame_from_pb,
)
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.motion import EARLIER_VECTOR_SIZES, VECTOR_SIZE, MotionFrame
from avatar_player.protocol.redaction import redact

FORMAT = "avatar-player-recording"
VERSION = 1


class RecordingError(ValueError):
    """A recording file that cannot be read (code `recordingInvalid`)."""

    code = "recordingInvalid"


@dataclass(frozen=True)
class Recording:
    """A loaded recording: its header and its events in time order."""

    header: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sample_rate(self) -> int:
        return int(self.header["sample_rate"])

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        """The events of the given types, in order."""
        return [event for event in self.events if event["type"] in types]


def error_to_json(error: AvatarError) -> dict[str, Any]:
    """An error record with every field set (texts redacted)."""
    record = {
        "code": str(error.code),
        "phase": str(error.phase),
        "message": redact(error.message),
        "http_status": error.http_status,
        "server_code": error.server_code,
        "close_code": error.close_code,
        "close_reason": redact(error.close_reason),
        "connection_id": error.connection_id,
        "req_id": error.req_id,
    }
    return {key: value for key, value in record.items() if value not in (None, "")}


def error_from_json(record: dict[str, Any]) -> AvatarError:
    """The AvatarError an `error_to_json` record describes."""
    fields = dict(record)
    return AvatarError(
        ErrorCode(fields.pop("code")),
        fields.pop("message", ""),
        Phase(fields.pop("phase")),
        **fields,
    )


def encode_frames(frames: list[MotionFrame] | tuple[MotionFrame, ...], sample_rate: int) -> str:
    """Frames as base64 of a ServerResponseAnimation message (exact float32 values)."""
    payload = animation_payload("", "", frames, end=False, sample_rate=sample_rate)
    return base64.b64encode(payload.SerializeToString()).decode("ascii")


def decode_frames(text: str) -> list[MotionFrame]:
    """The frames `encode_frames` stored."""
    message = pb.ServerResponseAnimation()
    try:
        message.ParseFromString(base64.b64decode(text, validate=True))
    except ProtobufDecodeError as error:
        raise MotionDecodeError(f"stored motion does not parse: {error}") from None
    return [frame_from_pb(frame) for frame in message.frames]


def decode_pcm(text: str) -> np.ndarray:
    """Samples stored as base64 s16le."""
    return np.frombuffer(base64.b64decode(text, validate=True), dtype="<i2").astype(np.int16)


def decode_pose(text: str) -> np.ndarray:
    """A pose stored as base64 float32; one recorded with an earlier motion_version's
    channels gets the channels added since at rest (zero)."""
    pose = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f4").astype(np.float32)
    if pose.size in EARLIER_VECTOR_SIZES:
        return np.concatenate((pose, np.zeros(VECTOR_SIZE - pose.size, np.float32)))
    if pose.size != VECTOR_SIZE:
        raise ValueError(f"a pose has {VECTOR_SIZE} values, not {pose.size}")
    return pose


class Recorder:
    """Writes what a Playback is fed and what it and its connection report, as it happens."""

    def __init__(
        self,
        path: str | Path,
        playback: Playback,
        *,
        source: dict[str, str] | None = None,
        connection: Signal[ConnectionChange] | None = None,
        errors: Signal[AvatarError] | None = None,
    ) -> None:
        self.path = Path(path)
        self.playback = playback
        # The file stays open until close(): events are written as they happen.
        self._file: IO[str] | None = gzip.open(self.path, "wt", encoding="utf-8")  # noqa: SIM115
        self._start = playback.clock()
        self.events = 0
        self._write(
            {
                "type": "header",
                "format": FORMAT,
                "version": VERSION,
                "sample_rate": playback.sample_rate,
                "audio_latency_s": playback.sink.latency_s,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "source": {key: redact(value) for key, value in (source or {}).items()},
            }
        )
        self._subscriptions: list[tuple[Signal[Any], Callable[[Any], None]]] = [
            (playback.fed, self._on_input),
            (playback.changed, self._on_conversation),
            (errors or playback.error, self._on_error),
        ]
        if connection is not None:
            self._subscriptions.append((connection, self._on_connection))
        for signal, slot in self._subscriptions:
            signal.connect(slot)

    def close(self) -> None:
        """Stop recording and finish the file."""
        for signal, slot in self._subscriptions:
            signal.disconnect(slot)
        self._subscriptions.clear()
        if self._file is not None:
            self._file.close()
            self._file = None

    def _on_input(self, item: PlaybackInput) -> None:
        event: dict[str, Any] = {"type": item.kind}
        if item.req_id:
            event["req_id"] = item.req_id
        if item.kind in ("audio", "motion"):
            event["end"] = item.end
        if item.pcm is not None:
            event["pcm"] = base64.b64encode(item.pcm.astype("<i2").tobytes()).decode("ascii")
        if item.kind == "motion":
            event["frames"] = encode_frames(list(item.frames), self.playback.sample_rate)
        if item.error is not None:
            event["error"] = error_to_json(item.error)
        if item.reason is not None:
            event["reason"] = str(item.reason)
        if item.position is not None:
            event["position"] = item.position
        if item.holding:
            event["holding"] = True
        if item.kind == "begin" and (not item.audible or item.live):
            event["audible"], event["live"] = item.audible, item.live
        if item.pose is not None:
            event["pose"] = base64.b64encode(item.pose.astype("<f4").tobytes()).decode("ascii")
        self._write(event)

    def _on_conversation(self, change: ConversationChange) -> None:
        self._write(
            {
                "type": "conversation",
                "state": str(change.state),
                "reason": str(change.reason),
                "req_id": change.req_id,
            }
        )

    def _on_connection(self, change: ConnectionChange) -> None:
        event = {"type": "connection", "state": str(change.state)}
        if change.error is not None:
            event["error"] = error_to_json(change.error)
        self._write(event)

    def _on_error(self, error: AvatarError) -> None:
        self._write({"type": "error", "error": error_to_json(error)})

    def _write(self, event: dict[str, Any]) -> None:
        if self._file is None:
            return
        if event["type"] != "header":
            event = {"t": round(self.playback.clock() - self._start, 6), **event}
            self.events += 1
        self._file.write(json.dumps(event, separators=(",", ":")) + "\n")


def load_recording(path: str | Path) -> Recording:
    """Read and check a recording; RecordingError says what is wrong."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            lines = [json.loads(line) for line in file if line.strip()]
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecordingError(f"{path}: not a readable recording ({error})") from None
    if not lines or not isinstance(lines[0], dict) or lines[0].get("format") != FORMAT:
        raise RecordingError(f"{path}: not an Avatar Player recording")
    header, events = lines[0], lines[1:]
    if header.get("version") != VERSION:
        raise RecordingError(f"{path}: recording version {header.get('version')!r} unsupported")
    previous = 0.0
    for number, event in enumerate(events, start=2):
        _check_event(path, number, event, previous)
        previous = event["t"]
    return Recording(header, events)


def _check_event(path: str | Path, number: int, event: object, previous: float) -> None:
    where = f"{path}: line {number}"
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise RecordingError(f"{where}: not an event")
    t = event.get("t")
    if not isinstance(t, int | float) or t < previous:
        raise RecordingError(f"{where}: time {t!r} missing or going backwards")
    try:
        if "pcm" in event:
            decode_pcm(event["pcm"])
        if "frames" in event:
            decode_frames(event["frames"])
        if "pose" in event:
            decode_pose(event["pose"])
        if "position" in event:
            float(event["position"])
        if "error" in event:
            error_from_json(event["error"])
        if "reason" in event:
            StateChangeReason(event["reason"])
    except (ValueError, TypeError, KeyError, DecodeError, MotionDecodeError) as error:
        raise RecordingError(f"{where}: bad {event['type']} event ({error})") from None
