"""A paced sound card for PortAudio without hardware, for tests that break a real stream.

ALSA's `file` plugin (set up in a private HOME's `.asoundrc`) writes the default
device's samples into a FIFO; `FifoSoundCard` reads that FIFO at real time, so the
PortAudio stream is paced like a real card, and `stall()` stops reading: the plugin's
writes block and the stream's callbacks stop, as with a hung device. PortAudio reads
the ALSA configuration once per process, so code using the card runs in a child
process (`run_in_child`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

TESTS = Path(__file__).resolve().parent
_PIPE_BYTES = 4096  # the smallest FIFO: the card buffers ~0.13 s of 16 kHz audio
_TICK_S = 0.005
_MAX_CREDIT_S = 0.05  # a writer that fell behind may catch up this much at once


def card_environment(home: Path) -> tuple[dict[str, str], Path]:
    """Environment for a child whose ALSA default device writes into `home/card.fifo`."""
    fifo = home / "card.fifo"
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file; slave.pcm "null"; file "{fifo}"; format "raw" }}\n'
    )
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "PYTHONPATH": path}
    return env, fifo


def run_in_child(env: dict[str, str], module: str, function: str, *args: str) -> Any:
    """`module.function(*args)` in a child process with `env`; its JSON result."""
    code = (
        "import importlib, json, sys; "
        "m = importlib.import_module(sys.argv[1]); "
        "print(json.dumps(getattr(m, sys.argv[2])(*sys.argv[3:])))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, module, function, *args],
        env=env,
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


class FifoSoundCard:
    """Reads the FIFO at `rate` mono int16 frames per second until closed.

    Open it before PortAudio starts: ALSA opens the FIFO for writing when PortAudio
    enumerates devices, and that blocks until a reader exists.
    """

    def __init__(self, fifo: str | Path, rate: int) -> None:
        fifo = Path(fifo)
        if not fifo.exists():
            os.mkfifo(fifo)
        self._fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        self._bytes_per_s = rate * 2
        self._playing = threading.Event()
        self._playing.set()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._read, name="FifoSoundCard", daemon=True)
        self._thread.start()

    def stall(self) -> None:
        """Stop taking samples (the device hangs)."""
        self._playing.clear()

    def close(self) -> None:
        """Stop reading and close the FIFO (a blocked writer gets EPIPE)."""
        self._closed.set()
        self._thread.join()
        os.close(self._fd)

    def __enter__(self) -> FifoSoundCard:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType
    ) -> None:
        self.close()

    def _read(self) -> None:
        origin = time.monotonic()
        taken = 0
        while not self._closed.wait(_TICK_S):
            due = int((time.monotonic() - origin) * self._bytes_per_s)
            taken = max(taken, due - int(_MAX_CREDIT_S * self._bytes_per_s))
            if not self._playing.is_set() or due <= taken:
                continue
            with contextlib.suppress(BlockingIOError):  # the writer is behind
                taken += len(os.read(self._fd, due - taken))
