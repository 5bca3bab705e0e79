"""Fuzz target: audio clip files (anything libsndfile reads) and headerless s16le PCM files.

The input is written to a file and decoded with `load_clip(path)`, `load_clip(bytes)` and
`load_raw_pcm(path)`.

Property: each decoder returns non-empty 1-D int16 samples or raises ClipError with a stable
`ClipErrorCode`; a file and the same bytes in memory decode alike; raw PCM refuses an empty
file (clipEmpty) and an odd byte count (clipMalformed), and otherwise resamples every sample
(output length within one sample of the rate ratio).

    python fuzz/fuzz_clip.py -runs=100000 -max_len=4096
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
from fuzz_common import ScratchFile, fuzz

from avatar_player.audio import ClipError, ClipErrorCode, load_clip, load_raw_pcm

SESSION_RATE = 16000
RAW_RATE = 22050
CLIP = Path(__file__).resolve().parents[1] / "resources" / "clips" / "hello_16k.wav"
SCRATCH = ScratchFile(".audio")

ClipResult = ClipErrorCode | np.ndarray


def check_clip_result(load: Callable[[], np.ndarray]) -> ClipResult:
    """Run one clip decoder: its error code, or its samples (checked)."""
    try:
        pcm = load()
    except ClipError as exc:
        assert exc.code in ClipErrorCode and exc.message, exc
        return exc.code
    assert pcm.dtype == np.int16 and pcm.ndim == 1 and pcm.size > 0, (pcm.dtype, pcm.shape)
    return pcm


def same_result(first: ClipResult, second: ClipResult) -> bool:
    if isinstance(first, np.ndarray) and isinstance(second, np.ndarray):
        return np.array_equal(first, second)
    return first is second


def TestOneInput(data: bytes) -> None:
    path = SCRATCH.write(data)
    from_file = check_clip_result(lambda: load_clip(path, SESSION_RATE))
    from_memory = check_clip_result(lambda: load_clip(data, SESSION_RATE))
    assert same_result(from_file, from_memory), (from_file, from_memory)
    raw = check_clip_result(lambda: load_raw_pcm(path, RAW_RATE, SESSION_RATE))
    if not data:
        assert raw is ClipErrorCode.EMPTY, raw
    elif len(data) % 2:
        assert raw is ClipErrorCode.MALFORMED, raw
    else:
        assert isinstance(raw, np.ndarray), raw
        assert abs(raw.size - len(data) / 2 * SESSION_RATE / RAW_RATE) <= 1, raw.size


def encoded(samples: np.ndarray, rate: int, format: str, subtype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format=format, subtype=subtype)
    return buffer.getvalue()


def unknown_length(flac: bytes) -> bytes:
    """`flac` with STREAMINFO's total-samples field 0 ("unknown", as a streaming encoder
    writes it): libsndfile then reports 2**63 - 1 frames."""
    data = bytearray(flac)
    fields = int.from_bytes(data[18:26], "big")  # rate 20 bits, channels 3, bits 5, total 36
    data[18:26] = (fields & ~((1 << 36) - 1)).to_bytes(8, "big")
    return bytes(data)


def seeds() -> list[bytes]:
    """Short clips in the formats the player reads, and damaged ones."""
    speech, rate = sf.read(CLIP, dtype="int16", frames=640)
    stereo = np.stack([speech, speech[::-1]], axis=1)
    wav = encoded(speech, rate, "WAV", "PCM_16")
    nan = np.full(16, np.nan, dtype=np.float32)
    return [
        wav,
        encoded(speech[::2], rate // 2, "WAV", "PCM_16"),
        encoded(stereo, rate, "WAV", "PCM_24"),
        encoded(speech, rate, "FLAC"),
        unknown_length(encoded(speech, rate, "FLAC")),
        encoded(speech, rate, "OGG", "VORBIS"),
        encoded(nan, rate, "WAV", "FLOAT"),
        encoded(speech[:0], rate, "WAV", "PCM_16"),
        wav[:44],
        wav[:30],
        speech[:33].tobytes(),
    ]


if __name__ == "__main__":
    fuzz(TestOneInput, "clip")
