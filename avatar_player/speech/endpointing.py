"""Energy-based speech endpointing: onset and end of an utterance in int16 blocks.

Pure numpy and deterministic. Each block's RMS level (dBFS) is compared with a threshold:
a tracked noise floor plus a margin, and never below an absolute minimum. Speech starts
when the level stays above the threshold for `onset_s`, and ends after `hang_s` below it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum

import numpy as np

SILENCE_DBFS = -100.0
"""The level of digital silence (a floor, so that levels stay finite)."""


def block_dbfs(block: np.ndarray) -> float:
    """RMS level of int16 samples in dB relative to full scale (>= SILENCE_DBFS)."""
    if block.size == 0:
        return SILENCE_DBFS
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))) / 32768.0
    return max(SILENCE_DBFS, 20.0 * np.log10(rms)) if rms > 0 else SILENCE_DBFS


@dataclass(frozen=True)
class EndpointerConfig:
    margin_db: float = 12.0
    """How far above the noise floor speech must be."""
    min_dbfs: float = -45.0
    """Speech is never quieter than this, whatever the floor."""
    onset_s: float = 0.03
    """Speech starts after this long above the threshold."""
    hang_s: float = 0.6
    """The utterance ends after this long below the threshold."""
    floor_rise_db_per_s: float = 2.0
    """How fast the floor follows a louder background (it drops at once to a quieter one)."""

    def __post_init__(self) -> None:
        if self.onset_s < 0 or not self.hang_s > 0 or self.floor_rise_db_per_s < 0:
            raise ValueError("onset_s and floor_rise_db_per_s must be >= 0, hang_s positive")


class Event(Enum):
    ONSET = "onset"
    END = "end"


class Endpointer:
    """Feed consecutive int16 blocks (any sizes, ~10-40 ms each); `feed` reports events.

    Sample positions count from the first sample fed: after ONSET, `speech_start` is the
    first sample of the loud run that started the speech; after END, `speech_end` is the
    first sample of the quiet run that ended it. After END it waits for the next onset.
    The noise floor starts at the first block's level.
    """

    def __init__(self, sample_rate: int, config: EndpointerConfig | None = None) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        self.config = config or EndpointerConfig()
        self.sample_rate = sample_rate
        self.in_speech = False
        self.level_dbfs = SILENCE_DBFS
        """The last block's level."""
        self.floor_dbfs: float | None = None
        self.speech_start = 0
        self.speech_end = 0
        self._position = 0
        self._run_start: int | None = None
        """First sample of the current run of blocks on the other side of the threshold."""

    @property
    def threshold_dbfs(self) -> float:
        floor = SILENCE_DBFS if self.floor_dbfs is None else self.floor_dbfs
        return max(floor + self.config.margin_db, self.config.min_dbfs)

    def feed(self, block: np.ndarray) -> Event | None:
        """Classify one block; ONSET or END when the speech state changes."""
        start, self._position = self._position, self._position + block.size
        self.level_dbfs = level = block_dbfs(block)
        loud = level > self.threshold_dbfs
        self._track_floor(level, block.size)
        if loud != self.in_speech:
            needed = self.config.onset_s if loud else self.config.hang_s
            run_start = start if self._run_start is None else self._run_start
            self._run_start = run_start
            if self._position - run_start >= needed * self.sample_rate:
                return self._switch(run_start)
        else:
            self._run_start = None
        return None

    def _switch(self, run_start: int) -> Event:
        self.in_speech = not self.in_speech
        self._run_start = None
        if self.in_speech:
            self.speech_start = run_start
            return Event.ONSET
        self.speech_end = run_start
        return Event.END

    def _track_floor(self, level: float, samples: int) -> None:
        if self.floor_dbfs is None or level < self.floor_dbfs:
            self.floor_dbfs = level
        else:
            rise = self.config.floor_rise_db_per_s * samples / self.sample_rate
            self.floor_dbfs = min(level, self.floor_dbfs + rise)


class SpeechGate:
    """Holds audio back until speech starts, then passes `preroll_s` before the onset and
    the speech; `ended` once the endpointer hears the end (that block is passed too)."""

    def __init__(self, sample_rate: int, config: EndpointerConfig, preroll_s: float) -> None:
        self.endpointer = Endpointer(sample_rate, config)
        self.open = False
        self.ended = False
        self._preroll = round(preroll_s * sample_rate)
        self._keep = self._preroll + round((config.onset_s + 0.1) * sample_rate)
        """Samples held back: the pre-roll and the onset run (blocks up to 100 ms)."""
        self._recent: deque[np.ndarray] = deque()
        self._recent_start = 0
        self._recent_size = 0

    def feed(self, block: np.ndarray) -> np.ndarray:
        """What to send for this block (empty while waiting for speech)."""
        event = self.endpointer.feed(block)
        if self.open:
            self.ended = event is Event.END
            return block
        self._recent.append(block)
        self._recent_size += block.size
        if event is Event.ONSET:
            self.open = True
            held = np.concatenate(self._recent)
            self._recent.clear()
            start = self.endpointer.speech_start - self._preroll - self._recent_start
            return held[max(0, start) :]
        while self._recent_size - self._recent[0].size >= self._keep:
            dropped = self._recent.popleft()
            self._recent_size -= dropped.size
            self._recent_start += dropped.size
        return block[:0]
