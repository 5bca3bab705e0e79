"""Idle layer, quality tiers, FPS counter, PNG writer and camera (no GL needed)."""

from __future__ import annotations

import numpy as np
import pytest

from avatar_player.protocol.motion import LAYOUT, neutral_vector
from avatar_player.render.camera import Camera
from avatar_player.render.fps import FpsCounter, FpsReport
from avatar_player.render.idle import IdleMotion
from avatar_player.render.png import encode_png, read_png, write_png
from avatar_player.render.tiers import TIERS, Tier, choose_tier, is_software


def test_idle_motion_is_a_function_of_seed_and_time():
    times = np.arange(0.0, 20.0, 0.04)
    first = np.stack([IdleMotion(7).offsets(t) for t in times])
    queried_backwards = IdleMotion(7)
    backwards = np.stack([queried_backwards.offsets(t) for t in times[::-1]])[::-1]
    np.testing.assert_array_equal(first, backwards)
    other = np.stack([IdleMotion(8).offsets(t) for t in times])
    assert not np.array_equal(first, other)


def test_idle_blinks_at_natural_intervals():
    idle = IdleMotion(3)
    blink = np.array([idle.offsets(t)[LAYOUT["blink_left"]][0] for t in np.arange(0, 60, 0.01)])
    assert blink.max() == pytest.approx(1.0, abs=0.05)
    starts = np.flatnonzero((blink[1:] > 0.5) & (blink[:-1] <= 0.5))
    intervals = np.diff(starts) / 100
    assert 8 <= len(starts) <= 30
    assert intervals.min() > 0.2 and np.median(intervals) > 1.5


def test_idle_breathes_and_sways_a_little_and_adds_to_the_pose():
    idle = IdleMotion(1)
    offsets = np.stack([idle.offsets(t) for t in np.arange(0, 30, 0.1)])
    rise = offsets[:, LAYOUT["translation"]][:, 1]
    assert 0.0005 < rise.max() - rise.min() < 0.003
    rotation = offsets[:, LAYOUT["rotation"]]
    assert 0.005 < np.abs(rotation).max() < 0.05
    assert np.all(offsets[:, LAYOUT["jaw_open"]] == 0.0)
    rest = neutral_vector()
    np.testing.assert_allclose(idle.apply(rest, 2.0), idle.offsets(2.0))


def test_under_a_response_pose_the_idle_layer_leaves_blinks_and_gaze_to_it():
    idle = IdleMotion(3)
    times = np.arange(0, 60, 0.01)
    speaking = neutral_vector()
    speaking[LAYOUT["jaw_open"]] = 0.5
    under = np.stack([idle.apply(speaking, t) - speaking for t in times])
    alone = np.stack([idle.offsets(t) for t in times])
    assert alone[:, LAYOUT["blink_left"]].max() > 0.9  # the idle layer blinks at rest
    assert np.abs(alone[:, LAYOUT["eye_pose"]]).max() > 0.02  # and looks around
    for gesture in ("blink_left", "blink_right", "eye_pose"):
        assert np.all(under[:, LAYOUT[gesture]] == 0.0), gesture
    # Breathing and sway go on under speech.
    for kept in ("translation", "rotation"):
        np.testing.assert_allclose(under[:, LAYOUT[kept]], alone[:, LAYOUT[kept]], atol=1e-7)


@pytest.mark.parametrize(
    ("renderer", "software"),
    [
        ("llvmpipe (LLVM 15.0.6, 256 bits)", True),
        ("SwiftShader Device (Subzero)", True),
        ("Microsoft Basic Render Driver", True),
        ("NVIDIA GeForce RTX 4070/PCIe/SSE2", False),
        ("Apple M2", False),
        ("AMD Radeon Graphics (radeonsi, gfx1103, LLVM 15.0.7)", False),
    ],
)
def test_tier_follows_the_renderer(renderer, software):
    assert is_software(renderer) is software
    assert choose_tier(renderer).name == ("low" if software else "full")


def test_user_tier_overrides_the_renderer():
    assert choose_tier("llvmpipe", "full") is TIERS["full"]
    custom = Tier("custom", 1000, 1.0)
    assert choose_tier("NVIDIA", custom) is custom
    with pytest.raises(ValueError, match="unknown quality tier"):
        choose_tier("llvmpipe", "ultra")


def test_fps_counter_reports_about_once_a_second():
    now = [0.0]
    reports: list[FpsReport] = []
    counter = FpsCounter(25.0, reports.append, clock=lambda: now[0])
    for _ in range(80):  # 80 frames at 50 ms: 4 s at 20 fps
        counter.tick()
        now[0] += 0.05
    assert len(reports) == 3
    assert all(r.expected_fps == 25.0 and r.actual_fps == pytest.approx(20.0) for r in reports)
    assert all(r.interval_s == pytest.approx(1.0, abs=0.051) for r in reports)


def test_fps_counter_counts_the_frames_that_repeated_the_last_picture():
    now = [0.0]
    reports: list[FpsReport] = []
    counter = FpsCounter(16.0, reports.append, clock=lambda: now[0])
    for frame in range(33):  # 2 s at 16 fps, every fourth frame drawn
        counter.tick(unchanged=frame % 4 != 0)
        now[0] += 1 / 16
    assert [r.frames for r in reports] == [16, 16]
    assert [r.unchanged for r in reports] == [12, 12]
    assert all(r.dropped_frames == 0 for r in reports)


def test_png_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (9, 13, 4), dtype=np.uint8)
    write_png(tmp_path / "x.png", image)
    np.testing.assert_array_equal(read_png(tmp_path / "x.png"), image)
    assert encode_png(image).startswith(b"\x89PNG\r\n\x1a\n")


def test_camera_projects_the_target_to_the_centre_and_keeps_the_width():
    camera = Camera.bust()
    centre = camera.project(np.array([camera.target]), 640, 360)[0]
    np.testing.assert_allclose(centre, [320, 180], atol=1e-6)
    # A portrait viewport still shows the whole frame width.
    x, y, z = camera.target
    edges = camera.project(
        np.array([[x - camera.frame_width / 2, y, z], [x + camera.frame_width / 2, y, z]]), 200, 400
    )
    assert edges[0][0] >= -1e-6 and edges[1][0] <= 200 + 1e-6
