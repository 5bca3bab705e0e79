"""Where the player keeps things: settings, the avatar cache, recordings, bundled files."""

from __future__ import annotations

from pathlib import Path

from avatar_player.avatar.library import avatar_ids
from avatar_player.avatar_manager.manager import default_cache_dir
from avatar_player.bundled import AVATARS_DIR, RESOURCES_DIR
from avatar_player.diagnostics.report import Item
from avatar_player.identity import settings_location
from avatar_player.models.recordings import recordings_dir


def location_items() -> list[Item]:
    """Each per-user location (it may not exist yet), then the bundled files (they must)."""
    ids = avatar_ids(AVATARS_DIR)
    return [
        Item("settings", _state(Path(settings_location()))),
        Item("avatar cache", _state(default_cache_dir())),
        Item("recordings", _state(recordings_dir())),
        Item("bundled files", _state(RESOURCES_DIR, "MISSING"), problem=not RESOURCES_DIR.is_dir()),
        Item("bundled avatars", ", ".join(ids) or f"none in {AVATARS_DIR}", problem=not ids),
    ]


def _state(path: Path, absent: str = "not created yet") -> str:
    return str(path) if path.exists() else f"{path} ({absent})"
