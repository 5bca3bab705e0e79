"""Desktop integration without Qt: the per-user desktop entry and icon, and the licenses
of what the player bundles (shown by the About dialog)."""

from avatar_player.desktop.entry import ICON_FILE, describe, install_desktop_entry
from avatar_player.desktop.licenses import NOTICES, Notice

__all__ = ["ICON_FILE", "NOTICES", "Notice", "describe", "install_desktop_entry"]
