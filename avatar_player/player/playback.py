"""Playback: responses through an audio sink, with the audio clock driving the motion.

Qt-free and network-free: the controller (Basic Mode) or the host (Host Mode) feeds
audio and motion frames in; the renderer asks for the pose at the current audio
position. A response starts playing once a jitter buffer of motion is there;
missing, late or malformed motion switches it to audio-only (fallback mode).

While the motion keeps up with the audio received (it trails it by the server's
lookahead), the sink gets the audio only as far as the motion reaches, so sound never runs
ahead of the face. A response still being produced that runs out *rebuffers*: the sink
fades out and holds its clock (so the motion holds too), the state goes back to `active`
(reason `rebuffering`), and once the adaptive jitter buffer has refilled it plays on
(`playing`, reason `bufferRefilled`). Motion further than `motion_late_ms` behind the audio
received is the server's delay, not the producer's: the audio plays on, and motion that
stays that late switches the response to audio-only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from avatar_player.audio.sink import AudioSink
from avatar_player.client.errors import AvatarError, Phase
from avatar_player.player.inputs import PlaybackInput, PlaybackSettings
from avatar_player.player.jitter import JitterBuffer
from avatar_player.player.metrics import OffsetWindow, PlaybackMetrics
from avatar_player.player.motion_track import MotionTrack
from avatar_player.player.presentation import PresentationLead
from avatar_player.player.response import Response
from avatar_player.player.signals import Signal
from avatar_player.player.states import ConversationChange, ConversationState, StateChangeReason
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.motion import LAYOUT, MotionFrame, neutral_vector

State = ConversationState
Reason = StateChangeReason
MOUTH = np.r_[
    tuple(
        LAYOUT[name]
        for name in ("jaw_pose", "jaw_open", "mouth_round", "mouth_wide", "mouth_close")
    )
]
"""The channels that shape the mouth."""
RELAX_S = 0.15
"""A rebuffering response's mouth closes over this long (its audio is silent)."""


