"""The speech source interface and its stable error codes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from enum import StrEnum

import numpy as np


class SpeechErrorCode(StrEnum):
    """Stable codes of speech input problems (the error log shows them, phase `speech`)."""

    TEXT_EMPTY = "speechTextEmpty"
    """Nothing to say: empty or whitespace-only text."""
    VOICE_UNAVAILABLE = "ttsVoiceUnavailable"
    """The chosen Piper voice file does not exist or cannot be loaded."""
    TTS_FALLBACK = "ttsFallbackEspeak"
    """Warning: Piper or its voice is missing; espeak-ng speaks instead."""
    TTS_FAILED = "ttsFailed"
    """Synthesis failed (mid-text: what was said so far has been sent)."""
    MICROPHONE_UNAVAILABLE = "microphoneUnavailable"
    """No such input device, or it cannot be opened."""
    MICROPHONE_RATE = "microphoneRateUnsupported"
    """The input device cannot capture at any rate we can convert from."""
    MICROPHONE_LOST = "microphoneLost"
    """The input device stopped delivering audio mid-utterance."""


class SpeechError(Exception):
    """A speech source failed; `code` is stable, `message` is for people."""

    def __init__(self, code: SpeechErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


WarningSink = Callable[[SpeechError], None]
"""Where a source reports a problem it worked around (e.g. the espeak-ng fallback)."""


class SpeechSource(ABC):
    """Produces int16 mono speech at a session rate over time, then ends.

    `stream(rate)` yields 1-D int16 chunks as they are produced (any sizes) and returns
    when the speech has ended; it raises `SpeechError` (a clip: `ClipError`) when the
    source fails (the chunks yielded before stay valid). Closing the iterator early
    (`aclose()`, cancellation) stops the producer and releases its device or thread.
    """

    label: str = "speech"
    """What the user picked, for logs and reports."""
    audible: bool = True
    """Whether the player plays this speech (a microphone's: the user's own voice, no)."""
    live: bool = False
    """Produced in real time as it is spoken (a microphone): the player starts it with
    its smallest jitter buffer, since waiting cannot make such a producer faster."""
    on_warning: WarningSink | None = None

    @abstractmethod
    def stream(self, sample_rate: int) -> AsyncIterator[np.ndarray]:
        """The speech at `sample_rate`, chunk by chunk, as it is produced."""

    def warn(self, error: SpeechError) -> None:
        """Report a problem the source worked around."""
        if self.on_warning is not None:
            self.on_warning(error)
