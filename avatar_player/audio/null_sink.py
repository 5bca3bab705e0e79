"""A silent sink paced by the monotonic clock: a real-time audio clock without a sound card."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from avatar_player.audio.sink import BufferedSink, StatusCallback

MAX_CATCH_UP_S = 0.5  # later than this, the pacing loop skips ahead instead of bursting


def pace_blocks(
    render: Callable[[np.ndarray, float], None],
    block: np.ndarray,
    *,
    sample_rate: int,
    origin: float,
    stop: threading.Event,
    report: StatusCallback,
) -> None:
    """Call `render(block, due)` for block k at `origin + k * block duration` until `stop`.

    Drift-free: a late caller renders the missed blocks at once (never ahead of the
    schedule), and re-bases the schedule with a `report` when more than
    `MAX_CATCH_UP_S` behind.
    """
    block_s = block.size / sample_rate
    index = 0
    stop.wait(max(0.0, origin - time.monotonic()))
    while not stop.is_set():
        due = origin + index * block_s
        now = time.monotonic()
        if now - due > MAX_CATCH_UP_S:
            report(f"null audio clock {(now - due) * 1000:.0f} ms late; skipping ahead")
            origin, index, due = now, 0, now
        render(block, due)
        index += 1
        stop.wait(max(0.0, origin + index * block_s - time.monotonic()))


class PacedNullSink(BufferedSink):
    """Renders one block per block duration on a drift-free monotonic schedule
    (`pace_blocks`) in a thread of its own."""

    def __init__(
        self,
        sample_rate: int,
        *,
        latency_s: float = 0.04,
        block_s: float = 0.02,
        on_status: StatusCallback | None = None,
    ) -> None:
        super().__init__(sample_rate, latency_s, on_status)
        self._block = np.zeros(max(1, round(block_s * sample_rate)), dtype=np.int16)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(target=self._run, name="PacedNullSink", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        pace_blocks(
            self._render,
            self._block,
            sample_rate=self.sample_rate,
            origin=time.monotonic(),
            stop=self._stop,
            report=self._report,
        )
