"""Shoulders and chest in a shirt with a round neckline (the neck's base shows above it):
sloping shoulders, a ribbed collar band along the neckline, a few soft folds."""

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
    capsule,
    cast_rays,
    ellipsoid,
    normals,
    smooth_union,
    trace_rays,
    union,
    vertical_cylinder,
)
from avatar_player.avatar.splats import SplatSet, discs
from avatar_player.avatar.style import AvatarStyle

NECK_Z = -0.022
"""Depth of the neck's axis (skin.py's neck cylinder)."""
COLLAR_ROWS = 4
"""Rows of splats across the collar band."""
COLLAR_WIDTH = 0.007
COLLAR_PROUD = 2.5e-3
"""How far the collar band stands off the shirt's surface (a knit band's thickness): in
front of the merged discs of the reduced tiers, whose centres can lie nearer the camera
than a thinner band's (at 1.2 mm the neck's skin showed over the band)."""
COLLAR_SPREAD, BAND_STRETCH = 0.6, 1.4
"""A collar disc's size across the band in row spacings, and how much longer it is
along the band than across it."""
COLLAR_REACH = 0.012
"""How far beyond the neck's radius the neck's skin shows at the sides and back."""
FRONT_REACH = 0.08
"""Extra reach in front (the scoop of the neckline goes down the chest)."""
COLLAR_ARC = np.radians(75.0)
"""The collar band runs this far round the neck from the front, each way."""
NECKLINE_SIDE, NECKLINE_FRONT = 0.04, -0.012
"""The neckline's height above the sternum at the sides and back (where the shoulders
meet the neck) and at the bottom of its scoop in front."""
SHOULDER_DROP = 0.05
"""How far the shoulder's edge lies below the sternum's top: the trapezius slopes about 22
degrees from the neck. The deltoid and upper arm are 42-44 mm round and join the chest with
a 40 mm blend; with 30 mm of drop (15 degrees), 50 mm deltoids and a 45 mm blend the
shoulders stood up as round balls (a puffy T-shirt). Biacromial / head breadth went from
2.52-2.70 to 2.41-2.62 (norms: tests/test_avatar_proportions.py)."""
FOLDS = (
    ((0.88, -0.1), (0.58, -0.3), 0.0022),
    ((0.62, -0.15), (0.44, -0.32), 0.0016),
    ((0.3, -0.055), (0.2, -0.13), 0.0012),
)
"""Folds as ridges in the shirt: (start, end, height), x in shoulder widths, y below the
sternum; mirrored to both sides. They drape down from the shoulders and the collar and
stop short of the middle (mirrored folds meeting there would read as an X)."""


def torso_sdf(a: Anatomy) -> Sdf:
    """Shoulders sloping down from the neck's base, the chest and the base of the neck."""
    s, top = a.shoulder_width, a.sternum_y
    acromion = top - SHOULDER_DROP
    sides = [
        shape
        for side in (1.0, -1.0)
        for shape in (
            capsule(
                (side * 0.035, top + 0.008, -0.035),
                (side * (s - 0.01), acromion, -0.022),
                (0.035, 0.042),
            ),
            capsule(
                (side * (s - 0.01), acromion, -0.022), (side * s, top - 0.3, -0.03), (0.044, 0.039)
            ),
        )
    ]
    neck = vertical_cylinder(
        (0.0, NECK_Z), (a.neck_radii[0] + 0.003, a.neck_radii[1] + 0.003), (top - 0.1, top + 0.04)
    )
    return smooth_union(
        0.04, ellipsoid((0.0, top - 0.165, -0.012), (0.9 * s, 0.175, 0.1)), *sides, neck
    )


def _neck_azimuth(p: np.ndarray) -> np.ndarray:
    """Each point's angle round the neck's axis (0: straight ahead, +: toward +x)."""
    return np.arctan2(p[:, 0], p[:, 2] - NECK_Z)


def _front(azimuth: np.ndarray) -> np.ndarray:
    """1 straight ahead of the neck, falling to 0 at the sides and behind."""
    return np.clip(np.cos(azimuth), 0.0, 1.0)


def neckline(a: Anatomy, azimuth: np.ndarray) -> np.ndarray:
    """Height of the shirt's neckline round the neck at each azimuth: a smooth round neck,
    lowest in front."""
    drop = (NECKLINE_SIDE - NECKLINE_FRONT) * _front(azimuth) ** 1.5
    return a.sternum_y + NECKLINE_SIDE - drop


