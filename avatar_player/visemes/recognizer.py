"""Streaming phone recognition with PocketSphinx's all-phone search (en-us model).

Audio arrives in fixed-size blocks at the session rate; each block is resampled to 16 kHz
(soxr) and decoded at once. After every block the current best path is read and its
phone labels (one per 10 ms frame) are committed up to STABILITY_FRAMES behind the
decoded audio: the best path rarely changes that far back, and committed labels are
never revised. A pause starts a new utterance, which begins with the pause's last
150 ms (the search needs silence before speech). Fed the same blocks, the decoder commits
the same labels, whatever the chunking of the audio around it.
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import Any

import numpy as np
import soxr

from avatar_player.visemes.table import PHONE_FRAME_RATE, SILENCE, PhoneSegment

RECOGNIZER_RATE = 16000
HOP = RECOGNIZER_RATE // PHONE_FRAME_RATE
"""Samples per label (10 ms)."""
STABILITY_FRAMES = 6
"""Labels this many frames behind the decoded audio are final (measured on Piper speech:
0.6 % of the labels 5 frames behind change before the end of the utterance)."""
DECODER_OPTIONS: dict[str, Any] = {"lw": 2.0, "pip": 0.3, "loglevel": "ERROR"}
"""All-phone search settings (PocketSphinx defaults otherwise; see docs/visemes.md for the
cost and accuracy of the alternatives measured)."""
RESTART_SILENCE_FRAMES = 20
"""A committed pause this long ends the utterance and starts the next one: reading the
best path costs time in proportion to the utterance's length."""
LEAD_IN_FRAMES = 15
"""The next utterance starts with this much of the pause (150 ms): begun at the very
onset of speech, the search loses an initial consonant (the /b/ of "Bob" was heard as
part of the vowel after it)."""


class RecognizerUnavailable(Exception):
    """PocketSphinx or its en-us model cannot be loaded; the message says why."""


def load_pocketsphinx() -> Any:
    """The pocketsphinx module; `RecognizerUnavailable` when it cannot be imported."""
    try:
        return importlib.import_module("pocketsphinx")
    except ImportError as exc:
        raise RecognizerUnavailable(f"pocketsphinx is not installed ({exc})") from exc


class _DecoderPool:
    """Idle decoders kept for the next response: loading one takes 0.1-0.3 s."""

    def __init__(self) -> None:
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    def take(self) -> Any:
        """A decoder ready for a new response: its feature state (cepstral mean, noise
        estimate) reset, so that it decodes as a fresh one would."""
        load_pocketsphinx()  # raises when it is not (or no longer) importable
        with self._lock:
            decoder = self._idle.pop() if self._idle else None
        if decoder is None:
            decoder = self._create()
        decoder.reinit_feat()
        return decoder

    def give_back(self, decoder: Any) -> None:
        with self._lock:
            self._idle.append(decoder)

    def _create(self) -> Any:
        pocketsphinx = load_pocketsphinx()
        phone_lm = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us-phone.lm.bin")
        try:
            decoder = pocketsphinx.Decoder(
                allphone=phone_lm, samprate=RECOGNIZER_RATE, **DECODER_OPTIONS
            )
        except (RuntimeError, ValueError, OSError) as exc:
            reason = f"the PocketSphinx en-us model failed to load: {exc}"
            raise RecognizerUnavailable(reason) from exc
        return decoder


_pool = _DecoderPool()


def preload() -> str:
    """Load one decoder into the pool, so the first response does not wait 0.1-0.3 s for
    it; returns why recognition is unavailable ('' when it is)."""
    try:
        _pool.give_back(_pool.take())
    except RecognizerUnavailable as exc:
        return str(exc)
    return ""


