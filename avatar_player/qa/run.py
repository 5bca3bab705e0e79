"""One QA run: open a PlayerSession, render offscreen, connect, play the clip, close.

The order is the app's: session open (embedded server, audio output), avatar and
renderer, connect, play. Everything runs on one asyncio loop, rendering included.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from avatar_player.audio import load_clip
from avatar_player.avatar.library import load_avatar
from avatar_player.avatar.model import Avatar
from avatar_player.models.player_session import PlayerSession
from avatar_player.qa.offscreen_view import OffscreenView
from avatar_player.qa.options import QaOptions
from avatar_player.qa.recorder import Recorder
from avatar_player.qa.verdict import Finding
from avatar_player.speech import ClipSource, SpeechSource, TextToSpeech, warm_up

CLOSE_TIMEOUT_S = 15.0
BASE_TIMEOUT_S = 30.0
"""Default timeout: this, plus twice the audio to play."""
SPOKEN_CHARS_PER_S = 10.0
"""A generous guess of the speech TTS makes of a text (the timeout of --say)."""


@dataclass(frozen=True)
class ClipInfo:
    """The clip to play, checked before the run starts."""

    path: Path
    duration_s: float
    file_rate: int
    session_rate: int

    @classmethod
    def load(cls, path: Path, session_rate: int) -> ClipInfo:
        """Decode the clip as the session will (ClipError when it cannot be used)."""
        pcm = load_clip(path, session_rate)
        return cls(path, pcm.size / session_rate, sf.info(path).samplerate, session_rate)


@dataclass(frozen=True)
class RenderingInfo:
    """What renders: known once the renderer is initialised."""

    renderer: str
    tier: str
    splats: int


class QaRun:
    """The session, what was observed, and the findings of the run itself."""

    def __init__(self, options: QaOptions, clip: ClipInfo | None) -> None:
        self.options = options
        self.clip = clip
        """The clip to play (None: the options' text is spoken)."""
        self.source: SpeechSource | None = None
        """The speech source of the last response."""
        self.session = PlayerSession(options.session)
        self.recorder = Recorder(self.session)
        self.findings: list[Finding] = []
        """Problems of the run itself (timeout, connection, avatar, sending)."""
        self.stage = "opening the session"
        self.ingress_url = ""
        self.rendering: RenderingInfo | None = None
        self.duration_s = 0.0
        self._view: OffscreenView | None = None
        self.capture = False
        """Read every rendered frame back (for a video or PNG frames)."""

    @property
    def timeout_s(self) -> float:
        """The limit of the whole run (close excluded)."""
        options = self.options
        if options.timeout_s is not None:
            return options.timeout_s
        if self.clip is None:
            speech_s = len(options.say or "") / SPOKEN_CHARS_PER_S
        else:
            speech_s = self.clip.duration_s / (options.pacing.speed or 1.0)
            speech_s += options.pacing.stall_for_s + options.pacing.jitter_ms / 1000.0
        return BASE_TIMEOUT_S + 2.0 * speech_s * options.repeat

    async def run(self) -> None:
        """Play until done or out of time (a finding), then close everything.

        Raises OffscreenUnavailable when there is no OpenGL to render with.
        """
        started = time.monotonic()
        limit = asyncio.timeout(self.timeout_s)
        try:
            async with limit:
                await self._execute()
        except TimeoutError:
            if not limit.expired():
                raise
            self.findings.append(
                Finding("fail", "timeout", f"no result within {self.timeout_s:g} s ({self.stage})")
            )
        finally:
            await self._close()
            self.duration_s = time.monotonic() - started

    async def _execute(self) -> None:
        if self.options.say is not None:
            self.stage = "loading the voice"  # the app loads it at start, in the background
            await warm_up(self.options.voice)
        await self.session.open()
        self.ingress_url = self.session.ingress_url
        self.stage = "loading the avatar"
        avatar = await self._avatar()
        if avatar is None:
            message = f"avatar {self.options.session.avatar_id!r} could not be loaded (see the log)"
            self.findings.append(Finding("fail", "avatar", message))
            return
        self.stage = "starting the renderer"
        self._view = view = OffscreenView(
            self.session,
            self.recorder.feed,
            avatar,
            size=self.options.size,
            tier=self.options.tier,
            fps=self.options.fps,
            on_frame=self.recorder.frame,
            capture=self.capture,
        )
        renderer = view.renderer
        self.rendering = RenderingInfo(
            renderer.renderer_name, renderer.tier.name, renderer.splat_count
        )
        view.render_frame()  # the app shows its window before it connects
        stop = asyncio.Event()
        async with asyncio.TaskGroup() as group:
            group.create_task(view.run(stop))
            try:
                await self._connect_and_play()
            finally:
                stop.set()

    async def _avatar(self) -> Avatar | None:
        """The bundled avatar, else the server's (download failures are logged)."""
        avatar_id = self.options.session.avatar_id
        try:
            return await asyncio.to_thread(load_avatar, avatar_id)
        except KeyError:
            return await self.session.load_avatar(avatar_id)

    async def _connect_and_play(self) -> None:
        self.stage = "connecting"
        if not await self.session.connect():
            controller = self.session.controller
            error = controller.connection_error if controller else None
            detail = f": {error.code}: {error.message}" if error else ""
            self.findings.append(Finding("fail", "connection", f"could not connect{detail}"))
            return
        if self.options.record and not self.session.start_recording(self.options.record):
            message = f"cannot record to {self.options.record} (see the log)"
            self.findings.append(Finding("fail", "record", message))
            return
        repeat = self.options.repeat
        for number in range(1, repeat + 1):
            self.stage = f"playing response {number} of {repeat}"
            self.source = self._speech()
            self.recorder.requested()
            req_id = await self.session.speak(self.source)
            if req_id is None:
                message = f"response {number} could not be sent (see the log)"
                self.findings.append(Finding("fail", "play", message))
                return
            await self.recorder.ended(req_id)

    def _speech(self) -> SpeechSource:
        options = self.options
        if self.clip is None:
            return TextToSpeech(options.say or "", options.voice)
        return ClipSource(self.clip.path, options.pacing)

    async def _close(self) -> None:
        self.stage = "closing"
        self.recorder.finish()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await self.session.close()
        except TimeoutError:
            message = f"closing the session took more than {CLOSE_TIMEOUT_S:g} s"
            self.findings.append(Finding("fail", "timeout", message))
        if self._view is not None:
            self._view.close()
