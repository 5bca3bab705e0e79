"""Published anthropometric norms of the adult head, face, neck and shoulders, as data with
their sources, and the dimensionless ratios the avatars are checked against.

Every figure is a mean and standard deviation in millimetres, (female, male). Each Measure
says where its figure was read (source) and how far it was checked (note):

- head_breadth, neck_circumference, biacromial: computed from the ANSUR II public working
  databases (1,986 women, 4,082 men; columns headbreadth, neckcircumference,
  biacromialbreadth; sample SD), read from GitHub coleharlow12/ANSURDataAnalysis,
  ANSUR_II_{FEMALE,MALE}_Public.csv (the female file is byte-identical to the copy in
  sharad18/Adidas-Data-Challenge, sha256 ed7e800a...; the male file has the same values
  as KhadijehValipour/ANSUR). Before: 149.5/156.9 +- 5.3/5.6, 331/398 +- 17/22, 364/409
  +- 17/19, recalled.
- neck_length: derived per subject from the same files (see its note); replaces a figure
  recalled from ANSUR 1988 means (81/84 mm, SD assumed).
- interpupillary: Dodgson's figures from ANSUR 1988 (62.31 +- 3.599, n 2205; 64.67 +- 3.708,
  n 1771), as quoted by several independent transcriptions; the paper itself was not
  readable here. ANSUR II agrees within 0.7 mm (61.7 +- 3.6; 64.0 +- 3.4).
- Farkas measures: the book and Farkas et al. 2005/2007 were not readable here. The figures
  were compared with public transcriptions of the tables that reprint Farkas' North
  American white norms (women n 200, men n 109): Al-Sebaei 2015 (PMC4369102, table 4),
  Virdi, Wertheim and Naini 2019 (PMC6384287, tables 2-3), Husein et al. 2010 (table 1).
  "checked" in a note means the figure agrees with them; anything else is unverified.
  Changed by the check: n-gn women 112.0 -> 111.8; ex-ex men SD 3.2 -> 3.0; ch-ch men
  53.3 +- 3.3 -> 54.5 +- 3.0; sn-gn 64.9 +- 3.6, 72.6 +- 4.6 -> 64.3 +- 4.0, 72.6 +- 4.5;
  ls-sto women 8.4 -> 8.7; sto-li women 9.7 -> 9.4. Unverified: all zy-zy and n-gn SDs
  (zy-zy means only to the mm), the women's SDs of ex-ex, ch-ch and n-sn, and the men's
  vermilion heights and all vermilion SDs.

The checks use ratios of two measures (an avatar has no absolute size a viewer can judge)
with tolerances of about two standard deviations of the ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

FARKAS_NAW = (
    "Farkas LG, Anthropometry of the Head and Face, 2nd ed. 1994, and Farkas et al. 2005 "
    "(J Craniofac Surg 16:615) / 2007 (Ann Plast Surg 59:692): North American whites, young "
    "adults; read as reprinted in PMC4369102 table 4, PMC6384287 tables 2-3 and Husein et "
    "al. 2010 table 1"
)
DODGSON_2004 = (
    "Dodgson NA, Variation and extrema of human interpupillary distance, Proc. SPIE 5291, "
    "2004, doi 10.1117/12.529999 (from the 1988 US Army survey, ANSUR)"
)
ANSUR_II = (
    "Gordon CC et al., 2012 Anthropometric Survey of U.S. Army Personnel (ANSUR II), public "
    "working databases, computed from github.com/coleharlow12/ANSURDataAnalysis "
    "ANSUR_II_FEMALE_Public.csv and ANSUR_II_MALE_Public.csv"
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
    "face_height": Measure(
        "n-gn", (111.8, 121.3), (5.2, 6.8), FARKAS_NAW, "means checked; SDs unverified"
    ),
    "face_width": Measure(
        "zy-zy", (129.9, 137.1), (4.6, 4.3), FARKAS_NAW, "means checked to 1 mm; SDs not"
    ),
    "intercanthal": Measure("en-en", (31.8, 33.3), (2.3, 2.7), FARKAS_NAW, "checked"),
    "biocular": Measure("ex-ex", (87.8, 91.2), (3.2, 3.0), FARKAS_NAW, "checked but women's SD"),
    "interpupillary": Measure(
        "p-p", (62.3, 64.7), (3.6, 3.7), DODGSON_2004, "as quoted; ANSUR II 61.7, 64.0"
    ),
    "mouth_width": Measure("ch-ch", (50.2, 54.5), (3.2, 3.0), FARKAS_NAW, "checked but women's SD"),
    "nose_width": Measure("al-al", (31.4, 34.9), (2.0, 2.1), FARKAS_NAW, "checked"),
    "nose_height": Measure("n-sn", (50.6, 54.8), (3.1, 3.3), FARKAS_NAW, "checked but women's SD"),
    "lower_face_height": Measure(
        "sn-gn", (64.3, 72.6), (4.0, 4.5), FARKAS_NAW, "checked (as sn-me)"
    ),
    "upper_vermilion": Measure(
        "ls-sto", (8.7, 8.9), (1.3, 1.5), FARKAS_NAW, "women's mean checked, rest not"
    ),
    "lower_vermilion": Measure(
        "sto-li", (9.4, 10.4), (1.6, 1.9), FARKAS_NAW, "women's mean checked, rest not"
    ),
    "head_breadth": Measure("eu-eu", (147.8, 154.3), (5.2, 5.5), ANSUR_II, "headbreadth"),
    "neck_circumference": Measure(
        "neck circ.", (329.8, 397.6), (19.2, 25.8), ANSUR_II, "neckcircumference"
    ),
    "biacromial": Measure(
        "biacromial", (365.4, 415.7), (18.3, 19.2), ANSUR_II, "biacromialbreadth"
    ),
    "neck_length": Measure(
        "gn-sst",
        (76.8, 81.2),
        (13.5, 14.3),
        ANSUR_II,
        "derived per subject, not measured: stature - suprasternaleheight - (sittingheight"
        " - eyeheightsitting) - mentonsellionlength, i.e. standing vertex-to-suprasternale"
        " height less the head (vertex to outer eye corner, then sellion to menton). A low"
        " estimate by the unknown height of sellion above the eye corner (a few mm); the SD"
        " includes the four measures' errors, so it overstates the spread",
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
    RatioNorm("intercanthal", "biocular", sd_scale=1.0),
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
"""The proportions every avatar must keep. en-en / ex-ex is held to one SD (0.33-0.40):
at two it let eyes set wide with short fissures pass (0.40-0.42, before the eyelid shell
was stretched across). face_width/head_breadth mixes two surveys
(Farkas' sample against ANSUR II's), so its mean is indicative; its tolerance covers it
(within ANSUR II, bizygomaticbreadth / headbreadth is 0.906 and 0.924, SD 0.031)."""
