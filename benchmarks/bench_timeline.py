"""CPU cost of the window's timeline dock at its refresh rate, under Xvfb.

Plays a bundled clip over and over in the window (embedded server, silent paced audio,
minimal render tier) in alternating phases of PHASE_S seconds with the dock shown and
hidden, and prints, as percentages of one core:

- the dock: GUI-thread CPU time inside its refresh slot and inside the plots' repaints
  (`time.thread_time`), per second, while shown;
- the frame hooks that feed its timeline (pose / presented, always on);
- the whole process with the dock shown and hidden (avatar rendering included), with the
  avatar frame rate of each.

    xvfb-run -a -s "-screen 0 1600x1000x24" python benchmarks/bench_timeline.py
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from avatar_player.ui.environment import configure_gl_environment

configure_gl_environment()

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from avatar_player.models.player_session import SessionOptions  # noqa: E402
from avatar_player.models.timeline_feed import TimelineFeed  # noqa: E402
from avatar_player.ui.app import close_window, open_window  # noqa: E402
from avatar_player.ui.main_window import MainWindow  # noqa: E402
from avatar_player.ui.scripted import run_scripted  # noqa: E402
from avatar_player.ui.timeline_dock import TimelineDock, TimelinePlots  # noqa: E402

CLIP = Path(__file__).resolve().parents[1] / "resources" / "clips" / "pangram_24k.wav"
PHASE_S = 10.0
PHASES = ("shown", "hidden", "shown", "hidden")

spent: Counter[str] = Counter()
"""GUI-thread CPU seconds per timed function."""
calls: Counter[str] = Counter()


def timed(name: str, function: Callable[..., Any], only: type | None = None) -> Callable:
    """`function`, adding its thread CPU time to `spent[name]` (for instances of `only`)."""

    def wrapper(self: Any, *args: Any) -> Any:
        if only is not None and not isinstance(self, only):
            return function(self, *args)
        start = time.thread_time()
        try:
            return function(self, *args)
        finally:
            spent[name] += time.thread_time() - start
            calls[name] += 1

    return wrapper


def instrument() -> None:
    """Time the dock's slot, the plots' repaints and the frame hooks (before any window)."""
    TimelineDock.refresh = timed("refresh", TimelineDock.refresh)
    pg.GraphicsView.paintEvent = timed("repaint", pg.GraphicsView.paintEvent, TimelinePlots)
    TimelineFeed.pose = timed("pose", TimelineFeed.pose)
    TimelineFeed.presented = timed("presented", TimelineFeed.presented)


async def keep_playing(window: MainWindow) -> None:
    """Play the clip again each time it ends."""
    window.playback.select_clip(str(CLIP))
    while True:
        await window.play()
        while window.status.conversation.state != "idle":
            await asyncio.sleep(0.05)


async def measure(window: MainWindow) -> dict[str, dict[str, float]]:
    """Per phase kind: CPU per second of each timed part, the process, and frames."""
    totals: dict[str, Counter[str]] = {kind: Counter() for kind in PHASES}
    for kind in PHASES:
        window.timeline.setVisible(kind == "shown")
        await asyncio.sleep(0.5)
        before_spent, before_calls = spent.copy(), calls.copy()
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.sleep(PHASE_S)
        total = totals[kind]
        total["wall"] += time.perf_counter() - wall
        total["process"] += time.process_time() - cpu
        for name in ("refresh", "repaint", "pose", "presented"):
            total[name] += spent[name] - before_spent[name]
            total[f"{name} calls"] += calls[name] - before_calls[name]
    return {
        kind: {k: v / total["wall"] for k, v in total.items()} for kind, total in totals.items()
    }


def report(rates: dict[str, dict[str, float]]) -> None:
    shown, hidden = rates["shown"], rates["hidden"]
    dock = shown["refresh"] + shown["repaint"]
    print(
        f"dock shown: refresh {shown['refresh'] * 100:.2f} % + repaint "
        f"{shown['repaint'] * 100:.2f} % = {dock * 100:.2f} % of one core "
        f"({shown['refresh calls']:.1f} refreshes/s, {shown['repaint calls']:.1f} repaints/s)"
    )
    print(f"dock hidden: {(hidden['refresh'] + hidden['repaint']) * 100:.2f} % of one core")
    hooks = shown["pose"] + shown["presented"]
    print(
        f"frame hooks (timeline feed): {hooks * 100:.2f} % of one core "
        f"at {shown['presented calls']:.1f} fps"
    )
    print(
        f"process: {shown['process'] * 100:.0f} % of one core with the dock shown "
        f"({shown['presented calls']:.1f} fps), {hidden['process'] * 100:.0f} % hidden "
        f"({hidden['presented calls']:.1f} fps)"
    )


async def run(settings: QSettings) -> None:
    window = await open_window(SessionOptions(audio="null"), settings, tier="minimal")
    player = None
    try:
        await window.session.connect()
        player = asyncio.create_task(keep_playing(window))
        report(await measure(window))
    finally:
        if player is not None:
            player.cancel()
        await close_window(window)


def main() -> None:
    instrument()
    run_scripted(run)


if __name__ == "__main__":
    main()
