"""Inside of the mouth: a dark cavity, upper and lower teeth, a tongue.

All of it lies inside the closed lips; the lower half follows the jaw, so opening the
jaw reveals the cavity with the upper teeth on top and the tongue and lower teeth below.
Each tooth is its own crown (rounded, with a biting edge of its kind, embrasures between
crowns and a scalloped gum line); the tongue is wet, with a middle groove and papillae.
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
from avatar_player.avatar.style import LUMA, AvatarStyle

GUM_RGB = np.array([0.66, 0.32, 0.33])
ENAMEL_RGB = np.array([0.9, 0.87, 0.8])
CERVICAL_RGB = np.array([0.86, 0.8, 0.69])
"""Teeth: off-white enamel, yellower toward the gum where the dentine shows through."""
INCISAL_RGB = np.array([0.76, 0.78, 0.8])
"""The thin biting edge, greyish where light passes through the enamel."""
BOUNCE_TINT = np.array([0.12, -0.02, -0.1])
"""Relative tint of the teeth where the light reaching them has bounced off the cavity."""
TONGUE_RGB = np.array([0.72, 0.32, 0.34])
CAVITY_RGB = np.array([0.22, 0.075, 0.065])
"""The inside of the mouth just behind the teeth of a medium skin: a dark warm red-brown
(the mucosa in the shade of the lips), darker toward the throat; its brightest channel
stays below the lip-red classifier's floor (render/lipsync.py)."""
CAVITY_SKIN_LUMA = (0.62, 0.4)
"""Skin luma at which the cavity has CAVITY_RGB, and the least share of it: the cavity
darkens with the skin, so it stays as much darker than the skin around it."""
UPPER_TEETH = (0.0085, 0.0066, 0.0076, 0.0070, 0.0068)
LOWER_TEETH = (0.0054, 0.0060, 0.0070, 0.0070, 0.0071)
"""Crown widths along the arch (metres) from the middle: central and lateral incisor,
canine, two premolars (adult averages; the arch ends at ARCH_X, inside the cheeks)."""
CROWN_EDGES = (
    (0.0, 0.0005, 0.0),
    (0.0006, 0.0012, 0.0),
    (0.0003, 0.0003, 0.0016),
    (0.0007, 0.0004, 0.0011),
    (0.0008, 0.0004, 0.0011),
)
"""Per tooth: how far its biting edge stands back from the central incisors' (metres),
how far its corners are rounded off, and how pointed its cusp is (canine, premolars)."""
HIDDEN_DEPTH = 0.0015
"""How far inside the closed face's skin a tooth sample must lie (the cavity: twice as
far, its discs are larger), so none shows through the skin at the mouth corners."""
ARCH_X = 0.021
"""Half-width of the teeth arch."""
ARCH_CURVE = 28.0
"""The front of the arch curves back by ARCH_CURVE * x^2 (metres)."""
ROWS = {
    True: (-0.0024, 0.0095, 0.0068, UPPER_TEETH),
    False: (0.0, -0.0105, 0.0056, LOWER_TEETH),
}
"""Upper (True) and lower row: heights above the mouth line of the central incisors'
biting edge and of the row's far end, the gum line's distance from that edge between
crowns (1.6 mm more over each crown's middle), the crown widths."""


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
    return a.mouth_z - (0.011 if upper else 0.0125) - ARCH_CURVE * x * x


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def arch_length(x: np.ndarray) -> np.ndarray:
    """Length along the arch from the middle to `x` (x >= 0)."""
    slope = 2 * ARCH_CURVE * x
    return (slope * np.sqrt(1 + slope**2) + np.arcsinh(slope)) / (4 * ARCH_CURVE)


