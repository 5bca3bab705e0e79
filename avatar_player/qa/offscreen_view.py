"""The app's avatar view without a window: an EGL framebuffer and the AvatarRenderer,
rendering the session's pose at a target rate on the asyncio loop.

Like the app's view, each frame takes its pose from the timeline feed (`session.pose()`)
first and reports it presented (`session.report_frame()`) once it is rendered and finished
(glFinish), so the player measures the A/V offset, and the timeline records the frame,
exactly as in the app.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from avatar_player.avatar.model import Avatar
from avatar_player.models.player_session import PlayerSession
from avatar_player.models.timeline_feed import TimelineFeed
from avatar_player.qa.recorder import FrameSample
from avatar_player.render import gl
from avatar_player.render.offscreen import OffscreenContext
from avatar_player.render.renderer import AvatarRenderer, RenderEvents


class OffscreenView:
    """Renders `avatar` in the session's pose; `on_frame` hears of every presented frame.

    Raises OffscreenUnavailable when no EGL OpenGL context can be made.
    """

    def __init__(
        self,
        session: PlayerSession,
        feed: TimelineFeed,
        avatar: Avatar,
        *,
        size: tuple[int, int],
        tier: str | None,
        fps: float,
        on_frame: Callable[[FrameSample], None],
        capture: bool = False,
    ) -> None:
        self.session = session
        self.feed = feed
        self.fps = fps
        self._on_frame = on_frame
        self.capture = capture
        """Read each frame's pixels back (for a video or PNG frames)."""
        self.context = OffscreenContext(*size)
        self.renderer = AvatarRenderer(
            avatar,
            tier=tier,
            events=RenderEvents(
                first_frame=session.first_rendering.emit, fps=session.frame_rate.emit
            ),
            expected_fps=fps,
        )
        self.renderer.initialize()
        self.renderer.resize(*size)
        self._origin = time.perf_counter()

    async def run(self, stop: asyncio.Event) -> None:
        """Render a frame on every tick of the target rate until `stop` is set.

        A frame that overruns its tick drops the ticks it missed, like a display timer:
        the loop always waits for the next tick, so network and playback get their turn.
        """
        period = 1.0 / self.fps
        due = time.perf_counter()
        while not stop.is_set():
            self.render_frame()
            now = time.perf_counter()
            due += period * max(1, math.ceil((now - due) / period))
            await asyncio.sleep(due - now)

    def render_frame(self) -> None:
        """Render, present and report one frame."""
        playback = self.session.playback
        if playback is None:
            raise RuntimeError("the session is not open")
        response = playback.current
        started = time.perf_counter()
        pose = self.feed.pose()
        context = self.context
        self.renderer.render(pose, started - self._origin, context.framebuffer.id)
        gl.finish()
        offset = self.feed.presented()
        render_s = time.perf_counter() - started
        rgba = None
        if self.capture:
            rgba = gl.read_pixels(context.framebuffer.id, context.width, context.height)
        self._on_frame(FrameSample(response, offset, render_s, pose, rgba))

    def close(self) -> None:
        """Free the GL objects and the context."""
        self.renderer.release()
        self.context.close()
