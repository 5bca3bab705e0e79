"""CPU deformation of an avatar's splats for a pose (the renderer uploads the result and
sorts by it, so what is drawn and what is sorted are the same positions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar_player.avatar.model import Avatar
from avatar_player.render.pose import AvatarPose


@dataclass(frozen=True)
class Geometry:
    """Deformed disc centres and axes, float32 (n, 3) each."""

    centre: np.ndarray
    axis_u: np.ndarray
    axis_v: np.ndarray


class Deformer:
    """Applies blendshapes, then head rotation (skinned by head weight), then translation."""

    def __init__(self, avatar: Avatar) -> None:
        splats = avatar.splats
        self._centre = splats.centre.astype(np.float32)
        self._axis_u = splats.axis_u.astype(np.float32)
        self._axis_v = splats.axis_v.astype(np.float32)
        self._head_weight = splats.head_weight.astype(np.float32)[:, None]
        self._pivot = avatar.landmark("neck_pivot").astype(np.float32)
        self._shapes = {
            name: (shape.index, shape.delta.astype(np.float32))
            for name, shape in avatar.blendshapes.items()
        }

    def deform(self, pose: AvatarPose) -> Geometry:
        centre = self._centre.copy()
        for name, weight in pose.weights.items():
            if weight and name in self._shapes:
                index, delta = self._shapes[name]
                centre[index] += np.float32(weight) * delta
        rotation = pose.head_rotation.astype(np.float32)
        turned = (centre - self._pivot) @ rotation.T + self._pivot
        centre += self._head_weight * (turned - centre)
        centre += pose.translation.astype(np.float32)
        axis_u = self._axis_u + self._head_weight * (self._axis_u @ rotation.T - self._axis_u)
        axis_v = self._axis_v + self._head_weight * (self._axis_v @ rotation.T - self._axis_v)
        return Geometry(centre, axis_u, axis_v)
