"""Reference phone timing of a known text: forced alignment with PocketSphinx.

The text's words are looked up in the en-us dictionary (first pronunciation) and their
phones aligned to the audio as a fixed sequence (optional silence between them). Used to
measure the recognizer (benchmarks/bench_visemes.py) and in tests, where the phones
spoken are known but their timing is not.
"""

from __future__ import annotations

import re

import numpy as np

from avatar_player.visemes.recognizer import RECOGNIZER_RATE, load_pocketsphinx
from avatar_player.visemes.table import SILENCE, PhoneSegment

_WORD_PREFIX = "ph_"


def align_phones(pcm_16k: np.ndarray, text: str) -> list[PhoneSegment]:
    """Phone segments (10 ms frames) of `text` spoken in `pcm_16k` (int16, 16 kHz).

    Raises `RecognizerUnavailable` without PocketSphinx, KeyError for a word missing from
    the dictionary and RuntimeError when the audio cannot be aligned to the text.
    """
    pocketsphinx = load_pocketsphinx()
    decoder = pocketsphinx.Decoder(samprate=RECOGNIZER_RATE, loglevel="FATAL")
    phones: list[str] = []
    for word in re.sub(r"[^a-z' ]", " ", text.lower()).split():
        pronunciation = decoder.lookup_word(word)
        if pronunciation is None:
            raise KeyError(f"{word!r} is not in the en-us dictionary")
        phones += pronunciation.split()
    for phone in set(phones):
        decoder.add_word(_WORD_PREFIX + phone, phone, False)
    decoder.set_align_text(" ".join(_WORD_PREFIX + phone for phone in phones))
    # The first pass settles the cepstral mean; the second aligns with it.
    for _ in range(2):
        decoder.start_utt()
        decoder.process_raw(pcm_16k.astype(np.int16).tobytes(), full_utt=True)
        decoder.end_utt()
    segments = decoder.seg()
    if segments is None:
        raise RuntimeError(f"the audio could not be aligned to {text!r}")
    return [
        PhoneSegment(
            s.word.removeprefix(_WORD_PREFIX) if s.word.startswith(_WORD_PREFIX) else SILENCE,
            s.start_frame,
            s.end_frame + 1,
        )
        for s in segments
    ]
