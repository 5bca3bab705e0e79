"""Regenerate the bundled speech clips in resources/clips/ with espeak-ng.

Run once by a developer (needs Debian's espeak-ng); the WAV files are committed,
so users and CI never need espeak-ng.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

CLIPS_DIR = Path(__file__).resolve().parent.parent / "resources" / "clips"

# (file stem, voice, words per minute, output sample rate, text)
CLIPS = [
    (
        "hello_16k",
        "en-us",
        160,
        16000,
        "Hello! I am your avatar. Watch my lips move while I speak to you.",
    ),
    (
        "pangram_24k",
        "en-gb",
        150,
        24000,
        "The quick brown fox jumps over the lazy dog, then sleeps by the fire.",
    ),
    (
        "numbers_44k",
        "en-us",
        170,
        44100,
        "One, two, three, four, five. Six, seven, eight, nine, ten.",
    ),
    (
        "question_48k",
        "en-gb",
        155,
        48000,
        "Is this thing on? Can you hear me clearly, and do my eyes look right?",
    ),
    (
        "fricatives_8k",
        "en-us",
        140,
        8000,
        "She sells sea shells, fifty six fresh fish, so smooth and soft.",
    ),
]


def synthesize(voice: str, wpm: int, text: str) -> tuple[np.ndarray, int]:
    """Speak `text` with espeak-ng; returns float32 mono samples and their rate."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(wav), text],
            check=True,
        )
        data, rate = sf.read(wav, dtype="float32", always_2d=False)
    return data, rate


def main() -> None:
    CLIPS_DIR.mkdir(parents=True, exist_ok=True)
    for stem, voice, wpm, rate, text in CLIPS:
        data, source_rate = synthesize(voice, wpm, text)
        data = soxr.resample(data, source_rate, rate)
        peak = float(np.max(np.abs(data))) or 1.0
        data = 0.8 * data / peak
        path = CLIPS_DIR / f"{stem}.wav"
        sf.write(path, data, rate, subtype="PCM_16")
        (CLIPS_DIR / f"{stem}.txt").write_text(text + "\n")
        print(f"{path.name}: {len(data) / rate:.2f} s at {rate} Hz")


if __name__ == "__main__":
    main()
