"""Skin of the head and neck: a smooth blend of ellipsoids sampled by rays from the head
centre (denser toward the face), split into skin, lips and neck."""

from __future__ import annotations

import numpy as np

from avatar_player.avatar import articulation as art
from avatar_player.avatar import expressions as ex
from avatar_player.avatar.anatomy import HEAD_CENTRE, LID_SPAN, Anatomy
from avatar_player.avatar.expression_shapes import expression_deltas
from avatar_player.avatar.lighting import shade, soft_shadow, thinness
from avatar_player.avatar.parts.part import Part
from avatar_player.avatar.sampling import fibonacci_sphere, fibonacci_square
from avatar_player.avatar.sdf import (
    Sdf,
    ambient_occlusion,
    capsule,
    cast_rays,
    cone,
    ellipsoid,
    normals,
    smooth_subtract,
    smooth_union,
    trace_rays,
    vertical_cylinder,
)
from avatar_player.avatar.splats import discs
from avatar_player.avatar.style import AvatarStyle

FRONT_DENSITY = 0.45
"""Warp of the ray directions toward the face (0 = uniform)."""
NECK_BOTTOM = -0.27
GAP_GRID = 1.0
"""Spacing of the rays that look for gaps, in the head rays' spacing over the face."""
GAP_CELLS = 0.7
"""A gap is a point with no head-ray sample facing the front within about this many of
their spacings (samples seen edge-on from the front do not cover it)."""
FISSURE_REACH = 1.35
"""Horizontal angle (radians, on the lid shell) within which the socket's rim discs are
kept off the open eye: the eye's corners (eyes.CORNER, 1.25) and a margin."""
GRAZING = 0.1
"""Least cosine between a head ray and the skin it hits that sizes a sample's disc (its
footprint grows as one over the cosine): at 0.25 the discs where rays graze the folds
beside the mouth's corners were too small to meet, and the back of the head showed
through as dark streaks above the corners (6287 such pixels in two close-ups of the grey
avatar's corners; 169 at 0.1, with the same splat count)."""
GAP_VIEWS = ((0.0, 1.0), (32.0, 2.0), (-32.0, 2.0))
"""Where the gap pass looks from: (yaw in degrees, grid spacing in GAP_GRID): the front,
and coarser from the three-quarter views (a turned head shows the ears' hollows and the
inner eye corners)."""
GAP_SIDE_WIDTH = 0.1
"""Half-width (metres) of the three-quarter views' grid: the face and the near ear."""
GAP_FACING = 0.15
"""Least cosine between a gap sample's normal and the view (it faces the viewer)."""
GAP_COVERING = 0.3
"""Least cosine between a head-ray sample's normal and the view for it to cover its
cells: a disc seen more obliquely leaves slits between its neighbours (the crease above
a mouth corner showed the dark cavity through them)."""
SKIN_BOUNCE = 0.45
"""Light skin reflects into its own creases (lighting.shade's `bounce`)."""
LID_CLEARANCE = 4e-4
"""Skin this close to the eyelid shell is left to the eyelids (the lids' splats lie
2e-4 above it); the socket's rim further out stays skin, so no gap opens at the seam."""
CREASE_DARKENING = np.array([0.3, 0.45, 0.45])
"""Albedo darkening (per channel) along the line between the lips."""
CHEEK_BLEND = 0.022
"""Smooth-union radius (metres) joining the cheekbones, cheeks, malar pads, chin and mouth
mound to the head: at 0.014 (the brow ridge's) each stood out as a ball with a crease
around it (puffy, lumpy cheeks and jowls in every contact sheet); at 0.03 the face grew
wide. With the mouth mound left at 0.014 a crease ringed the mouth, and grazing head rays
left slits in it beside the corners (557 background pixels in a corner close-up)."""
PATCH_OVERLAP = 0.004
"""Width (metres) of the mouth rectangle's border sampled by both ray sets."""


