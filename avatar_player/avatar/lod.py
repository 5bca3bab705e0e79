"""Level of detail: keep a prefix of each part, with discs grown to cover the same area."""

from __future__ import annotations

import dataclasses

import numpy as np

from avatar_player.avatar.model import Avatar, Blendshape
from avatar_player.avatar.splats import SplatSet

SUBSAMPLE_GROWTH = 0.7
"""Extra disc growth of a part subsampled by 2x or more (relative)."""


def _prefiltered(part: SplatSet, keep: int, factor: float) -> SplatSet:
    """The first `keep` splats of `part`, coloured with the mean colour of all splats in
    their neighbourhood (grid cells about the kept spacing, per disc size class): a grown
    disc shows its region's average, not a dark crevice it happened to sit in."""
    kept = part.take(np.arange(keep))
    if factor <= 1.0:
        return kept
    size_class = np.round(np.log2(np.maximum(part.sigma, 1e-12)))
    spacing = 1.6 * factor * 2.0**size_class
    keys = np.column_stack([size_class, np.floor(part.centre / spacing[:, None])]).astype(np.int64)
    _, cell_of, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    cell_of = cell_of.ravel()
    mean = np.stack(
        [np.bincount(cell_of, weights=part.colour[:, c]) / counts for c in range(3)], axis=1
    )
    return dataclasses.replace(kept, colour=mean[cell_of[:keep]])


def reduce(avatar: Avatar, counts: dict[str, int]) -> Avatar:
    """`avatar` with at most `counts[part]` splats of each part (parts not named stay whole).

    Parts are stored coarse-to-fine, so a prefix is an even subsample; its discs grow by
    sqrt(full / kept) so the surface stays closed.
    """
    kept: list[np.ndarray] = []
    sets: list[SplatSet] = []
    parts: dict[str, int] = {}
    for name, span in avatar.part_ranges().items():
        keep = max(1, min(len(span), counts.get(name, len(span)))) if len(span) else 0
        index = np.arange(span.start, span.start + keep)
        kept.append(index)
        factor = np.sqrt(len(span) / max(keep, 1))
        part = avatar.splats.take(np.arange(span.start, span.stop))
        # A subsample is less regular than the full sampling: grow a little more.
        growth = factor * (1.0 + SUBSAMPLE_GROWTH * min(factor - 1.0, 1.0))
        sets.append(_prefiltered(part, keep, factor).scaled(growth))
        parts[name] = keep
    old_index = np.concatenate(kept)
    new_of_old = np.full(len(avatar.splats), -1)
    new_of_old[old_index] = np.arange(len(old_index))
    shapes = {}
    for name, shape in avatar.blendshapes.items():
        mapped = new_of_old[shape.index]
        present = mapped >= 0
        shapes[name] = Blendshape(mapped[present], shape.delta[present])
    info = dataclasses.replace(avatar.info, parts=parts)
    return Avatar(info, SplatSet.concat(sets), shapes)
