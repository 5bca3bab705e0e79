"""A coloured state badge."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

COLOURS = {
    "disconnected": "#6b7280",
    "connecting": "#d97706",
    "connected": "#15803d",
    "failed": "#b91c1c",
    "reconnecting": "#d97706",
    "closed": "#6b7280",
    "idle": "#6b7280",
    "active": "#d97706",
    "playing": "#15803d",
    "paused": "#2563eb",
    "pending": "#6b7280",
    "rendered": "#15803d",
}


class Badge(QLabel):
    """A rounded label whose colour follows its state name."""

    def __init__(self, state: str = "") -> None:
        super().__init__()
        self.state = ""
        self.set_state(state)

    def set_state(self, state: str, detail: str = "") -> None:
        """Show `state` (and `detail` after it)."""
        self.state = state
        colour = COLOURS.get(state, "#374151")
        self.setText(f"{state}{'  ' + detail if detail else ''}")
        self.setStyleSheet(
            f"QLabel {{ background: {colour}; color: white; border-radius: 8px;"
            " padding: 3px 10px; font-weight: 600; }"
        )
