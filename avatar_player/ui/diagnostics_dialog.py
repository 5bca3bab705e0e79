"""Help > Diagnostics: the `avatar-player --diagnose` report, collected in a child process
(so a crashing GL driver cannot take the window with it), plus what only this window's Qt
knows: its version, platform and the avatar view's OpenGL context."""

from __future__ import annotations

import sys

from PySide6.QtCore import QProcess, Signal, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication, QOpenGLContext
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from avatar_player.diagnostics import Item, Section, from_json, heading, to_text
from avatar_player.diagnostics.report import section
from avatar_player.ui.avatar_view import AvatarView

COMMAND = ("-m", "avatar_player.launcher", "--diagnose", "--json")
GL_STRINGS = (("GL vendor", 0x1F00), ("GL renderer", 0x1F01), ("GL version", 0x1F02))
"""GL_VENDOR, GL_RENDERER, GL_VERSION."""


def window_items(view: AvatarView) -> list[Item]:
    """Qt's version and platform, and the avatar view's context, format and tier."""
    screen = QGuiApplication.primaryScreen()
    items = [
        Item("Qt runtime", qVersion()),
        Item("platform", QGuiApplication.platformName()),
        Item(
            "screen",
            f"{screen.name()} {screen.size().width()}x{screen.size().height()} "
            f"@{screen.devicePixelRatio():g}x",
        ),
    ]
    context: QOpenGLContext | None = view.context()
    if context is None or not context.isValid():
        return [*items, Item("view OpenGL", "no context (the view was never shown)", problem=True)]
    fmt = context.format()
    profile = fmt.profile().name.removesuffix("Profile").lower()
    items.append(
        Item("view context", f"OpenGL {fmt.majorVersion()}.{fmt.minorVersion()} {profile}")
    )
    view.makeCurrent()
    try:
        functions = context.functions()
        items += [Item(name, functions.glGetString(key) or "?") for name, key in GL_STRINGS]
    finally:
        view.doneCurrent()
    renderer = view.renderer
    tier = f"{renderer.tier.name} ({renderer.splat_count} splats)" if renderer else "not built"
    return [*items, Item("view tier", tier)]


class DiagnosticsDialog(QDialog):
    """The report in a read-only text with a Copy button; `collected` fires once it is in."""

    collected = Signal()

    def __init__(self, view: AvatarView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Avatar Player diagnostics")
        self.resize(820, 640)
        self._window = section("This window (Qt)", lambda: window_items(view))
        self.status = QLabel("Collecting the report…")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setEnabled(False)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.process = QProcess(self)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._failed)
        self.process.start(sys.executable, list(COMMAND))

    def copy(self) -> None:
        """Put the whole report on the clipboard."""
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.status.setText("Copied: paste it into the bug report.")

    def done(self, result: int) -> None:
        """Close; a report still being collected is abandoned (its process ended)."""
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.finished.disconnect(self._finished)
            self.process.kill()
            self.process.waitForFinished(2000)
        super().done(result)

    def _finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        output = bytes(self.process.readAllStandardOutput().data()).decode(errors="replace")
        try:
            report = from_json(output)
        except (ValueError, KeyError, TypeError):
            errors = bytes(self.process.readAllStandardError().data()).decode(errors="replace")
            reason = (errors.strip().splitlines() or [f"exit code {exit_code}"])[-1]
            report = (Section("Report", (Item("error", f"not collected: {reason}", True),)),)
        self._show((self._window, *report))

    def _failed(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            reason = Item("error", f"cannot start {sys.executable}", problem=True)
            self._show((self._window, Section("Report", (reason,))))

    def _show(self, report: tuple[Section, ...]) -> None:
        self.text.setPlainText(to_text(report, heading()))
        self.status.setText("Paste this into a bug report: it holds no key, token or setting.")
        self.copy_button.setEnabled(True)
        self.collected.emit()
