"""Avatar metadata and asset files over HTTP, from `<asset root>/<avatar id>/`.

Each avatar directory holds `metadata.json` and the asset files (every other regular,
non-hidden file). The service never reads inside an asset: it serves the files (with HTTP
Range) and adds their size and SHA-256 to the metadata it serves.

An avatar configured for some apps only is served to callers that prove they are one of
them (`X-Api-Key`, or `X-App-ID` with a session token in `X-Session-Key`); to anyone else it
does not exist (404), exactly like an unknown id.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from avatar_player.protocol.constants import API_KEY_HEADER, APP_ID_HEADER, SESSION_KEY_HEADER
from avatar_player.server.config import AvatarConfig, ServerConfig
from avatar_player.server.refusal import Refusal
from avatar_player.server.tokens import TokenAuthority

log = logging.getLogger("avatar_player.server.assets")

METADATA_FILE = "metadata.json"
_HASH_CHUNK = 1 << 20
_TITLES = {401: "Unauthorized", 404: "Not Found"}


class AssetError(Exception):
    """A refused request; the console answers it with its JSON error body."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = _TITLES.get(status, "Internal Server Error")
        self.detail = detail


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class AvatarAssets:
    """The `/avatars` routes for the configured avatars, with an in-memory hash cache."""

    def __init__(
        self,
        config: ServerConfig,
        tokens: TokenAuthority,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._tokens = tokens
        self._clock = clock
        self._root = config.asset_root
        self._hashes: dict[Path, tuple[int, int, str]] = {}
        """path -> (mtime_ns, size, sha256); a file is hashed again when either changes."""

    def routes(self) -> list[web.RouteDef]:
        """The routes to add to the console application."""
        return [
            web.get("/avatars", self.list_avatars),
            web.get("/avatars/{avatar_id}", self.metadata),
            web.get("/avatars/{avatar_id}/assets/{name}", self.asset),
        ]

    async def list_avatars(self, request: web.Request) -> web.Response:
        """`[{id, name, version}]` of the avatars the caller may open whose metadata is
        present."""
        caller = self._caller(request)
        listed = []
        for avatar in self._config.avatars:
            if not avatar.open_to(caller):
                continue
            try:
                version = self._read_metadata(avatar)["version"]
            except AssetError as exc:
                log.debug("avatar %s not listed: %s", avatar.id, exc)
                continue
            listed.append({"id": avatar.id, "name": avatar.name, "version": version})
        return web.json_response(listed)

    async def metadata(self, request: web.Request) -> web.Response:
        """metadata.json with the configured id and name, plus `assets` (size, SHA-256, URL)."""
        avatar = self._avatar(request)
        meta = self._read_metadata(avatar)
        files = self._asset_files(avatar)
        if not files:
            raise AssetError(404, "avatar_asset_missing", "avatar asset missing")
        base = f"/avatars/{quote(avatar.id, safe='')}/assets/"
        assets = []
        for path in files:
            size, sha256 = await self._describe(path)
            url = base + quote(path.name, safe="")
            assets.append({"name": path.name, "size": size, "sha256": sha256, "url": url})
        return web.json_response(meta | {"id": avatar.id, "name": avatar.name, "assets": assets})

    async def asset(self, request: web.Request) -> web.StreamResponse:
        """One asset file, Range supported; names other than the listed assets are refused."""
        avatar = self._avatar(request)
        name = request.match_info["name"]
        path = next((p for p in self._asset_files(avatar) if p.name == name), None)
        if path is None:
            raise AssetError(404, "asset_not_found", "asset not found")
        log.info("asset %s/%s range=%s", avatar.id, name, request.headers.get("Range", "-"))
        return web.FileResponse(path)

    def _avatar(self, request: web.Request) -> AvatarConfig:
        """The requested avatar, if the caller may open it."""
        avatar = self._config.avatar_for(request.match_info["avatar_id"], self._caller(request))
        if avatar is None:
            raise AssetError(404, "avatar_not_found", "avatar not found")
        return avatar

    def _caller(self, request: web.Request) -> str | None:
        """The app the request's credentials prove, None without credentials."""
        api_key = request.headers.get(API_KEY_HEADER)
        if api_key:
            app = self._config.app_for_key(api_key)
            if app is None:
                raise AssetError(401, "unauthorized", "invalid api key")
            return app.app_id
        app_id = request.headers.get(APP_ID_HEADER)
        token = request.headers.get(SESSION_KEY_HEADER)
        if not (app_id and token):
            return None
        try:
            self._tokens.verify(token, app_id, self._clock())
        except Refusal as refusal:
            raise AssetError(401, "unauthorized", str(refusal)) from None
        return app_id

    def _read_metadata(self, avatar: AvatarConfig) -> dict[str, Any]:
        path = self._root / avatar.id / METADATA_FILE
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AssetError(404, "avatar_asset_missing", "avatar asset missing") from None
        except (OSError, ValueError):
            meta = None
        if not isinstance(meta, dict) or not isinstance(meta.get("version"), int | str):
            log.warning("%s is not a JSON object with a version", path)
            raise AssetError(500, "avatar_metadata_invalid", "avatar metadata invalid")
        return meta

    def _asset_files(self, avatar: AvatarConfig) -> list[Path]:
        try:
            entries = list((self._root / avatar.id).iterdir())
        except OSError:
            return []
        return sorted(
            path
            for path in entries
            if path.name != METADATA_FILE
            and not path.name.startswith(".")
            and not path.is_symlink()
            and path.is_file()
        )

    async def _describe(self, path: Path) -> tuple[int, str]:
        """Size and SHA-256 of an asset file."""
        stat = path.stat()
        cached = self._hashes.get(path)
        if cached is None or cached[:2] != (stat.st_mtime_ns, stat.st_size):
            digest = await asyncio.to_thread(_sha256_file, path)
            cached = self._hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return stat.st_size, cached[2]
