"""The OpenGL probe of the diagnostics, run as a child process by `graphics_items`: it
makes a surfaceless EGL OpenGL 3.3 core context and prints what it found as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from avatar_player.diagnostics.report import Item
from avatar_player.render.offscreen import OffscreenContext, OffscreenUnavailable

# isort: split
# PyOpenGL only now: importing render.offscreen chose its EGL platform.
from OpenGL import EGL, GL

from avatar_player.render.tiers import choose_tier, is_software


def probe_items() -> list[Item]:
    """Make a surfaceless EGL OpenGL 3.3 core context here and read its strings."""
    try:
        context = OffscreenContext(16, 16)
    except OffscreenUnavailable as error:
        return [Item("OpenGL 3.3 core (EGL)", f"cannot be created: {error}", problem=True)]
    with context:
        display = EGL.eglGetCurrentDisplay()
        egl = " / ".join(
            EGL.eglQueryString(display, name).decode(errors="replace").strip()
            for name in (EGL.EGL_VERSION, EGL.EGL_VENDOR, EGL.EGL_CLIENT_APIS)
        )
        strings = {
            name: GL.glGetString(key).decode(errors="replace")
            for name, key in (
                ("GL vendor", GL.GL_VENDOR),
                ("GL renderer", GL.GL_RENDERER),
                ("GL version", GL.GL_VERSION),
                ("GLSL version", GL.GL_SHADING_LANGUAGE_VERSION),
            )
        }
    renderer = strings["GL renderer"]
    kind = "software rasteriser" if is_software(renderer) else "GPU"
    return [
        Item("EGL", egl),
        *(Item(name, value) for name, value in strings.items()),
        Item("tier (auto)", f"{choose_tier(renderer).name} ({kind})"),
    ]


if __name__ == "__main__":
    print(json.dumps([asdict(item) for item in probe_items()]))
