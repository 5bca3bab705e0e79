"""Assemble a whole avatar from its seed: style, anatomy, then every part."""

from __future__ import annotations

import numpy as np

from avatar_player.avatar.anatomy import NECK_PIVOT, Anatomy, anatomy_for_seed
from avatar_player.avatar.model import BLENDSHAPES, Avatar, AvatarInfo, Blendshape
from avatar_player.avatar.parts.brows import build_brows
from avatar_player.avatar.parts.eyes import build_eyes
from avatar_player.avatar.parts.hair import build_hair, hidden_by_hair
from avatar_player.avatar.parts.mouth import build_mouth
from avatar_player.avatar.parts.skin import build_skin
from avatar_player.avatar.parts.torso import build_torso
from avatar_player.avatar.sampling import progressive_order
from avatar_player.avatar.splats import SplatSet
from avatar_player.avatar.style import AvatarStyle, style_for_seed

FORMAT_VERSION = 1
SPLATS_PER_PART: dict[str, int] = {
    "skin_rays": 36_000,
    "mouth_rays": 9_000,
    "eyes": 700,
    "eyelids": 1_400,
    "brows": 380,
    "mouth": 1_800,
    "teeth": 700,
    "hair": 18_000,
    "curtain": 8_000,
    "torso": 9_000,
}
"""Samples per part at density 1. Skin, lips and neck come from rays over the head plus
a denser bundle through the mouth; the other parts sample their own surfaces."""
LOD_CELL = 24.0
"""Coarsest grid cell of the level-of-detail order, in disc sizes."""


def _seed_streams(seed: int) -> list[np.random.Generator]:
    """The independent random streams of an avatar's seed: style, anatomy, then parts."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]


def _drawn_style_and_anatomy(
    streams: list[np.random.Generator],
) -> tuple[AvatarStyle, Anatomy]:
    style = style_for_seed(streams[0])
    return style, anatomy_for_seed(streams[1], style)


def style_and_anatomy(seed: int) -> tuple[AvatarStyle, Anatomy]:
    """The style and anatomy `build_avatar` draws for `seed`, without building it."""
    return _drawn_style_and_anatomy(_seed_streams(seed))


def build_avatar(avatar_id: str, name: str, seed: int, density: float = 1.0) -> Avatar:
    """The avatar of `seed`; `density` scales every part's splat count (tests use less)."""
    streams = _seed_streams(seed)
    style, anatomy = _drawn_style_and_anatomy(streams)

    def count(part: str) -> int:
        return max(16, round(SPLATS_PER_PART[part] * density))

    skin, lips, neck = build_skin(
        anatomy, style, streams[2], count("skin_rays"), count("mouth_rays")
    )
    skin = skin.take(np.flatnonzero(~hidden_by_hair(style, skin.splats.centre)))
    eyes, eyelids = build_eyes(anatomy, style, streams[3], count("eyes"), count("eyelids"))
    mouth, teeth = build_mouth(anatomy, style, streams[4], count("mouth"), count("teeth"))
    parts = [
        *build_torso(anatomy, style, streams[5], count("torso")),
        neck,
        skin,
        build_hair(anatomy, style, streams[6], count("hair"), count("curtain")),
        mouth,
        teeth,
        lips,
        eyes,
        eyelids,
        build_brows(anatomy, style, streams[3], count("brows")),
    ]
    ordered = [
        part.take(progressive_order(part.splats.centre, part.splats.sigma, streams[8], LOD_CELL))
        for part in parts
    ]
    splats = SplatSet.concat([part.splats for part in ordered])
    shapes = {}
    for shape in BLENDSHAPES:
        delta = np.concatenate(
            [part.deltas.get(shape, np.zeros((len(part), 3))) for part in ordered]
        )
        index = np.flatnonzero(np.abs(delta).max(axis=1) > 1e-6)
        shapes[shape] = Blendshape(index.astype(np.int32), delta[index])
    info = AvatarInfo(
        avatar_id=avatar_id,
        name=name,
        version=FORMAT_VERSION,
        seed=seed,
        style={
            "skin": style.skin,
            "hair": style.hair,
            "hair_style": style.hair_style,
            "iris": style.iris,
            "shirt": style.shirt,
            "sex": style.sex,
            "age": style.age,
        },
        parts={part.name: len(part) for part in ordered},
        blendshapes=BLENDSHAPES,
        landmarks={
            "mouth": tuple(float(v) for v in anatomy.mouth_centre),
            "eye_left": tuple(float(v) for v in anatomy.eye_centre(1)),
            "eye_right": tuple(float(v) for v in anatomy.eye_centre(-1)),
            "neck_pivot": NECK_PIVOT,
        },
    )
    return Avatar(info, splats, shapes)
