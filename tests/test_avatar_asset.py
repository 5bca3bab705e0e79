"""Procedural splat avatars: the bundled assets, generation, storage, level of detail."""

from __future__ import annotations

import numpy as np
import pytest

from avatar_player.avatar import lod
from avatar_player.avatar.asset import load_avatar_dir, read_info, save_avatar
from avatar_player.avatar.head import build_avatar
from avatar_player.avatar.library import AVATARS_DIR, BUNDLED, avatar_ids, load_avatar
from avatar_player.avatar.model import BLENDSHAPES
from avatar_player.render.tiers import FLOORS, TIERS, part_counts

PARTS = {
    *("skin", "lips", "neck", "hair", "eyes", "eyelids", "brows", "mouth", "teeth"),
    *("torso", "chest", "collar"),
}
MAX_ASSET_BYTES = 4_000_000


@pytest.fixture(scope="module")
def small_avatar():
    """A quickly generated low-density avatar (the generator at 8% of its splats)."""
    return build_avatar("test-avatar", "Test", seed=5, density=0.08)


@pytest.mark.parametrize("spec", BUNDLED, ids=lambda spec: spec.avatar_id)
def test_bundled_asset_loads_with_its_metadata(spec):
    avatar = load_avatar(spec.avatar_id)
    info = avatar.info
    assert (info.avatar_id, info.name, info.seed) == (spec.avatar_id, spec.name, spec.seed)
    assert set(info.parts) == PARTS
    assert info.splat_count == len(avatar.splats) == sum(info.parts.values())
    assert info.blendshapes == BLENDSHAPES
    assert set(avatar.blendshapes) == set(BLENDSHAPES)
    size = sum(path.stat().st_size for path in (AVATARS_DIR / spec.avatar_id).iterdir())
    assert size < MAX_ASSET_BYTES
    assert np.all(np.isfinite(avatar.splats.centre))
    assert avatar.splats.colour.min() >= 0 and avatar.splats.colour.max() <= 1


def test_bundled_avatars_are_listed_and_differ():
    assert [spec.avatar_id for spec in BUNDLED] == avatar_ids()
    first, second = (load_avatar(spec.avatar_id).info.style for spec in BUNDLED[:2])
    for trait in ("hair", "hair_style", "skin", "iris"):
        assert first[trait] != second[trait], trait


def test_unknown_avatar_is_a_key_error():
    with pytest.raises(KeyError):
        load_avatar("no-such-avatar")


def test_generation_is_deterministic_for_a_seed(small_avatar):
    again = build_avatar("test-avatar", "Test", seed=5, density=0.08)
    assert again.info == small_avatar.info
    for name in ("centre", "axis_u", "axis_v", "colour", "opacity", "head_weight"):
        np.testing.assert_array_equal(
            getattr(again.splats, name), getattr(small_avatar.splats, name)
        )
    for name, shape in small_avatar.blendshapes.items():
        np.testing.assert_array_equal(again.blendshapes[name].index, shape.index)


def test_another_seed_gives_another_avatar(small_avatar):
    other = build_avatar("test-avatar", "Test", seed=6, density=0.08)
    assert other.info.parts != small_avatar.info.parts or not np.array_equal(
        other.splats.centre, small_avatar.splats.centre
    )


def test_every_blendshape_moves_its_part(small_avatar):
    parts = small_avatar.part_ranges()
    expectations = {
        "jaw_open": ("lips", "teeth", "mouth", "skin"),
        "blink_left": ("eyelids",),
        "blink_right": ("eyelids",),
        "gaze_yaw": ("eyes",),
        "gaze_pitch": ("eyes",),
        "brow_up": ("brows", "skin"),
        "mouth_round": ("lips",),
        "mouth_wide": ("lips",),
        "mouth_close": ("lips",),
        "lips_press": ("lips", "skin"),
        "lip_funnel": ("lips", "skin", "mouth"),
        "lip_tuck": ("lips", "skin"),
        "tongue_up": ("mouth",),
        "lips_press_jaw": ("lips", "skin"),
        "lip_funnel_jaw": ("lips",),
        "lip_tuck_jaw": ("lips", "skin"),
        "tongue_up_jaw": ("mouth",),
    }
    for shape, moved in expectations.items():
        index = small_avatar.blendshapes[shape].index
        for part in moved:
            span = parts[part]
            assert np.any((index >= span.start) & (index < span.stop)), (shape, part)


