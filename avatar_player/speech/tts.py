"""Text to speech as a speech source: Piper (espeak-ng as the fallback), sentence by sentence.

A worker thread synthesizes one sentence ahead of the one being yielded, so the first
sentence plays while the next is produced and the event loop never waits on synthesis.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soxr

from avatar_player.audio.convert import pcm_from_float
from avatar_player.speech.sentences import ends_sentence, split_sentences
from avatar_player.speech.source import SpeechError, SpeechErrorCode, SpeechSource
from avatar_player.speech.voices import (
    INSTALL_HINT,
    Engine,
    PiperMissing,
    bundled_voice,
    preload,
    select_engine,
    voice_name,
)

_LABEL_WORDS_CHARS = 24
SILENCE_LEVEL = 0.01
"""Float sample magnitude below which the start of an utterance counts as silence (-40 dBFS)."""
LEAD_IN_S = 0.01
PHRASE_PAUSE_S = 0.06
"""The pause kept between two pieces of one sentence."""


class TextToSpeech(SpeechSource):
    """Speaks `text` with a Piper voice file (None: the bundled voice).

    A missing Piper or bundled voice falls back to espeak-ng with one `TTS_FALLBACK`
    warning; a chosen voice that cannot be used raises `VOICE_UNAVAILABLE`.
    """

    def __init__(self, text: str, voice: Path | None = None) -> None:
        self.text = text
        self.voice = voice
        self.engine: str | None = None
        """Which engine speaks ("piper" or "espeak-ng"), once `stream` has picked it."""
        self.sentences: list[str] = split_sentences(text)
        self._warned = False
        self.label = f'TTS "{_first_words(text)}" ({_voice_label(voice)})'

    async def stream(self, sample_rate: int) -> AsyncIterator[np.ndarray]:
        if not self.sentences:
            what = "the text is empty" if not self.text.strip() else "the text has no words"
            raise SpeechError(SpeechErrorCode.TEXT_EMPTY, what)
        loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")
        pending: asyncio.Future[np.ndarray] | None = None
        try:
            engine, reason = await loop.run_in_executor(executor, select_engine, self.voice)
            self.engine = engine.name
            if reason is not None and not self._warned:
                self._warned = True
                self.warn(_fallback_warning(reason))

            def speak(index: int) -> asyncio.Future[np.ndarray]:
                return loop.run_in_executor(
                    executor, _speak, engine, self.sentences, index, sample_rate
                )

            pending = speak(0)
            for index in range(len(self.sentences)):
                pcm = await pending
                # One sentence ahead: the next is synthesized while this one is consumed.
                pending = speak(index + 1) if index + 1 < len(self.sentences) else None
                if pcm.size:
                    yield pcm
        finally:
            # Closed early: the sentence in progress ends, then the thread exits.
            if pending is not None and not pending.cancel() and not pending.cancelled():
                pending.exception()  # it failed already: nobody wants to hear of it
            executor.shutdown(wait=False, cancel_futures=True)


def _speak(engine: Engine, sentences: list[str], index: int, sample_rate: int) -> np.ndarray:
    """Sentence `index` as int16 at `sample_rate`; any failure becomes TTS_FAILED."""
    try:
        audio, rate = engine.synthesize(sentences[index])
        if index == 0:
            audio = _trim_leading_silence(audio, rate)
        if index + 1 < len(sentences) and not ends_sentence(sentences[index]):
            audio = _trim_trailing_silence(audio, rate)
        if rate != sample_rate and audio.size:
            audio = soxr.resample(audio, rate, sample_rate)
        return pcm_from_float(audio)
    except Exception as exc:
        where = f"sentence {index + 1} of {len(sentences)}"
        raise SpeechError(SpeechErrorCode.TTS_FAILED, f"{where}: {exc}") from exc


def _trim_leading_silence(audio: np.ndarray, rate: int) -> np.ndarray:
    """Drop the silence a voice puts before the first word (the lips move that much
    sooner), keeping `LEAD_IN_S` of it."""
    loud = np.flatnonzero(np.abs(audio) > SILENCE_LEVEL)
    if not loud.size:
        return audio
    return audio[max(0, loud[0] - round(LEAD_IN_S * rate)) :]


def _trim_trailing_silence(audio: np.ndarray, rate: int) -> np.ndarray:
    """Shorten the silence a voice puts after a piece cut mid-sentence to a phrase pause."""
    loud = np.flatnonzero(np.abs(audio) > SILENCE_LEVEL)
    if not loud.size:
        return audio
    return audio[: loud[-1] + 1 + round(PHRASE_PAUSE_S * rate)]


def _fallback_warning(reason: str) -> SpeechError:
    return SpeechError(
        SpeechErrorCode.TTS_FALLBACK,
        f"espeak-ng speaks instead of Piper: {reason}; for the natural voice: {INSTALL_HINT}",
    )


def _first_words(text: str) -> str:
    words = " ".join(text.split())
    if len(words) <= _LABEL_WORDS_CHARS:
        return words
    cut = words[:_LABEL_WORDS_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"


def _voice_label(voice: Path | None) -> str:
    if voice is not None:
        return voice_name(Path(voice))
    try:
        return voice_name(bundled_voice())
    except PiperMissing:
        return "espeak-ng"


async def warm_up(voice: Path | None = None) -> None:
    """Load and warm the voice in a thread, before the first sentence is needed; a voice
    that cannot be used is reported when it is asked to speak."""
    with contextlib.suppress(SpeechError):
        await asyncio.to_thread(preload, voice)
