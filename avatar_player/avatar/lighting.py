"""Baked lighting: a soft three-point portrait setup under a sky dome.

Directions point from the surface toward the light (avatar space: x to the avatar's
left, which is the viewer's right; y up; z toward the viewer). Intensities are linear
RGB. A white surface facing the viewer renders at about 0.98, one turned to the fill at
0.9, one in the key's shadow at 0.35 to 0.55 (soft, about 2.2:1):

- KEY: slightly warm (1.0, 0.98, 0.95) x 1.1, from the viewer's upper left, 35 deg to
  the side and 35 deg up. It alone casts shadows (`soft_shadow`, soft-edged).
- FILL: cool (0.85, 0.93, 1.0) x 0.25, from the viewer's right at eye level, 45 deg.
- RIM: neutral 0.4, from behind on the viewer's right, 35 deg up: outlines the far
  cheek, jaw, ears and hair, and shines through thin skin.
- SKY: 0.25 + 0.06 x (the normal's y), scaled by ambient occlusion (sdf.ambient_occlusion:
  the depth around the eyes, nose, mouth and under the jaw comes from it).

Highlights (`specular`) reflect the key and the fill for a viewer in front (the baked
view; the catch lights in the eyes are placed for it too).

Thin skin (`thin`: ears, nostril wings, the nose tip, lips) lets light through from
behind and looks flushed, tinted by blood. Highlights roll off softly instead of
clipping.
"""

from __future__ import annotations

import numpy as np

from avatar_player.avatar.sdf import Sdf


def _unit(x: float, y: float, z: float) -> np.ndarray:
    v = np.array([x, y, z])
    return v / np.linalg.norm(v)


