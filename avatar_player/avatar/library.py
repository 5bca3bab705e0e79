"""The bundled avatars: their definitions and their assets (`avatar_player.bundled`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from avatar_player.avatar.asset import METADATA_FILE, load_avatar_dir
from avatar_player.avatar.model import Avatar
from avatar_player.bundled import AVATARS_DIR


@dataclass(frozen=True)
class AvatarSpec:
    """What `tools/build_avatars.py` generates an avatar from."""

    avatar_id: str
    name: str
    seed: int


BUNDLED: tuple[AvatarSpec, ...] = (
    AvatarSpec("demo-avatar", "Demo Avatar", seed=316),
    AvatarSpec("demo-avatar-auburn", "Demo Avatar (auburn)", seed=374),
    AvatarSpec("demo-avatar-grey", "Demo Avatar (grey)", seed=135),
    AvatarSpec("demo-avatar-ponytail", "Demo Avatar (ponytail)", seed=29),
)
"""Seeds chosen to vary sex, age, skin tone and hair (style_for_seed draws them):
316: adult man, olive skin, dark brown side-parted hair, hazel eyes, teal shirt.
374: young woman, fair skin, auburn bob, green eyes, charcoal shirt.
135: senior man, medium skin, receding grey (salt-and-pepper) hair, hazel eyes, sand shirt.
29: young woman, dark skin, black hair tied in a ponytail, hazel eyes, burgundy shirt."""


def avatar_ids(root: Path = AVATARS_DIR) -> list[str]:
    """Ids of the avatars whose assets are present under `root`."""
    if not root.is_dir():
        return []
    return sorted(path.name for path in root.iterdir() if (path / METADATA_FILE).is_file())


def load_avatar(avatar_id: str, root: Path = AVATARS_DIR) -> Avatar:
    """The avatar `avatar_id` from `root` (KeyError if it is not there)."""
    directory = root / avatar_id
    if not (directory / METADATA_FILE).is_file():
        raise KeyError(f"no avatar {avatar_id!r} under {root}")
    return load_avatar_dir(directory)
