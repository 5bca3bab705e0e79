"""What a QA run observes of a PlayerSession: state changes, responses, frames, frame rate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from avatar_player.models.player_session import PlayerSession
from avatar_player.models.timeline import Timeline
from avatar_player.models.timeline_feed import TimelineFeed
from avatar_player.player import (
    ConnectionChange,
    ConversationChange,
    ConversationState,
    PlaybackMetrics,
    StateChangeReason,
)
from avatar_player.player.relay_upstream import RelayUpstreamChange
from avatar_player.protocol.motion import LAYOUT
from avatar_player.render.fps import FpsReport

if TYPE_CHECKING:
    from avatar_player.player.response import Response

AUDIO_ONLY_REASONS = frozenset(
    {
        StateChangeReason.FALLBACK_MODE,
        StateChangeReason.SERVER_ERROR,
        StateChangeReason.NETWORK_ERROR,
    }
)
"""Reasons a playing response goes on as audio only."""
MOVING_JAW = 0.05
"""jaw_open at or above this: a frame shows the mouth moving."""
JAW = LAYOUT["jaw_open"].start


@dataclass
class ResponseRecord:
    """One played response; times are on the playback clock (seconds)."""

    index: int
    response: Response
    """The player's response: when its first audio was sent and its first motion came."""
    playing_at: float | None = None
    """Playback started (jitter buffer filled)."""
    first_rendered_at: float | None = None
    """A frame showing its motion was presented."""
    end_reason: StateChangeReason | None = None
    audio_only_reason: StateChangeReason | None = None
    offsets_ms: list[float] = field(default_factory=list)
    underruns: int | None = None
    """The sink's underrun count at its end."""
    requested_at: float | None = None
    """The speech was asked for (text handed to TTS, a clip's production began)."""
    first_sample_at: float | None = None
    """Its first audio sample reached the DAC."""
    first_moving_at: float | None = None
    """A frame showing its mouth moving was presented."""
    rebuffers: int = 0
    stall_s: float = 0.0
    playback_counts: tuple[int, float] = (0, 0.0)
    """The playback's rebuffers and stall time when it began."""

    @property
    def req_id(self) -> str:
        return self.response.req_id

    def since_sent_ms(self, at: float | None) -> float | None:
        """Milliseconds from its first audio sent to `at`."""
        return None if at is None else (at - self.response.started_at) * 1000.0

    def since_requested_ms(self, at: float | None) -> float | None:
        """Milliseconds from the request for speech to `at`."""
        if at is None or self.requested_at is None:
            return None
        return (at - self.requested_at) * 1000.0


@dataclass(frozen=True)
class FrameSample:
    """One presented frame, as the render loop saw it."""

    response: Response | None
    """The response playing when the pose was taken."""
    offset_ms: float | None
    """The A/V offset the player measured for it (None: it showed no motion)."""
    render_s: float
    pose: np.ndarray
    rgba: np.ndarray | None = None
    """Its pixels, (height, width, 4) top row first, when the view captures them."""


