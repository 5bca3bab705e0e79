"""Gaussian splats as flat discs: a centre, two sigma-scaled tangent axes, colour, opacity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from avatar_player.avatar.sampling import tangent_frames


@dataclass(frozen=True)
class SplatSet:
    """Per-splat arrays (n rows each). Colours are linear-light RGB with lighting baked in.

    The disc of splat i is the Gaussian centre[i] + a * axis_u[i] + b * axis_v[i] with
    (a, b) ~ N(0, I); `head_weight` (0..1) is how much it follows head rotation.
    """

    centre: np.ndarray
    axis_u: np.ndarray
    axis_v: np.ndarray
    colour: np.ndarray
    opacity: np.ndarray
    head_weight: np.ndarray

    def __len__(self) -> int:
        return len(self.centre)

    @property
    def sigma(self) -> np.ndarray:
        """Size of each disc: the square root of its (sigma-scaled) area."""
        return np.sqrt(np.linalg.norm(np.cross(self.axis_u, self.axis_v), axis=1))

    def take(self, index: np.ndarray) -> SplatSet:
        """The splats at `index`, in that order."""
        return SplatSet(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def scaled(self, factor: float) -> SplatSet:
        """The same splats with discs `factor` times larger."""
        return SplatSet(
            self.centre,
            self.axis_u * factor,
            self.axis_v * factor,
            self.colour,
            self.opacity,
            self.head_weight,
        )

    @staticmethod
    def concat(sets: list[SplatSet]) -> SplatSet:
        """All splats of `sets`, in order."""
        return SplatSet(
            **{f.name: np.concatenate([getattr(s, f.name) for s in sets]) for f in fields(SplatSet)}
        )


def discs(
    centre: np.ndarray,
    normal: np.ndarray,
    sigma: np.ndarray,
    colour: np.ndarray,
    *,
    opacity: float | np.ndarray = 1.0,
    head_weight: float | np.ndarray = 1.0,
    along: np.ndarray | None = None,
    stretch: float = 1.0,
) -> SplatSet:
    """Discs tangent to `normal` with size `sigma`.

    With `along` (directions in or near the tangent plane) the discs are stretched by
    `stretch` along it and thinned by the same factor across it (strands, brow hairs).
    """
    n = len(centre)
    if along is None:
        first, second = tangent_frames(normal)
    else:
        first = along - np.sum(along * normal, axis=1, keepdims=True) * normal
        first /= np.maximum(np.linalg.norm(first, axis=1, keepdims=True), 1e-12)
        second = np.cross(normal, first)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (n,))[:, None]
    return SplatSet(
        centre=np.asarray(centre, dtype=np.float64),
        axis_u=first * sigma * stretch,
        axis_v=second * sigma / stretch,
        colour=np.broadcast_to(colour, (n, 3)).astype(np.float64),
        opacity=np.broadcast_to(np.asarray(opacity, dtype=np.float64), (n,)).copy(),
        head_weight=np.broadcast_to(np.asarray(head_weight, dtype=np.float64), (n,)).copy(),
    )


def mapped_discs(
    mapping: Callable[[np.ndarray], np.ndarray],
    uv: np.ndarray,
    cell: np.ndarray,
    colour: np.ndarray,
    *,
    coverage: float = 0.62,
    opacity: float | np.ndarray = 1.0,
    head_weight: float | np.ndarray = 1.0,
) -> SplatSet:
    """Discs at `mapping(uv)` for samples `uv` (n, 2) spaced `cell` (du, dv) apart: the axes
    are the mapping's Jacobian times the spacing, so any stretch of the map is covered."""
    eps = 1e-5
    centre = mapping(uv)
    axis_u = (mapping(uv + np.array([eps, 0.0])) - centre) / eps * cell[0] * coverage
    axis_v = (mapping(uv + np.array([0.0, eps])) - centre) / eps * cell[1] * coverage
    n = len(uv)
    return SplatSet(
        centre=centre,
        axis_u=axis_u,
        axis_v=axis_v,
        colour=np.broadcast_to(colour, (n, 3)).astype(np.float64),
        opacity=np.broadcast_to(np.asarray(opacity, dtype=np.float64), (n,)).copy(),
        head_weight=np.broadcast_to(np.asarray(head_weight, dtype=np.float64), (n,)).copy(),
    )