def _cavity(a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int) -> Part:
    """A dark shell behind the teeth (reaching forward to the lip corners at the sides, so
    it follows the corners of rounded lips), darker behind darker skin."""
    centre = np.array([0.0, a.mouth_y - 0.004, a.mouth_z - 0.034])
    radii = np.array([a.mouth_half_width + 0.005, 0.017, 0.03])
    p, n, area = _ellipsoid_surface(centre, radii, count, rng)
    behind_teeth = (p[:, 2] < _arch_z(a, p[:, 0], True) - 0.0015) | (np.abs(p[:, 0]) > ARCH_X)
    keep = behind_teeth & (skin_sdf(a)(p) < -2 * HIDDEN_DEPTH)
    p, n, area = p[keep], n[keep], area[keep]
    depth = ex.smoothstep(a.mouth_z - 0.012, a.mouth_z - 0.045, p[:, 2])
    reference, least = CAVITY_SKIN_LUMA
    tone = np.clip(float(style.skin_rgb @ LUMA) / reference, least, 1.0)
    colour = tone * CAVITY_RGB * (1.0 - 0.45 * depth)[:, None]
    jaw = ex.smoothstep(a.mouth_y + 0.004, a.mouth_y - 0.012, p[:, 1])
    splats = discs(p, -n, 0.85 * np.sqrt(area), colour)
    deltas = {
        "jaw_open": ex.follow(jaw, ex.JAW_DROP),
        "mouth_round": ex.mouth_round(a, p),
        "lip_funnel": art.lip_funnel(a, p),
    }
    return Part("mouth", splats, deltas)


