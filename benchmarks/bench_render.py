"""Frame time of the splat renderer per quality tier and resolution (headless EGL).

Renders speech motion (MotionGenerator on a bundled clip, idle layer on) and prints the
median and 95th percentile frame time, GPU work included (glFinish after each frame).
Each configuration runs at most FRAMES frames or about SECONDS_PER_CASE seconds, so the
full tier on a software rasteriser still finishes in a couple of minutes.

    python benchmarks/bench_render.py [avatar-id]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np
import soundfile as sf

from avatar_player.avatar.library import load_avatar
from avatar_player.motion import MotionGenerator
from avatar_player.render import gl
from avatar_player.render.offscreen import OffscreenContext
from avatar_player.render.renderer import AvatarRenderer
from avatar_player.render.tiers import TIERS

CLIP = Path(__file__).resolve().parents[1] / "resources" / "clips" / "hello_16k.wav"
RESOLUTIONS = ((640, 360), (1280, 720))
FRAMES = 60
SECONDS_PER_CASE = 8.0


def speech_poses() -> list[np.ndarray]:
    pcm, rate = sf.read(CLIP, dtype="int16")
    generator = MotionGenerator(rate)
    return [frame.values for frame in generator.push(pcm) + generator.finish()]


def bench(avatar_id: str) -> None:
    avatar = load_avatar(avatar_id)
    poses = speech_poses()
    print(f"avatar={avatar_id} splats={avatar.info.splat_count}")
    for width, height in RESOLUTIONS:
        with OffscreenContext(width, height) as context:
            for tier in TIERS:
                renderer = AvatarRenderer(avatar, tier=tier)
                renderer.initialize()
                renderer.resize(width, height)
                times: list[float] = []
                started = time.perf_counter()
                while len(times) < FRAMES and time.perf_counter() - started < SECONDS_PER_CASE:
                    frame = len(times)
                    start = time.perf_counter()
                    renderer.render(poses[frame % len(poses)], frame / 25, context.framebuffer.id)
                    gl.finish()
                    times.append(time.perf_counter() - start)
                ms = np.array(times[1:]) * 1000  # the first frame warms caches up
                scale = renderer.tier.scale
                print(
                    f"{width}x{height} tier={tier:<7} splats={renderer.splat_count:>6} "
                    f"internal={round(width * scale)}x{round(height * scale)} frames={len(ms):>3} "
                    f"median={np.median(ms):6.1f} ms p95={np.percentile(ms, 95):6.1f} ms "
                    f"({1000 / np.median(ms):5.1f} fps)"
                )
                renderer.release()
    print(f"renderer: {renderer.renderer_name}")


def main() -> None:
    bench(sys.argv[1] if len(sys.argv) > 1 else "demo-avatar")


if __name__ == "__main__":
    main()
