"""The renderer under a headless EGL context (no Qt): golden images, mouth opening,
determinism, events, export.

Regenerate the goldens after an intended visual change:
    AVATAR_UPDATE_GOLDENS=1 python -m pytest tests/test_render_gl.py
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import offscreen_context

from avatar_player.avatar.library import load_avatar
from avatar_player.protocol.motion import LAYOUT, neutral_vector
from avatar_player.render.camera import Camera
from avatar_player.render.fps import FpsReport
from avatar_player.render.lipsync import mouth_opening, mouth_region
from avatar_player.render.png import read_png, write_png
from avatar_player.render.renderer import AvatarRenderer, RenderEvents
from avatar_player.render.tiers import Tier

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_GOLDENS = os.environ.get("AVATAR_UPDATE_GOLDENS") == "1"
WIDTH, HEIGHT = 320, 180
POSES = {
    "neutral": {},
    "jaw_open": {"jaw_open": 1.0},
    "blink": {"blink_left": 1.0, "blink_right": 1.0},
}
FACE_TIER = Tier("test-face", 15_000, 1.0)
"""Low-tier splats at full resolution: the mouth needs pixels in close-ups."""


def pose(**channels: float) -> np.ndarray:
    values = neutral_vector()
    for name, value in channels.items():
        values[LAYOUT[name]] = value
    return values


@pytest.fixture(scope="module")
def context():
    ctx = offscreen_context(WIDTH, HEIGHT)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def avatar():
    return load_avatar("demo-avatar")


def render(context, avatar, vector, *, tier="low", camera=None, **options) -> np.ndarray:
    renderer = AvatarRenderer(avatar, tier=tier, camera=camera, idle=False, **options)
    renderer.initialize()
    renderer.resize(context.width, context.height)
    renderer.render(vector, 0.0, context.framebuffer.id)
    pixels = renderer.read_pixels(context.framebuffer.id)
    renderer.release()
    return pixels


@pytest.mark.parametrize("name", POSES)
def test_golden_image(context, avatar, name):
    pixels = render(context, avatar, pose(**POSES[name]))
    path = GOLDEN_DIR / f"demo-avatar_low_{name}.png"
    if UPDATE_GOLDENS:
        write_png(path, pixels)
        pytest.skip(f"golden written: {path}")
    golden = read_png(path).astype(np.int16)
    difference = np.abs(pixels.astype(np.int16) - golden)[..., :3]
    assert difference.mean() < 1.5
    assert np.mean(difference.max(axis=2) > 24) < 0.005


def test_goldens_differ_where_the_pose_differs():
    images = {name: read_png(GOLDEN_DIR / f"demo-avatar_low_{name}.png") for name in POSES}
    for name in ("jaw_open", "blink"):
        changed = np.abs(images[name].astype(int) - images["neutral"]).max(axis=2) > 30
        assert 10 < changed.sum() < 0.05 * WIDTH * HEIGHT, name


def test_mouth_dark_area_grows_with_jaw_opening(context, avatar):
    camera = Camera.face()
    region = mouth_region(avatar, camera, WIDTH, HEIGHT)
    openings = [
        mouth_opening(
            render(context, avatar, pose(jaw_open=jaw), tier=FACE_TIER, camera=camera), region
        )
        for jaw in (0.0, 0.25, 0.5, 1.0)
    ]
    assert all(b > a + 20 for a, b in itertools.pairwise(openings)), openings


def test_blink_closes_the_eyes(context, avatar):
    camera = Camera(target=(0.0, 0.0, 0.07), frame_height=0.05, frame_width=0.1)
    opened = render(context, avatar, pose(), tier=FACE_TIER, camera=camera)
    closed = render(
        context, avatar, pose(blink_left=1.0, blink_right=1.0), tier=FACE_TIER, camera=camera
    )

    # The whites of the eyes (bright, not skin-coloured) show open and are covered closed.
    def white(rgba: np.ndarray) -> int:
        rgb = rgba[..., :3].astype(int)
        luma = rgb @ np.array([0.299, 0.587, 0.114])
        return int(np.sum((luma > 110) & (rgb[..., 0] - rgb[..., 2] < 30)))

    assert white(opened) > 150
    assert white(closed) == 0


def test_rendering_is_deterministic(context, avatar):
    vector = pose(jaw_open=0.4, mouth_wide=0.3, rotation=[0.05, 0.1, 0.0])
    first = render(context, avatar, vector)
    second = render(context, avatar, vector)
    np.testing.assert_array_equal(first, second)


def test_idle_layer_moves_the_avatar_deterministically(context, avatar):
    def at(t: float) -> np.ndarray:
        renderer = AvatarRenderer(avatar, tier="minimal")
        renderer.initialize()
        renderer.resize(WIDTH, HEIGHT)
        renderer.render(neutral_vector(), t, context.framebuffer.id)
        pixels = renderer.read_pixels(context.framebuffer.id)
        renderer.release()
        return pixels

    np.testing.assert_array_equal(at(3.0), at(3.0))
    assert not np.array_equal(at(3.0), at(5.5))


def test_software_renderer_gets_the_low_tier_and_events_fire(context, avatar, tmp_path):
    first_frame: list[float] = []
    reports: list[FpsReport] = []
    events = RenderEvents(first_frame=first_frame.append, fps=reports.append)
    renderer = AvatarRenderer(avatar, events=events, idle=False)
    renderer.initialize()
    renderer.resize(WIDTH, HEIGHT)
    assert "llvmpipe" not in renderer.renderer_name.lower() or renderer.tier.name == "low"
    assert renderer.splat_count <= (renderer.tier.budget or avatar.info.splat_count)
    for i in range(3):
        renderer.render(neutral_vector(), i / 25, context.framebuffer.id)
    assert len(first_frame) == 1 and 0.0 < first_frame[0] < 10.0
    renderer.export_png(tmp_path / "frame.png", context.framebuffer.id)
    exported = read_png(tmp_path / "frame.png")
    assert exported.shape == (HEIGHT, WIDTH, 4)
    np.testing.assert_array_equal(exported, renderer.read_pixels(context.framebuffer.id))
    renderer.release()


def test_a_frame_that_would_look_the_same_is_told_apart_from_one_that_moves(context, avatar):
    """`moves`: the same pose, or one that moves no splat a quarter of a pixel, would look
    like the last frame drawn; a visible change, another size or camera would not."""
    renderer = AvatarRenderer(avatar, tier="low", idle=False)
    renderer.initialize()
    renderer.resize(WIDTH, HEIGHT)
    assert renderer.moves(neutral_vector(), 0.0), "nothing drawn yet"
    renderer.render(neutral_vector(), 0.0, context.framebuffer.id)
    assert not renderer.moves(neutral_vector(), 7.0)
    assert not renderer.moves(pose(jaw_open=0.001), 0.0)
    assert renderer.moves(pose(jaw_open=0.3), 0.0)
    renderer.camera = Camera.face()
    assert renderer.moves(neutral_vector(), 0.0)
    renderer.camera = Camera.bust()
    renderer.resize(WIDTH // 2, HEIGHT // 2)
    assert renderer.moves(neutral_vector(), 0.0)
    renderer.release()


def test_resize_renders_the_whole_target(context, avatar):
    renderer = AvatarRenderer(avatar, tier="low", idle=False)
    renderer.initialize()
    renderer.resize(160, 90)
    renderer.render(neutral_vector(), 0.0, context.framebuffer.id)
    small = renderer.read_pixels(context.framebuffer.id)
    renderer.release()
    assert small.shape == (90, 160, 4)
    skin = small[..., 0].astype(int) - small[..., 2] > 40
    rows, columns = np.nonzero(skin)
    assert 40 < columns.mean() < 120 and 10 < rows.mean() < 80


def test_render_needs_initialize(avatar):
    renderer = AvatarRenderer(avatar)
    with pytest.raises(RuntimeError, match="initialize"):
        renderer.render(neutral_vector(), 0.0)