def _toward(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """Unit direction toward a light `azimuth_deg` to the avatar's left (+x) of the view
    axis and `elevation_deg` above the horizon (azimuth beyond 90: behind the head)."""
    azimuth, elevation = np.radians(azimuth_deg), np.radians(elevation_deg)
    return _unit(
        np.sin(azimuth) * np.cos(elevation), np.sin(elevation), np.cos(azimuth) * np.cos(elevation)
    )


KEY = _toward(-35.0, 35.0)
KEY_COLOUR = 1.1 * np.array([1.0, 0.98, 0.95])
FILL = _toward(45.0, 0.0)
FILL_COLOUR = 0.25 * np.array([0.85, 0.93, 1.0])
RIM = _toward(140.0, 35.0)
RIM_COLOUR = 0.4 * np.array([1.0, 1.0, 1.0])
SKY = (0.25, 0.06)
"""Ambient light: SKY[0] + SKY[1] * (normal's y)."""
VIEW = np.array([0.0, 0.0, 1.0])
BLOOD = np.array([1.0, 0.3, 0.2])
"""Tint of light transmitted through thin skin, and of its flush."""
PENUMBRA = 5.0
"""Sharpness of shadow edges (a large, soft key: lower is softer)."""
TONE_KNEE = 0.8
"""Above this, colours roll off toward 1 instead of clipping."""


def _tone(colour: np.ndarray) -> np.ndarray:
    """Soft shoulder on each colour's brightest channel: identity below TONE_KNEE, then
    an exponential approach to 1, the other channels scaled alike (a bright surface keeps
    its hue instead of fading to white as its channels clip one by one)."""
    span = 1.0 - TONE_KNEE
    peak = colour.max(axis=1, keepdims=True)
    over = np.maximum(peak - TONE_KNEE, 0.0)
    toned = np.where(peak > TONE_KNEE, TONE_KNEE + span * (1.0 - np.exp(-over / span)), peak)
    return colour * toned / np.maximum(peak, 1e-12)


def _column(value: np.ndarray | float) -> np.ndarray:
    return np.asarray(value, dtype=np.float64).reshape(-1, 1)


def shade(
    albedo: np.ndarray,
    normal: np.ndarray,
    *,
    occlusion: np.ndarray | float = 1.0,
    shadow: np.ndarray | float = 1.0,
    wrap: float = 0.3,
    specular: np.ndarray | float = 0.0,
    shininess: np.ndarray | float = 30.0,
    thin: np.ndarray | float = 0.0,
    bounce: float = 0.0,
) -> np.ndarray:
    """Lit colour of surfaces (rows of `albedo` and `normal`), 0..1.

    `wrap` softens the terminator; `occlusion` (ambient visibility) darkens sky, fill,
    rim and part of the key, `shadow` the key. `specular` and `shininess` give a
    Blinn-Phong highlight of key and fill for a viewer in front. `thin` (0..1, thin
    skin) lets light through from behind and flushes the colour red. `bounce` is the
    light that the surface around an occluded point (of the same albedo: skin in a skin
    crease) reflects into it, so creases turn warm and soft instead of black.
    """
    occlusion, shadow, thin = _column(occlusion), _column(shadow), _column(thin)

    def facing(direction: np.ndarray) -> np.ndarray:
        return (normal @ direction)[:, None]

    def diffuse(direction: np.ndarray) -> np.ndarray:
        return np.clip((facing(direction) + wrap) / (1.0 + wrap), 0.0, 1.0)

    def through(direction: np.ndarray) -> np.ndarray:
        return np.clip(-facing(direction), 0.0, 1.0)

    sky = SKY[0] + SKY[1] * normal[:, 1:2]
    light = (
        sky * occlusion
        + KEY_COLOUR * diffuse(KEY) * shadow * (0.4 + 0.6 * occlusion)
        + FILL_COLOUR * diffuse(FILL) * occlusion
        + RIM_COLOUR * diffuse(RIM) * occlusion
        + bounce * (1.0 - occlusion) * albedo
    )
    # Light through the part, only where it is thinnest (ear rims and lobes, nostril wings).
    through_thin = 0.3 * BLOOD * np.clip(2.0 * thin - 1.0, 0.0, 1.0)
    transmitted = through_thin * (KEY_COLOUR * through(KEY) + RIM_COLOUR * through(RIM))
    # Flushed where thin enough (not the slight curves around the lips), red from blood.
    flushed = albedo * (1.0 + 0.1 * np.clip(1.25 * thin - 0.25, 0.0, 1.0) * (BLOOD - 0.6))

    def highlight(direction: np.ndarray) -> np.ndarray:
        half = (direction + VIEW) / np.linalg.norm(direction + VIEW)
        return np.clip(normal @ half, 0.0, 1.0)[:, None] ** _column(shininess)

    gloss = KEY_COLOUR * highlight(KEY) * shadow + FILL_COLOUR * highlight(FILL) * occlusion
    colour = flushed * (light + transmitted) + _column(specular) * gloss
    return _tone(np.clip(colour, 0.0, None))


def thinness(
    sdf: Sdf, points: np.ndarray, thick: float = 0.02, thin: float = 0.006, scale: float = 0.002
) -> np.ndarray:
    """0..1: how tightly the surface curves, from the SDF's Laplacian over `scale` (its
    mean curvature): 0 where the radius of curvature is `thick` or more, 1 at `thin` or
    less. Light passes through small convex features (ears, nostril wings, lips, the nose
    tip), not through the flat cheeks or forehead."""
    centre = sdf(points)
    laplacian = sum(
        sdf(points + offset) + sdf(points - offset) - 2.0 * centre for offset in np.eye(3) * scale
    )
    curvature = laplacian / (2.0 * scale * scale)
    return np.clip((curvature - 1.0 / thick) / (1.0 / thin - 1.0 / thick), 0.0, 1.0)


def soft_shadow(sdf: Sdf, points: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Visibility (0..1) of the key light from each point, with a soft penumbra."""
    origin = points + normal * 1.5e-3
    visibility = np.ones(len(points))
    t = np.full(len(points), 2e-3)
    for _ in range(40):
        distance = sdf(origin + KEY * t[:, None])
        visibility = np.minimum(visibility, np.clip(PENUMBRA * distance / t, 0.0, 1.0))
        t += np.clip(distance, 1.5e-3, 0.02)
    return visibility * visibility * (3.0 - 2.0 * visibility)
