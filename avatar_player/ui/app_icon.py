"""The application icon (the bundled SVG) as a QIcon."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from avatar_player.desktop import ICON_FILE


def app_icon() -> QIcon:
    """Avatar Player's icon, drawn from its SVG at any size."""
    return QIcon(str(ICON_FILE))
