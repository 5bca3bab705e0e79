"""Viseme accuracy against known phones, and the lead of the mouth at onsets.

Sentences are synthesized with Piper and espeak-ng; their reference phones come from a
forced alignment of the known text (avatar_player.visemes.alignment). The streaming
recognizer (as the generator runs it: 40 ms blocks, committed labels) is scored frame by
frame (10 ms) on the viseme of each label, overall and per reference viseme class
(recall). The lead is measured on the generator's frames at 25 fps: for each opening
onset (an open vowel, viseme C, D or E, right after silence or a bilabial closure in the
reference), the time at which jaw_open first rises by a quarter of the way from its
lowest value in the closure (or silence) to its peak over the vowel (between frames, as the
player interpolates them), minus
the aligned acoustic onset of the vowel (negative = the jaw moves first). A sentence the
aligner cannot align is skipped and counted.

    python benchmarks/bench_visemes.py
"""

from __future__ import annotations

import itertools
import time
from collections import Counter

import numpy as np
import soxr

from avatar_player.motion import MotionGenerator
from avatar_player.protocol.constants import FRAME_RATE, samples_per_frame
from avatar_player.speech.voices import Engine, EspeakEngine, espeak_executable, load_piper
from avatar_player.visemes import PHONE_FRAME_RATE, PhoneSegment, Viseme, viseme_of
from avatar_player.visemes.alignment import align_phones
from avatar_player.visemes.recognizer import RECOGNIZER_RATE, PhoneRecognizer

SENTENCES = (
    "Mama made my bamboo mop.",
    "Five very fine wolves flew over the fence.",
    "Bob put the map in the box, please.",
    "Who would woo you on a cool blue moon?",
    "The thin dog ran to the old lady.",
    "Peter picked a pepper from the pot.",
    "I am on an old oak.",
    "Every apple is awesome.",
    "Anna ate an olive, and Oliver ate an apple.",
    "Oh, all our animals are awake.",
    "Eight owls arrived at eleven.",
)
PAD_S = 0.3
"""Silence around each sentence (the aligner needs some, and it makes onsets: the last
sentences start with open vowels, and their commas add pauses)."""
SESSION_RATE = 24000
OPEN_VISEMES = (Viseme.C, Viseme.D, Viseme.E)


def padded(samples: np.ndarray, rate: int) -> np.ndarray:
    """Float samples -> int16 at SESSION_RATE, with PAD_S of faint noise on both sides."""
    pcm = soxr.resample(samples.astype(np.float32), rate, SESSION_RATE)
    pad = np.zeros(round(PAD_S * SESSION_RATE))
    noisy = np.concatenate((pad, pcm * 32768.0, pad))
    noisy += np.random.default_rng(0).uniform(-2.0, 2.0, noisy.size)
    return np.clip(np.rint(noisy), -32768, 32767).astype(np.int16)


def labels(segments: list[PhoneSegment], count: int) -> list[Viseme]:
    """The viseme of each 10 ms frame."""
    out = [Viseme.X] * count
    for segment in segments:
        for frame in range(segment.start, min(segment.end, count)):
            fraction = (frame - segment.start) / (segment.end - segment.start)
            out[frame] = viseme_of(segment.phone, fraction)
    return out


def recognized(pcm: np.ndarray) -> list[PhoneSegment]:
    recognizer = PhoneRecognizer(SESSION_RATE)
    block = samples_per_frame(SESSION_RATE)
    for start in range(0, pcm.size - block + 1, block):
        recognizer.push_block(pcm[start : start + block])
    recognizer.finish()
    return recognizer.segments


