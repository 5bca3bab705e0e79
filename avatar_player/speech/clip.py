"""A speech clip as a source: at once, or produced over time for QA (paced at a speed
factor, with a stall and arrival jitter)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from avatar_player.audio.convert import load_clip
from avatar_player.speech.source import SpeechSource


@dataclass(frozen=True)
class Pacing:
    """How a clip is produced over time."""

    speed: float | None = None
    """None: all at once; else audio seconds produced per wall second (1.0: real time)."""
    chunk_ms: float = 100.0
    stall_at_s: float | None = None
    """Audio time at which the producer stops for `stall_for_s` seconds."""
    stall_for_s: float = 0.0
    jitter_ms: float = 0.0
    """Each chunk arrives up to this much later than its nominal time (order is kept)."""
    seed: int = 0

    def __post_init__(self) -> None:
        if self.speed is not None and not self.speed > 0:
            raise ValueError(f"speed must be positive, got {self.speed}")
        if not self.chunk_ms > 0 or self.stall_for_s < 0 or self.jitter_ms < 0:
            raise ValueError("chunk_ms must be positive; stall_for_s and jitter_ms >= 0")

    @property
    def label(self) -> str:
        """Short description, e.g. 'at once', '0.8x', '1x, stall 1 s at 2 s'."""
        if self.speed is None:
            return "at once"
        parts = [f"{self.speed:g}x"]
        if self.stall_at_s is not None and self.stall_for_s:
            parts.append(f"stall {self.stall_for_s:g} s at {self.stall_at_s:g} s")
        if self.jitter_ms:
            parts.append(f"jitter {self.jitter_ms:g} ms")
        return ", ".join(parts)

    def arrival_s(self, chunk_end_s: float, rng: random.Random) -> float:
        """Seconds after the start at which the chunk ending at audio time `chunk_end_s`
        is produced (before order is enforced)."""
        assert self.speed is not None
        at = chunk_end_s / self.speed
        if self.stall_at_s is not None and chunk_end_s > self.stall_at_s:
            at += self.stall_for_s
        return at + rng.uniform(0.0, self.jitter_ms / 1000.0)


class ClipSource(SpeechSource):
    """A WAV/FLAC/OGG file (any rate, converted to the session rate) as speech; a clip
    that cannot be used raises `ClipError` with its code."""

    def __init__(self, path: str | Path, pacing: Pacing | None = None) -> None:
        self.path = Path(path)
        self.pacing = pacing or Pacing()
        self.label = f"{self.path.name} ({self.pacing.label})"

    async def stream(self, sample_rate: int) -> AsyncIterator[np.ndarray]:
        pcm = await asyncio.to_thread(load_clip, self.path, sample_rate)  # ClipError
        pacing = self.pacing
        if pacing.speed is None:
            yield pcm
            return
        chunk = max(1, round(sample_rate * pacing.chunk_ms / 1000.0))
        rng = random.Random(pacing.seed)
        origin = time.monotonic()
        due = 0.0
        for start in range(0, pcm.size, chunk):
            end = min(start + chunk, pcm.size)
            due = max(due, pacing.arrival_s(end / sample_rate, rng))
            await asyncio.sleep(max(0.0, origin + due - time.monotonic()))
            yield pcm[start:end]
