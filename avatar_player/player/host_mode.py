"""Host Mode: play external audio with externally supplied motion, no server."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from avatar_player.audio.convert import load_raw_pcm
from avatar_player.player.playback import Playback
from avatar_player.protocol.client import new_request_id
from avatar_player.protocol.flame import load_keyframes
from avatar_player.protocol.motion import MotionFrame


def play_recording(
    playback: Playback, pcm: np.ndarray, frames: Sequence[MotionFrame], req_id: str = ""
) -> str:
    """Start a response of `pcm` (at the playback rate) with its `frames`; returns its id."""
    response = playback.begin(req_id or new_request_id())
    playback.add_frames(response.req_id, frames, end=True)
    playback.add_audio(pcm, end=True)
    return response.req_id


def load_flame_recording(
    folder: str | Path, sample_rate: int, *, source_rate: int = 24000
) -> tuple[np.ndarray, list[MotionFrame]]:
    """A recorded commercial response (`audio_*.pcm` + `keyframes.json`) at `sample_rate`."""
    folder = Path(folder)
    [audio_path] = sorted(folder.glob("*.pcm"))
    pcm = load_raw_pcm(audio_path, source_rate, sample_rate)
    return pcm, load_keyframes(folder / "keyframes.json", sample_rate)
