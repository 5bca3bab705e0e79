"""CPU use of the whole app (window, embedded Motion Server, player; the silent paced
audio clock instead of a sound card) at the window's default size, idle and speaking.

The window is the real one (avatar_player.ui.app.open_window, as `python main.py` opens
it) at its automatic quality tier. Figures are CPU seconds (all threads: os.times for the
app, /proc/PID/stat for its Motion Server child process) per wall second, so 1.00 is one
core, and the frames the avatar view presented per second (idle, a frame that would look
the same as the last one is not drawn: fewer frames than the target, at no loss).
Speaking plays the bundled clip CLIP (through the embedded server, as the Play button
does) until MIN_SPEAKING_S seconds of speech were measured. The Timeline dock is shown at
the default size (the avatar view is then about 630x620); --hide-timeline hides it, as
View > Timeline does (about 980x640).

    python benchmarks/bench_app_cpu.py [--hide-timeline] [--tier NAME]  # xvfb-run if no DISPLAY
"""

from __future__ import annotations

import os
import shutil
import sys

if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
    os.execvp(
        "xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv]
    )

from avatar_player.ui.environment import configure_gl_environment

configure_gl_environment()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from bench_server import cpu_seconds  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from avatar_player.bundled import CLIPS_DIR  # noqa: E402
from avatar_player.models.player_session import SessionOptions  # noqa: E402
from avatar_player.ui import scripted  # noqa: E402
from avatar_player.ui.app import close_window, open_window  # noqa: E402
from avatar_player.ui.main_window import MainWindow  # noqa: E402

CLIP = CLIPS_DIR / "pangram_24k.wav"
SETTLE_S = 3.0
IDLE_S = 15.0
MIN_SPEAKING_S = 15.0
WAIT_S = 60.0
"""How long the window may take to get somewhere (connected, playing, idle)."""


class Meter:
    """CPU time of the app and of its server process, wall time and presented frames
    between `start` and `stop`."""

    def __init__(self, window: MainWindow) -> None:
        self.frames = 0
        self.cpu_s = 0.0
        self.server_cpu_s = 0.0
        self.wall_s = 0.0
        self.longest_frame_s = 0.0
        """The longest interval between two presented frames (speaking: a visible stall;
        idle, frames that would look the same are not drawn, so it is long by design)."""
        self._last_frame: float | None = None
        assert window.session.server is not None and window.session.server.pid is not None
        self._server_pid = window.session.server.pid
        window.view.frameSwapped.connect(self._frame)
        self._counting = False

    def _frame(self) -> None:
        if self._counting:
            now = time.perf_counter()
            if self._last_frame is not None:
                self.longest_frame_s = max(self.longest_frame_s, now - self._last_frame)
            self.frames += 1
            self._last_frame = now

    def start(self) -> None:
        self._cpu, self._server_cpu = _cpu_s(), cpu_seconds(self._server_pid)
        self._wall, self._counting, self._last_frame = time.perf_counter(), True, None

    def stop(self) -> None:
        self.cpu_s += _cpu_s() - self._cpu
        self.server_cpu_s += cpu_seconds(self._server_pid) - self._server_cpu
        self.wall_s += time.perf_counter() - self._wall
        self._counting = False

    def line(self, label: str, target_fps: float) -> str:
        total = self.cpu_s + self.server_cpu_s
        return (
            f"{label:<9} cpu={total / self.wall_s:5.2f} cores "
            f"(app {self.cpu_s / self.wall_s:.2f} + server {self.server_cpu_s / self.wall_s:.2f}"
            f"; {total:5.1f} s over {self.wall_s:5.1f} s) "
            f"frames={self.frames / self.wall_s:5.1f} fps (target {target_fps:.0f} fps), "
            f"longest gap {self.longest_frame_s * 1000:.0f} ms"
        )


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


async def until(condition: Callable[[], bool]) -> None:
    await scripted.until(condition, WAIT_S)


async def measure(settings: QSettings, hide_timeline: bool, tier: str | None) -> None:
    window = await open_window(SessionOptions(audio="null"), settings, tier=tier)
    try:
        window.timeline.setVisible(not hide_timeline)
        await until(lambda: window.status.first_frame.state == "rendered")
        await window.session.connect()
        renderer = window.view.renderer
        assert renderer is not None
        print(
            f"window {window.width()}x{window.height()}, avatar view "
            f"{window.view.width()}x{window.view.height()}, tier {renderer.tier.name} "
            f"({renderer.splat_count} splats), {renderer.renderer_name}"
        )
        await asyncio.sleep(SETTLE_S)
        idle, speaking = Meter(window), Meter(window)
        idle.start()
        await asyncio.sleep(IDLE_S)
        idle.stop()
        print(idle.line("idle", window.view.target_fps), flush=True)
        window.playback.select_clip(str(CLIP))
        starts = []
        while speaking.wall_s < MIN_SPEAKING_S:
            pressed = time.perf_counter()
            await window.play()
            await until(lambda: window.status.conversation.state == "playing")
            starts.append(time.perf_counter() - pressed)
            speaking.start()
            speaking_fps = window.view.target_fps
            await until(lambda: window.status.conversation.state != "playing")
            speaking.stop()
            await until(lambda: window.status.conversation.state == "idle")
        print(speaking.line("speaking", speaking_fps))
        print(f"Play -> playing: {', '.join(f'{1000 * s:.0f}' for s in starts)} ms")
    finally:
        await close_window(window)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hide-timeline", action="store_true", help="as View > Timeline")
    parser.add_argument("--tier", help="a quality tier (default: automatic)")
    args = parser.parse_args()
    scripted.run_scripted(lambda settings: measure(settings, args.hide_timeline, args.tier))


if __name__ == "__main__":
    main()
