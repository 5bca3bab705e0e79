"""Feeds a Timeline from a PlayerSession and cuts stretches of it into arrays for plotting
(Qt-free): the window's and a QA run's.

Frames come from the view (`pose` as its pose source, `presented` when the frame is on
screen: the window's AvatarView and the QA's OffscreenView), audio from a tap on the
session's sink (re-`attach` it when the sink is rebuilt), states from
`session.conversation_changed`. Times are on the playback clock.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from avatar_player.audio.sink import AudioSink
from avatar_player.models.player_session import PlayerSession
from avatar_player.models.timeline import AudioBlock, FrameColumns, Timeline, state_spans
from avatar_player.player.states import ConversationChange
from avatar_player.protocol.motion import neutral_vector

HISTORY_S = 60.0
"""How much the window keeps (at `FRAME_RATE`; more at lower frame rates)."""
FRAME_RATE = 60.0


@dataclass(frozen=True)
class TimelineSeries:
    """A stretch of the timeline as columns; times in seconds relative to when it was cut
    (all <= 0)."""

    frame_t: np.ndarray
    channels: np.ndarray
    """(frames, `TIMELINE_CHANNELS`)."""
    offset_ms: np.ndarray
    """NaN where the frame showed no motion."""
    buffered_ms: np.ndarray
    """NaN where nothing was playing."""
    frame_ms: np.ndarray
    audio_t: np.ndarray
    level_db: np.ndarray
    rebuffering: list[tuple[float, float]]
    """(start, end) of each rebuffer."""


class TimelineFeed:
    """Keeps a bounded Timeline of what one session presented, played and went through."""

    def __init__(self, session: PlayerSession, history_s: float | None = HISTORY_S) -> None:
        """`history_s` None: keep everything (a QA run)."""
        self.session = session
        max_frames = None if history_s is None else round(history_s * FRAME_RATE)
        self.timeline = Timeline(session.options.sample_rate, max_frames=max_frames)
        self._sink: AudioSink | None = None
        self._tap: Callable[[np.ndarray], None] | None = None
        self._posed: tuple[float, np.ndarray] | None = None
        self._levels: deque[tuple[float, float]] = deque(maxlen=self.timeline.audio.maxlen)
        self._last_block: AudioBlock | None = None
        session.conversation_changed.connect(self._changed)

    def now(self) -> float:
        """The playback clock."""
        playback = self.session.playback
        return playback.clock() if playback is not None else time.monotonic()

    # Feeding ---------------------------------------------------------------------------------

    def pose(self) -> np.ndarray:
        """The view's pose source: the session's pose for the next frame, remembered
        (neutral while the session rebuilds its player for a new sample rate)."""
        if self.session.playback is None:
            return neutral_vector()
        pose = self.session.pose()
        self._posed = (self.now(), pose)
        return pose

    def peek_pose(self) -> np.ndarray:
        """The pose `pose()` would give now, without taking a frame."""
        if self.session.playback is None:
            return neutral_vector()
        return self.session.peek_pose()

    def presented(self) -> float | None:
        """The view presented the last `pose()`: report it to the session and record it;
        its A/V offset (ms) if it showed motion."""
        posed, self._posed = self._posed, None
        if posed is None or self.session.playback is None:
            return None
        offset_ms = self.session.report_frame()
        now = self.now()
        posed_at, pose = posed
        frame_ms = (now - posed_at) * 1000.0
        self.timeline.add_frame(now, pose, offset_ms, self._buffered_ms(), frame_ms)
        return offset_ms

    def attach(self, sink: AudioSink | None) -> None:
        """Record what `sink` plays (the session's current sink) instead of the last one."""
        if sink is self._sink:
            return
        if self._sink is not None and self._tap is not None:
            self._sink.remove_tap(self._tap)
        self._sink, self._tap = sink, None
        if sink is not None:

            def tap(pcm: np.ndarray) -> None:  # the audio thread: appends only
                self.timeline.add_audio(self.now() + sink.latency_s, pcm)

            self._tap = tap
            sink.add_tap(tap)

    def _buffered_ms(self) -> float | None:
        playback = self.session.playback
        response = playback.current if playback is not None else None
        if playback is None or response is None:
            return None
        return response.track.buffered_ms(playback.position())

    def _changed(self, change: ConversationChange) -> None:
        self.timeline.add_state(self.now(), change)

    # Reading ---------------------------------------------------------------------------------

    def series(self, seconds: float | None = None) -> TimelineSeries:
        """What happened in the last `seconds` (None: all that is kept), up to now."""
        now = self.now()
        start = -np.inf if seconds is None else now - seconds
        frames = list(self.timeline.frames)
        frames = frames[bisect_left(frames, start, key=lambda f: f.t) :]
        levels = self._update_levels()
        levels = levels[bisect_left(levels, start, key=lambda level: level[0]) :]
        audio = np.array(levels, dtype=float).reshape(-1, 2)
        columns = FrameColumns.of(frames, now)
        return TimelineSeries(
            frame_t=columns.t,
            channels=columns.channels,
            offset_ms=columns.offset_ms,
            buffered_ms=columns.buffered_ms,
            frame_ms=columns.frame_ms,
            audio_t=audio[:, 0] - now,
            level_db=audio[:, 1],
            rebuffering=[
                (span.start, span.end)
                for span in state_spans(list(self.timeline.states), now, now)
                if span.rebuffering and span.end >= start - now
            ],
        )

    def _update_levels(self) -> list[tuple[float, float]]:
        """The level of every audio block kept, computing only those new since last time."""
        blocks = list(self.timeline.audio)
        new: list[AudioBlock] = []
        for block in reversed(blocks):
            if block is self._last_block:
                break
            new.append(block)
        if new:
            self._last_block = new[0]
            self._levels.extend((block.t, block.level_db) for block in reversed(new))
        return list(self._levels)
