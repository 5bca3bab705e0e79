"""The Motion Server as a child process (`python -m avatar_player.server`), for the app.

The app runs its own server this way rather than on a thread of its own process, where
motion generation competes with the UI thread for the interpreter lock and a response's
first second of audio stalls the frames. `benchmarks/bench_app_cpu.py` on llvmpipe, server on a
thread against in a process: the longest frame while speaking 206 against 81-87 ms, Play
to playing 217-553 against 132-216 ms.

The child binds free ports, prints its two URLs on stdout and logs on stderr; its log lines
are passed on to this process's loggers. It stops when its stdin closes, so it ends with
the app even when the app is killed. A child that dies (killed, crashed) is started again on
the same ports, so the player's own reconnection finds it; `on_restart` says so.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

START_TIMEOUT_S = 30.0
"""A cold start (imports, the recognizer's model) takes a few seconds at most."""
MAX_RESTARTS = (3, 60.0)
"""At most this many restarts within this many seconds: a child that keeps dying stays dead."""
_LOG_LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) (?P<name>[\w.]+): (?P<message>.*)$")
_log = logging.getLogger("avatar_player.server")


class ServerProcess:
    """A Motion Server child process; `start()` returns once both listeners are bound."""

    def __init__(
        self, args: Sequence[str] = (), on_restart: Callable[[bool, str], None] | None = None
    ) -> None:
        self.args = [*args]
        """Extra command-line options (`--config FILE`, `--no-visemes`, ...)."""
        self.on_restart = on_restart
        """Called (on a background thread) after the child died: whether it runs again, and
        what happened."""
        self.ws_url = ""
        self.console_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._stopping = False
        self._restarts: list[float] = []
        self._stderr_tail: list[str] = []

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start the child on free ports and wait for its URLs; RuntimeError when it does
        not come up."""
        self._stopping = False
        self._launch(0, 0, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Close the child's stdin (it closes its sessions and exits); kill it if it hangs."""
        self._stopping = True
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

    def _launch(self, ws_port: int, http_port: int, timeout: float) -> None:
        command = [sys.executable, "-m", "avatar_player.server", "--exit-with-stdin"]
        command += ["--port", str(ws_port), "--http-port", str(http_port), *self.args]
        pipe = subprocess.PIPE
        process = subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=pipe, text=True)
        self._process = process
        started, ended = threading.Event(), threading.Event()
        readers = ((self._read_stdout, (process, started, ended)), (self._read_stderr, (process,)))
        for target, args in readers:
            threading.Thread(target=target, args=args, name="motion-server-io", daemon=True).start()
        ended.wait(timeout)
        if not started.is_set():
            self.stop()
            last = self._stderr_tail[-1] if self._stderr_tail else "no output"
            raise RuntimeError(f"the Motion Server process did not start: {last}")

    def _read_stdout(
        self, process: subprocess.Popen[str], started: threading.Event, ended: threading.Event
    ) -> None:
        """Take the child's URLs, then wait for it to end and restart it if it died.
        `started`: the URLs are in; `ended`: they are, or the child ended without them."""
        assert process.stdout is not None
        urls = {}
        for line in process.stdout:
            key, _, value = line.strip().partition(" ")
            urls[key] = value
            if key == "console":
                self.ws_url, self.console_url = urls.get("ingress", ""), value
                started.set()
                ended.set()
        ended.set()
        code = process.wait()
        if started.is_set() and not self._stopping and process is self._process:
            self._restart(code)

    def _restart(self, code: int) -> None:
        now = time.monotonic()
        count, window_s = MAX_RESTARTS
        self._restarts = [t for t in self._restarts if now - t < window_s] + [now]
        running = len(self._restarts) <= count
        if running:
            try:
                ports = urlsplit(self.ws_url).port or 0, urlsplit(self.console_url).port or 0
                self._launch(*ports, START_TIMEOUT_S)
            except RuntimeError as error:
                running, why = False, f"; it could not be started again ({error})"
            else:
                why = "; it runs again on the same ports"
        else:
            why = f"; it died {count} times within {window_s:.0f} s and is not started again"
        message = f"the Motion Server process exited (code {code}){why}"
        _log.log(logging.WARNING if running else logging.ERROR, "%s", message)
        if self.on_restart is not None:
            self.on_restart(running, message)

    def _read_stderr(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
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
