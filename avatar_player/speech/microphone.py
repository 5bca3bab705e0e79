"""Speech from a microphone (PortAudio through sounddevice): push-to-talk or hands-free.

PortAudio's callback only copies each block and posts it to the event loop; the loop
converts it to the session rate (soxr, when the device cannot capture at that rate),
reports its level, and decides what is speech. A device that stops delivering blocks,
floods them faster than real time, or whose stream stops, is lost (`MICROPHONE_LOST`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any, Literal, NamedTuple

import numpy as np
import soxr

from avatar_player.speech.endpointing import EndpointerConfig, SpeechGate, block_dbfs
from avatar_player.speech.source import SpeechError, SpeechErrorCode, SpeechSource

Mode = Literal["push_to_talk", "hands_free"]
STALL_TIMEOUT_S = 0.5
"""No block for this long while capturing: the device is lost."""
_FLOOD_SLACK_S = 0.1
"""A device may run this far (plus its latency) ahead of real time before it counts as
broken: it cannot deliver audio faster than it captures it."""
_CLOSE_WAIT_S = 1.0
_PA_INVALID_SAMPLE_RATE = -9997
_RELEASED = "released"
_FINISHED = "finished"


class InputDevice(NamedTuple):
    index: int
    name: str
    default_sample_rate: float
    channels: int
    is_default: bool


def _sounddevice() -> ModuleType:
    """Import sounddevice lazily: without PortAudio the rest of the package still works."""
    try:
        import sounddevice  # noqa: PLC0415
    except OSError as exc:
        raise SpeechError(
            SpeechErrorCode.MICROPHONE_UNAVAILABLE, f"PortAudio is not available: {exc}"
        ) from exc
    return sounddevice


def list_input_devices() -> list[InputDevice]:
    """Input devices PortAudio knows, the default one flagged; [] without PortAudio."""
    try:
        sd = _sounddevice()
    except SpeechError:
        return []
    default = sd.default.device[0]
    return [
        InputDevice(
            info["index"],
            info["name"],
            info["default_samplerate"],
            info["max_input_channels"],
            info["index"] == default,
        )
        for info in sd.query_devices()
        if info["max_input_channels"] > 0
    ]


class MicrophoneSource(SpeechSource):
    """The user's voice from an input device, one utterance per `stream()`.

    push_to_talk: from the start of `stream()` until `release()`. hands_free: from
    `preroll_s` before the speech onset until the endpointer hears its end (or
    `release()`). Either way at most `max_utterance_s` of speech. `on_level(dbfs)` is
    called on the event loop for every captured block (a level meter).
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        mode: Mode = "push_to_talk",
        on_level: Callable[[float], None] | None = None,
        monitor: bool = False,
        endpointing: EndpointerConfig | None = None,
        preroll_s: float = 0.1,
        max_utterance_s: float = 30.0,
        block_s: float = 0.02,
        stall_timeout_s: float = STALL_TIMEOUT_S,
    ) -> None:
        if mode not in ("push_to_talk", "hands_free"):
            raise ValueError(f"unknown microphone mode {mode!r}")
        self.device = device
        self.mode = mode
        self.on_level = on_level
        self.audible = monitor
        self.live = True
        self.endpointing = endpointing or EndpointerConfig()
        self.preroll_s = preroll_s
        self.max_utterance_s = max_utterance_s
        self.block_s = block_s
        self.stall_timeout_s = stall_timeout_s
        self.label = f"microphone {'default' if device is None else device} ({mode})"
        self._released = False
        self._capture: _Capture | None = None

    def release(self) -> None:
        """The talk button was let go: the utterance ends with what was captured so far.

        Called before `stream()` starts, it ends the next utterance at once (so use one
        source per press). Thread-safe."""
        self._released = True
        if (capture := self._capture) is not None:
            capture.release()

    async def stream(self, sample_rate: int) -> AsyncIterator[np.ndarray]:
        capture = _Capture(self.device, sample_rate, self.stall_timeout_s)
        self._capture = capture
        if self._released:
            capture.release()
        gate = (
            SpeechGate(sample_rate, self.endpointing, self.preroll_s)
            if self.mode == "hands_free"
            else None
        )
        room = round(self.max_utterance_s * sample_rate)
        try:
            await asyncio.to_thread(capture.open, self.block_s)
            while room > 0:
                block = await capture.read()
                if block is None:  # released: what the resampler still holds, then done
                    tail = capture.flush()
                    if tail.size and (gate is None or gate.open):
                        yield tail[:room]
                    return
                if not block.size:
                    continue
                if self.on_level is not None:
                    self.on_level(block_dbfs(block))
                speech = block if gate is None else gate.feed(block)
                if speech.size:
                    yield speech[:room]
                    room -= speech.size
                if gate is not None and gate.ended:
                    return
        finally:
            self._capture = None
            self._released = False
            await capture.close()


