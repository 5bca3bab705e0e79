"""Clip picker and the playback controls: play, pause, resume, interrupt, volume."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
)

from avatar_player.models.clips import PACINGS, Clip, bundled_clips, clip_for
from avatar_player.speech import Pacing


class PlaybackPanel(QGroupBox):
    """What to play and how."""

    def __init__(self) -> None:
        super().__init__("Playback")
        self.clip = QComboBox()
        for clip in bundled_clips():
            self.add_clip(clip)
        self.browse_button = QPushButton("Open…")
        self.browse_button.setToolTip("A WAV/FLAC/OGG file, or a recording folder (Host Mode)")
        self.browse_button.clicked.connect(self.browse)
        self.pacing = QComboBox()
        for label, pacing in PACINGS.items():
            self.pacing.addItem(label, pacing)
        self.pacing.setToolTip("Send the clip at once, or produce it over time like live speech")
        self.play_button = QPushButton("Play")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.interrupt_button = QPushButton("Interrupt")
        self.play_button.setToolTip("Ctrl+P")
        self.pause_button.setToolTip("Space")
        self.resume_button.setToolTip("Space")
        self.interrupt_button.setToolTip("Esc")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.screenshot_button = QPushButton("Screenshot…")
        self.tier = QComboBox()
        picker = QHBoxLayout()
        picker.addWidget(self.clip, 1)
        picker.addWidget(self.browse_button)
        grid = QGridLayout(self)
        grid.addLayout(picker, 0, 0, 1, 4)
        grid.addWidget(QLabel("Send"), 1, 0)
        grid.addWidget(self.pacing, 1, 1, 1, 3)
        for column, button in enumerate(
            (self.play_button, self.pause_button, self.resume_button, self.interrupt_button)
        ):
            grid.addWidget(button, 2, column)
        grid.addWidget(QLabel("Volume"), 3, 0)
        grid.addWidget(self.volume, 3, 1, 1, 3)
        grid.addWidget(QLabel("Quality"), 4, 0)
        grid.addWidget(self.tier, 4, 1, 1, 2)
        grid.addWidget(self.screenshot_button, 4, 3)

    def add_clip(self, clip: Clip) -> None:
        """Offer `clip` in the picker."""
        self.clip.addItem(clip.label, clip)

    def current_pacing(self) -> Pacing:
        """How to send the clip."""
        return self.pacing.currentData()

    def current_clip(self) -> Clip | None:
        """The picked clip."""
        return self.clip.currentData()

    def select_clip(self, path: str | Path) -> None:
        """Pick the clip at `path` (adding it if new)."""
        for index in range(self.clip.count()):
            if str(self.clip.itemData(index).path) == str(path):
                self.clip.setCurrentIndex(index)
                return
        self.add_clip(clip_for(path))
        self.clip.setCurrentIndex(self.clip.count() - 1)

    def browse(self) -> None:
        """Pick an audio file or a recording (a plain slot: no coroutine around the dialog)."""
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open speech clip or recording",
            "",
            "Audio (*.wav *.flac *.ogg);;Recording (keyframes.json);;All files (*)",
        )
        if path:
            self.select_clip(path)
