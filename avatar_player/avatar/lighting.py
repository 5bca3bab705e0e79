"""Baked lighting: a warm key light from the upper left, a cool fill, a rim and sky light."""

from __future__ import annotations

import numpy as np

from avatar_player.avatar.sdf import Sdf


def _unit(x: float, y: float, z: float) -> np.ndarray:
    v = np.array([x, y, z])
    return v / np.linalg.norm(v)


KEY = _unit(-0.42, 0.5, 0.85)
KEY_COLOUR = np.array([1.0, 0.96, 0.9])
FILL = _unit(0.7, 0.05, 0.7)
FILL_COLOUR = np.array([0.3, 0.33, 0.38])
RIM = _unit(0.4, 0.5, -0.75)
RIM_COLOUR = np.array([0.25, 0.25, 0.27])
VIEW = np.array([0.0, 0.0, 1.0])


def shade(
    albedo: np.ndarray,
    normal: np.ndarray,
    *,
    occlusion: np.ndarray | float = 1.0,
    shadow: np.ndarray | float = 1.0,
    wrap: float = 0.35,
    specular: np.ndarray | float = 0.0,
    shininess: float = 30.0,
) -> np.ndarray:
    """Lit colour of surfaces (rows of `albedo` and `normal`), clipped to 0..1.

    `wrap` softens the terminator (skin scatters light); `occlusion` darkens ambient and
    fill, `shadow` the key light.
    """
    occlusion = np.asarray(occlusion, dtype=np.float64).reshape(-1, 1)
    shadow = np.asarray(shadow, dtype=np.float64).reshape(-1, 1)

    def diffuse(direction: np.ndarray) -> np.ndarray:
        return np.clip((normal @ direction + wrap) / (1.0 + wrap), 0.0, 1.0)[:, None]

    sky = 0.22 + 0.08 * normal[:, 1:2]
    light = (
        sky * occlusion
        + KEY_COLOUR * diffuse(KEY) * shadow * (0.35 + 0.65 * occlusion)
        + FILL_COLOUR * diffuse(FILL) * occlusion
        + RIM_COLOUR * diffuse(RIM) * occlusion
    )
    half = KEY + VIEW
    half /= np.linalg.norm(half)
    highlight = np.clip(normal @ half, 0.0, 1.0)[:, None] ** shininess
    specular = np.asarray(specular, dtype=np.float64).reshape(-1, 1)
    return np.clip(albedo * light + specular * highlight * shadow * KEY_COLOUR, 0.0, 1.0)


def soft_shadow(sdf: Sdf, points: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Visibility (0..1) of the key light from each point, with a soft penumbra."""
    origin = points + normal * 1.5e-3
    visibility = np.ones(len(points))
    t = np.full(len(points), 2e-3)
    for _ in range(40):
        distance = sdf(origin + KEY * t[:, None])
        visibility = np.minimum(visibility, np.clip(8.0 * distance / t, 0.0, 1.0))
        t += np.clip(distance, 1.5e-3, 0.02)
    return visibility * visibility * (3.0 - 2.0 * visibility)
