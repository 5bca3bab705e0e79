"""How often the window renders: at the full rate while the avatar speaks; a software
rasteriser idles at a low rate, where the idle layer's blinks and drift still read well,
instead of spending more than a core on a face that barely moves."""

from __future__ import annotations

FULL_FPS = 60.0
SOFTWARE_IDLE_FPS = 15.0


def target_fps(*, speaking: bool, software: bool) -> float:
    """The render rate for the current conversation and rasteriser."""
    return SOFTWARE_IDLE_FPS if software and not speaking else FULL_FPS
