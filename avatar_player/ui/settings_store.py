"""The window's saved settings, checked at start: a file Qt cannot read or parse is moved
aside and the defaults are used; a value of the wrong type or out of range is dropped.
Each reset is a warning (stderr, and the window's error log)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES
from avatar_player.render.tiers import TIERS
from avatar_player.window_options import AUTO_TIER

log = logging.getLogger(__name__)

SETTINGS_RESET = "settingsReset"
"""The error log's code for a settings file or value that was reset."""

Check = Callable[[object], bool]


def _text(value: object) -> bool:
    return isinstance(value, str)


def _bytes(value: object) -> bool:
    return isinstance(value, QByteArray)


def _one_of(*allowed: str) -> Check:
    return lambda value: value in allowed


def _integer_in(allowed: range | tuple[int, ...]) -> Check:
    def check(value: object) -> bool:
        try:
            return isinstance(value, str | int) and int(value) in allowed
        except ValueError:
            return False

    return check


SCHEMA: dict[str, tuple[Check, str]] = {
    "connection/server": (_one_of("embedded", "remote", "relay"), "embedded, remote or relay"),
    "connection/url": (_text, "text"),
    "connection/console_url": (_text, "text"),
    "connection/app_id": (_text, "text"),
    "connection/avatar_id": (_text, "text"),
    "connection/sample_rate": (
        _integer_in(SUPPORTED_SAMPLE_RATES),
        "one of " + ", ".join(map(str, SUPPORTED_SAMPLE_RATES)),
    ),
    "render/tier": (_one_of(AUTO_TIER, *TIERS), "one of " + ", ".join((AUTO_TIER, *TIERS))),
    "playback/volume": (_integer_in(range(101)), "a whole number 0-100"),
    "playback/clip": (_text, "text"),
    "window/geometry": (_bytes, "saved geometry"),
    "window/docks": (_bytes, "saved dock state"),
    "window/splitter": (_bytes, "saved splitter state"),
    "window/left": (_bytes, "saved splitter state"),
}
"""Every key the window reads: its check and what it must be (values are never printed:
a hand-edited URL could hold a token)."""


def open_settings(settings: QSettings | None = None) -> tuple[QSettings, list[str]]:
    """`settings` (default: the per-user native settings) made safe to read, and a warning
    for each reset."""
    settings = settings if settings is not None else QSettings()
    warnings = []
    status = settings.status()
    if status != QSettings.Status.NoError:
        settings, warning = _set_aside(settings, status)
        warnings.append(warning)
    warnings += _drop_invalid(settings)
    for warning in warnings:
        log.warning("%s", warning)
    return settings, warnings


def _set_aside(settings: QSettings, status: QSettings.Status) -> tuple[QSettings, str]:
    """Move the unreadable file away and start from the defaults in its place."""
    path = Path(settings.fileName())
    problem = "cannot be parsed" if status == QSettings.Status.FormatError else "cannot be read"
    kept = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bad")
    try:
        path.rename(kept)
    except OSError as error:
        return settings, (
            f"The settings file {path} {problem}, and cannot be moved aside "
            f"({error.strerror}): the defaults are used and changes will not be saved."
        )
    fresh = QSettings(str(path), settings.format())
    return fresh, f"The settings file {path} {problem}: it was moved to {kept}; defaults used."


def _drop_invalid(settings: QSettings) -> list[str]:
    """Remove saved values that the window could not use."""
    invalid = [
        key
        for key, (check, _) in SCHEMA.items()
        if settings.contains(key) and not check(settings.value(key))
    ]
    for key in invalid:
        settings.remove(key)
    if not invalid:
        return []
    described = "; ".join(f"{key} (must be {SCHEMA[key][1]})" for key in invalid)
    return [f"Saved settings reset to their defaults: {described}."]
