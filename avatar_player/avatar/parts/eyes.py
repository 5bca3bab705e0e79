"""Eyeballs (sclera, iris, pupil, catch light) and eyelids with lashes.

Gaze shapes rotate iris and pupil about the eye centre (offsets per radian); blink shapes
slide each lid's points along the lid shell (the lid sphere stretched across:
anatomy.LID_STRETCH) from the open to the closed lid line.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import LID_SPAN, Anatomy
from avatar_player.avatar.expression_shapes import eyelid_deltas
from avatar_player.avatar.lighting import FILL, KEY, VIEW, shade, soft_shadow
from avatar_player.avatar.parts.part import Part, merge
from avatar_player.avatar.parts.skin import SKIN_BOUNCE, skin_sdf
from avatar_player.avatar.sampling import fibonacci_sphere, fibonacci_square, jittered_grid
from avatar_player.avatar.sdf import ambient_occlusion
from avatar_player.avatar.splats import SplatSet, discs, mapped_discs
from avatar_player.avatar.style import AvatarStyle

IRIS_ANGLE = 0.5
"""Half-angle (radians, from the eye centre) of the iris."""
PUPIL_ANGLE = 0.165
CORNER = 1.25
"""Horizontal angle of the eye corners on the lid shell."""
LID_TOP, LID_BOTTOM = 1.15, -1.05
"""Elevation where the upper lid starts and the lower lid ends."""
LASH_LINE = (0.955, 0.99)
"""Where (share of the upper lid's height from its top) the lash line's dark margin
starts and is full."""
LID_OCCLUSION = 0.55
"""Least ambient visibility and key light of a lid sample."""


def _cap(count: int, angle: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Unit directions evenly spread over the cap within `angle` of +z, and the solid
    angle each one samples."""
    u, v = fibonacci_square(count, rng).T
    cos_polar = 1.0 - u * (1.0 - np.cos(angle))
    ring = np.sqrt(1.0 - cos_polar**2)
    phi = 2 * np.pi * v
    direction = np.column_stack([ring * np.cos(phi), ring * np.sin(phi), cos_polar])
    return direction, 2 * np.pi * (1.0 - np.cos(angle)) / count


def _gaze(offset: np.ndarray) -> dict[str, np.ndarray]:
    """Offsets per radian of yaw (about +y) and pitch (about +x) of points at `offset`
    from the eye centre."""
    dx, dy, dz = offset.T
    zero = np.zeros_like(dx)
    return {
        "gaze_yaw": np.column_stack([dz, zero, -dx]),
        "gaze_pitch": np.column_stack([zero, -dz, dy]),
    }


SCLERA_RGB = np.array([0.93, 0.89, 0.84])
"""Sclera albedo in the middle: off-white, a little warm."""
CORNER_RGB = np.array([0.8, 0.56, 0.52])
"""Tint toward the inner corner (conjunctiva, caruncle)."""
IRIS_WARM = np.array([0.32, 0.2, 0.09])
"""Hue of the pupillary zone (amber-brown around the pupil, in any iris colour)."""
TEAR_RGB = np.array([0.86, 0.84, 0.8])
"""The light the tear film along the lower lid reflects."""
CORNEA_RADIUS, CORNEA_BULGE = 0.0078, 0.0012
"""Radius of the cornea and how far its apex stands out of the eyeball sphere: the
catch lights are the key's and fill's reflections on it."""


SCLERA_REACH = 1.16
"""How far across the white of the eye reaches at the side, in eyeball radii: the eyelid
shell is stretched across (anatomy.LID_STRETCH), and a sphere's white would leave the
fissure's corners empty (they showed as dark wedges)."""


def _sclera_widening(direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factor on x of sclera points in unit `direction`s from the eye centre: 1 round the
    iris (which the white must not cover, even turned a little), SCLERA_REACH at the side;
    and how much that spreads the points apart across there (their discs grow by it, or
    the background shows between them where the widening ramps up)."""
    start = np.sin(IRIS_ANGLE + 0.15)
    x = np.abs(direction[:, 0])
    t = np.clip((x - start) / (1.0 - start), 0.0, 1.0)
    widen = 1.0 + (SCLERA_REACH - 1.0) * t * t * (3.0 - 2.0 * t)
    slope = (SCLERA_REACH - 1.0) * 6.0 * t * (1.0 - t) / (1.0 - start)
    return widen, widen + x * slope


def _sclera_albedo(direction: np.ndarray, side: int) -> np.ndarray:
    """Off-white, greyer and pinker toward the corners (most at the inner one), in the
    shadow of the upper lid toward the top."""
    toward_corner = np.clip(np.abs(direction[:, 0]) * 1.25, 0.0, 1.0)
    inner = ex.smoothstep(0.3, 0.85, -side * direction[:, 0])
    albedo = SCLERA_RGB * (1.0 - 0.22 * toward_corner**1.5)[:, None]
    tint = (0.2 * toward_corner + 0.35 * inner)[:, None]
    albedo *= 1.0 + tint * (CORNER_RGB / SCLERA_RGB - 1.0)
    return albedo * (1.0 - 0.35 * ex.smoothstep(0.15, 0.45, direction[:, 1]))[:, None]


def _iris_albedo(style: AvatarStyle, direction: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Radial fibres, a few dark crypts, a lighter zig-zag collarette, a warmer and darker
    pupillary zone, a dark limbal ring and the upper lid's shadow."""
    polar = np.arccos(np.clip(direction[:, 2], -1.0, 1.0)) / IRIS_ANGLE
    phi = np.arctan2(direction[:, 1], direction[:, 0])
    frequency = rng.integers(30, 140, 24)
    phase = rng.uniform(0, 2 * np.pi, 24)
    wander = rng.uniform(-3.0, 3.0, 24)
    fibres = np.mean(
        np.sin(frequency[:, None] * phi + phase[:, None] + wander[:, None] * polar), axis=0
    )
    tone = 1.0 + 0.9 * fibres
    crypt_phi = rng.uniform(-np.pi, np.pi, 9)
    crypt_polar = rng.uniform(0.55, 0.85, 9)
    angle = np.angle(np.exp(1j * (phi[:, None] - crypt_phi)))
    crypts = np.exp(-((angle / 0.12) ** 2) - ((polar[:, None] - crypt_polar) / 0.05) ** 2)
    tone *= 1.0 - 0.4 * np.clip(crypts.sum(axis=1), 0.0, 1.0)
    collarette = 0.5 + 0.03 * np.sin(14 * phi + phase[0])
    tone *= 1.0 + 0.3 * np.exp(-(((polar - collarette) / 0.06) ** 2))
    tone *= 1.0 - 0.7 * ex.smoothstep(0.8, 1.0, polar)
    pupillary = ex.smoothstep(collarette, PUPIL_ANGLE / IRIS_ANGLE, polar)[:, None]
    albedo = style.iris_rgb * np.clip(tone, 0.25, None)[:, None]
    warm = IRIS_WARM / IRIS_WARM.mean() * 0.8 * albedo.mean(axis=1, keepdims=True)
    albedo += (warm - albedo) * 0.45 * pupillary
    return albedo * (1.0 - 0.45 * ex.smoothstep(0.0, 0.5, direction[:, 1]))[:, None]


def _catch_lights(centre: np.ndarray, r: float) -> tuple[SplatSet, np.ndarray]:
    """Reflections of the key (bright, soft-edged) and the fill (small, dim) on the
    cornea, and the cornea's centre they move with (the highlight stays put relative to
    the light while the eye turns under it)."""
    cornea = centre + np.array([0.0, 0.0, r + CORNEA_BULGE - CORNEA_RADIUS])
    glints = []
    for light, sigma, brightness in ((KEY, 6e-4, 0.97), (FILL, 2.5e-4, 0.6)):
        half = (light + VIEW) / np.linalg.norm(light + VIEW)
        glints.append(
            discs(
                cornea + CORNEA_RADIUS * half[None],
                half[None],
                sigma,
                np.full(3, brightness),
                opacity=0.9,
            )
        )
    return SplatSet.concat(glints), cornea


def _eyeball(
    a: Anatomy, style: AvatarStyle, side: int, rng: np.random.Generator, count: int
) -> Part:
    centre, r = a.eye_centre(side), a.eye_radius
    sclera_dir = fibonacci_sphere(count, rng)
    sclera_dir = sclera_dir[sclera_dir[:, 2] > -0.25]
    sclera_area = r * r * 4 * np.pi / count
    iris_dir, iris_solid = _cap(count, IRIS_ANGLE, rng)
    pupil_dir, pupil_solid = _cap(count // 8, PUPIL_ANGLE, rng)

    # The eye sits in its socket: ambient light reaches it partly (occlusion 0.85).
    widen, spread = _sclera_widening(sclera_dir)
    sclera = discs(
        centre + r * sclera_dir * np.column_stack([widen, np.ones((len(widen), 2))]),
        sclera_dir,
        0.6 * np.sqrt(sclera_area) * spread,
        shade(_sclera_albedo(sclera_dir, side), sclera_dir, occlusion=0.85, wrap=0.5),
    )
    radial = iris_dir - VIEW
    iris = discs(
        centre + (r + 2e-4) * iris_dir,
        iris_dir,
        0.6 * r * np.sqrt(iris_solid),
        shade(_iris_albedo(style, iris_dir, rng), iris_dir, occlusion=0.85, wrap=0.5),
        along=radial,
        stretch=1.7,
    )
    pupil = discs(
        centre + (r + 4e-4) * pupil_dir,
        pupil_dir,
        0.6 * r * np.sqrt(pupil_solid),
        np.array([0.015, 0.012, 0.012]),
    )
    glint, cornea = _catch_lights(centre, r)

    moving = SplatSet.concat([iris, pupil])
    offsets = np.concatenate(
        [moving.centre - centre, np.broadcast_to(cornea - centre, (len(glint), 3))]
    )
    deltas = {
        name: np.concatenate([np.zeros((len(sclera), 3)), shift])
        for name, shift in _gaze(offsets).items()
    }
    return Part("eyes", SplatSet.concat([sclera, moving, glint]), deltas)


def _lid_lines(beta: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elevations of the open upper lid edge, the open lower lid edge and the line where
    they meet when closed, at horizontal angles `beta` (+ toward +x)."""
    q = np.clip(np.abs(beta) / CORNER, 0.0, 1.0)
    tilt = 0.07 * np.clip(side * beta / CORNER, -1.0, 1.0)
    upper = tilt + 0.33 * (1.0 - q * q) ** 0.75
    lower = tilt - 0.27 * (1.0 - q * q) ** 0.9
    return upper, lower, tilt + 0.75 * (lower - tilt)


def _on_lid(
    a: Anatomy, side: int, beta: np.ndarray, alpha: np.ndarray, radius: float
) -> np.ndarray:
    cos_alpha = np.cos(alpha)
    direction = np.column_stack([np.sin(beta) * cos_alpha, np.sin(alpha), np.cos(beta) * cos_alpha])
    return a.on_lid(side, direction, radius)


def _eyelids(
    a: Anatomy, style: AvatarStyle, side: int, rng: np.random.Generator, count: int
) -> Part:
    radius = a.lid_radius + 2e-4
    lid_rgb = style.skin_rgb * np.array([0.98, 0.93, 0.92])
    lash_rgb = np.minimum(style.hair_rgb, 0.12) * 0.6
    sdf = skin_sdf(a)
    sets, offsets = [], []
    for upper, share, aspect in ((True, 0.6, 2.0), (False, 0.4, 2.6)):
        start = LID_TOP if upper else LID_BOTTOM
        r = radius if upper else radius - 2e-4

        def lid(uv: np.ndarray, closed: bool = False, start: float = start, upper: bool = upper,
                r: float = r) -> np.ndarray:  # fmt: skip
            beta = (2 * uv[:, 0] - 1) * LID_SPAN
            s = 1.0 - (1.0 - np.clip(uv[:, 1], 0.0, 1.0)) ** 1.6
            open_upper, open_lower, meet = _lid_lines(beta, side)
            if closed:
                edge = meet - 0.02 if upper else meet + 0.02
            else:
                edge = open_upper if upper else open_lower
            return _on_lid(a, side, beta, start + s * (edge - start), r)

        uv, cell = jittered_grid(round(count * share), aspect, rng)
        p, closed = lid(uv), lid(uv, closed=True)
        s = 1.0 - (1.0 - uv[:, 1]) ** 1.6
        normal = a.lid_normal(p, side)
        albedo = np.broadcast_to(lid_rgb, (len(p), 3)).copy()
        # The lash line: a thin dark margin along the middle of the upper lid's edge,
        # gone before the corners (where the lids meet in the inner corner's pocket).
        middle = ex.smoothstep(CORNER, 0.75 * CORNER, np.abs((2 * uv[:, 0] - 1) * LID_SPAN))
        if upper:
            albedo *= 1.0 - 0.22 * np.exp(-(((s - 0.5) / 0.12) ** 2))[:, None]
            lash_line = ex.smoothstep(*LASH_LINE, s) * middle
            albedo += (lash_rgb - albedo) * lash_line[:, None]
        else:
            albedo *= 1.0 + ex.smoothstep(0.85, 0.97, s)[:, None] * [0.0, -0.06, -0.05]
        # From just above the lid, and no darker than LID_OCCLUSION: where it tucks under
        # the skin it shades, not blackens (closing stretches those discs into view).
        occlusion = ambient_occlusion(sdf, p + normal * 1e-3, normal, reach=0.024)
        colour = shade(
            albedo,
            normal,
            occlusion=np.maximum(occlusion, LID_OCCLUSION),
            shadow=np.maximum(soft_shadow(sdf, p, normal), LID_OCCLUSION),
            specular=0.05,
            shininess=16.0,
            bounce=SKIN_BOUNCE,
        )
        splats = mapped_discs(lid, uv, cell, colour, coverage=0.7)
        # Closing stretches a lid along its height: larger discs keep it closed.
        open_span = np.linalg.norm(p - lid(uv + np.array([0.0, 1e-3])), axis=1)
        closed_span = np.linalg.norm(closed - lid(uv + np.array([0.0, 1e-3]), closed=True), axis=1)
        stretch = np.maximum(closed_span / np.maximum(open_span, 1e-12), 1.0)[:, None]
        sets.append(dataclasses.replace(splats, axis_v=splats.axis_v * stretch))
        offsets.append(closed - p)
        if upper:
            lash_uv = np.column_stack([np.linspace(0.15, 0.85, len(p) // 6), np.ones(len(p) // 6)])
            root, root_closed = lid(lash_uv), lid(lash_uv, closed=True)
            outward = a.lid_normal(root, side)
            sets.append(
                discs(
                    root + outward * 9e-4 + [0.0, 5e-4, 0.0],
                    np.cross(outward, [1.0, 0.0, 0.0]),
                    6e-4,
                    lash_rgb,
                    opacity=0.9,
                    along=outward + np.array([0.0, 0.7, 0.0]),
                    stretch=2.2,
                )
            )
            offsets.append(root_closed - root)
        else:
            # The wet lid margin (tear meniscus) catches light: a thin line along the edge.
            along_lid = np.linspace(0.0, 1.0, len(p) // 8)
            tear_uv = np.column_stack([0.2 + 0.6 * along_lid, np.ones(len(p) // 8)])
            edge, edge_closed = lid(tear_uv), lid(tear_uv, closed=True)
            outward = a.lid_normal(edge, side)
            sets.append(
                discs(
                    edge - outward * 6e-4 + [0.0, 1.5e-4, 0.0],
                    outward,
                    1.8e-4,
                    TEAR_RGB,
                    opacity=0.35 * np.sin(np.pi * along_lid) ** 0.5,
                    along=np.gradient(edge, axis=0),
                    stretch=2.5,
                )
            )
            offsets.append(edge_closed - edge)
    name = "blink_left" if side > 0 else "blink_right"
    return Part("eyelids", SplatSet.concat(sets), {name: np.concatenate(offsets)})


def build_eyes(
    a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int, lid_count: int
) -> list[Part]:
    """Both eyeballs (`count` sclera samples each) and both eyelid pairs."""
    eyes = [_eyeball(a, style, side, rng, count) for side in (1, -1)]
    lids = merge([_eyelids(a, style, side, rng, lid_count) for side in (1, -1)])
    closing = lids.deltas["blink_left"] + lids.deltas["blink_right"]
    return [merge(eyes), Part(lids.name, lids.splats, lids.deltas | eyelid_deltas(closing))]
