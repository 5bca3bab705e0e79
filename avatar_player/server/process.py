"""The Motion Server as a child process (`python -m avatar_player.server`), for the app.

The app runs its own server this way rather than on a thread of its own process, where
motion generation competes with the UI thread for the interpreter lock and a response's
first second of audio stalls the frames. `benchmarks/bench_app_cpu.py` on llvmpipe, server on a
thread against in a process: the longest frame while speaking 206 against 81-87 ms, Play
to playing 217-553 against 132-216 ms.

The child binds free ports, prints its two URLs on stdout and logs on stderr; its log lines
are passed on to this process's loggers. It stops when its stdin closes, so it ends with
the app even when the app is killed.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
from collections.abc import Sequence

START_TIMEOUT_S = 30.0
"""A cold start (imports, the recognizer's model) takes a few seconds at most."""
_LOG_LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) (?P<name>[\w.]+): (?P<message>.*)$")
_log = logging.getLogger("avatar_player.server")


class ServerProcess:
    """A Motion Server child process; `start()` returns once both listeners are bound."""

    def __init__(self, args: Sequence[str] = ()) -> None:
        self.args = [*args]
        """Extra command-line options (`--config FILE`, `--no-visemes`, ...)."""
        self.ws_url = ""
        self.console_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._stderr_tail: list[str] = []

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start the child and wait for its URLs; RuntimeError when it does not come up."""
        command = [sys.executable, "-m", "avatar_player.server", "--port", "0"]
        command += ["--http-port", "0", "--exit-with-stdin", *self.args]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for target in (self._read_stdout, self._read_stderr):
            threading.Thread(target=target, name="motion-server-io", daemon=True).start()
        if not self._ready.wait(timeout) or not self.ws_url:
            self.stop()
            last = self._stderr_tail[-1] if self._stderr_tail else "no output"
            raise RuntimeError(f"the Motion Server process did not start: {last}")

    def stop(self, timeout: float = 10.0) -> None:
        """Close the child's stdin (it closes its sessions and exits); kill it if it hangs."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _read_stdout(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            key, _, value = line.strip().partition(" ")
            if key == "ingress":
                self.ws_url = value
            elif key == "console":
                self.console_url = value
                self._ready.set()
        self._ready.set()  # the child ended: start() stops waiting

    def _read_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            text = line.rstrip()
            self._stderr_tail = [*self._stderr_tail[-9:], text]
            match = _LOG_LINE.match(text)
            if match is None:
                _log.warning("%s", text)  # a traceback or other output outside the log
                continue
            level = logging.getLevelName(match["level"])
            logger = logging.getLogger(match["name"])
            logger.log(level if isinstance(level, int) else logging.INFO, "%s", match["message"])

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
