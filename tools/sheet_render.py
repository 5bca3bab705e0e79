"""Shared by the review sheets (tools/viseme_sheet.py, tools/contact_sheet.py): choose
bundled avatars, load or build them, and render motion vectors headless (EGL) at the full
tier with no idle layer. Uses only APIs that older checkouts have too, so a sheet of the
code before a change can be made with PYTHONPATH pointing at that checkout.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np

from avatar_player.avatar.head import build_avatar
from avatar_player.avatar.library import BUNDLED, load_avatar
from avatar_player.avatar.model import Avatar
from avatar_player.render.camera import Camera
from avatar_player.render.offscreen import OffscreenContext
from avatar_player.render.renderer import AvatarRenderer
from avatar_player.render.tiers import TIERS


def add_avatar_arguments(parser: argparse.ArgumentParser) -> None:
    """The avatar ids (default: all bundled) and --generate."""
    parser.add_argument("ids", nargs="*", help="avatar ids (default: all bundled)")
    parser.add_argument(
        "--generate", action="store_true", help="build the avatars from the current code"
    )


def chosen_avatars(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Avatar]:
    """The avatars `args` names (stored, or built with --generate); unknown ids are a
    usage error."""
    unknown = set(args.ids) - {spec.avatar_id for spec in BUNDLED}
    if unknown:
        parser.error(f"unknown avatar ids: {', '.join(sorted(unknown))}")
    return [
        build_avatar(spec.avatar_id, spec.name, spec.seed)
        if args.generate
        else load_avatar(spec.avatar_id)
        for spec in BUNDLED
        if not args.ids or spec.avatar_id in args.ids
    ]


def render_poses(
    context: OffscreenContext,
    avatar: Avatar,
    camera: Camera,
    size: tuple[int, int],
    vectors: list[np.ndarray],
) -> list[np.ndarray]:
    """One (h, w, 3) image per motion vector, the avatar at full detail with no idle layer
    (`context` must be at least `size`)."""
    renderer = AvatarRenderer(avatar, tier=TIERS["full"], camera=camera, idle=False)
    renderer.initialize()
    renderer.resize(*size)
    tiles = []
    for vector in vectors:
        renderer.render(vector, 0.0, context.framebuffer.id)
        tiles.append(renderer.read_pixels(context.framebuffer.id)[..., :3].copy())
    renderer.release()
    return tiles
