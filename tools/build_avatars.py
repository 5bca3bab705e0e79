"""Regenerate the bundled avatar assets (deterministic for their seeds).

python tools/build_avatars.py              # every bundled avatar
python tools/build_avatars.py demo-avatar  # only these
"""

from __future__ import annotations

import argparse
import time

from avatar_player.avatar.asset import save_avatar
from avatar_player.avatar.head import build_avatar
from avatar_player.avatar.library import AVATARS_DIR, BUNDLED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="avatar ids (default: all bundled)")
    args = parser.parse_args()
    unknown = set(args.ids) - {spec.avatar_id for spec in BUNDLED}
    if unknown:
        parser.error(f"unknown avatar ids: {', '.join(sorted(unknown))}")
    for spec in BUNDLED:
        if args.ids and spec.avatar_id not in args.ids:
            continue
        start = time.perf_counter()
        avatar = build_avatar(spec.avatar_id, spec.name, spec.seed)
        save_avatar(avatar, AVATARS_DIR / spec.avatar_id)
        size = sum(p.stat().st_size for p in (AVATARS_DIR / spec.avatar_id).iterdir())
        print(
            f"{spec.avatar_id}: {avatar.info.splat_count} splats, {size / 1e6:.2f} MB, "
            f"{time.perf_counter() - start:.1f} s"
        )


if __name__ == "__main__":
    main()
