"""Soak: responses played back to back for a long time; memory and A/V sync must stay flat.

Several player sessions (AvatarController + Playback over a PacedNullSink, each at its own
sample rate and render rate) talk to the real embedded Motion Server over real sockets;
each plays the bundled clips one after another, as soon as the previous one ended, while a
render-like loop calls `pose()` then `report_frame()` so A/V offsets are measured. Prints,
per interval (a minute by default): process RSS, tracemalloc current (with --tracemalloc),
responses played, A/V offset median and p95 |offset|, underruns and errors by code; at the
end the memory growth after the first interval, the A/V offset drift (median of the last
interval minus median of the first) and a verdict. Exit status 1 when the verdict fails.

    python benchmarks/bench_soak.py [--minutes 10] [--sessions 4] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import cycle
from pathlib import Path

import numpy as np
from bench_playback import CLIPS, RENDER_WORK_S

from avatar_player.audio import PacedNullSink, load_clip
from avatar_player.client import AvatarError, fetch_session_token
from avatar_player.player import (
    AvatarController,
    ConnectionSettings,
    ConnectionState,
    ConversationChange,
    Playback,
    StateChangeReason,
)
from avatar_player.server import EmbeddedServer, load_config

SESSION_RATES = (16000, 24000, 44100, 48000, 8000, 22050, 32000)
RENDER_RATES = (60.0, 30.0, 50.0, 25.0)
POLL_S = 0.02
STUCK_MARGIN_S = 10.0
FLAT_GROWTH_PCT = 5.0
FLAT_GROWTH_MIB = 10.0
DRIFT_LIMIT_MS = 5.0


@dataclass
class Interval:
    """What all sessions did since the last report."""

    responses: int = 0
    offsets: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Report:
    """One printed interval."""

    rss_mib: float
    offset_median_ms: float
    errors: int


def rss_mib() -> float:
    """Resident set size of this process (server thread included), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class SoakPlayer:
    """One player session: clips back to back plus a render loop, until `stop` is set."""

    def __init__(
        self,
        server_urls: tuple[str, str],
        rate: int,
        render_fps: float,
        clips: Sequence[Path],
        interval: list[Interval],
    ) -> None:
        ingress, console = server_urls
        self.sink = PacedNullSink(rate)
        self.playback = Playback(self.sink, clock=time.perf_counter)
        self.controller = AvatarController(
            ConnectionSettings(ingress, "demo-app", "demo-avatar"),
            self.playback,
            token_provider=lambda: fetch_session_token(console, "demo-key"),
        )
        self.render_fps = render_fps
        self.clips = [load_clip(clip, rate) for clip in clips]
        self._interval = interval
        self.controller.error.connect(self._count_error)
        self.playback.changed.connect(self._count_end)

    def _count_error(self, error: AvatarError) -> None:
        self._interval[0].errors[error.code.value] += 1

    def _count_end(self, change: ConversationChange) -> None:
        if change.reason is StateChangeReason.PLAYBACK_END:
            self._interval[0].responses += 1

    async def run(self, stop: asyncio.Event) -> None:
        self.sink.start()
        render = asyncio.create_task(self._render(stop))
        try:
            await self._play(stop)
        finally:
            render.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await render
            await self.controller.close()
            self.sink.close()

    async def _play(self, stop: asyncio.Event) -> None:
        rate = self.playback.sample_rate
        for pcm in cycle(self.clips):
            if stop.is_set():
                return
            try:
                if self.controller.connection_state is not ConnectionState.CONNECTED:
                    await self.controller.start()
                await self.controller.send(pcm, end=True)
            except AvatarError:  # counted by the error signal when it ends a connect
                await asyncio.sleep(1.0)
                continue
            deadline = time.perf_counter() + pcm.size / rate + STUCK_MARGIN_S
            while self.playback.current is not None and not stop.is_set():
                if time.perf_counter() > deadline:
                    self._interval[0].errors["stuck"] += 1
                    await self.controller.interrupt()
                    break
                await asyncio.sleep(POLL_S)

    async def _render(self, stop: asyncio.Event) -> None:
        period = 1.0 / self.render_fps
        while not stop.is_set():
            started = time.perf_counter()
            self.playback.pose()
            await asyncio.sleep(RENDER_WORK_S)
            if (offset := self.playback.report_frame()) is not None:
                self._interval[0].offsets.append(offset)
            await asyncio.sleep(max(0.0, period - (time.perf_counter() - started)))


