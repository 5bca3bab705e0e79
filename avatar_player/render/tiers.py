"""Quality tiers: how many splats to draw and at what internal resolution.

Software rasterisers (llvmpipe: about 1.5-3 us per splat) get a reduced head at a reduced
internal resolution; a real GPU draws the full head. Eyes, eyelids, lips, teeth and brows
keep a fixed splat floor in every tier (subsampled, they fall apart first); so does the
neck, which is small and blurs into a glow when thinned hard.
"""

from __future__ import annotations

from dataclasses import dataclass

from avatar_player.avatar.model import Avatar

SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "software", "basic render")
"""Substrings of GL_RENDERER (lower case) that mean rendering on the CPU."""

FLOORS: dict[str, int] = {
    "eyes": 1000,
    "eyelids": 1200,
    "lips": 1400,
    "teeth": 700,
    "brows": 400,
    "neck": 400,
}
"""Splats a part keeps in every tier (or all it has, if fewer)."""
SHARE_WEIGHTS: dict[str, float] = {"hair": 1.6, "torso": 0.8}
"""Relative claim of a part on the budget left after the floors (others: 1 per splat)."""


@dataclass(frozen=True)
class Tier:
    """`budget` splats at most (None: all), rendered at `scale` times the output size."""

    name: str
    budget: int | None
    scale: float


TIERS: dict[str, Tier] = {
    tier.name: tier
    for tier in (
        Tier("full", None, 1.0),
        Tier("medium", 30_000, 0.75),
        Tier("low", 15_000, 0.5),
        Tier("minimal", 8_000, 0.5),
    )
}
SOFTWARE_TIER = "low"
HARDWARE_TIER = "full"


def is_software(renderer: str) -> bool:
    """Whether GL_RENDERER names a software rasteriser."""
    name = renderer.lower()
    return any(word in name for word in SOFTWARE_RENDERERS)


def choose_tier(renderer: str, requested: str | Tier | None = None) -> Tier:
    """The user's tier if given (a name or a Tier), else one suited to GL_RENDERER."""
    if isinstance(requested, Tier):
        return requested
    if requested is None:
        requested = SOFTWARE_TIER if is_software(renderer) else HARDWARE_TIER
    if requested not in TIERS:
        raise ValueError(f"unknown quality tier {requested!r}; known: {', '.join(TIERS)}")
    return TIERS[requested]


def part_counts(avatar: Avatar, budget: int | None) -> dict[str, int]:
    """Splats per part within `budget`: floors first, the rest shared in proportion."""
    parts = avatar.info.parts
    if budget is None or budget >= avatar.info.splat_count:
        return dict(parts)
    floors = {name: min(count, FLOORS[name]) for name, count in parts.items() if name in FLOORS}
    claims = {
        name: count * SHARE_WEIGHTS.get(name, 1.0)
        for name, count in parts.items()
        if name not in FLOORS
    }
    share = max(budget - sum(floors.values()), 0) / max(sum(claims.values()), 1.0)
    return floors | {
        name: max(1, min(parts[name], int(claim * share))) for name, claim in claims.items()
    }
