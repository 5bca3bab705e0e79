"""OpenGL through EGL: can a 3.3 core context be made, what GPU it runs on, which tier the
renderer picks there.

The probe runs in a child process (`python -m avatar_player.diagnostics.gl_probe`): a
broken driver may crash rather than fail, and PyOpenGL binds its platform once per process.
"""

from __future__ import annotations

import json
import os
import sys

from avatar_player.diagnostics.report import ChildFailed, Item, run_child

PROBE_MODULE = "avatar_player.diagnostics.gl_probe"
PROBE_TIMEOUT_S = 60.0
ENVIRONMENT = (
    "PYOPENGL_PLATFORM",
    "EGL_PLATFORM",
    "MESA_GL_VERSION_OVERRIDE",
    "LIBGL_ALWAYS_SOFTWARE",
)


def graphics_items() -> list[Item]:
    """The GL environment, then the child probe's findings (or why it gave none)."""
    items = [Item(name, os.environ[name]) for name in ENVIRONMENT if name in os.environ]
    try:
        done = run_child([sys.executable, "-m", PROBE_MODULE], PROBE_TIMEOUT_S)
    except ChildFailed as error:
        return [*items, Item("OpenGL probe", f"did not finish: {error}", problem=True)]
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit {done.returncode}"
        return [*items, Item("OpenGL probe", f"crashed ({how}): {last}", problem=True)]
    return items + [Item(**item) for item in json.loads(done.stdout)]
