"""Live speech: the Say box (typed text, spoken by TTS) and the microphone row."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
)

from avatar_player.speech import list_input_devices

BUNDLED_VOICE = "bundled"
LEVEL_FLOOR_DB = -60
PUSH_TO_TALK_KEY = Qt.Key.Key_F2
PUSH_TO_TALK_LABEL = "F2"


class SpeechPanel(QGroupBox):
    """Say text; talk into a microphone (push-to-talk or hands-free)."""

    def __init__(self) -> None:
        super().__init__("Speak")
        self.text = QLineEdit()
        self.text.setPlaceholderText("Type what the avatar says, then Enter")
        self.say_button = QPushButton("Say")
        self.voice = QComboBox()
        self.voice.addItem("Piper: joe (bundled)", BUNDLED_VOICE)
        self.voice_button = QPushButton("Voice…")
        self.voice_button.setToolTip("Any Piper .onnx voice (its .onnx.json beside it)")
        self.voice_button.clicked.connect(self.browse_voice)
        self.microphone = QComboBox()
        self.microphone.addItem("default input", None)
        for device in list_input_devices():
            self.microphone.addItem(f"{device.index}: {device.name}", device.index)
        self.talk_button = QPushButton(f"Hold to talk ({PUSH_TO_TALK_LABEL})")
        self.talk_button.setToolTip(
            f"Hold the button or {PUSH_TO_TALK_LABEL}; the avatar lip-syncs what you say"
        )
        self.hands_free = QCheckBox("Hands-free")
        self.hands_free.setToolTip("Each utterance, ended by a short pause, is one response")
        self.monitor = QCheckBox("Play my voice")
        self.monitor.setToolTip("Off: the avatar lip-syncs your voice without playing it")
        self.level = QProgressBar()
        self.level.setRange(LEVEL_FLOOR_DB, 0)
        self.level.setValue(LEVEL_FLOOR_DB)
        self.level.setFormat("%v dBFS")
        grid = QGridLayout(self)
        grid.addWidget(self.text, 0, 0, 1, 3)
        grid.addWidget(self.say_button, 0, 3)
        grid.addWidget(QLabel("Voice"), 1, 0)
        grid.addWidget(self.voice, 1, 1, 1, 2)
        grid.addWidget(self.voice_button, 1, 3)
        grid.addWidget(QLabel("Microphone"), 2, 0)
        grid.addWidget(self.microphone, 2, 1, 1, 3)
        grid.addWidget(self.talk_button, 3, 0, 1, 2)
        grid.addWidget(self.hands_free, 3, 2)
        grid.addWidget(self.monitor, 3, 3)
        grid.addWidget(QLabel("Input"), 4, 0)
        grid.addWidget(self.level, 4, 1, 1, 3)

    def voice_path(self) -> Path | None:
        """The chosen Piper voice file (None: the bundled voice)."""
        data = self.voice.currentData()
        return None if data == BUNDLED_VOICE else Path(data)

    def browse_voice(self) -> None:
        """Pick a Piper voice file (a plain slot: no coroutine around the dialog)."""
        path, _ = QFileDialog.getOpenFileName(self, "Piper voice", "", "Piper voice (*.onnx)")
        if path:
            self.select_voice(path)

    def select_voice(self, path: str) -> None:
        """Use the voice file at `path` (adding it to the list)."""
        index = self.voice.findData(path)
        if index < 0:
            self.voice.addItem(path.rsplit("/", 1)[-1], path)
            index = self.voice.count() - 1
        self.voice.setCurrentIndex(index)

    def show_level(self, dbfs: float) -> None:
        """The microphone's input level."""
        self.level.setValue(int(max(LEVEL_FLOOR_DB, min(0.0, dbfs))))

    def show_listening(self, listening: bool) -> None:
        """The microphone opened or closed."""
        self.talk_button.setDown(listening and not self.hands_free.isChecked())
        if not listening:
            self.level.setValue(LEVEL_FLOOR_DB)
