"""A sink driven by hand: deterministic audio clock for tests."""

from __future__ import annotations

import numpy as np

from avatar_player.audio.sink import BufferedSink, StatusCallback


class ManualClockSink(BufferedSink):
    """No thread: `advance(n)` renders n samples and moves the DAC to their end.

    With `latency_s` > 0 the DAC trails the rendered samples by that much.
    """

    def __init__(
        self, sample_rate: int, *, latency_s: float = 0.0, on_status: StatusCallback | None = None
    ) -> None:
        super().__init__(sample_rate, latency_s, on_status)

    def start(self) -> None:
        """Nothing to start."""

    def close(self) -> None:
        """Nothing to release."""

    def advance(self, samples: int) -> np.ndarray:
        """Render `samples` samples and return what the device would have played."""
        out = np.empty(samples, dtype=np.int16)
        self._render(out, clock=None)
        return out
