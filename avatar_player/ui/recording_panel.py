"""Session recording: record to a file, and replay a recording in the player."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QGridLayout, QGroupBox, QLabel, QPushButton

from avatar_player.models.recordings import SUFFIX, recordings_dir


class RecordingPanel(QGroupBox):
    """A record toggle, the file being written, and Replay…"""

    def __init__(self) -> None:
        super().__init__("Recording")
        self.record_button = QPushButton("Record")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip(
            "Record audio, motion, states and errors with timestamps to one file"
        )
        self.replay_button = QPushButton("Replay…")
        self.replay_button.setToolTip("Play a session recording again in this player")
        self.file = QLabel("not recording")
        self.file.setWordWrap(True)
        grid = QGridLayout(self)
        grid.addWidget(self.record_button, 0, 0)
        grid.addWidget(self.replay_button, 0, 1)
        grid.addWidget(self.file, 1, 0, 1, 2)

    def show_recording(self, path: Path | None) -> None:
        """Show the file being written (None: not recording)."""
        self.record_button.setChecked(path is not None)
        self.record_button.setText("Stop recording" if path else "Record")
        self.file.setText(f"recording to {path}" if path else "not recording")

    def show_saved(self, path: Path) -> None:
        """Say where the finished recording is."""
        self.file.setText(f"saved {path}")

    def pick_recording(self) -> str:
        """Ask for a recording to replay ('' when cancelled; a plain slot, not a coroutine)."""
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Replay a session recording",
            str(recordings_dir()),
            f"Recordings (*{SUFFIX});;All files (*)",
        )
        return path
