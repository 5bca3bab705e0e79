"""Hair: a layered cap of strand splats over the skull, plus a hanging curtain for a bob.

Strands are discs stretched along a flow field (down and away from a side parting), with a
strand-wise colour jitter and an anisotropic sheen.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import HEAD_CENTRE, Anatomy
from avatar_player.avatar.lighting import KEY, VIEW, shade
from avatar_player.avatar.parts.part import Part
from avatar_player.avatar.parts.skin import skin_sdf
from avatar_player.avatar.sampling import fibonacci_sphere, fibonacci_square
from avatar_player.avatar.sdf import cast_rays, normals
from avatar_player.avatar.splats import SplatSet, discs
from avatar_player.avatar.style import AvatarStyle

HAIRLINE_AZIMUTH = np.array([0.0, 0.45, 0.85, 1.2, 1.45, 1.75, 2.1, np.pi])
"""|azimuth| (0 = front, pi = back) of the hairline control points."""
HAIRLINE_HEIGHT = {
    "short": np.array([0.058, 0.055, 0.034, 0.026, 0.03, 0.0, -0.058, -0.064]),
    "bob": np.array([0.047, 0.045, 0.026, 0.005, 0.0, -0.01, -0.04, -0.05]),
}
THICKNESS = {"short": 0.011, "bob": 0.015}
PARTING_X = 0.022
CURTAIN_SPAN = (1.0, np.pi)
"""|azimuth| range of a bob's hanging hair."""


def _azimuth(p: np.ndarray) -> np.ndarray:
    return np.abs(np.arctan2(p[:, 0], p[:, 2]))


def _hairline(style: AvatarStyle, p: np.ndarray) -> np.ndarray:
    """Height of the hairline around each point's azimuth."""
    return np.interp(_azimuth(p), HAIRLINE_AZIMUTH, HAIRLINE_HEIGHT[style.hair_style])


def hair_cover(style: AvatarStyle, p: np.ndarray) -> np.ndarray:
    """0..1: how far above the hairline a skin point is (1: under hair)."""
    line = _hairline(style, p)
    return ex.smoothstep(line, line + 0.005, p[:, 1])


def hidden_by_hair(style: AvatarStyle, p: np.ndarray) -> np.ndarray:
    """Skin points well under the hair (not drawn)."""
    return p[:, 1] > _hairline(style, p) + 0.012


def _strands(
    style: AvatarStyle,
    rng: np.random.Generator,
    p: np.ndarray,
    n: np.ndarray,
    *,
    flow: np.ndarray,
    sigma: np.ndarray,
    darkness: np.ndarray,
    opacity: np.ndarray | float = 0.95,
) -> SplatSet:
    tangent = flow - np.sum(flow * n, axis=1, keepdims=True) * n
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
    half = (KEY + VIEW) / np.linalg.norm(KEY + VIEW)
    sheen = np.sqrt(np.clip(1.0 - (tangent @ half) ** 2, 0.0, 1.0)) ** 60
    jitter = np.exp(0.2 * rng.standard_normal((len(p), 1)))
    albedo = style.hair_rgb * jitter * (1.0 - darkness[:, None])
    colour = shade(albedo, n, wrap=0.5) + 0.22 * sheen[:, None] * (0.35 + albedo)
    return discs(
        p, n, sigma, np.clip(colour, 0.0, 1.0), opacity=opacity, along=tangent, stretch=2.6
    )


def _flow(p: np.ndarray) -> np.ndarray:
    """Strand direction: down, away from the parting on top, back from the forehead."""
    top = ex.smoothstep(0.03, 0.085, p[:, 1])
    away = np.sign(p[:, 0] - PARTING_X) * 1.4 * top
    back = -0.6 * ex.smoothstep(0.0, 0.06, p[:, 2]) * top
    return np.column_stack([away, -np.ones(len(p)), back])


def _cap(a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int) -> SplatSet:
    sdf = skin_sdf(a)
    origin = np.asarray(HEAD_CENTRE)
    direction = fibonacci_sphere(2 * count, rng)
    direction = direction[direction[:, 1] > -0.75]
    t = cast_rays(sdf, origin, direction, 0.3)
    skin = origin + t[:, None] * direction
    cover = hair_cover(style, skin)
    keep = cover > 0.02
    skin, direction, t, cover = skin[keep], direction[keep], t[keep], cover[keep]
    n = normals(sdf, skin)
    line = _hairline(style, skin)
    thickness = 0.0015 + THICKNESS[style.hair_style] * ex.smoothstep(line, line + 0.04, skin[:, 1])
    area = t * t * 4 * np.pi / (2 * count) / np.maximum(np.sum(n * direction, axis=1), 0.3)
    sigma = 0.75 * np.sqrt(area) * (1.0 + thickness / t)
    inner = rng.random(len(skin)) < 0.3
    depth = np.where(inner, 0.55, 1.0)[:, None] * thickness[:, None]
    return _strands(
        style,
        rng,
        skin + n * depth,
        n,
        flow=_flow(skin),
        sigma=sigma * np.where(inner, 1.3, 1.0),
        darkness=0.45 * inner,
        opacity=0.95 * (0.35 + 0.65 * cover),
    )


def _curtain(a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int) -> SplatSet:
    """A bob's hair hanging from ear height to the jaw around the sides and back."""
    u, v = fibonacci_square(count, rng).T
    low, high = CURTAIN_SPAN
    side = np.where(rng.random(count) < 0.5, 1.0, -1.0)
    azimuth = side * (low + (high - low) * u)
    top, bottom = 0.02, a.chin_y + 0.01
    y = top + (bottom - top) * v
    bulge = 0.006 * np.sin(np.pi * v) - 0.008 * ex.smoothstep(0.8, 1.0, v)
    inner = rng.random(count) < 0.35
    radius_x = 0.09 + bulge - 0.005 * inner
    radius_z = 0.108 + bulge - 0.005 * inner
    p = np.column_stack([radius_x * np.sin(azimuth), y, -0.014 + radius_z * np.cos(azimuth)])
    n = np.column_stack([np.sin(azimuth), np.zeros(count), np.cos(azimuth)])
    flow = np.column_stack([0.15 * np.sin(azimuth), -np.ones(count), 0.15 * np.cos(azimuth)])
    perimeter = (high - low) * 2 * 0.099
    sigma = 0.8 * np.sqrt(perimeter * (top - bottom) / count)
    edge = ex.smoothstep(low, low + 0.1, np.abs(azimuth)) * ex.smoothstep(1.0, 0.92, v)
    opacity = 0.95 * (0.3 + 0.7 * edge)
    return _strands(
        style, rng, p, n, flow=flow, sigma=sigma, darkness=0.45 * inner, opacity=opacity
    )


def build_hair(
    a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int, curtain_count: int
) -> Part:
    """The cap (`count` strands) and, for a bob, the curtain (`curtain_count`)."""
    sets = [_cap(a, style, rng, count)]
    if style.hair_style == "bob":
        sets.append(_curtain(a, style, rng, curtain_count))
    return Part("hair", SplatSet.concat(sets))
