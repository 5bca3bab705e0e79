"""A silent sink paced by the monotonic clock: a real-time audio clock without a sound card."""

from __future__ import annotations

import threading
import time

import numpy as np

from avatar_player.audio.sink import BufferedSink, StatusCallback

MAX_CATCH_UP_S = 0.5  # later than this, the pacing thread skips ahead instead of bursting


class PacedNullSink(BufferedSink):
    """Renders one block per block duration on a drift-free monotonic schedule.

    Block k is due at t0 + k * block duration; a late thread renders the missed
    blocks at once (never ahead of the schedule), and re-bases the schedule with
    a status message when it is more than `MAX_CATCH_UP_S` behind.
    """

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
        self._block_s = self._block.size / sample_rate
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
        origin = time.monotonic()
        index = 0
        while not self._stop.is_set():
            due = origin + index * self._block_s
            now = time.monotonic()
            if now - due > MAX_CATCH_UP_S:
                self._report(f"null audio clock {(now - due) * 1000:.0f} ms late; skipping ahead")
                origin, index, due = now, 0, now
            self._render(self._block, due)
            index += 1
            self._stop.wait(max(0.0, origin + index * self._block_s - time.monotonic()))
