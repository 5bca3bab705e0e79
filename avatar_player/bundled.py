"""Where the bundled files are: avatars, speech clips and icons.

They are the package data `avatar_player.resources`, which pyproject.toml maps to the
repository's top-level `resources/` folder, so `importlib.resources` finds them in a wheel
install and in an editable one alike; a checkout used without any install falls back to its
own `resources/` folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE = "avatar_player.resources"
CHECKOUT_RESOURCES = Path(__file__).resolve().parents[1] / "resources"
"""The `resources/` folder of a checkout (next to the package source)."""


def _resources_dir() -> Path:
    try:
        return Path(str(resources.files(PACKAGE)))
    except ModuleNotFoundError:  # a checkout on sys.path, not installed
        return CHECKOUT_RESOURCES


RESOURCES_DIR = _resources_dir()
AVATARS_DIR = RESOURCES_DIR / "avatars"
"""One folder per avatar id (metadata.json and splats.npz)."""
CLIPS_DIR = RESOURCES_DIR / "clips"
"""Speech clips (WAV) with their transcripts (TXT)."""
ICONS_DIR = RESOURCES_DIR / "icons"


def clip_paths() -> list[Path]:
    """The bundled speech clips, by name."""
    return sorted(CLIPS_DIR.glob("*.wav"))


def clip_path(name: str) -> Path | None:
    """The bundled clip called `name` (`hello_16k` or `hello_16k.wav`), if there is one."""
    return next((path for path in clip_paths() if name in (path.stem, path.name)), None)
