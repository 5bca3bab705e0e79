"""Lip closure at the first consonant after a pause.

Short utterances (one to three words, padded with silence) that start with a bilabial and
as many that start with another sound, from Piper (default noise, so its figures move a
little between runs) and espeak-ng. For each, the generator's lips_press is read from 120
ms before the acoustic onset (the first motion frame within 45 dB of full scale) to 80 ms
after it; the script prints how many bilabial-initial utterances press the lips there
(> 0.7), how many others do (false closures), and the utterances it got wrong.

    python benchmarks/bench_initial_closures.py
"""

from __future__ import annotations

import numpy as np
from bench_visemes import SESSION_RATE, padded, speech_engines

from avatar_player.motion import MotionGenerator
from avatar_player.protocol.constants import samples_per_frame

BILABIAL_INITIAL = (
    "Bob.", "Peter.", "Pot.", "Ball.", "Maybe.", "Paul.", "Bill.", "Money.", "Buy it.",
    "Pay me.", "Mine.", "Pen.", "Boats float.", "Put it down.", "Many people came.",
    "Bring the book.", "Please wait.", "Move on.", "Big dogs bark.", "Park here.",
)  # fmt: skip
OTHER_INITIAL = (
    "Hot.", "All.", "Oh.", "Ten.", "Dog.", "Call.", "Nine.", "Lot.", "Eat.", "Go.",
    "Sit down.", "Take it.", "Run home.", "Look here.", "Never again.", "Wait here.",
    "Fine.", "Very good.", "Thanks.", "Kind words.",
)  # fmt: skip
WINDOW_FRAMES = (3, 2)
"""Frames before and after the onset frame in which a press counts."""
PRESSED = 0.7
ONSET_DBFS = -45.0


def pressed_at_onset(pcm: np.ndarray) -> bool:
    """Whether lips_press exceeds PRESSED around the first loud frame."""
    generator = MotionGenerator(SESSION_RATE)
    press = np.array([f.scalar("lips_press") for f in generator.push(pcm) + generator.finish()])
    size = samples_per_frame(SESSION_RATE)
    frames = pcm[: pcm.size // size * size].astype(np.float64).reshape(-1, size) / 32768.0
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    onset = int(np.flatnonzero(level > ONSET_DBFS)[0])
    return bool(
        press[max(onset - WINDOW_FRAMES[0], 0) : onset + WINDOW_FRAMES[1] + 1].max() > PRESSED
    )


def main() -> None:
    for engine in speech_engines():
        for group, texts, expected in (
            ("bilabial-initial", BILABIAL_INITIAL, True),
            ("other-initial", OTHER_INITIAL, False),
        ):
            results = {text: pressed_at_onset(padded(*engine.synthesize(text))) for text in texts}
            wrong = [text for text, pressed in results.items() if pressed != expected]
            print(
                f"{engine.name}: {group}: lips pressed at the onset in "
                f"{sum(results.values())}/{len(texts)}; wrong: {', '.join(wrong) or 'none'}"
            )


if __name__ == "__main__":
    main()