def onset_leads(pcm: np.ndarray, reference: list[PhoneSegment]) -> dict[Viseme, list[float]]:
    """Lead (ms, negative = jaw first) of the jaw at each opening onset, by the viseme it
    opens from (X: silence, A: a bilabial closure)."""
    generator = MotionGenerator(SESSION_RATE)
    jaw = np.array([f.scalar("jaw_open") for f in generator.push(pcm) + generator.finish()])
    times = np.arange(jaw.size) / FRAME_RATE
    leads: dict[Viseme, list[float]] = {Viseme.X: [], Viseme.A: []}
    for previous, segment in itertools.pairwise(reference):
        closed = viseme_of(previous.phone, 1.0)
        if closed not in leads or viseme_of(segment.phone, 0.0) not in OPEN_VISEMES:
            continue
        onset = segment.start / PHONE_FRAME_RATE
        closure = np.flatnonzero((times >= previous.start / PHONE_FRAME_RATE) & (times <= onset))
        opening = np.flatnonzero((times > onset) & (times < segment.end / PHONE_FRAME_RATE + 0.1))
        if closure.size == 0 or opening.size == 0:
            continue
        low = closure[np.argmin(jaw[closure])]
        peak = jaw[opening].max()
        level = jaw[low] + 0.25 * (peak - jaw[low])
        rising = np.flatnonzero(jaw[low:] > level)
        if peak - jaw[low] > 0.1 and rising.size:
            # The player interpolates linearly between frames: the crossing between them.
            after = low + rising[0]
            fraction = (level - jaw[after - 1]) / (jaw[after] - jaw[after - 1])
            crossing = times[after - 1] + fraction / FRAME_RATE
            leads[closed].append(1000.0 * (crossing - onset))
    return leads


def speech_engines() -> list[Engine]:
    """Piper, and espeak-ng where it is installed."""
    engines: list[Engine] = [load_piper()]
    executable = espeak_executable()
    if executable is not None:
        engines.append(EspeakEngine(executable))
    return engines


def main() -> None:
    for engine in speech_engines():
        hits, totals, confusions = Counter(), Counter(), Counter()
        leads: dict[Viseme, list[float]] = {Viseme.X: [], Viseme.A: []}
        cpu = audio_s = 0.0
        unaligned = 0
        for text in SENTENCES:
            samples, rate = engine.synthesize(text)
            pcm = padded(samples, rate)
            pcm_16k = soxr.resample(pcm.astype(np.float32), SESSION_RATE, RECOGNIZER_RATE)
            try:
                reference = align_phones(np.rint(pcm_16k).astype(np.int16), text)
            except RuntimeError:
                unaligned += 1
                continue
            started = time.process_time()
            found = recognized(pcm)
            cpu += time.process_time() - started
            audio_s += pcm.size / SESSION_RATE
            count = reference[-1].end
            for truth, guess in zip(labels(reference, count), labels(found, count), strict=True):
                totals[truth] += 1
                hits[truth] += truth == guess
                confusions[truth, guess] += truth != guess
            for closed, found_leads in onset_leads(pcm, reference).items():
                leads[closed] += found_leads
        accuracy = sum(hits.values()) / sum(totals.values())
        print(
            f"{engine.name}: frame-level viseme accuracy {accuracy:.3f} "
            f"({sum(totals.values())} frames, {len(SENTENCES) - unaligned} sentences, "
            f"{unaligned} not aligned); "
            f"recognizer cpu {cpu / audio_s:.4f} s per audio s at {SESSION_RATE} Hz"
        )
        for viseme in Viseme:
            if totals[viseme]:
                worst = max(
                    (k for k in confusions if k[0] == viseme), key=confusions.get, default=None
                )
                mistaken = f", most often taken for {worst[1]}" if worst else ""
                print(
                    f"  {viseme}: recall {hits[viseme] / totals[viseme]:.3f} "
                    f"of {totals[viseme]:4d} frames{mistaken}"
                )
        for closed, what in ((Viseme.X, "silence"), (Viseme.A, "a bilabial")):
            if leads[closed]:
                print(
                    f"  jaw opening from {what} vs acoustic vowel onset: median "
                    f"{np.median(leads[closed]):+.0f} ms (min {min(leads[closed]):+.0f}, "
                    f"max {max(leads[closed]):+.0f}, {len(leads[closed])} onsets)"
                )


if __name__ == "__main__":
    main()
