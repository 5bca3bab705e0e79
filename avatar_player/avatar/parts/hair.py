"""Hair: strands traced over the scalp along the cut's combing, over a dark fill layer.

Roots are scattered over the scalp above a ragged hairline; each strand is traced in short
steps along the cut's flow field at its own depth in the hair's volume, clinging to the
skull or, below the widest part of the head, hanging free; tied hair runs to its gather
point and on into a ponytail. Every step of a strand is one thin splat along it, coloured
per strand (the strands stay visible) with an anisotropic sheen.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import HEAD_CENTRE, Anatomy
from avatar_player.avatar.lighting import KEY, VIEW, shade
from avatar_player.avatar.parts.haircut import (
    BACK,
    CUTS,
    UP,
    Cut,
    crown,
    flow,
    hairline,
    in_parting,
)
from avatar_player.avatar.parts.part import Part
from avatar_player.avatar.parts.skin import skin_sdf
from avatar_player.avatar.sampling import fibonacci_sphere, tangent_frames
from avatar_player.avatar.sdf import Sdf, cast_rays, normals
from avatar_player.avatar.splats import SplatSet, discs
from avatar_player.avatar.style import AvatarStyle

STEP = 0.007
"""Length of a strand step (m); one splat per step."""
STRAND_STRETCH = 3.4
"""Strand splats are this much longer than their mean size, and thinner across."""
FILL_SHARE = 0.2
"""Share of the scalp budget spent on the dark layer under the strands."""
CLING_Y = 0.015
"""Free hair clings to the skull above this height and hangs below it."""
HANG_AXIS = np.array([0.0, 0.0, -0.014])
"""A point of the vertical axis free hair hangs around."""
WAVELENGTH = 0.045
"""Length of one wave of wavy strands (m)."""
FACE_HALF_WIDTH = 0.06
"""No hair falls over the face within this |x| (m, at face width 1) below the hairline."""
FINE_BAND = 0.006
"""Roots this close above the hairline grow fine, short, sparse hair."""
INNER_WIDTH = 2.0
"""Strands deep in the hair are up to 1 + this times wider (a dark mass under the surface
strands)."""
DENSE_MARGIN = 0.015
"""Skin this far above the hairline is covered (not drawn) under dense hair."""


def _cut(style: AvatarStyle) -> Cut:
    return CUTS[style.hair_style]


def hidden_by_hair(style: AvatarStyle, p: np.ndarray) -> np.ndarray:
    """Skin points well under dense hair (not drawn); a thinning crown keeps its skin."""
    cut = _cut(style)
    hidden = p[:, 1] > hairline(cut, p) + DENSE_MARGIN
    if cut.crown_density < 1.0:
        hidden &= p[:, 1] < cut.hairline[0]
    return hidden


def _ragged(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Irregularity of the hairline (m): a slow wobble around the head plus per-root noise."""
    signed = np.arctan2(p[:, 0], p[:, 2])
    wobble = sum(
        amplitude * np.sin(k * signed + rng.uniform(0.0, 2 * np.pi))
        for k, amplitude in ((5, 1.6e-3), (11, 1.0e-3), (23, 0.6e-3))
    )
    return wobble + 1.2e-3 * rng.standard_normal(len(p))


