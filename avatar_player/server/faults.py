"""Fault injection for QA: delays, drops and damaged motion, per session.

Faults are set for every session by the server's config or flags, and per session
by `fault*` query parameters on the WebSocket URL (when the server allows it).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, fields, replace

import numpy as np

from avatar_player.protocol import message_pb2 as pb

QUERY_PREFIX = "fault"


@dataclass(frozen=True)
class FaultConfig:
    """What to break. Zero everywhere means a well-behaved server."""

    latency_ms: float = 0.0
    """Added delay before each animation message is sent."""
    jitter_ms: float = 0.0
    """Uniform random extra delay 0..jitter_ms per message (order is kept)."""
    drop_after_frames: int = 0
    """Abort the TCP connection (no close frame) once this many frames were sent."""
    corrupt_every: int = 0
    """Every Nth animation message gets non-finite (NaN) motion values."""
    truncate_every: int = 0
    """Every Nth animation message gets frames with missing joint components."""
    garble_every: int = 0
    """Every Nth animation message is cut in half (undecodable protobuf)."""
    end_delay_ms: float = 0.0
    """Extra delay of each response's `end` message; negative: never send it."""
    seed: int = 0

    @property
    def active(self) -> bool:
        """Whether any fault is switched on."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "seed")

    def delay_s(self, rng: random.Random) -> float:
        """Delay for the next message."""
        return (self.latency_ms + rng.uniform(0.0, self.jitter_ms)) / 1000.0

    def with_query(self, query: dict[str, str]) -> FaultConfig:
        """These faults overridden by `faultLatencyMs=...`-style query parameters."""
        overrides: dict[str, float | int] = {}
        for f in fields(self):
            key = query_key(f.name)
            if key not in query:
                continue
            number = float(query[key])
            if not math.isfinite(number):
                raise ValueError(f"{key} must be a finite number")
            overrides[f.name] = int(number) if f.type in ("int", int) else number
        return replace(self, **overrides)


class FaultInjector:
    """Applies a FaultConfig to one session's outgoing animation messages."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.messages = 0
        self.frames_sent = 0

    def should_drop(self) -> bool:
        """Whether the connection must be dropped now."""
        limit = self.config.drop_after_frames
        return limit > 0 and self.frames_sent >= limit

    def mangle(self, data: bytes, frame_count: int) -> bytes:
        """The animation message as this session's faults want it on the wire."""
        self.messages += 1
        self.frames_sent += frame_count
        config = self.config
        if not (config.corrupt_every or config.truncate_every or config.garble_every):
            return data
        if _every(config.garble_every, self.messages):
            return data[: len(data) // 2]
        corrupt = _every(config.corrupt_every, self.messages)
        truncate = _every(config.truncate_every, self.messages)
        if not (corrupt or truncate) or not frame_count:
            return data
        message = pb.Message()
        message.ParseFromString(data)
        for frame in message.server_response_animation.frames:
            if corrupt:
                frame.jaw_open = float(np.nan)
                frame.jaw_pose[0] = float(np.inf)
            if truncate:
                del frame.jaw_pose[1:]
        return message.SerializeToString()


def query_key(name: str) -> str:
    """The query parameter of FaultConfig field `name` (latency_ms -> faultLatencyMs)."""
    return QUERY_PREFIX + "".join(part.capitalize() for part in name.split("_"))


def _every(period: int, count: int) -> bool:
    return period > 0 and count % period == 0
