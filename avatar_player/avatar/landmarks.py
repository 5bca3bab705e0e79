"""Anthropometric landmarks measured on the procedural model itself (its skin and torso
SDFs, its lip colour and its eyelid corners), and the measures of proportions.py taken
between them, in millimetres.

Each landmark is found the way a caliper or a profile photograph finds it: nasion as the
deepest point of the nasal root, gnathion where the chin's outline turns 45 degrees down,
zygion and euryon as the widest points of the cheekbones and the skull, and so on. A
landmark the geometry does not show (a chin that melts into the neck, a nose without an
underside) raises LandmarkError rather than falling back to the anatomy's parameters.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar.anatomy import Anatomy
from avatar_player.avatar.parts.eyes import CORNER
from avatar_player.avatar.parts.skin import lip_weight, skin_sdf
from avatar_player.avatar.parts.torso import torso_sdf
from avatar_player.avatar.sdf import Sdf, cast_rays, normals, union

STEP = 2.5e-4
"""Spacing of profile samples (metres)."""
FAR = 0.5
"""Distance of the ray origins outside the body."""


class LandmarkError(ValueError):
    """A landmark the model's geometry does not show."""


def _hits(sdf: Sdf, origin: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Surface points and normals of rays along +axis from `origin` rows (far outside):
    each ray's crossing farthest from its origin, i.e. the surface facing +axis."""
    direction = np.zeros_like(origin)
    direction[:, axis] = 1.0
    t = cast_rays(sdf, origin, direction, 2 * FAR)
    p = origin + t[:, None] * direction
    return p, normals(sdf, p)


def _front(sdf: Sdf, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Front surface (largest z) at each (x, y)."""
    origin = np.column_stack([x, y, np.full(len(x), -FAR)])
    return _hits(sdf, origin, 2)


def _side(sdf: Sdf, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Largest x of the surface at each (y, z)."""
    origin = np.column_stack([np.full(len(y), -FAR), y, z])
    return _hits(sdf, origin, 0)[0][:, 0]


def _grid(a: tuple[float, float], b: tuple[float, float], step: float) -> np.ndarray:
    u, v = np.meshgrid(np.arange(*a, step), np.arange(*b, step), indexing="ij")
    return np.column_stack([u.ravel(), v.ravel()])


def _midline(sdf: Sdf, top: float, bottom: float) -> tuple[np.ndarray, np.ndarray]:
    """The face's profile on the midline from y = top down to bottom."""
    y = np.arange(top, bottom, -STEP)
    return _front(sdf, np.zeros_like(y), y)


def _first(mask: np.ndarray, what: str) -> int:
    index = np.flatnonzero(mask)
    if not len(index):
        raise LandmarkError(f"no {what} on the model")
    return int(index[0])


def _lasting(mask: np.ndarray, length: int) -> np.ndarray:
    """Where `mask` starts a run of at least `length` true samples (noise-proof edges)."""
    runs = np.convolve(mask.astype(float), np.ones(length), mode="full")[length - 1 :]
    return runs >= length - 0.5


def face_landmarks(a: Anatomy) -> dict[str, np.ndarray]:
    """Midline and paired landmarks of the face (points in metres, paired ones on the
    avatar's left, +x)."""
    sdf = skin_sdf(a)
    p, n = _midline(sdf, a.eye_y + 0.03, a.mouth_y - 0.08)
    y, z = p[:, 1], p[:, 2]
    root = (y < a.eye_y + 0.02) & (y > a.eye_y - 0.01)
    nasion = np.flatnonzero(root)[np.argmin(z[root])]
    nose = (y < y[nasion]) & (y > a.mouth_y)
    tip = np.flatnonzero(nose)[np.argmax(z[nose])]
    below_tip = np.arange(len(y)) > tip
    subnasale = _first(below_tip & (z < z[tip] - 0.006) & (n[:, 2] > 0.6), "subnasale")

    lips = (y < y[subnasale]) & (y > y[subnasale] - 0.04)
    red = lip_weight(a, p) > 0.5
    upper = _first(lips & red, "upper vermilion")
    lower = upper + _first(~red[upper:], "end of the lower lip") - 1
    # Stomion: the notch between the lips (the deepest local minimum of the profile on
    # the red); then the labiomental fold, the chin's front (pogonion) and its curve.
    red_z = z[upper : lower + 1]
    notch = (red_z[1:-1] <= red_z[:-2]) & (red_z[1:-1] <= red_z[2:])
    if not notch.any():
        raise LandmarkError("no stomion (notch between the lips) on the model")
    stomion = upper + 1 + int(np.flatnonzero(notch)[np.argmin(red_z[1:-1][notch])])
    index = np.arange(len(y))
    fold_window = (index > lower) & (y > y[lower] - 0.025)
    fold = np.flatnonzero(fold_window)[np.argmin(z[fold_window])]
    chin = (index > fold) & (y > y[fold] - 0.03)
    pogonion = np.flatnonzero(chin)[np.argmax(z[chin])]
    after = index > pogonion
    jump = np.flatnonzero(after & (np.abs(np.diff(z, prepend=z[0])) > 4 * STEP))
    end = jump[0] if len(jump) else len(y)
    gnathion = _first(after & (index < end) & (n[:, 1] < -0.707), "gnathion")

    return {
        "nasion": p[nasion],
        "pronasale": p[tip],
        "subnasale": p[subnasale],
        "labrale_superius": p[upper],
        "stomion": p[stomion],
        "labrale_inferius": p[lower],
        "pogonion": p[pogonion],
        "gnathion": p[gnathion],
        "zygion": _widest(sdf, (a.eye_y - 0.035, a.eye_y - 0.004), (0.02, 0.06), "zygion"),
        "euryon": _widest(sdf, (0.025, 0.095), (-0.1, 0.02), "euryon"),
        "alare": _alare(sdf, p[subnasale]),
        "cheilion": _cheilion(a, sdf),
        "endocanthion": _canthus(a, sdf, -1),
        "exocanthion": _canthus(a, sdf, 1),
        "pupil": a.eye_centre(1) + np.array([0.0, 0.0, a.eye_radius]),
    }


def _widest(
    sdf: Sdf, y_range: tuple[float, float], z_range: tuple[float, float], what: str
) -> np.ndarray:
    """The point of largest x over a (y, z) window (a caliper's widest point)."""
    yz = _grid(y_range, z_range, 2e-3)
    x = _side(sdf, yz[:, 0], yz[:, 1])
    best = int(np.argmax(x))
    if x[best] <= 0.0:
        raise LandmarkError(f"no {what} on the model")
    return np.array([x[best], *yz[best]])


def _alare(sdf: Sdf, subnasale: np.ndarray) -> np.ndarray:
    """Most lateral point of the nasal ala: over slices up to 8 mm above subnasale, the
    ala's side wall (where the front surface falls fastest toward the cheek)."""
    xs = np.arange(0.003, 0.03, STEP)
    ys = np.arange(subnasale[1], subnasale[1] + 0.008, 4 * STEP)
    xy = np.column_stack([np.repeat(xs, len(ys)), np.tile(ys, len(xs))])
    p, _ = _front(sdf, xy[:, 0], xy[:, 1])
    z = p[:, 2].reshape(len(xs), len(ys)).T
    fall = -np.diff(z, axis=1) / STEP
    row, column = np.unravel_index(np.argmax(fall), fall.shape)
    if fall[row, column] < 1.0:
        raise LandmarkError("no alar side wall on the model")
    return np.array([0.5 * (xs[column] + xs[column + 1]), ys[row], z[row, column]])


def _cheilion(a: Anatomy, sdf: Sdf) -> np.ndarray:
    """The mouth corner: the outermost point of red lip along the line between the lips."""
    x = np.arange(0.0, 0.045, STEP)
    p, _ = _front(sdf, x, a.mouth_line(x))
    red = np.flatnonzero(lip_weight(a, p) > 0.5)
    if not len(red):
        raise LandmarkError("no red lip on the model")
    return p[red[-1]]


def _canthus(a: Anatomy, sdf: Sdf, outward: int) -> np.ndarray:
    """The left eye's corner (outward +1: exocanthion, -1: endocanthion): the last point
    of the line between the open lids (on the lid shell, up to eyes.CORNER from the
    eye's axis) that the face's skin does not hide from the front."""
    angle = outward * np.linspace(0.0, CORNER, 200)
    direction = np.column_stack([np.sin(angle), np.zeros_like(angle), np.cos(angle)])
    fissure = a.on_lid(1, direction)
    seen, _ = _front(sdf, fissure[:, 0], fissure[:, 1])
    visible = np.flatnonzero(np.abs(seen[:, 2] - fissure[:, 2]) < 1.5e-3)
    if not len(visible) or visible[0] != 0:
        raise LandmarkError("no open eye on the model")
    return fissure[visible[np.argmax(np.diff(visible, append=len(angle) + 1) > 1)]]


def body_landmarks(a: Anatomy, gnathion: np.ndarray) -> dict[str, np.ndarray | float]:
    """Suprasternale, the acromion, and the neck's circumference a third of the way from
    the gnathion down to the suprasternale (below the larynx, where a tape measures it),
    measured on skin and torso together."""
    sdf = union(skin_sdf(a), torso_sdf(a))
    y = np.arange(gnathion[1] - 0.01, gnathion[1] - 0.2, -STEP)
    p, n = _front(sdf, np.zeros_like(y), y)
    chest = _lasting(n[:, 1] > 0.3, round(0.005 / STEP))
    suprasternale = p[_first(chest, "suprasternale (neck to chest)")]

    x = np.arange(0.04, 0.3, STEP)
    origin = np.column_stack([x, np.full(len(x), -1.0), np.full(len(x), -0.015)])
    top, normal = _hits(sdf, origin, 1)
    shoulder = _first(_lasting(normal[:, 1] > normal[:, 0], round(0.01 / STEP)), "shoulder")
    edge = np.arange(len(x)) > shoulder
    acromion = top[_first(edge & (normal[:, 0] > normal[:, 1]), "acromion (shoulder's edge)")]

    level = gnathion[1] + (suprasternale[1] - gnathion[1]) / 3
    angle = np.linspace(0.0, 2 * np.pi, 360, endpoint=False)
    direction = np.column_stack([np.sin(angle), np.zeros_like(angle), np.cos(angle)])
    centre = np.array([0.0, level, -0.015])
    t = cast_rays(sdf, centre, direction, 0.15)
    ring = centre + t[:, None] * direction
    circumference = float(np.sum(np.linalg.norm(ring - np.roll(ring, 1, axis=0), axis=1)))
    return {"suprasternale": suprasternale, "acromion": acromion, "neck": circumference}


def measures(a: Anatomy) -> dict[str, float]:
    """The MEASURES of proportions.py taken on the model, in millimetres."""
    face = face_landmarks(a)
    body = body_landmarks(a, face["gnathion"])

    def between(first: str, second: str) -> float:
        return 1e3 * float(np.linalg.norm(face[first] - face[second]))

    def across(name: str) -> float:
        return 2e3 * float(face[name][0])

    return {
        "face_height": between("nasion", "gnathion"),
        "face_width": across("zygion"),
        "intercanthal": across("endocanthion"),
        "biocular": across("exocanthion"),
        "interpupillary": across("pupil"),
        "mouth_width": across("cheilion"),
        "nose_width": across("alare"),
        "nose_height": between("nasion", "subnasale"),
        "lower_face_height": between("subnasale", "gnathion"),
        "upper_vermilion": between("labrale_superius", "stomion"),
        "lower_vermilion": between("stomion", "labrale_inferius"),
        "head_breadth": across("euryon"),
        "neck_circumference": 1e3 * float(body["neck"]),
        "neck_length": 1e3 * float(face["gnathion"][1] - body["suprasternale"][1]),
        "biacromial": 2e3 * float(body["acromion"][0]),
    }
