"""One labelled contact sheet (PNG) per avatar, for review: neutral, speaking, smile,
blink and three-quarter views at +30 and -30 degrees of yaw, each as head and shoulders
(top row) and a face close-up (bottom row), at the full tier with no idle layer.

"speaking" is the widest-open frame of real generated motion (MotionGenerator on the
bundled clip CLIP): a vowel nucleus, with the head motion the generator gave it. "smile"
appears only where the motion layout has a smile channel; the yaw views turn the head
with the frame's `rotation` channel, so the tool also runs on older code:

python tools/contact_sheet.py OUT_DIR                      # every bundled avatar, as stored
python tools/contact_sheet.py OUT_DIR demo-avatar --generate  # built from the current code
PYTHONPATH=/path/to/old/checkout python tools/contact_sheet.py OUT_DIR --generate
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw
from sheet_render import add_avatar_arguments, chosen_avatars, render_poses

from avatar_player.avatar.model import Avatar
from avatar_player.bundled import CLIPS_DIR
from avatar_player.motion import MotionGenerator
from avatar_player.protocol.motion import LAYOUT, SEMANTIC_CHANNELS, frame_from_channels
from avatar_player.render.camera import Camera
from avatar_player.render.offscreen import OffscreenContext

CLIP = CLIPS_DIR / "pangram_24k.wav"
TILE = (300, 340)
TITLE_HEIGHT = 40
GAP = 4
YAW_RAD = np.radians(30.0)
SMILE = 0.8


def speaking_vector() -> np.ndarray:
    """The frame of CLIP's generated motion with the widest jaw opening."""
    pcm, rate = sf.read(CLIP, dtype="int16")
    generator = MotionGenerator(rate)
    frames = generator.push(pcm) + generator.finish()
    jaw = LAYOUT["jaw_open"].start
    return max(frames, key=lambda frame: frame.values[jaw]).values


def columns() -> list[tuple[str, np.ndarray]]:
    """(label, motion vector) per column; smile only where the layout has it."""
    wanted: list[tuple[str, dict[str, float | np.ndarray]]] = [("neutral", {})]
    if "smile" in SEMANTIC_CHANNELS:
        wanted.append((f"smile {SMILE:g}", {"smile": SMILE}))
    wanted += [
        ("blink", {"blink_left": 1.0, "blink_right": 1.0}),
        ("yaw +30 deg", {"rotation": np.array([0.0, YAW_RAD, 0.0])}),
        ("yaw -30 deg", {"rotation": np.array([0.0, -YAW_RAD, 0.0])}),
    ]
    vectors = [(label, frame_from_channels(0, 0, **channels).values) for label, channels in wanted]
    vectors.insert(1, (f"speaking ({CLIP.stem}, widest jaw)", speaking_vector()))
    return vectors


def sheet(
    avatar: Avatar, context: OffscreenContext, labelled: list[tuple[str, np.ndarray]]
) -> Image.Image:
    """The avatar's sheet: a title, then a bust row and a face row of the `labelled`
    motion vectors under their labels."""
    vectors = [vector for _, vector in labelled]
    rows = [
        render_poses(context, avatar, camera, TILE, vectors)
        for camera in (Camera.bust(), Camera.face())
    ]
    width, height = TILE[0] + GAP, TILE[1] + GAP
    image = Image.new("RGB", (width * len(vectors), TITLE_HEIGHT + 2 * height), (12, 12, 14))
    draw = ImageDraw.Draw(image)
    info = avatar.info
    draw.text((6, 4), f"{info.avatar_id}  {info.name}  seed {info.seed}", fill=(255, 255, 160))
    for column, (label, _) in enumerate(labelled):
        draw.text((column * width + 6, 22), label, fill=(235, 235, 235))
    for row, tiles in enumerate(rows):
        for column, tile in enumerate(tiles):
            image.paste(Image.fromarray(tile), (column * width, TITLE_HEIGHT + row * height))
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNG sheets (one per avatar)")
    add_avatar_arguments(parser)
    args = parser.parse_args()
    avatars = chosen_avatars(parser, args)
    labelled = columns()
    args.out.mkdir(parents=True, exist_ok=True)
    with OffscreenContext(*TILE) as context:
        for avatar in avatars:
            path = args.out / f"{avatar.info.avatar_id}.png"
            sheet(avatar, context, labelled).save(path)
            print(path)


if __name__ == "__main__":
    main()
