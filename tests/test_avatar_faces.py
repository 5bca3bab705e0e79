"""The bundled faces (varied, each served by the avatar service) and the hair cuts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import get, write_avatar

from avatar_player.avatar.anatomy import anatomy_for_seed
from avatar_player.avatar.head import build_avatar, style_and_anatomy
from avatar_player.avatar.library import BUNDLED
from avatar_player.avatar.parts.hair import build_hair, hidden_by_hair
from avatar_player.avatar.parts.haircut import CUTS
from avatar_player.avatar.style import (
    GREYING,
    HAIR_STYLES,
    SEXES,
    SKIN_TONES,
    SUITED_STYLES,
    AvatarStyle,
    style_for_seed,
)

HAIR_BUDGET = (1800, 800)
"""Scalp and free-hair splats asked of each cut."""
STYLE = AvatarStyle("light", "brown", "short", "hazel", "teal", "female", "adult")


def test_the_bundled_faces_vary_in_sex_age_skin_and_hair() -> None:
    styles = {spec.avatar_id: style_and_anatomy(spec.seed)[0] for spec in BUNDLED}
    assert len(styles) >= 4
    assert {style.sex for style in styles.values()} == set(SEXES)
    assert len({style.skin for style in styles.values()}) >= 3
    assert len({style.age for style in styles.values()}) >= 2
    assert len({style.hair_style for style in styles.values()}) == len(styles)
    assert len({style.hair for style in styles.values()}) == len(styles)
    assert styles["demo-avatar-auburn"].hair == "auburn"
    assert "demo-avatar" in styles


def test_a_specs_style_is_the_one_its_avatar_is_built_with() -> None:
    spec = BUNDLED[-1]
    avatar = build_avatar(spec.avatar_id, spec.name, spec.seed, density=0.08)
    assert avatar.info.style == dataclasses.asdict(style_and_anatomy(spec.seed)[0])


async def test_the_avatar_service_lists_every_bundled_avatar(
    server_factory, tmp_path: Path
) -> None:
    """The packaged server config names every bundled avatar, so once their assets are
    built the console lists them all (the window's avatar picker shows that list)."""
    for spec in BUNDLED:
        write_avatar(tmp_path, spec.avatar_id)
    server = await server_factory(asset_root=tmp_path)
    status, body, _ = await get(server, "/avatars")
    assert status == 200
    assert json.loads(body) == [
        {"id": spec.avatar_id, "name": spec.name, "version": 1} for spec in BUNDLED
    ]


def test_seeds_reach_every_skin_tone_and_cut_suited_to_sex_and_age() -> None:
    styles = [style_for_seed(np.random.default_rng(seed)) for seed in range(300)]
    assert {style.skin for style in styles} == set(SKIN_TONES)
    assert {style.hair_style for style in styles} == set(HAIR_STYLES)
    for style in styles:
        assert style.hair_style in SUITED_STYLES[style.sex, style.age]
        assert (style.hair in GREYING) == (style.age == "senior")


def test_grey_hair_mixes_white_and_dark_strands() -> None:
    strands = dataclasses.replace(STYLE, hair="grey").strand_rgb(np.random.default_rng(1), 400)
    brightness = strands.mean(axis=1)
    assert (brightness > 0.6).mean() == pytest.approx(GREYING["grey"], abs=0.08)
    assert (brightness < 0.45).mean() == pytest.approx(1 - GREYING["grey"], abs=0.08)


@pytest.fixture(scope="module")
def anatomy():
    return anatomy_for_seed(np.random.default_rng(7), STYLE)


@pytest.mark.parametrize("cut", HAIR_STYLES)
def test_every_cut_fits_its_budget_and_keeps_off_the_face(anatomy, cut: str) -> None:
    style = dataclasses.replace(STYLE, hair_style=cut)
    part = build_hair(anatomy, style, np.random.default_rng(3), *HAIR_BUDGET)
    shape = CUTS[cut]
    free = shape.hang_below_chin is not None or shape.gather is not None
    budget = HAIR_BUDGET[0] + (HAIR_BUDGET[1] if free else 0)
    assert 0.85 * budget <= len(part) <= 1.05 * budget
    splats = part.splats
    assert np.all(np.isfinite(splats.centre))
    assert splats.colour.min() >= 0.0 and splats.colour.max() <= 1.0
    x, y, z = splats.centre.T
    face = (np.abs(x) < 0.05) & (z > 0.03) & (y > anatomy.chin_y) & (y < shape.hairline[0] - 0.01)
    assert not face.any()
    lowest = y.min()
    if shape.hang_below_chin is not None:
        assert lowest < anatomy.chin_y - shape.hang_below_chin + 0.01, "free hair hangs"
    elif shape.gather is not None:
        tail = (z < shape.gather[2] - 0.01) & (y < shape.gather[1] - 0.05)
        assert tail.sum() > 0.1 * HAIR_BUDGET[1], "a ponytail hangs behind"
    else:
        assert lowest > min(shape.hairline) - 0.012, "short hair stays on the scalp"


def test_dense_hair_hides_the_crown_skin_but_a_thinning_crown_shows_it() -> None:
    crown = np.array([[0.0, 0.115, 0.0]])
    forehead = np.array([[0.0, 0.03, 0.09]])
    for cut in HAIR_STYLES:
        style = dataclasses.replace(STYLE, hair_style=cut)
        assert not hidden_by_hair(style, forehead).any()
        assert hidden_by_hair(style, crown).all() == (CUTS[cut].crown_density == 1.0)
