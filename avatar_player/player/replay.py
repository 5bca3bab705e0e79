"""Replaying a session recording into a Playback.

`replay_simulated` feeds every recorded input into a fresh Playback at its recorded
time, with the recorded clock readings (ticks carry the audio position they read), so
a faithful recording reproduces the session exactly: `compare` checks the replay's
conversation state sequence and rendered poses against what the recording says
happened. `replay_live` feeds the inputs at their recorded times into a live playback
(the app's), which plays the audio, ticks and renders on its own.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from avatar_player.audio import ManualClockSink
from avatar_player.player.playback import Playback
from avatar_player.player.recording import (
    Recording,
    decode_frames,
    decode_pcm,
    decode_pose,
    error_from_json,
)
from avatar_player.player.states import ConversationChange, StateChangeReason
from avatar_player.protocol.motion import neutral_vector

LIVE_SKIPPED = frozenset({"tick", "frame"})
"""Inputs a live player makes itself."""

Transition = tuple[str, str, str]
"""(state, reason, req_id) of one conversation change."""


@dataclass
class ReplayResult:
    """What a playback did with a recording's inputs."""

    conversation: list[Transition] = field(default_factory=list)
    poses: list[np.ndarray] = field(default_factory=list)
    """The pose of every presented frame, in order (neutral ones included)."""


@dataclass(frozen=True)
class Comparison:
    """A replay held against the recording."""

    same_states: bool
    same_frames: bool
    recorded_states: int
    replayed_states: int
    frames: int
    first_difference: str = ""

    @property
    def identical(self) -> bool:
        return self.same_states and self.same_frames


def recorded_result(recording: Recording) -> ReplayResult:
    """What the recording says the original playback did."""
    result = ReplayResult()
    for event in recording.events:
        if event["type"] == "conversation":
            result.conversation.append((event["state"], event["reason"], event["req_id"]))
        elif event["type"] == "frame":
            result.poses.append(_recorded_pose(event))
    return result


def apply(playback: Playback, event: dict[str, Any]) -> None:
    """Feed one recorded input into `playback` (outcome events are ignored)."""
    match event["type"]:
        case "begin":
            playback.begin(
                event["req_id"], audible=event.get("audible", True), live=event.get("live", False)
            )
        case "audio":
            playback.add_audio(decode_pcm(event["pcm"]), end=event["end"])
        case "motion":
            playback.add_frames(event["req_id"], decode_frames(event["frames"]), end=event["end"])
        case "motion_failed":
            error = error_from_json(event["error"])
            playback.motion_failed(event["req_id"], error, StateChangeReason(event["reason"]))
        case "pause":
            playback.pause()
        case "resume":
            playback.resume()
        case "interrupt":
            playback.interrupt()


def replay_simulated(recording: Recording) -> ReplayResult:
    """Run `recording` through a fresh Playback on the recorded clock (no waiting)."""
    now = 0.0
    playback = Playback(ManualClockSink(recording.sample_rate), clock=lambda: now)
    result = ReplayResult()

    def on_change(change: ConversationChange) -> None:
        result.conversation.append((str(change.state), str(change.reason), change.req_id))

    playback.changed.connect(on_change)
    for event in recording.events:
        now = event["t"]
        match event["type"]:
            case "tick":
                playback.tick(now, event.get("position"), event.get("holding", False))
            case "frame":
                position = event.get("position")
                result.poses.append(
                    neutral_vector() if position is None else playback.pose_at(position)
                )
            case _:
                apply(playback, event)
    return result


def compare(recording: Recording, replayed: ReplayResult) -> Comparison:
    """Whether `replayed` reproduces the recording's state sequence and frames exactly."""
    original = recorded_result(recording)
    same_states = original.conversation == replayed.conversation
    mismatch = next(
        (
            i
            for i, (a, b) in enumerate(zip(original.poses, replayed.poses, strict=False))
            if not np.array_equal(a, b)
        ),
        None,
    )
    same_frames = mismatch is None and len(original.poses) == len(replayed.poses)
    difference = ""
    if not same_states:
        difference = f"states: recorded {original.conversation} replayed {replayed.conversation}"
    elif not same_frames:
        difference = f"frame {mismatch if mismatch is not None else len(replayed.poses)} differs"
    return Comparison(
        same_states,
        same_frames,
        len(original.conversation),
        len(replayed.conversation),
        len(replayed.poses),
        difference,
    )


async def replay_live(recording: Recording, playback: Playback, *, speed: float = 1.0) -> None:
    """Feed the recording's inputs into a playing `playback` at their recorded times
    (its own ticker and renderer make the ticks and frames)."""
    start = time.monotonic()
    for event in recording.events:
        if event["type"] in LIVE_SKIPPED:
            continue
        delay = start + event["t"] / speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        apply(playback, event)


def _recorded_pose(event: dict[str, Any]) -> np.ndarray:
    """The pose a `frame` event stored; a neutral frame stored none."""
    return decode_pose(event["pose"]) if "pose" in event else neutral_vector()