def crowns(arc: np.ndarray, widths: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Which tooth each point `arc` metres along the arch belongs to, and where across it
    it lies (-1 at its side toward the middle, +1 at its far side)."""
    edges = np.cumsum((0.0, *widths))
    tooth = np.clip(np.searchsorted(edges, np.abs(arc), side="right") - 1, 0, len(widths) - 1)
    across = 2 * (np.abs(arc) - edges[tooth]) / np.asarray(widths)[tooth] - 1
    return tooth, across


def _arch_teeth(a: Anatomy, rng: np.random.Generator, count: int, upper: bool) -> Part:
    """One row of teeth on a curved arch, gums above (upper) or below (lower).

    The row is a strip along the arch whose samples know their tooth: each crown gets its
    own outline (samples past its biting edge are left out, so the dark cavity shows in
    the embrasures), a bulging shape (normals turned toward its sides and its edge, so
    each tooth catches the light on its own) and a gum line scalloped between crowns.
    """
    length = float(arch_length(np.array(ARCH_X)))
    grid = np.linspace(0.0, ARCH_X, 256)
    edge, root, gum_base, widths = ROWS[upper]
    edge_y, root_y = a.mouth_y + edge, a.mouth_y + root
    rootward = np.sign(root_y - edge_y)

    def arch(uv: np.ndarray) -> np.ndarray:
        arc = (2 * uv[:, 0] - 1) * length
        x = np.sign(arc) * np.interp(np.abs(arc), arch_length(grid), grid)
        y = edge_y + uv[:, 1] * (root_y - edge_y)
        return np.column_stack([x, y, _arch_z(a, x, upper)])

    uv, cell = jittered_grid(count, 2 * length / abs(root_y - edge_y), rng)
    p = arch(uv)
    x = p[:, 0]
    tooth, across = crowns((2 * uv[:, 0] - 1) * length, widths)
    height = (p[:, 1] - edge_y) * rootward  # from the central incisors' edge toward the gum

    back, rounding, cusp = np.asarray(CROWN_EDGES).T[:, tooth]
    biting_edge = back + rounding * ex.smoothstep(0.5, 1.0, np.abs(across)) ** 2
    biting_edge += cusp * np.abs(across) ** 1.5
    crown = ex.smoothstep(biting_edge, biting_edge + 2.5e-4, height)
    gum_line = gum_base + 0.0016 * (1.0 - across**2)
    gum = ex.smoothstep(gum_line - 4e-4, gum_line + 4e-4, height)

    # Light reaching into the mouth falls off toward the back (where what is left of it
    # has bounced off the red inside of the mouth), and under the lips.
    inside = 1.0 - 0.6 * ex.smoothstep(0.008, 0.022, np.abs(x))
    cervical = ex.smoothstep(0.3 * gum_line, gum_line, height)[:, None]
    albedo = ENAMEL_RGB + (CERVICAL_RGB - ENAMEL_RGB) * cervical
    incisal = ex.smoothstep(biting_edge + 9e-4, biting_edge, height)[:, None]
    albedo += (INCISAL_RGB - albedo) * 0.45 * incisal
    albedo *= 1.0 + 0.04 * rng.standard_normal((2, len(widths)))[(x > 0) * 1, tooth][:, None]
    albedo *= 1.0 - 0.3 * ex.smoothstep(0.8, 1.0, np.abs(across))[:, None] ** 2
    albedo += (GUM_RGB - albedo) * gum[:, None]
    albedo *= 1.0 + (1.0 - inside)[:, None] * BOUNCE_TINT

    front = np.column_stack([2 * ARCH_CURVE * x, np.zeros_like(x), np.ones_like(x)])
    along = np.column_stack([np.ones_like(x), np.zeros_like(x), -2 * ARCH_CURVE * x])
    tilt = rootward * (0.15 + 0.4 * ex.smoothstep(biting_edge + 0.002, biting_edge, height))
    enamel = (1.0 - gum)[:, None]
    n = _unit(front) + enamel * 0.8 * (across * np.sign(x))[:, None] * _unit(along)
    n = _unit(n - enamel * tilt[:, None] * np.array([0.0, 1.0, 0.0]))

    colour = shade(
        albedo,
        n,
        occlusion=inside * (1.0 - 0.35 * ex.smoothstep(0.002, 0.008, height)),
        shadow=inside,
        wrap=0.2,
        specular=0.2 * enamel,
        shininess=30.0,
    )
    # Behind the lips only: the arch's far ends would show through the mouth corners.
    hidden = skin_sdf(a)(p) < -HIDDEN_DEPTH
    keep = np.flatnonzero(((crown > 0.05) | (gum > 0.5)) & hidden)
    opacity = np.maximum(crown, gum)[keep]
    splats = mapped_discs(arch, uv[keep], cell, colour[keep], coverage=0.7, opacity=opacity)
    deltas = {} if upper else {"jaw_open": ex.follow(np.ones(len(keep)), ex.JAW_DROP)}
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
    groove = 1.0 - 0.25 * np.exp(-((p[:, 0] / 0.0018) ** 2)) * (1.0 - _tongue_tip(a, p))
    papillae = 1.0 + 0.07 * rng.standard_normal(len(p))
    albedo = TONGUE_RGB * ((1.0 - 0.7 * back) * groove * papillae)[:, None]
    colour = shade(albedo, n, occlusion=0.6, specular=0.18, shininess=35.0)
    tip = _tongue_tip(a, p)
    splats = discs(p, n, 0.7 * np.sqrt(area), colour)
    deltas = {
        "jaw_open": ex.follow(np.full(len(p), TONGUE_JAW), ex.JAW_DROP),
        "tongue_up": ex.follow(tip, TONGUE_LIFT),
        "tongue_up_jaw": ex.follow(-TONGUE_JAW * tip, ex.JAW_DROP),
    }
    return Part("mouth", splats, deltas)


def build_mouth(
    a: Anatomy, style: AvatarStyle, rng: np.random.Generator, count: int, teeth_count: int
) -> list[Part]:
    """The cavity and tongue (`count` samples) and both rows of teeth."""
    return [
        merge([_cavity(a, style, rng, count), _tongue(a, rng, count // 3)]),
        merge([_arch_teeth(a, rng, teeth_count, True), _arch_teeth(a, rng, teeth_count, False)]),
    ]