def _fold_height(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """Height (metres) of the shirt's folds at each point: soft ridges between points."""
    xy = np.column_stack([np.abs(p[:, 0]) / a.shoulder_width, p[:, 1] - a.sternum_y])
    height = np.zeros(len(p))
    for start, end, amount in FOLDS:
        s, e = np.array(start), np.array(end)
        axis = e - s
        along = np.clip((xy - s) @ axis / (axis @ axis), 0.0, 1.0)
        offset = (xy - s - along[:, None] * axis) * [a.shoulder_width, 1.0]
        taper = np.sin(np.pi * along)
        height += amount * taper * np.exp(-np.sum(offset**2, axis=1) / 0.012**2)
    return height


def _folded(a: Anatomy, p: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Normals tilted by the folds' slopes (folds shaded, not modelled)."""
    eps = 1e-3
    slope = np.column_stack(
        [
            _fold_height(a, p + offset) - _fold_height(a, p - offset)
            for offset in np.eye(3)[:2] * eps
        ]
    ) / (2 * eps)
    tilted = n - np.column_stack([slope, np.zeros(len(p))])
    return tilted / np.linalg.norm(tilted, axis=1, keepdims=True)


def _collar(a: Anatomy, style: AvatarStyle, sdf: Sdf, count: int) -> SplatSet:
    """A ribbed band along the neckline, just proud of the surface: the neckline's edge
    is drawn by these small splats, so it stays clean whatever the torso's splat size."""
    per_row = max(8, count // COLLAR_ROWS)
    # The front and the sides: behind the neck the band would only show where it passes
    # the neck's silhouette, standing off it above the shoulders' back.
    angle = np.tile(np.linspace(-COLLAR_ARC, COLLAR_ARC, per_row), COLLAR_ROWS)
    row = np.repeat(np.arange(COLLAR_ROWS), per_row) / max(COLLAR_ROWS - 1, 1) - 0.5
    direction = np.column_stack([np.sin(angle), np.zeros_like(angle), np.cos(angle)])
    height = neckline(a, angle) + row * COLLAR_WIDTH
    centre = np.column_stack([np.zeros_like(angle), height, np.full_like(angle, NECK_Z)])
    t = cast_rays(sdf, centre, direction, 0.2)
    p = centre + t[:, None] * direction
    # Where the surface at the neckline's height lies beyond the collar's reach (out on
    # the shoulders' tops), the band runs at the reach, down on the surface from above.
    reach = collar_reach(a, angle)
    beyond = t > reach
    above = centre[beyond] + reach[beyond, None] * direction[beyond] + [0.0, 0.1, 0.0]
    drop = trace_rays(sdf, above, np.tile([0.0, -1.0, 0.0], (len(above), 1)), 0.2)
    p[beyond] = above + np.where(np.isfinite(drop), drop, 0.1)[:, None] * [0.0, -1.0, 0.0]
    n = normals(sdf, p)
    p += n * COLLAR_PROUD
    tangent = np.cross(n, [0.0, 1.0, 0.0])
    rib = 1.0 + 0.06 * np.sin(angle * 90.0)
    colour = shade(style.shirt_rgb * (0.9 * rib)[:, None], n, wrap=0.25)
    # Discs long along the band (a clean edge), each reaching over the rows beside it
    # (thinner rows left the skin under the band showing between them: dashed lines).
    sigma = COLLAR_SPREAD * COLLAR_WIDTH / (COLLAR_ROWS - 1) * BAND_STRETCH
    return discs(p, n, sigma, colour, head_weight=0.0, along=tangent, stretch=BAND_STRETCH)


def collar_reach(a: Anatomy, angle: np.ndarray) -> np.ndarray:
    """How far from the neck's axis the neck's skin shows, per azimuth (0: front): just
    past the neck at the sides and back, so the shirt covers the shoulders' tops that rise
    above the neckline's height there; unbounded in front, where the neckline scoops."""
    return a.neck_radii[0] + COLLAR_REACH + FRONT_REACH * _front(angle) ** 2


def _neck_skin(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """0..1 per point: the neck's skin, not the shirt: above the neckline's height and
    within the collar's reach of the neck's axis."""
    azimuth = _neck_azimuth(p)
    reach = collar_reach(a, azimuth)
    inside = ex.smoothstep(reach + 0.002, reach, np.hypot(p[:, 0], p[:, 2] - NECK_Z))
    line = neckline(a, azimuth)
    return inside * ex.smoothstep(line - 0.001, line + 0.001, p[:, 1])


def build_torso(a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int) -> list[Part]:
    """The shirt ("torso") from `count` rays from the chest centre (those under the head
    dropped), the skin its neckline shows ("chest") and its collar band ("collar"): parts
    of their own, so reduced tiers merge each only with itself and the neckline stays a
    clean band (merged together, skin and shirt discs spread over it as blobs)."""
    sdf = torso_sdf(a)
    centre = np.array([0.0, a.sternum_y - 0.13, -0.01])
    direction = fibonacci_sphere(count, rng)
    t = cast_rays(sdf, centre, direction, 0.4)
    p = centre + t[:, None] * direction
    n = normals(sdf, p)
    area = t * t * 4 * np.pi / count / np.maximum(np.sum(n * direction, axis=1), 0.25)
    keep = (p[:, 1] > a.sternum_y - 0.34) & (p[:, 1] < a.sternum_y + 0.035)
    p, n, area = p[keep], n[keep], area[keep]

    skin = _neck_skin(a, p)
    shading_normal = _folded(a, p, n)
    shirt = np.broadcast_to(style.shirt_rgb, p.shape)
    albedo = shirt + (style.skin_rgb * 0.93 - shirt) * skin[:, None]
    colour = shade(
        albedo * (1.0 + 0.02 * rng.standard_normal((len(p), 1))),
        shading_normal,
        occlusion=ambient_occlusion(sdf, p, n, reach=0.03),
        shadow=soft_shadow(union(sdf, skin_sdf(a)), p, n),
        wrap=0.25,
    )
    body = Part("torso", discs(p, n, 0.6 * np.sqrt(area), colour, head_weight=0.0))
    collar = _collar(a, style, union(sdf, skin_sdf(a)), max(60, count // 12))
    bare = skin > 0.5
    return [
        body.take(np.flatnonzero(~bare)),
        body.take(np.flatnonzero(bare), "chest"),
        Part("collar", collar),
    ]
