"""The avatar view: a QOpenGLWindow hosting the Qt-free AvatarRenderer, embedded in the
main window by `container()`.

A window of its own, not a QOpenGLWidget: a QOpenGLWidget makes Qt compose the whole main
window with OpenGL on every frame (and on every panel update), which on a software
rasteriser cost about 20 ms of CPU per frame even for an empty view (measured at the
default size, 15 fps: 0.33 cores against 0.04 for a QOpenGLWindow).

A timer asks for frames at the target rate (full while the avatar speaks, low when a
software rasteriser idles: render/frame_pacing.py); each frame renders the pose the player
reports for the current audio position, and `frameSwapped` tells the player when the
frame was presented (for the A/V offset). While the avatar does not speak, a frame that
would look the same as the last one (`AvatarRenderer.moves`: the idle layer's slow drift
between blinks) is not drawn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtOpenGL import QOpenGLWindow
from PySide6.QtWidgets import QSizePolicy, QWidget

from avatar_player.avatar.model import Avatar
from avatar_player.render.fps import FpsReport
from avatar_player.render.frame_pacing import FULL_FPS, target_fps
from avatar_player.render.renderer import AvatarRenderer, RenderEvents
from avatar_player.render.tiers import is_software


class AvatarView(QOpenGLWindow):
    """Renders `avatar` in the pose given by `pose_source()` every frame; `pose_peek()`
    gives the same pose without taking a frame (to tell whether an idle frame changes)."""

    def __init__(
        self,
        avatar: Avatar,
        pose_source: Callable[[], np.ndarray],
        pose_peek: Callable[[], np.ndarray],
        *,
        on_presented: Callable[[], None],
        on_first_frame: Callable[[float], None],
        on_fps: Callable[[FpsReport], None],
        tier: str | None = None,
    ) -> None:
        super().__init__()
        self.avatar = avatar
        self.tier_name = tier
        self.renderer: AvatarRenderer | None = None
        self._pose_source = pose_source
        self._pose_peek = pose_peek
        self._events = RenderEvents(first_frame=on_first_frame, fps=on_fps)
        self._started = time.perf_counter()
        self._speaking = False
        self._target_fps = FULL_FPS
        self.frameSwapped.connect(on_presented)
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000 / self._target_fps))
        self._timer.timeout.connect(self._frame_due)
        self._timer.start()

    def initializeGL(self) -> None:  # noqa: N802
        self.renderer = AvatarRenderer(
            self.avatar, tier=self.tier_name, events=self._events, expected_fps=FULL_FPS
        )
        self.renderer.initialize()
        self._pace()

    def resizeGL(self, width: int, height: int) -> None:  # noqa: N802
        if self.renderer is not None:
            ratio = self.devicePixelRatio()
            self.renderer.resize(round(width * ratio), round(height * ratio))

    def paintGL(self) -> None:  # noqa: N802
        if self.renderer is None:
            return
        t = time.perf_counter() - self._started
        self.renderer.render(self._pose_source(), t, self.defaultFramebufferObject())

    def _frame_due(self) -> None:
        """Ask for a frame, unless the avatar is idle and it would look like the last."""
        renderer = self.renderer
        t = time.perf_counter() - self._started
        if self._speaking or renderer is None or renderer.moves(self._pose_peek(), t):
            self.update()
        else:
            renderer.hold()

    def container(self) -> QWidget:
        """A widget showing this window, to put in a layout."""
        widget = QWidget.createWindowContainer(self)
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        widget.setMinimumSize(320, 240)
        return widget

    @property
    def target_fps(self) -> float:
        """The rate the view asks for frames at now."""
        return self._target_fps

    def set_speaking(self, speaking: bool) -> None:
        """Render at the full rate while the avatar speaks (a response is active or plays)."""
        if speaking != self._speaking:
            self._speaking = speaking
            self._pace()

    def set_tier(self, tier: str | None) -> None:
        """Re-create the renderer at another quality tier (None: automatic)."""
        self.tier_name = tier
        self._rebuild()

    def set_avatar(self, avatar: Avatar) -> None:
        """Show another avatar."""
        self.avatar = avatar
        self._rebuild()

    def save_png(self, path: str | Path) -> bool:
        """Save what the view shows as a PNG."""
        return self.grabFramebuffer().save(str(path), "PNG")

    def stop(self) -> None:
        """Stop rendering and free the GL resources."""
        self._timer.stop()
        if self.renderer is not None and self.context() is not None:
            self.makeCurrent()
            self.renderer.release()
            self.doneCurrent()
        self.renderer = None

    def _pace(self) -> None:
        software = self.renderer is not None and is_software(self.renderer.renderer_name)
        self._target_fps = target_fps(speaking=self._speaking, software=software)
        self._timer.setInterval(round(1000 / self._target_fps))
        if self.renderer is not None:
            self.renderer.set_expected_fps(self._target_fps)

    def _rebuild(self) -> None:
        if self.context() is None:
            return  # initializeGL will build it
        self.makeCurrent()
        if self.renderer is not None:
            self.renderer.release()
        self.initializeGL()
        self.resizeGL(self.width(), self.height())
        self.doneCurrent()
        self.update()
