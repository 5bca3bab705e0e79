"""Real-time factor of the audio -> motion generator at every supported sample rate.

Streams all bundled speech clips, resampled to each rate, through MotionGenerator in
20 ms chunks and prints the CPU seconds spent per second of audio (time.process_time),
with phone recognition (visemes, the default) and without it (the DSP mouth).

    python benchmarks/bench_generator.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from avatar_player.motion import MotionGenerator
from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES

CLIPS_DIR = Path(__file__).resolve().parents[1] / "resources" / "clips"
CHUNK_SECONDS = 0.02


def load_clips() -> list[tuple[np.ndarray, int]]:
    """Every bundled clip as float32 samples with its rate."""
    return [sf.read(path, dtype="float32") for path in sorted(CLIPS_DIR.glob("*.wav"))]


def real_time_factor(
    clips: list[tuple[np.ndarray, int]], rate: int, *, visemes: bool = True
) -> float:
    """CPU seconds per audio second for streaming `clips` at `rate`."""
    responses = [
        np.round(soxr.resample(samples, source_rate, rate) * 32767).astype(np.int16)
        for samples, source_rate in clips
    ]
    chunk = round(rate * CHUNK_SECONDS)
    start = time.process_time()
    for pcm in responses:
        generator = MotionGenerator(rate, visemes=visemes)
        for offset in range(0, pcm.size, chunk):
            generator.push(pcm[offset : offset + chunk])
        generator.finish()
    elapsed = time.process_time() - start
    return elapsed / (sum(pcm.size for pcm in responses) / rate)


def main() -> None:
    clips = load_clips()
    MotionGenerator(16000).finish()  # loads the recognizer once, outside the timing
    for rate in SUPPORTED_SAMPLE_RATES:
        with_visemes = real_time_factor(clips, rate)
        dsp = real_time_factor(clips, rate, visemes=False)
        print(f"rate={rate} rtf visemes={with_visemes:.4f} dsp={dsp:.4f}")


if __name__ == "__main__":
    main()
