"""Live speech in the app: say typed text, talk push-to-talk or hands-free (Qt-free).

Each utterance is one response streamed while it is produced (`PlayerSession.speak`);
problems go to the session's log. The UI binds its Say box and microphone row here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from pathlib import Path

from avatar_player.models.player_session import PlayerSession
from avatar_player.player.signals import Signal
from avatar_player.speech import MicrophoneSource, TextToSpeech, warm_up

Device = int | str | None


class LiveSpeech:
    """The Say box and the microphone of one window."""

    def __init__(self, session: PlayerSession) -> None:
        self.session = session
        self.level: Signal[float] = Signal()
        """Microphone input level (dBFS), while it listens."""
        self.listening: Signal[bool] = Signal()
        """The microphone opened (True) or closed (False)."""
        self.hands_free_stopped: Signal[None] = Signal()
        """Hands-free listening stopped on its own (the microphone failed: see the log)."""
        self.voice: Path | None = None
        """A Piper .onnx voice file; None: the bundled voice."""
        self.device: Device = None
        self.monitor = False
        """Play the user's own voice back (off: the avatar only lip-syncs it)."""
        self._talking: MicrophoneSource | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self._hands_free: asyncio.Task[None] | None = None

    async def warm_up(self) -> None:
        """Load the TTS voice now, so the first sentence is not kept waiting."""
        await warm_up(self.voice)

    async def say(self, text: str) -> str | None:
        """Speak `text` sentence by sentence as it is synthesized; the response id."""
        return await self.session.speak(TextToSpeech(text, self.voice))

    def press_to_talk(self) -> None:
        """Start an utterance from the microphone until `release_to_talk()`."""
        if self._talking is not None or self.hands_free:
            return
        self._talking = self._microphone("push_to_talk")
        self._spawn(self._talk(self._talking))

    def release_to_talk(self) -> None:
        """End the push-to-talk utterance (what was said plays out)."""
        talking, self._talking = self._talking, None
        if talking is not None:
            talking.release()

    @property
    def hands_free(self) -> bool:
        """Whether the microphone listens for utterances on its own."""
        return self._hands_free is not None

    def set_hands_free(self, on: bool) -> None:
        """Listen continuously: each utterance (ended by a pause) is one response."""
        if on and self._hands_free is None:
            self.release_to_talk()
            self._hands_free = asyncio.create_task(self._listen())
        elif not on and self._hands_free is not None:
            self._hands_free.cancel()
            self._hands_free = None

    async def close(self) -> None:
        """Stop listening and every utterance in progress."""
        self.set_hands_free(False)
        self.release_to_talk()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _microphone(self, mode: str) -> MicrophoneSource:
        return MicrophoneSource(
            self.device, mode=mode, on_level=self.level.emit, monitor=self.monitor
        )

    async def _talk(self, source: MicrophoneSource) -> str | None:
        self.listening.emit(True)
        try:
            return await self.session.speak(source)
        finally:
            self.listening.emit(False)

    async def _listen(self) -> None:
        """Utterance after utterance until hands-free is switched off; a microphone that
        fails stops it (the error is in the log)."""
        while await self._talk(self._microphone("hands_free")) is not None:
            pass
        self._hands_free = None
        self.hands_free_stopped.emit(None)

    def _spawn(self, coro: Coroutine[object, object, object]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
