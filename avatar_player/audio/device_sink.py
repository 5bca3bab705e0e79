"""Audio output through PortAudio (`sounddevice`), with a silent failover when it dies."""

from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from avatar_player.audio.null_sink import pace_blocks
from avatar_player.audio.sink import BufferedSink, StatusCallback

BLOCK_S = 0.02
MAX_PLAUSIBLE_LATENCY_S = 1.0
STALL_TIMEOUT_S = 0.5
"""No callback for this long while started: the output is dead."""
_WATCH_INTERVAL_S = 0.05


class AudioDeviceError(RuntimeError):
    """The audio output cannot be used; the message carries PortAudio's reason."""


@dataclass(frozen=True)
class OutputDevice:
    index: int
    name: str
    host_api: str
    channels: int
    default_sample_rate: float
    is_default: bool


def _sounddevice() -> ModuleType:
    """Import sounddevice lazily: without PortAudio the rest of the package still works."""
    try:
        import sounddevice  # noqa: PLC0415
    except OSError as exc:
        raise AudioDeviceError(f"PortAudio is not available: {exc}") from exc
    return sounddevice


def list_output_devices() -> list[OutputDevice]:
    """Output devices PortAudio knows, the default one flagged."""
    sd = _sounddevice()
    default_index = sd.default.device[1]
    host_apis = sd.query_hostapis()
    return [
        OutputDevice(
            index=info["index"],
            name=info["name"],
            host_api=host_apis[info["hostapi"]]["name"],
            channels=info["max_output_channels"],
            default_sample_rate=info["default_samplerate"],
            is_default=info["index"] == default_index,
        )
        for info in sd.query_devices()
        if info["max_output_channels"] > 0
    ]


class SoundDeviceSink(BufferedSink):
    """int16 mono callback stream; the stream is opened on construction.

    Latency per callback is `outputBufferDacTime - currentTime`, or the
    stream's reported latency when those times are implausible (<= 0 or > 1 s,
    as on ALSA null devices).

    When the stream dies after `start()` (PortAudio finished it: aborted,
    stopped, or our callback raised; or no callback for `stall_timeout_s`), a
    supervisor thread takes over rendering from the same buffer on a paced
    schedule that continues the DAC timeline: `position()` stays monotonic and
    moves on in real time, queued audio keeps "playing" silently, and
    `on_status` gets one warning.
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        device: int | str | None = None,
        blocksize: int | None = None,
        latency: float | str = "low",
        stall_timeout_s: float = STALL_TIMEOUT_S,
        on_status: StatusCallback | None = None,
    ) -> None:
        super().__init__(sample_rate, 0.0, on_status)
        self._sd = sd = _sounddevice()
        self._blocksize = blocksize or round(sample_rate * BLOCK_S)
        self._stall_timeout_s = stall_timeout_s
        self._closing = threading.Event()
        self._stream_finished = threading.Event()
        self._failed_over = False
        self._last_callback = 0.0
        self._supervisor: threading.Thread | None = None
        try:
            self._stream = sd.OutputStream(
                samplerate=sample_rate,
                blocksize=self._blocksize,
                device=device,
                channels=1,
                dtype="int16",
                latency=latency,
                callback=self._callback,
                finished_callback=self._stream_finished.set,
            )
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioDeviceError(f"cannot open audio output: {exc}") from exc
        self._stream_latency_s = float(self._stream.latency)
        self._latency_s = self._stream_latency_s
        self.device_name: str = sd.query_devices(self._stream.device)["name"]

    @property
    def failed_over(self) -> bool:
        """Whether the stream died and the paced continuation renders instead."""
        return self._failed_over

    def start(self) -> None:
        if self._supervisor is not None or self._closing.is_set():
            return
        self._last_callback = time.monotonic()
        try:
            self._stream.start()
        except self._sd.PortAudioError as exc:
            self._stream.close(ignore_errors=True)
            raise AudioDeviceError(f"cannot start audio output: {exc}") from exc
        self._supervisor = threading.Thread(
            target=self._supervise, name="SoundDeviceSink", daemon=True
        )
        self._supervisor.start()

    def close(self) -> None:
        self._closing.set()
        if self._supervisor is not None:
            self._supervisor.join()
        if self._failed_over:
            # A hung device can block Pa_CloseStream, and at exit sounddevice's Pa_Terminate,
            # forever: never wait for a dead stream, now or at exit (the OS reclaims it).
            atexit.unregister(self._sd._exit_handler)
            closer = threading.Thread(
                target=self._close_stream, name="SoundDeviceSink-close", daemon=True
            )
            closer.start()
        else:
            self._close_stream()

    def _close_stream(self) -> None:
        if not self._stream.closed:
            self._stream.close(ignore_errors=True)

    def pacing_ratio(self, warmup_s: float = 0.1, window_s: float = 0.2) -> float:
        """Start the stream; return frames rendered per real-time frame (~1 on real hardware)."""
        self.start()
        time.sleep(warmup_s)
        frames, begin = self._frames, time.monotonic()
        time.sleep(window_s)
        return (self._frames - frames) / ((time.monotonic() - begin) * self.sample_rate)

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        if self._failed_over:  # a stalled stream woke up: the continuation owns the clock
            outdata.fill(0)
            raise self._sd.CallbackAbort
        self._last_callback = now
        if status:
            self._report(f"audio output: {status}")
            if status.output_underflow:
                self._note_underrun()
        ahead = time_info.outputBufferDacTime - time_info.currentTime
        plausible = 0.0 < ahead <= MAX_PLAUSIBLE_LATENCY_S
        self._latency_s = ahead if plausible else self._stream_latency_s
        self._render(outdata[:, 0], now)

    def _supervise(self) -> None:
        """Watch the stream until close; if it dies, render in its place until close."""
        while not self._closing.wait(_WATCH_INTERVAL_S):
            silent_s = time.monotonic() - self._last_callback
            if self._stream_finished.is_set():
                reason = "the stream stopped"
            elif silent_s > self._stall_timeout_s:
                reason = f"no audio callback for {silent_s:.1f} s"
            else:
                continue
            self._fail_over(reason)
            return

    def _fail_over(self, reason: str) -> None:
        self._failed_over = True
        self._report(
            f"audio output {self.device_name!r} failed ({reason}); "
            "playing silently on a simulated clock."
        )
        origin = max(time.monotonic(), self._next_block_due())
        block = np.zeros(self._blocksize, dtype=np.int16)
        pace_blocks(
            self._render,
            block,
            sample_rate=self.sample_rate,
            origin=origin,
            stop=self._closing,
            report=self._report,
        )
