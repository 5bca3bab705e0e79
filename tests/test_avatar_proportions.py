"""Every bundled avatar, and extra seeds of both sexes and every age, keeps the published
proportions of a human head, neck and shoulders (avatar_player.avatar.proportions),
measured on the model's own landmarks (avatar_player.avatar.landmarks)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from avatar_player.avatar.head import build_avatar, style_and_anatomy
from avatar_player.avatar.landmarks import measures
from avatar_player.avatar.library import BUNDLED, AvatarSpec
from avatar_player.avatar.proportions import MEASURES, RATIOS, RatioNorm
from avatar_player.avatar.style import AGES, SEXES, AvatarStyle

EXTRA_SEEDS = (5, 9, 10, 11, 14, 20)
"""Female adult, female young, male senior (two), male senior, male young; with the
bundled avatars every sex and age is covered (checked below)."""


@cache
def _measured(seed: int) -> dict[str, float]:
    return measures(style_and_anatomy(seed)[1])


def _violations(style: AvatarStyle, measured: dict[str, float]) -> list[str]:
    failures = []
    for norm in RATIOS:
        value = measured[norm.numerator] / measured[norm.denominator]
        low, high = norm.bounds(style.sex)
        if not low <= value <= high:
            failures.append(
                f"{norm.name} = {value:.3f} ({measured[norm.numerator]:.1f} / "
                f"{measured[norm.denominator]:.1f} mm), {norm.describe(style.sex)}"
            )
    return failures


SEEDS = sorted({spec.seed for spec in BUNDLED} | set(EXTRA_SEEDS))


@pytest.mark.parametrize("seed", SEEDS)
def test_head_keeps_anthropometric_proportions(seed: int) -> None:
    style, _ = style_and_anatomy(seed)
    failures = _violations(style, _measured(seed))
    assert not failures, f"seed {seed} ({style.sex}, {style.age}):\n" + "\n".join(failures)


def test_seeds_cover_both_sexes_and_every_age() -> None:
    styles = [style_and_anatomy(seed)[0] for seed in SEEDS]
    assert {style.sex for style in styles} == set(SEXES)
    assert {style.age for style in styles} == set(AGES)


@pytest.mark.parametrize("spec", BUNDLED, ids=lambda spec: spec.avatar_id)
def test_bundled_avatar_is_built_from_the_measured_anatomy(spec: AvatarSpec) -> None:
    """The avatar build_avatar makes (in memory, low density) carries the anatomy the test
    measured (its landmarks in the metadata are the anatomy's)."""
    _, anatomy = style_and_anatomy(spec.seed)
    avatar = build_avatar(spec.avatar_id, spec.name, spec.seed, density=0.08)
    assert avatar.info.landmarks["mouth"] == pytest.approx(tuple(anatomy.mouth_centre))
    assert avatar.info.landmarks["eye_left"] == pytest.approx(tuple(anatomy.eye_centre(1)))


def test_men_are_broader_than_women() -> None:
    """Sex varies the anatomy the way the norms do: a man's face, neck and shoulders are
    broader than a woman's (averaged over seeds, in mm)."""
    by_sex: dict[str, list[dict[str, float]]] = {"female": [], "male": []}
    for seed in SEEDS:
        by_sex[style_and_anatomy(seed)[0].sex].append(_measured(seed))
    for name in ("face_width", "neck_circumference", "biacromial", "face_height"):
        female = np.mean([m[name] for m in by_sex["female"]])
        male = np.mean([m[name] for m in by_sex["male"]])
        assert male > female, f"{name}: male {male:.1f} mm <= female {female:.1f} mm"


def test_norm_ranges_are_the_published_ratios() -> None:
    norm = RatioNorm("face_height", "face_width")
    face = MEASURES["face_height"], MEASURES["face_width"]
    assert norm.mean("male") == pytest.approx(face[0].mean[1] / face[1].mean[1])
    low, high = norm.bounds("female")
    assert low < face[0].mean[0] / face[1].mean[0] < high
    with pytest.raises(ValueError):
        norm.mean("other")
