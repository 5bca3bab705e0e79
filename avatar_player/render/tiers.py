"""Quality tiers: how many splats to draw, at what internal resolution, and how.

A software rasteriser (llvmpipe) pays about 1 us per splat drawn (vertex shading and
triangle setup on one thread) and a few ns per fragment blended on each of its threads,
so its tiers draw a reduced head (avatar/lod.py merges neighbours, so the fill stays
about that of the whole head) at the full output resolution (sharp: no upscaling of a
half-size frame), skip discs facing away on closed surfaces (render/culling.py) and cut
each disc at a smaller radius; a real GPU draws the full head. The eyes, lids, lips,
teeth and brows keep a splat floor in every tier (merged too far, their small details go
first); the collar and the skin inside the neckline stay whole. Frame times and sharpness
per tier: benchmarks/bench_render.py."""

from __future__ import annotations

from dataclasses import dataclass

from avatar_player.avatar.model import Avatar

SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "software", "basic render")
"""Substrings of GL_RENDERER (lower case) that mean rendering on the CPU."""

FLOORS: dict[str, int] = {
    "eyes": 2500,
    "eyelids": 3200,
    "lips": 3600,
    "teeth": 1400,
    "brows": 800,
}
"""Splats a part keeps in every tier (or all it has, if fewer), as long as the floors
together take at most FLOOR_SHARE of the budget; smaller budgets scale them down alike."""
FLOOR_SHARE = 0.33
WHOLE_PARTS = frozenset({"collar", "neck", "chest"})
"""Parts every tier keeps whole: the collar band and the skin inside the neckline (about
1,700 splats together) draw the neckline, where a thinned part's larger, crisper discs
stood out over the shirt as scallops (the neckline's SSIM against the full tier at the low
tier 0.922-0.972 -> 0.930-0.976 over the bundled avatars; FLOOR_SHARE 0.37 -> 0.33 keeps
the face's floors where they were)."""
SHARE_WEIGHTS: dict[str, float] = {"torso": 2.0, "skin": 1.5, "mouth": 3.0}
"""Relative claim of a part on the budget left after the floors (others: 1 per splat).
The shirt claims twice its size because culling drops the half facing away; the skin
half again its size because the face is what a viewer reads; the mouth cavity, small
discs that only show when the jaw opens, three times so an opening reads as dark."""
FULL_EXTENT = 2.75
"""Radius in sigmas where the full tier cuts a disc (alpha there: 2 % of the centre's)."""
REDUCED_EXTENT = 2.0
"""Where the reduced tiers cut a disc: about half the fragments of FULL_EXTENT, tails
below 14 % cut (hidden under the neighbours' cores; at 1.75 the merged discs' edges
showed as scales on the nose)."""


REDUCED_COVERAGE = 1.3
"""Gain of the reduced tiers' Gaussian before its alpha is clamped to 1: the merged discs
of a thinned surface, cut at REDUCED_EXTENT, left 22-24 % of the face's pixels more than
5 % see-through (the full tier: 9 %, spread thinly; now 1.1-1.3 %), so the back of the
head showed through in a mesh of darker cells (an orange-peel skin). At 1.3 the skin is
smooth and edges are sharper (edge energy ratio 0.71 -> 0.85 next to the full tier, SSIM
0.944 -> 0.941, same fragments); at 1.6 each disc reads as a flat coin with an edge."""


@dataclass(frozen=True)
class Tier:
    """`budget` splats at most (None: all), rendered at `scale` times the output size;
    `cull`: skip discs facing away on closed surfaces; `extent`: where discs are cut (sigmas);
    `coverage`: the Gaussian's gain (alpha = opacity x min(coverage x Gaussian, 1))."""

    name: str
    budget: int | None
    scale: float
    cull: bool = False
    extent: float = FULL_EXTENT
    coverage: float = 1.0


def _reduced(name: str, budget: int, scale: float) -> Tier:
    """A tier that thins the avatar to `budget` splats: culled, cut and covered as such."""
    return Tier(name, budget, scale, cull=True, extent=REDUCED_EXTENT, coverage=REDUCED_COVERAGE)


TIERS: dict[str, Tier] = {
    tier.name: tier
    for tier in (
        Tier("full", None, 1.0),
        _reduced("medium", 50_000, 1.0),
        _reduced("low", 20_000, 1.0),
        _reduced("minimal", 8_000, 0.5),
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
    """Splats per part within `budget`: WHOLE_PARTS whole, then floors (scaled to
    FLOOR_SHARE of the budget at most), the rest shared in proportion to each part's
    weighted size; a part whose share exceeds its size keeps all its splats and leaves
    the excess to the others."""
    parts = avatar.info.parts
    if budget is None or budget >= avatar.info.splat_count:
        return dict(parts)
    floors = {name: min(count, FLOORS[name]) for name, count in parts.items() if name in FLOORS}
    scale = min(1.0, FLOOR_SHARE * budget / max(sum(floors.values()), 1))
    counts = {name: max(1, int(floor * scale)) for name, floor in floors.items()}
    counts |= {name: count for name, count in parts.items() if name in WHOLE_PARTS}
    claims = {
        name: count * SHARE_WEIGHTS.get(name, 1.0)
        for name, count in parts.items()
        if name not in counts
    }
    left = max(budget - sum(counts.values()), 0)
    while claims:
        share = left / sum(claims.values())
        whole = {name for name, claim in claims.items() if claim * share >= parts[name]}
        if not whole:
            break
        for name in whole:
            counts[name] = parts[name]
            left -= parts[name]
            del claims[name]
    share = left / max(sum(claims.values()), 1.0)
    return counts | {
        name: max(1, min(parts[name], int(claim * share))) for name, claim in claims.items()
    }
