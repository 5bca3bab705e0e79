"""Inside of the mouth: a dark cavity, upper and lower teeth, a tongue.

All of it lies inside the closed lips; the lower half follows the jaw, so opening the
jaw reveals the cavity with the upper teeth on top and the tongue and lower teeth below.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar import articulation as art
from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import Anatomy
from avatar_player.avatar.lighting import shade
from avatar_player.avatar.parts.part import Part, merge
from avatar_player.avatar.parts.skin import skin_sdf
from avatar_player.avatar.sampling import fibonacci_sphere, jittered_grid
from avatar_player.avatar.splats import discs, mapped_discs

GUM_RGB = np.array([0.62, 0.3, 0.32])
TEETH_RGB = np.array([0.92, 0.89, 0.8])
TONGUE_RGB = np.array([0.72, 0.32, 0.34])
CAVITY_RGB = np.array([0.13, 0.035, 0.04])
TOOTH_WIDTHS = (0.0043, 0.0034, 0.0038, 0.0036, 0.0036)
"""Half of the arch from the middle: incisors, canine, premolars (metres along the arch)."""
ARCH_X = 0.021
"""Half-width of the teeth arch."""


def _ellipsoid_surface(
    centre: np.ndarray, radii: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, outward normals and area per point of an ellipsoid surface."""
    direction = fibonacci_sphere(count, rng)
    point = centre + direction * radii
    gradient = direction / radii
    normal = gradient / np.linalg.norm(gradient, axis=1, keepdims=True)
    stretch = np.prod(radii) * np.linalg.norm(direction / radii, axis=1)
    return point, normal, stretch * 4 * np.pi / count


def _arch_z(a: Anatomy, x: np.ndarray, upper: bool) -> np.ndarray:
    """Depth of the front of the upper (or lower) teeth at `x`: an arch curving back."""
    return a.mouth_z - (0.011 if upper else 0.0125) - 28.0 * x * x


def _cavity(a: Anatomy, rng: np.random.Generator, count: int) -> Part:
    """A dark shell behind the teeth (reaching forward to the lip corners at the sides, so
    it follows the corners of rounded lips)."""
    centre = np.array([0.0, a.mouth_y - 0.004, a.mouth_z - 0.034])
    radii = np.array([a.mouth_half_width + 0.005, 0.017, 0.03])
    p, n, area = _ellipsoid_surface(centre, radii, count, rng)
    behind_teeth = (p[:, 2] < _arch_z(a, p[:, 0], True) - 0.0015) | (np.abs(p[:, 0]) > ARCH_X)
    keep = behind_teeth & (skin_sdf(a)(p) < -0.002)
    p, n, area = p[keep], n[keep], area[keep]
    depth = ex.smoothstep(a.mouth_z - 0.012, a.mouth_z - 0.045, p[:, 2])
    colour = CAVITY_RGB * (1.0 - 0.8 * depth)[:, None]
    jaw = ex.smoothstep(a.mouth_y + 0.004, a.mouth_y - 0.012, p[:, 1])
    splats = discs(p, -n, 0.85 * np.sqrt(area), colour)
    deltas = {
        "jaw_open": ex.follow(jaw, ex.JAW_DROP),
        "mouth_round": ex.mouth_round(a, p),
        "lip_funnel": art.lip_funnel(a, p),
    }
    return Part("mouth", splats, deltas)


