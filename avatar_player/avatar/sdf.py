"""Signed distance functions (numpy, vectorised over points) and surface queries.

Points are (n, 3) float64 arrays in metres. Distances of ellipsoids are the usual
first-order bound, good enough for smooth blending, ray marching and normals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from avatar_player.avatar.sampling import tangent_frames

Sdf = Callable[[np.ndarray], np.ndarray]
"""Maps (n, 3) points to (n,) signed distances (negative inside)."""


def _length(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", v, v))


def ellipsoid(centre: tuple[float, float, float], radii: tuple[float, float, float]) -> Sdf:
    """An axis-aligned ellipsoid."""
    c, inverse = np.asarray(centre), 1.0 / np.asarray(radii)

    def distance(p: np.ndarray) -> np.ndarray:
        scaled = (p - c) * inverse
        k0 = _length(scaled)
        k1 = np.maximum(_length(scaled * inverse), 1e-12)
        return k0 * (k0 - 1.0) / k1

    return distance


def sphere(centre: tuple[float, float, float], radius: float) -> Sdf:
    """A sphere."""
    c = np.asarray(centre)
    return lambda p: _length(p - c) - radius


def capsule(
    start: tuple[float, float, float],
    end: tuple[float, float, float],
    radii: tuple[float, float],
) -> Sdf:
    """A rounded cone from `start` (radius radii[0]) to `end` (radius radii[1])."""
    a, b = np.asarray(start), np.asarray(end)
    axis = b - a
    length_sq = float(axis @ axis)

    def distance(p: np.ndarray) -> np.ndarray:
        h = np.clip((p - a) @ axis / length_sq, 0.0, 1.0)
        radius = radii[0] + (radii[1] - radii[0]) * h
        return _length(p - a - h[:, None] * axis) - radius

    return distance


def vertical_cylinder(
    centre_xz: tuple[float, float], radii_xz: tuple[float, float], y_range: tuple[float, float]
) -> Sdf:
    """An elliptic cylinder along y, capped at y_range."""
    c, r = np.asarray(centre_xz), np.asarray(radii_xz)
    low, high = y_range

    def distance(p: np.ndarray) -> np.ndarray:
        q = (p[:, [0, 2]] - c) / r
        side = (_length(q) - 1.0) * r.min()
        cap = np.maximum(low - p[:, 1], p[:, 1] - high)
        return np.maximum(side, cap)

    return distance


def union(*shapes: Sdf) -> Sdf:
    """Hard union (minimum) of `shapes`."""
    return lambda p: np.min([shape(p) for shape in shapes], axis=0)


def cone(
    apex: tuple[float, float, float],
    axis: tuple[float, float, float],
    half_angle: float,
    widen_x: float = 1.0,
) -> Sdf:
    """An infinite cone from `apex` along `axis` (x distances divided by `widen_x`, so the
    cone is elliptic, wider across)."""
    c = np.asarray(apex)
    a = np.asarray(axis) / np.linalg.norm(axis)
    squeeze = np.array([1.0 / widen_x, 1.0, 1.0])

    def distance(p: np.ndarray) -> np.ndarray:
        q = (p - c) * squeeze
        length = np.maximum(_length(q), 1e-12)
        angle = np.arccos(np.clip(q @ a / length, -1.0, 1.0))
        return length * np.sin(np.minimum(angle - half_angle, np.pi / 2))

    return distance


def smooth_union(k: float, *shapes: Sdf) -> Sdf:
    """Polynomial smooth minimum of `shapes` (blend radius `k`)."""

    def distance(p: np.ndarray) -> np.ndarray:
        result = shapes[0](p)
        for shape in shapes[1:]:
            result = smooth_min(result, shape(p), k)
        return result

    return distance


def smooth_subtract(k: float, base: Sdf, *cuts: Sdf) -> Sdf:
    """`base` with `cuts` carved out (blend radius `k`)."""

    def distance(p: np.ndarray) -> np.ndarray:
        result = base(p)
        for cut in cuts:
            result = -smooth_min(-result, cut(p), k)
        return result

    return distance


def smooth_min(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)


def cast_rays(
    sdf: Sdf, origin: np.ndarray, directions: np.ndarray, max_distance: float
) -> np.ndarray:
    """Distance along each ray from `origin` to the OUTERMOST surface crossing.

    Marches inward from `max_distance` (sphere tracing) so that the first crossing met
    is the one seen from outside, then refines it by bisection.
    """
    t = np.full(len(directions), max_distance)
    for _ in range(64):
        step = sdf(origin + t[:, None] * directions)
        t = np.maximum(t - np.maximum(step, 0.0) * 0.85 - 1e-6, 0.0)
    outside = t + 2e-3
    inside = t - 2e-3
    for _ in range(16):
        middle = 0.5 * (inside + outside)
        is_outside = sdf(origin + middle[:, None] * directions) > 0.0
        outside = np.where(is_outside, middle, outside)
        inside = np.where(is_outside, inside, middle)
    return 0.5 * (inside + outside)


def trace_rays(
    sdf: Sdf, origins: np.ndarray, directions: np.ndarray, max_distance: float
) -> np.ndarray:
    """Distance along each ray from its own origin (outside the surface) to the FIRST
    surface crossing (sphere tracing, refined by bisection); inf where a ray meets
    nothing within `max_distance`."""
    t = np.zeros(len(directions))
    for _ in range(48):
        step = sdf(origins + t[:, None] * directions)
        t = np.minimum(t + np.maximum(step, 0.0) * 0.9 + 1e-6, max_distance)
    inside, outside = t + 5e-4, np.maximum(t - 5e-4, 0.0)
    for _ in range(16):
        middle = 0.5 * (inside + outside)
        is_outside = sdf(origins + middle[:, None] * directions) > 0.0
        outside = np.where(is_outside, middle, outside)
        inside = np.where(is_outside, inside, middle)
    t = 0.5 * (inside + outside)
    return np.where(sdf(origins + t[:, None] * directions) < 2e-4, t, np.inf)


def normals(sdf: Sdf, points: np.ndarray, eps: float = 2e-4) -> np.ndarray:
    """Unit surface normals (normalised central-difference gradient)."""
    gradient = np.stack(
        [sdf(points + offset) - sdf(points - offset) for offset in np.eye(3) * eps], axis=1
    )
    return gradient / np.maximum(np.linalg.norm(gradient, axis=1, keepdims=True), 1e-12)


def ambient_occlusion(
    sdf: Sdf, points: np.ndarray, normal: np.ndarray, reach: float = 0.012
) -> np.ndarray:
    """Approximate ambient visibility (0 occluded .. 1 open): the SDF sampled at doubling
    distances up to `reach` along the normal and four directions 50 deg around it, each
    sample against the distance an open flat surface would leave there (nearer: occluded;
    near samples weigh most, so creases and wide hollows like eye sockets both darken)."""
    first, second = tangent_frames(normal)
    tilt_cos, tilt_sin = np.cos(np.radians(50.0)), np.sin(np.radians(50.0))
    rays = [(normal, 1.0, 0.36)] + [
        (tilt_cos * normal + tilt_sin * sign * tangent, tilt_cos, 0.16)
        for tangent in (first, second)
        for sign in (1.0, -1.0)
    ]
    occlusion = np.zeros(len(points))
    for direction, open_fraction, weight in rays:
        for i in range(1, 5):
            distance = reach / 2 ** (4 - i)
            free = sdf(points + direction * distance) / (distance * open_fraction)
            occlusion += weight * np.clip(1.0 - free, 0.0, 1.0) / 2**i
    return np.clip(1.0 - 1.6 * occlusion, 0.0, 1.0)
