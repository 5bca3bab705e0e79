"""Headless QA runs: `python -m avatar_player.qa CLIP ...` (report format: docs/qa.md).

A run drives the Qt-free `PlayerSession` exactly as the desktop app does, renders the
avatar offscreen (EGL, surfaceless: no display needed) at a target frame rate, plays a
clip and writes a JSON report with a pass/warn/fail verdict.
"""

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")  # before anything imports PyOpenGL
