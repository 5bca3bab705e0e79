"""Fuzz target: a recorded commercial response's `keyframes.json` (FLAME keyframes).

The input is written to a file and read with `protocol.flame.load_keyframes`.

Property: the reader returns one frame per keyframe, each finite float32 of the full layout,
numbered in order and stamped at `frame_sample(index, rate)`, with the semantic channels
neutral; or it raises KeyframeError. Nothing else escapes (deeply nested JSON, numbers
beyond float range, keyframes that are not objects).

    python fuzz/fuzz_keyframes.py -runs=100000 -max_len=8192
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
from fuzz_common import ScratchFile, check_frame, fuzz

from avatar_player.protocol.constants import frame_sample
from avatar_player.protocol.flame import KEYFRAME_KEYS, KeyframeError, load_keyframes
from avatar_player.protocol.motion import (
    FLAME_CHANNELS,
    LAYOUT,
    SEMANTIC_CHANNELS,
    MotionFrame,
    frame_from_channels,
)

SAMPLE_RATE = 24000
SCRATCH = ScratchFile(".json")


def check_keyframe_frames(frames: Sequence[MotionFrame], keyframes: Sequence[object]) -> None:
    """Frames read from `keyframes`: one each, in order, finite, semantic channels neutral."""
    assert len(frames) == len(keyframes), (len(frames), len(keyframes))
    for index, frame in enumerate(frames):
        check_frame(frame)
        assert (frame.index, frame.sample) == (index, frame_sample(index, SAMPLE_RATE)), frame
        assert all(frame.scalar(name) == 0.0 for name in SEMANTIC_CHANNELS), frame.values


def TestOneInput(data: bytes) -> None:
    try:
        frames = load_keyframes(SCRATCH.write(data), SAMPLE_RATE)
    except KeyframeError as exc:
        assert str(exc), "KeyframeError without a message"
        return
    check_keyframe_frames(frames, json.loads(data)["keyframes"])


def keyframe(frame: MotionFrame) -> dict[str, object]:
    """The commercial keyframe of a frame (what `frame_from_keyframe` reads)."""
    document: dict[str, object] = {
        KEYFRAME_KEYS[name]: frame.values[LAYOUT[name]].tolist() for name, _ in FLAME_CHANNELS
    }
    document["expression"] = [0.0] * 100
    return document


def seeds() -> list[bytes]:
    """A short recording in the commercial layout, and damaged ones."""
    frames = [
        frame_from_channels(i, 0, jaw_pose=np.array([0.02 * i, 0, 0]), eye_lid=np.array([0.5, 0.5]))
        for i in range(4)
    ]
    recording = {
        "reqId": "20251113162847_fuzz",
        "startTime": 1763022527199,
        "endTime": 1763022527359,
        "keyframesCount": len(frames),
        "keyframes": [keyframe(frame) for frame in frames],
    }
    short_jaw = dict(recording, keyframes=[{**keyframe(frames[0]), "jawPose": [1]}])
    return [
        json.dumps(recording).encode(),
        json.dumps(dict(recording, keyframes=[])).encode(),
        json.dumps(short_jaw).encode(),
        b'{"keyframes": [{"jawPose": [1e999, 0, 0]}]}',
        b'{"keyframes": {}}',
        b"[]",
    ]


if __name__ == "__main__":
    fuzz(TestOneInput, "keyframes")
