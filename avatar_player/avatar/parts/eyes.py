"""Eyeballs (sclera, iris, pupil, catch light) and eyelids with lashes.

Gaze shapes rotate iris and pupil about the eye centre (offsets per radian); blink shapes
slide each lid's points along the lid sphere from the open to the closed lid line.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import Anatomy
from avatar_player.avatar.lighting import KEY, VIEW, shade, soft_shadow
from avatar_player.avatar.parts.part import Part, merge
from avatar_player.avatar.parts.skin import skin_sdf
from avatar_player.avatar.sampling import fibonacci_sphere, fibonacci_square, jittered_grid
from avatar_player.avatar.splats import SplatSet, discs, mapped_discs
from avatar_player.avatar.style import AvatarStyle

IRIS_ANGLE = 0.5
"""Half-angle (radians, from the eye centre) of the iris."""
PUPIL_ANGLE = 0.165
CORNER = 0.98
"""Horizontal angle of the eye corners on the lid sphere."""
LID_TOP, LID_BOTTOM = 1.15, -1.05
"""Elevation where the upper lid starts and the lower lid ends."""
LID_SPAN = 1.35
"""Horizontal half-angle the lids cover (beyond the corners they meet)."""


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


def _eyeball(
    a: Anatomy, style: AvatarStyle, side: int, rng: np.random.Generator, count: int
) -> Part:
    centre, r = a.eye_centre(side), a.eye_radius
    sclera_dir = fibonacci_sphere(count, rng)
    sclera_dir = sclera_dir[sclera_dir[:, 2] > -0.25]
    sclera_area = r * r * 4 * np.pi / count
    iris_dir, iris_solid = _cap(count // 2, IRIS_ANGLE, rng)
    pupil_dir, pupil_solid = _cap(count // 8, PUPIL_ANGLE, rng)

    # Sclera: off-white, greyer toward the corners and under the upper lid.
    toward_corner = np.clip(np.abs(sclera_dir[:, 0]) * 1.2, 0.0, 1.0)
    sclera_albedo = np.array([0.92, 0.88, 0.85]) * (1.0 - 0.25 * toward_corner[:, None])
    sclera_albedo *= 1.0 - 0.35 * ex.smoothstep(0.15, 0.45, sclera_dir[:, 1])[:, None]
    sclera = discs(
        centre + r * sclera_dir,
        sclera_dir,
        0.6 * np.sqrt(sclera_area),
        shade(sclera_albedo, sclera_dir, wrap=0.5),
    )

    # Iris: radial streaks, a dark limbal ring, a lighter collarette.
    polar = np.arccos(iris_dir[:, 2]) / IRIS_ANGLE
    phi = np.arctan2(iris_dir[:, 1], iris_dir[:, 0])
    frequencies = rng.integers(7, 40, 6)
    phases = rng.uniform(0, 2 * np.pi, 6)
    streaks = np.mean(np.sin(frequencies[:, None] * phi + phases[:, None]), axis=0)
    tone = (1.0 + 0.22 * streaks) * (1.0 - 0.65 * ex.smoothstep(0.78, 1.0, polar))
    tone *= 1.0 + 0.35 * np.exp(-(((polar - 0.45) / 0.1) ** 2))
    iris_albedo = style.iris_rgb * tone[:, None]
    iris_albedo *= 1.0 - 0.45 * ex.smoothstep(0.0, 0.5, iris_dir[:, 1])[:, None]
    iris = discs(
        centre + (r + 2e-4) * iris_dir,
        iris_dir,
        0.6 * r * np.sqrt(iris_solid),
        shade(iris_albedo, iris_dir, wrap=0.5),
    )
    pupil = discs(
        centre + (r + 4e-4) * pupil_dir,
        pupil_dir,
        0.6 * r * np.sqrt(pupil_solid),
        np.array([0.015, 0.012, 0.012]),
    )

    # Catch light: the key light's reflection, fixed (it does not follow the gaze).
    glint_dir = (KEY + VIEW) / np.linalg.norm(KEY + VIEW)
    glint_dir = np.stack([glint_dir, glint_dir + np.array([0.04, 0.02, 0.0])])
    glint_dir /= np.linalg.norm(glint_dir, axis=1, keepdims=True)
    glint = discs(
        centre + (r + 6e-4) * glint_dir, glint_dir, [3.5e-4, 2e-4], np.ones(3), opacity=0.95
    )

    moving = SplatSet.concat([iris, pupil])
    deltas = {
        name: np.concatenate([np.zeros((len(sclera), 3)), offsets, np.zeros((len(glint), 3))])
        for name, offsets in _gaze(moving.centre - centre).items()
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
    return a.eye_centre(side) + radius * direction


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
        normal = (p - a.eye_centre(side)) / r
        albedo = np.broadcast_to(lid_rgb, (len(p), 3)).copy()
        if upper:
            albedo *= 1.0 - 0.22 * np.exp(-(((s - 0.5) / 0.12) ** 2))[:, None]
            albedo += (lash_rgb - albedo) * ex.smoothstep(0.9, 0.97, s)[:, None]
        else:
            albedo *= 1.0 + ex.smoothstep(0.85, 0.97, s)[:, None] * [0.0, -0.06, -0.05]
        colour = shade(albedo, normal, shadow=soft_shadow(sdf, p, normal), specular=0.04)
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
            outward = (root - a.eye_centre(side)) / r
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
    name = "blink_left" if side > 0 else "blink_right"
    return Part("eyelids", SplatSet.concat(sets), {name: np.concatenate(offsets)})


def build_eyes(
    a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int, lid_count: int
) -> list[Part]:
    """Both eyeballs (`count` sclera samples each) and both eyelid pairs."""
    eyes = [_eyeball(a, style, side, rng, count) for side in (1, -1)]
    lids = [_eyelids(a, style, side, rng, lid_count) for side in (1, -1)]
    return [merge(eyes), merge(lids)]
