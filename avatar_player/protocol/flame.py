"""The commercial motion format: FLAME-style keyframes at 25 fps.

A recorded response (`keyframes.json`: reqId, startTime, endTime, keyframesCount,
keyframes[]) converts to MotionFrames; `expression[100]` PCA coefficients are
ignored (we do not have their model). Semantic channels stay neutral: renderers
derive jaw opening, blinks and gaze from the joint channels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from avatar_player.protocol.constants import frame_sample
from avatar_player.protocol.motion import FLAME_CHANNELS, LAYOUT, MotionFrame, neutral_vector

# Our channel name -> the commercial keyframe's key.
KEYFRAME_KEYS: dict[str, str] = {
    "translation": "translation",
    "rotation": "rotation",
    "neck_pose": "neckPose",
    "jaw_pose": "jawPose",
    "eye_pose": "eyePose",
    "eye_lid": "eyeLid",
}


class KeyframeError(ValueError):
    """A keyframe is missing a channel, has the wrong size or non-finite values."""


def frame_from_keyframe(index: int, keyframe: Mapping[str, Any], sample_rate: int) -> MotionFrame:
    """Frame `index` (shown at index/25 s) from one commercial keyframe."""
    values = neutral_vector()
    for name, size in FLAME_CHANNELS:
        key = KEYFRAME_KEYS[name]
        try:
            with np.errstate(over="ignore"):  # out-of-range numbers become inf: refused below
                components = np.asarray(keyframe[key], dtype=np.float32)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise KeyframeError(f"keyframe {index}: bad or missing {key}") from exc
        if components.shape != (size,) or not np.all(np.isfinite(components)):
            raise KeyframeError(f"keyframe {index}: {key} must be {size} finite numbers")
        values[LAYOUT[name]] = components
    return MotionFrame(index, frame_sample(index, sample_rate), values)


def frames_from_keyframes(
    keyframes: Sequence[Mapping[str, Any]], sample_rate: int
) -> list[MotionFrame]:
    """All keyframes of a recorded response, stamped at `sample_rate`."""
    return [frame_from_keyframe(i, keyframe, sample_rate) for i, keyframe in enumerate(keyframes)]


def load_keyframes(path: str | Path, sample_rate: int) -> list[MotionFrame]:
    """Read a `keyframes.json` recording."""
    try:
        document = json.loads(Path(path).read_text())
        keyframes = document["keyframes"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise KeyframeError(f"{path}: not a keyframes recording ({exc})") from exc
    if not isinstance(keyframes, list):
        raise KeyframeError(f"{path}: keyframes must be a list")
    return frames_from_keyframes(keyframes, sample_rate)
