"""Audio sinks: the shared buffer/clock logic (manual clock), real-time pacing, device fallback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from avatar_player.audio import (
    AudioDeviceError,
    ManualClockSink,
    PacedNullSink,
    SoundDeviceSink,
    list_output_devices,
    open_sink,
)
from avatar_player.audio.sink import FADE_S

RATE = 16000


def ramp(n: int, start: int = 1) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.int16)


# --- manual clock: the shared buffer and position logic, deterministically --------------------


def test_position_advances_exactly_and_output_is_the_queue() -> None:
    sink = ManualClockSink(RATE)
    audio = ramp(1000)
    sink.enqueue(audio[:600])
    sink.enqueue(audio[600:])
    assert (sink.position(), sink.queued()) == (0, 1000)
    first = sink.advance(300)
    assert sink.position() == 300
    second = sink.advance(900)
    assert sink.position() == 1000
    assert sink.queued() == 0
    np.testing.assert_array_equal(np.concatenate([first, second[:700]]), audio)
    assert not second[700:].any()
    assert sink.latency_s == 0.0


def test_latency_delays_position_and_gaps_do_not_skew_the_next_response() -> None:
    sink = ManualClockSink(RATE, latency_s=0.01)  # 160 samples
    sink.enqueue(ramp(1000))
    sink.advance(100)
    assert sink.position() == 0
    sink.advance(200)
    assert sink.position() == 140
    sink.advance(2000)  # queue runs dry: trailing silence pushes the audio out
    assert sink.position() == 1000
    start = sink.position()  # a new response begins
    sink.enqueue(ramp(500))
    sink.advance(160)
    assert sink.position() - start == 0
    sink.advance(100)
    assert sink.position() - start == 100


def test_pause_fades_out_freezes_position_keeps_queue_and_resume_fades_in() -> None:
    sink = ManualClockSink(RATE)
    fade = round(FADE_S * RATE)
    audio = np.full(1000, 10000, dtype=np.int16)
    sink.enqueue(audio)
    sink.advance(100)
    sink.pause()
    paused = sink.advance(500)
    assert np.all(np.diff(paused[:fade].astype(int)) <= 0)  # a fade-out, never a jump up
    assert paused[0] > 9000 and not paused[fade - 1 :].any()
    assert (sink.position(), sink.queued()) == (100 + fade, 900 - fade)
    sink.resume()
    resumed = sink.advance(200)
    assert resumed[0] < 1000 and np.all(np.diff(resumed[:fade].astype(int)) >= 0)
    np.testing.assert_array_equal(resumed[fade:], audio[: 200 - fade])
    assert sink.position() == 300 + fade


def test_running_out_while_expecting_more_holds_until_released() -> None:
    sink = ManualClockSink(RATE)
    fade = round(FADE_S * RATE)
    sink.set_expecting_more(True)
    audio = ramp(300, start=5000)
    sink.enqueue(audio)
    first = sink.advance(200)
    assert not sink.holding
    out = sink.advance(200)  # 100 samples left: played once, the last ones faded out
    assert sink.holding and sink.rebuffers == 1 and sink.underruns == 0
    np.testing.assert_array_equal(out[: 100 - fade], audio[200 : 300 - fade])
    assert np.all(np.abs(out[100 - fade : 100]) <= audio[300 - fade :]) and not out[100:].any()
    sink.enqueue(ramp(500, start=7000))
    assert not sink.advance(200).any()  # holding: the clock stops, the queue waits
    assert (sink.position(), sink.queued()) == (300, 500)
    sink.release()
    again = sink.advance(200)
    assert again[0] < 1000 and again[fade] == 7000 + fade
    np.testing.assert_array_equal(first, audio[:200])
    assert sink.position() == 500


def test_pause_lets_audio_already_in_flight_reach_the_dac() -> None:
    sink = ManualClockSink(RATE, latency_s=0.01)
    sink.enqueue(ramp(1000))
    sink.advance(400)
    assert sink.position() == 240
    sink.pause()
    sink.advance(400)
    fade = round(FADE_S * RATE)  # pausing plays the next few samples as a fade-out
    assert sink.position() == 400 + fade
    sink.advance(400)
    assert sink.position() == 400 + fade


def test_clear_drops_queue_and_position_stays_monotonic() -> None:
    sink = ManualClockSink(RATE)
    sink.enqueue(ramp(1000))
    sink.advance(300)
    sink.clear()
    assert (sink.queued(), sink.position()) == (0, 300)
    assert not sink.advance(500).any()
    assert sink.position() == 300
    fresh = ramp(200, start=5000)
    sink.enqueue(fresh)
    np.testing.assert_array_equal(sink.advance(200), fresh)
    assert sink.position() == 500


def test_clear_never_counts_dropped_samples_with_latency() -> None:
    sink = ManualClockSink(RATE, latency_s=0.01)
    sink.enqueue(ramp(1000))
    sink.advance(300)
    assert sink.position() == 140
    sink.clear()
    positions = [sink.position()]
    for _ in range(5):
        sink.advance(100)
        positions.append(sink.position())
    assert positions == sorted(positions)
    assert positions[-1] == 300


def test_volume_scales_rendered_samples_and_is_clamped() -> None:
    sink = ManualClockSink(RATE)
    sink.enqueue(np.full(400, 10000, dtype=np.int16))
    sink.set_volume(0.5)
    assert set(sink.advance(100)) == {5000}
    sink.set_volume(2.0)
    assert set(sink.advance(100)) == {10000}
    sink.set_volume(-1.0)
    assert set(sink.advance(100)) == {0}
    with pytest.raises(ValueError):
        sink.set_volume(float("nan"))
    assert sink.position() == 300


def test_no_hold_when_nothing_more_is_expected_or_after_a_clear() -> None:
    sink = ManualClockSink(RATE)
    sink.enqueue(ramp(100))
    sink.advance(200)
    assert (sink.holding, sink.rebuffers) == (False, 0)  # response complete: running dry is fine
    sink.set_expecting_more(True)
    sink.enqueue(ramp(400))
    sink.advance(200)
    sink.clear()  # interrupted
    assert not sink.holding
    sink.enqueue(ramp(100))
    np.testing.assert_array_equal(sink.advance(50), ramp(50))
    assert (sink.rebuffers, sink.underruns) == (0, 0)


def test_enqueue_validates_and_copies() -> None:
    sink = ManualClockSink(RATE)
    with pytest.raises(ValueError):
        sink.enqueue(np.zeros(10, dtype=np.float32))
    with pytest.raises(ValueError):
        sink.enqueue(np.zeros((10, 2), dtype=np.int16))
    sink.enqueue(np.zeros(0, dtype=np.int16))
    audio = ramp(10)
    sink.enqueue(audio)
    audio[:] = 0
    np.testing.assert_array_equal(sink.advance(10), ramp(10))


def test_concurrent_enqueue_and_render_keep_order() -> None:
    sink = ManualClockSink(RATE)
    audio = (np.arange(60000) % 30000 + 1).astype(np.int16)  # no zeros: silence is visible

    def produce() -> None:
        for chunk in np.array_split(audio, 97):
            sink.enqueue(chunk)

    producer = threading.Thread(target=produce)
    producer.start()
    rendered = []
    while producer.is_alive() or sink.queued():
        rendered.append(sink.advance(256))
    producer.join()
    out = np.concatenate(rendered)
    np.testing.assert_array_equal(out[out != 0], audio)
    assert sink.position() == audio.size


# --- paced null sink: a real-time clock ---------------------------------------------------------


def test_null_sink_runs_at_real_time_never_ahead() -> None:
    sink = PacedNullSink(RATE, latency_s=0.04, block_s=0.02)
    sink.enqueue(np.zeros(RATE * 2, dtype=np.int16))
    before_start = time.monotonic()
    sink.start()
    try:
        samples = []
        end = before_start + 0.55
        while (now := time.monotonic()) < end:
            position = sink.position()
            samples.append((now, position))
            # the DAC is never ahead of real time minus the fixed latency
            ahead_of_dac = (time.monotonic() - before_start - sink.latency_s) * RATE
            assert position <= max(ahead_of_dac, 0) + 1
            time.sleep(0.005)
    finally:
        sink.close()
    (t1, p1), (t2, p2) = samples[len(samples) // 10], samples[-1]
    rate = (p2 - p1) / (t2 - t1)
    assert rate == pytest.approx(RATE, rel=0.10)
    # no drift: after ~0.5 s the clock trails the ideal by at most a couple of blocks
    ideal = (t2 - before_start - sink.latency_s) * RATE
    assert ideal - p2 < 0.05 * RATE
    assert [p for _, p in samples] == sorted(p for _, p in samples)


def test_the_clock_plays_on_through_what_was_rendered_when_the_next_block_is_late() -> None:
    """A renderer that comes late (a loaded machine) does not stop the clock while the DAC
    still has rendered audio to play; the clock never runs past what was rendered."""
    sink = PacedNullSink(RATE, latency_s=0.04, block_s=0.02)  # not started: we are its renderer
    sink.enqueue(ramp(RATE))
    block = np.zeros(320, dtype=np.int16)
    sink._render(block, time.monotonic() - 0.05)  # the next block is 30 ms overdue
    # the DAC was 640 frames before the block 50 ms (800 frames) ago: it plays frame 160 now
    assert sink.position() == pytest.approx(160, abs=16)
    sink._render(block, time.monotonic() - 0.5)  # long overdue: the DAC ran out of audio
    assert sink.position() == 640


def test_null_sink_pause_and_close_join_thread() -> None:
    sink = PacedNullSink(RATE, latency_s=0.0, block_s=0.01)
    sink.enqueue(np.zeros(RATE, dtype=np.int16))
    sink.start()
    sink.start()
    time.sleep(0.1)
    sink.pause()
    time.sleep(0.03)
    paused_at = sink.position()
    time.sleep(0.1)
    assert sink.position() == paused_at > 0
    sink.close()
    sink.close()
    assert not any(t.name == "PacedNullSink" for t in threading.enumerate())
    stopped_at = sink.position()
    time.sleep(0.05)
    assert sink.position() == stopped_at


# --- device sink and the open_sink fallback -----------------------------------------------------


def test_open_sink_gives_a_working_clock_with_or_without_a_device() -> None:
    sink, warning = open_sink(RATE)
    try:
        if warning is None:
            assert isinstance(sink, SoundDeviceSink)
        else:
            assert isinstance(sink, PacedNullSink)
            assert "audio output" in warning
        sink.enqueue(np.zeros(RATE, dtype=np.int16))
        time.sleep(0.3)
        assert 0 < sink.position() <= RATE
    finally:
        sink.close()


def test_open_sink_null_preference_has_no_warning() -> None:
    sink, warning = open_sink(RATE, prefer="null")
    sink.close()
    assert isinstance(sink, PacedNullSink)
    assert warning is None


def test_device_open_matches_what_portaudio_lists() -> None:
    devices = list_output_devices()
    assert sum(d.is_default for d in devices) <= 1
    if not any(d.is_default for d in devices):
        with pytest.raises(AudioDeviceError, match="cannot open audio output"):
            SoundDeviceSink(RATE)
    with pytest.raises(AudioDeviceError):
        SoundDeviceSink(RATE, device="no such device 1234")


_NULL_DEVICE_PROBE = """
import json, time
import numpy as np
from avatar_player.audio import SoundDeviceSink, list_output_devices, open_sink
alsa = [d.index for d in list_output_devices() if d.host_api == "ALSA" and d.name == "default"]
if not alsa:
    print(json.dumps(None))
    raise SystemExit
