"""The on-disk avatar cache: `<root>/<avatar id>/<version>/`.

A version directory holds the verified asset files, `<asset>.part` files of downloads in
progress, and `metadata.json` (the index), written last: a version is in the cache only
while its index is there.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from avatar_player.avatar_manager.metadata import INDEX_FILE, AvatarMetadata, parse_metadata

log = logging.getLogger("avatar_player.avatar_manager")


class AvatarCache:
    """Versions of avatars on disk under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, avatar_id: str, version: int | str) -> Path:
        """Where the files of this version live."""
        return self.root / avatar_id / str(version)

    def entry(self, avatar_id: str, version: int | str) -> AvatarMetadata | None:
        """The indexed metadata of a cached version, if any."""
        path = self.directory(avatar_id, version) / INDEX_FILE
        try:
            return parse_metadata(json.loads(path.read_text(encoding="utf-8")), avatar_id)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable cache index %s: %s", path, exc)
            return None

    def latest(self, avatar_id: str) -> AvatarMetadata | None:
        """The most recently completed cached version of `avatar_id`, if any."""
        indexes = sorted(
            (self.root / avatar_id).glob(f"*/{INDEX_FILE}"), key=lambda p: p.stat().st_mtime_ns
        )
        entries = (self.entry(avatar_id, path.parent.name) for path in reversed(indexes))
        return next((meta for meta in entries if meta is not None), None)

    def commit(self, meta: AvatarMetadata) -> None:
        """Index a version whose assets are all verified; drop the id's other versions."""
        directory = self.directory(meta.id, meta.version)
        with tempfile.NamedTemporaryFile(
            "w", dir=directory, prefix=".index-", delete=False, encoding="utf-8"
        ) as tmp:
            json.dump(meta.raw, tmp)
        os.replace(tmp.name, directory / INDEX_FILE)
        for other in (self.root / meta.id).iterdir():
            if other != directory:
                shutil.rmtree(other, ignore_errors=True)

    def invalidate(self, meta: AvatarMetadata) -> None:
        """Take a version out of the cache (its files stay, to be verified again)."""
        (self.directory(meta.id, meta.version) / INDEX_FILE).unlink(missing_ok=True)