class _Capture:
    """A PortAudio input stream whose blocks arrive on the event loop, at the session rate."""

    def __init__(self, device: int | str | None, sample_rate: int, stall_timeout_s: float) -> None:
        self.device = device
        self.name = "the default input device" if device is None else repr(device)
        self.sample_rate = sample_rate
        self.stalled = False
        self._stall_timeout_s = stall_timeout_s
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._lock = threading.Lock()
        self._closing = False
        self._sd: Any = None
        self._stream: Any = None
        self._resampler: soxr.ResampleStream | None = None
        self._rate = sample_rate
        self._frames = 0
        self._started = 0.0
        self._ahead = 0

    def open(self, block_s: float) -> None:
        """Open and start the stream (blocking: run it in a thread)."""
        self._sd = sd = _sounddevice()
        try:
            info = sd.query_devices(self.device, "input")
        except (ValueError, sd.PortAudioError) as exc:
            raise self._unavailable("no input device", exc) from exc
        self.name = repr(info["name"])
        rates = list(dict.fromkeys([self.sample_rate, round(info["default_samplerate"])]))
        for rate in rates:
            self._rate = rate
            try:
                stream = sd.InputStream(
                    samplerate=rate,
                    blocksize=round(rate * block_s),
                    device=info["index"],
                    channels=1,
                    dtype="int16",
                    latency="low",
                    callback=self._callback,
                    finished_callback=lambda: self._post(_FINISHED),
                )
                break
            except sd.PortAudioError as exc:
                if exc.args[1:2] != (_PA_INVALID_SAMPLE_RATE,):
                    raise self._unavailable("cannot open", exc) from exc
        else:
            raise SpeechError(
                SpeechErrorCode.MICROPHONE_RATE,
                f"{self.name} captures at none of {', '.join(map(str, rates))} Hz",
            )
        if rate != self.sample_rate:
            # LQ: steady output a block behind; HQ and MQ hold back up to ~60 ms at a time.
            self._resampler = soxr.ResampleStream(
                rate, self.sample_rate, 1, dtype="int16", quality="LQ"
            )
        with self._lock:
            if self._closing:  # stream() was cancelled while this thread opened the device
                stream.close(ignore_errors=True)
                return
            self._ahead = round((_FLOOD_SLACK_S + stream.latency) * rate)
            self._started = time.monotonic()
            try:
                stream.start()
            except sd.PortAudioError as exc:
                stream.close(ignore_errors=True)
                raise self._unavailable("cannot start", exc) from exc
            self._stream = stream

    def _unavailable(self, what: str, exc: Exception) -> SpeechError:
        return SpeechError(SpeechErrorCode.MICROPHONE_UNAVAILABLE, f"{what} {self.name}: {exc}")

    def release(self) -> None:
        self._post(_RELEASED)

    async def read(self) -> np.ndarray | None:
        """The next block at the session rate (may be empty); None once released."""
        try:  # not wait_for: on Python 3.11 it can swallow a cancellation
            async with asyncio.timeout(self._stall_timeout_s):
                item = await self._queue.get()
        except TimeoutError:
            self.stalled = True
            raise self._lost(f"no audio for {self._stall_timeout_s:g} s") from None
        if isinstance(item, SpeechError):
            raise item
        if item is _FINISHED:
            raise self._lost("the input stream stopped")
        if item is _RELEASED:
            return None
        if self._resampler is None:
            return item
        return self._resampler.resample_chunk(item)

    def flush(self) -> np.ndarray:
        """What the resampler still holds."""
        if self._resampler is None:
            return np.zeros(0, dtype=np.int16)
        return self._resampler.resample_chunk(np.zeros(0, dtype=np.int16), last=True)

    def _lost(self, why: str) -> SpeechError:
        return SpeechError(SpeechErrorCode.MICROPHONE_LOST, f"{self.name}: {why}")

    async def close(self) -> None:
        """Close the stream; wait (a while) unless the device hung."""
        with self._lock:
            self._closing = True
            stream, self._stream = self._stream, None
        if stream is None:
            return
        closed: concurrent.futures.Future[None] = concurrent.futures.Future()

        def close_stream() -> None:  # a hung device can block Pa_CloseStream for ever
            stream.close(ignore_errors=True)
            closed.set_result(None)

        threading.Thread(target=close_stream, name="MicrophoneSource-close", daemon=True).start()
        if not self.stalled:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_CLOSE_WAIT_S):
                    await asyncio.shield(asyncio.wrap_future(closed))

    def _post(self, item: object) -> None:
        """Queue `item` for `read` (from any thread)."""
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the event loop is closed
            self._closing = True

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if self._closing:
            raise self._sd.CallbackAbort
        self._frames += frames
        if self._frames > (time.monotonic() - self._started) * self._rate + self._ahead:
            self._post(self._lost("it delivers audio faster than real time"))
            raise self._sd.CallbackAbort
        self._post(indata[:, 0].copy())
