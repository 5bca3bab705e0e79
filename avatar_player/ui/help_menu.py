"""The Help menu (Diagnostics, About) and the window icon: one call from the main window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMainWindow

from avatar_player.ui.about_dialog import AboutDialog
from avatar_player.ui.app_icon import app_icon
from avatar_player.ui.avatar_view import AvatarView
from avatar_player.ui.diagnostics_dialog import DiagnosticsDialog


def install_help_menu(window: QMainWindow, view: AvatarView) -> None:
    """Give `window` the application icon and a Help menu; Diagnostics reports on `view`."""
    window.setWindowIcon(app_icon())
    menu = window.menuBar().addMenu("&Help")
    diagnostics = menu.addAction("&Diagnostics…")
    diagnostics.triggered.connect(lambda: show(DiagnosticsDialog(view, window)))
    about = menu.addAction("&About Avatar Player")
    about.triggered.connect(lambda: show(AboutDialog(window)))


def show(dialog: QDialog) -> None:
    """Show `dialog` without a nested event loop (asyncio keeps running); it is deleted
    when closed."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