def skin_sdf(a: Anatomy) -> Sdf:
    """Signed distance to the skin of head and neck, eye sockets and nostrils carved."""
    w, nl, nw, lf = a.face_width, a.nose_length, a.nose_width, a.lip_fullness
    my, mz, hw = a.mouth_y, a.mouth_z, a.mouth_half_width

    def pair(centre: tuple[float, float, float], radii: tuple[float, float, float]) -> list[Sdf]:
        x, y, z = centre
        return [ellipsoid((x, y, z), radii), ellipsoid((-x, y, z), radii)]

    jaw_y, jw = a.chin_y + 0.04, a.jaw_width
    skull = smooth_union(
        0.022,
        ellipsoid((0.0, 0.03, -0.014), (a.head_width, 0.092, 0.098)),
        ellipsoid((0.0, -0.012, 0.02), (0.06 * w, 0.05, 0.062)),
        ellipsoid((0.0, jaw_y, 0.022), (0.046 * jw, 0.042, 0.056)),
        *pair((0.042 * jw, jaw_y - 0.002, -0.012), (0.012, 0.021, 0.02)),
    )
    # The neck joins the head with a small blend, so the jaw's line and the underside of
    # the chin stay visible; it stands behind the chin, as a real neck does.
    head = smooth_union(
        0.012, skull, vertical_cylinder((0.0, -0.022), a.neck_radii, (NECK_BOTTOM, -0.02))
    )
    cheeks = smooth_union(
        CHEEK_BLEND,
        head,
        *pair((0.044 * w, -0.02, 0.042), (0.02, 0.013, 0.02)),
        # Soft tissue of the cheeks (buccal fat, masseter) below the cheekbones: a full
        # line from cheekbone to jaw instead of a hollow.
        *pair((0.042 * w, -0.046, 0.032), (0.02, 0.03, 0.025)),
        # The malar fat pad under each eye: 12-24 mm below the pupil the skin stood 4-8 mm
        # behind the eyelid shell's front and fell away steeply, so the shell read as a
        # ball under the eye (an eye bag); with it, 2-3 mm behind and nearly upright, the
        # lower lid runs into the cheek.
        *pair((1.05 * a.eye_x, -0.024, 0.064), (0.016, 0.013, 0.013)),
        ellipsoid((0.0, a.chin_y + 0.015, 0.066), (0.022 * jw, 0.016, 0.015)),
        ellipsoid((0.0, my + 0.006, 0.06), (0.03, 0.028, 0.026)),
    )
    features = smooth_union(0.014, cheeks, ellipsoid((0.0, 0.022, 0.064), (0.05 * w, 0.012, 0.026)))
    nose = smooth_union(
        0.008,
        features,
        capsule((0.0, 0.008, 0.08), (0.0, -0.029 * nl, 0.099), (0.0052, 0.0072 * nw)),
        ellipsoid((0.0, -0.033 * nl, 0.098), (0.0085 * nw, 0.0085, 0.0088)),
        *pair((0.0105 * nw, -0.037 * nl, 0.09), (0.006, 0.0055, 0.0075)),
        *pair((0.075 * w, -0.009, -0.006), (0.0075, 0.029, 0.017)),
    )
    lips = smooth_union(
        0.0075,
        nose,
        ellipsoid((0.0, my + 0.0042, mz - 0.011), (hw, 0.0058 * lf, 0.011)),
        ellipsoid((0.0, my - 0.0055, mz - 0.0125), (0.9 * hw, 0.0065 * lf, 0.0115)),
    )
    # Sockets: the face in front of each eye is cut away (a cone tilted a little outward
    # and up) down to the eyelid shell, whose surface the eyelid splats replace.
    # A pocket at each inner corner opens the eye toward the nose, as far as a real
    # eye's inner corner (Farkas' en-en; the cone tilted 0.12 outward hid the shell's
    # last 1.5 mm there).
    eyes = [(tuple(a.eye_centre(side)), (0.06 * side, 0.1, 1.0)) for side in (1, -1)]
    inner = [
        ellipsoid((side * (a.eye_x - 0.0125), a.eye_y, a.eye_z + 0.0065), (0.0045, 0.0035, 0.005))
        for side in (1, -1)
    ]
    cut = smooth_subtract(0.003, lips, *(cone(c, axis, 0.68, 1.5) for c, axis in eyes), *inner)
    sockets = smooth_union(0.003, cut, *(ellipsoid(c, tuple(a.lid_radii)) for c, _ in eyes))
    return smooth_subtract(
        0.0012,
        sockets,
        *pair((0.083 * w, -0.011, -0.004), (0.0043, 0.0135, 0.009)),
        # The line between the lips: a slit 2 mm deep (at 2.5 mm the teeth glinted
        # through it with the mouth closed).
        ellipsoid((0.0, my, mz + 0.001), (1.02 * hw, 0.0008, 0.002)),
    )


