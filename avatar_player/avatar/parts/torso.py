"""Shoulders and chest in a shirt with a round neckline (the neck's base shows above it)."""

from __future__ import annotations

import numpy as np

from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import Anatomy
from avatar_player.avatar.lighting import shade, soft_shadow
from avatar_player.avatar.parts.part import Part
from avatar_player.avatar.parts.skin import skin_sdf
from avatar_player.avatar.sampling import fibonacci_sphere
from avatar_player.avatar.sdf import (
    Sdf,
    ambient_occlusion,
    cast_rays,
    ellipsoid,
    normals,
    smooth_union,
    union,
    vertical_cylinder,
)
from avatar_player.avatar.splats import discs
from avatar_player.avatar.style import AvatarStyle

TORSO_CENTRE = np.array([0.0, -0.3, -0.01])
BOTTOM = -0.52


def torso_sdf() -> Sdf:
    """Shoulders, chest and the base of the neck."""
    return smooth_union(
        0.05,
        ellipsoid((0.0, -0.225, -0.02), (0.19, 0.065, 0.095)),
        ellipsoid((0.0, -0.33, -0.008), (0.165, 0.15, 0.095)),
        vertical_cylinder((0.0, -0.012), (0.056, 0.06), (-0.4, -0.12)),
    )


def build_torso(a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int) -> Part:
    """The torso from `count` rays from the chest centre (those under the head dropped)."""
    sdf = torso_sdf()
    direction = fibonacci_sphere(count, rng)
    t = cast_rays(sdf, TORSO_CENTRE, direction, 0.4)
    p = TORSO_CENTRE + t[:, None] * direction
    n = normals(sdf, p)
    area = t * t * 4 * np.pi / count / np.maximum(np.sum(n * direction, axis=1), 0.25)
    keep = (p[:, 1] > BOTTOM) & (p[:, 1] < -0.13)
    p, n, area = p[keep], n[keep], area[keep]

    x, y, z = p.T
    neckline = -0.14 - 0.025 * np.clip(1.0 - (x / 0.07) ** 2, 0.0, 1.0) * (z > 0)
    skin = ex.smoothstep(neckline - 0.001, neckline + 0.001, y)
    hem = np.exp(-(((y - neckline) / 0.003) ** 2))
    folds = 1.0 + 0.05 * np.sin(60 * x + 25 * y) * np.sin(40 * y)
    shirt = style.shirt_rgb * (folds * (1.0 - 0.35 * hem))[:, None]
    albedo = shirt + (style.skin_rgb * 0.93 - shirt) * skin[:, None]
    colour = shade(
        albedo * (1.0 + 0.02 * rng.standard_normal((len(p), 1))),
        n,
        occlusion=ambient_occlusion(sdf, p, n, reach=0.03),
        shadow=soft_shadow(union(sdf, skin_sdf(a)), p, n),
        wrap=0.25,
    )
    return Part("torso", discs(p, n, 0.6 * np.sqrt(area), colour, head_weight=0.0))
