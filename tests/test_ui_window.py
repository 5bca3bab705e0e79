"""The desktop window under Xvfb, against the real embedded Motion Server.

Each test runs a coroutine on a qasync loop over the pytest-qt QApplication, so the
window's async slots, the network and the GL view all run for real.
"""

from __future__ import annotations

from pathlib import Path

from conftest import speech_clip
from PySide6.QtCore import Qt
from window_harness import badge, jaw_while_playing, until

from avatar_player.avatar.library import BUNDLED
from avatar_player.client import fetch_session_token
from avatar_player.ui.main_window import MainWindow


def test_connect_play_first_frame_fps_and_playback_end(run_window, tmp_path: Path) -> None:
    clip = speech_clip(tmp_path, 1.5)

    async def scenario(window: MainWindow) -> None:
        await until(lambda: badge(window, "first_frame") == "rendered")
        assert window.status.first_frame.text().startswith("rendered")
        await until(lambda: window.status.fps.text() != "-")
        assert "fps" in window.status.fps.text()
        assert not window.playback.play_button.isEnabled(), "play needs a connection"
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        assert not window.connection.connect_button.isEnabled()
        window.playback.select_clip(clip)
        assert window.playback.play_button.isEnabled()
        window.playback.play_button.click()
        opened = await jaw_while_playing(window)
        await until(lambda: badge(window, "conversation") == "idle")
        assert window.status.reason.text() == "playbackEnd"
        assert opened > 0.3, "the lips moved with the speech"
        assert window.status.offset.text() != "-"

    run_window(scenario)


def test_pause_resume_interrupt_change_the_badges(run_window) -> None:
    async def scenario(window: MainWindow) -> None:
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        window.playback.select_clip(
            str(Path(__file__).parents[1] / "resources/clips/hello_16k.wav")
        )
        window.playback.play_button.click()
        await until(lambda: badge(window, "conversation") == "playing")
        assert window.playback.pause_button.isEnabled()
        assert not window.playback.resume_button.isEnabled()
        window.playback.pause_button.click()
        await until(lambda: badge(window, "conversation") == "paused")
        assert window.status.reason.text() == "userAction"
        assert window.playback.resume_button.isEnabled()
        window.playback.resume_button.click()
        await until(lambda: badge(window, "conversation") == "playing")
        window.playback.interrupt_button.click()
        await until(lambda: badge(window, "conversation") == "idle")
        assert window.status.reason.text() == "userAction"
        assert not window.playback.interrupt_button.isEnabled()

    run_window(scenario)


def test_keyboard_shortcuts(run_window, qtbot) -> None:
    async def scenario(window: MainWindow) -> None:
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        window.activateWindow()
        await until(window.isActiveWindow)
        qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: badge(window, "conversation") == "playing")
        qtbot.keyClick(window, Qt.Key.Key_Space)
        await until(lambda: badge(window, "conversation") == "paused")
        qtbot.keyClick(window, Qt.Key.Key_Space)
        await until(lambda: badge(window, "conversation") == "playing")
        qtbot.keyClick(window, Qt.Key.Key_Escape)
        await until(lambda: badge(window, "conversation") == "idle")

    run_window(scenario)


def test_expired_token_fails_then_recovers_after_a_refresh(run_window) -> None:
    async def scenario(window: MainWindow) -> None:
        session = window.session
        assert session.server is not None
        short = await fetch_session_token(session.console_url, "demo-key", ttl_s=2.0)
        window.connection.api_key.setText("")  # no token endpoint: no automatic refresh
        await session.apply(window.connection.options(session.options))
        session.controller.set_session_token(short)
        await session.controller.start()
        await until(lambda: badge(window, "connection") == "failed")
        assert "sessionTokenExpired" in window.status.connection.text()
        assert "sessionTokenExpired" in session.log.codes()
        assert not window.connection.refresh_button.isEnabled()
        window.connection.api_key.setText("demo-key")
        assert window.connection.refresh_button.isEnabled()
        window.connection.refresh_button.click()
        await until(lambda: badge(window, "connection") == "connected")

    run_window(scenario)


