"""Live speech end to end: the headless QA run (embedded Motion Server, paced null sink,
offscreen rendering at 25 fps like the window) fed by TTS, a microphone and paced clips.

1. Text -> first played sample and -> first moving frame (jaw open), median over 10
   sentences spoken by Piper (the voice loaded and warmed first, as the app does).
2. Microphone -> first moving frame: a FIFO-backed ALSA capture device (the tests'
   `fifo_microphone`, in a child process) fed a clip, hands-free, through the player
   (frames every 20 ms, no GL); from the speech onset entering the device to the first
   frame with the jaw open past 0.1.
3. Producers slower than playback and a stall (pangram_24k, 100 ms chunks): A/V offset
   median and p95 of presented frames, rebuffers, stall time, unannounced underruns.

    python benchmarks/bench_live.py [--sentences N] [--microphone-runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from avatar_player.qa.options import parse_options
from avatar_player.qa.report import build_report
from avatar_player.qa.run import ClipInfo, QaRun

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "resources" / "clips" / "pangram_24k.wav"
SENTENCES = (
    "Hello there.",
    "Good morning, how can I help you today?",
    "The weather is lovely this afternoon.",
    "Please take a seat and make yourself comfortable.",
    "I can answer questions about your order.",
    "Let me check that for you right away.",
    "Your package should arrive on Thursday.",
    "Is there anything else you would like to know?",
    "Thank you for calling, have a wonderful day.",
    "See you soon.",
)
PACINGS = {
    "0.5x": ["--pace", "0.5"],
    "0.8x": ["--pace", "0.8"],
    "1 s stall at 1.5 s": ["--pace", "realtime", "--stall-at", "1.5", "--stall-for", "1"],
}
COMMON = ["--tier", "minimal", "--size", "320x180", "--fps", "25", "--report", "-"]


def qa(argv: list[str]) -> dict[str, Any]:
    """One headless QA run; its report."""
    options = parse_options(argv)
    clip = (
        None if options.clip is None else ClipInfo.load(options.clip, options.session.sample_rate)
    )
    run = QaRun(options, clip)
    asyncio.run(run.run())
    return build_report(run)


def text_latency(count: int) -> None:
    played, moving = [], []
    for sentence in SENTENCES[:count]:
        response = qa(["--say", sentence, *COMMON])["responses"][0]
        played.append(response["time_to_first_played_sample_ms"])
        moving.append(response["time_to_first_moving_frame_ms"])
    print(
        f"text -> first played sample: median {statistics.median(played):.0f} ms "
        f"(min {min(played):.0f}, max {max(played):.0f}) over {count} sentences"
    )
    print(
        f"text -> first moving frame:  median {statistics.median(moving):.0f} ms "
        f"(min {min(moving):.0f}, max {max(moving):.0f}); target <= 250 ms"
    )


def microphone_latency(runs: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from fifo_microphone import microphone_environment
    from fifo_sound_card import run_in_child

    lips = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            home = Path(tmp) / str(run)
            home.mkdir()
            env, fifo = microphone_environment(home)
            result = run_in_child(env, "microphone_scenarios", "speak_into_the_player", str(fifo))
            lips.append(result["lips_after_onset_s"] * 1000.0)
    print(
        f"microphone -> first moving frame: median {statistics.median(lips):.0f} ms "
        f"(min {min(lips):.0f}, max {max(lips):.0f}) over {runs} utterances; target <= 250 ms"
    )


def pacing_table() -> None:
    print(
        f"\n{'producer':<20}{'A/V median':>12}{'A/V p95|x|':>12}{'rebuffers':>11}"
        f"{'stall s':>9}{'unannounced':>13}"
    )
    for label, args in PACINGS.items():
        report = qa([str(CLIP), *args, *COMMON])
        overall = report["overall"]
        offset = overall["av_offset"]
        print(
            f"{label:<20}{offset['median_ms']:>+10.1f}ms{offset['p95_abs_ms']:>10.1f}ms"
            f"{overall['rebuffers']:>11}{overall['stall_s']:>9.2f}{overall['underruns']:>13}"
        )
    print("targets at 0.8x: A/V p95 <= 15 ms, no unannounced underrun")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=len(SENTENCES))
    parser.add_argument("--microphone-runs", type=int, default=5)
    args = parser.parse_args()
    text_latency(args.sentences)
    microphone_latency(args.microphone_runs)
    pacing_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
