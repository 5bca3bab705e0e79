"""PlayerSession: what the desktop app drives, without Qt.

Owns the embedded Motion Server (or the settings of a remote one), the audio sink,
the playback and the controller, and an error log fed by all of them. Signals are
re-emitted from the session, so views connect once even when a new sample rate
rebuilds the sink, playback and controller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from avatar_player.audio import AudioSink, ClipError, open_sink
from avatar_player.avatar.asset import load_avatar_dir
from avatar_player.avatar.model import Avatar as RenderAvatar
from avatar_player.avatar_manager import AvatarManager
from avatar_player.client import AvatarError, Phase, fetch_session_token
from avatar_player.models.error_log import ErrorLog, Severity
from avatar_player.player import (
    AvatarController,
    ConnectionChange,
    ConnectionSettings,
    ConnectionState,
    ConversationChange,
    Playback,
    PlaybackMetrics,
    load_flame_recording,
    play_recording,
    speak,
)
from avatar_player.player.recording import Recorder, RecordingError, load_recording
from avatar_player.player.relay_upstream import RelayUpstreamChange
from avatar_player.player.replay import replay_live
from avatar_player.player.signals import Signal
from avatar_player.protocol.constants import API_KEY_HEADER, APP_ID_HEADER, SESSION_KEY_HEADER
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.flame import KeyframeError
from avatar_player.render.fps import FpsReport
from avatar_player.server.process import ServerProcess
from avatar_player.speech import ClipSource, Pacing, SpeechError, SpeechSource

SPEECH_PHASE = "speech"
"""The error log's phase for speech input problems (TTS, microphone)."""


@dataclass(frozen=True)
class SessionOptions:
    """Where to connect and how to play."""

    server: Literal["embedded", "remote", "relay"] = "embedded"
    """embedded: our own Motion Server; remote: another server's ingress (Basic Mode);
    relay: the app's relay (Custom Mode, `python -m avatar_player.relay`)."""
    url: str = ""
    """Ingress URL of a remote Motion Server, or the relay's URL."""
    console_url: str = ""
    """Token endpoint of a remote server (with `api_key`, tokens refresh automatically)."""
    app_id: str = "demo-app"
    api_key: str = "demo-key"
    token: str = ""
    """A session token given by hand (remote servers without a console)."""
    avatar_id: str = "demo-avatar"
    sample_rate: int = 24000
    audio: Literal["device", "null"] = "device"
    fault_query: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # api_key and token never reach logs
        return f"SessionOptions(server={self.server!r}, url={self.url!r}, app_id={self.app_id!r})"


