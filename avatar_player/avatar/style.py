"""Colours and hair style of an avatar, drawn from small palettes by its seed.

Sex and age come first; the hair style is drawn from the cuts suited to them, the hair
colour from those common with the skin tone (grey or white for seniors), the iris likewise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKIN_TONES: dict[str, tuple[float, float, float]] = {
    "fair": (0.93, 0.74, 0.63),
    "light": (0.93, 0.72, 0.58),
    "medium": (0.82, 0.58, 0.43),
    "olive": (0.76, 0.57, 0.4),
    "brown": (0.58, 0.38, 0.26),
    "dark": (0.36, 0.22, 0.145),
}
HAIR_COLOURS: dict[str, tuple[float, float, float]] = {
    "black": (0.045, 0.038, 0.035),
    "dark brown": (0.13, 0.08, 0.05),
    "brown": (0.27, 0.17, 0.1),
    "auburn": (0.4, 0.15, 0.07),
    "blonde": (0.72, 0.55, 0.32),
    "grey": (0.4, 0.39, 0.37),
    "white": (0.72, 0.71, 0.68),
}
"""Mean colour of each hair colour (grey and white hair mix white and ash strands)."""
WHITE_STRAND = (0.78, 0.77, 0.74)
ASH_STRAND = (0.2, 0.18, 0.165)
GREYING: dict[str, float] = {"grey": 0.5, "white": 0.92}
"""Share of white strands in greyed hair; the others keep an ash pigment (salt and pepper)."""
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
LIP_TINT = np.array([0.85, 0.6, 0.59])
"""Lip colour against the skin's, before LIP_DESATURATION: darker, redder, a little rosy
(blue stays well under green, or fair lips under the cool fill read as tongue pink to
render/lipsync.py)."""
LIP_DESATURATION = 0.1
"""Share of the tinted lip colour's saturation taken away (toward its grey)."""
LUMA = np.array([0.2126, 0.7152, 0.0722])
SEXES: tuple[str, ...] = ("female", "male")
AGES: tuple[str, ...] = ("young", "adult", "senior")
"""Build and age of the face (the anatomy varies its proportions by them)."""
HAIR_STYLES: tuple[str, ...] = ("short", "side_part", "bob", "long", "tied", "receding")
"""Cuts (avatar_player.avatar.parts.haircut describes each)."""
SUITED_STYLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("female", "young"): ("long", "tied", "bob"),
    ("female", "adult"): ("bob", "long", "tied", "side_part"),
    ("female", "senior"): ("bob", "short", "tied"),
    ("male", "young"): ("short", "side_part"),
    ("male", "adult"): ("short", "side_part"),
    ("male", "senior"): ("receding", "short", "side_part"),
}
"""(sex, age) -> the cuts drawn for it."""
DARK_HAIRED_SKINS = ("olive", "brown", "dark")
NATURAL_HAIR = ("black", "dark brown", "brown", "auburn", "blonde")
DARK_HAIR = ("black", "dark brown")
DARK_IRIS_SKINS = ("brown", "dark")
DARK_IRIS = ("brown", "hazel")
SENIOR_HAIR = ("grey", "white")


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
        """The skin's colour made darker, a little redder and less saturated (lips of
        every skin tone follow it: rosy on fair skin, brown-rose on dark skin)."""
        tinted = self.skin_rgb * LIP_TINT
        grey = float(tinted @ LUMA)
        return tinted + (grey - tinted) * LIP_DESATURATION

    @property
    def hair_rgb(self) -> np.ndarray:
        return np.array(HAIR_COLOURS[self.hair])

    @property
    def iris_rgb(self) -> np.ndarray:
        return np.array(IRIS_COLOURS[self.iris])

    @property
    def shirt_rgb(self) -> np.ndarray:
        return np.array(SHIRT_COLOURS[self.shirt])

    def strand_rgb(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Base colour of `count` hair strands, (count, 3): the hair colour, or for greyed
        hair a salt-and-pepper mix of white and ash strands."""
        if self.hair not in GREYING:
            return np.tile(self.hair_rgb, (count, 1))
        white = rng.random(count) < GREYING[self.hair]
        mix = np.where(white, rng.uniform(0.75, 1.0, count), rng.uniform(0.0, 0.4, count))
        return np.asarray(ASH_STRAND) + np.outer(mix, np.subtract(WHITE_STRAND, ASH_STRAND))


def style_for_seed(rng: np.random.Generator) -> AvatarStyle:
    """Sex and age, then one choice from each palette suited to them and to the skin."""

    def pick(names: tuple[str, ...] | list[str]) -> str:
        return str(names[rng.integers(len(names))])

    sex = pick(SEXES)
    age = pick(AGES)
    skin = pick(list(SKIN_TONES))
    if age == "senior":
        hair = pick(SENIOR_HAIR)
    else:
        hair = pick(DARK_HAIR if skin in DARK_HAIRED_SKINS else NATURAL_HAIR)
    return AvatarStyle(
        skin=skin,
        hair=hair,
        hair_style=pick(SUITED_STYLES[sex, age]),
        iris=pick(DARK_IRIS if skin in DARK_IRIS_SKINS else list(IRIS_COLOURS)),
        shirt=pick(list(SHIRT_COLOURS)),
        sex=sex,
        age=age,
    )
