"""A perspective camera framing the avatar (metres, avatar space: y up, z toward the viewer)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """Looks at `target` from `distance` along +z (turned by `yaw` about y), showing at
    least `frame_height` x `frame_width` metres around the target at any aspect ratio."""

    target: tuple[float, float, float]
    frame_height: float
    frame_width: float
    distance: float = 1.2
    yaw: float = 0.0

    @staticmethod
    def bust() -> Camera:
        """Head and shoulders (the player's view)."""
        return Camera(target=(0.0, -0.07, 0.0), frame_height=0.44, frame_width=0.5)

    @staticmethod
    def face() -> Camera:
        """A close-up of the face (for inspection and lip-sync measurement)."""
        return Camera(target=(0.0, -0.025, 0.05), frame_height=0.19, frame_width=0.16)

    def _rotation(self) -> np.ndarray:
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        return np.array([[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]])

    def eye(self) -> np.ndarray:
        """The camera's position (world)."""
        return np.asarray(self.target) + self._rotation().T @ np.array([0.0, 0.0, self.distance])

    def view(self) -> np.ndarray:
        """World -> camera matrix (camera looks down -z)."""
        rotation = self._rotation()
        matrix = np.eye(4)
        matrix[:3, :3] = rotation
        matrix[:3, 3] = -rotation @ self.eye()
        return matrix

    def vertical_extent(self, aspect: float) -> float:
        """Metres visible vertically at the target for a viewport of `aspect` (w / h)."""
        return max(self.frame_height, self.frame_width / aspect)

    def projection(self, aspect: float, near: float = 0.3, far: float = 4.0) -> np.ndarray:
        """OpenGL clip matrix for a viewport of `aspect` (width / height)."""
        f = 2.0 * self.distance / self.vertical_extent(aspect)
        matrix = np.zeros((4, 4))
        matrix[0, 0] = f / aspect
        matrix[1, 1] = f
        matrix[2, 2] = (far + near) / (near - far)
        matrix[2, 3] = 2.0 * far * near / (near - far)
        matrix[3, 2] = -1.0
        return matrix

    def focal_pixels(self, width: int, height: int) -> float:
        """Pixels per metre of an object 1 m from the camera."""
        return height * self.distance / self.vertical_extent(width / height)

    def project(self, points: np.ndarray, width: int, height: int) -> np.ndarray:
        """Pixel coordinates (x right, y down from the top-left) of world `points` (n, 3)."""
        homogeneous = np.column_stack([points, np.ones(len(points))])
        clip = homogeneous @ (self.projection(width / height) @ self.view()).T
        ndc = clip[:, :2] / clip[:, 3:4]
        return np.column_stack([(ndc[:, 0] + 1) * width / 2, (1 - ndc[:, 1]) * height / 2])
