"""Motion Server capacity: generator real-time factor, and real-time sessions per core.

The server runs as a real process pinned to one CPU core; this process (pinned to another
core) opens N sessions that each stream a speech clip in real time (20 ms chunks) and
measures how late each motion frame arrives after the audio it needs was sent (the
generator's own 100 ms lookahead is subtracted). N is sustained when the p95 lateness stays
under 100 ms. Also prints the server's CPU seconds per second of session audio.
--no-visemes runs the server without phone recognition (the DSP mouth).

    python benchmarks/bench_server.py [--max-sessions 128] [--no-visemes]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from bench_generator import load_clips, real_time_factor

from avatar_player.client import MotionSession, fetch_session_token, open_session
from avatar_player.motion import MotionGenerator
from avatar_player.protocol.client import AnimationReceived

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "resources" / "clips" / "hello_16k.wav"
CHUNK_S = 0.02
LATENESS_LIMIT_S = 0.1
CONFIG = """
[server]
host = "127.0.0.1"
ws_port = 0
http_port = 0
[limits]
max_sessions_total = 1024
[[apps]]
app_id = "bench"
api_key = "bench-key"
balance_s = 1e9
max_concurrent_sessions = 1024
[[avatars]]
id = "bench-avatar"
name = "Bench"
"""


def start_server(
    config: Path, core: int, *, visemes: bool
) -> tuple[subprocess.Popen[str], str, str]:
    """The server process on CPU `core`; returns it with its ingress and console URLs."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "avatar_player.server",
            "--config",
            str(config),
            "--log-level",
            "WARNING",
            "--visemes" if visemes else "--no-visemes",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    os.sched_setaffinity(process.pid, {core})
    assert process.stdout is not None
    ingress = process.stdout.readline().split()[1]
    console = process.stdout.readline().split()[1]
    return process, ingress, console


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def stream(
    session: MotionSession, pcm: np.ndarray, rate: int, req_id: str, lookahead_s: float
) -> list[float]:
    """Send `pcm` paced in real time; lateness of every frame's arrival beyond the
    generator's lookahead `lookahead_s`, in seconds."""
    chunk = int(rate * CHUNK_S)
    started = time.monotonic()
    lateness: list[float] = []

    async def send() -> None:
        for index, offset in enumerate(range(0, len(pcm), chunk)):
            await asyncio.sleep(max(0.0, started + index * CHUNK_S - time.monotonic()))
            last = offset + chunk >= len(pcm)
            await session.send_audio(req_id, pcm[offset : offset + chunk].tobytes(), end=last)

    async def receive() -> None:
        while True:
            event = await session.receive()
            assert isinstance(event, AnimationReceived), event
            now = time.monotonic()
            for frame in event.frames:
                needed = min(frame.sample / rate + lookahead_s, len(pcm) / rate)
                lateness.append(now - (started + needed))
            if event.end:
                return

    await asyncio.gather(send(), receive())
    return lateness


async def run_step(
    ingress: str, console: str, sessions: int, pcm: np.ndarray, rate: int, *, lookahead_s: float
):
    token = await fetch_session_token(console, "bench-key")
    opened = await asyncio.gather(
        *(
            open_session(
                ingress, app_id="bench", token=token, avatar_id="bench-avatar", sample_rate=rate
            )
            for _ in range(sessions)
        )
    )
    results = await asyncio.gather(
        *(stream(session, pcm, rate, f"r{i}", lookahead_s) for i, session in enumerate(opened))
    )
    await asyncio.gather(*(session.close() for session in opened))
    return np.concatenate([np.asarray(r) for r in results])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-sessions", type=int, default=128)
    parser.add_argument("--visemes", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()

    clips = load_clips()
    for rate in (16000, 24000, 48000):
        rtf = real_time_factor(clips, rate, visemes=args.visemes)
        print(f"generator rate={rate} visemes={args.visemes} rtf={rtf:.4f} cpu-s/audio-s")

    pcm, rate = sf.read(CLIP, dtype="int16")
    os.sched_setaffinity(0, {1})
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(CONFIG)
        process, ingress, console = start_server(config, core=0, visemes=args.visemes)
        lookahead_s = MotionGenerator(rate, visemes=args.visemes).latency_samples / rate
        try:
            # The first responses load the recognizer's decoders (0.1-0.3 s each): warm up.
            asyncio.run(run_step(ingress, console, 4, pcm, rate, lookahead_s=lookahead_s))
            sustained = 0
            steps = [4, 8, 16, 32, *range(40, args.max_sessions + 1, 8)]
            for sessions in steps:
                cpu_before = cpu_seconds(process.pid)
                lateness = asyncio.run(
                    run_step(ingress, console, sessions, pcm, rate, lookahead_s=lookahead_s)
                )
                server_cpu = cpu_seconds(process.pid) - cpu_before
                p50, p95, worst = np.percentile(lateness, [50, 95, 100])
                ok = p95 < LATENESS_LIMIT_S
                per_audio_s = server_cpu / (sessions * len(pcm) / rate)
                print(
                    f"sessions={sessions:4d} frame lateness p50={p50 * 1000:6.1f} ms "
                    f"p95={p95 * 1000:7.1f} ms max={worst * 1000:7.1f} ms  "
                    f"server cpu/audio-s={per_audio_s:.4f}  {'ok' if ok else 'BEHIND'}"
                )
                if not ok:
                    break
                sustained = sessions
        finally:
            process.terminate()
            process.wait(10)
    print(
        f"real-time sessions sustained on one server core: >= {sustained} "
        f"(p95 frame lateness < {LATENESS_LIMIT_S * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
