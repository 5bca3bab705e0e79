"""The endpointer and the speech gate of hands-free talking, on synthetic signals."""

from __future__ import annotations

import numpy as np
import pytest

from avatar_player.speech.endpointing import (
    Endpointer,
    EndpointerConfig,
    Event,
    SpeechGate,
    block_dbfs,
)

RATE = 16000
BLOCK_S = 0.02
HANG_S = EndpointerConfig().hang_s


def tone(seconds: float, dbfs: float, rate: int = RATE) -> np.ndarray:
    """A 440 Hz sine whose RMS level is `dbfs`."""
    t = np.arange(round(seconds * rate)) / rate
    amplitude = 32768.0 * 10 ** (dbfs / 20) * np.sqrt(2)
    return np.rint(amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def noise(seconds: float, dbfs: float, seed: int = 1, rate: int = RATE) -> np.ndarray:
    scale = 32768.0 * 10 ** (dbfs / 20)
    samples = np.random.default_rng(seed).normal(0, scale, round(seconds * rate))
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


def events(signal: np.ndarray, config: EndpointerConfig | None = None) -> list[tuple[str, int]]:
    """(event, speech_start or speech_end) for each event, fed in 20 ms blocks."""
    endpointer = Endpointer(RATE, config)
    found = []
    block = round(BLOCK_S * RATE)
    for start in range(0, signal.size, block):
        event = endpointer.feed(signal[start : start + block])
        if event is Event.ONSET:
            found.append(("onset", endpointer.speech_start))
        elif event is Event.END:
            found.append(("end", endpointer.speech_end))
    return found


def test_block_levels() -> None:
    assert block_dbfs(np.zeros(320, np.int16)) == -100.0
    assert block_dbfs(np.zeros(0, np.int16)) == -100.0
    assert block_dbfs(tone(0.1, -20.0)) == pytest.approx(-20.0, abs=0.05)
    assert block_dbfs(np.full(320, -32768, np.int16)) == pytest.approx(0.0)


def test_silence_and_noise_never_start_speech() -> None:
    assert events(np.zeros(RATE * 2, np.int16)) == []
    assert events(noise(2.0, -50.0)) == []


def test_a_tone_burst_in_noise_is_one_utterance() -> None:
    signal = np.concatenate([noise(1.0, -60.0), tone(1.0, -25.0), noise(1.5, -60.0, seed=2)])
    signal[RATE : 2 * RATE] += noise(1.0, -60.0, seed=3)
    assert events(signal) == [("onset", RATE), ("end", 2 * RATE)]


def test_onset_needs_a_long_enough_run_above_the_threshold() -> None:
    click = np.concatenate([noise(0.5, -60.0), tone(0.02, -10.0), noise(0.5, -60.0, seed=2)])
    assert events(click) == []
    assert events(click, EndpointerConfig(onset_s=0.0)) == [("onset", RATE // 2)]


def test_speech_below_the_absolute_minimum_is_ignored() -> None:
    quiet = np.concatenate([np.zeros(RATE // 2, np.int16), tone(1.0, -50.0)])
    assert events(quiet) == []
    assert events(quiet, EndpointerConfig(min_dbfs=-60.0)) == [("onset", RATE // 2)]


def test_pauses_shorter_than_the_hang_keep_the_utterance() -> None:
    word = tone(0.4, -20.0)
    pause = noise(0.4, -60.0)
    signal = np.concatenate([noise(0.5, -60.0), word, pause, word, noise(1.0, -60.0, seed=2)])
    end = round(1.7 * RATE)
    assert events(signal) == [("onset", RATE // 2), ("end", end)]
    assert events(signal, EndpointerConfig(hang_s=0.3)) == [
        ("onset", RATE // 2),
        ("end", round(0.9 * RATE)),
        ("onset", round(1.3 * RATE)),
        ("end", end),
    ]


def test_the_floor_follows_the_background() -> None:
    endpointer = Endpointer(RATE)
    for start in range(0, RATE, 320):  # 1 s at -70 dBFS, then 20 s at -40 dBFS
        endpointer.feed(noise(1.0, -70.0)[start : start + 320])
    assert endpointer.floor_dbfs == pytest.approx(-70.0, abs=1.0)
    assert endpointer.threshold_dbfs == -45.0
    loud = noise(20.0, -40.0)
    for start in range(0, loud.size, 320):
        endpointer.feed(loud[start : start + 320])
    assert endpointer.floor_dbfs == pytest.approx(-40.0, abs=1.0)
    assert endpointer.threshold_dbfs == pytest.approx(-28.0, abs=1.0)
    assert not endpointer.in_speech, "a steady background ends the utterance it started"


def test_the_gate_passes_a_preroll_then_the_speech_until_its_end() -> None:
    signal = np.concatenate([noise(1.0, -60.0), tone(0.5, -20.0), noise(1.0, -60.0, seed=2)])
    gate = SpeechGate(RATE, EndpointerConfig(), preroll_s=0.1)
    passed, ended_at = [], None
    for start in range(0, signal.size, 320):
        passed.append(gate.feed(signal[start : start + 320]))
        if gate.ended:
            ended_at = start + 320
            break
    out = np.concatenate(passed)
    preroll = round(0.9 * RATE)
    assert np.array_equal(out, signal[preroll:ended_at])
    assert ended_at == round(1.5 * RATE) + round(HANG_S * RATE)
