"""The guard against PySide6 6.12's lost references to None on CPython 3.11: a window's
worth of void Qt calls must not abort the process (run in a child: an abort kills it)."""

from __future__ import annotations

import subprocess
import sys

CALLS = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import avatar_player.ui  # the guard
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for _ in range(200_000):
    label.setText("x")  # a void method: before the guard, None ran out after ~10,000
print("alive")
"""


def test_many_void_qt_calls_do_not_abort_the_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CALLS], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "alive"
