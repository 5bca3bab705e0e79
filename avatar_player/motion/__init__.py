"""Audio -> motion: a streaming DSP estimator of face, jaw, eye and head motion from speech."""

from avatar_player.motion.generator import JAW_POSE_OPEN_RAD, MotionGenerator

__all__ = ["JAW_POSE_OPEN_RAD", "MotionGenerator"]
