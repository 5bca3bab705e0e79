"""The articulation blendshapes on rendered frames (headless EGL, no Qt): lips pressed,
lip funnel, lower lip tucked under the upper teeth, tongue tip up, measured from the
pixels of a mouth close-up of every bundled avatar; and an older asset without these
blendshapes still renders, ignoring their weights."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import offscreen_context

from avatar_player.avatar.asset import load_avatar_dir, save_avatar
from avatar_player.avatar.library import BUNDLED, load_avatar
from avatar_player.avatar.model import BLENDSHAPES, JAW_CORRECTED
from avatar_player.protocol.motion import frame_from_channels
from avatar_player.render.lipsync import (
    MouthPixels,
    lip_gap,
    mouth_camera,
    mouth_pixels,
    mouth_region,
    opening_size,
)
from avatar_player.render.offscreen import OffscreenContext
from avatar_player.render.renderer import AvatarRenderer
from avatar_player.render.tiers import Tier

WIDTH, HEIGHT = 240, 150
"""About 3 pixels per millimetre at the mouth."""
TIER = Tier("mouth-close-up", None, 1.0)
"""Every splat: a thinned mouth part blends the dark cavity with the tongue."""
MIDDLE = 20
"""Half-width (pixels) of the middle columns where teeth, lip and tongue rows are read."""
ARTICULATION_CHANNELS = ("lips_press", "lip_funnel", "lip_tuck", "tongue_up")


@pytest.fixture(scope="module")
def context():
    ctx = offscreen_context(WIDTH, HEIGHT)
    yield ctx
    ctx.close()


class MouthShot:
    """Renders one avatar's mouth close-up for named channel values."""

    def __init__(self, context: OffscreenContext, avatar) -> None:
        self._context = context
        self.camera = mouth_camera(avatar)
        self.renderer = AvatarRenderer(avatar, tier=TIER, camera=self.camera, idle=False)
        self.renderer.initialize()
        self.renderer.resize(WIDTH, HEIGHT)
        self.region = mouth_region(avatar, self.camera, WIDTH, HEIGHT)
        mouth_row = self.camera.project(avatar.landmark("mouth")[None], WIDTH, HEIGHT)[0, 1]
        self.line_row = round(mouth_row) - self.region[0].start
        """Row (in the region) of the line between the lips at rest."""

    def rgba(self, **channels: float) -> np.ndarray:
        frame = frame_from_channels(0, 0, **channels)
        self.renderer.render(frame.values, 0.0, self._context.framebuffer.id)
        return self.renderer.read_pixels(self._context.framebuffer.id)

    def __call__(self, **channels: float) -> MouthPixels:
        return mouth_pixels(self.rgba(**channels), self.region)


@pytest.fixture(scope="module", params=[spec.avatar_id for spec in BUNDLED])
def shot(request, context):
    mouth = MouthShot(context, load_avatar(request.param))
    yield mouth
    mouth.renderer.release()


def middle_rows(mask: np.ndarray) -> np.ndarray:
    """Rows where most of the middle columns are set."""
    centre = mask.shape[1] // 2
    return np.flatnonzero(mask[:, centre - MIDDLE : centre + MIDDLE].mean(axis=1) > 0.5)


def test_pressed_lips_close_against_a_slightly_open_jaw(shot):
    rest = lip_gap(shot())
    opened = lip_gap(shot(jaw_open=0.15))
    assert opened > rest + 4.0, (rest, opened)
    for jaw in (0.15, 0.3):
        pressed = lip_gap(shot(jaw_open=jaw, lips_press=1.0))
        # Near zero: no more than the crease of the closed mouth at rest.
        assert pressed <= rest + 0.5, (jaw, rest, pressed)
    assert shot(jaw_open=0.15, lips_press=1.0).teeth.sum() == 0


def test_funnel_narrows_and_rounds_the_mouth(shot):
    plain, funnel = shot(jaw_open=0.3), shot(jaw_open=0.3, lip_funnel=1.0)
    (plain_width, plain_height), (width, height) = opening_size(plain), opening_size(funnel)
    assert width < 0.6 * plain_width, (plain_width, width)
    assert height / width > 2.5 * plain_height / plain_width, (plain_height, height)
    lips_width = np.any(funnel.lips, axis=0).sum()
    assert lips_width < 0.92 * np.any(plain.lips, axis=0).sum()


