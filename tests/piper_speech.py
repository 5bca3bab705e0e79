"""Piper speech for tests: the bundled voice with its noise off, so every run gets the
same samples, at the TTS path's 24 kHz, padded with faint noise."""

from __future__ import annotations

from functools import cache

import numpy as np
import soxr

RATE = 24000
PAD_S = 0.3


@cache
def synthesized(text: str) -> np.ndarray:
    """Piper's `text` at RATE with PAD_S of faint noise around it."""
    import piper

    from avatar_player.speech.voices import load_piper

    config = piper.SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    chunks = list(load_piper().voice.synthesize(text, syn_config=config))
    samples = np.concatenate([chunk.audio_float_array for chunk in chunks])
    audio = soxr.resample(samples, chunks[0].sample_rate, RATE) * 32768.0
    pad = np.zeros(round(PAD_S * RATE))
    audio = np.concatenate((pad, audio, pad))
    audio += np.random.default_rng(0).uniform(-2.0, 2.0, audio.size)
    return np.clip(np.rint(audio), -32768, 32767).astype(np.int16)
