"""The PySide6 desktop UI: views over the Qt-free models and player core."""

from avatar_player.ui.pyside_refcounts import immortalize_singletons

immortalize_singletons()  # before any Qt call: see pyside_refcounts