class Recorder:
    """Listens to a session's signals and to the render loop's frames."""

    def __init__(
        self, session: PlayerSession, on_pixels: Callable[[float, np.ndarray], None] | None = None
    ) -> None:
        self.session = session
        self.on_pixels = on_pixels
        """Gets each captured frame: its presentation time (playback clock) and pixels."""
        self.feed = TimelineFeed(session, history_s=None)
        """Records everything presented, played and gone through, for the HTML report and
        the video (the view takes its poses from it)."""
        self.origin = time.monotonic()
        self.connection: list[dict[str, object]] = []
        self.conversation: list[dict[str, object]] = []
        self.relay_upstream: list[dict[str, object]] = []
        """Custom Mode: the relay's upstream states, with the code and message of a failure."""
        self.responses: list[ResponseRecord] = []
        self.fps_reports: list[FpsReport] = []
        self.renderer_first_frame_s: float | None = None
        self.render_times_s: list[float] = []
        self.underruns = 0
        self._requested_at: float | None = None
        self._changed = asyncio.Event()
        session.connection_changed.connect(self._on_connection)
        session.conversation_changed.connect(self._on_conversation)
        session.relay_upstream_changed.connect(self._on_relay_upstream)
        session.metrics.connect(self._on_metrics)
        session.frame_rate.connect(self.fps_reports.append)
        session.first_rendering.connect(self._on_first_rendering)

    def record(self, req_id: str) -> ResponseRecord | None:
        """The record of response `req_id`."""
        return next((r for r in self.responses if r.req_id == req_id), None)

    async def ended(self, req_id: str) -> ResponseRecord:
        """The record of response `req_id` once it has ended (in Custom Mode it begins
        only when the relay sends its audio back)."""
        while True:
            record = self.record(req_id)
            if record is not None and record.end_reason is not None:
                return record
            self._changed.clear()
            await self._changed.wait()

    @property
    def timeline(self) -> Timeline:
        """Everything presented, played and gone through so far."""
        return self.feed.timeline

    def requested(self) -> None:
        """Speech is being asked for now (the next response is its answer)."""
        self._requested_at = self._player_time()

    def frame(self, sample: FrameSample) -> None:
        """A frame was presented just now."""
        now = self._player_time()
        if self.on_pixels is not None and sample.rgba is not None:
            self.on_pixels(now, sample.rgba)
        self.render_times_s.append(sample.render_s)
        response = sample.response
        record = self.record(response.req_id) if response is not None else None
        if record is None or sample.offset_ms is None:
            return
        if record.first_moving_at is None and sample.pose[JAW] >= MOVING_JAW:
            record.first_moving_at = now
        record.offsets_ms.append(sample.offset_ms)
        if record.first_rendered_at is None:
            record.first_rendered_at = now

    def finish(self) -> None:
        """Take the final underrun count (before the session closes its sink)."""
        if self.session.sink is not None:
            self.underruns = self.session.sink.underruns

    def _player_time(self) -> float:
        """Now on the playback clock (the clock of the responses' own times)."""
        playback = self.session.playback
        if playback is None:
            raise RuntimeError("the session is not open")
        return playback.clock()

    def _elapsed_ms(self) -> float:
        return round((time.monotonic() - self.origin) * 1000.0, 1)

    def _on_connection(self, change: ConnectionChange) -> None:
        code = str(change.error.code) if change.error else None
        self.connection.append({"at_ms": self._elapsed_ms(), "state": change.state, "code": code})

    def _on_relay_upstream(self, change: RelayUpstreamChange) -> None:
        error = change.error
        self.relay_upstream.append(
            {
                "at_ms": self._elapsed_ms(),
                "state": change.state,
                "code": str(error.code) if error else None,
                "message": error.message if error else None,
            }
        )

    def _on_conversation(self, change: ConversationChange) -> None:
        self.conversation.append(
            {
                "at_ms": self._elapsed_ms(),
                "state": change.state,
                "reason": change.reason,
                "req_id": change.req_id,
            }
        )
        playback = self.session.playback
        current = playback.current if playback else None
        if change.state is ConversationState.ACTIVE and current and not self.record(current.req_id):
            self._begin(current)
        record = self.record(change.req_id)
        if record is None:
            return
        if change.state is ConversationState.PLAYING and record.playing_at is None:
            record.playing_at = self._player_time()
        if change.state is ConversationState.IDLE:
            record.end_reason = change.reason
            if playback is not None:
                rebuffers, stall_s = record.playback_counts
                record.rebuffers = playback.rebuffers - rebuffers
                record.stall_s = playback.stall_s - stall_s
            self._changed.set()
        elif change.reason in AUDIO_ONLY_REASONS:
            record.audio_only_reason = change.reason

    def _begin(self, response: Response) -> None:
        """A new response: its record, and a tap on the sink for its first sample."""
        playback, sink = self.session.playback, self.session.sink
        record = ResponseRecord(len(self.responses) + 1, response)
        record.requested_at, self._requested_at = self._requested_at, None
        if playback is not None:
            record.playback_counts = (playback.rebuffers, playback.stall_s)
        self.responses.append(record)
        if sink is not None:
            self.feed.attach(sink)
            sink.remove_tap(self._on_audio)
            sink.add_tap(self._on_audio)

    def _on_audio(self, _: np.ndarray) -> None:
        """Audio was rendered (on the audio thread): the current response's first sample
        reaches the DAC one output latency later."""
        playback, sink = self.session.playback, self.session.sink
        response = playback.current if playback else None
        record = self.record(response.req_id) if response else None
        if record is not None and record.first_sample_at is None and sink is not None:
            record.first_sample_at = self._player_time() + sink.latency_s

    def _on_metrics(self, metrics: PlaybackMetrics) -> None:
        self.underruns = max(self.underruns, metrics.underruns)
        record = self.record(metrics.req_id)
        if record is not None:
            record.underruns = metrics.underruns

    def _on_first_rendering(self, seconds: float) -> None:
        if self.renderer_first_frame_s is None:
            self.renderer_first_frame_s = seconds