class PhoneRecognizer:
    """Phone labels of one response's audio, committed block by block.

    Raises `RecognizerUnavailable` when PocketSphinx cannot be used.
    """

    def __init__(self, sample_rate: int) -> None:
        self._decoder = _pool.take()
        self._decoder.start_utt()
        self._resampler = (
            None
            if sample_rate == RECOGNIZER_RATE
            # float32: soxr dithers int16 output at random, which would break determinism
            else soxr.ResampleStream(sample_rate, RECOGNIZER_RATE, 1, dtype="float32")
        )
        self.labels: list[str] = []
        """Committed labels, one per 10 ms frame from the response's first sample."""
        self.segments: list[PhoneSegment] = []
        self._offset = 0
        """Label index of the current utterance's first frame (its lead-in's)."""
        self._own = 0
        """Label index of the first frame the current utterance commits (after its lead-in)."""
        self._fed = 0
        """16 kHz samples given to the decoder."""
        self._recent = np.zeros(0, dtype=np.int16)
        """The last samples given to the decoder (a lead-in's worth)."""
        self._finished = False

    def push_block(self, block: np.ndarray) -> None:
        """Decode one block of int16 samples at the session rate; commits what is stable."""
        self._decode(block, last=False)
        self._commit(self._decoder.n_frames() - STABILITY_FRAMES)
        pause = self.segments[-1] if self.segments else None
        if (
            pause is not None
            and pause.phone == SILENCE
            and pause.end - max(pause.start, self._own) >= RESTART_SILENCE_FRAMES
        ):
            self._end_utterance()
            self._start_after_pause()

    def finish(self) -> None:
        """End of the audio: decodes the rest and commits every label."""
        if self._finished:
            return
        self._finished = True
        if self._resampler is not None:
            self._decode(np.zeros(0, dtype=np.int16), last=True)
        self._end_utterance()
        _pool.give_back(self._decoder)

    def release(self) -> None:
        """Give the decoder back without decoding the rest (an interrupted response)."""
        if self._finished:
            return
        self._finished = True
        self._decoder.end_utt()
        _pool.give_back(self._decoder)

    def _end_utterance(self) -> None:
        """Final labels of the utterance, padded with silence to the audio decoded."""
        self._decoder.end_utt()
        self._commit(self._decoder.n_frames())
        self._commit(self._fed // HOP - self._offset)
        self._offset = self._own = len(self.labels)

    def _start_after_pause(self) -> None:
        """Start the next utterance with the pause's last LEAD_IN_FRAMES (their labels
        are committed already): the search needs silence before the speech."""
        self._decoder.start_utt()
        self._offset = len(self.labels) - min(LEAD_IN_FRAMES, len(self.labels))
        lead_in = self._recent[self._recent.size - (self._fed - self._offset * HOP) :]
        self._decoder.process_raw(lead_in.tobytes(), False, False)

    def _decode(self, block: np.ndarray, *, last: bool) -> None:
        if self._resampler is not None:
            resampled = self._resampler.resample_chunk(block.astype(np.float32), last=last)
            block = np.clip(np.rint(resampled), -32768, 32767).astype(np.int16)
        if block.size:
            self._decoder.process_raw(block.tobytes(), False, False)
            self._fed += block.size
            self._recent = np.concatenate((self._recent, block))[-(LEAD_IN_FRAMES + 1) * HOP :]

    def _commit(self, until: int) -> None:
        """Copy the best path's labels of the utterance's frames up to `until` (exclusive)
        into `labels`; frames past the path's end are silence."""
        start = len(self.labels)
        until += self._offset
        if until <= start:
            return
        new = [SILENCE] * (until - start)
        for segment in self._decoder.seg() or ():
            first = max(segment.start_frame + self._offset, start)
            for frame in range(first, min(segment.end_frame + 1 + self._offset, until)):
                new[frame - start] = segment.word
        for frame, phone in enumerate(new, start):
            last = self.segments[-1] if self.segments else None
            if last is not None and last.phone == phone and last.end == frame:
                self.segments[-1] = PhoneSegment(phone, last.start, frame + 1)
            else:
                self.segments.append(PhoneSegment(phone, frame, frame + 1))
        self.labels += new
