"""Deformation fields of the expression blendshapes (smile, frown, brow furrow, cheek
raise, squint): per-point offsets at full weight, after the facial muscles that make them.

`expression_deltas` serves every part on the face surface (skin, lips, brows), so the
same point moves the same way whichever part it belongs to; the eyelids narrow by a share
of their blink offsets (`eyelid_deltas`). Fields are mirrored about x = 0: offsets across
are signed by the side, so nothing crosses the midline.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar.anatomy import Anatomy
from avatar_player.avatar.expressions import smoothstep

SMILE_CORNER = np.array([0.0045, 0.0068, -0.0035])
"""Zygomaticus major at full smile: each mouth corner moves out, up and back (metres;
x points away from the midline)."""
SMILE_CHEEK = np.array([0.001, 0.0028, 0.0012])
"""The cheek's fat pad bunches up and forward over the smile."""
FROWN_CORNER = np.array([0.0012, -0.0042, 0.0])
"""Depressor anguli oris: the corners move down and a little out."""
FROWN_CHIN = np.array([0.0, 0.0016, 0.0012])
"""Mentalis: the chin boss and the lower lip's middle push up and forward."""
FURROW = np.array([-0.0032, -0.0038, 0.0006])
"""Corrugator and procerus: the inner brows move down and toward the midline."""
CHEEK_RAISE = np.array([0.0004, 0.0026, 0.001])
"""Orbicularis oculi (orbital part): cheek and lower-lid skin rise."""
SQUINT_BELOW = np.array([0.0, 0.0011, 0.0])
SQUINT_ABOVE = np.array([0.0, -0.0008, 0.0])
"""Orbicularis oculi (palpebral part): the skin just below and above each eye closes in."""
SQUINT_LIDS = (0.15, 1.4)
"""Squint: share of the blink offset of the upper lids and of the lower lids."""
CHEEK_RAISE_LIDS = (0.0, 0.7)
"""Cheek raise: share of the blink offset of the upper lids and of the lower lids."""


def _blob(
    ax: np.ndarray, y: np.ndarray, centre: tuple[float, float], radii: tuple[float, float]
) -> np.ndarray:
    """A soft ellipse over (|x|, y), mirrored on both sides of the face."""
    return np.exp(-(((ax - centre[0]) / radii[0]) ** 2) - ((y - centre[1]) / radii[1]) ** 2)


def _mirrored(weight: np.ndarray, side: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Offsets `weight` x `offset`, with the x component pointing away from the midline."""
    moved = weight[:, None] * offset
    moved[:, 0] *= side
    return moved


def _corner_weight(a: Anatomy, ax: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 at the mouth corners, fading along both lips to none at the middle (the lips stay
    together at every weight) and over the skin around the corners."""
    hw = a.mouth_half_width
    along = smoothstep(0.0, hw, ax) ** 1.5 * np.exp(-((np.maximum(ax - hw, 0.0) / 0.02) ** 2))
    return along * np.exp(-(((y - a.mouth_line(hw)) / 0.016) ** 2))


def expression_deltas(a: Anatomy, p: np.ndarray) -> dict[str, np.ndarray]:
    """Offsets (n, 3) of face-surface points `p` (n, 3) for each expression at weight 1."""
    x, y, z = p.T
    ax, side = np.abs(x), np.sign(x)
    front = smoothstep(0.0, 0.04, z)
    corner = _corner_weight(a, ax, y) * front
    cheek = _blob(ax, y, (0.042 * a.face_width, a.mouth_y + 0.036), (0.02, 0.02)) * front
    chin = _blob(ax, y, (0.0, a.chin_y + 0.02), (0.018, 0.014)) * front
    brows = smoothstep(a.eye_y + 0.004, a.eye_y + 0.016, y) * smoothstep(0.07, 0.035, y)
    inner = np.exp(-(((ax - 0.016) / 0.016) ** 2)) * smoothstep(0.0, 0.01, ax)
    glabella = _blob(ax, y, (0.0, a.eye_y + 0.012), (0.012, 0.012))
    above_eyes = smoothstep(0.03, 0.06, z)
    under_eye = _blob(ax, y, (a.eye_x + 0.004, a.eye_y - 0.022), (0.02, 0.016)) * front
    below = _blob(ax, y, (a.eye_x, a.eye_y - 0.013), (0.016, 0.008)) * front
    above = _blob(ax, y, (a.eye_x, a.eye_y + 0.013), (0.016, 0.007)) * above_eyes
    down = np.array([0.0, FURROW[1], 0.0])
    return {
        "smile": _mirrored(corner, side, SMILE_CORNER) + _mirrored(cheek, side, SMILE_CHEEK),
        "frown": _mirrored(corner, side, FROWN_CORNER) + _mirrored(chin, side, FROWN_CHIN),
        "brow_furrow": _mirrored(brows * inner * above_eyes, side, FURROW)
        + _mirrored(0.4 * glabella * above_eyes, side, down),
        "cheek_raise": _mirrored(under_eye, side, CHEEK_RAISE),
        "squint": _mirrored(below, side, SQUINT_BELOW) + _mirrored(above, side, SQUINT_ABOVE),
    }


def eyelid_deltas(closing: np.ndarray) -> dict[str, np.ndarray]:
    """Squint and cheek raise of eyelid splats whose blink offsets (both eyes' shapes
    summed) are `closing` (n, 3): each a share of the blink, upper lids (which close
    downward) and lower lids apart."""
    upper = (closing[:, 1] < 0.0)[:, None]
    return {
        name: np.where(upper, upper_share, lower_share) * closing
        for name, (upper_share, lower_share) in (
            ("squint", SQUINT_LIDS),
            ("cheek_raise", CHEEK_RAISE_LIDS),
        )
    }
