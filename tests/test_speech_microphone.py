"""The microphone source on a real PortAudio capture stream.

The stream is PortAudio's ALSA host API on a FIFO-backed capture device
(`fifo_microphone`), one child process per scenario: what the device delivered is known
to the frame, so captures are compared bit for bit. The endpointer has its own tests
(`test_speech_endpointing.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from fifo_microphone import BUFFER_BLOCKS, microphone_environment
from fifo_sound_card import run_in_child
from microphone_scenarios import HANG_S, RATE

from avatar_player.speech import microphone
from avatar_player.speech.microphone import MicrophoneSource, list_input_devices
from avatar_player.speech.source import SpeechError, SpeechErrorCode

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA only")


def run(tmp_path: Path, function: str) -> Any:
    env, fifo = microphone_environment(tmp_path)
    return run_in_child(env, "microphone_scenarios", function, str(fifo))


@linux_only
def test_push_to_talk_captures_the_clip_until_released(tmp_path: Path) -> None:
    result = run(tmp_path, "push_to_talk")
    assert result["devices"] == [[0, "default", 44100.0, 128, True]]
    assert result["code"] == ""
    assert result["exact"], "the captured frames are the device's, none lost or repeated"
    assert result["best_lag"] == result["lag"]
    assert result["correlation"] > 0.9
    assert abs(result["level_error_db"]) < 1.0
    assert result["missed_age_s"] < 0.03, "only the block in flight at release is left out"
    assert result["end_after_release_s"] < 0.15
    assert result["levels"] == result["blocks"]
    latency = result["latency_ms"]
    assert latency[len(latency) // 2] < 10.0, latency


@linux_only
def test_hands_free_yields_one_utterance_from_onset_to_hang(tmp_path: Path) -> None:
    result = run(tmp_path, "hands_free")
    assert result["code"] == ""
    assert result["exact"]
    assert 0.0 <= result["start_before_onset_s"] <= 0.15
    assert 0.0 < result["end_after_speech_s"] <= HANG_S + 0.2
    assert result["returned_after_end_s"] < 0.1
    assert result["yielded_after_onset_s"] < 0.1, "the onset needs 30 ms (two blocks)"
    assert result["correlation"] > 0.9
    assert result["best_lag_error"] == 0
    assert result["levels"] >= 25, "levels are reported while waiting for speech"


@linux_only
def test_device_failures_are_reported_and_a_new_source_works(tmp_path: Path) -> None:
    result = run(tmp_path, "device_failures")
    for code, seconds in result["missing"].values():
        assert code == SpeechErrorCode.MICROPHONE_UNAVAILABLE
        assert seconds < 1.0
    stall, close = result["stall"], result["close"]
    assert stall["code"] == close["code"] == SpeechErrorCode.MICROPHONE_LOST
    assert stall["error_after_s"] <= 1.0
    assert close["error_after_s"] <= 0.5
    assert "faster than real time" in close["message"]
    for lost in stall, close:
        assert lost["exact_s"] >= 0.55, "the audio before the failure is yielded"
        assert lost["captured_s"] - lost["exact_s"] <= 0.15, "little stale audio after it"
    assert stall["captured_s"] == stall["exact_s"]
    assert result["after"] == {"code": "", "seconds": pytest.approx(0.3, abs=0.05), "exact": True}


@linux_only
def test_rates_native_or_resampled_from_the_default(tmp_path: Path) -> None:
    result = run(tmp_path, "rates")
    assert result["native"] == {"code": "", "seconds": pytest.approx(0.3, abs=0.05), "exact": True}
    fallback = result["fallback"]
    assert fallback["code"] == ""
    assert fallback["asked"] == [RATE, 44100]
    assert fallback["correlation"] > 0.9
    assert abs(fallback["level_error_db"]) < 1.0
    refused = result["refused"]
    assert refused["code"] == SpeechErrorCode.MICROPHONE_RATE
    assert refused["asked"] == [RATE, 44100]
    assert "16000, 44100 Hz" in refused["message"]
    assert result["after"]["exact"]


@linux_only
def test_a_stream_closed_early_stops_reading_the_device(tmp_path: Path) -> None:
    for how, (stopped_s, unread) in run(tmp_path, "abandoned").items():
        assert stopped_s < 0.2, how
        assert unread == BUFFER_BLOCKS, f"{how}: the device is still read"


@linux_only
def test_speaking_into_the_player_moves_the_jaw(tmp_path: Path) -> None:
    result = run(tmp_path, "speak_into_the_player")
    assert result["req_id"]
    assert result["log"] == []
    assert result["jaw_opened"] > 0.3
    assert result["moving_s"] > 0.5
    assert result["lips_after_onset_s"] < 0.5, "~0.25 s here; the target is 0.25 s"


def test_without_portaudio_there_are_no_input_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise SpeechError(SpeechErrorCode.MICROPHONE_UNAVAILABLE, "PortAudio is not available")

    monkeypatch.setattr(microphone, "_sounddevice", missing)
    assert list_input_devices() == []


def test_the_microphone_is_not_played_back_unless_monitored() -> None:
    assert not MicrophoneSource().audible
    assert MicrophoneSource(monitor=True).audible
    with pytest.raises(ValueError, match="mode"):
        MicrophoneSource(mode="always")  # type: ignore[arg-type]