class PlayerSession:
    """The player, its server and its log, for one window (or one headless run)."""

    def __init__(
        self,
        options: SessionOptions,
        server_args: Sequence[str] = (),
        avatar_cache_dir: Path | None = None,
    ) -> None:
        self.options = options
        self.log = ErrorLog()
        self.connection_changed: Signal[ConnectionChange] = Signal()
        self.relay_upstream_changed: Signal[RelayUpstreamChange] = Signal()
        """Custom Mode: the relay's session with the Motion Server (`controller.relay_upstream`)."""
        self.conversation_changed: Signal[ConversationChange] = Signal()
        self.metrics: Signal[PlaybackMetrics] = Signal()
        self.frame_rate: Signal[FpsReport] = Signal()
        self.first_rendering: Signal[float] = Signal()
        self.avatar_progress: Signal[tuple[int, int]] = Signal()
        self._avatar_cache_dir = avatar_cache_dir
        self.avatars: AvatarManager | None = None
        self._server_args = server_args
        self.server: ServerProcess | None = None
        self.sink: AudioSink | None = None
        self.playback: Playback | None = None
        self.controller: AvatarController | None = None
        self.recorder: Recorder | None = None

    # Lifecycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        """Start the embedded server (if used) and the audio output."""
        if self.options.server == "embedded" and self.server is None:
            loop = asyncio.get_running_loop()
            self.server = ServerProcess(
                self._server_args,
                lambda running, why: loop.call_soon_threadsafe(self._server_died, running, why),
            )
            await asyncio.to_thread(self.server.start)
        await self._build_player()

    async def close(self) -> None:
        """Close the connection, the audio stream, the avatar service and the embedded server."""
        await self._close_player()
        if self.avatars is not None:
            await self.avatars.close()
            self.avatars = None
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)
            self.server = None

    async def apply(self, options: SessionOptions) -> None:
        """Use new options; the audio output is rebuilt when its rate or kind changed."""
        rebuild = (options.sample_rate, options.audio) != (
            self.options.sample_rate,
            self.options.audio,
        )
        if self.controller is not None:
            await self.controller.close()
        self.options = options
        if rebuild:
            await self._close_player()
        await self._build_player()

    @property
    def ingress_url(self) -> str:
        """Where the controller connects."""
        if self.options.server == "embedded" and self.server is not None:
            return self.server.ws_url
        return self.options.url

    @property
    def console_url(self) -> str:
        """Where tokens come from ('' when only a hand-made token is available)."""
        if self.options.server == "embedded" and self.server is not None:
            return self.server.console_url
        return self.options.console_url if self.options.server == "remote" else ""

    # Connection ------------------------------------------------------------------------------

    async def connect(self) -> bool:
        """Connect the controller; failures are logged and shown, never raised."""
        controller = self._require_controller()
        if self.options.token:
            controller.set_session_token(self.options.token)
        try:
            await controller.start()
        except AvatarError:
            return False  # already logged through controller.error
        return True

    async def disconnect(self) -> None:
        """Close the connection (playback stops)."""
        controller = self._require_controller()
        await controller.close()
        controller.ensure_ticking()

    async def refresh_token(self) -> bool:
        """Fetch a fresh token from the console and reconnect if the connection failed."""
        controller = self._require_controller()
        try:
            token = await self._fetch_token()
        except AvatarError as error:
            self.log.add_error(error)
            return False
        controller.set_session_token(token)
        if controller.connection_state is ConnectionState.CONNECTED:
            return True
        return await self.connect()

    # Avatars ---------------------------------------------------------------------------------

    async def list_avatars(self) -> list[tuple[str, str]]:
        """(id, name) of the avatars the server offers ([] when it cannot say; logged)."""
        if self.avatars is None:
            return []
        try:
            return await self.avatars.list_avatars()
        except AvatarError as error:
            self.log.add_error(error)
            return []

    async def load_avatar(self, avatar_id: str) -> RenderAvatar | None:
        """Download (or take from the cache) and open avatar `avatar_id`; None on failure."""
        if self.avatars is None:
            message = "no avatar service: connect to a server with a token endpoint"
            self.log.add_error(
                AvatarError(ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA, message, Phase.AVATAR_LOAD)
            )
            return None
        try:
            loaded = await self.avatars.load(
                avatar_id, progress=lambda done, total: self.avatar_progress.emit((done, total))
            )
            directory = next(iter(loaded.files.values())).parent
            model = await asyncio.to_thread(load_avatar_dir, directory)
        except AvatarError as error:
            self.log.add_error(error)
            return None
        except (OSError, KeyError, ValueError) as error:
            message = f"{avatar_id}: downloaded asset is unreadable ({error})"
            self.log.add_error(
                AvatarError(ErrorCode.FAILED_TO_DOWNLOAD_AVATAR_ASSETS, message, Phase.AVATAR_LOAD)
            )
            return None
        if loaded.offline:
            self.log.add_message(
                Severity.WARNING,
                str(ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA),
                str(Phase.AVATAR_LOAD),
                f"{avatar_id}: avatar service unreachable; showing the cached version",
            )
        return model

    # Playback --------------------------------------------------------------------------------

    async def play_clip(self, path: str | Path, pacing: Pacing | None = None) -> str | None:
        """Send a clip (converted to the session rate) at once or paced; its conversation id
        or None."""
        return await self.speak(ClipSource(path, pacing))

    async def speak(self, source: SpeechSource) -> str | None:
        """Stream `source` as one response while it produces speech (reconnecting first
        when the connection failed for a transient reason); its conversation id, or None
        when nothing could be sent. Problems are logged, never raised."""
        controller = self._require_controller()
        source.on_warning = self._speech_problem
        try:
            return await speak(controller, source)
        except ClipError as error:
            self.log.add_message(Severity.ERROR, str(error.code), str(Phase.PLAYBACK), str(error))
        except SpeechError as error:
            self._speech_problem(error, Severity.ERROR)
        except AvatarError as error:
            self.log.add_error(error)
        return None

    def play_recording(self, folder: str | Path) -> str | None:
        """Play a recorded commercial response (audio + FLAME keyframes) in Host Mode."""
        playback = self._require_playback()
        try:
            pcm, frames = load_flame_recording(folder, playback.sample_rate)
        except (ClipError, KeyframeError, ValueError) as error:
            self.log.add_message(
                Severity.ERROR, RecordingError.code, str(Phase.PLAYBACK), str(error)
            )
            return None
        return play_recording(playback, pcm, frames)

    # Recording ---------------------------------------------------------------------------

    def start_recording(self, path: str | Path) -> bool:
        """Record everything the playback gets and reports to `path` (until stopped)."""
        self.stop_recording()
        controller = self._require_controller()
        source = {
            "mode": controller.settings.mode,
            "server": self.options.server,
            "url": self.ingress_url,
            "app_id": self.options.app_id,
            "avatar_id": self.options.avatar_id,
        }
        try:
            self.recorder = Recorder(
                path,
                controller.playback,
                source=source,
                connection=controller.connection_changed,
                errors=controller.error,
            )
        except OSError as error:
            self._recording_error(f"cannot record to {path}: {error}")
            return False
        return True

    def stop_recording(self) -> Path | None:
        """Finish the recording; its path (None when none was running)."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return None
        recorder.close()
        return recorder.path

    async def replay(self, path: str | Path) -> bool:
        """Play a session recording again, in real time, in this player."""
        playback = self._require_playback()
        try:
            recording = await asyncio.to_thread(load_recording, path)
        except RecordingError as error:
            self._recording_error(str(error))
            return False
        if recording.sample_rate != playback.sample_rate:
            self._recording_error(
                f"{path}: recorded at {recording.sample_rate} Hz; set the sample rate to it first"
            )
            return False
        await self.interrupt()
        await replay_live(recording, playback)
        return True

    def pause(self) -> bool:
        """Pause the current response."""
        return self._require_playback().pause()

    def resume(self) -> bool:
        """Resume the paused response."""
        return self._require_playback().resume()

    async def interrupt(self) -> str | None:
        """Stop the current response (and tell the server when it is a server response)."""
        return await self._require_controller().interrupt()

    def set_volume(self, volume: float) -> None:
        """Output gain 0..1."""
        self._require_playback().set_volume(volume)

    def pose(self) -> np.ndarray:
        """The motion vector to render now."""
        return self._require_playback().pose()

    def peek_pose(self) -> np.ndarray:
        """The pose a frame would show now, for inspection (not a frame)."""
        return self._require_playback().peek_pose()

    def report_frame(self) -> float | None:
        """A frame showing the last pose was presented; its A/V offset (ms) if it showed
        motion."""
        return self._require_playback().report_frame()

    # Internals -------------------------------------------------------------------------------

    async def _fetch_token(self) -> str:
        if not self.console_url or not self.options.api_key:
            raise AvatarError(
                ErrorCode.SESSION_TOKEN_INVALID,
                "no token endpoint or API key configured; paste a session token",
                Phase.SESSION_TOKEN,
            )
        return await fetch_session_token(self.console_url, self.options.api_key)

    async def _build_player(self) -> None:
        """Open the sink, playback and controller if needed; apply the current options."""
        if self.sink is None:
            self.sink, warning = await asyncio.to_thread(
                open_sink, self.options.sample_rate, self.options.audio
            )
            loop = asyncio.get_running_loop()
            self.sink.on_status = lambda message: loop.call_soon_threadsafe(
                self._audio_warning, message
            )
            if warning:
                self._audio_warning(warning)
            self.playback = Playback(self.sink)
            self.controller = AvatarController(self._connection_settings(), self.playback)
            self._wire(self.playback, self.controller)
        controller = self._require_controller()
        controller.settings = self._connection_settings()
        credentials = self._avatar_credentials()
        avatars = self.avatars
        if self.console_url and (
            avatars is None
            or (avatars.base_url, avatars.credentials) != (self.console_url, credentials)
        ):
            if avatars is not None:
                await avatars.close()
            self.avatars = AvatarManager(
                self.console_url, self._avatar_cache_dir, credentials=credentials
            )
        has_console = bool(self.console_url and self.options.api_key)
        controller.token_provider = self._fetch_token if has_console else None
        controller.ensure_ticking()

    def _avatar_credentials(self) -> dict[str, str]:
        """What proves the app to the avatar service (its own avatars are served only to it)."""
        if self.options.api_key:
            return {API_KEY_HEADER: self.options.api_key}
        if self.options.token:
            return {APP_ID_HEADER: self.options.app_id, SESSION_KEY_HEADER: self.options.token}
        return {}

    def _connection_settings(self) -> ConnectionSettings:
        return ConnectionSettings(
            self.ingress_url,
            self.options.app_id,
            self.options.avatar_id,
            extra_query=self.options.fault_query,
            mode="custom" if self.options.server == "relay" else "basic",
        )

    def _wire(self, playback: Playback, controller: AvatarController) -> None:
        controller.connection_changed.connect(self.connection_changed.emit)
        controller.relay_upstream.changed.connect(self.relay_upstream_changed.emit)
        controller.error.connect(self.log.add_error)
        playback.changed.connect(self.conversation_changed.emit)
        playback.metrics.connect(self.metrics.emit)

    async def _close_player(self) -> None:
        self.stop_recording()
        if self.controller is not None:
            await self.controller.close()
        if self.sink is not None:
            await asyncio.to_thread(self.sink.close)
            self.sink = None
            self.playback = None
            self.controller = None

    def _recording_error(self, message: str) -> None:
        self.log.add_message(Severity.ERROR, RecordingError.code, str(Phase.PLAYBACK), message)

    def _speech_problem(self, error: SpeechError, severity: Severity = Severity.WARNING) -> None:
        self.log.add_message(severity, str(error.code), SPEECH_PHASE, error.message)

    def _server_died(self, running: bool, message: str) -> None:
        """The embedded server's process died; it runs again unless `running` is False."""
        severity, code = (
            (Severity.WARNING, "serverRestarted") if running else (Severity.ERROR, "serverExited")
        )
        self.log.add_message(severity, code, str(Phase.WEBSOCKET_CONNECT), message)

    def _audio_warning(self, message: str) -> None:
        self.log.add_message(
            Severity.WARNING, str(ErrorCode.AUDIO_DEVICE_UNAVAILABLE), str(Phase.PLAYBACK), message
        )

    def _require_controller(self) -> AvatarController:
        if self.controller is None:
            raise RuntimeError("the session is not open")
        return self.controller

    def _require_playback(self) -> Playback:
        if self.playback is None:
            raise RuntimeError("the session is not open")
        return self.playback
