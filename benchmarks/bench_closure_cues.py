"""How well each lip-closure cue tells a bilabial closure from another consonant's.

Every closure the acoustic cue (`avatar_player.motion.closure`) finds in the sentences is
labelled with the consonant a forced alignment of the known text puts there: a bilabial
(M B P), a labial the lips make open (W F V), another consonant, or none (a dip in a
vowel). For each place cue the script prints the area under the ROC curve, bilabial against
other consonants (0.5: chance, 1: perfect), and how often the recognizer heard a bilabial
within 20 ms of the closure; then how many closures of each class the generator's scoring
shows as lip closures. Piper synthesises with its default noise, so its figures move a
little between runs.

    python benchmarks/bench_closure_cues.py
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import soxr
from bench_visemes import SENTENCES, SESSION_RATE, padded, speech_engines

from avatar_player.motion.closure import (
    BILABIALS,
    CLOSURE_SCORE,
    OPEN_LABIALS,
    VOWELS,
    Closure,
    ClosureTrack,
    Reading,
    find_closures,
)
from avatar_player.protocol.constants import samples_per_frame
from avatar_player.visemes import SILENCE
from avatar_player.visemes.alignment import align_phones
from avatar_player.visemes.recognizer import RECOGNIZER_RATE, PhoneRecognizer

MORE_SENTENCES = (
    "Peter picked a pepper from the pot.",
    "Daniel needs a new kettle.",
    "Ten good ducks came in.",
    "Nine tiny kittens ate dinner tonight.",
    "A happy baby sleeps in the big bed.",
    "The cat sat on a mat by the door.",
    "My mother made lemon pie.",
    "Keep the dog under the table.",
    "Maybe we can meet at the park.",
    "Please bring me a cup of apple juice.",
    "Get the rabbit a carrot and a turnip.",
    "Ben and Pam both sat beside them.",
    "Gina got a good deal on the dress.",
)
ALVEOLAR_LOCUS = (0.4, 1100.0)
LABIAL_LOCUS = (0.8, 200.0)
"""Locus equations (F2 at the release = slope x F2 in the vowel + intercept, Hz), after
Sussman et al. (1991)."""


def locus(track: ClosureTrack, closure: Closure) -> float:
    """F2 at the release (Hz)."""
    return track.f2(closure.end, closure.end + 2)


def vowel_f2(track: ClosureTrack, closure: Closure) -> float:
    """F2 in the vowel after the release (Hz)."""
    return track.f2(closure.end + 4, closure.end + 10)


Cue = Callable[[ClosureTrack, Closure], float]
CUES: dict[str, Cue] = {
    "murmur F2 (low)": lambda t, c: -t.f2(c.start, c.end) if c.voiced else np.nan,
    "F2 locus (low)": lambda t, c: -locus(t, c),
    "F2 rise into the vowel": lambda t, c: t.f2(c.end + 3, c.end + 7) - locus(t, c),
    "below the alveolar locus line": lambda t, c: (
        ALVEOLAR_LOCUS[0] * vowel_f2(t, c) + ALVEOLAR_LOCUS[1] - locus(t, c)
    ),
    "near the labial locus line": lambda t, c: (
        -abs(LABIAL_LOCUS[0] * vowel_f2(t, c) + LABIAL_LOCUS[1] - locus(t, c))
    ),
    "closure length": lambda t, c: c.end - c.start,
}


def place(reference: dict[int, str], closure: Closure) -> str:
    """The class of the consonant aligned with the closure (one frame either side)."""
    phones = [reference.get(k, SILENCE) for k in range(closure.start - 1, closure.end + 1)]
    consonants = [p for p in phones if p != SILENCE and p not in VOWELS]
    if not consonants:
        return "none"
    phone = max(set(consonants), key=consonants.count)
    return "bilabial" if phone in BILABIALS else "open labial" if phone in OPEN_LABIALS else "other"


def auc(positive: list[float], negative: list[float]) -> float:
    """Probability that a bilabial's cue exceeds another consonant's (ties count half)."""
    pos = np.array([p for p in positive if not np.isnan(p)])
    neg = np.array([n for n in negative if not np.isnan(n)])
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (pos.size * neg.size))


def main() -> None:
    block = samples_per_frame(SESSION_RATE)
    for engine in speech_engines():
        values: dict[tuple[str, str], list[float]] = {}
        heard, shown, total = Counter(), Counter(), Counter()
        for text in SENTENCES + MORE_SENTENCES:
            pcm = padded(*engine.synthesize(text))
            pcm_16k = soxr.resample(pcm.astype(np.float32), SESSION_RATE, RECOGNIZER_RATE)
            try:
                segments = align_phones(np.rint(pcm_16k).astype(np.int16), text)
            except RuntimeError:
                continue
            reference = {k: s.phone for s in segments for k in range(s.start, s.end)}
            track, recognizer = ClosureTrack(SESSION_RATE), PhoneRecognizer(SESSION_RATE)
            for start in range(0, pcm.size - block + 1, block):
                track.push_block(pcm[start : start + block])
                recognizer.push_block(pcm[start : start + block])
            recognizer.finish()
            labels = list(recognizer.labels)
            for closure in find_closures(track, labels, 0, len(labels)):
                kind = place(reference, closure)
                total[kind] += 1
                shown[kind] += closure.score >= CLOSURE_SCORE
                around = Reading(labels, 0).around(closure.start, closure.end)
                heard[kind] += bool(BILABIALS.intersection(around))
                for name, cue in CUES.items():
                    values.setdefault((name, kind), []).append(cue(track, closure))
        print(f"{engine.name}: {dict(total)} closures")
        for name in CUES:
            bilabial, other = values.get((name, "bilabial"), []), values.get((name, "other"), [])
            print(f"  AUC bilabial vs other, {name}: {auc(bilabial, other):.2f}")
        for kind in total:
            print(
                f"  {kind}: recognizer heard a bilabial at {heard[kind]}/{total[kind]}, "
                f"shown as a lip closure {shown[kind]}/{total[kind]}"
            )


if __name__ == "__main__":
    main()
