"""Audio output (the master clock of A/V sync) and clip decoding; Qt- and asyncio-free."""

from __future__ import annotations

from typing import Literal

from avatar_player.audio.convert import (
    ClipError,
    ClipErrorCode,
    load_clip,
    load_raw_pcm,
    pcm_from_float,
)
from avatar_player.audio.device_sink import (
    AudioDeviceError,
    OutputDevice,
    SoundDeviceSink,
    list_output_devices,
)
from avatar_player.audio.manual_sink import ManualClockSink
from avatar_player.audio.null_sink import PacedNullSink
from avatar_player.audio.sink import AudioSink, BufferedSink, StatusCallback

__all__ = [
    "AudioDeviceError",
    "AudioSink",
    "BufferedSink",
    "ClipError",
    "ClipErrorCode",
    "ManualClockSink",
    "OutputDevice",
    "PacedNullSink",
    "SoundDeviceSink",
    "StatusCallback",
    "list_output_devices",
    "load_clip",
    "load_raw_pcm",
    "open_sink",
    "pcm_from_float",
]

# Frames rendered per real-time frame outside this range: not a usable clock.
PACING_RANGE = (0.2, 5.0)


def open_sink(
    sample_rate: int,
    prefer: Literal["device", "null"] = "device",
    *,
    device: int | str | None = None,
    on_status: StatusCallback | None = None,
) -> tuple[AudioSink, str | None]:
    """Open and start an output sink; returns it and a warning when it fell back.

    With `prefer="device"` the sound device is opened and its pacing measured
    for about 0.3 s; if it cannot be opened, or renders far faster or slower
    than real time (an ALSA null device, a stalled device), a `PacedNullSink`
    is returned instead together with a user-visible warning.
    """
    if prefer == "device":
        try:
            sink = SoundDeviceSink(sample_rate, device=device, on_status=on_status)
            ratio = sink.pacing_ratio()
        except AudioDeviceError as exc:
            reason = str(exc)
        else:
            low, high = PACING_RANGE
            if low <= ratio <= high:
                return sink, None
            sink.close()
            reason = f"audio output {sink.device_name!r} runs at {ratio:.3g}x real time"
        warning = f"No usable audio output ({reason}); playing silently on a simulated clock."
    elif prefer == "null":
        warning = None
    else:
        raise ValueError(f"prefer must be 'device' or 'null', got {prefer!r}")
    null_sink = PacedNullSink(sample_rate, on_status=on_status)
    null_sink.start()
    return null_sink, warning
