"""Point sets for sampling surfaces, and a level-of-detail order of splats."""

from __future__ import annotations

import numpy as np

GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


def fibonacci_sphere(count: int, rng: np.random.Generator, jitter: float = 0.35) -> np.ndarray:
    """`count` near-uniform unit directions (jittered Fibonacci lattice), (count, 3)."""
    i = np.arange(count) + 0.5 + rng.uniform(-jitter, jitter, count)
    y = 1.0 - 2.0 * np.clip(i, 0.0, count) / count
    ring = np.sqrt(np.clip(1.0 - y * y, 0.0, 1.0))
    phi = GOLDEN_ANGLE * np.arange(count) + rng.uniform(-jitter, jitter, count) / np.sqrt(count)
    return np.stack([ring * np.cos(phi), y, ring * np.sin(phi)], axis=1)


def fibonacci_square(count: int, rng: np.random.Generator, jitter: float = 0.3) -> np.ndarray:
    """`count` near-uniform points of the unit square (jittered Fibonacci lattice), (count, 2)."""
    i = np.arange(count)
    u = (i + 0.5 + rng.uniform(-jitter, jitter, count)) / count
    v = np.mod(i * (GOLDEN_ANGLE / (2 * np.pi)) + rng.uniform(-jitter, jitter, count) / count, 1)
    return np.stack([u, v], axis=1)


def jittered_grid(
    count: int, aspect: float, rng: np.random.Generator, jitter: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """About `count` points of the unit square on a jittered grid whose cells are `aspect`
    times wider than tall in the unit square's metric, and the cell size (du, dv).

    With `aspect` = (surface width / surface height) of the region the square maps onto,
    the samples are evenly spaced on that surface.
    """
    columns = max(1, round(np.sqrt(count * aspect)))
    rows = max(1, round(count / columns))
    j, i = np.meshgrid(np.arange(rows), np.arange(columns), indexing="ij")
    cells = np.column_stack([i.ravel(), j.ravel()]).astype(np.float64)
    cells += 0.5 + rng.uniform(-jitter, jitter, cells.shape)
    return cells / [columns, rows], np.array([1.0 / columns, 1.0 / rows])


def tangent_frames(directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors orthogonal to each unit vector of `directions` and to each other."""
    helper = np.where(np.abs(directions[:, 1:2]) < 0.9, [[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]])
    first = np.cross(helper, directions)
    first /= np.linalg.norm(first, axis=1, keepdims=True)
    return first, np.cross(directions, first)


def progressive_order(
    points: np.ndarray, sizes: np.ndarray, rng: np.random.Generator, cell: float, levels: int = 7
) -> np.ndarray:
    """A permutation whose every prefix is spread evenly over `points` (coarse to fine),
    thinning dense (small `sizes`) and sparse regions at the same rate.

    Points are grouped by size (powers of two); at level k each group takes one not-yet-
    taken point per occupied grid cell of cell * size / 2**k. The rest follow at random.
    """
    count = len(points)
    size_class = np.round(np.log2(np.maximum(sizes, 1e-12)))
    taken = np.zeros(count, dtype=bool)
    shuffled = rng.permutation(count)
    order: list[np.ndarray] = []
    for level in range(levels):
        candidates = shuffled[~taken[shuffled]]
        group = size_class[candidates]
        spacing = cell * 2.0**group / 2**level
        keys = np.column_stack([group, np.floor(points[candidates] / spacing[:, None])])
        _, first = np.unique(keys.astype(np.int64), axis=0, return_index=True)
        chosen = candidates[np.sort(first)]
        taken[chosen] = True
        order.append(chosen)
    order.append(shuffled[~taken[shuffled]])
    return np.concatenate(order)
