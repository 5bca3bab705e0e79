"""Start-up checks that need Qt (OpenGL 3.3 on this display) and how a failed one is shown:
on stderr, and in a dialog that Ctrl+C or SIGTERM also closes."""

from __future__ import annotations

import os
import sys

from PySide6.QtGui import QGuiApplication, QOpenGLContext, QSurfaceFormat
from PySide6.QtWidgets import QMessageBox

from avatar_player.exit_codes import ExitCode, StartupFailure
from avatar_player.identity import APP_NAME, COMMAND
from avatar_player.ui.interrupts import on_interrupt

GL_HELP = (
    "Update the graphics driver, or use Mesa's software renderer (llvmpipe; on Debian or "
    "Ubuntu: apt install libgl1-mesa-dri libegl1). `{command} --diagnose` shows what this "
    "machine offers."
)


def require_opengl() -> None:
    """Raise StartupFailure(NO_OPENGL) unless a context of the default surface format
    (OpenGL 3.3 core, see `request_gl_core_profile`) can be created on this display:
    the avatar view asks for the same one."""
    wanted = QSurfaceFormat.defaultFormat()
    need = (wanted.majorVersion(), wanted.minorVersion())
    context = QOpenGLContext()
    got = context.format() if context.create() else None
    if got is not None and (got.majorVersion(), got.minorVersion()) >= need:
        return
    offered = f"OpenGL {got.majorVersion()}.{got.minorVersion()}" if got else "no context"
    override = os.environ.get("MESA_GL_VERSION_OVERRIDE")
    note = f" MESA_GL_VERSION_OVERRIDE={override} is set: unset it." if override else ""
    raise StartupFailure(
        ExitCode.NO_OPENGL,
        "OpenGL 3.3 is not available",
        f"{APP_NAME} renders with OpenGL {need[0]}.{need[1]} (core profile); the display "
        f"({QGuiApplication.platformName()}) gives {offered}.{note} "
        + GL_HELP.format(command=COMMAND),
    )


def report_failure(failure: StartupFailure) -> int:
    """Print the failure on stderr, show it in a dialog until dismissed (or SIGINT or
    SIGTERM), and return its exit code."""
    box = QMessageBox(QMessageBox.Icon.Critical, f"{APP_NAME}: {failure.title}", failure.message)
    with on_interrupt(box.reject):
        print(f"{COMMAND}: {failure.title}. {failure.message}", file=sys.stderr, flush=True)
        box.exec()
    return failure.code
