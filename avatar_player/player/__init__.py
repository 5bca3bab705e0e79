"""The player core, free of Qt: playback on the audio clock and the server connection.

`Playback` plays responses through an audio sink (Host Mode feeds it directly);
`AvatarController` connects to a Motion Server and feeds it (Basic Mode); `speak`
streams any speech source into it as it is produced.
"""

from avatar_player.client import RetryPolicy, TokenProvider
from avatar_player.player.controller import AvatarController, ConnectionSettings
from avatar_player.player.host_mode import load_flame_recording, play_recording
from avatar_player.player.inputs import PlaybackSettings
from avatar_player.player.metrics import PlaybackMetrics
from avatar_player.player.playback import Playback
from avatar_player.player.speaking import speak
from avatar_player.player.states import (
    ConnectionChange,
    ConnectionState,
    ConversationChange,
    ConversationState,
    StateChangeReason,
)

__all__ = [
    "AvatarController",
    "ConnectionChange",
    "ConnectionSettings",
    "ConnectionState",
    "ConversationChange",
    "ConversationState",
    "Playback",
    "PlaybackMetrics",
    "PlaybackSettings",
    "RetryPolicy",
    "StateChangeReason",
    "TokenProvider",
    "load_flame_recording",
    "play_recording",
    "speak",
]