class Playback:
    """Conversation state, audio clock and pose of the current response."""

    def __init__(
        self,
        sink: AudioSink,
        settings: PlaybackSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sink = sink
        self.sample_rate = sink.sample_rate
        self.settings = settings or PlaybackSettings()
        self.clock = clock
        self.state = State.IDLE
        self.reason = Reason.USER_ACTION
        self.current: Response | None = None
        self.changed: Signal[ConversationChange] = Signal()
        self.error: Signal[AvatarError] = Signal()
        self.metrics: Signal[PlaybackMetrics] = Signal()
        self.fed: Signal[PlaybackInput] = Signal()
        """Every input, as it is applied (for recording)."""
        self.offsets = OffsetWindow()
        self.jitter = JitterBuffer()
        self.rebuffers = 0
        """Rebuffers since the playback was made (every response)."""
        self.stall_s = 0.0
        """Time spent rebuffering since the playback was made."""
        self._shown: tuple[Response, float] | None = None
        """The response and motion position the last `pose()` showed."""
        self._pose_taken_at: float | None = None
        self.lead = PresentationLead()
        self._last_metrics = clock()

    # Feeding -------------------------------------------------------------------------

    def begin(self, req_id: str, *, audible: bool = True, live: bool = False) -> Response:
        """Start response `req_id` (a response still in progress is dropped). An inaudible
        response plays silence on its clock (a user's own voice); a live one starts with
        the smaller jitter buffer."""
        self.fed.emit(PlaybackInput("begin", req_id, audible=audible, live=live))
        if self.current is not None:
            self._drop()
        self.current = Response(
            req_id, MotionTrack(self.sample_rate), self.clock(), audible=audible, live=live
        )
        self._set(State.ACTIVE, Reason.USER_ACTION)
        return self.current

    def add_audio(self, pcm: np.ndarray, *, end: bool) -> None:
        """Audio (int16 mono at the sink rate) of the current response."""
        response = self.current
        if response is None or response.audio_ended:
            raise RuntimeError("no response is taking audio; begin() one first")
        if pcm.dtype != np.int16 or pcm.ndim != 1:
            raise ValueError(f"expected 1-D int16 samples, got {pcm.dtype} {pcm.shape}")
        self.fed.emit(PlaybackInput("audio", response.req_id, pcm=pcm, end=end))
        response.samples += pcm.size
        response.audio_ended = end
        if pcm.size:
            response.pending.append(pcm.copy() if response.audible else np.zeros_like(pcm))
        self._feed_sink(response)

    def add_frames(self, req_id: str, frames: Sequence[MotionFrame], *, end: bool) -> None:
        """Motion frames of response `req_id` (ignored when it is not the current one)."""
        if not self.accepts_motion(req_id):
            return
        self.fed.emit(PlaybackInput("motion", req_id, frames=frames, end=end))
        response = self.current
        assert response is not None
        if frames:
            response.last_motion_at = self.clock()
            if response.first_motion_at is None:
                response.first_motion_at = response.last_motion_at
        response.track.add(frames)
        if end:
            response.track.ended = True
        if response.started:
            self._feed_sink(response)
        else:  # start the moment the jitter buffer is full, not at the next tick
            self._tick_waiting(response, response.last_motion_at or self.clock())

    def accepts_motion(self, req_id: str) -> bool:
        """Whether `req_id` is the current response and still takes motion."""
        response = self.current
        return response is not None and response.req_id == req_id and not response.fallback

    def motion_failed(
        self, req_id: str, error: AvatarError, reason: StateChangeReason = Reason.FALLBACK_MODE
    ) -> None:
        """Report `error`; the response, if current, goes on as audio only."""
        self.fed.emit(PlaybackInput("motion_failed", req_id, error=error, reason=reason))
        self.error.emit(error)
        if not self.accepts_motion(req_id):
            return
        response = self.current
        assert response is not None
        response.fallback = True
        if not response.started:
            response.base = self.sink.written()
        self._feed_sink(response)  # audio-only: all of it
        self._end_stall(response)
        self._set(State.PAUSED if self.state is State.PAUSED else State.PLAYING, reason)

    # User actions ------------------------------------------------------------------------

    def pause(self) -> bool:
        """Pause a playing response, keeping its buffers and position."""
        self.fed.emit(PlaybackInput("pause"))
        if self.state is not State.PLAYING:
            return False
        self.sink.pause()
        self._set(State.PAUSED, Reason.USER_ACTION)
        return True

    def resume(self) -> bool:
        """Resume a paused response where it stopped."""
        self.fed.emit(PlaybackInput("resume"))
        if self.state is not State.PAUSED:
            return False
        self.sink.resume()
        self._set(State.PLAYING, Reason.USER_ACTION)
        return True

    def interrupt(self) -> str | None:
        """Stop at once, dropping audio and motion; returns the interrupted req_id."""
        self.fed.emit(PlaybackInput("interrupt"))
        if self.current is None:
            return None
        req_id = self.current.req_id
        self._drop()
        self._set(State.IDLE, Reason.USER_ACTION, req_id)
        return req_id

    def set_volume(self, volume: float) -> None:
        """Output gain 0..1."""
        self.sink.set_volume(volume)

    # Clock and pose -----------------------------------------------------------------------

    def position(self) -> float:
        """Samples of the current response that have reached the DAC."""
        response = self.current
        if response is None or response.base is None:
            return 0.0
        return float(max(0, self.sink.position() - response.base))

    def audio_time(self) -> float:
        """Seconds of the current response played so far."""
        return self.position() / self.sample_rate

    def pose(self) -> np.ndarray:
        """The motion vector to render now (neutral when idle or audio-only): the pose at
        the audio position the frame will be presented at, the current position plus the
        host's measured presentation latency. The next `report_frame()` reports it shown."""
        self._pose_taken_at = self.clock()
        position = self.position()
        pose = self.pose_at(position + self._lead(position))
        if self._shown is None:
            self.fed.emit(PlaybackInput("frame"))
        else:
            _, position = self._shown
            self.fed.emit(PlaybackInput("frame", position=position, pose=pose))
        return pose

    def peek_pose(self) -> np.ndarray:
        """The pose `pose()` would give now, for inspection: no frame is taken, recorded or
        measured."""
        response = self._showing()
        if response is None:
            return neutral_vector()
        position = self.position()
        return self._relaxed(response, response.track.pose_at(position + self._lead(position)))

    def pose_at(self, position: float) -> np.ndarray:
        """The motion vector at sample `position` of the current response; the next
        `report_frame()` reports it as presented."""
        response = self._showing()
        if response is None:
            self._shown = None
            return neutral_vector()
        pose = self._relaxed(response, response.track.pose_at(position))
        self._shown = (response, position)
        return pose

    def _relaxed(self, response: Response, pose: np.ndarray) -> np.ndarray:
        """`pose` with the mouth easing shut while `response` rebuffers (silence)."""
        if response.stalled_at is not None:
            closed = min(1.0, (self.clock() - response.stalled_at) / RELAX_S)
            pose[MOUTH] *= np.float32(1.0 - closed)
        return pose

    def report_frame(self) -> float | None:
        """The render host presented the frame of the last `pose()`: measure the presentation
        latency and, when it showed motion, the A/V offset (ms), which is returned."""
        if self._pose_taken_at is not None:
            self.lead.measure(self.clock() - self._pose_taken_at)
            self._pose_taken_at = None
        shown, self._shown = self._shown, None
        if shown is None:
            return None
        response, position = shown
        motion_time = response.track.frame_time(position)
        if response is not self.current or self.state is not State.PLAYING or motion_time is None:
            return None
        offset_ms = (self.audio_time() - motion_time) * 1000.0
        self.offsets.add(offset_ms)
        return offset_ms

    def _showing(self) -> Response | None:
        """The response whose motion is on screen (None: the neutral pose)."""
        response = self.current
        if response is None or response.fallback or not response.started:
            return None
        return response

    def _lead(self, position: float) -> float:
        """Samples to look ahead of audio `position`: the presentation latency while the audio
        clock runs (not before the response's first sample has reached the DAC)."""
        running = self.state is State.PLAYING and position > 0
        return self.lead.seconds * self.sample_rate if running else 0.0

    # Progress ------------------------------------------------------------------------------

    def tick(
        self, now: float | None = None, position: float | None = None, holding: bool | None = None
    ) -> None:
        """Advance the state machine: start, rebuffer, fallback, end of playback, metrics.

        `now`, `position` (the response's audio position) and `holding` (the sink ran out)
        default to the clock and the sink; a replay passes the recorded ones.
        """
        response = self.current
        if response is None:
            return
        now = self.clock() if now is None else now
        if not response.started:
            self.fed.emit(PlaybackInput("tick"))
            self._tick_waiting(response, now)
            return
        position = self.position() if position is None else position
        holding = self.sink.holding if holding is None else holding
        self.fed.emit(PlaybackInput("tick", position=position, holding=holding))
        self._tick_rebuffer(response, now, position, holding)
        if (
            self.state is State.PLAYING
            and not response.fallback
            and not response.track.ended
            and self._late_ms(response, position) > self.settings.motion_late_ms
        ):
            self._motion_late(response, position)
        if response.audio_ended and position >= response.samples:
            self._emit_metrics(response)
            self.current = None
            self.sink.set_expecting_more(False)
            self._set(State.IDLE, Reason.PLAYBACK_END, response.req_id)
            return
        if now - self._last_metrics >= self.settings.metrics_interval_s:
            self._emit_metrics(response)

    def _base_ms(self, response: Response) -> float:
        settings = self.settings
        return settings.live_jitter_buffer_ms if response.live else settings.jitter_buffer_ms

    def _need(self, response: Response, now: float) -> float:
        """Samples of audio and motion to have ahead before `response` plays (again)."""
        return self.jitter.target_ms(self._base_ms(response), now) * self.sample_rate / 1000.0

    def _tick_rebuffer(
        self, response: Response, now: float, position: float, holding: bool
    ) -> None:
        """Announce a sink that ran out (`active`, rebuffering); release it once refilled."""
        if self.state is State.PLAYING and holding:
            response.stalled_at = now
            self.rebuffers += 1
            self.jitter.rebuffered(self._base_ms(response), now)
            self._set(State.ACTIVE, Reason.REBUFFERING)
            self._emit_metrics(response)
        elif self.state is State.ACTIVE and response.stalled_at is not None:
            need = self._need(response, now)
            audio_ready = response.audio_ended or response.samples - position >= need
            track = response.track
            motion_ready = (
                response.fallback
                or track.ended
                or track.covered_until >= min(position + need, response.samples)
            )
            if audio_ready and motion_ready:
                self._end_stall(response, now)
                self._set(State.PLAYING, Reason.BUFFER_REFILLED)
            elif (
                audio_ready and self._motion_stuck_ms(response, now) > self.settings.motion_late_ms
            ):
                self._motion_late(response, position)

    def _late_ms(self, response: Response, position: float) -> float:
        """How far the motion is behind audio `position`."""
        return (position - response.track.covered_until) * 1000.0 / self.sample_rate

    def _motion_late(self, response: Response, position: float) -> None:
        """The motion stayed too late: go on as audio only (motionDataLate)."""
        message = f"motion is {self._late_ms(response, position):.0f} ms behind the audio"
        error = self._playback_error(ErrorCode.MOTION_DATA_LATE, message)
        self.motion_failed(response.req_id, error)

    @staticmethod
    def _motion_stuck_ms(response: Response, now: float) -> float:
        """How long a stalled response's motion has not moved on (0: not stalled)."""
        if response.stalled_at is None:
            return 0.0
        return (now - max(response.stalled_at, response.last_motion_at or 0.0)) * 1000.0

    def _end_stall(self, response: Response, now: float | None = None) -> None:
        """Let a holding sink play on and count the time it held."""
        if response.stalled_at is None:
            return
        self.sink.release()
        self.stall_s += (self.clock() if now is None else now) - response.stalled_at
        response.stalled_at = None

    def _tick_waiting(self, response: Response, now: float) -> None:
        track = response.track
        need = self._need(response, now)
        if response.audio_ended:
            need = min(need, response.samples)
        if response.samples and len(track) and (track.ended or track.covered_until >= need):
            self._start(response)
            self._set(State.PLAYING, Reason.USER_ACTION)
        elif not len(track) and now - response.started_at > self.settings.motion_timeout_s:
            message = f"no motion within {self.settings.motion_timeout_s:g} s"
            error = self._playback_error(ErrorCode.MOTION_DATA_MISSING, message)
            self.motion_failed(response.req_id, error)

    def _start(self, response: Response) -> None:
        response.base = self.sink.written()
        self._feed_sink(response)

    def _feed_sink(self, response: Response) -> None:
        """Hand the sink the audio its motion covers while the producer is still at work
        and the motion keeps up with it (all of it once the audio or the motion has ended,
        the motion is late, or in audio-only); the rest waits in `pending`."""
        if not response.started:
            return
        track, pending = response.track, response.pending
        lag_ms = self._late_ms(response, response.samples)
        producing = not (response.audio_ended or response.fallback or track.ended)
        keeps_up = producing and lag_ms <= self.settings.motion_late_ms
        reach = track.covered_until if keeps_up else response.samples
        room = reach - response.handed
        while pending and room > 0:
            pcm = pending[0]
            if pcm.size > room:
                pcm, pending[0] = pcm[:room], pcm[room:]
            else:
                pending.popleft()
            self.sink.enqueue(pcm)
            response.handed += pcm.size
            room -= pcm.size
        self.sink.set_expecting_more(not (response.audio_ended and not pending))

    def _drop(self) -> None:
        if self.current is not None:
            self._end_stall(self.current)
        self.current = None
        self.sink.clear()
        self.sink.resume()
        self.sink.set_expecting_more(False)

    def _playback_error(self, code: ErrorCode, message: str) -> AvatarError:
        req_id = self.current.req_id if self.current else ""
        return AvatarError(code, message, Phase.PLAYBACK, req_id=req_id)

    def _emit_metrics(self, response: Response) -> None:
        self._last_metrics = self.clock()
        position = self.position()
        self.metrics.emit(
            PlaybackMetrics(
                req_id=response.req_id,
                audio_position_s=position / self.sample_rate,
                av_offset_ms=self.offsets.take_median(),
                buffered_motion_ms=response.track.buffered_ms(position),
                underruns=self.sink.underruns,
                rebuffers=self.rebuffers,
                stall_s=self.stall_s,
            )
        )

    def _set(self, state: ConversationState, reason: StateChangeReason, req_id: str = "") -> None:
        if (state, reason) == (self.state, self.reason) and state is not State.ACTIVE:
            return
        self.state, self.reason = state, reason
        req_id = req_id or (self.current.req_id if self.current else "")
        self.changed.emit(ConversationChange(state, reason, req_id))
