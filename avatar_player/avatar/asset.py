"""Avatar assets on disk: `metadata.json` plus `splats.npz` in one directory.

The npz holds centres as float32 and everything else compactly: disc axes and blendshape
offsets as float16, colour, opacity and head weight as uint8.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from avatar_player.avatar.model import Avatar, AvatarInfo, Blendshape
from avatar_player.avatar.splats import SplatSet

METADATA_FILE = "metadata.json"
SPLATS_FILE = "splats.npz"
FORMAT = "avatar-player/gaussian-splats"


def _to_unit_bytes(values: np.ndarray) -> np.ndarray:
    return np.round(np.clip(values, 0.0, 1.0) * 255).astype(np.uint8)


def save_avatar(avatar: Avatar, directory: str | Path) -> None:
    """Write `avatar` into `directory` (created if missing; its two files replaced)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    s = avatar.splats
    arrays = {
        "centre": s.centre.astype(np.float32),
        "axis_u": s.axis_u.astype(np.float16),
        "axis_v": s.axis_v.astype(np.float16),
        "colour": _to_unit_bytes(np.column_stack([s.colour, s.opacity])),
        "head_weight": _to_unit_bytes(s.head_weight),
    }
    for name, shape in avatar.blendshapes.items():
        arrays[f"shape.{name}.index"] = shape.index.astype(np.int32)
        arrays[f"shape.{name}.delta"] = shape.delta.astype(np.float16)
    with (directory / SPLATS_FILE).open("wb") as file:
        np.savez_compressed(file, **arrays)
    info = avatar.info
    metadata = {
        "id": info.avatar_id,
        "name": info.name,
        "version": info.version,
        "format": FORMAT,
        "seed": info.seed,
        "splat_count": info.splat_count,
        "parts": info.parts,
        "blendshapes": list(info.blendshapes),
        "landmarks": {name: list(point) for name, point in info.landmarks.items()},
        "style": info.style,
        "splats_file": SPLATS_FILE,
    }
    text = json.dumps(metadata, indent=2) + "\n"
    (directory / METADATA_FILE).write_text(text, encoding="utf-8")


def read_info(directory: str | Path) -> AvatarInfo:
    """The metadata of the avatar in `directory`."""
    meta = json.loads((Path(directory) / METADATA_FILE).read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{directory}: not a {FORMAT} avatar")
    return AvatarInfo(
        avatar_id=meta["id"],
        name=meta["name"],
        version=meta["version"],
        seed=meta["seed"],
        style=dict(meta["style"]),
        parts={name: int(count) for name, count in meta["parts"].items()},
        blendshapes=tuple(meta["blendshapes"]),
        landmarks={name: tuple(point) for name, point in meta["landmarks"].items()},
    )


def load_avatar_dir(directory: str | Path) -> Avatar:
    """The avatar stored in `directory` (metadata checked against the splat arrays)."""
    info = read_info(directory)
    with np.load(Path(directory) / SPLATS_FILE) as data:
        colour = data["colour"].astype(np.float64) / 255
        splats = SplatSet(
            centre=data["centre"].astype(np.float64),
            axis_u=data["axis_u"].astype(np.float64),
            axis_v=data["axis_v"].astype(np.float64),
            colour=colour[:, :3],
            opacity=colour[:, 3],
            head_weight=data["head_weight"].astype(np.float64) / 255,
        )
        shapes = {
            name: Blendshape(
                data[f"shape.{name}.index"].astype(np.int64),
                data[f"shape.{name}.delta"].astype(np.float64),
            )
            for name in info.blendshapes
        }
    if len(splats) != info.splat_count:
        raise ValueError(f"{directory}: {len(splats)} splats, metadata says {info.splat_count}")
    return Avatar(info, splats, shapes)