def lip_weight(a: Anatomy, p: np.ndarray) -> np.ndarray:
    """0..1: how much a skin point is lip (red) rather than skin, with a soft border."""
    x, y, z = p.T
    line = a.mouth_line(x)
    t = np.clip(np.abs(x) / a.mouth_half_width, 0.0, 1.0)
    bow = 1.0 - 0.16 * np.exp(-((x / 0.0035) ** 2))
    upper = 0.0082 * a.lip_fullness * (1.0 - t**2.2) ** 0.6 * bow
    lower = a.lower_lip_height * (1.0 - t**2) ** 0.6
    soft = 6e-4
    inside = ex.smoothstep(line + upper + soft, line + upper - soft, y) * ex.smoothstep(
        line - lower - soft, line - lower + soft, y
    )
    return inside * (t < 1.0) * ex.smoothstep(a.mouth_z - 0.03, a.mouth_z - 0.015, z)


def _blob(p: np.ndarray, centre: tuple[float, float, float], radius: float) -> np.ndarray:
    return np.exp(-np.sum((p - centre) ** 2, axis=1) / radius**2)


def _nostril(a: Anatomy) -> tuple[float, float, float]:
    """Centre of the left nostril on the underside of the nose (painted darker, not
    carved: a carved pit would be a hole in the shell of rays cast from the head centre)."""
    return (0.006 * a.nose_width, -0.042 * a.nose_length, 0.0945)