def _scalp(
    sdf: Sdf, cut: Cut, rng: np.random.Generator, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """About `count` root candidates over the scalp: points, normals, the solid angle
    each stands for, and how far above the (ragged) hairline each lies (m)."""
    origin = np.asarray(HEAD_CENTRE)
    direction = fibonacci_sphere(2 * count, rng)
    direction = direction[direction[:, 1] > -0.8]
    t = cast_rays(sdf, origin, direction, 0.3)
    p = origin + t[:, None] * direction
    n = normals(sdf, p)
    above = p[:, 1] - hairline(cut, p) - _ragged(p, rng)
    keep = (above > 0.0) & (rng.random(len(p)) < 1.0 - (1.0 - cut.crown_density) * crown(p, n))
    keep &= ~in_parting(cut, p, n)
    area = t * t * 2 * np.pi / count / np.maximum(np.sum(n * direction, axis=1), 0.3)
    return p[keep], n[keep], area[keep], above[keep]


def _volume(cut: Cut, p: np.ndarray) -> np.ndarray:
    """Stand-off of the outermost strands over the scalp: low at the hairline."""
    line = hairline(cut, p)
    return 0.0015 + (cut.volume - 0.0015) * ex.smoothstep(line, line + 0.035, p[:, 1])


def _outward(p: np.ndarray) -> np.ndarray:
    """Horizontal unit directions away from the axis free hair hangs around."""
    r = (p - HANG_AXIS) * [1.0, 0.0, 1.0]
    return r / np.maximum(np.linalg.norm(r, axis=1, keepdims=True), 1e-9)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def _trace(
    a: Anatomy,
    sdf: Sdf,
    cut: Cut,
    rng: np.random.Generator,
    *,
    root: np.ndarray,
    layer: np.ndarray,
    length: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Strand paths from `root`, (strands, steps + 1, 3), and which steps are drawn
    (strands, steps): a strand ends at its length, its hanging end, its gather point, or
    where it would fall over the face (or below the hairline, if the hair does not hang)."""
    strands = len(root)
    steps = int(np.ceil(length.max() / STEP))
    hangs = cut.hang_below_chin is not None
    bottom = a.chin_y - (cut.hang_below_chin or 0.0) + 0.004 * rng.standard_normal(strands)
    phase = rng.uniform(0.0, 2 * np.pi, strands)
    p = root + normals(sdf, root) * (layer * _volume(cut, root))[:, None]
    path = [p]
    alive = np.ones(strands, dtype=bool)
    drawn = np.zeros((strands, steps), dtype=bool)
    for k in range(steps):
        n = normals(sdf, p)
        free = hangs & (p[:, 1] < CLING_Y)
        combed = flow(cut, p, n)
        combed -= np.sum(combed * n, axis=1, keepdims=True) * n
        curl = ex.smoothstep(bottom + 0.03, bottom, p[:, 1])[:, None]
        hanging = -UP + 0.08 * _outward(p) + 0.05 * BACK - 0.7 * curl * _outward(p)
        heading = _unit(np.where(free[:, None], hanging, _unit(combed)))
        swing = cut.wave * np.sin(phase + k * STEP * 2 * np.pi / WAVELENGTH)
        heading = _unit(heading + swing[:, None] * np.cross(n, heading))
        q = p + heading * STEP
        distance = sdf(q)
        n = normals(sdf, q)
        stand_off = layer * np.where(free, cut.volume * 1.3, _volume(cut, q))
        lift = np.where(free, np.maximum(stand_off - distance, 0.0), stand_off - distance)
        q = q + lift[:, None] * n
        line = hairline(cut, q)
        over_face = (np.abs(q[:, 0]) < FACE_HALF_WIDTH * a.face_width) & (q[:, 2] > 0.0)
        over_face &= q[:, 1] < cut.hairline[0] - 0.004
        alive &= ((k + 1) * STEP <= length) & ~over_face
        if hangs:
            alive &= q[:, 1] > bottom
        else:
            alive &= q[:, 1] > line - 0.006
        if cut.gather is not None:
            alive &= np.linalg.norm(q - cut.gather, axis=1) > 0.008
        drawn[:, k] = alive
        p = q
        path.append(p)
    return np.stack(path, axis=1), drawn


def _sheen(albedo: np.ndarray, tangent: np.ndarray) -> np.ndarray:
    """Kajiya-Kay highlights of strands along `tangent`: a white one and a tinted one."""
    half = _unit((KEY + VIEW)[None, :])[0]
    cosine = tangent @ half
    primary = np.sqrt(np.clip(1.0 - cosine**2, 0.0, 1.0)) ** 80
    shifted = np.sqrt(np.clip(1.0 - (cosine - 0.25) ** 2, 0.0, 1.0)) ** 30
    return 0.2 * primary[:, None] * (0.3 + albedo) + 0.35 * shifted[:, None] * albedo


def _strand_splats(
    sdf: Sdf,
    cut: Cut,
    style: AvatarStyle,
    rng: np.random.Generator,
    *,
    path: np.ndarray,
    drawn: np.ndarray,
    layer: np.ndarray,
    fine: np.ndarray,
) -> SplatSet:
    """One splat per drawn step, coloured and sized per strand, tapering to the tip."""
    strand, step = np.nonzero(drawn)
    start, end = path[strand, step], path[strand, step + 1]
    centre = 0.5 * (start + end)
    tangent = _unit(end - start)
    n = normals(sdf, centre)
    steps = np.maximum(drawn.sum(axis=1), 1)
    along = (step + 0.5) / steps[strand]
    tone = style.strand_rgb(rng, len(drawn)) * np.exp(0.16 * rng.standard_normal((len(drawn), 1)))
    depth = 0.5 + 0.5 * layer[strand]
    albedo = tone[strand] * (depth * (0.8 + 0.2 * ex.smoothstep(0.0, 0.3, along)))[:, None]
    colour = shade(albedo, n, wrap=0.5, occlusion=depth) + _sheen(albedo, tangent) * depth[:, None]
    taper = 1.0 - 0.5 * ex.smoothstep(0.6, 1.0, along)
    thin = np.where(fine[strand], 0.6, 1.0 + INNER_WIDTH * (1.0 - layer[strand]))
    sigma = np.sqrt(0.6 * STEP * cut.width) * taper * thin
    opacity = 0.9 * ex.smoothstep(1.05, 0.8, along) * np.where(fine[strand], 0.5, 1.0)
    return discs(
        centre,
        n,
        sigma,
        np.clip(colour, 0.0, 1.0),
        opacity=opacity,
        along=tangent,
        stretch=STRAND_STRETCH,
    )


def _pick_strands(drawn: np.ndarray, budget: int, rng: np.random.Generator) -> np.ndarray:
    """Strands in random order until their drawn steps reach `budget`."""
    order = rng.permutation(len(drawn))
    total = np.cumsum(drawn[order].sum(axis=1))
    return np.sort(order[: int(np.searchsorted(total, budget)) + 1])


def _strands(
    a: Anatomy, sdf: Sdf, cut: Cut, style: AvatarStyle, rng: np.random.Generator, *, budget: int
) -> SplatSet:
    """Strands over the scalp with `budget` splats in all (about)."""
    mean_length = np.clip(0.5 * (cut.length + cut.side_length), STEP, 0.2)
    root, n, _, above = _scalp(
        sdf, cut, rng, int(2.2 * budget * STEP / mean_length / cut.crown_density)
    )
    fine = above < FINE_BAND
    top = crown(root, n)
    length = (cut.side_length + (cut.length - cut.side_length) * top) * rng.uniform(
        0.75, 1.1, len(root)
    )
    length *= np.where(fine, 0.45, 1.0)
    layer = np.where(fine, 0.3, rng.uniform(0.3, 1.0, len(root)))
    path, drawn = _trace(a, sdf, cut, rng, root=root, layer=layer, length=length)
    keep = _pick_strands(drawn, budget, rng)
    return _strand_splats(
        sdf, cut, style, rng, path=path[keep], drawn=drawn[keep], layer=layer[keep], fine=fine[keep]
    )


def _fill(sdf: Sdf, cut: Cut, style: AvatarStyle, rng: np.random.Generator, count: int) -> SplatSet:
    """A dark layer low in the hair, so the scalp does not show between strands (except
    where the crown thins)."""
    p, n, area, above = _scalp(sdf, cut, rng, count)
    combed = _unit(flow(cut, p, n) + 1e-6 * UP)
    depth = 0.25 * _volume(cut, p)
    albedo = style.hair_rgb * 0.5 * np.exp(0.1 * rng.standard_normal((len(p), 1)))
    colour = shade(albedo, n, wrap=0.5, occlusion=0.6)
    opacity = 0.95 * ex.smoothstep(FINE_BAND, 2 * FINE_BAND, above)
    opacity *= 1.0 - (1.0 - cut.crown_density) * crown(p, n)
    return discs(
        p + n * depth[:, None],
        n,
        0.8 * np.sqrt(area),
        colour,
        opacity=opacity,
        along=combed,
        stretch=1.6,
    )


def _ponytail(cut: Cut, style: AvatarStyle, rng: np.random.Generator, count: int) -> SplatSet:
    """Tied hair's tail: strands from the gather point, back then down, full in the middle
    and thin at the ends."""
    steps = int(np.ceil(cut.tail / STEP))
    strands = max(1, count // steps)
    heading = np.array([0.0, -0.3, -1.0])
    spine = [np.asarray(cut.gather)]
    for _ in range(steps):
        heading = heading / np.linalg.norm(heading) + np.array([0.0, -0.22, 0.0])
        spine.append(spine[-1] + STEP * heading / np.linalg.norm(heading))
    centre_line = np.array(spine)
    tangent = _unit(np.diff(centre_line, axis=0))
    u, v = tangent_frames(tangent)
    s = (np.arange(steps) + 0.5) / steps
    radius = 0.006 + 0.016 * np.sin(np.pi * np.clip(1.15 * s, 0.0, 1.0)) ** 0.7
    angle = rng.uniform(0.0, 2 * np.pi, strands)
    reach = np.sqrt(rng.uniform(0.15, 1.0, strands))
    swirl = 0.5 * np.outer(rng.standard_normal(strands), s)
    theta = angle[:, None] + swirl
    radial = np.cos(theta)[..., None] * u + np.sin(theta)[..., None] * v
    offset = (reach[:, None] * radius)[..., None] * radial
    points = centre_line[:-1] + 0.5 * STEP * tangent + offset
    ends = rng.uniform(0.8, 1.0, strands)
    drawn = s[None, :] < ends[:, None]
    strand, step = np.nonzero(drawn)
    n, along = radial[strand, step], s[step] / ends[strand]
    tone = style.strand_rgb(rng, strands) * np.exp(0.16 * rng.standard_normal((strands, 1)))
    depth = 0.5 + 0.5 * reach[strand]
    albedo = tone[strand] * depth[:, None]
    colour = shade(albedo, n, wrap=0.5, occlusion=depth) + _sheen(albedo, tangent[step])
    return discs(
        points[strand, step],
        n,
        np.sqrt(0.6 * STEP * cut.width) * (1.0 - 0.4 * ex.smoothstep(0.6, 1.0, along)),
        np.clip(colour, 0.0, 1.0),
        opacity=0.9 * ex.smoothstep(1.05, 0.8, along),
        along=tangent[step],
        stretch=STRAND_STRETCH,
    )


def build_hair(
    a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int, curtain_count: int
) -> Part:
    """The hair of `style`: about `count` splats on the scalp, plus `curtain_count` for
    hair that hangs free or a ponytail."""
    cut = _cut(style)
    sdf = skin_sdf(a)
    fill = round(FILL_SHARE * count)
    free = cut.hang_below_chin is not None
    sets = [
        _fill(sdf, cut, style, rng, fill),
        _strands(a, sdf, cut, style, rng, budget=count - fill + (curtain_count if free else 0)),
    ]
    if cut.gather is not None:
        sets.append(_ponytail(cut, style, rng, curtain_count))
    return Part("hair", SplatSet.concat(sets))