def test_code_filter_hides_and_shows_rows(run_window, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")

    async def scenario(window: MainWindow) -> None:
        session = window.session
        await session.play_clip(speech_clip(tmp_path, 0.2))  # not connected: websocketError
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        await session.play_clip(bad)  # connected: the clip is refused
        codes = session.log.codes()
        assert len(codes) == 2 and "websocketError" in codes
        clip_code = next(code for code in codes if code.startswith("clip"))
        panel = window.errors
        assert {e.code for e in panel.visible_entries()} == set(codes)
        for row in range(panel.code_filter.count()):
            item = panel.code_filter.item(row)
            if item.text() != clip_code:
                item.setCheckState(Qt.CheckState.Unchecked)
        assert [e.code for e in panel.visible_entries()] == [clip_code]
        assert panel.table.model().rowCount() == 1
        panel.set_code_filter(None)
        assert {e.code for e in panel.visible_entries()} == set(codes)
        panel.severity_boxes[next(iter(panel.severity_boxes))].setChecked(False)  # errors off
        assert panel.visible_entries() == []

    run_window(scenario)


def test_avatar_picker_loads_with_progress_and_reports_bad_ids(run_window) -> None:
    async def scenario(window: MainWindow) -> None:
        panel = window.avatar
        offered = [panel.picker.itemText(i) for i in range(panel.picker.count())]
        assert offered == [spec.avatar_id for spec in BUNDLED]
        panel.picker.setEditText("demo-avatar-auburn")
        panel.load_button.click()
        await until(lambda: window.view.avatar.info.avatar_id == "demo-avatar-auburn")
        assert panel.progress.value() == panel.progress.maximum() > 1
        assert panel.shown.text() == "demo-avatar-auburn"
        assert window.connection.avatar_id.text() == "demo-avatar-auburn"
        await until(lambda: window.view.renderer is not None)
        panel.picker.setEditText("nobody")
        panel.load_button.click()
        await until(lambda: bool(window.session.log.entries))
        [entry] = window.session.log.entries
        assert (entry.code, entry.phase) == ("avatarIDUnrecognized", "avatar_load")
        await until(panel.load_button.isEnabled)
        assert window.view.avatar.info.avatar_id == "demo-avatar-auburn", "the view stays"

    run_window(scenario)


def test_settings_are_persisted(run_window, tmp_path: Path) -> None:
    async def scenario(window: MainWindow) -> None:
        window.playback.volume.setValue(33)
        window.save_settings()
        assert window.settings.value("playback/volume") in (33, "33")
        assert window.settings.value("connection/app_id") == "demo-app"
        assert window.settings.value("connection/api_key") is None, "secrets are not stored"

    run_window(scenario)
    assert (tmp_path / "settings.ini").exists()


def test_record_then_replay_from_the_window(run_window, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    clip = speech_clip(tmp_path, 1.0)

    async def scenario(window: MainWindow) -> None:
        panel = window.recording
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        panel.record_button.click()
        assert panel.record_button.text() == "Stop recording"
        path = window.session.recorder.path
        assert path.parent == tmp_path / "data" / "avatar-player" / "recordings"
        window.playback.select_clip(clip)
        window.playback.play_button.click()
        await until(lambda: badge(window, "conversation") == "playing")
        assert not panel.replay_button.isEnabled(), "replay waits until nothing plays"
        await until(lambda: window.status.reason.text() == "playbackEnd")
        panel.record_button.click()
        assert panel.file.text() == f"saved {path}"
        window.connection.disconnect_button.click()
        await until(lambda: badge(window, "connection") == "disconnected")
        assert panel.replay_button.isEnabled()
        window.replay(str(path))
        opened = await jaw_while_playing(window)
        assert window.status.reason.text() == "playbackEnd"
        assert opened > 0.3, "the replayed motion moves the lips"

    run_window(scenario)


def test_custom_mode_plays_through_a_relay(run_window, tmp_path: Path) -> None:
    from avatar_player.relay import Relay, RelayConfig

    clip = speech_clip(tmp_path, 1.0)

    async def play_through(window: MainWindow, relay: Relay) -> None:
        connection = window.connection
        connection.server.setCurrentIndex(connection.server.findData("relay"))
        assert not connection.api_key.isEnabled(), "the relay holds the credentials"
        connection.url.setText(relay.url)
        connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        assert window.session.controller.settings.mode == "custom"
        window.playback.select_clip(clip)
        window.playback.play_button.click()
        opened = await jaw_while_playing(window)
        assert window.status.reason.text() == "playbackEnd"
        assert opened > 0.3

    async def scenario(window: MainWindow) -> None:
        server = window.session.server  # the embedded server is the relay's upstream
        relay = Relay(RelayConfig(server.ws_url, server.console_url, port=0))
        await relay.start()
        try:
            await play_through(window, relay)
        finally:
            await relay.stop()

    run_window(scenario)


def test_the_error_log_shows_what_was_logged_before_the_window_opened(qapp) -> None:
    from avatar_player.models.error_log import ErrorLog, Severity
    from avatar_player.ui.error_log_view import ErrorLogPanel

    log = ErrorLog()
    log.add_message(Severity.WARNING, "audioDeviceUnavailable", "playback", "no sound card")
    view = ErrorLogPanel(log)
    assert [entry.code for entry in view.visible_entries()] == ["audioDeviceUnavailable"]
    assert view.code_filter.count() == 1
    assert view.code_filter.item(0).text() == "audioDeviceUnavailable"
    view.deleteLater()


def test_the_view_idles_at_a_low_rate_on_software_gl_and_speaks_at_the_full_rate(
    run_window, tmp_path: Path
) -> None:
    from avatar_player.render.frame_pacing import FULL_FPS, SOFTWARE_IDLE_FPS

    clip = speech_clip(tmp_path, 1.0)

    async def scenario(window: MainWindow) -> None:
        await until(lambda: window.view.renderer is not None)
        assert "llvmpipe" in window.view.renderer.renderer_name  # the tests' software GL
        assert round(window.view.target_fps) == SOFTWARE_IDLE_FPS
        await until(lambda: window.status.fps.text().endswith(")"))
        assert f"/ {SOFTWARE_IDLE_FPS:.0f} fps" in window.status.fps.text()
        # between blinks the idle drift often moves no splat a quarter pixel: not drawn
        await until(lambda: "unchanged" in window.status.fps.text())
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        window.playback.select_clip(clip)
        window.playback.play_button.click()
        await until(lambda: badge(window, "conversation") == "playing")
        assert round(window.view.target_fps) == round(FULL_FPS)
        await until(lambda: badge(window, "conversation") == "idle")
        assert round(window.view.target_fps) == SOFTWARE_IDLE_FPS

    run_window(scenario)