def _albedo(a: Anatomy, style: AvatarStyle, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    base = style.skin_rgb
    flushed = base * np.array([1.02, 0.8, 0.78])
    x = np.abs(p[:, 0:1])
    q = np.column_stack([x, p[:, 1:]])
    flush = 0.4 * _blob(q, (0.045 * a.face_width, -0.03, 0.06), 0.02)
    flush += 0.3 * _blob(p, (0.0, -0.034 * a.nose_length, 0.1), 0.012)
    colour = base + (flushed - base) * flush[:, None]
    colour *= 1.0 - 0.08 * _blob(q, (a.eye_x, a.eye_y - 0.016, 0.07), 0.009)[:, None]
    colour *= 1.0 - 0.55 * _blob(q, _nostril(a), 0.0032)[:, None]
    colour *= 1.0 - 0.07 * ex.smoothstep(-0.08, -0.14, p[:, 1])[:, None]
    lips = lip_weight(a, p)[:, None]
    colour = colour + (style.lips_rgb - colour) * lips
    crease = np.exp(-(((p[:, 1] - a.mouth_line(p[:, 0])) / 9e-4) ** 2)) * (
        x[:, 0] < a.mouth_half_width
    )
    # The line between closed lips: a darker red, not black (its samples become the lips'
    # inner edges when the mouth opens).
    colour *= 1.0 - crease[:, None] * CREASE_DARKENING
    return colour * (1.0 + 0.03 * rng.standard_normal((len(p), 1)))


def _mouth_patch(a: Anatomy) -> tuple[np.ndarray, np.ndarray]:
    """Corners (x0, y0), (x1, y1) of the rectangle at z = mouth_z sampled densely (lips)."""
    margin = a.mouth_half_width + 0.006
    return np.array([-margin, a.mouth_y - 0.017]), np.array([margin, a.mouth_y + 0.014])


def _rays(
    a: Anatomy, rng: np.random.Generator, count: int, patch_count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Directions from the head centre and the solid angle each one samples: a sphere
    warped toward the face, plus a denser patch of rays through the mouth rectangle. The
    sphere keeps its rays along the rectangle's border (overlapping samples of one
    surface leave no seam) but none near the lips, whose opening needs small discs."""
    origin = np.asarray(HEAD_CENTRE)
    uniform = fibonacci_sphere(count, rng)
    polar = np.arccos(np.clip(uniform[:, 2], -1.0, 1.0))
    warped = polar - FRONT_DENSITY * np.sin(polar)
    ring = np.sin(warped) / np.maximum(np.sin(polar), 1e-9)
    sphere_dirs = np.column_stack([uniform[:, :2] * ring[:, None], np.cos(warped)])
    sphere_solid = 4 * np.pi / count * ring * (1.0 - FRONT_DENSITY * np.cos(polar))

    low, high = _mouth_patch(a)
    depth = a.mouth_z - origin[2]
    through = origin[:2] + sphere_dirs[:, :2] * depth / np.maximum(sphere_dirs[:, 2:3], 1e-9)
    inside = (through > low + PATCH_OVERLAP) & (through < high - PATCH_OVERLAP)
    inner = (sphere_dirs[:, 2] > 0) & np.all(inside, axis=1)
    sphere_dirs, sphere_solid = sphere_dirs[~inner], sphere_solid[~inner]

    corner = low + fibonacci_square(patch_count, rng) * (high - low)
    target = np.column_stack([corner, np.full(patch_count, a.mouth_z)]) - origin
    distance = np.linalg.norm(target, axis=1)
    patch_dirs = target / distance[:, None]
    patch_solid = np.prod(high - low) / patch_count * patch_dirs[:, 2] / distance**2
    return np.concatenate([sphere_dirs, patch_dirs]), np.concatenate([sphere_solid, patch_solid])


def _cells(p: np.ndarray, cell: float, shift: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """One integer per grid cell of side `cell` holding each point (moved by `shift`
    cells), unique within a metre of the origin."""
    index = np.floor(p / cell).astype(np.int64) + np.asarray(shift, np.int64) + 4096
    return (index[:, 0] * 8192 + index[:, 1]) * 8192 + index[:, 2]


def _gap_samples(
    a: Anatomy,
    sdf: Sdf,
    covered: np.ndarray,
    normal: np.ndarray,
    area: np.ndarray,
    *,
    view: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, normals and areas of the face's skin seen from one of GAP_VIEWS (`view`)
    that rays from the head centre miss: undercuts such as the crease above each nostril
    wing, the mouth corners, the inner eye corners or the ear's hollows, which those rays
    cross on their way out. A grid of parallel rays toward the head, kept where no
    `covered` point facing the view lies within about GAP_CELLS samples' spacing
    (samples seen edge-on do not cover it)."""
    yaw, coarse = np.radians(view[0]), view[1]
    toward = np.array([np.sin(yaw), 0.0, np.cos(yaw)])
    across = np.array([np.cos(yaw), 0.0, -np.sin(yaw)])
    base = float(np.sqrt(np.median(area[covered @ toward > 0.04])))
    spacing, cell = GAP_GRID * coarse * base, GAP_CELLS * base
    width = 0.075 * a.face_width if view[0] == 0.0 else GAP_SIDE_WIDTH
    u, v = np.meshgrid(
        np.arange(-width, width, spacing),
        np.arange(a.chin_y - 0.01, a.eye_y + 0.035, spacing),
        indexing="ij",
    )
    origins = u.reshape(-1, 1) * across + v.reshape(-1, 1) * [0.0, 1.0, 0.0] + 0.25 * toward
    inward = np.tile(-toward, (len(origins), 1))
    t = trace_rays(sdf, origins, inward, 0.3)
    hit = np.isfinite(t)
    p = origins[hit] + t[hit, None] * inward[hit]
    occupied = _cells(covered[normal @ toward > GAP_COVERING], cell)
    near = np.stack(np.meshgrid(*[[-1, 0, 1]] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
    gap = ~np.any([np.isin(_cells(p, cell, d), occupied) for d in near], axis=0)
    n = normals(sdf, p[gap])
    facing = n @ toward > GAP_FACING
    return p[gap][facing], n[facing], spacing * spacing / (n[facing] @ toward)


def build_skin(
    a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int, mouth_count: int
) -> list[Part]:
    """Skin, lips and neck parts from `count` rays over the head plus `mouth_count` rays
    around the mouth (minus those in the eye sockets)."""
    sdf = skin_sdf(a)
    origin = np.asarray(HEAD_CENTRE)
    direction, solid_angle = _rays(a, rng, count, mouth_count)
    t = cast_rays(sdf, origin, direction, 0.3)
    p = origin + t[:, None] * direction
    n = normals(sdf, p)
    area = t * t * solid_angle / np.maximum(np.sum(n * direction, axis=1), GRAZING)

    gaps = [_gap_samples(a, sdf, p, n, area, view=view) for view in GAP_VIEWS]
    p, n, area = (np.concatenate(parts) for parts in zip((p, n, area), *gaps, strict=True))

    # Each point's distance from either eye's lid shell and angle round it, (2, n).
    lid_distance = np.array([a.lid_distance(p, side) for side in (1, -1)])
    lid_azimuth = np.array([a.lid_azimuth(p, side) for side in (1, -1)])
    # The lid shell is left to the eyelids where they cover it; past their span it is skin.
    left_to_skin = (lid_distance > a.lid_radius + LID_CLEARANCE) | (lid_azimuth > LID_SPAN)
    keep = (p[:, 1] > NECK_BOTTOM + 0.02) & np.all(left_to_skin, axis=0)
    p, n, area = p[keep], n[keep], area[keep]
    lid_distance, lid_azimuth = lid_distance[:, keep], lid_azimuth[:, keep]

    lips = lip_weight(a, p)
    # Half the ambient occlusion on the lips: a line between them, not a gap.
    colour = shade(
        _albedo(a, style, p, rng),
        n,
        occlusion=np.maximum(ambient_occlusion(sdf, p, n, reach=0.024), 0.5 * lips),
        shadow=soft_shadow(sdf, p, n),
        specular=0.05 + 0.25 * lips,
        shininess=16.0 + 34.0 * lips,
        thin=thinness(sdf, p),
        bounce=SKIN_BOUNCE,
    )
    jaw = ex.jaw_mask(a, p)
    stretch = ex.jaw_stretch(a, p)
    head_weight = ex.smoothstep(-0.19, -0.075, p[:, 1])
    # Discs at the socket's rim beside the open eye stay no larger than their distance
    # from the lid shell, so they close the seam without spilling over the eye; past the
    # eye's corners (nothing to spill over) they keep their size, or the background showed
    # through along the shell's outer edge.
    beside = np.any(lid_azimuth < FISSURE_REACH, axis=0)
    limit = np.where(beside, lid_distance.min(axis=0) - a.lid_radius, np.inf)
    sigma = np.minimum(0.6 * np.sqrt(area), limit) * stretch
    splats = discs(p, n, sigma, colour, head_weight=head_weight)
    deltas = {
        "jaw_open": ex.follow(jaw, ex.JAW_DROP),
        "mouth_round": ex.mouth_round(a, p),
        "mouth_wide": ex.mouth_wide(a, p),
        "mouth_close": ex.mouth_close(a, p),
        "brow_up": ex.follow(ex.brow_mask(a, p), ex.BROW_RAISE),
        "lips_press": art.lips_press(a, p),
        "lip_funnel": art.lip_funnel(a, p),
        "lip_tuck": art.lip_tuck(a, p),
        "lips_press_jaw": art.lower_lip_hold(a, p),
        "lip_funnel_jaw": art.lip_funnel_hold(a, p),
        "lip_tuck_jaw": art.lower_lip_hold(a, p),
        **expression_deltas(a, p),
    }
    skin = Part("skin", splats, deltas)
    is_lip = lips > 0.5
    is_neck = ~is_lip & (p[:, 1] < a.chin_y - 0.012)
    return [
        skin.take(np.flatnonzero(~is_lip & ~is_neck)),
        skin.take(np.flatnonzero(is_lip), "lips"),
        skin.take(np.flatnonzero(is_neck), "neck"),
    ]
