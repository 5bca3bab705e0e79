"""A paced microphone for PortAudio without hardware, for tests that capture for real.

ALSA's `file` plugin, set up in a private HOME's `.asoundrc`, takes the default capture
device's samples from a FIFO (`infile`; its `null` slave gives a stream of any rate with
no timing of its own). `FifoMicrophone` writes that FIFO at real time, mono int16 at the
rate the client opened the device at (the plugin accepts any), so the read that each
PortAudio callback waits on paces the stream like a real card.

The plugin hands PortAudio short reads as they are, and PortAudio takes them for whole
blocks: so the microphone writes whole blocks of the client's block size, one write each,
and every read gets exactly one. ALSA opens the FIFO when the device is opened (also
while PortAudio lists devices), blocking until a writer exists: open the microphone
before PortAudio starts. The FIFO is the device's buffer: it keeps the newest
`BUFFER_BLOCKS` blocks when nobody reads them in time (the oldest is dropped, as a device
overruns), so a stream that starts reads recent audio. `stall()` stops writing:
the plugin's read blocks, callbacks stop, and closing the stream hangs until the FIFO
gets data or its end. `close()` ends and removes the FIFO: the plugin then reads nothing
for ever, and PortAudio calls back as fast as it can with stale blocks.

PortAudio reads the ALSA configuration once per process: code using the device runs in
a child process (`fifo_sound_card.run_in_child`).
"""

from __future__ import annotations

import array
import fcntl
import os
import termios
import threading
import time
from pathlib import Path
from types import TracebackType

import numpy as np
from fifo_sound_card import TESTS

BUFFER_BLOCKS = 4
_TICK_S = 0.002


def microphone_environment(home: Path) -> tuple[dict[str, str], Path]:
    """Environment for a child whose ALSA default capture device reads `home/mic.fifo`."""
    fifo = home / "mic.fifo"
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file; slave.pcm "null"; file "/dev/null"; infile "{fifo}";'
        ' format "raw" }\n'
    )
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "PYTHONPATH": path}
    return env, fifo


class FifoMicrophone:
    """Writes `block` frames at a time into the FIFO, `rate` frames per second: background
    noise at `noise_dbfs` (deterministic), with what `play()` queued mixed in. A block
    holds at most 2048 frames (one atomic pipe write: PIPE_BUF)."""

    def __init__(
        self, fifo: str | Path, rate: int, block: int, *, noise_dbfs: float = -60.0
    ) -> None:
        self.fifo = Path(fifo)
        if not self.fifo.exists():
            os.mkfifo(self.fifo)
        self.rate = rate
        self.block = block
        self.write_times: list[float] = []
        """When each block went into the FIFO."""
        self._block_bytes = 2 * block
        self._fd = os.open(self.fifo, os.O_RDWR | os.O_NONBLOCK)  # never waits for a reader
        self._noise_scale = 32768.0 * 10.0 ** (noise_dbfs / 20.0)
        self._rng = np.random.default_rng(0)
        self._lock = threading.Lock()
        self._queued = np.zeros(0, dtype=np.float64)
        self._blocks = 0
        self._generated: list[np.ndarray] = []
        self._writing = threading.Event()
        self._writing.set()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._write, name="FifoMicrophone", daemon=True)
        self._thread.start()

    def play(self, pcm: np.ndarray) -> int:
        """Queue int16 `pcm` after what is queued; the frame index where it will start."""
        with self._lock:
            start = self._blocks * self.block + self._queued.size
            self._queued = np.concatenate([self._queued, pcm.astype(np.float64)])
        return start

    def block_time(self, frame: int) -> float | None:
        """When the block holding frame `frame` went into the FIFO (None: not yet)."""
        index = frame // self.block
        return self.write_times[index] if index < len(self.write_times) else None

    def unread_blocks(self) -> int:
        """Blocks waiting in the FIFO (BUFFER_BLOCKS: nobody reads the device)."""
        count = array.array("i", [0])
        fcntl.ioctl(self._fd, termios.FIONREAD, count)
        return count[0] // self._block_bytes

    def written(self) -> np.ndarray:
        """Every frame written so far, by frame index."""
        with self._lock:
            return np.concatenate([np.zeros(0, np.int16), *self._generated])

    def stall(self) -> None:
        """Stop writing (the device hangs)."""
        self._writing.clear()

    def close(self) -> None:
        """Stop writing and remove the FIFO (the device is gone); again: nothing."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._thread.join()
        os.close(self._fd)
        self.fifo.unlink(missing_ok=True)

    def __enter__(self) -> FifoMicrophone:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType
    ) -> None:
        self.close()

    def _next_block(self) -> bytes:
        samples = self._rng.normal(0.0, self._noise_scale, self.block)
        with self._lock:
            take = min(self.block, self._queued.size)
            samples[:take] += self._queued[:take]
            self._queued = self._queued[take:]
            self._blocks += 1
            block = np.clip(np.rint(samples), -32768, 32767).astype("<i2")
            self._generated.append(block)
        return block.tobytes()

    def _write(self) -> None:
        origin = time.monotonic()
        while not self._closed.wait(_TICK_S):
            due = int((time.monotonic() - origin) * self.rate) // self.block
            while self._writing.is_set() and self._blocks < due:
                data = self._next_block()
                if self.unread_blocks() >= BUFFER_BLOCKS:  # an overrun: drop the oldest
                    os.read(self._fd, self._block_bytes)
                self.write_times.append(time.monotonic())
                os.write(self._fd, data)