def test_tuck_shows_the_upper_teeth_over_the_lower_lip(shot):
    rest, tuck = shot(), shot(jaw_open=0.1, lip_tuck=1.0)
    assert rest.teeth.sum() < 20 and tuck.teeth.sum() > 500
    line = shot.line_row
    red_rows = len(middle_rows(tuck.lips[line:]))
    assert red_rows < 0.75 * len(middle_rows(rest.lips[line:]))
    teeth, lower_lip = middle_rows(tuck.teeth), middle_rows(tuck.lips[line:]) + line
    assert teeth.max() > line, "the teeth cover where the lower lip's red was"
    assert 0 < lower_lip.min() - teeth.max() <= 4, "the lower lip lies under the teeth"


def test_tongue_up_shows_the_tongue_under_the_upper_teeth(shot):
    plain, raised = shot(jaw_open=0.5), shot(jaw_open=0.5, tongue_up=1.0)
    assert plain.tongue.sum() < 20 and raised.tongue.sum() > 500
    teeth, tongue = middle_rows(raised.teeth), middle_rows(raised.tongue)
    assert 0 < tongue.min() - teeth.max() <= 3, (teeth.max(), tongue.min())
    assert lip_gap(raised) < 0.7 * lip_gap(plain), "the tongue fills the opening"


def test_an_asset_without_the_articulation_shapes_renders_and_ignores_them(context, tmp_path):
    avatar = load_avatar("demo-avatar")
    older = [name for name in BLENDSHAPES if name not in ARTICULATION_CHANNELS]
    older = [name for name in older if name.removesuffix("_jaw") not in JAW_CORRECTED]
    save_avatar(
        dataclasses.replace(
            avatar,
            info=dataclasses.replace(avatar.info, blendshapes=tuple(older)),
            blendshapes={name: avatar.blendshapes[name] for name in older},
        ),
        tmp_path / "older",
    )
    loaded = load_avatar_dir(tmp_path / "older")
    assert set(loaded.blendshapes) == set(older)
    shot = MouthShot(context, loaded)
    try:
        plain = shot.rgba(jaw_open=0.3)
        articulated = shot.rgba(jaw_open=0.3, **dict.fromkeys(ARTICULATION_CHANNELS, 1.0))
    finally:
        shot.renderer.release()
    np.testing.assert_array_equal(plain, articulated)
    assert lip_gap(mouth_pixels(plain, shot.region)) > 5.0


def test_generated_bilabial_closures_render_as_closed_lips(context):
    """End to end: Piper speaks a sentence, the generator (phone recognition on) presses the
    lips; at every frame it presses them, the rendered lips meet (no gap beyond the rest
    crease, no teeth), and its open vowels render open."""
    pytest.importorskip("piper")
    from piper_speech import RATE, synthesized

    from avatar_player.motion import MotionGenerator

    generator = MotionGenerator(RATE)
    pcm = synthesized("Bob put the map in the box, please.")
    frames = generator.push(pcm) + generator.finish()
    pressed = [f for f in frames if f.scalar("lips_press") > 0.9]
    opened = [f for f in frames if f.scalar("jaw_open") > 0.3 and f.scalar("lips_press") < 0.1]
    assert len(pressed) >= 3 and opened, "closures and open vowels to look at"
    shot = MouthShot(context, load_avatar("demo-avatar"))
    try:
        rest = lip_gap(shot())

        def rendered(frame) -> MouthPixels:
            # The whole generated frame (head turn and gaze included), at the mouth close-up.
            shot.renderer.render(frame.values, 0.0, context.framebuffer.id)
            rgba = shot.renderer.read_pixels(context.framebuffer.id)
            return mouth_pixels(rgba, shot.region)

        gaps = [lip_gap(rendered(frame)) for frame in pressed]
        print(f"rest crease {rest:.1f} px; lip gap at the generated closures {np.round(gaps, 1)}")
        assert max(gaps) <= rest + 1.0, (rest, gaps)
        assert max(rendered(frame).teeth.sum() for frame in pressed) < 20
        assert max(lip_gap(rendered(frame)) for frame in opened) > rest + 4.0
    finally:
        shot.renderer.release()