sink, warning = open_sink(16000, device=alsa[0])
sink.close()
direct = SoundDeviceSink(16000, device=alsa[0])
direct.enqueue(np.zeros(1000, dtype=np.int16))
direct.start()
time.sleep(0.05)
result = {"warning": warning, "sink": type(sink).__name__, "latency": direct.latency_s,
          "stream_latency": direct._stream.latency, "position": direct.position()}
direct.close()
print(json.dumps(result))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA only")
def test_unpaced_alsa_null_device_falls_back(tmp_path) -> None:
    """An ALSA null device runs the callback unpaced: open_sink must not trust it."""
    (tmp_path / ".asoundrc").write_text("pcm.!default { type null }\n")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", _NULL_DEVICE_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result is None:
        pytest.skip("PortAudio lists no ALSA default device")
    assert result["sink"] == "PacedNullSink"
    assert "real time" in result["warning"]
    # DAC times there are implausible (== currentTime): the stream latency is used instead
    assert result["latency"] == result["stream_latency"] > 0
    assert result["position"] == 1000


def test_taps_see_each_played_block_once_and_can_be_removed() -> None:
    class Listener:
        def __init__(self) -> None:
            self.blocks: list[np.ndarray] = []

        def heard(self, pcm: np.ndarray) -> None:
            self.blocks.append(pcm)

    sink = ManualClockSink(RATE)
    listener = Listener()
    sink.add_tap(listener.heard)
    sink.remove_tap(listener.heard)  # another bound-method object, equal to the first
    sink.add_tap(listener.heard)
    sink.enqueue(ramp(300))
    sink.advance(200)
    sink.advance(200)  # 100 samples, then silence: taps get audio only
    assert [b.size for b in listener.blocks] == [200, 100]
    sink.remove_tap(listener.heard)
    sink.enqueue(ramp(100))
    sink.advance(100)
    assert len(listener.blocks) == 2
