"""Where the player's session recordings go unless the user picks a file."""

from __future__ import annotations

import time
from pathlib import Path

import platformdirs

SUFFIX = ".avrec"


def recordings_dir() -> Path:
    """The per-user folder of session recordings."""
    return Path(platformdirs.user_data_dir("avatar-player")) / "recordings"


def new_recording_path(directory: Path | None = None) -> Path:
    """A fresh, time-stamped recording file name in `directory` (created if missing)."""
    directory = directory or recordings_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return directory / time.strftime(f"session-%Y%m%d-%H%M%S{SUFFIX}")
