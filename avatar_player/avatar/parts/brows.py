"""Eyebrows: short elongated hair splats along an arch, lying on the skin."""

from __future__ import annotations

import numpy as np

from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import HEAD_CENTRE, Anatomy
from avatar_player.avatar.expression_shapes import expression_deltas
from avatar_player.avatar.lighting import shade
from avatar_player.avatar.parts.part import Part
from avatar_player.avatar.parts.skin import skin_sdf
from avatar_player.avatar.sampling import fibonacci_square
from avatar_player.avatar.sdf import cast_rays, normals
from avatar_player.avatar.splats import discs
from avatar_player.avatar.style import AvatarStyle

BROW_SHAPE: dict[str, tuple[float, float]] = {"female": (0.8, 1.3), "male": (1.3, 0.65)}
"""Sex -> (thickness, arch height) of the brows, relative: heavier and flatter in men."""
BROW_OPACITY: dict[str, float] = {"young": 0.85, "adult": 0.85, "senior": 0.7}
"""Brows thin out with age."""


def build_brows(a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int) -> Part:
    """Both brows, `count` splats each."""
    sdf = skin_sdf(a)
    along, across = fibonacci_square(2 * count, rng).T
    side = np.where(np.arange(2 * count) % 2 == 0, 1.0, -1.0)
    x = side * (a.eye_x - 0.018 + 0.041 * along) * a.face_width
    bold, lift = BROW_SHAPE[style.sex]
    rise = 0.0065 * lift * np.sin(np.pi * np.clip(along * 1.15, 0.0, 1.0) ** 0.8)
    arch = a.eye_y + 0.0165 + rise
    thickness = (0.0052 * (1.0 - 0.6 * along**1.5) + 0.0008) * bold
    y = arch + (across - 0.5) * thickness - 0.004 * along**3
    target = np.column_stack([x, y, np.full_like(x, 0.1)])
    origin = np.asarray(HEAD_CENTRE)
    direction = target / np.linalg.norm(target, axis=1, keepdims=True)
    t = cast_rays(sdf, origin, direction, 0.2)
    normal = normals(sdf, origin + t[:, None] * direction)
    centre = origin + t[:, None] * direction + 5e-4 * normal

    tangent = np.column_stack([side, -0.25 * along, np.zeros_like(x)])
    up = np.column_stack([0.25 * side, np.ones_like(x), np.zeros_like(x)])
    hair_direction = up + (tangent - up) * ex.smoothstep(0.05, 0.35, along)[:, None]
    edge = 1.0 - np.abs(2 * across - 1.0) ** 3
    shade_noise = 1.0 + 0.25 * rng.standard_normal((len(x), 1))
    colour = shade(style.strand_rgb(rng, len(x)) * 0.85 * shade_noise, normal, wrap=0.4)
    splats = discs(
        centre,
        normal,
        0.65 * np.sqrt(0.041 * thickness / count),
        colour,
        opacity=BROW_OPACITY[style.age] * edge * (1.0 - 0.5 * along**2),
        along=hair_direction,
        stretch=2.2,
    )
    deltas = {"brow_up": ex.follow(ex.brow_mask(a, centre), ex.BROW_RAISE)}
    return Part("brows", splats, deltas | expression_deltas(a, centre))