def _arch_teeth(a: Anatomy, rng: np.random.Generator, count: int, upper: bool) -> Part:
    """One row of teeth on a curved arch, gums above (upper) or below (lower)."""
    edges = np.cumsum((0.0, *TOOTH_WIDTHS))
    top, bottom = (
        (a.mouth_y + 0.0095, a.mouth_y - 0.0024) if upper else (a.mouth_y, a.mouth_y - 0.0105)
    )

    def arch(uv: np.ndarray) -> np.ndarray:
        arc = (2 * uv[:, 0] - 1) * edges[-1]
        x = ARCH_X / edges[-1] * arc
        y = bottom + uv[:, 1] * (top - bottom)
        return np.column_stack([x, y, _arch_z(a, x, upper)])

    uv, cell = jittered_grid(count, 2 * edges[-1] / (top - bottom), rng)
    p = arch(uv)
    x, y = p[:, 0], p[:, 1]
    n = np.column_stack([56.0 * x, np.zeros_like(x), np.ones_like(x)])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    arc = np.abs(2 * uv[:, 0] - 1) * edges[-1]
    gap = np.min(np.abs(arc[:, None] - edges[None, :]), axis=1)
    tooth = ex.smoothstep(0.0, 0.0007, gap)
    gum_line = top - 0.0032 if upper else bottom + 0.0032
    gum = ex.smoothstep(gum_line - 0.0008, gum_line + 0.0008, y if upper else 2 * gum_line - y)
    albedo = TEETH_RGB * (0.55 + 0.45 * tooth)[:, None]
    albedo += (GUM_RGB - albedo) * gum[:, None]
    side_shade = 1.0 - 0.6 * ex.smoothstep(0.004, 0.02, np.abs(x))
    colour = shade(albedo, n, occlusion=side_shade, wrap=0.3) * side_shade[:, None]
    splats = mapped_discs(arch, uv, cell, colour, coverage=0.7)
    deltas = {} if upper else {"jaw_open": ex.follow(np.ones(len(p)), ex.JAW_DROP)}
    return Part("teeth", splats, deltas)


TONGUE_JAW = 0.6
"""How much of the jaw drop the tongue follows."""
TONGUE_LIFT = np.array([0.0, 0.004, 0.001])
"""Offset of the tongue tip at tongue_up = 1: up to the ridge behind the upper teeth."""


def _tongue_tip(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """0..1: how much a tongue point belongs to the tip, which moves as one piece (its
    forward-facing front stays forward-facing): 1 over the front centimetre, 0 behind."""
    return ex.smoothstep(a.mouth_z - 0.04, a.mouth_z - 0.024, p[:, 2])


def _tongue(a: Anatomy, rng: np.random.Generator, count: int) -> Part:
    """The tongue's upper surface; tongue_up lifts its tip, tongue_up_jaw (the corrective)
    keeps the lifted tip at the ridge while the jaw opens."""
    centre = np.array([0.0, a.mouth_y - 0.0095, a.mouth_z - 0.036])
    radii = np.array([0.018, 0.007, 0.022])
    p, n, area = _ellipsoid_surface(centre, radii, count, rng)
    top = (n[:, 1] > -0.2) & (skin_sdf(a)(p) < -0.002) & (p[:, 2] < _arch_z(a, p[:, 0], False))
    p, n, area = p[top], n[top], area[top]
    back = ex.smoothstep(a.mouth_z - 0.015, a.mouth_z - 0.045, p[:, 2])
    colour = shade(TONGUE_RGB[None, :] * (1.0 - 0.7 * back)[:, None], n, occlusion=0.6)
    tip = _tongue_tip(a, p)
    splats = discs(p, n, 0.7 * np.sqrt(area), colour)
    deltas = {
        "jaw_open": ex.follow(np.full(len(p), TONGUE_JAW), ex.JAW_DROP),
        "tongue_up": ex.follow(tip, TONGUE_LIFT),
        "tongue_up_jaw": ex.follow(-TONGUE_JAW * tip, ex.JAW_DROP),
    }
    return Part("mouth", splats, deltas)


def build_mouth(a: Anatomy, rng: np.random.Generator, count: int, teeth_count: int) -> list[Part]:
    """The cavity and tongue (`count` samples) and both rows of teeth."""
    return [
        merge([_cavity(a, rng, count), _tongue(a, rng, count // 3)]),
        merge([_arch_teeth(a, rng, teeth_count, True), _arch_teeth(a, rng, teeth_count, False)]),
    ]
