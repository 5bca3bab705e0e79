"""Baked shading, measured on the generated head and on rendered close-ups (headless EGL):
ambient occlusion in the hollows of the face, warmer thin skin, an off-white sclera
brighter than the iris with a catch light toward the key, white to the eye's corners,
teeth lighter than the lips when the jaw opens, and each tooth its own crown."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import offscreen_context

from avatar_player.avatar.anatomy import EYE_RADIUS, HEAD_CENTRE, Anatomy
from avatar_player.avatar.head import build_avatar, style_and_anatomy
from avatar_player.avatar.landmarks import face_landmarks
from avatar_player.avatar.library import BUNDLED
from avatar_player.avatar.lighting import KEY, shade, thinness
from avatar_player.avatar.model import Avatar
from avatar_player.avatar.parts.eyes import IRIS_ANGLE
from avatar_player.avatar.parts.mouth import UPPER_TEETH, arch_length, build_mouth, crowns
from avatar_player.avatar.parts.skin import skin_sdf
from avatar_player.avatar.sdf import ambient_occlusion, cast_rays, normals
from avatar_player.protocol.motion import frame_from_channels
from avatar_player.render.camera import Camera
from avatar_player.render.lipsync import mouth_camera, mouth_pixels, mouth_region
from avatar_player.render.renderer import AvatarRenderer
from avatar_player.render.tiers import Tier

DENSITY = 0.3
SIZE = (360, 300)
TIER = Tier("close-up", None, 1.0)
SPEC = BUNDLED[0]
OLIVE = np.array([0.76, 0.57, 0.4])


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


@pytest.fixture(scope="module")
def anatomy() -> Anatomy:
    """The anatomy build_avatar draws for SPEC."""
    return style_and_anatomy(SPEC.seed)[1]


@pytest.fixture(scope="module")
def avatar() -> Avatar:
    return build_avatar(SPEC.avatar_id, SPEC.name, SPEC.seed, density=DENSITY)


@pytest.fixture(scope="module")
def render(avatar):
    """Renders the avatar (every splat, no idle motion) through a camera, as (h, w, 3)."""
    context = offscreen_context(*SIZE)

    def shot(camera: Camera, **channels: float) -> np.ndarray:
        renderer = AvatarRenderer(avatar, tier=TIER, camera=camera, idle=False)
        renderer.initialize()
        renderer.resize(*SIZE)
        try:
            frame = frame_from_channels(0, 0, **channels)
            renderer.render(frame.values, 0.0, context.framebuffer.id)
            return renderer.read_pixels(context.framebuffer.id)[..., :3].copy()
        finally:
            renderer.release()

    yield shot
    context.close()


def skin_points(
    a: Anatomy, targets: np.ndarray, origin: tuple[float, float, float] = HEAD_CENTRE
) -> tuple[np.ndarray, np.ndarray]:
    """Points of the skin surface seen from `origin` (inside the head) toward `targets`,
    and their normals."""
    sdf, origin = skin_sdf(a), np.asarray(origin)
    direction = targets - origin
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    points = origin + cast_rays(sdf, origin, direction, 0.3)[:, None] * direction
    return points, normals(sdf, points)


def test_ambient_occlusion_deepens_the_hollows_of_the_face(anatomy):
    a, eye, sdf = anatomy, anatomy.eye_centre(1), skin_sdf(anatomy)
    inner_corner = (eye[0] - 0.017, eye[1] - 0.002, eye[2])  # beside the nose bridge
    beside_nostril = (0.012 * a.nose_width, -0.04 * a.nose_length, 0.085)
    face, face_normal = skin_points(a, np.array([inner_corner, beside_nostril]))
    neck = (0.0, a.chin_y - 0.012, 0.0)  # seen from inside: the neck's front under the chin
    chin, chin_normal = skin_points(a, np.array([(0.0, a.chin_y - 0.012, 0.1)]), neck)
    cheek, forehead = (eye[0] + 0.004, eye[1] - 0.03, 0.09), (0.0, 0.05, 0.1)
    open_skin, open_normal = skin_points(a, np.array([cheek, forehead]))
    hollows = ambient_occlusion(
        sdf, np.concatenate([face, chin]), np.concatenate([face_normal, chin_normal]), reach=0.024
    )
    exposed = ambient_occlusion(sdf, open_skin, open_normal, reach=0.024)
    print("ambient visibility: hollows", hollows.round(2), "cheek and forehead", exposed.round(2))
    assert hollows.max() < 0.8 and exposed.min() > 0.85
    assert exposed.mean() - hollows.mean() > 0.2


def test_thin_skin_is_warmer(anatomy):
    a = anatomy
    nostril_wing = (0.011 * a.nose_width, -0.037 * a.nose_length, 0.095)
    lower_lip = (0.0, a.mouth_y - 0.004, 0.1)
    cheek = (0.045, -0.03, 0.1)
    p, n = skin_points(a, np.array([nostril_wing, lower_lip, cheek]))
    thin = thinness(skin_sdf(a), p)
    print("thinness: nostril wing, lower lip, cheek", thin.round(2))
    assert thin[:2].min() > 0.3 and thin[2] < 0.05
    albedo = np.tile(OLIVE, (len(p), 1))
    plain, warm = shade(albedo, n), shade(albedo, n, thin=thin)
    redder = warm[:, 0] / warm[:, 1] - plain[:, 0] / plain[:, 1]
    assert redder[:2].min() > 0.015 and abs(redder[2]) < 0.005, redder


def eye_pixels(
    avatar: Avatar, camera: Camera, elevation: np.ndarray, azimuth: np.ndarray
) -> np.ndarray:
    """Pixels (column, row) of points on the left eyeball at those angles (radians) from
    its axis."""
    direction = np.column_stack(
        [
            np.sin(azimuth) * np.cos(elevation),
            np.sin(elevation),
            np.cos(azimuth) * np.cos(elevation),
        ]
    )
    points = avatar.landmark("eye_left") + EYE_RADIUS * direction
    return np.round(camera.project(points, *SIZE)).astype(int)


def patch(image: np.ndarray, pixel: np.ndarray, half: int = 2) -> np.ndarray:
    """The pixels (n, 3) of the square of side 2 * half + 1 around `pixel`."""
    column, row = pixel
    return image[row - half : row + half + 1, column - half : column + half + 1].reshape(-1, 3)


def test_sclera_is_off_white_and_brighter_than_the_iris_with_a_catch_light(avatar, render):
    camera = Camera(tuple(avatar.landmark("eye_left")), frame_height=0.03, frame_width=0.036)
    image = render(camera)
    # Iris between pupil and limbus, beside and below the pupil (clear of the upper lid's
    # shadow and the catch light); sclera on both sides of the iris.
    iris_at = eye_pixels(
        avatar,
        camera,
        IRIS_ANGLE * np.array([0.0, 0.0, -0.6]),
        IRIS_ANGLE * np.array([-0.6, 0.6, 0.0]),
    )
    sclera_at = eye_pixels(avatar, camera, np.zeros(2), np.array([-0.72, 0.72]))
    iris = np.concatenate([patch(image, p) for p in iris_at]).mean(axis=0)
    sclera = np.concatenate([patch(image, p) for p in sclera_at]).mean(axis=0)
    print("sclera", sclera.round(), "iris", iris.round())
    assert luma(sclera) > luma(iris) + 40
    assert 150 < sclera.max() < 245, "bright, but not clipped white"
    assert sclera.min() > 0.75 * sclera.max(), "off-white, not coloured"
    assert sclera[0] >= sclera[2] + 5, "warm, not blue-white"

    centre = eye_pixels(avatar, camera, np.zeros(1), np.zeros(1))[0]
    limbus = eye_pixels(avatar, camera, np.zeros(1), np.full(1, IRIS_ANGLE))[0]
    rows, columns = np.mgrid[: SIZE[1], : SIZE[0]]
    over_iris = np.hypot(columns - centre[0], rows - centre[1]) < np.hypot(*(limbus - centre))
    row, column = np.unravel_index(
        np.argmax(np.where(over_iris, luma(image), 0.0)), over_iris.shape
    )
    assert image[row, column].min() > 200, f"a near-white catch light, not {image[row, column]}"
    assert np.sign(column - centre[0]) == np.sign(KEY[0]) and row < centre[1], "toward the key"


def test_the_open_eye_shows_white_nearly_to_its_corners(avatar, anatomy, render):
    """The fissure is longer than the eyeball is wide (Farkas' ex-en): between the iris
    and each corner the white of the eye shows, not the dark of the socket (with a round
    white, the last few millimetres to each corner were dark wedges)."""
    camera = Camera(tuple(avatar.landmark("eye_left")), frame_height=0.03, frame_width=0.036)
    image = render(camera)
    landmarks = face_landmarks(anatomy)
    limbus = eye_pixels(avatar, camera, np.zeros(2), np.array([-1.0, 1.0]) * IRIS_ANGLE)
    sclera = np.concatenate([patch(image, p) for p in eye_pixels(
        avatar, camera, np.zeros(2), np.array([-0.72, 0.72]))]).mean(axis=0)  # fmt: skip
    for edge, corner in zip(limbus, ("endocanthion", "exocanthion"), strict=True):
        end = np.round(camera.project(landmarks[corner][None], *SIZE)[0]).astype(int)
        for share in (0.5, 0.7, 0.85):
            pixel = np.round(edge + share * (end - edge)).astype(int)
            seen = patch(image, pixel, half=1).mean(axis=0)
            assert luma(seen) > 0.5 * luma(sclera), f"dark at {share:.0%} of the way to {corner}"


def test_teeth_are_off_white_and_lighter_than_the_lips_when_the_jaw_opens(avatar, render):
    camera = mouth_camera(avatar)
    image = render(camera, jaw_open=0.6)
    region = mouth_region(avatar, camera, *SIZE)
    pixels = mouth_pixels(np.dstack([image, np.full(SIZE[::-1], 255, np.uint8)]), region)
    teeth, lips = image[region][pixels.teeth], image[region][pixels.lips]
    print(f"{len(teeth)} teeth pixels, mean {teeth.mean(axis=0).round()}")
    print(f"lips, mean {lips.mean(axis=0).round()}")
    assert len(teeth) > 200
    assert luma(teeth).mean() > luma(lips).mean() + 40
    colour = teeth.mean(axis=0)
    assert colour.max() < 240 and colour[0] >= colour[2], "off-white: not clipped, not blue"


def test_each_tooth_is_its_own_crown(anatomy):
    """Along the upper row just above the biting edge, each of the front teeth (incisors
    and canines) is lighter across its middle than at its sides, and the biting edges
    leave gaps (embrasures) between neighbouring crowns."""
    style = style_and_anatomy(SPEC.seed)[0]
    _, teeth = build_mouth(anatomy, style, np.random.default_rng(1), 200, 700)
    upper = np.flatnonzero(np.abs(teeth.deltas["jaw_open"]).max(axis=1) == 0)
    splats = teeth.splats.take(upper)
    x, y = splats.centre[:, 0], splats.centre[:, 1]
    tooth, across = crowns(np.sign(x) * arch_length(np.abs(x)), UPPER_TEETH)
    near_edge = y < anatomy.mouth_y - 0.0024 + 0.003
    brightness = luma(splats.colour)
    for side in (-1, 1):
        for index in range(3):
            own = near_edge & (tooth == index) & (np.sign(x) == side)
            middle = brightness[own & (np.abs(across) < 0.4)].mean()
            sides = brightness[own & (np.abs(across) > 0.85)].mean()
            assert middle > 1.1 * sides, (side, index, middle, sides)
    lowest = y < anatomy.mouth_y - 0.0024 + 4e-4
    assert np.abs(across[lowest]).max() < 0.97, "no crown reaches its neighbour at the edge"
