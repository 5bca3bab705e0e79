"""Render the avatar at each viseme into one labelled contact sheet (PNG), for review.

Each viseme class (Rhubarb's X, A-H) is shown with the channel values the generator's
viseme table gives it (avatar_player.visemes.table, jaw at full loudness): a face close-up
and a mouth close-up per viseme, one pair of rows per avatar.

python tools/viseme_sheet.py OUT.png                    # every bundled avatar, as stored
python tools/viseme_sheet.py OUT.png demo-avatar --generate  # built from the current code
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from sheet_render import add_avatar_arguments, chosen_avatars, render_poses

from avatar_player.avatar.model import Avatar
from avatar_player.protocol.motion import frame_from_channels
from avatar_player.render.camera import Camera
from avatar_player.render.lipsync import mouth_camera
from avatar_player.render.offscreen import OffscreenContext
from avatar_player.visemes.table import PHONE_VISEMES, SHAPE_CHANNELS, SHAPES, Viseme

ORDER = "XABCDEFGH"
"""Rhubarb's order: rest, then closed to open, rounded, F/V, tongue."""


def viseme_channels() -> dict[str, tuple[str, dict[str, float]]]:
    """Viseme -> (the phones it stands for, its channel values) from the generator's table."""
    phones: dict[str, list[str]] = {viseme: [] for viseme in ORDER}
    for phone, (first, _) in PHONE_VISEMES.items():
        phones[first.value].append(phone)
    table = {}
    for viseme in ORDER:
        values = zip(SHAPE_CHANNELS, SHAPES[Viseme(viseme)], strict=True)
        table[viseme] = (" ".join(sorted(phones[viseme])), {k: v for k, v in values if v})
    return table


VISEMES = viseme_channels()
TILE = (240, 240)
MOUTH_TILE = (240, 150)
LABEL_HEIGHT = 62
LABEL_CHARS = 36


def render_tiles(
    context: OffscreenContext, avatar: Avatar, camera: Camera, size: tuple[int, int]
) -> list[np.ndarray]:
    """One (h, w, 3) image per viseme, the avatar at full detail with no idle layer."""
    vectors = [frame_from_channels(0, 0, **channels).values for _, channels in VISEMES.values()]
    return render_poses(context, avatar, camera, size, vectors)


def contact_sheet(rows: list[tuple[str, list[np.ndarray]]]) -> Image.Image:
    """Rows of tiles under a header of viseme labels, each row titled on its first tile."""
    width = TILE[0] * len(VISEMES)
    height = LABEL_HEIGHT + sum(tiles[0].shape[0] for _, tiles in rows)
    sheet = Image.new("RGB", (width, height), (30, 30, 34))
    draw = ImageDraw.Draw(sheet)
    for column, (viseme, (phones, channels)) in enumerate(VISEMES.items()):
        left = column * TILE[0] + 8
        draw.text((left, 4), f"{viseme}: {phones}", fill=(235, 235, 235))
        values = ", ".join(f"{name} {value:g}" for name, value in channels.items())
        for line, text in enumerate(textwrap.wrap(values or "neutral", LABEL_CHARS)):
            draw.text((left, 20 + 13 * line), text, fill=(170, 170, 170))
    top = LABEL_HEIGHT
    for title, tiles in rows:
        for column, tile in enumerate(tiles):
            sheet.paste(Image.fromarray(tile), (column * TILE[0], top))
        draw.text((6, top + 4), title, fill=(255, 255, 160))
        top += tiles[0].shape[0]
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="PNG file to write")
    add_avatar_arguments(parser)
    args = parser.parse_args()
    avatars = chosen_avatars(parser, args)
    rows = []
    with OffscreenContext(*TILE) as context:
        for avatar in avatars:
            avatar_id = avatar.info.avatar_id
            rows.append((avatar_id, render_tiles(context, avatar, Camera.face(), TILE)))
            mouth = render_tiles(context, avatar, mouth_camera(avatar), MOUTH_TILE)
            rows.append((f"{avatar_id} (mouth)", mouth))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    contact_sheet(rows).save(args.out)
    print(f"{args.out}: {len(VISEMES)} visemes x {len(avatars)} avatars")


if __name__ == "__main__":
    main()
