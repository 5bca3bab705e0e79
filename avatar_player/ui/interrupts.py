"""Ctrl+C (SIGINT) and SIGTERM close the window or dialog instead of being ignored.

Python runs a signal handler only when the interpreter gets control, which a waiting Qt
event loop never gives it; a short timer does. The handler only posts `callback` to the
GUI event loop, which then runs it like any other event.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator

from PySide6.QtCore import QTimer

SIGNALS = (signal.SIGINT, signal.SIGTERM)
WAKE_INTERVAL_MS = 200


@contextlib.contextmanager
def on_interrupt(callback: Callable[[], None]) -> Iterator[None]:
    """Within the block, SIGINT or SIGTERM runs `callback` on the GUI thread."""
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(WAKE_INTERVAL_MS)
    previous = {
        sig: signal.signal(sig, lambda *_: QTimer.singleShot(0, callback)) for sig in SIGNALS
    }
    try:
        yield
    finally:
        wake.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
