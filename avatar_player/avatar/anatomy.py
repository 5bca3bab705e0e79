"""Proportions and landmarks of the head (metres; origin at eye level between the ears,
x to the avatar's left, y up, z forward), varied a little by the seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EYE_RADIUS = 0.0118
LID_GAP = 0.0016
"""Eyelid shell radius beyond the eyeball."""
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

    @property
    def eye_radius(self) -> float:
        return EYE_RADIUS

    @property
    def lid_radius(self) -> float:
        return EYE_RADIUS + LID_GAP

    def eye_centre(self, side: int) -> np.ndarray:
        """Eye centre; side +1 is the avatar's left (+x), -1 its right."""
        return np.array([side * self.eye_x, self.eye_y, self.eye_z])

    def mouth_line(self, x: np.ndarray) -> np.ndarray:
        """Height of the line between the lips at `x` (slightly curved up to the corners)."""
        return self.mouth_y + 0.9 * x * x

    @property
    def lower_lip_height(self) -> float:
        """Height of the lower lip's red in the middle (from the line between the lips)."""
        return 0.0092 * self.lip_fullness

    @property
    def mouth_centre(self) -> np.ndarray:
        return np.array([0.0, self.mouth_y, self.mouth_z])


def anatomy_for_seed(rng: np.random.Generator) -> Anatomy:
    """Average proportions with small seeded variation."""

    def vary(spread: float) -> float:
        return 1.0 + float(rng.uniform(-spread, spread))

    return Anatomy(
        face_width=vary(0.04),
        eye_x=0.0315 * vary(0.03),
        eye_y=0.0,
        eye_z=0.068,
        nose_length=vary(0.08),
        nose_width=vary(0.1),
        mouth_y=-0.0635 * vary(0.03),
        mouth_z=0.0915,
        mouth_half_width=0.0235 * vary(0.06),
        lip_fullness=vary(0.15),
        chin_y=-0.104 * vary(0.03),
    )