def test_jaw_opens_downward_and_blinks_close_the_upper_lids(small_avatar):
    jaw = small_avatar.blendshapes["jaw_open"]
    assert np.all(jaw.delta[:, 1] <= 1e-9) and jaw.delta[:, 1].min() < -0.01
    mouth_y = small_avatar.landmark("mouth")[1]
    above = small_avatar.splats.centre[jaw.index, 1] > mouth_y + 0.003
    lips = small_avatar.part_ranges()["lips"]
    upper_lip = above & (jaw.index >= lips.start) & (jaw.index < lips.stop)
    assert not np.any(upper_lip), "the upper lip must not follow the jaw"
    blink = small_avatar.blendshapes["blink_left"]
    eye_y = small_avatar.landmark("eye_left")[1]
    upper_lid = small_avatar.splats.centre[blink.index, 1] > eye_y + 0.004
    assert np.median(blink.delta[upper_lid, 1]) < -0.002
    assert np.all(small_avatar.splats.centre[blink.index, 0] > 0), "left is +x"


def test_articulation_shapes_move_the_right_way(small_avatar):
    centre, parts = small_avatar.splats.centre, small_avatar.part_ranges()
    mouth_y = small_avatar.landmark("mouth")[1]

    def moved(shape: str, part: str) -> tuple[np.ndarray, np.ndarray]:
        """Rest centres and offsets of the splats of `part` that `shape` moves."""
        blend, span = small_avatar.blendshapes[shape], parts[part]
        inside = (blend.index >= span.start) & (blend.index < span.stop)
        return centre[blend.index[inside]], blend.delta[inside]

    rest, delta = moved("lips_press", "lips")
    assert np.all(delta[rest[:, 1] > mouth_y + 0.003, 1] <= 1e-9), "upper lip squeezed down"
    assert np.all(delta[rest[:, 1] < mouth_y - 0.003, 1] >= -1e-9), "lower lip squeezed up"
    rest, delta = moved("lip_funnel", "lips")
    assert np.median(delta[:, 2]) > 0.003, "lips pushed forward"
    assert np.all(delta[rest[:, 0] > 0.01, 0] < 0) and np.all(delta[rest[:, 0] < -0.01, 0] > 0)
    rest, delta = moved("lip_tuck", "lips")
    assert np.all(delta[rest[:, 1] < mouth_y - 0.002, 2] < 0), "lower lip drawn back"
    assert np.all(delta[rest[:, 1] > mouth_y + 0.002, 1] >= -1e-9), "upper lip stays up"
    _, delta = moved("tongue_up", "mouth")
    assert np.all(delta[:, 1] > 0)
    jaw, hold = small_avatar.blendshapes["jaw_open"], small_avatar.blendshapes["lips_press_jaw"]
    lips = parts["lips"]
    lower_lip = hold.index[(hold.index >= lips.start) & (hold.index < lips.stop)]
    lower_lip = lower_lip[centre[lower_lip, 1] < mouth_y - 0.003]
    jaw_offset = dict(zip(jaw.index, jaw.delta, strict=True))
    hold_offset = dict(zip(hold.index, hold.delta, strict=True))
    for i in lower_lip:
        np.testing.assert_allclose(hold_offset[i], -jaw_offset[i], atol=1e-7)


def test_save_and_load_round_trip(tmp_path, small_avatar):
    save_avatar(small_avatar, tmp_path / "a")
    loaded = load_avatar_dir(tmp_path / "a")
    assert loaded.info == small_avatar.info == read_info(tmp_path / "a")
    np.testing.assert_array_equal(
        loaded.splats.centre, small_avatar.splats.centre.astype(np.float32)
    )
    np.testing.assert_allclose(
        loaded.splats.axis_u, small_avatar.splats.axis_u, rtol=2e-3, atol=1e-7
    )
    np.testing.assert_allclose(loaded.splats.colour, small_avatar.splats.colour, atol=1 / 255)
    for name, shape in small_avatar.blendshapes.items():
        np.testing.assert_array_equal(loaded.blendshapes[name].index, shape.index)
        np.testing.assert_allclose(
            loaded.blendshapes[name].delta, shape.delta, rtol=2e-3, atol=1e-7
        )


@pytest.mark.parametrize("tier", ["minimal", "low", "medium"])
def test_level_of_detail_keeps_the_floors_within_budget(tier):
    avatar = load_avatar("demo-avatar")
    budget = TIERS[tier].budget
    reduced = lod.reduce(avatar, part_counts(avatar, budget))
    assert reduced.info.splat_count <= budget
    counts = part_counts(avatar, budget)
    for part in FLOORS:
        assert reduced.info.parts[part] == counts[part], part
    for name, shape in reduced.blendshapes.items():
        assert shape.index.max() < reduced.info.splat_count, name
    # Thinned parts merge their discs: the same area, in fewer and larger discs.
    skin = avatar.part_ranges()["skin"]
    kept = reduced.part_ranges()["skin"]
    full_area = np.sum(avatar.splats.sigma[skin.start : skin.stop] ** 2)
    merged_area = np.sum(reduced.splats.sigma[kept.start : kept.stop] ** 2)
    assert merged_area == pytest.approx(full_area, rel=1e-6)
