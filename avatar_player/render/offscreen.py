"""A headless EGL (surfaceless) OpenGL 3.3 core context with a framebuffer to render into,
for tests, benchmarks and offscreen export. The app itself renders into Qt's context.

Import this module before anything imports PyOpenGL, or set PYOPENGL_PLATFORM=egl:
PyOpenGL picks its platform once, at its first import.
"""

from __future__ import annotations

import ctypes
import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

from avatar_player.render import gl


class OffscreenUnavailable(RuntimeError):
    """No EGL OpenGL context can be made here."""


class OffscreenContext:
    """A current EGL context plus an RGBA8 framebuffer of `width` x `height`.

    Use as a context manager, or call `close()`.
    """

    def __init__(self, width: int, height: int) -> None:
        if os.environ["PYOPENGL_PLATFORM"] != "egl":
            raise OffscreenUnavailable("PyOpenGL was loaded for another platform than EGL")
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")
        try:
            from OpenGL import EGL  # noqa: PLC0415  (libEGL may be missing)
            from OpenGL.error import GLError  # noqa: PLC0415

            self._egl = EGL
            self._display = EGL.eglGetDisplay(EGL.EGL_DEFAULT_DISPLAY)
            major, minor = EGL.EGLint(), EGL.EGLint()
            if not EGL.eglInitialize(self._display, ctypes.byref(major), ctypes.byref(minor)):
                raise OffscreenUnavailable("eglInitialize failed")
            EGL.eglBindAPI(EGL.EGL_OPENGL_API)
            attributes = (EGL.EGLint * 7)(
                EGL.EGL_CONTEXT_MAJOR_VERSION, 3,
                EGL.EGL_CONTEXT_MINOR_VERSION, 3,
                EGL.EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL.EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                EGL.EGL_NONE,
            )  # fmt: skip
            self._context = EGL.eglCreateContext(
                self._display, EGL.EGLConfig(), EGL.EGL_NO_CONTEXT, attributes
            )
            if not self._context or not EGL.eglMakeCurrent(
                self._display, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, self._context
            ):
                raise OffscreenUnavailable("cannot make a surfaceless OpenGL 3.3 core context")
        except (ImportError, AttributeError, RuntimeError, GLError) as error:
            # No libEGL, no EGL entry points, or an EGL error (PyOpenGL's EGLError is a
            # GLError, not a RuntimeError).
            raise OffscreenUnavailable(_describe(error)) from error
        self.framebuffer = gl.Framebuffer.create(width, height)

    @property
    def width(self) -> int:
        return self.framebuffer.width

    @property
    def height(self) -> int:
        return self.framebuffer.height

    def close(self) -> None:
        """Delete the framebuffer and the context."""
        egl = self._egl
        self.framebuffer.delete()
        egl.eglMakeCurrent(
            self._display, egl.EGL_NO_SURFACE, egl.EGL_NO_SURFACE, egl.EGL_NO_CONTEXT
        )
        egl.eglDestroyContext(self._display, self._context)

    def __enter__(self) -> OffscreenContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _describe(error: Exception) -> str:
    """One line for a failed context: PyOpenGL's errors name the call and the EGL code."""
    operation = getattr(getattr(error, "baseOperation", None), "__name__", None)
    code = getattr(error, "err", None)
    if operation and code is not None:
        return f"{operation} failed with {str(code).split()[0]}"
    return f"{type(error).__name__}: {error}"
