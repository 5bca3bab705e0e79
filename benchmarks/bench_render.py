"""Frame time and sharpness of the splat renderer per quality tier (headless EGL).

Renders speech motion (MotionGenerator on a bundled clip, idle layer on) and prints the
median and 95th percentile frame time, GPU work included (glFinish after each frame), the
process CPU time per frame (llvmpipe rasterises on several threads, so it can exceed the
wall time) and the splats drawn. At the window's default avatar view size it also prints
how sharp each tier is next to the full tier (render/sharpness.py: edge energy ratio and
SSIM over the avatar, mean of a few speech poses with the idle layer off). Each
configuration runs at most FRAMES frames or about SECONDS_PER_CASE seconds, so the full
tier on a software rasteriser still finishes in a few minutes.

    python benchmarks/bench_render.py [avatar-id] [--generate]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np
import soundfile as sf

from avatar_player.avatar.head import build_avatar
from avatar_player.avatar.library import BUNDLED, load_avatar
from avatar_player.avatar.model import Avatar
from avatar_player.motion import MotionGenerator
from avatar_player.render import gl
from avatar_player.render.offscreen import OffscreenContext
from avatar_player.render.renderer import AvatarRenderer
from avatar_player.render.sharpness import compare
from avatar_player.render.tiers import TIERS

CLIP = Path(__file__).resolve().parents[1] / "resources" / "clips" / "hello_16k.wav"
DEFAULT_VIEW = (980, 640)
"""The avatar view of the window at its default size (1400x860)."""
RESOLUTIONS = (DEFAULT_VIEW, (640, 360), (1280, 720))
FRAMES = 60
SECONDS_PER_CASE = 8.0
SHARPNESS_POSES = (10, 20, 30)
"""Frames of the clip's motion compared for sharpness (mid-word, mouth open)."""


def speech_poses() -> list[np.ndarray]:
    pcm, rate = sf.read(CLIP, dtype="int16")
    generator = MotionGenerator(rate)
    return [frame.values for frame in generator.push(pcm) + generator.finish()]


def time_tier(context: OffscreenContext, avatar: Avatar, tier: str, poses: list[np.ndarray]) -> str:
    """One line of frame times for `tier` at the context's size."""
    width, height = context.width, context.height
    renderer = AvatarRenderer(avatar, tier=tier)
    renderer.initialize()
    renderer.resize(width, height)
    times: list[float] = []
    drawn: list[int] = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    while len(times) < FRAMES and time.perf_counter() - started < SECONDS_PER_CASE:
        frame = len(times)
        start = time.perf_counter()
        renderer.render(poses[frame % len(poses)], frame / 25, context.framebuffer.id)
        gl.finish()
        times.append(time.perf_counter() - start)
        drawn.append(renderer.drawn_count)
    cpu_ms = (time.process_time() - cpu_started) / len(times) * 1000
    ms = np.array(times[1:]) * 1000  # the first frame warms caches up
    scale, splats = renderer.tier.scale, renderer.splat_count
    renderer.release()
    return (
        f"{width}x{height} tier={tier:<7} splats={splats:>6} "
        f"drawn={round(np.mean(drawn)):>6} internal={round(width * scale)}x"
        f"{round(height * scale)} frames={len(ms):>3} median={np.median(ms):6.1f} ms "
        f"p95={np.percentile(ms, 95):6.1f} ms ({1000 / np.median(ms):5.1f} fps) "
        f"cpu={cpu_ms:6.1f} ms/frame"
    )


def frames_of(
    context: OffscreenContext, avatar: Avatar, tier: str, poses: list[np.ndarray]
) -> list[np.ndarray]:
    """The avatar in each of `poses` at `tier`, idle layer off."""
    renderer = AvatarRenderer(avatar, tier=tier, idle=False)
    renderer.initialize()
    renderer.resize(context.width, context.height)
    frames = []
    for pose in poses:
        renderer.render(pose, 0.0, context.framebuffer.id)
        frames.append(renderer.read_pixels(context.framebuffer.id))
    renderer.release()
    return frames


def sharpness(context: OffscreenContext, avatar: Avatar, poses: list[np.ndarray]) -> None:
    """Print each tier's edge energy ratio and SSIM against the full tier."""
    chosen = [poses[i % len(poses)] for i in SHARPNESS_POSES]
    reference = frames_of(context, avatar, "full", chosen)
    for tier in TIERS:
        frames = frames_of(context, avatar, tier, chosen)
        scores = np.array([compare(f, r) for f, r in zip(frames, reference, strict=True)])
        edges, similarity = scores.mean(axis=0)
        print(
            f"{context.width}x{context.height} tier={tier:<7} sharpness vs full: "
            f"edge energy ratio={edges:5.3f} SSIM={similarity:6.4f}"
        )


def bench(avatar: Avatar) -> None:
    poses = speech_poses()
    print(f"avatar={avatar.info.avatar_id} splats={avatar.info.splat_count}")
    for width, height in RESOLUTIONS:
        with OffscreenContext(width, height) as context:
            for tier in TIERS:
                print(time_tier(context, avatar, tier, poses), flush=True)
            if (width, height) == DEFAULT_VIEW:
                sharpness(context, avatar, poses)
                print(f"renderer: {gl.renderer_name()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("avatar", nargs="?", default="demo-avatar", help="bundled avatar id")
    parser.add_argument(
        "--generate", action="store_true", help="build the avatar from the current code"
    )
    args = parser.parse_args()
    specs = {spec.avatar_id: spec for spec in BUNDLED}
    if args.avatar not in specs:
        parser.error(f"unknown avatar id {args.avatar!r}; bundled: {', '.join(specs)}")
    spec = specs[args.avatar]
    bench(
        build_avatar(spec.avatar_id, spec.name, spec.seed)
        if args.generate
        else load_avatar(args.avatar)
    )


if __name__ == "__main__":
    main()
