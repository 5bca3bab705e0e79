"""Colours and hair style of an avatar, drawn from small palettes by its seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKIN_TONES: dict[str, tuple[float, float, float]] = {
    "fair": (0.93, 0.74, 0.63),
    "light": (0.93, 0.72, 0.58),
    "medium": (0.82, 0.58, 0.43),
    "olive": (0.76, 0.57, 0.4),
    "brown": (0.58, 0.38, 0.26),
}
HAIR_COLOURS: dict[str, tuple[float, float, float]] = {
    "black": (0.045, 0.038, 0.035),
    "dark brown": (0.13, 0.08, 0.05),
    "brown": (0.27, 0.17, 0.1),
    "auburn": (0.4, 0.15, 0.07),
    "blonde": (0.72, 0.55, 0.32),
}
IRIS_COLOURS: dict[str, tuple[float, float, float]] = {
    "brown": (0.3, 0.16, 0.07),
    "hazel": (0.42, 0.3, 0.12),
    "green": (0.24, 0.4, 0.22),
    "blue": (0.25, 0.42, 0.62),
    "grey": (0.42, 0.47, 0.52),
}
SHIRT_COLOURS: dict[str, tuple[float, float, float]] = {
    "navy": (0.1, 0.14, 0.27),
    "teal": (0.07, 0.3, 0.32),
    "charcoal": (0.17, 0.17, 0.19),
    "burgundy": (0.36, 0.08, 0.12),
    "sand": (0.7, 0.62, 0.48),
}
HAIR_STYLES: tuple[str, ...] = ("short", "bob")
SEXES: tuple[str, ...] = ("female", "male")
AGES: tuple[str, ...] = ("young", "adult", "senior")
"""Build and age of the face (the anatomy varies its proportions by them)."""


@dataclass(frozen=True)
class AvatarStyle:
    """Named palette choices of one avatar (names go into the asset metadata)."""

    skin: str
    hair: str
    hair_style: str
    iris: str
    shirt: str
    sex: str
    age: str

    @property
    def skin_rgb(self) -> np.ndarray:
        return np.array(SKIN_TONES[self.skin])

    @property
    def lips_rgb(self) -> np.ndarray:
        return self.skin_rgb * np.array([0.92, 0.58, 0.58])

    @property
    def hair_rgb(self) -> np.ndarray:
        return np.array(HAIR_COLOURS[self.hair])

    @property
    def iris_rgb(self) -> np.ndarray:
        return np.array(IRIS_COLOURS[self.iris])

    @property
    def shirt_rgb(self) -> np.ndarray:
        return np.array(SHIRT_COLOURS[self.shirt])


def style_for_seed(rng: np.random.Generator) -> AvatarStyle:
    """One choice from each palette."""

    def pick(names: tuple[str, ...] | list[str]) -> str:
        return str(names[rng.integers(len(names))])

    return AvatarStyle(
        skin=pick(list(SKIN_TONES)),
        hair=pick(list(HAIR_COLOURS)),
        hair_style=pick(HAIR_STYLES),
        iris=pick(list(IRIS_COLOURS)),
        shirt=pick(list(SHIRT_COLOURS)),
        sex=pick(SEXES),
        age=pick(AGES),
    )
