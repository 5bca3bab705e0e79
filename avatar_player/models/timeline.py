"""The timeline of a session: what each presented frame showed, the audio that was played,
and the conversation states, on the playback clock (Qt-free).

The window's timeline dock shows its last seconds live; a QA run keeps all of it for the
HTML report and the video. Bounded (`max_frames`) or not.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from avatar_player.player.states import ConversationChange, ConversationState, StateChangeReason
from avatar_player.protocol.motion import EXPRESSION_CHANNELS, LAYOUT

CHANNEL_GROUPS: dict[str, tuple[str, ...]] = {
    "mouth": ("jaw_open", "mouth_round", "mouth_wide", "mouth_close"),
    "lips": ("lips_press", "lip_funnel", "lip_tuck", "tongue_up"),
    "face": ("brow_up", *EXPRESSION_CHANNELS),
}
"""The pose channels a timeline keeps for each frame, grouped as they are plotted: the
mouth's opening, the visemes' lip and tongue gestures, the expressions."""
TIMELINE_CHANNELS: tuple[str, ...] = tuple(
    name for names in CHANNEL_GROUPS.values() for name in names
)
_KEPT = [LAYOUT[name].start for name in TIMELINE_CHANNELS]
SILENCE_DB = -100.0
REBUFFERING = StateChangeReason.REBUFFERING
JOIN_S = 0.05
"""Audio blocks stamped closer than this after the previous one's end continue it (the
stamps are taken in the audio callback and jitter); a longer gap is a pause or a hold."""


@dataclass(frozen=True)
class FramePoint:
    """One presented frame."""

    t: float
    """Playback clock when it was presented."""
    channels: tuple[float, ...]
    """`TIMELINE_CHANNELS` of the pose it showed."""
    av_offset_ms: float | None
    """The A/V offset the player measured for it (None: it showed no motion)."""
    buffered_ms: float | None
    """Motion buffered ahead of the audio when it was presented (None: nothing playing)."""
    frame_ms: float
    """How long it took from pose to presentation."""


@dataclass(frozen=True)
class AudioBlock:
    """Audio as played: `pcm` reached the DAC from clock time `t`."""

    t: float
    pcm: np.ndarray

    @property
    def level_db(self) -> float:
        """RMS level in dBFS."""
        if not self.pcm.size:
            return SILENCE_DB
        rms = float(np.sqrt(np.mean(self.pcm.astype(np.float64) ** 2))) / 32768.0
        return max(SILENCE_DB, 20.0 * np.log10(rms)) if rms > 0 else SILENCE_DB


@dataclass(frozen=True)
class StatePoint:
    """A conversation state change."""

    t: float
    state: str
    reason: str
    req_id: str


class Timeline:
    """Frames, audio blocks and states in arrival order."""

    def __init__(self, sample_rate: int, max_frames: int | None = None) -> None:
        self.sample_rate = sample_rate
        audio_blocks = None if max_frames is None else max_frames * 4
        self.frames: deque[FramePoint] = deque(maxlen=max_frames)
        self.audio: deque[AudioBlock] = deque(maxlen=audio_blocks)
        self.states: deque[StatePoint] = deque(maxlen=max_frames)

    def add_frame(
        self,
        t: float,
        pose: np.ndarray,
        av_offset_ms: float | None,
        buffered_ms: float | None,
        frame_ms: float,
    ) -> None:
        """A frame showing `pose` was presented at `t`."""
        channels = tuple(float(pose[index]) for index in _KEPT)
        self.frames.append(FramePoint(t, channels, av_offset_ms, buffered_ms, frame_ms))

    def add_audio(self, t: float, pcm: np.ndarray) -> None:
        """`pcm` reaches the DAC from `t` (called on the audio thread: appends only)."""
        self.audio.append(AudioBlock(t, pcm))

    def add_state(self, t: float, change: ConversationChange) -> None:
        """The conversation state changed at `t`."""
        self.states.append(StatePoint(t, str(change.state), str(change.reason), change.req_id))

    def played_audio(self) -> tuple[float, np.ndarray]:
        """The played audio as one signal: the DAC time of its first sample, and the samples,
        with silence where playing paused or held (sample i plays at about t0 + i / rate)."""
        blocks = list(self.audio)
        if not blocks:
            return 0.0, np.zeros(0, np.int16)
        t0 = blocks[0].t
        end = max(round((b.t - t0) * self.sample_rate) + b.pcm.size for b in blocks)
        out = np.zeros(end + len(blocks) * round(JOIN_S * self.sample_rate), np.int16)
        cursor = 0
        for block in blocks:
            start = round((block.t - t0) * self.sample_rate)
            if start - cursor < JOIN_S * self.sample_rate:
                start = cursor  # the stamps jitter with the callbacks: contiguous audio
            out[start : start + block.pcm.size] = block.pcm
            cursor = start + block.pcm.size
        return t0, out[:cursor]


@dataclass(frozen=True)
class FrameColumns:
    """Frames as columns (a value that was None is NaN)."""

    t: np.ndarray
    channels: np.ndarray
    """(frames, `TIMELINE_CHANNELS`)."""
    offset_ms: np.ndarray
    buffered_ms: np.ndarray
    frame_ms: np.ndarray

    @classmethod
    def of(cls, frames: Sequence[FramePoint], origin: float = 0.0) -> FrameColumns:
        """The columns of `frames`, with times relative to `origin`."""
        count = len(frames)
        return cls(
            np.fromiter((f.t for f in frames), float, count) - origin,
            np.array([f.channels for f in frames], dtype=float).reshape(
                count, len(TIMELINE_CHANNELS)
            ),
            _floats(f.av_offset_ms for f in frames),
            _floats(f.buffered_ms for f in frames),
            np.fromiter((f.frame_ms for f in frames), float, count),
        )


@dataclass(frozen=True)
class StateSpan:
    """A conversation state from `start` to `end`."""

    start: float
    end: float
    state: str
    reason: str

    @property
    def rebuffering(self) -> bool:
        """Whether the response waited for its jitter buffer to refill then."""
        return (self.state, self.reason) == (ConversationState.ACTIVE, REBUFFERING)


def state_spans(states: Sequence[StatePoint], end: float, origin: float = 0.0) -> list[StateSpan]:
    """Each state from its change to the next one (the last to `end`), relative to `origin`."""
    stops = [*(s.t for s in states[1:]), end][: len(states)]
    return [
        StateSpan(s.t - origin, max(stop, s.t) - origin, s.state, s.reason)
        for s, stop in zip(states, stops, strict=True)
    ]


def channel_column(channels: np.ndarray, name: str) -> np.ndarray:
    """The column of channel `name` in a (frames, `TIMELINE_CHANNELS`) array."""
    return channels[:, TIMELINE_CHANNELS.index(name)]


def _floats(values: Iterable[float | None]) -> np.ndarray:
    """Floats with None as NaN."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)
