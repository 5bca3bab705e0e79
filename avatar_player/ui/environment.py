"""Process set-up that must happen before OpenGL is imported and the QApplication exists."""

from __future__ import annotations

import os
import sys

from PySide6.QtGui import QSurfaceFormat


def configure_gl_environment() -> None:
    """One GL platform for Qt and PyOpenGL: EGL (works under X11, Xvfb and headless)."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    if sys.platform.startswith("linux"):
        os.environ.setdefault("QT_XCB_GL_INTEGRATION", "xcb_egl")


def request_gl_core_profile() -> None:
    """Ask Qt for an OpenGL 3.3 core context (call before the QApplication exists)."""
    surface = QSurfaceFormat()
    surface.setVersion(3, 3)
    surface.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    surface.setDepthBufferSize(24)
    surface.setSwapInterval(1)
    QSurfaceFormat.setDefaultFormat(surface)
