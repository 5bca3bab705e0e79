"""Run a MotionServer on its own thread and event loop, inside another program.

Tests and tools embed the server this way: they reach the MotionServer itself (its token
store, its config) while talking to it over real sockets. The app runs its server as a child
process instead (server/process.py), so that motion generation never competes with the UI
thread for the interpreter lock.
"""

from __future__ import annotations

import asyncio
import threading

from avatar_player.server.app import MotionServer
from avatar_player.server.config import ServerConfig


class EmbeddedServer:
    """A MotionServer in a background thread; `start()` returns once it listens."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.server = MotionServer(config)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> MotionServer:
        """Start the thread and wait until both listeners are bound."""
        self._thread = threading.Thread(target=self._run, name="motion-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("embedded Motion Server did not start")
        if self._error is not None:
            raise RuntimeError(f"embedded Motion Server failed: {self._error}") from self._error
        return self.server

    def stop(self, timeout: float = 10.0) -> None:
        """Close all sessions and join the thread."""
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        try:
            await self.server.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        await self._stopped.wait()
        await self.server.stop()

    def __enter__(self) -> MotionServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
