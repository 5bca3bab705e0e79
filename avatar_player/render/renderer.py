"""The avatar renderer: draws a splat avatar for a motion vector into a framebuffer.

It never creates windows or contexts: call every method with the caller's OpenGL
context current (the window's QOpenGLWindow, or an OffscreenContext).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from avatar_player.avatar import lod
from avatar_player.avatar.model import Avatar
from avatar_player.render import gl
from avatar_player.render.camera import Camera
from avatar_player.render.culling import cullable, facing_splats
from avatar_player.render.deform import Deformer, Geometry
from avatar_player.render.depth import back_to_front
from avatar_player.render.fps import FpsCounter, FpsReport
from avatar_player.render.idle import IdleMotion
from avatar_player.render.png import write_png
from avatar_player.render.pose import avatar_pose
from avatar_player.render.shaders import FRAGMENT, VERTEX
from avatar_player.render.tiers import Tier, choose_tier, part_counts

BACKGROUND = (0.16, 0.17, 0.2)
MIN_SIGMA_PX = 0.5
"""Discs smaller than this (internal pixels) grow to it and fade: no sparkle when small."""
UNCHANGED_PX = 0.25
"""A frame in which no splat centre would move this far on screen (output pixels) from the
last frame drawn looks the same as that frame (`moves`)."""


@dataclass
class _Shown:
    """What the last frame drew: the splat centres, seen by `camera` at `size` (pixels of
    the centres computed when first needed)."""

    camera: Camera
    size: tuple[int, int]
    centres: np.ndarray
    pixels: np.ndarray | None = None


@dataclass
class RenderEvents:
    """Callbacks of the renderer (called on the rendering thread, from `render`)."""

    first_frame: Callable[[float], None] | None = None
    """Seconds from `initialize()` until the first frame was drawn."""
    fps: Callable[[FpsReport], None] | None = None
    """Expected vs actual frame rate, about once a second."""


class AvatarRenderer:
    """Renders `avatar` at the tier `tier` (a name, a Tier, or None: from GL_RENDERER).

    `idle`: True adds the avatar's own idle layer (seeded by the avatar seed) to every
    pose, False renders poses as given, or pass an IdleMotion.
    """

    def __init__(
        self,
        avatar: Avatar,
        *,
        tier: str | Tier | None = None,
        camera: Camera | None = None,
        idle: bool | IdleMotion = True,
        background: tuple[float, float, float] = BACKGROUND,
        events: RenderEvents | None = None,
        expected_fps: float = 25.0,
    ) -> None:
        self.avatar = avatar
        self.camera = camera or Camera.bust()
        self.background = background
        self.events = events or RenderEvents()
        self._requested_tier = tier
        self._idle = IdleMotion(avatar.info.seed) if idle is True else idle or None
        self._fps = FpsCounter(expected_fps, self._report_fps)
        self._size = (1, 1)
        self.renderer_name = ""
        """GL_RENDERER of the context, known after `initialize()`."""
        self._tier: Tier | None = None
        self._drawn: Avatar | None = None
        self._internal: gl.Framebuffer | None = None
        self._init_started = 0.0
        self._first_frame_pending = True
        self._shown: _Shown | None = None

    # -- setup ---------------------------------------------------------------------------

    def set_expected_fps(self, fps: float) -> None:
        """The rate frames are asked for from now on (frame-rate reports compare with it)."""
        self._fps.expected_fps = fps

    def initialize(self) -> None:
        """Pick the tier, compile the shaders, upload the splats (context current)."""
        self._init_started = time.perf_counter()
        self.renderer_name = gl.renderer_name()
        self._tier = choose_tier(self.renderer_name, self._requested_tier)
        self._drawn = lod.reduce(self.avatar, part_counts(self.avatar, self._tier.budget))
        self._deformer = Deformer(self._drawn)
        self._cullable = cullable(self._drawn) if self._tier.cull else None
        self._program = gl.compile_program(VERTEX, FRAGMENT)
        self._uniforms = gl.Uniforms(self._program)
        splats = self._drawn.splats
        count = len(splats)
        self._colour = gl.RowTexture(count)
        self._colour.upload(np.column_stack([splats.colour, splats.opacity]))
        self._geometry = gl.RowTexture(3 * count)
        self._index = gl.SplatOrder(count)
        self._internal = None
        self._first_frame_pending = True
        self._shown = None
        self.resize(*self._size)

    def resize(self, width: int, height: int) -> None:
        """Set the output size in pixels (the target framebuffer's size)."""
        self._size = (max(1, width), max(1, height))
        if self._tier is None:
            return
        if self._internal is not None:
            self._internal.delete()
            self._internal = None
        if self._tier.scale != 1.0:
            w, h = (max(1, round(n * self._tier.scale)) for n in self._size)
            self._internal = gl.Framebuffer.create(w, h)

    def release(self) -> None:
        """Delete every GL object (context current)."""
        if self._tier is None:
            return
        for resource in (self._colour, self._geometry, self._index, self._internal):
            if resource is not None:
                resource.delete()
        gl.delete_program(self._program)
        self._tier = None

    # -- properties ----------------------------------------------------------------------

    @property
    def tier(self) -> Tier:
        return self._require_tier()

    @property
    def splat_count(self) -> int:
        """Splats of the avatar at the current tier (the last frame drew `drawn_count`)."""
        self._require_tier()
        assert self._drawn is not None
        return self._drawn.info.splat_count

    @property
    def drawn_count(self) -> int:
        """Splats the last frame drew (fewer than `splat_count` where the tier culls)."""
        self._require_tier()
        return self._index.drawn

    # -- frames --------------------------------------------------------------------------

    def render(self, pose: np.ndarray, t: float, framebuffer: int = 0) -> None:
        """Draw the avatar in motion vector `pose` at time `t` (seconds, for the idle layer)
        into `framebuffer` (0: the default one), covering its whole output size."""
        tier = self._require_tier()
        geometry = self._deformed(pose, t)
        self._shown = _Shown(self.camera, self._size, geometry.centre)
        view = self.camera.view()
        self._geometry.upload(geometry.centre, geometry.axis_u, geometry.axis_v)
        if self._cullable is None:
            self._index.upload(back_to_front(geometry.centre, view))
        else:
            drawn = facing_splats(geometry, self.camera.eye(), self._cullable)
            self._index.upload(drawn[back_to_front(geometry.centre[drawn], view)])

        width, height = self._size
        target_id = self._internal.id if self._internal else framebuffer
        draw_w, draw_h = (
            (self._internal.width, self._internal.height) if self._internal else self._size
        )
        gl.begin_frame(target_id, draw_w, draw_h, self.background)
        gl.use_program(self._program)
        uniforms = self._uniforms
        uniforms.matrix("u_view_projection", self.camera.projection(width / height) @ view)
        uniforms.vector("u_view_depth", view[2])
        uniforms.scalar("u_focal_px", self.camera.focal_pixels(draw_w, draw_h))
        uniforms.scalar("u_min_sigma_px", MIN_SIGMA_PX)
        uniforms.scalar("u_extent", tier.extent)
        uniforms.scalar("u_coverage", tier.coverage)
        uniforms.sampler("u_geometry", 0)
        uniforms.sampler("u_colour", 1)
        self._geometry.bind(0)
        self._colour.bind(1)
        gl.draw_splats(self._program, self._index)
        if self._internal:
            gl.blit(self._internal, framebuffer, width, height)
        self._after_frame()

    def moves(self, pose: np.ndarray, t: float) -> bool:
        """Whether a frame of `pose` at time `t` would differ from the last one drawn: some
        splat centre moves UNCHANGED_PX or more on screen, or the camera or the size
        changed (always before the first frame)."""
        self._require_tier()
        shown = self._shown
        if shown is None or shown.camera != self.camera or shown.size != self._size:
            return True
        if shown.pixels is None:
            shown.pixels = self.camera.project(shown.centres, *self._size)
        pixels = self.camera.project(self._deformed(pose, t).centre, *self._size)
        return bool(np.abs(pixels - shown.pixels).max() >= UNCHANGED_PX)

    def hold(self) -> None:
        """The last frame drawn stands for this one (`moves` said it would look the same):
        it counts in the frame-rate report as an unchanged frame."""
        self._require_tier()
        self._fps.tick(unchanged=True)

    def read_pixels(self, framebuffer: int = 0) -> np.ndarray:
        """The output as (height, width, 4) uint8 RGBA, top row first."""
        return gl.read_pixels(framebuffer, *self._size)

    def export_png(self, path: str | Path, framebuffer: int = 0) -> None:
        """Save the last rendered frame of `framebuffer` as a PNG file."""
        write_png(path, self.read_pixels(framebuffer))

    # -- internals -----------------------------------------------------------------------

    def _deformed(self, pose: np.ndarray, t: float) -> Geometry:
        """The splats deformed by `pose` with the idle layer at time `t` added."""
        if self._idle is not None:
            pose = self._idle.apply(pose, t)
        return self._deformer.deform(avatar_pose(pose))

    def _after_frame(self) -> None:
        if self._first_frame_pending:
            self._first_frame_pending = False
            gl.finish()
            if self.events.first_frame:
                self.events.first_frame(time.perf_counter() - self._init_started)
        self._fps.tick()

    def _report_fps(self, report: FpsReport) -> None:
        if self.events.fps:
            self.events.fps(report)

    def _require_tier(self) -> Tier:
        if self._tier is None:
            raise RuntimeError("call initialize() with a current GL context first")
        return self._tier
