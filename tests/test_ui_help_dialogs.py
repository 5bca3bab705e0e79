"""The Help menu of the window: About (version, licenses) and Diagnostics (the same report as
`avatar-player --diagnose`, plus the window's own Qt and OpenGL facts), and the icon."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog
from window_harness import until

from avatar_player import __version__
from avatar_player.desktop import NOTICES
from avatar_player.ui.about_dialog import AboutDialog
from avatar_player.ui.diagnostics_dialog import DiagnosticsDialog
from avatar_player.ui.main_window import MainWindow

SECTIONS = ["This window (Qt)", "Versions", "Display", "OpenGL", "Audio", "Speech"]


def trigger(window: MainWindow, text: str) -> None:
    """Click Help > `text`."""
    [help_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "&Help"]
    [action] = [a for a in help_menu.actions() if a.text().replace("&", "").startswith(text)]
    action.trigger()


def opened(window: MainWindow, kind: type[QDialog]) -> QDialog:
    [dialog] = window.findChildren(kind)
    assert dialog.isVisible()
    return dialog


def test_about_shows_the_version_and_every_license(
    run_window: Callable[..., None], tmp_path: Path
) -> None:
    async def scenario(window: MainWindow) -> None:
        assert not window.windowIcon().isNull()
        trigger(window, "About")
        about = opened(window, AboutDialog)
        assert f"Avatar Player {__version__}" in about.title.text()
        licenses = about.licenses.toPlainText()
        for notice in NOTICES:
            assert notice.component in licenses and notice.license in licenses
        assert "CC0" in licenses and "GPL-3.0-or-later" in licenses and "BSD-2-Clause" in licenses
        assert about.grab().save(str(tmp_path / "about.png"))
        about.close()

    run_window(scenario)


def test_diagnostics_shows_the_report_with_the_views_context_and_copies_it(
    run_window: Callable[..., None], tmp_path: Path
) -> None:
    async def scenario(window: MainWindow) -> None:
        await until(lambda: window.view.renderer is not None)
        trigger(window, "Diagnostics")
        dialog = opened(window, DiagnosticsDialog)
        assert not dialog.copy_button.isEnabled()
        await until(dialog.copy_button.isEnabled, timeout_s=90)
        text = dialog.text.toPlainText()
        positions = [text.index(f"== {title} ==") for title in SECTIONS]
        assert positions == sorted(positions)
        assert re.search(r"^  platform +xcb$", text, re.M)
        assert re.search(r"^  view context +OpenGL [34]\.\d core$", text, re.M)
        assert re.search(r"^  view tier +minimal \(\d+ splats\)$", text, re.M)  # as asked
        assert "GL renderer" in text and "tier (auto)" in text
        dialog.copy_button.click()
        assert QGuiApplication.clipboard().text() == text
        assert dialog.grab().save(str(tmp_path / "diagnostics.png"))
        dialog.close()

    run_window(scenario)


def test_closing_diagnostics_before_the_report_is_in_ends_its_process(
    run_window: Callable[..., None],
) -> None:
    async def scenario(window: MainWindow) -> None:
        trigger(window, "Diagnostics")
        dialog = opened(window, DiagnosticsDialog)
        process = dialog.process
        assert process.state() != process.ProcessState.NotRunning
        dialog.close()
        assert process.state() == process.ProcessState.NotRunning
        assert not dialog.copy_button.isEnabled()

    run_window(scenario)
