"""The video, PNG frames and timeline of a session recording (`.avrec`), made offline.

A recording holds when each pose was taken (`frame` events: the pose and the audio position
it was taken for), the audio each response received, the audio position at the DAC at every
tick, and the conversation changes. The timeline rebuilt from it:

- audio: each response's samples, placed where its ticks say they reached the DAC (a run of
  ticks over which the position advances is one block, anchored at the median of
  `t - position / rate` over its ticks); inaudible responses play silence. Volume and the
  4 ms pause fades are not recorded, so they are not reproduced.
- frames: presented at the time the player aimed at, the pose time plus its look-ahead
  `(position - DAC position) / rate` (0 when it did not look ahead). A recording does not
  say when frames were really presented, so frames carry no measured A/V offset.
- states: the conversation changes.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from avatar_player.avatar.library import load_avatar
from avatar_player.avatar.model import Avatar
from avatar_player.models.timeline import Timeline
from avatar_player.player.recording import (
    Recording,
    RecordingError,
    decode_pcm,
    decode_pose,
    load_recording,
)
from avatar_player.player.states import ConversationChange, ConversationState, StateChangeReason
from avatar_player.protocol.motion import neutral_vector
from avatar_player.render import gl
from avatar_player.render.offscreen import OffscreenContext
from avatar_player.render.renderer import AvatarRenderer
from avatar_player.watch.video import ExportError, VideoWriter, overlay_text

FALLBACK_AVATAR = "demo-avatar"
MAX_LEAD_S = 0.5
"""A look-ahead longer than this is not a presentation latency (a position jump)."""


@dataclass
class _Response:
    """One response of the recording: its samples and its (time, DAC position) ticks."""

    audible: bool
    pcm: list[np.ndarray] = field(default_factory=list)
    ticks: list[tuple[float, float]] = field(default_factory=list)

    @functools.cached_property
    def _tick_arrays(self) -> np.ndarray:
        return np.asarray(self.ticks, np.float64).reshape(-1, 2).T

    def dac_position(self, t: float) -> float | None:
        """Its position at the DAC at `t`, interpolated between ticks (None: no tick yet;
        call once every tick is in)."""
        times, positions = self._tick_arrays
        if not times.size or t < times[0]:
            return None
        return float(np.interp(t, times, positions))


def read_recording(path: Path) -> Recording:
    """The recording at `path`; ExportError recordingUnreadable when it cannot be read."""
    try:
        return load_recording(path)
    except RecordingError as error:
        raise ExportError("recordingUnreadable", str(error)) from None


def export_recording(
    recording: Recording,
    *,
    video: Path | None,
    frames_dir: Path | None,
    overlay: bool,
    size: tuple[int, int] = (640, 360),
    tier: str | None = None,
    fps: float = 25.0,
) -> Timeline:
    """Render the frames of `recording` (`read_recording`) into `video` and/or `frames_dir`
    (neither: no rendering); its timeline. Raises ExportError, or OffscreenUnavailable
    without OpenGL."""
    timeline, poses = recording_timeline(recording)
    if video is None and frames_dir is None:
        return timeline
    writer = VideoWriter(
        video, size, fps, recording.sample_rate, overlay=overlay, frames_dir=frames_dir
    )
    with OffscreenContext(*size) as context:
        renderer = AvatarRenderer(_avatar(recording), tier=tier, expected_fps=fps)
        renderer.initialize()
        renderer.resize(*size)
        try:
            states, state = list(timeline.states), None
            origin = timeline.frames[0].t if timeline.frames else 0.0
            for frame, pose in zip(timeline.frames, poses, strict=True):
                while states and states[0].t <= frame.t:
                    state = states.pop(0)
                renderer.render(pose, frame.t - origin, context.framebuffer.id)
                rgba = gl.read_pixels(context.framebuffer.id, context.width, context.height)
                writer.add_frame(frame.t, rgba, overlay_text(state, frame))
        finally:
            renderer.release()
    writer.finish(timeline)
    return timeline


def recording_timeline(recording: Recording) -> tuple[Timeline, list[np.ndarray]]:
    """The timeline of `recording` (times: seconds since it started) and each frame's pose."""
    rate = recording.sample_rate
    timeline = Timeline(rate)
    responses: list[_Response] = []
    taken: list[tuple[float, float | None, np.ndarray, _Response | None]] = []
    for event in recording.events:
        t, kind = event["t"], event["type"]
        current = responses[-1] if responses else None
        if kind == "begin":
            responses.append(_Response(event.get("audible", True)))
        elif kind == "audio" and current is not None:
            pcm = decode_pcm(event["pcm"])
            current.pcm.append(pcm if current.audible else np.zeros_like(pcm))
        elif kind == "tick" and current is not None and "position" in event:
            current.ticks.append((t, float(event["position"])))
        elif kind == "frame":
            pose = decode_pose(event["pose"]) if "pose" in event else neutral_vector()
            taken.append((t, event.get("position"), pose, current))
        elif kind == "conversation":
            change = ConversationChange(
                ConversationState(event["state"]),
                StateChangeReason(event["reason"]),
                event["req_id"],
            )
            timeline.add_state(t, change)
    for response in responses:
        _add_played(timeline, response)
    poses = []
    for t, position, pose, response in taken:
        dac = None if response is None or position is None else response.dac_position(t)
        lead = 0.0 if dac is None else min(max(0.0, (position - dac) / rate), MAX_LEAD_S)
        timeline.add_frame(t + lead, pose, None, None, lead * 1000.0)
        poses.append(pose)
    return timeline, poses


def _add_played(timeline: Timeline, response: _Response) -> None:
    """Add what `response` played: one block per run of ticks with its position advancing
    (the first run from sample 0: what played before the first tick)."""
    pcm = np.concatenate(response.pcm) if response.pcm else np.zeros(0, np.int16)
    rate = timeline.sample_rate
    run: list[tuple[float, float]] = []
    first = 0.0
    ticks = [*response.ticks, (np.inf, -1.0)]  # a sentinel ends the last run
    for (t0, p0), (_, p1) in itertools.pairwise(ticks):
        run.append((t0, p0))
        if p1 > p0:
            continue
        end = min(round(p0), pcm.size)
        if end > round(first):
            anchor = float(np.median([t - (p - first) / rate for t, p in run]))
            timeline.add_audio(anchor, pcm[round(first) : end])
        run, first = [], p1


def _avatar(recording: Recording) -> Avatar:
    """The recording's avatar when it is bundled, else the demo avatar."""
    avatar_id = recording.header.get("source", {}).get("avatar_id") or FALLBACK_AVATAR
    try:
        return load_avatar(avatar_id)
    except KeyError:
        return load_avatar(FALLBACK_AVATAR)
