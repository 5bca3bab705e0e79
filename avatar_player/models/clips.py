"""The clip catalogue: bundled speech clips, recordings for Host Mode, files the user adds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from avatar_player.bundled import CHECKOUT_RESOURCES, clip_paths
from avatar_player.speech import Pacing

SHARED_RECORDING = CHECKOUT_RESOURCES.parents[1] / "shared" / "data" / "flame-sample"
"""The FLAME sample recording of the shared folder next to a checkout."""


PACINGS: dict[str, Pacing] = {
    "at once": Pacing(),
    "real time": Pacing(speed=1.0),
    "0.8x real time (producer too slow)": Pacing(speed=0.8),
    "real time, 1 s stall at 1 s": Pacing(speed=1.0, stall_at_s=1.0, stall_for_s=1.0),
    "real time, 300 ms jitter": Pacing(speed=1.0, jitter_ms=300),
}
"""How a speech clip can be sent: at once, or produced over time as live speech is."""


@dataclass(frozen=True)
class Clip:
    """Something the player can play."""

    label: str
    path: Path
    host_mode: bool
    """A recording with its own motion (played without the server)."""


def is_recording(path: Path) -> bool:
    """A folder with `keyframes.json` and raw PCM: a recorded commercial response."""
    return path.is_dir() and (path / "keyframes.json").exists() and any(path.glob("*.pcm"))


def clip_for(path: str | Path) -> Clip:
    """A catalogue entry for a file, a recording folder or its keyframes.json."""
    path = Path(path)
    if path.name == "keyframes.json":
        path = path.parent
    if is_recording(path):
        return Clip(f"{path.name} (recording, Host Mode)", path, host_mode=True)
    return Clip(path.name, path, host_mode=False)


def bundled_clips() -> list[Clip]:
    """The bundled speech clips, plus the shared FLAME recording when it is next to us."""
    clips = []
    for path in clip_paths():
        info = sf.info(path)
        clips.append(
            Clip(f"{path.stem} ({info.duration:.1f} s, {info.samplerate} Hz)", path, False)
        )
    if is_recording(SHARED_RECORDING):
        clips.append(Clip("flame-sample (recording, Host Mode)", SHARED_RECORDING, True))
    return clips
