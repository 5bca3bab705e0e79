"""Protocol constants shared by both ends of the Motion Server connection."""

from __future__ import annotations

SUPPORTED_SAMPLE_RATES: tuple[int, ...] = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
"""Session sample rates the protocol allows; anything else fails the handshake."""

FRAME_RATE = 25
"""Motion frames per second; divides every supported sample rate into whole samples."""

MOTION_VERSION = 3
"""Layout version of the motion payload in ServerResponseAnimation fields >= 10."""

WEBSOCKET_PATH = "/websocket"
TOKEN_PATH = "/session-tokens"
APP_ID_HEADER = "X-App-ID"
SESSION_KEY_HEADER = "X-Session-Key"
API_KEY_HEADER = "X-Api-Key"
APP_ID_QUERY = "appId"
SESSION_KEY_QUERY = "sessionKey"
AVATAR_ID_QUERY = "id"


def samples_per_frame(sample_rate: int) -> int:
    """Audio samples covered by one motion frame at `sample_rate`."""
    return sample_rate // FRAME_RATE


def frame_sample(index: int, sample_rate: int) -> int:
    """Audio sample (from the response start) at which frame `index` is shown."""
    return index * sample_rate // FRAME_RATE
