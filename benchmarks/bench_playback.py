"""Playback through the paced null sink against the embedded Motion Server.

For each bundled clip: time from the first audio chunk sent to the first motion frame
received and to the first playable motion (jitter buffer filled: playback starts), the
A/V offset of presented frames (audio time at the DAC when a frame is presented minus
the motion time it shows; a 60 Hz render loop that takes 8 ms per frame), and underruns.

    python benchmarks/bench_playback.py
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from avatar_player.audio import PacedNullSink
from avatar_player.player import (
    AvatarController,
    ConnectionSettings,
    ConversationState,
    Playback,
)
from avatar_player.server import EmbeddedServer, load_config

CLIPS = sorted((Path(__file__).resolve().parents[1] / "resources" / "clips").glob("*.wav"))
RENDER_FPS = 60.0
RENDER_WORK_S = 0.008


async def play(url: str, token: str, clip: Path) -> dict[str, float]:
    pcm, rate = sf.read(clip, dtype="int16")
    sink = PacedNullSink(rate)
    sink.start()
    playback = Playback(sink, clock=time.perf_counter)
    controller = AvatarController(ConnectionSettings(url, "demo-app", "demo-avatar"), playback)
    controller.set_session_token(token)
    await controller.start()
    marks: dict[str, float] = {}
    playback.changed.connect(
        lambda change: marks.setdefault(change.state.value, time.perf_counter())
    )
    sent = time.perf_counter()
    await controller.send(pcm, end=True)
    while playback.current is not None or "playing" not in marks:
        current = playback.current
        if current is not None and current.first_motion_at is not None:
            marks.setdefault("first_frame", current.first_motion_at)
        frame_start = time.perf_counter()
        playback.pose()
        await asyncio.sleep(RENDER_WORK_S)
        playback.report_frame()
        await asyncio.sleep(max(0.0, 1 / RENDER_FPS - (time.perf_counter() - frame_start)))
    await controller.close()
    sink.close()
    offsets = np.asarray(playback.offsets.history)
    return {
        "first_motion_ms": (marks["first_frame"] - sent) * 1000,
        "playable_ms": (marks["playing"] - sent) * 1000,
        "offset_median_ms": float(np.median(offsets)),
        "offset_p99_ms": float(np.percentile(np.abs(offsets), 99)),
        "frames": float(offsets.size),
        "underruns": float(sink.underruns),
        "ended": float(playback.state is ConversationState.IDLE),
    }


def main() -> None:
    config = replace(load_config(), ws_port=0, http_port=0)
    with EmbeddedServer(config) as server:
        for clip in CLIPS:
            token = server.issue_token("demo-app")
            result = asyncio.run(play(server.ws_url, token, clip))
            print(
                f"{clip.stem:14s} first motion {result['first_motion_ms']:6.1f} ms  "
                f"playable {result['playable_ms']:6.1f} ms  "
                f"A/V offset median {result['offset_median_ms']:+6.1f} ms "
                f"p99 |offset| {result['offset_p99_ms']:5.1f} ms  "
                f"frames {result['frames']:.0f}  underruns {result['underruns']:.0f}"
            )


if __name__ == "__main__":
    main()
