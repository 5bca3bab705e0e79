"""The audio sink interface and the playback buffer shared by every implementation.

The audio clock is the master: `position()` says how many enqueued samples have
reached the DAC. Every render step records a block of the output stream (frames
rendered, how many of them were queued audio and how many audio samples preceded
it) and where the DAC was; `position()` maps the DAC's stream frame back to an
audio sample count. Silence (pause, underrun, after `clear()`) occupies stream
frames but no audio samples, so latency, pauses and gaps never skew the count.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import NamedTuple, Protocol

import numpy as np

StatusCallback = Callable[[str], None]
Tap = Callable[[np.ndarray], None]

FADE_S = 0.004
"""Length of the fade at each edge of a pause or a rebuffer."""


class AudioSink(Protocol):
    """Plays int16 mono audio and reports which sample is at the DAC."""

    sample_rate: int
    on_status: StatusCallback | None

    @property
    def underruns(self) -> int: ...

    @property
    def latency_s(self) -> float: ...

    @property
    def rebuffers(self) -> int: ...

    @property
    def holding(self) -> bool: ...

    def release(self) -> None: ...

    def add_tap(self, tap: Tap) -> None: ...

    def remove_tap(self, tap: Tap) -> None: ...

    def start(self) -> None: ...

    def close(self) -> None: ...

    def enqueue(self, pcm: np.ndarray) -> None: ...

    def clear(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def set_volume(self, volume: float) -> None: ...

    def set_expecting_more(self, flag: bool) -> None: ...

    def position(self) -> int: ...

    def queued(self) -> int: ...

    def written(self) -> int: ...


class _Block(NamedTuple):
    first_frame: int  # stream frame of the block's first sample
    played_before: int  # audio samples rendered before the block
    audio: int  # audio samples at the start of the block; the rest is silence


class BufferedSink(ABC):
    """Thread-safe FIFO of int16 samples plus the audio-clock bookkeeping.

    Subclasses drive `_render()` from a device callback, a pacing thread or a
    test, set `_latency_s` (time from a block's render to its first frame at
    the DAC) and implement `start()` / `close()`.
    """

    def __init__(
        self, sample_rate: int, latency_s: float = 0.0, on_status: StatusCallback | None = None
    ) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {sample_rate}")
        self.sample_rate = sample_rate
        self.on_status = on_status
        self._latency_s = latency_s
        self._lock = threading.Lock()
        self._chunks: deque[np.ndarray] = deque()
        self._head = 0  # read offset into _chunks[0]
        self._queued = 0
        self._consumed = 0  # audio samples rendered so far
        self._frames = 0  # stream frames rendered so far, silence included
        self._blocks: deque[_Block] = deque()
        self._dac_frame = 0  # stream frame at the DAC at _dac_time (negative at start)
        self._dac_time = 0.0
        self._max_extrapolation = 0  # frames the DAC may be assumed to move past _dac_frame
        self._next_due = 0.0  # when the block after the last clocked one is due
        self._position = 0
        self._volume = 1.0
        self._paused = False
        self._pausing = False  # pause() asked: the next block fades out, then silence
        self._holding = False  # ran out while expecting more: silent until release()
        self._fade_in = False  # the next audio after a pause or a hold fades in
        self._expecting_more = False
        self._underruns = 0
        self._rebuffers = 0
        self._fade = max(1, round(FADE_S * sample_rate))
        self._taps: tuple[Tap, ...] = ()

    @abstractmethod
    def start(self) -> None:
        """Start output; idempotent."""

    @abstractmethod
    def close(self) -> None:
        """Stop output and release threads / streams; idempotent."""

    @property
    def underruns(self) -> int:
        """Glitches nobody announced: the device reported an output underflow."""
        return self._underruns

    @property
    def rebuffers(self) -> int:
        """Times the queue ran out while more audio was expected (each one a hold)."""
        return self._rebuffers

    @property
    def holding(self) -> bool:
        """Whether the sink ran out of audio and waits for `release()`."""
        return self._holding

    def add_tap(self, tap: Tap) -> None:
        """Call `tap` with each block's audio samples as played (volume and fades applied),
        on the audio thread: it must not block. For checks, timelines and exports."""
        self._taps = (*self._taps, tap)

    def remove_tap(self, tap: Tap) -> None:
        """Stop calling `tap`."""
        self._taps = tuple(t for t in self._taps if t != tap)  # bound methods: equal, not same

    def release(self) -> None:
        """End a hold: queued audio plays again (fading in)."""
        with self._lock:
            if self._holding:
                self._holding = False
                self._fade_in = True

    @property
    def latency_s(self) -> float:
        """Output latency (render to DAC) used by `position()`."""
        return self._latency_s

    def enqueue(self, pcm: np.ndarray) -> None:
        """Append int16 mono samples (copied) to the queue."""
        if pcm.dtype != np.int16 or pcm.ndim != 1:
            raise ValueError(f"expected 1-D int16 samples, got {pcm.dtype} {pcm.shape}")
        if pcm.size == 0:
            return
        samples = pcm.copy()
        with self._lock:
            self._chunks.append(samples)
            self._queued += samples.size

    def clear(self) -> None:
        """Drop everything queued (audio already handed to the device still plays)."""
        with self._lock:
            self._chunks.clear()
            self._head = 0
            self._queued = 0
            self._holding = self._fade_in = False

    def pause(self) -> None:
        """Fade out, then render silence and keep the queue until `resume()`."""
        with self._lock:
            if not self._paused:
                self._pausing = True

    def resume(self) -> None:
        """Play on from where `pause()` stopped (fading in)."""
        with self._lock:
            if self._paused:
                self._fade_in = True
            self._paused = self._pausing = False

    def set_volume(self, volume: float) -> None:
        """Set the gain applied when rendering, clamped to 0..1."""
        if math.isnan(volume):
            raise ValueError("volume is NaN")
        self._volume = min(max(float(volume), 0.0), 1.0)

    def set_expecting_more(self, flag: bool) -> None:
        """Whether more audio of the current response is still to come."""
        self._expecting_more = flag

    def queued(self) -> int:
        """Samples enqueued and not yet rendered."""
        return self._queued

    def written(self) -> int:
        """Audio samples accepted and not cleared (rendered + queued): the position
        `position()` will reach once everything queued has played."""
        with self._lock:
            return self._consumed + self._queued

    def position(self) -> int:
        """Enqueued samples that have reached the DAC; never decreases."""
        now = time.monotonic()
        with self._lock:
            moved = 0
            if self._max_extrapolation:
                elapsed = int((now - self._dac_time) * self.sample_rate)
                moved = min(max(elapsed, 0), self._max_extrapolation)
            played = self._played_at(self._dac_frame + moved)
            self._position = max(self._position, played)
            return self._position

    def _next_block_due(self) -> float:
        """Monotonic time at which the next rendered block continues the DAC timeline of
        the last clocked `_render` without a jump (another renderer taking over)."""
        with self._lock:
            return self._next_due

    def _played_at(self, frame: int) -> int:
        """Audio samples before stream frame `frame` (caller holds the lock)."""
        played = self._blocks[0].played_before if self._blocks else 0
        for block in self._blocks:
            if frame <= block.first_frame:
                break
            played = block.played_before + min(frame - block.first_frame, block.audio)
        return played

    def _render(self, out: np.ndarray, clock: float | None) -> None:
        """Fill `out` (1-D int16) with queued audio, then silence.

        `clock` is the monotonic time at which the DAC is `latency_s` before the
        block's first frame; the DAC is then assumed to move in real time through
        everything rendered (the latency and this block), so that a renderer
        that comes late does not stop the clock while the DAC plays on.
        `clock=None` means no wall clock: once rendered, the whole block is
        `latency_s` past the DAC (manual clock).
        """
        n = out.shape[0]
        latency = round(self._latency_s * self.sample_rate)
        with self._lock:
            first = self._frames
            before = self._consumed
            fade_in, fade_out = self._fade_in, False
            if self._pausing:
                filled = 0 if self._holding else self._pop_into(out[: self._fade])
                self._paused, self._pausing, fade_out = True, False, True
            elif self._paused or self._holding:
                filled = 0
            else:
                filled = self._pop_into(out)
                if not self._queued and self._expecting_more:
                    self._holding = fade_out = True
                    self._rebuffers += 1
            if filled:
                self._fade_in = False
            self._frames = first + n
            self._blocks.append(_Block(first, before, filled))
            if clock is None:
                self._dac_frame = first + n - latency
                self._max_extrapolation = 0
            else:
                self._dac_frame = first - latency
                self._dac_time = clock
                self._max_extrapolation = latency + n
                self._next_due = clock + n / self.sample_rate
            while len(self._blocks) > 1 and self._blocks[1].first_frame <= self._dac_frame:
                self._blocks.popleft()
        out[filled:] = 0
        self._shape(out[:filled], fade_in=fade_in, fade_out=fade_out)
        if filled and self._taps:
            played = out[:filled].copy()
            for tap in self._taps:
                tap(played)

    def _shape(self, audio: np.ndarray, *, fade_in: bool, fade_out: bool) -> None:
        """Apply the volume and the edge fades to freshly rendered audio, in place (nothing
        to do, and nothing allocated, for plain audio at full volume)."""
        if not audio.size or not (fade_in or fade_out or self._volume != 1.0):
            return
        gain = np.full(audio.size, self._volume, dtype=np.float32)
        ramp = np.linspace(0.0, 1.0, min(self._fade, audio.size), dtype=np.float32)
        if fade_in:
            gain[: ramp.size] *= ramp
        if fade_out:
            gain[audio.size - ramp.size :] *= ramp[::-1]
        np.multiply(audio, gain, out=audio, casting="unsafe")

    def _note_underrun(self) -> None:
        """The device reported an output underflow (a callback came too late)."""
        self._underruns += 1

    def _pop_into(self, out: np.ndarray) -> int:
        """Move up to len(out) queued samples into `out` (caller holds the lock)."""
        filled = 0
        n = out.shape[0]
        while filled < n and self._chunks:
            chunk = self._chunks[0]
            take = min(n - filled, chunk.size - self._head)
            out[filled : filled + take] = chunk[self._head : self._head + take]
            filled += take
            self._head += take
            if self._head == chunk.size:
                self._chunks.popleft()
                self._head = 0
        self._queued -= filled
        self._consumed += filled
        return filled

    def _report(self, message: str) -> None:
        if self.on_status is not None:
            self.on_status(message)
