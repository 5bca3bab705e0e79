"""Motion vector -> avatar pose, CPU deformation and depth order (no GL needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from avatar_player.avatar.library import load_avatar
from avatar_player.avatar.model import BLENDSHAPES, JAW_CORRECTED
from avatar_player.motion import JAW_POSE_OPEN_RAD
from avatar_player.protocol.motion import LAYOUT, VECTOR_SIZE, neutral_vector
from avatar_player.render.camera import Camera
from avatar_player.render.deform import Deformer
from avatar_player.render.depth import back_to_front
from avatar_player.render.pose import avatar_pose, rotation_matrix

FLAME_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "flame-sample"


def vector(**channels: float | list[float]) -> np.ndarray:
    values = neutral_vector()
    for name, value in channels.items():
        values[LAYOUT[name]] = value
    return values


def test_neutral_vector_is_the_rest_pose():
    pose = avatar_pose(neutral_vector())
    assert all(weight == 0.0 for weight in pose.weights.values())
    np.testing.assert_allclose(pose.head_rotation, np.eye(3))
    np.testing.assert_allclose(pose.translation, 0.0)


@pytest.mark.parametrize(
    ("jaw_open", "jaw_pitch", "expected"),
    [
        (0.3, 0.0, 0.3),
        (0.0, JAW_POSE_OPEN_RAD / 2, 0.5),
        (0.2, JAW_POSE_OPEN_RAD, 1.0),
        (1.5, 0.0, 1.0),
    ],
)
def test_jaw_is_the_larger_of_both_channels_clipped(jaw_open, jaw_pitch, expected):
    pose = avatar_pose(vector(jaw_open=jaw_open, jaw_pose=[jaw_pitch, 0.0, 0.0]))
    assert pose.weights["jaw_open"] == pytest.approx(expected)


def test_blink_is_the_larger_of_blink_and_eye_lid_per_side():
    pose = avatar_pose(vector(blink_left=0.2, eye_lid=[0.7, -0.02], blink_right=0.4))
    assert pose.weights["blink_left"] == pytest.approx(0.7)
    assert pose.weights["blink_right"] == pytest.approx(0.4)


def test_gaze_brow_and_mouth_channels_pass_through():
    pose = avatar_pose(
        vector(eye_pose=[0.05, -0.03, 0.0, 0.03, -0.01, 0.0], brow_up=-0.5, mouth_round=0.6)
    )
    assert pose.weights["gaze_pitch"] == pytest.approx(0.04)
    assert pose.weights["gaze_yaw"] == pytest.approx(-0.02)
    assert pose.weights["brow_up"] == pytest.approx(-0.5)
    assert pose.weights["mouth_round"] == pytest.approx(0.6)


def test_articulation_channels_pass_through_and_drive_their_jaw_correctives():
    pose = avatar_pose(
        vector(jaw_open=0.4, lips_press=0.5, lip_funnel=1.4, lip_tuck=-0.2, tongue_up=0.25)
    )
    expected = {"lips_press": 0.5, "lip_funnel": 1.0, "lip_tuck": 0.0, "tongue_up": 0.25}
    for name, weight in expected.items():
        assert pose.weights[name] == pytest.approx(weight), name
        assert pose.weights[f"{name}_jaw"] == pytest.approx(0.4 * weight), name
    assert set(pose.weights) - {"gaze_yaw", "gaze_pitch"} <= set(BLENDSHAPES)


def test_head_rotation_composes_rotation_and_neck_pose():
    pose = avatar_pose(vector(rotation=[0.0, 0.2, 0.0], neck_pose=[0.1, 0.0, 0.0]))
    expected = rotation_matrix(np.array([0.0, 0.2, 0.0])) @ rotation_matrix(np.array([0.1, 0, 0]))
    np.testing.assert_allclose(pose.head_rotation, expected)
    np.testing.assert_allclose(pose.head_rotation @ pose.head_rotation.T, np.eye(3), atol=1e-12)


def test_rejects_a_vector_of_the_wrong_size():
    with pytest.raises(ValueError, match=str(VECTOR_SIZE)):
        avatar_pose(np.zeros(VECTOR_SIZE + 1))


def test_flame_keyframes_drive_the_jaw():
    path = FLAME_SAMPLE / "keyframes.json"
    if not path.exists():
        pytest.skip("flame sample not available")
    keyframes = json.loads(path.read_text())["keyframes"]
    jaw = [
        avatar_pose(vector(jaw_pose=frame["jawPose"])).weights["jaw_open"] for frame in keyframes
    ]
    assert max(jaw) == pytest.approx(max(f["jawPose"][0] for f in keyframes) / JAW_POSE_OPEN_RAD)
    assert min(jaw) == 0.0
    articulation = [f"{name}{suffix}" for name in JAW_CORRECTED for suffix in ("", "_jaw")]
    for frame in keyframes:
        weights = avatar_pose(vector(jaw_pose=frame["jawPose"])).weights
        assert all(weights[name] == 0.0 for name in articulation), "FLAME drives the jaw only"


@pytest.fixture(scope="module")
def avatar():
    return load_avatar("demo-avatar")


def test_pressed_lips_hold_the_lower_lip_against_any_jaw_opening(avatar):
    deformer = Deformer(avatar)
    lips = avatar.part_ranges()["lips"]
    lower = np.array(lips)[
        avatar.splats.centre[lips.start : lips.stop, 1] < avatar.landmark("mouth")[1] - 0.004
    ]
    pressed = deformer.deform(avatar_pose(vector(lips_press=1.0))).centre[lower]
    for jaw in (0.15, 0.5):
        held = deformer.deform(avatar_pose(vector(jaw_open=jaw, lips_press=1.0))).centre[lower]
        np.testing.assert_allclose(held, pressed, atol=2e-5)


def test_deformer_opens_the_jaw_and_turns_only_the_head(avatar):
    deformer = Deformer(avatar)
    rest = deformer.deform(avatar_pose(neutral_vector()))
    np.testing.assert_allclose(rest.centre, avatar.splats.centre, atol=1e-6)
    opened = deformer.deform(avatar_pose(vector(jaw_open=1.0)))
    lips = avatar.part_ranges()["lips"]
    lower = np.array(lips)[
        avatar.splats.centre[lips.start : lips.stop, 1] < avatar.landmark("mouth")[1] - 0.004
    ]
    assert np.all(opened.centre[lower, 1] < rest.centre[lower, 1] - 0.01)
    turned = deformer.deform(avatar_pose(vector(rotation=[0.0, 0.3, 0.0])))
    torso = avatar.part_ranges()["torso"]
    np.testing.assert_allclose(
        turned.centre[torso.start : torso.stop], rest.centre[torso.start : torso.stop], atol=1e-6
    )
    nose_tip = np.argmax(rest.centre[:, 2])
    assert turned.centre[nose_tip, 0] > rest.centre[nose_tip, 0] + 0.02, "yaw turns the face to +x"
    rigid = avatar.splats.head_weight == 1.0
    lengths = np.linalg.norm(turned.axis_u[rigid], axis=1) / np.linalg.norm(
        rest.axis_u[rigid], axis=1
    )
    np.testing.assert_allclose(lengths, 1.0, atol=1e-4)


def test_back_to_front_puts_the_farthest_first():
    centre = np.array([[0.0, 0.0, 0.1], [0.0, 0.0, -0.1], [0.0, 0.0, 0.0]], dtype=np.float32)
    order = back_to_front(centre, Camera.bust().view())
    assert list(order) == [1, 2, 0]


def test_back_to_front_keeps_storage_order_for_ties():
    centre = np.zeros((5, 3), dtype=np.float32)
    assert list(back_to_front(centre, Camera.bust().view())) == [0, 1, 2, 3, 4]