def print_interval(index: int, interval: Interval, underruns: int, traced: bool) -> Report:
    """Print one interval's row and return what the summary needs."""
    offsets = np.asarray(interval.offsets)
    median = float(np.median(offsets)) if offsets.size else float("nan")
    p95 = float(np.percentile(np.abs(offsets), 95)) if offsets.size else float("nan")
    rss = rss_mib()
    traced_text = (
        f"  traced {tracemalloc.get_traced_memory()[0] / 2**20:6.1f} MiB" if traced else ""
    )
    errors = ", ".join(f"{code}={n}" for code, n in sorted(interval.errors.items())) or "none"
    print(
        f"[{index:3d}] rss {rss:7.1f} MiB{traced_text}  responses {interval.responses:4d}  "
        f"A/V offset median {median:+6.1f} ms p95 |offset| {p95:5.1f} ms "
        f"({offsets.size} frames)  underruns {underruns:3d}  errors {errors}",
        flush=True,
    )
    return Report(rss, median, sum(interval.errors.values()))


def print_leaks(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> None:
    """The allocation sites that grew most between two snapshots."""
    print("tracemalloc: largest growth since the end of the first interval")
    for stat in after.compare_to(before, "lineno")[:12]:
        print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {stat.traceback}")


def print_summary(reports: list[Report]) -> bool:
    """Memory growth, A/V drift, errors and the verdict; True when it passes."""
    first, last = reports[0], reports[-1]
    growth = last.rss_mib - first.rss_mib
    growth_pct = 100.0 * growth / first.rss_mib
    drift = last.offset_median_ms - first.offset_median_ms
    memory_flat = growth_pct < FLAT_GROWTH_PCT or growth < FLAT_GROWTH_MIB
    drift_bounded = abs(drift) < DRIFT_LIMIT_MS
    print(
        f"memory growth after the first interval: {growth:+.1f} MiB ({growth_pct:+.1f} %)\n"
        f"A/V offset drift (last median - first median): {drift:+.2f} ms\n"
        f"errors: {sum(report.errors for report in reports)}"
    )
    verdict = "PASS" if memory_flat and drift_bounded else "FAIL"
    print(
        f"verdict: {verdict} (memory {'flat' if memory_flat else 'GROWING'}: "
        f"< {FLAT_GROWTH_PCT:g} % or < {FLAT_GROWTH_MIB:g} MiB; drift "
        f"{'bounded' if drift_bounded else 'UNBOUNDED'}: |drift| < {DRIFT_LIMIT_MS:g} ms)"
    )
    return memory_flat and drift_bounded


async def soak(urls: tuple[str, str], args: argparse.Namespace) -> bool:
    interval = [Interval()]
    players = [
        SoakPlayer(
            urls,
            SESSION_RATES[i % len(SESSION_RATES)],
            RENDER_RATES[i % len(RENDER_RATES)],
            CLIPS[i % len(CLIPS) :] + CLIPS[: i % len(CLIPS)],
            interval,
        )
        for i in range(args.sessions)
    ]
    stop = asyncio.Event()
    runs = [asyncio.create_task(player.run(stop)) for player in players]
    reports: list[Report] = []
    first_snapshot: tracemalloc.Snapshot | None = None
    underruns_before = 0
    intervals = max(1, round(args.minutes * 60 / args.interval_s))
    for index in range(1, intervals + 1):
        await asyncio.sleep(args.interval_s)
        underruns = sum(player.sink.underruns for player in players)
        done, interval[0] = interval[0], Interval()
        reports.append(print_interval(index, done, underruns - underruns_before, args.tracemalloc))
        underruns_before = underruns
        if args.tracemalloc and index == 1:
            first_snapshot = tracemalloc.take_snapshot()
    stop.set()
    await asyncio.gather(*runs)
    if first_snapshot is not None and intervals > 1:
        print_leaks(first_snapshot, tracemalloc.take_snapshot())
    return print_summary(reports)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--interval-s", type=float, default=60.0, help="report period")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations")
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start(8)
    config = replace(load_config(), ws_port=0, http_port=0)
    with EmbeddedServer(config) as server:
        print(
            f"soak: {args.sessions} sessions, {args.minutes:g} min, report every "
            f"{args.interval_s:g} s, server {server.ws_url}",
            flush=True,
        )
        passed = asyncio.run(soak((server.ws_url, server.console_url), args))
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
