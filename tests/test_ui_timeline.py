"""The timeline dock under Xvfb: it plots a clip as it plays, freezes and scrolls, exports a
PNG, follows a rebuilt sink; and its Qt-free feed on a hand-driven sink."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from conftest import speech_clip
from window_harness import badge, until

from avatar_player.audio.manual_sink import ManualClockSink
from avatar_player.models.timeline_feed import TimelineFeed
from avatar_player.player import ConversationChange, ConversationState, StateChangeReason
from avatar_player.player.metrics import ATSC_MS
from avatar_player.player.signals import Signal
from avatar_player.protocol.motion import LAYOUT, neutral_vector
from avatar_player.ui.main_window import MainWindow
from avatar_player.ui.timeline_dock import WINDOW_S, TimelineDock

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def plotted(dock: TimelineDock) -> np.ndarray:
    """The frame-time line's points."""
    return np.array(dock.plots.curves["frame"].getData())


def y_values(dock: TimelineDock, curve: str) -> np.ndarray:
    _, y = dock.plots.curves[curve].getData()
    return np.asarray([] if y is None else y, dtype=float)


def loud(dock: TimelineDock) -> bool:
    """Speech level audio is on the plot."""
    return bool((y_values(dock, "audio") > -40).any())


def shows_speech(dock: TimelineDock) -> bool:
    """Speech level audio, an open jaw and in-sync frames are on the plots."""
    offsets = y_values(dock, "offset")
    return bool(
        loud(dock)
        and (y_values(dock, "jaw_open") > 0.3).any()
        and ((offsets >= ATSC_MS[0]) & (offsets <= ATSC_MS[1])).any()
        and y_values(dock, "frame").size
        and np.isfinite(y_values(dock, "buffer")).any()
    )


async def play(window: MainWindow, clip: Path) -> None:
    window.connection.connect_button.click()
    await until(lambda: badge(window, "connection") == "connected")
    window.playback.select_clip(clip)
    window.playback.play_button.click()
    await until(lambda: badge(window, "conversation") == "playing")


def test_the_dock_plots_a_clip_while_it_plays_and_exports_it(run_window, tmp_path: Path) -> None:
    async def scenario(window: MainWindow) -> None:
        dock = window.timeline
        assert dock.isVisible() and window.dockWidgetArea(dock) is not None
        await play(window, speech_clip(tmp_path, 4.0))
        await until(lambda: shows_speech(dock))
        assert badge(window, "conversation") == "playing", "plotted while it plays"
        assert dock.plots.x_range() == (-WINDOW_S, 0.0), "the last seconds, up to now"
        frame_t, _ = dock.plots.curves["frame"].getData()
        assert frame_t[0] >= -WINDOW_S and frame_t[-1] > -0.5, "it follows the clock"
        png = tmp_path / "t.png"
        assert dock.export_png(png)
        data = png.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000

    run_window(scenario)


def test_freeze_holds_the_plots_while_recording_goes_on(run_window, tmp_path: Path) -> None:
    async def scenario(window: MainWindow) -> None:
        dock, frames = window.timeline, window.timeline_feed.timeline.frames
        await play(window, speech_clip(tmp_path, 3.0))
        await asyncio.sleep(0.5)
        dock.set_frozen(True)
        held, recorded = plotted(dock), len(frames)
        await asyncio.sleep(0.6)
        assert np.array_equal(plotted(dock), held) and dock.plots.x_range() == (-WINDOW_S, 0)
        assert len(frames) > recorded, "frames are still recorded"
        assert dock.plots.frame.getViewBox().state["mouseEnabled"][0], "scrollable"
        dock.plots.frame.setXRange(-6.0, -1.0, padding=0)  # the user drags it
        assert dock.plots.x_range() == (-6.0, -1.0)
        dock.freeze_button.click()
        assert not dock.frozen and dock.plots.x_range() == (-WINDOW_S, 0)
        await until(lambda: not np.array_equal(plotted(dock), held))

    run_window(scenario)


def test_the_view_menu_toggles_the_dock(run_window) -> None:
    async def scenario(window: MainWindow) -> None:
        toggle = window.timeline.toggleViewAction()
        assert toggle in window.menuBar().actions()[0].menu().actions()
        toggle.trigger()
        assert not window.timeline.isVisible()
        toggle.trigger()
        assert window.timeline.isVisible()

    run_window(scenario)


def test_a_rebuilt_sink_still_feeds_the_audio_level(run_window, tmp_path: Path) -> None:
    async def scenario(window: MainWindow) -> None:
        old_sink = window.session.sink
        rate = window.connection.sample_rate
        rate.setCurrentIndex(rate.findData(24000))
        await play(window, speech_clip(tmp_path, 2.0))
        assert window.session.sink is not old_sink
        await until(lambda: loud(window.timeline))

    run_window(scenario)


def fake_session(sink: ManualClockSink, clock: list[float]) -> SimpleNamespace:
    """What the feed uses of a PlayerSession: a playback clock, a pose, frame reports."""
    pose = neutral_vector()
    pose[LAYOUT["jaw_open"]] = 0.5
    return SimpleNamespace(
        options=SimpleNamespace(sample_rate=sink.sample_rate),
        playback=SimpleNamespace(clock=lambda: clock[0], current=None),
        conversation_changed=Signal(),
        pose=pose.copy,
        report_frame=lambda: 3.0,
    )


def test_the_feed_records_frames_audio_and_rebuffers_and_cuts_them() -> None:
    clock = [100.0]
    sink = ManualClockSink(16000, latency_s=0.05)
    session = fake_session(sink, clock)
    feed = TimelineFeed(session)
    feed.attach(sink)
    sink.enqueue(np.full(16000, 3000, np.int16))
    for step in range(20):  # 2 s: a frame and 100 ms of audio every 100 ms
        clock[0] += 0.1
        feed.pose()
        clock[0] += 0.01
        assert feed.presented() == 3.0
        sink.advance(1600)
        if step == 10:
            rebuffering = ConversationChange(
                ConversationState.ACTIVE, StateChangeReason.REBUFFERING
            )
            session.conversation_changed.emit(rebuffering)
    everything = feed.series()  # at 102.2 s
    assert everything.frame_t.size == 20 and everything.audio_t.size == 10  # 1 s of audio
    assert np.isclose(everything.frame_t[-1], 0.0) and np.isclose(everything.frame_t[0], -2.09)
    assert np.allclose(everything.channels[:, 0], 0.5) and np.allclose(everything.offset_ms, 3.0)
    assert np.allclose(everything.frame_ms, 10.0) and np.isnan(everything.buffered_ms).all()
    assert np.allclose(everything.level_db, 20 * np.log10(3000 / 32768))
    assert np.isclose(everything.audio_t[0], -2.09 + 0.05), "DAC time: clock + latency"
    assert [round(a, 2) for a, _ in everything.rebuffering] == [-0.99]
    assert everything.rebuffering[0][1] == 0.0, "still rebuffering"
    last = feed.series(0.5)
    assert last.frame_t.size == 5 and last.audio_t.size == 0
    replacement = ManualClockSink(16000)
    feed.attach(replacement)
    sink.enqueue(np.full(1600, 3000, np.int16))
    sink.advance(1600)
    assert feed.series().audio_t.size == 10, "the old sink is no longer tapped"
