"""Published anthropometric norms of the adult head, face, neck and shoulders, as data with
their sources, and the dimensionless ratios the avatars are checked against.

Every figure below is a mean and standard deviation in millimetres, (female, male), quoted
from the tables of its source. They are reproduced from the published tables as recalled
for this module, rounded to 0.1 mm; expect an error of up to about 2 % in a mean and more
in a standard deviation. The checks use ratios of two measures (an avatar has no absolute
size a viewer can judge) with tolerances of about two standard deviations of the ratio,
which is wider than that error. Two ratios (vermilion heights, neck length) rest on
figures recalled with less confidence; their sources say so.
"""

from __future__ import annotations

from dataclasses import dataclass

FARKAS_1994 = (
    "Farkas LG (ed.), Anthropometry of the Head and Face, 2nd ed., Raven Press 1994: "
    "North American Caucasians aged 19-25"
)
DODGSON_2004 = (
    "Dodgson NA, Variation and extrema of human interpupillary distance, Proc. SPIE 5291, "
    "2004 (from the 1988 US Army survey, ANSUR)"
)
ANSUR_II = (
    "Gordon CC et al., 2012 Anthropometric Survey of U.S. Army Personnel (ANSUR II), "
    "Natick/TR-15/007, 2014"
)
ANSUR_1988 = (
    "Gordon CC et al., 1988 Anthropometric Survey of U.S. Army Personnel, Natick/TR-89/044, 1989"
)


@dataclass(frozen=True)
class Measure:
    """One published measurement: mean and SD in mm for (female, male)."""

    label: str
    """Landmarks in the source's notation, e.g. 'n-gn'."""
    mean: tuple[float, float]
    sd: tuple[float, float]
    source: str
    note: str = ""


MEASURES: dict[str, Measure] = {
    "face_height": Measure("n-gn", (112.0, 121.3), (5.2, 6.8), FARKAS_1994),
    "face_width": Measure("zy-zy", (129.9, 137.1), (4.6, 4.3), FARKAS_1994),
    "intercanthal": Measure("en-en", (31.8, 33.3), (2.3, 2.7), FARKAS_1994),
    "biocular": Measure("ex-ex", (87.8, 91.2), (3.2, 3.2), FARKAS_1994),
    "interpupillary": Measure("p-p", (62.3, 64.7), (3.6, 3.7), DODGSON_2004),
    "mouth_width": Measure("ch-ch", (50.2, 53.3), (3.2, 3.3), FARKAS_1994),
    "nose_width": Measure("al-al", (31.4, 34.9), (2.0, 2.1), FARKAS_1994),
    "nose_height": Measure("n-sn", (50.6, 54.8), (3.1, 3.3), FARKAS_1994),
    "lower_face_height": Measure("sn-gn", (64.9, 72.6), (3.6, 4.6), FARKAS_1994),
    "upper_vermilion": Measure(
        "ls-sto", (8.4, 8.9), (1.3, 1.5), FARKAS_1994, "recalled with less confidence"
    ),
    "lower_vermilion": Measure(
        "sto-li", (9.7, 10.4), (1.6, 1.9), FARKAS_1994, "recalled with less confidence"
    ),
    "head_breadth": Measure("eu-eu", (149.5, 156.9), (5.3, 5.6), ANSUR_II),
    "neck_circumference": Measure("neck circ.", (331.0, 398.0), (17.0, 22.0), ANSUR_II),
    "biacromial": Measure("biacromial", (364.0, 409.0), (17.0, 19.0), ANSUR_II),
    "neck_length": Measure(
        "gn-sst",
        (81.0, 84.0),
        (10.0, 10.0),
        ANSUR_1988,
        "derived, not measured by the survey: (stature - head height) - suprasternale "
        "height from the survey's means, head upright; SD assumed (10 mm)",
    ),
}
"""The measures the avatars are compared with, by name (landmarks.py measures the same
names on an avatar)."""


@dataclass(frozen=True)
class RatioNorm:
    """A dimensionless proportion `numerator / denominator` of two MEASURES."""

    numerator: str
    denominator: str
    sd_scale: float = 2.0
    """Tolerance in standard deviations of the ratio."""

    @property
    def name(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    def mean(self, sex: str) -> float:
        i = _sex_index(sex)
        return MEASURES[self.numerator].mean[i] / MEASURES[self.denominator].mean[i]

    def sd(self, sex: str) -> float:
        """SD of the ratio, propagated as if the two measures were independent (they are
        positively correlated, so this overstates it a little: a lenient check)."""
        i = _sex_index(sex)
        top, bottom = MEASURES[self.numerator], MEASURES[self.denominator]
        cv = ((top.sd[i] / top.mean[i]) ** 2 + (bottom.sd[i] / bottom.mean[i]) ** 2) ** 0.5
        return self.mean(sex) * cv

    def bounds(self, sex: str) -> tuple[float, float]:
        """The accepted range for an avatar of `sex`."""
        spread = self.sd_scale * self.sd(sex)
        return self.mean(sex) - spread, self.mean(sex) + spread

    def describe(self, sex: str) -> str:
        low, high = self.bounds(sex)
        top, bottom = MEASURES[self.numerator], MEASURES[self.denominator]
        return (
            f"{self.name} ({top.label} / {bottom.label}) norm {self.mean(sex):.3f} "
            f"+- {self.sd_scale:g} SD = [{low:.3f}, {high:.3f}] ({sex})"
        )


def _sex_index(sex: str) -> int:
    if sex not in ("female", "male"):
        raise ValueError(f"no norms for sex {sex!r}")
    return 0 if sex == "female" else 1


RATIOS: tuple[RatioNorm, ...] = (
    RatioNorm("face_height", "face_width"),
    RatioNorm("intercanthal", "biocular"),
    RatioNorm("biocular", "face_width"),
    RatioNorm("mouth_width", "interpupillary"),
    RatioNorm("nose_width", "intercanthal"),
    RatioNorm("nose_width", "mouth_width"),
    RatioNorm("nose_height", "face_height"),
    RatioNorm("lower_face_height", "face_height"),
    RatioNorm("upper_vermilion", "mouth_width"),
    RatioNorm("lower_vermilion", "mouth_width"),
    RatioNorm("face_width", "head_breadth"),
    RatioNorm("neck_circumference", "head_breadth"),
    RatioNorm("neck_length", "face_height"),
    RatioNorm("biacromial", "head_breadth"),
)
"""The proportions every avatar must keep. face_width/head_breadth mixes two surveys
(Farkas' sample against ANSUR II's), so its mean is indicative; its tolerance covers it."""
