"""The face's surface is closed where it folds: in close-ups of each bundled avatar's mouth
corners and eyes, drawn with only the parts that make the face there over a magenta
background (the back of the head left out), nothing shows through. Where head rays graze
the folds beside the mouth's corners, too small discs once let the back of the head show
as dark streaks (4381 and 1913 such pixels on the grey avatar); along the eyelid shell's
outer edge, past the lids, no skin covered the shell (a dark arc, 468-1354 pixels an eye)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import front_of, offscreen_context

from avatar_player.avatar.library import BUNDLED, AvatarSpec, load_avatar
from avatar_player.avatar.model import Avatar
from avatar_player.protocol.motion import frame_from_channels
from avatar_player.render.camera import Camera
from avatar_player.render.renderer import AvatarRenderer
from avatar_player.render.tiers import Tier

SIZE = (450, 300)
TIER = Tier("close-up", None, 1.0)
MAGENTA = (1.0, 0.0, 1.0)
MAX_SEEN_THROUGH = 300
"""Pixels per close-up with the background's tint (every avatar has 0-220 now)."""


@pytest.fixture(scope="module")
def context():
    ctx = offscreen_context(*SIZE)
    yield ctx
    ctx.close()


def seen_through(context, avatar: Avatar, camera: Camera, **channels: float) -> int:
    """Pixels of the close-up tinted by the magenta background."""
    renderer = AvatarRenderer(avatar, tier=TIER, camera=camera, idle=False, background=MAGENTA)
    renderer.initialize()
    renderer.resize(*SIZE)
    renderer.render(frame_from_channels(0, 0, **channels).values, 0.0, context.framebuffer.id)
    image = renderer.read_pixels(context.framebuffer.id).astype(int)
    renderer.release()
    return int(np.sum(image[..., 2] > image[..., 1] + 20))


@pytest.mark.parametrize("spec", BUNDLED, ids=lambda spec: spec.avatar_id)
def test_no_background_shows_through_the_mouth_corners(context, spec: AvatarSpec) -> None:
    avatar = load_avatar(spec.avatar_id)
    face = front_of(avatar, ("skin", "lips"))
    for side in (-1, 1):
        corner = avatar.landmark("mouth") + np.array([side * 0.02, 0.004, 0.0])
        camera = Camera(tuple(corner), frame_height=0.016, frame_width=0.024)
        tinted = seen_through(context, face, camera)
        assert tinted < MAX_SEEN_THROUGH, f"{tinted} pixels seen through, side {side}"


@pytest.mark.parametrize("spec", BUNDLED, ids=lambda spec: spec.avatar_id)
def test_no_background_shows_through_round_the_eyes(context, spec: AvatarSpec) -> None:
    avatar = load_avatar(spec.avatar_id)
    face = front_of(avatar, ("skin", "eyelids", "eyes", "brows"))
    for eye in ("eye_left", "eye_right"):
        camera = Camera(tuple(avatar.landmark(eye)), frame_height=0.03, frame_width=0.044)
        for blink in (0.0, 1.0):
            tinted = seen_through(context, face, camera, blink_left=blink, blink_right=blink)
            assert tinted < MAX_SEEN_THROUGH, f"{tinted} pixels seen through, {eye}, {blink=}"
