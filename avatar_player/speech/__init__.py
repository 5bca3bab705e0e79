"""Speech sources: anything that produces int16 mono speech over time and then ends.

A clip (at once, paced, with stalls and jitter), text to speech (Piper, espeak-ng as the
fallback) and a microphone all stream through one interface, `SpeechSource`, into the
player (Basic Mode) or the relay (Custom Mode). Qt-free, player-free.
"""

from avatar_player.speech.clip import ClipSource, Pacing
from avatar_player.speech.microphone import InputDevice, MicrophoneSource, list_input_devices
from avatar_player.speech.source import SpeechError, SpeechErrorCode, SpeechSource, WarningSink
from avatar_player.speech.tts import TextToSpeech, warm_up
from avatar_player.speech.voices import VoiceInfo, available_voices, preload

__all__ = [
    "ClipSource",
    "InputDevice",
    "MicrophoneSource",
    "Pacing",
    "SpeechError",
    "SpeechErrorCode",
    "SpeechSource",
    "TextToSpeech",
    "VoiceInfo",
    "WarningSink",
    "available_voices",
    "list_input_devices",
    "preload",
    "warm_up",
]
