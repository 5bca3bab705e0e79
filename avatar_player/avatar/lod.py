"""Level of detail: fewer, larger splats per part, each the merger of its neighbourhood.

A part keeps a prefix of its splats as seeds (parts are stored coarse-to-fine, so a
prefix is an even subsample). Every splat of the part joins its nearest seed, and each
cluster becomes one disc: centre, colour, opacity, head weight and blendshape offsets are
the mass-weighted means of its members; the disc lies in the plane of their mean normal,
its axes come from the cluster's second moments in that plane (the members' own
covariances plus their spread), scaled so the disc covers the members' summed area.

So a thinned surface stays closed with discs shaped to their cluster (long along a hair
strand, flat along a lip) and draws about as many fragments as the whole part. Growing
round discs by the thinning factor instead closes the holes of an irregular subsample
only when grown further, which blurs and multiplies the fill.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial import cKDTree

from avatar_player.avatar.model import Avatar, Blendshape
from avatar_player.avatar.splats import SplatSet

CANDIDATES = 8
"""Nearest seeds a splat may join (the closest in place and motion wins)."""
MOTION_COMPONENTS = 8
"""Principal directions of the blendshape offsets that measure how unlike two splats move."""


@dataclasses.dataclass(frozen=True)
class _Clusters:
    """Members of a part grouped by seed: `of` (member -> seed), normalised weights."""

    of: np.ndarray
    weight: np.ndarray
    seeds: int

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Weighted mean per cluster of per-member `values` (n,) or (n, k)."""
        flat = values.reshape(len(values), -1)
        sums = [
            np.bincount(self.of, weights=self.weight * flat[:, c], minlength=self.seeds)
            for c in range(flat.shape[1])
        ]
        return np.stack(sums, axis=1).reshape((self.seeds, *values.shape[1:]))


def _clusters(part: SplatSet, keep: int, motion: np.ndarray) -> _Clusters:
    """Each splat of `part` assigned to one of its first `keep` splats: of the CANDIDATES
    nearest seeds, the one closest in place and in motion (`motion`: the splats' offsets
    in every blendshape, metres), so a disc never merges an upper lip with a lower one,
    or a lid with the skin under it, which move apart when the jaw opens or the eye shuts."""
    candidates = min(CANDIDATES, keep)
    _, near = cKDTree(part.centre[:keep]).query(part.centre, k=candidates)
    near = near.reshape(len(part), candidates)
    apart = np.sum((part.centre[:, None] - part.centre[near]) ** 2, axis=2)
    apart += np.sum((motion[:, None] - motion[near]) ** 2, axis=2)
    of = near[np.arange(len(part)), np.argmin(apart, axis=1)]
    mass = part.opacity * part.sigma**2 + 1e-18
    total = np.bincount(of, weights=mass, minlength=keep)
    return _Clusters(of, mass / total[of], keep)


def _merged(part: SplatSet, clusters: _Clusters) -> SplatSet:
    """One disc per cluster: in the plane of its members' mean normal (so it faces where
    they face; culling reads that side), shaped by their second moments in that plane
    and sized to their summed area."""
    centre = clusters.mean(part.centre)
    spread = part.centre - centre[clusters.of]
    members = (
        part.axis_u[:, :, None] * part.axis_u[:, None, :]
        + part.axis_v[:, :, None] * part.axis_v[:, None, :]
        + spread[:, :, None] * spread[:, None, :]
    )
    normal = np.cross(part.axis_u, part.axis_v)
    normal = clusters.mean(normal / np.linalg.norm(normal, axis=1, keepdims=True))
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    flat = np.eye(3) - normal[:, :, None] * normal[:, None, :]
    values, vectors = np.linalg.eigh(flat @ clusters.mean(members) @ flat)
    lengths = np.sqrt(np.maximum(values[:, 1:], 1e-20))  # the two in the plane
    area = np.bincount(clusters.of, weights=part.sigma**2, minlength=clusters.seeds)
    scale = np.sqrt(area / (lengths[:, 0] * lengths[:, 1]))
    axis_u = vectors[:, :, 2] * (lengths[:, 1] * scale)[:, None]
    axis_v = vectors[:, :, 1] * (lengths[:, 0] * scale)[:, None]
    facing = np.einsum("ij,ij->i", np.cross(axis_u, axis_v), normal)
    axis_v *= np.where(facing < 0, -1.0, 1.0)[:, None]
    return SplatSet(
        centre=centre,
        axis_u=axis_u,
        axis_v=axis_v,
        colour=clusters.mean(part.colour),
        opacity=clusters.mean(part.opacity),
        head_weight=clusters.mean(part.head_weight),
    )


def _motion(avatar: Avatar) -> np.ndarray:
    """Every splat's offsets in all blendshapes at weight 1, projected on their
    MOTION_COMPONENTS principal directions (the jaw's drop, the lids' closing, the smile's
    pull ...): distances between splats in motion, (n, MOTION_COMPONENTS)."""
    motion = np.zeros((avatar.info.splat_count, 3 * len(avatar.blendshapes)), np.float32)
    for column, shape in enumerate(avatar.blendshapes.values()):
        motion[shape.index, 3 * column : 3 * column + 3] = shape.delta
    if not motion.any():
        return motion[:, :0]
    _, _, directions = np.linalg.svd(motion[np.any(motion, axis=1)], full_matrices=False)
    return motion @ directions[:MOTION_COMPONENTS].T


def reduce(avatar: Avatar, counts: dict[str, int]) -> Avatar:
    """`avatar` with at most `counts[part]` splats of each part (parts not named stay whole)."""
    sets: list[SplatSet] = []
    parts: dict[str, int] = {}
    member_of = np.empty(avatar.info.splat_count, dtype=np.int64)
    weight = np.empty(avatar.info.splat_count)
    offset = 0
    motion = _motion(avatar)
    for name, span in avatar.part_ranges().items():
        part = avatar.splats.take(np.arange(span.start, span.stop))
        keep = max(1, min(len(span), counts.get(name, len(span)))) if len(span) else 0
        if keep == len(span):
            clusters = _Clusters(np.arange(keep), np.ones(keep), keep)
            sets.append(part)
        else:
            clusters = _clusters(part, keep, motion[span.start : span.stop])
            sets.append(_merged(part, clusters))
        member_of[span.start : span.stop] = clusters.of + offset
        weight[span.start : span.stop] = clusters.weight
        parts[name] = keep
        offset += keep
    shapes = {}
    for name, shape in avatar.blendshapes.items():
        target = member_of[shape.index]
        index = np.unique(target)
        delta = np.zeros((offset, 3))
        np.add.at(delta, target, shape.delta * weight[shape.index, None])
        shapes[name] = Blendshape(index, delta[index])
    info = dataclasses.replace(avatar.info, parts=parts)
    return Avatar(info, SplatSet.concat(sets), shapes)
