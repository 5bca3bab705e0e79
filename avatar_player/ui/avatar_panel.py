"""Avatar picker: ids from the server's list, a load button and download progress."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QProgressBar, QPushButton


class AvatarPanel(QGroupBox):
    """Pick an avatar id (or type one) and load it."""

    def __init__(self, current_id: str) -> None:
        super().__init__("Avatar")
        self.picker = QComboBox()
        self.picker.setEditable(True)
        self.picker.setEditText(current_id)
        self.load_button = QPushButton("Load")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.shown = QLabel(current_id)
        grid = QGridLayout(self)
        grid.addWidget(self.picker, 0, 0)
        grid.addWidget(self.load_button, 0, 1)
        grid.addWidget(self.progress, 1, 0, 1, 2)
        grid.addWidget(QLabel("Showing"), 2, 0)
        grid.addWidget(self.shown, 2, 1)

    def set_avatars(self, avatars: list[tuple[str, str]]) -> None:
        """Offer the server's avatars, keeping what the user typed."""
        typed = self.picker.currentText()
        self.picker.clear()
        for avatar_id, name in avatars:
            self.picker.addItem(avatar_id)
            self.picker.setItemData(self.picker.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        self.picker.setEditText(typed)

    def selected_id(self) -> str:
        """The id to load."""
        return self.picker.currentText().strip()

    def show_progress(self, done: int, total: int) -> None:
        """Bytes downloaded of `total`."""
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
