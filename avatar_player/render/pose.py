"""Motion vector (protocol layout) -> blendshape weights and head transform."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar_player.avatar.model import JAW_CORRECTED
from avatar_player.motion import JAW_POSE_OPEN_RAD
from avatar_player.protocol.motion import EXPRESSION_CHANNELS, LAYOUT, VECTOR_SIZE


@dataclass(frozen=True)
class AvatarPose:
    """What the renderer applies: blendshape weights, a head rotation, a bust translation."""

    weights: dict[str, float]
    head_rotation: np.ndarray
    """3x3 rotation of the head about the neck pivot (rotation then neck pose)."""
    translation: np.ndarray
    """Offset of the whole bust, metres."""


def rotation_matrix(axis_angle: np.ndarray) -> np.ndarray:
    """Rotation matrix of an axis-angle vector (Rodrigues)."""
    angle = float(np.linalg.norm(axis_angle))
    if angle < 1e-9:
        return np.eye(3)
    x, y, z = np.asarray(axis_angle, dtype=np.float64) / angle
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)


def avatar_pose(vector: np.ndarray) -> AvatarPose:
    """Map a motion vector onto the avatar.

    jaw = max(jaw_open, jaw_pose[0] / JAW_POSE_OPEN_RAD) and blink_x = max(blink_x,
    eye_lid[x]) (both clipped to 0..1) so semantic frames and FLAME keyframes drive the
    same shapes; eye_pose (mean of both eyes) is the gaze in radians; rotation and
    neck_pose make the head rotation. eye_lid[0] / blink_left is the avatar's left (+x).
    lips_press, lip_funnel, lip_tuck and tongue_up (0..1) also drive their jaw correctives
    at jaw x weight. The expression channels (smile .. squint) are clipped to 0..1.
    """
    v = np.asarray(vector, dtype=np.float64)
    if v.shape != (VECTOR_SIZE,):
        raise ValueError(f"pose vector must have {VECTOR_SIZE} values, got {v.shape}")

    def channel(name: str) -> np.ndarray:
        return v[LAYOUT[name]]

    def unit(value: float) -> float:
        return float(np.clip(value, 0.0, 1.0))

    eye_lid = channel("eye_lid")
    eyes = channel("eye_pose").reshape(2, 3).mean(axis=0)
    jaw = unit(max(channel("jaw_open")[0], channel("jaw_pose")[0] / JAW_POSE_OPEN_RAD))
    articulation = {name: unit(channel(name)[0]) for name in JAW_CORRECTED}
    weights = {
        "jaw_open": jaw,
        "mouth_round": unit(channel("mouth_round")[0]),
        "mouth_wide": unit(channel("mouth_wide")[0]),
        "mouth_close": unit(channel("mouth_close")[0]),
        **articulation,
        **{f"{name}_jaw": jaw * weight for name, weight in articulation.items()},
        "brow_up": float(np.clip(channel("brow_up")[0], -1.0, 1.0)),
        "blink_left": unit(max(channel("blink_left")[0], eye_lid[0])),
        "blink_right": unit(max(channel("blink_right")[0], eye_lid[1])),
        **{name: unit(channel(name)[0]) for name in EXPRESSION_CHANNELS},
        "gaze_pitch": float(eyes[0]),
        "gaze_yaw": float(eyes[1]),
    }
    rotation = rotation_matrix(channel("rotation")) @ rotation_matrix(channel("neck_pose"))
    return AvatarPose(weights, rotation, channel("translation").copy())
