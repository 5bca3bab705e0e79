"""A PortAudio stream that dies mid-playback: SoundDeviceSink fails over to a paced clock.

The stream is real (PortAudio's ALSA host API on a FIFO-backed card, see
`fifo_sound_card`), and it dies for real: aborted from outside (PortAudio's finished
callback) or hung (the card stops taking samples, so no callback comes).
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fifo_sound_card import FifoSoundCard, card_environment, run_in_child

from avatar_player.audio import SoundDeviceSink  # imports PortAudio only when a sink opens
from avatar_player.audio.device_sink import STALL_TIMEOUT_S

RATE = 16000
AUDIO_S = 1.5
KILL_AT_S = 0.6
TRACE_S = 2.8

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA only")


def trace_failover(fifo: str, how: str) -> dict[str, Any]:
    """Child process: play AUDIO_S of audio, kill the stream at KILL_AT_S, trace position()."""
    with FifoSoundCard(fifo, RATE) as card:
        messages: list[str] = []
        sink = SoundDeviceSink(RATE, on_status=messages.append)
        sink.enqueue(np.full(round(AUDIO_S * RATE), 1000, dtype=np.int16))
        sink.start()
        origin = time.monotonic()
        trace: list[tuple[float, int, bool]] = []
        read_by: list[float] = []
        """When each position had been read (its trace time is just before the read)."""
        killed_at = None
        while (now := time.monotonic() - origin) < TRACE_S:
            if killed_at is None and now >= KILL_AT_S:
                if how == "abort":
                    sink._stream.abort()  # from outside, as when the device goes away
                else:
                    card.stall()
                killed_at = now
            trace.append((now, sink.position(), sink.failed_over))
            read_by.append(time.monotonic() - origin)
            time.sleep(0.005)
        begin = time.monotonic()
        sink.close()  # the card may still be hung: close must not wait for it
        close_s = time.monotonic() - begin
    return {
        "messages": messages,
        "trace": trace,
        "read_by": read_by,
        "killed_at": killed_at,
        "close_s": close_s,
    }


def rate(trace: list[tuple[float, int, bool]], start: float, end: float) -> float:
    """Samples per second that position() moved between `start` and `end` seconds."""
    (t0, p0, _), *_, (t1, p1, _) = [point for point in trace if start <= point[0] <= end]
    return (p1 - p0) / (t1 - t0)


def longest_freeze(trace: list[tuple[float, int, bool]], start: float, until: int) -> float:
    """Longest time after `start` s that position() stood still below `until` samples."""
    longest, since = 0.0, None
    for (t0, p0, _), (t1, p1, _) in itertools.pairwise(trace):
        if t0 >= start and p0 < until and p1 == p0:
            since = t0 if since is None else since
            longest = max(longest, t1 - since)
        else:
            since = None
    return longest


def run_failover(tmp_path: Path, how: str) -> dict[str, Any]:
    env, fifo = card_environment(tmp_path)
    return run_in_child(env, "test_audio_failover", "trace_failover", str(fifo), how)


def assert_clock_survives(result: dict[str, Any]) -> list[tuple[float, int, bool]]:
    """The common contract: one warning, a monotonic clock at real time, all audio played."""
    trace = [tuple(point) for point in result["trace"]]
    positions = [p for _, p, _ in trace]
    assert positions == sorted(positions), "position() never goes back"
    # the card takes samples in bursts of ~0.13 s: a rough rate before, a precise one after
    assert rate(trace, 0.2, result["killed_at"]) == pytest.approx(RATE, rel=0.3)
    switched = next(t for t, _, failed in trace if failed)
    assert rate(trace, switched + 0.1, switched + 0.7) == pytest.approx(RATE, rel=0.05)
    assert positions[-1] == round(AUDIO_S * RATE), "queued audio played out on the continuation"
    # Bracket each read between its trace time and `read_by`, so that a test thread held up
    # between the two (a loaded machine) never looks like the clock jumping ahead.
    since_kill = [
        (t, p, by) for (t, p, _), by in zip(trace, result["read_by"], strict=True)
        if t >= result["killed_at"]
    ]  # fmt: skip
    ahead = [
        (p1 - p0) / RATE - (by1 - t0)
        for (t0, p0, _), (_, p1, by1) in itertools.pairwise(since_kill)
    ]
    assert max(ahead) < 0.01, "the clock never runs ahead of real time: no jump"
    assert result["close_s"] < 0.5
    return trace


def test_an_aborted_stream_fails_over_without_a_gap(tmp_path: Path) -> None:
    """PortAudio finishing the stream (device gone) hands the clock to the paced continuation
    at once: the DAC timeline goes on where the device left it."""
    result = run_failover(tmp_path, "abort")
    [message] = result["messages"]
    assert "failed (the stream stopped)" in message
    assert "simulated clock" in message
    trace = assert_clock_survives(result)
    switched = next(t for t, _, failed in trace if failed)
    assert switched - result["killed_at"] < 0.3  # abort() waits out the card's 0.13 s buffer
    assert longest_freeze(trace, result["killed_at"], round(AUDIO_S * RATE)) < 0.1


def test_a_hung_stream_fails_over_after_the_stall_timeout(tmp_path: Path) -> None:
    """No callback for STALL_TIMEOUT_S while started: the position freezes that long, then
    moves on in real time; close() does not wait for the hung stream."""
    result = run_failover(tmp_path, "stall")
    [message] = result["messages"]
    assert "failed (no audio callback for" in message
    trace = assert_clock_survives(result)
    switched = next(t for t, _, failed in trace if failed)
    # the last callback came up to one card buffer (0.13 s) before the stall
    assert STALL_TIMEOUT_S - 0.15 < switched - result["killed_at"] < STALL_TIMEOUT_S + 0.4
    freeze = longest_freeze(trace, result["killed_at"], round(AUDIO_S * RATE))
    assert STALL_TIMEOUT_S - 0.2 < freeze < STALL_TIMEOUT_S + 0.4
