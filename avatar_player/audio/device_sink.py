"""Audio output through PortAudio (`sounddevice`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from avatar_player.audio.sink import BufferedSink, StatusCallback

BLOCK_S = 0.02
MAX_PLAUSIBLE_LATENCY_S = 1.0


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
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        device: int | str | None = None,
        blocksize: int | None = None,
        latency: float | str = "low",
        on_status: StatusCallback | None = None,
    ) -> None:
        super().__init__(sample_rate, 0.0, on_status)
        self._sd = sd = _sounddevice()
        try:
            self._stream = sd.OutputStream(
                samplerate=sample_rate,
                blocksize=blocksize or round(sample_rate * BLOCK_S),
                device=device,
                channels=1,
                dtype="int16",
                latency=latency,
                callback=self._callback,
            )
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioDeviceError(f"cannot open audio output: {exc}") from exc
        self._stream_latency_s = float(self._stream.latency)
        self._latency_s = self._stream_latency_s
        self.device_name: str = sd.query_devices(self._stream.device)["name"]

    def start(self) -> None:
        if not self._stream.stopped:
            return
        try:
            self._stream.start()
        except self._sd.PortAudioError as exc:
            self._stream.close(ignore_errors=True)
            raise AudioDeviceError(f"cannot start audio output: {exc}") from exc

    def close(self) -> None:
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
        if status:
            self._report(f"audio output: {status}")
        ahead = time_info.outputBufferDacTime - time_info.currentTime
        plausible = 0.0 < ahead <= MAX_PLAUSIBLE_LATENCY_S
        self._latency_s = ahead if plausible else self._stream_latency_s
        self._render(outdata[:, 0], now)
