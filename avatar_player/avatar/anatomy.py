"""Proportions and landmarks of the head (metres; origin at eye level between the ears,
x to the avatar's left, y up, z forward), varied a little by the seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar_player.avatar.style import AvatarStyle

EYE_RADIUS = 0.0118
LID_GAP = 0.0016
"""Eyelid shell radius beyond the eyeball."""
LID_STRETCH = 1.12
"""The eyelid shell is the lid sphere stretched across by this: a real eye's fissure
(Farkas' ex-en, about 28 mm in women and 29 in men) is longer than the eyeball is wide
(24 mm), its inner corner reaching over the caruncle toward the nose and its outer corner
wrapping round the globe. On the sphere it was 25.4 mm, and the eyes sat wide (en-en /
ex-ex 0.40-0.42 against 0.36)."""
LID_SPAN = 1.45
"""Horizontal half-angle (radians, on the eyelid shell) the lids cover (beyond the
corners they meet); the shell beyond it is the skin's."""
NECK_PIVOT = (0.0, -0.05, -0.015)
"""Centre of head rotation (the top of the neck)."""
HEAD_CENTRE = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Anatomy:
    """The measurements every part is placed by."""

    face_width: float
    """Scale of the face across (1 = average)."""
    eye_x: float
    eye_y: float
    eye_z: float
    nose_length: float
    nose_width: float
    mouth_y: float
    mouth_z: float
    mouth_half_width: float
    lip_fullness: float
    chin_y: float
    """Height of the bottom of the chin."""
    head_width: float
    """Half the skull's breadth (to euryon)."""
    jaw_width: float
    """Scale of the jaw across (gonion to gonion, 1 = average woman)."""
    neck_radii: tuple[float, float]
    """Half-width and half-depth of the neck."""
    neck_length: float
    """Height from the chin down to the top of the sternum (suprasternale)."""
    shoulder_width: float
    """Half the breadth of the shoulders (to the acromion)."""

    @property
    def eye_radius(self) -> float:
        return EYE_RADIUS

    @property
    def lid_radius(self) -> float:
        return EYE_RADIUS + LID_GAP

    def eye_centre(self, side: int) -> np.ndarray:
        """Eye centre; side +1 is the avatar's left (+x), -1 its right."""
        return np.array([side * self.eye_x, self.eye_y, self.eye_z])

    @property
    def lid_radii(self) -> np.ndarray:
        """Semi-axes (x, y, z) of the eyelid shell."""
        return self.lid_radius * np.array([LID_STRETCH, 1.0, 1.0])

    def on_lid(self, side: int, direction: np.ndarray, radius: float | None = None) -> np.ndarray:
        """Points of the eyelid shell (of `radius` instead of lid_radius if given, stretched
        alike) in unit `direction`s (n, 3) from the eye centre."""
        scale = (radius or self.lid_radius) / self.lid_radius
        return self.eye_centre(side) + scale * self.lid_radii * direction

    def lid_distance(self, p: np.ndarray, side: int) -> np.ndarray:
        """How far points `p` (n, 3) lie from the eye centre in lid radii (1: on the shell),
        times lid_radius (metres on the sphere, a little more across)."""
        return self.lid_radius * np.linalg.norm(self._in_lid_radii(p, side), axis=1)

    def lid_azimuth(self, p: np.ndarray, side: int) -> np.ndarray:
        """Horizontal angle (radians, unsigned) of points `p` (n, 3) from the eye's axis,
        on the eyelid shell's terms (0 in front, eyes.CORNER at the fissure's corners)."""
        unit = self._in_lid_radii(p, side)
        return np.abs(np.arctan2(unit[:, 0], unit[:, 2]))

    def _in_lid_radii(self, p: np.ndarray, side: int) -> np.ndarray:
        """Points `p` (n, 3) from the eye centre, each axis in the lid shell's semi-axes."""
        return (p - self.eye_centre(side)) / self.lid_radii

    def lid_normal(self, p: np.ndarray, side: int) -> np.ndarray:
        """Outward unit normals of the eyelid shell at its points `p` (n, 3)."""
        gradient = (p - self.eye_centre(side)) / self.lid_radii**2
        return gradient / np.linalg.norm(gradient, axis=1, keepdims=True)

    def mouth_line(self, x: np.ndarray) -> np.ndarray:
        """Height of the line between the lips at `x` (slightly curved up to the corners)."""
        return self.mouth_y + 0.9 * x * x

    @property
    def lower_lip_height(self) -> float:
        """Height of the lower lip's red in the middle (from the line between the lips)."""
        return 0.0088 * self.lip_fullness

    @property
    def mouth_centre(self) -> np.ndarray:
        return np.array([0.0, self.mouth_y, self.mouth_z])

    @property
    def sternum_y(self) -> float:
        """Height of the suprasternal notch (the neck's base in front)."""
        return self.chin_y - self.neck_length


MALE = {
    "face_width": 1.05,
    "head_width": 1.05,
    "jaw_width": 1.1,
    "chin_y": 1.08,
    "eye_x": 1.02,
    "nose_length": 1.06,
    "nose_width": 1.1,
    "mouth_half_width": 1.06,
    "mouth_y": 1.04,
    "neck": 1.22,
    "neck_length": 1.05,
    "shoulder_width": 1.11,
}
"""Male against female scale factors, from the ratios of the male and female means of
the measures in proportions.py (e.g. neck circumference 398 / 331, biacromial 409 / 364,
al-al 34.9 / 31.4); the face's height by n-gn, its width by zy-zy."""
AGE = {
    "young": {"lip_fullness": 1.08, "nose_length": 0.98},
    "adult": {},
    "senior": {"lip_fullness": 0.9, "nose_length": 1.05, "neck_length": 1.03},
}
"""Changes with age: lips thin and the nose lengthens a little (cartilage), kept well
inside the norms' tolerances."""


def anatomy_for_seed(rng: np.random.Generator, style: AvatarStyle) -> Anatomy:
    """Average proportions of the style's sex and age, with small seeded variation."""
    factors = MALE if style.sex == "male" else {}
    aged = AGE[style.age]

    def vary(name: str, spread: float) -> float:
        change = factors.get(name, 1.0) * aged.get(name, 1.0)
        return change * (1.0 + float(rng.uniform(-spread, spread)))

    neck = vary("neck", 0.04)
    return Anatomy(
        face_width=vary("face_width", 0.04),
        eye_x=0.0300 * vary("eye_x", 0.02),
        eye_y=0.0,
        eye_z=0.068,
        nose_length=vary("nose_length", 0.06),
        nose_width=vary("nose_width", 0.08),
        mouth_y=-0.0625 * vary("mouth_y", 0.03),
        mouth_z=0.0915,
        mouth_half_width=0.0245 * vary("mouth_half_width", 0.05),
        lip_fullness=1.15 * vary("lip_fullness", 0.1),
        chin_y=-0.106 * vary("chin_y", 0.025),
        head_width=0.0745 * vary("head_width", 0.03),
        jaw_width=vary("jaw_width", 0.05),
        neck_radii=(0.046 * neck, 0.048 * neck),
        neck_length=0.066 * vary("neck_length", 0.06),
        shoulder_width=0.16 * vary("shoulder_width", 0.04),
    )
