"""What the microphone tests run in a child process (PortAudio reads its ALSA configuration
once per process): each scenario drives a FIFO-backed capture device and returns JSON."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fifo_microphone import FifoMicrophone

from avatar_player.audio.convert import load_clip
from avatar_player.speech import microphone
from avatar_player.speech.endpointing import (
    EndpointerConfig,
    block_dbfs,
)
from avatar_player.speech.microphone import MicrophoneSource, list_input_devices
from avatar_player.speech.source import SpeechError

RATE = 16000
BLOCK = 320  # MicrophoneSource's 20 ms blocks at RATE
CLIP = Path(__file__).resolve().parents[1] / "resources" / "clips" / "hello_16k.wav"
CLIP_S = 2.0  # two words 340 ms apart, then 0.1 s of silence
HANG_S = EndpointerConfig().hang_s
BLOCK_S = 0.02

Script = Callable[["Capture"], Awaitable[None]]


def clip(rate: int = RATE) -> np.ndarray:
    return load_clip(CLIP, rate)[: round(CLIP_S * rate)]


def speech_span(pcm: np.ndarray, rate: int = RATE) -> tuple[int, int]:
    """First and end frame of the 10 ms windows above -40 dBFS."""
    window = rate // 100
    loud = [i for i in range(0, pcm.size - window, window) if block_dbfs(pcm[i : i + window]) > -40]
    return loud[0], loud[-1] + window


def correlation(captured: np.ndarray, reference: np.ndarray, lag: int) -> float:
    """Normalized correlation of `reference` with `captured[lag:]`."""
    segment = captured[lag : lag + reference.size].astype(np.float64)
    reference = reference[: segment.size].astype(np.float64)
    return float(segment @ reference / (np.linalg.norm(segment) * np.linalg.norm(reference)))


def best_lag(captured: np.ndarray, reference: np.ndarray) -> int:
    """Where in `captured` (which holds it whole) `reference` correlates best."""
    size = 1 << (captured.size + reference.size).bit_length()
    spectrum = np.fft.rfft(captured, size) * np.conj(np.fft.rfft(reference, size))
    return int(np.argmax(np.fft.irfft(spectrum, size)[: captured.size - reference.size + 1]))


def find(haystack: np.ndarray, needle: np.ndarray) -> int:
    """The frame index where `needle` occurs in `haystack` bit for bit (-1: nowhere)."""
    data, pattern = haystack.tobytes(), needle.tobytes()
    at = data.find(pattern)
    while at > 0 and at % 2:
        at = data.find(pattern, at + 1)
    return at // 2 if at >= 0 else -1


def exact_prefix(written: np.ndarray, blocks: list[np.ndarray]) -> tuple[int, int]:
    """Where the first block is in `written`, and how many frames of the blocks follow it
    there bit for bit."""
    start = find(written, blocks[0]) if blocks else -1
    frames = 0
    for block in blocks if start >= 0 else []:
        if not np.array_equal(written[start + frames : start + frames + block.size], block):
            break
        frames += block.size
    return start, frames


@dataclass
class Capture:
    """What a stream yielded, when, and how it ended."""

    blocks: list[np.ndarray] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    levels: list[float] = field(default_factory=list)
    error: SpeechError | None = None
    ended_at: float = 0.0
    running: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def pcm(self) -> np.ndarray:
        return np.concatenate([np.zeros(0, np.int16), *self.blocks])

    @property
    def code(self) -> str:
        return str(self.error.code) if self.error else ""

    def level(self, dbfs: float) -> None:
        self.levels.append(dbfs)
        self.running.set()

    async def consume(self, source: MicrophoneSource, rate: int) -> None:
        try:
            async for block in source.stream(rate):
                self.blocks.append(block)
                self.times.append(time.monotonic())
        except SpeechError as error:
            self.error = error
        self.ended_at = time.monotonic()


async def capture(source: MicrophoneSource, script: Script | None, rate: int = RATE) -> Capture:
    """Run `source`; once it captures, `script(capture)` acts on the device or source."""
    result = Capture()
    source.on_level = result.level
    consumer = asyncio.create_task(result.consume(source, rate))
    waiter = asyncio.create_task(result.running.wait())
    await asyncio.wait([consumer, waiter], return_when=asyncio.FIRST_COMPLETED)
    if result.running.is_set() and script is not None:
        await script(result)
    await consumer
    waiter.cancel()
    return result


async def frame_written(mic: FifoMicrophone, frame: int) -> None:
    while mic.block_time(frame) is None:
        await asyncio.sleep(0.005)


def release_after(source: MicrophoneSource, seconds: float) -> Script:
    async def hold(_: Capture) -> None:
        await asyncio.sleep(seconds)
        source.release()

    return hold


def short_capture(mic: FifoMicrophone, rate: int = RATE) -> dict[str, Any]:
    """0.3 s of push-to-talk at `rate`: does it match what the device delivered?"""
    source = MicrophoneSource()
    result = asyncio.run(capture(source, release_after(source, 0.3), rate))
    _, frames = exact_prefix(mic.written(), result.blocks)
    return {"code": result.code, "seconds": frames / rate, "exact": frames == result.pcm.size}


# Child processes: each opens the FIFO before PortAudio starts, and returns JSON.


def push_to_talk(fifo: str) -> dict[str, Any]:
    """Capture the clip, release 0.1 s after it; the latency from FIFO to yield."""
    with FifoMicrophone(fifo, RATE, BLOCK) as mic:
        source = MicrophoneSource()
        played: dict[str, float] = {}

        async def talk(_: Capture) -> None:
            played["start"] = mic.play(clip())
            await frame_written(mic, int(played["start"]) + clip().size + RATE // 10)
            played["released"] = time.monotonic()
            source.release()

        result = asyncio.run(capture(source, talk))
        pcm = result.pcm
        offset, exact = exact_prefix(mic.written(), result.blocks)
        ends = np.cumsum([block.size for block in result.blocks]) - 1 + offset
        latencies = [t - mic.block_time(end) for t, end in zip(result.times, ends, strict=True)]
        lag = int(played["start"]) - offset
        first_missed = mic.block_time(offset + pcm.size) or played["released"]
        return {
            "devices": [list(device) for device in list_input_devices()],
            "code": result.code,
            "exact": exact == pcm.size,
            "lag": lag,
            "best_lag": best_lag(pcm, clip()),
            "correlation": correlation(pcm, clip(), lag),
            "level_error_db": block_dbfs(pcm[lag : lag + clip().size]) - block_dbfs(clip()),
            "missed_age_s": played["released"] - first_missed,
            "end_after_release_s": result.ended_at - played["released"],
            "latency_ms": sorted(1000 * value for value in latencies),
            "levels": len(result.levels),
            "blocks": len(result.blocks),
        }


def hands_free(fifo: str) -> dict[str, Any]:
    """0.5 s of background, the clip, background: one utterance; where it starts, ends."""
    with FifoMicrophone(fifo, RATE, BLOCK) as mic:
        source = MicrophoneSource(mode="hands_free")
        played: dict[str, int] = {}

        async def speak(_: Capture) -> None:
            await asyncio.sleep(0.5)
            played["start"] = mic.play(clip())

        result = asyncio.run(capture(source, speak))
        pcm = result.pcm
        offset, exact = exact_prefix(mic.written(), result.blocks)
        onset, speech_end = speech_span(clip())
        lag = played["start"] - offset
        return {
            "code": result.code,
            "exact": exact == pcm.size,
            "start_before_onset_s": (played["start"] + onset - offset) / RATE,
            "end_after_speech_s": (offset + pcm.size - played["start"] - speech_end) / RATE,
            "returned_after_end_s": result.ended_at - mic.block_time(offset + pcm.size - 1),
            "yielded_after_onset_s": result.times[0] - mic.block_time(played["start"] + onset),
            "correlation": correlation(pcm, clip(), lag),
            "best_lag_error": best_lag(pcm, clip()) - lag,
            "levels": len(result.levels),
        }


def device_failures(fifo: str) -> dict[str, Any]:
    """No such device; the device hangs mid-utterance; it goes away; then a new source."""

    def missing(device: int | str) -> tuple[str, float]:
        begin = time.monotonic()
        result = asyncio.run(capture(MicrophoneSource(device), None))
        return result.code, result.ended_at - begin

    def lose(how: str) -> dict[str, Any]:
        with FifoMicrophone(fifo, RATE, BLOCK) as mic:
            broke: dict[str, float] = {}

            async def talk(_: Capture) -> None:
                mic.play(clip())
                await asyncio.sleep(0.6)
                broke["at"] = time.monotonic()
                getattr(mic, how)()

            result = asyncio.run(capture(MicrophoneSource(), talk))
            _, exact = exact_prefix(mic.written(), result.blocks)
            return {
                "code": result.code,
                "message": str(result.error),
                "error_after_s": result.ended_at - broke["at"],
                "exact_s": exact / RATE,
                "captured_s": result.pcm.size / RATE,
            }

    with FifoMicrophone(fifo, RATE, BLOCK):
        no_such = {"name": missing("no such microphone"), "index": missing(99)}
    stalled = lose("stall")
    gone = lose("close")
    with FifoMicrophone(fifo, RATE, BLOCK) as mic:
        after = short_capture(mic)
    return {"missing": no_such, "stall": stalled, "close": gone, "after": after}


@contextlib.contextmanager
def device_rates(*allowed: float) -> Iterator[list[float]]:
    """PortAudio refuses input streams at rates not `allowed`, as ALSA would; yields the
    rates asked for. Import sounddevice (start PortAudio) while the device exists."""
    import sounddevice as sd

    real_stream, asked = sd.InputStream, []

    def open_stream(*args: Any, samplerate: float, **kwargs: Any) -> Any:
        asked.append(samplerate)
        if samplerate not in allowed:
            raise sd.PortAudioError("Invalid sample rate", microphone._PA_INVALID_SAMPLE_RATE)
        return real_stream(*args, samplerate=samplerate, **kwargs)

    sd.InputStream = open_stream
    try:
        yield asked
    finally:
        sd.InputStream = real_stream


def rates(fifo: str) -> dict[str, Any]:
    """The file plugin opens at any rate; a device that refuses the session rate is
    captured at its default rate (44.1 kHz) and resampled."""
    with FifoMicrophone(fifo, 48000, 960) as mic:
        native = short_capture(mic, 48000)
    with FifoMicrophone(fifo, 44100, 882) as mic, device_rates(44100) as asked:
        source = MicrophoneSource()

        async def talk(_: Capture) -> None:
            start = mic.play(clip(44100))
            await frame_written(mic, start + clip(44100).size + 4410)
            source.release()

        result = asyncio.run(capture(source, talk))
        pcm, lag = result.pcm, best_lag(result.pcm, clip())
        fallback = {
            "code": result.code,
            "asked": asked,
            "correlation": correlation(pcm, clip(), lag),
            "level_error_db": block_dbfs(pcm[lag : lag + clip().size]) - block_dbfs(clip()),
        }
    with device_rates() as asked:
        refused = asyncio.run(capture(MicrophoneSource(), None))
    with FifoMicrophone(fifo, RATE, BLOCK) as mic:
        after = short_capture(mic)
    return {
        "native": native,
        "fallback": fallback,
        "refused": {"code": refused.code, "message": str(refused.error), "asked": asked},
        "after": after,
    }


def abandoned(fifo: str) -> dict[str, tuple[float, int]]:
    """Streams cancelled or closed early: how long stopping took, and how many blocks wait
    in the device 0.3 s later (all it buffers once nobody reads it)."""

    async def abandon(mic: FifoMicrophone, how: str) -> tuple[float, int]:
        if how == "aclose":
            stream = MicrophoneSource().stream(RATE)
            await anext(stream)
            begin = time.monotonic()
            await stream.aclose()
        else:
            consumer = asyncio.create_task(Capture().consume(MicrophoneSource(), RATE))
            await asyncio.sleep(0.2)
            begin = time.monotonic()
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer
        stopped_s = time.monotonic() - begin
        await asyncio.sleep(0.3)
        return stopped_s, mic.unread_blocks()

    with FifoMicrophone(fifo, RATE, BLOCK) as mic:
        return {how: asyncio.run(abandon(mic, how)) for how in ("cancel", "aclose")}


def speak_into_the_player(fifo: str) -> dict[str, Any]:
    """Hands-free speech through PlayerSession.speak (embedded server, null audio), with
    a render loop: how the jaw moves, and how soon after the speech entered the device."""
    with FifoMicrophone(fifo, RATE, BLOCK) as mic:
        return asyncio.run(speak_into(mic))


async def speak_into(mic: FifoMicrophone) -> dict[str, Any]:
    from avatar_player.models.player_session import PlayerSession, SessionOptions
    from avatar_player.protocol.motion import LAYOUT

    session = PlayerSession(SessionOptions(audio="null", sample_rate=RATE))
    await session.open()
    try:
        assert await session.connect()
        running = asyncio.Event()
        source = MicrophoneSource(mode="hands_free", on_level=lambda _: running.set())
        speaking = asyncio.create_task(session.speak(source))
        await running.wait()
        await asyncio.sleep(0.3)
        start = mic.play(clip())
        jaw: list[tuple[float, float]] = []
        for _ in range(round((CLIP_S + HANG_S + 1.5) / BLOCK_S)):
            jaw.append((time.monotonic(), float(session.pose()[LAYOUT["jaw_open"].start])))
            session.report_frame()
            await asyncio.sleep(BLOCK_S)
        req_id = await speaking
        onset, _ = speech_span(clip())
        moving = [at for at, opened in jaw if opened > 0.1]
        return {
            "req_id": req_id,
            "log": [(e.severity, e.code, e.message) for e in session.log.entries],
            "jaw_opened": max(opened for _, opened in jaw),
            "moving_s": len(moving) * BLOCK_S,
            "lips_after_onset_s": moving[0] - mic.block_time(start + onset) if moving else None,
        }
    finally:
        await session.close()
