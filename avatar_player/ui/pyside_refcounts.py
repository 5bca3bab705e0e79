"""A guard against a reference-count bug of PySide6 6.12 on CPython 3.11.

PySide6 6.12 returns None from void methods (and bools from `SignalInstance.emit`) without
the reference it owes. Before 3.12 these singletons are not immortal, so CPython aborts
("Fatal Python error: none_dealloc: deallocating None") once their count runs out: 10,000
`QLabel.setText` calls do it here, pyqtgraph's painting in seconds, an open window (about
25 calls a second) in under an hour. PyPI offers no other 6.x here to pin to.
"""

from __future__ import annotations

import ctypes
import sys

IMMORTAL_COUNT = 1 << 40


def immortalize_singletons() -> None:
    """Give None, True and False a count that cannot run out, as CPython 3.12 does (release
    builds of 3.11 and older, where the count is the object's first field)."""
    if sys.version_info < (3, 12) and not hasattr(sys, "gettotalrefcount"):
        for singleton in (None, True, False):
            count = ctypes.c_ssize_t.from_address(id(singleton))
            if count.value < IMMORTAL_COUNT:
                count.value += IMMORTAL_COUNT
