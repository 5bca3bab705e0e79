"""The cuts: where each hair style's hairline runs, how thick and long it is, which way it
is combed (a flow field over the scalp) and whether it hangs free or is tied back.

Heights are metres in avatar space (y up from eye level); azimuth is the angle about the
vertical axis from the front (0) to the back (pi), the same on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar_player.avatar import expressions as ex

HAIRLINE_AZIMUTH = np.array([0.0, 0.3, 0.58, 0.85, 1.02, 1.22, 1.36, 1.52, 1.85, 2.15, 2.6, np.pi])
"""|azimuth| of the hairline control points: the middle of the forehead, its corner, the
temple recess, the temple, the sideburn (top, bottom), over the ear (front, top), behind
the ear (top, bottom), the nape's side and its middle."""
PARTING_GAP = 0.0025
"""Half width of the parting's bare line on the crown (m)."""
UP = np.array([0.0, 1.0, 0.0])
BACK = np.array([0.0, 0.0, -1.0])

MASCULINE = (0.07, 0.068, 0.076, 0.05, 0.035, -0.004, 0.028, 0.03, 0.022, -0.03, -0.045, -0.05)
"""A man's hairline: recessed temples, sideburns, the nape at the ear lobes."""
FEMININE = (0.071, 0.07, 0.069, 0.055, 0.04, 0.008, 0.03, 0.028, 0.02, -0.03, -0.06, -0.066)
"""A woman's: rounded corners, short sideburns, a lower nape."""
RECEDED = (0.08, 0.082, 0.095, 0.066, 0.045, 0.0, 0.028, 0.03, 0.022, -0.03, -0.045, -0.05)
"""An older man's: high forehead and deep temple recesses."""


@dataclass(frozen=True)
class Cut:
    """One hair style's shape and combing."""

    hairline: tuple[float, ...]
    """Hairline height at each HAIRLINE_AZIMUTH."""
    volume: float
    """Stand-off of the outermost strands from the scalp on the crown (m)."""
    length: float
    """Strand length on the crown (m); strands on the sides and back are `side_length`."""
    side_length: float
    sweep: float
    """Pull of the top hair across, away from the parting (against back, 1 - sweep)."""
    parting: float = 0.024
    """x of the parting (m; the avatar's left is +x), where the scalp shows in a line
    (except in tied hair)."""
    hang_below_chin: float | None = None
    """Free hair hangs to this far below the chin (m; negative: above it); None: the hair
    stays on the scalp."""
    gather: tuple[float, float, float] | None = None
    """Tied hair: where it is gathered (a ponytail hangs from there)."""
    tail: float = 0.0
    """Length of the ponytail (m)."""
    crown_density: float = 1.0
    """Share of strands kept on the crown (below 1: thinning, the scalp shows)."""
    wave: float = 0.0
    """Sideways swing of the strands (radians of heading), for wavy hair."""
    width: float = 4.5e-4
    """Strand sigma across (m): a strand splat stands for a small lock of hairs."""


CUTS: dict[str, Cut] = {
    "short": Cut(
        hairline=MASCULINE,
        volume=0.014,
        length=0.05,
        side_length=0.02,
        sweep=0.55,
    ),
    "side_part": Cut(
        hairline=MASCULINE,
        volume=0.024,
        length=0.1,
        side_length=0.03,
        sweep=0.85,
        parting=0.03,
        wave=0.15,
    ),
    "bob": Cut(
        hairline=FEMININE,
        volume=0.026,
        length=0.3,
        side_length=0.3,
        sweep=0.75,
        parting=0.022,
        hang_below_chin=-0.012,
        wave=0.1,
    ),
    "long": Cut(
        hairline=FEMININE,
        volume=0.024,
        length=0.4,
        side_length=0.4,
        sweep=0.7,
        parting=0.0,
        hang_below_chin=0.06,
        wave=0.25,
    ),
    "tied": Cut(
        hairline=FEMININE,
        volume=0.008,
        length=0.3,
        side_length=0.3,
        sweep=0.0,
        parting=0.0,
        gather=(0.0, 0.005, -0.118),
        tail=0.15,
        wave=0.08,
    ),
    "receding": Cut(
        hairline=RECEDED,
        volume=0.005,
        length=0.035,
        side_length=0.018,
        sweep=0.4,
        crown_density=0.6,
    ),
}


def azimuth(p: np.ndarray) -> np.ndarray:
    """|azimuth| of points about the vertical axis (0 front .. pi back)."""
    return np.abs(np.arctan2(p[:, 0], p[:, 2]))


def hairline(cut: Cut, p: np.ndarray) -> np.ndarray:
    """Height of the hairline around each point's azimuth."""
    return np.interp(azimuth(p), HAIRLINE_AZIMUTH, np.asarray(cut.hairline))


def crown(p: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """0..1: how much a scalp point is on the top of the head (not the sides or back)."""
    return ex.smoothstep(0.35, 0.8, normal[:, 1]) * ex.smoothstep(-0.07, -0.02, p[:, 2])


def in_parting(cut: Cut, p: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Scalp points in the parting's bare line, from the forehead to the crown."""
    if cut.gather is not None:
        return np.zeros(len(p), dtype=bool)
    line = np.abs(p[:, 0] - cut.parting) < PARTING_GAP * (0.5 + 0.5 * normal[:, 1])
    return line & (normal[:, 1] > 0.3) & (p[:, 2] > -0.04)


def flow(cut: Cut, p: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Combing direction at scalp points (not yet in the tangent plane, not unit).

    Tied hair heads for the gather point. Otherwise the top is combed across, away from
    the parting, and back; the front hairline lifts away from the face; the sides and the
    back fall down and a little back.
    """
    if cut.gather is not None:
        return np.asarray(cut.gather) - p
    top = ex.smoothstep(0.15, 0.75, normal[:, 1])
    side = np.sign(p[:, 0] - cut.parting + 1e-9)
    across = np.column_stack([side, np.zeros((len(p), 2))])
    front = ex.smoothstep(0.0, 0.06, p[:, 2])
    lift = (UP + 0.4 * BACK) * (front * (1.0 - top))[:, None]
    over = (cut.sweep * across + (1.0 - cut.sweep) * BACK) * top[:, None]
    down = (-UP + 0.35 * BACK) * ((1.0 - top) * (1.0 - front))[:, None]
    return over + down + 0.6 * lift
