"""The viseme set, the phone -> viseme table and each viseme's mouth shape (data only).

Visemes follow Rhubarb Lip Sync's mouth shapes A-H and X (see docs/visemes.md). Phones
are the CMU/ARPAbet set of PocketSphinx's en-us model; a diphthong shows its start shape
for the first half and its end shape for the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

PHONE_FRAME_RATE = 100
"""Phone labels per second (PocketSphinx frames)."""
SILENCE = "SIL"


@dataclass(frozen=True)
class PhoneSegment:
    """A run of one phone's labels, in label frames [start, end)."""

    phone: str
    start: int
    end: int


class Viseme(StrEnum):
    """Rhubarb's mouth shapes."""

    A = "A"
    """Closed, lips pressed: M, B, P."""
    B = "B"
    """Slightly open, teeth nearly together: most consonants (K, S, Z), and EE."""
    C = "C"
    """Open: EH, AE, AH."""
    D = "D"
    """Wide open: AA."""
    E = "E"
    """Slightly rounded: AO, ER, R."""
    F = "F"
    """Puckered: UW, OW, W; the lip funnel of SH, CH."""
    G = "G"
    """Lower lip under the upper teeth: F, V."""
    H = "H"
    """Tongue tip raised to the teeth ridge: L, T, D, N, TH."""
    X = "X"
    """Rest: silence."""


def _table(groups: dict[Viseme, str]) -> dict[str, tuple[Viseme, Viseme]]:
    return {
        phone: (viseme, viseme) for viseme, phones in groups.items() for phone in phones.split()
    }


PHONE_VISEMES: MappingProxyType[str, tuple[Viseme, Viseme]] = MappingProxyType(
    _table(
        {
            Viseme.A: "M B P",
            Viseme.B: "K G NG S Z HH Y IY IH",
            Viseme.C: "EH AE AH",
            Viseme.D: "AA",
            Viseme.E: "AO ER R UH",
            Viseme.F: "UW W SH ZH CH JH",
            Viseme.G: "F V",
            Viseme.H: "L T D N TH DH",
            Viseme.X: "SIL",
        }
    )
    | {
        "AY": (Viseme.D, Viseme.B),
        "AW": (Viseme.D, Viseme.F),
        "OY": (Viseme.E, Viseme.B),
        "EY": (Viseme.C, Viseme.B),
        "OW": (Viseme.E, Viseme.F),
    }
)
"""Phone -> (viseme of its first half, viseme of its second half)."""


SHAPE_CHANNELS: tuple[str, ...] = (
    "jaw_open",
    "mouth_round",
    "mouth_wide",
    "mouth_close",
    "lips_press",
    "lip_funnel",
    "lip_tuck",
    "tongue_up",
)
"""The motion channels a viseme shape sets, in the order of SHAPES' rows."""

SHAPES: MappingProxyType[Viseme, tuple[float, ...]] = MappingProxyType(
    {
        #          jaw  round wide close press funnel tuck tongue
        Viseme.A: (0.00, 0.00, 0.00, 1.00, 1.00, 0.00, 0.00, 0.00),
        Viseme.B: (0.15, 0.00, 0.50, 0.00, 0.00, 0.00, 0.00, 0.00),
        Viseme.C: (0.45, 0.00, 0.30, 0.00, 0.00, 0.00, 0.00, 0.00),
        Viseme.D: (0.80, 0.00, 0.10, 0.00, 0.00, 0.00, 0.00, 0.00),
        Viseme.E: (0.40, 0.45, 0.00, 0.00, 0.00, 0.40, 0.00, 0.00),
        Viseme.F: (0.15, 0.85, 0.00, 0.00, 0.00, 0.90, 0.00, 0.00),
        Viseme.G: (0.10, 0.00, 0.20, 0.00, 0.00, 0.00, 1.00, 0.00),
        Viseme.H: (0.45, 0.00, 0.20, 0.00, 0.00, 0.00, 0.00, 1.00),
        Viseme.X: (0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00),
    }
)
"""Each viseme's target value of every SHAPE_CHANNELS channel (jaw_open at full loudness)."""


def viseme_of(phone: str, fraction: float) -> Viseme:
    """The viseme of `phone` at `fraction` (0..1) of its duration; fillers and unknown
    phones (noise, breath) are rest."""
    first, second = PHONE_VISEMES.get(phone, (Viseme.X, Viseme.X))
    return first if fraction < 0.5 else second
