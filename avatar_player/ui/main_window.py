"""The main window: the avatar on the left, live status and QA controls on the right."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from avatar_player.avatar.model import Avatar
from avatar_player.models.actions import Action, valid_actions
from avatar_player.models.live_speech import LiveSpeech
from avatar_player.models.player_session import PlayerSession
from avatar_player.models.recordings import new_recording_path
from avatar_player.models.timeline_feed import TimelineFeed
from avatar_player.player import ConnectionChange, ConversationChange, ConversationState
from avatar_player.render.fps import FpsReport
from avatar_player.render.tiers import TIERS
from avatar_player.ui.avatar_panel import AvatarPanel
from avatar_player.ui.avatar_view import AvatarView
from avatar_player.ui.connection_panel import ConnectionPanel
from avatar_player.ui.error_log_view import ErrorLogPanel
from avatar_player.ui.help_menu import install_help_menu
from avatar_player.ui.playback_panel import PlaybackPanel
from avatar_player.ui.recording_panel import RecordingPanel
from avatar_player.ui.speech_panel import PUSH_TO_TALK_KEY, SpeechPanel
from avatar_player.ui.status_panel import StatusPanel
from avatar_player.ui.timeline_dock import TimelineDock
from avatar_player.window_options import AUTO_TIER

SPEAKING = frozenset({ConversationState.ACTIVE, ConversationState.PLAYING})
"""Conversation states in which the view renders at the full rate."""


class MainWindow(QMainWindow):
    """One window per PlayerSession."""

    def __init__(
        self, session: PlayerSession, avatar: Avatar, settings: QSettings, tier: str | None = None
    ) -> None:
        super().__init__()
        self.setWindowTitle("Avatar Player")
        self.session = session
        self.settings = settings
        self.status = StatusPanel()
        self.connection = ConnectionPanel(session.options)
        self.playback = PlaybackPanel()
        self.speech = SpeechPanel()
        self.live = LiveSpeech(session)
        self.recording = RecordingPanel()
        self.avatar = AvatarPanel(session.options.avatar_id)
        self.errors = ErrorLogPanel(session.log)
        self.timeline_feed = TimelineFeed(session)
        self.view = AvatarView(
            avatar,
            self.timeline_feed.pose,
            self.timeline_feed.peek_pose,
            on_presented=self.timeline_feed.presented,
            on_first_frame=self._first_frame,
            on_fps=self._frame_rate,
            tier=tier,
        )
        self._build_layout()
        install_help_menu(self, self.view)
        self._fill_tiers(tier)
        self._connect_signals()
        self._restore_settings()
        self.update_actions()

    # Layout and wiring ---------------------------------------------------------------------

    def _build_layout(self) -> None:
        side = QWidget()
        column = QVBoxLayout(side)
        panels = (
            self.status,
            self.connection,
            self.speech,
            self.playback,
            self.recording,
            self.avatar,
        )
        for panel in panels:
            column.addWidget(panel)
        column.addStretch()
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(side.sizeHint().width() + 24)
        self.left = QSplitter(Qt.Orientation.Vertical)
        self.left.addWidget(self.view.container())
        self.left.addWidget(self.errors)
        self.left.setStretchFactor(0, 3)
        self.left.setStretchFactor(1, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.setCentralWidget(self.splitter)
        self.resize(1400, 860)
        self._build_timeline()

    def _build_timeline(self) -> None:
        """The timeline dock on the right (beside the status column), toggled in View."""
        self.timeline = TimelineDock(self.timeline_feed, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.timeline)
        self.resizeDocks([self.timeline], [340], Qt.Orientation.Horizontal)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.timeline.toggleViewAction())

    def _fill_tiers(self, tier: str | None) -> None:
        combo = self.playback.tier
        combo.addItem("auto (from the GPU)", AUTO_TIER)
        for name in TIERS:
            combo.addItem(name, name)
        combo.setCurrentIndex(max(0, combo.findData(tier or AUTO_TIER)))
        combo.currentIndexChanged.connect(self._tier_changed)

    def _connect_signals(self) -> None:
        session = self.session
        session.connection_changed.connect(self._connection_changed)
        session.relay_upstream_changed.connect(self.status.show_relay_upstream)
        session.conversation_changed.connect(self._conversation_changed)
        session.metrics.connect(self.status.show_metrics)
        panel = self.connection
        panel.connect_button.clicked.connect(self.connect_server)
        panel.disconnect_button.clicked.connect(self.disconnect_server)
        panel.refresh_button.clicked.connect(self.refresh_token)
        self.avatar.load_button.clicked.connect(self.load_avatar)
        session.avatar_progress.connect(lambda progress: self.avatar.show_progress(*progress))
        play = self.playback
        play.play_button.clicked.connect(self.play)
        play.pause_button.clicked.connect(self.pause)
        play.resume_button.clicked.connect(self.resume)
        play.interrupt_button.clicked.connect(self.interrupt)
        play.volume.valueChanged.connect(lambda value: session.set_volume(value / 100))
        play.screenshot_button.clicked.connect(self.screenshot)
        play.clip.currentIndexChanged.connect(self.update_actions)
        self.recording.record_button.clicked.connect(self.toggle_recording)
        self.recording.replay_button.clicked.connect(self.pick_replay)
        panel.api_key.textChanged.connect(self.update_actions)
        self._connect_speech()
        QShortcut(QKeySequence("Ctrl+P"), self, self.play)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle_pause)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.interrupt)
        self._audio_output_changed()

    def _connect_speech(self) -> None:
        speech, live = self.speech, self.live
        speech.text.returnPressed.connect(self.say)
        speech.say_button.clicked.connect(self.say)
        speech.talk_button.pressed.connect(self.press_to_talk)
        speech.talk_button.released.connect(live.release_to_talk)
        speech.hands_free.toggled.connect(live.set_hands_free)
        speech.monitor.toggled.connect(lambda on: setattr(live, "monitor", on))
        speech.microphone.currentIndexChanged.connect(
            lambda _: setattr(live, "device", speech.microphone.currentData())
        )
        speech.voice.currentIndexChanged.connect(self._voice_changed)
        live.hands_free_stopped.connect(lambda _: speech.hands_free.setChecked(False))
        live.level.connect(speech.show_level)
        live.listening.connect(speech.show_listening)

    @asyncSlot()
    async def _voice_changed(self) -> None:
        """Use the picked voice, loading it now rather than at the first sentence."""
        self.live.voice = self.speech.voice_path()
        await self.live.warm_up()

    def _audio_output_changed(self) -> None:
        """A new sink: show its kind and give it the chosen volume."""
        sink = self.session.sink
        self.timeline_feed.attach(sink)
        self.status.audio_output.setText(type(sink).__name__ if sink else "-")
        if sink is not None:
            self.session.set_volume(self.playback.volume.value() / 100)

    # State -----------------------------------------------------------------------------------

    def valid_actions(self) -> set[Action]:
        """What the user may do now."""
        controller, playback = self.session.controller, self.session.playback
        clip = self.playback.current_clip()
        if controller is None or playback is None:
            return set()
        return valid_actions(
            controller.connection_state,
            playback.state,
            host_mode_clip=bool(clip and clip.host_mode),
            can_refresh_token=bool(self.session.console_url and self.connection.api_key.text()),
            can_reconnect=controller.can_reconnect_on_demand,
        )

    def update_actions(self) -> None:
        """Enable exactly the buttons whose action is valid."""
        valid = self.valid_actions()
        buttons = {
            Action.CONNECT: self.connection.connect_button,
            Action.DISCONNECT: self.connection.disconnect_button,
            Action.REFRESH_TOKEN: self.connection.refresh_button,
            Action.PLAY: self.playback.play_button,
            Action.PAUSE: self.playback.pause_button,
            Action.RESUME: self.playback.resume_button,
            Action.INTERRUPT: self.playback.interrupt_button,
            Action.REPLAY: self.recording.replay_button,
            Action.SAY: self.speech.say_button,
            Action.TALK: self.speech.talk_button,
        }
        for action, button in buttons.items():
            button.setEnabled(action in valid)
        self.speech.hands_free.setEnabled(Action.TALK in valid or self.live.hands_free)

    def _connection_changed(self, change: ConnectionChange) -> None:
        controller = self.session.controller
        self.status.show_connection(change, controller.connection_id if controller else "")
        self.update_actions()

    def _conversation_changed(self, change: ConversationChange) -> None:
        self.view.set_speaking(change.state in SPEAKING)
        self.status.show_conversation(change)
        self.update_actions()

    def _frame_rate(self, report: FpsReport) -> None:
        self.status.show_frame_rate(report)
        self.session.frame_rate.emit(report)

    def _first_frame(self, seconds: float) -> None:
        self.status.show_first_frame(seconds)
        self.session.first_rendering.emit(seconds)

    # Actions -----------------------------------------------------------------------------------

    @asyncSlot()
    async def connect_server(self) -> None:
        """Apply the connection settings and connect."""
        await self._apply_connection_panel()
        await self.session.connect()

    async def refresh_avatar_list(self) -> None:
        """Offer the avatars the server lists."""
        self.avatar.set_avatars(await self.session.list_avatars())

    @asyncSlot()
    async def load_avatar(self) -> None:
        """Load the picked avatar (download or cache) and show it; failures are logged."""
        avatar_id = self.avatar.selected_id()
        self.avatar.load_button.setEnabled(False)
        self.avatar.show_progress(0, 1)
        try:
            model = await self.session.load_avatar(avatar_id)
        finally:
            self.avatar.load_button.setEnabled(True)
        if model is not None:
            self.view.set_avatar(model)
            self.avatar.shown.setText(avatar_id)
            self.connection.avatar_id.setText(avatar_id)

    @asyncSlot()
    async def disconnect_server(self) -> None:
        """Close the connection."""
        await self.session.disconnect()

    @asyncSlot()
    async def refresh_token(self) -> None:
        """Fetch a new token with the entered API key; reconnect when the connection failed."""
        await self._apply_connection_panel()
        await self.session.refresh_token()

    async def _apply_connection_panel(self) -> None:
        options = self.connection.options(self.session.options)
        if options != self.session.options:
            await self.session.apply(options)
            self._audio_output_changed()

    @asyncSlot()
    async def play(self) -> None:
        """Play the picked clip (speech through the server, recordings in Host Mode)."""
        if Action.PLAY not in self.valid_actions():
            return
        clip = self.playback.current_clip()
        if clip is None:
            return
        if clip.host_mode:
            self.session.play_recording(clip.path)
        else:
            await self.session.play_clip(clip.path, self.playback.current_pacing())

    @asyncSlot()
    async def say(self) -> None:
        """Speak the Say box's text (Enter), sentence by sentence as it is synthesized."""
        text = self.speech.text.text()
        if Action.SAY not in self.valid_actions() or not text.strip():
            return
        self.speech.text.selectAll()
        await self.live.say(text)

    def press_to_talk(self) -> None:
        """Start talking into the microphone (until the button or key is released)."""
        if Action.TALK in self.valid_actions():
            self.live.press_to_talk()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == PUSH_TO_TALK_KEY and not event.isAutoRepeat():
            self.press_to_talk()
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == PUSH_TO_TALK_KEY and not event.isAutoRepeat():
            self.live.release_to_talk()
        super().keyReleaseEvent(event)

    def pause(self) -> None:
        """Pause the response."""
        self.session.pause()

    def resume(self) -> None:
        """Resume the response."""
        self.session.resume()

    def toggle_pause(self) -> None:
        """Space: pause when playing, resume when paused."""
        valid = self.valid_actions()
        if Action.PAUSE in valid:
            self.pause()
        elif Action.RESUME in valid:
            self.resume()

    @asyncSlot()
    async def interrupt(self) -> None:
        """Stop the response at once."""
        await self.session.interrupt()

    def toggle_recording(self) -> None:
        """Start recording to a new file in the recordings folder, or finish the recording."""
        saved = self.session.stop_recording()
        if saved is not None:
            self.recording.show_recording(None)
            self.recording.show_saved(saved)
            return
        path = new_recording_path()
        self.recording.show_recording(path if self.session.start_recording(path) else None)

    def pick_replay(self) -> None:
        """Ask for a recording, then replay it (the dialog stays outside any coroutine)."""
        path = self.recording.pick_recording()
        if path:
            self.replay(path)

    @asyncSlot(str)
    async def replay(self, path: str) -> None:
        """Replay the recording at `path` in real time; problems go to the error log."""
        await self.session.replay(path)

    def screenshot(self) -> None:
        """Save the avatar view as PNG (a plain slot: the dialog is not in a coroutine)."""
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "avatar.png", "PNG (*.png)")
        if path:
            self.view.save_png(path)

    def _tier_changed(self) -> None:
        tier = self.playback.tier.currentData()
        self.view.set_tier(None if tier == AUTO_TIER else tier)

    # Settings ----------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = self.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        docks = settings.value("window/docks")
        if isinstance(docks, QByteArray):
            self.restoreState(docks)
        for key, splitter in (("window/splitter", self.splitter), ("window/left", self.left)):
            state = settings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        volume = settings.value("playback/volume")
        if volume is not None:
            self.playback.volume.setValue(int(volume))
        clip = settings.value("playback/clip")
        if isinstance(clip, str) and clip:
            self.playback.select_clip(clip)

    def save_settings(self) -> None:
        """Persist geometry and choices (never the API key or a token)."""
        settings = self.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/docks", self.saveState())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("window/left", self.left.saveState())
        settings.setValue("playback/volume", self.playback.volume.value())
        clip = self.playback.current_clip()
        settings.setValue("playback/clip", str(clip.path) if clip else "")
        options = self.connection.options(self.session.options)
        settings.setValue("connection/server", options.server)
        settings.setValue("connection/url", options.url)
        settings.setValue("connection/console_url", options.console_url)
        settings.setValue("connection/app_id", options.app_id)
        settings.setValue("connection/avatar_id", options.avatar_id)
        settings.setValue("connection/sample_rate", options.sample_rate)
        settings.setValue("render/tier", self.playback.tier.currentData())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_settings()
        self.view.stop()
        super().closeEvent(event)
