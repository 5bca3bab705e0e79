"""AvatarManager: load avatars by id from a console's `/avatars` routes, through a disk cache."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import platformdirs

from avatar_player.avatar_manager.cache import AvatarCache
from avatar_player.avatar_manager.download import download_asset, is_verified
from avatar_player.avatar_manager.metadata import (
    AvatarMetadata,
    fetch_avatar_list,
    fetch_metadata,
    safe_name,
)
from avatar_player.client.errors import AvatarError, Phase
from avatar_player.client.retry import RetryPolicy
from avatar_player.protocol.errors import ErrorCode

log = logging.getLogger("avatar_player.avatar_manager")

Progress = Callable[[int, int], None]
"""`progress(bytes_done, bytes_total)`; bytes_done goes back when a download restarts."""


@dataclass(frozen=True)
class Avatar:
    """A loaded avatar: its metadata and the local paths of its verified asset files."""

    id: str
    name: str
    version: int | str
    metadata: dict[str, Any]
    files: dict[str, Path]
    """Asset name -> file in the cache."""
    size: int
    """Bytes of all assets."""
    offline: bool = False
    """Loaded from the cache while the metadata service failed: may not be the newest."""


@dataclass(frozen=True)
class _Load:
    """A load in flight and the progress callbacks of everyone waiting for it."""

    task: asyncio.Task[Avatar]
    listeners: list[Progress]


def _report(listeners: list[Progress], done: int, total: int) -> None:
    for listener in listeners:
        listener(done, total)


def default_cache_dir() -> Path:
    """`<user cache dir>/avatar-player/avatars`."""
    return Path(platformdirs.user_cache_dir("avatar-player")) / "avatars"


class AvatarManager:
    """Loads avatars by id, shares concurrent loads of an id and keeps loaded ones in memory.

    The cache holds `<cache_dir>/<id>/<version>/`; a cached version loads with no asset
    request. When the metadata service fails, the last cached version loads, marked
    `offline`, with a warning. Errors are AvatarError with phase AVATAR_LOAD.
    """

    def __init__(
        self,
        base_url: str,
        cache_dir: str | Path | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout_s: float = 10.0,
        rng: random.Random | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.credentials = dict(credentials or {})
        """Headers proving the app (`X-Api-Key`, or `X-App-ID` + `X-Session-Key`): the
        server lists and serves an app's own avatars only to it."""
        self.cache = AvatarCache(Path(cache_dir) if cache_dir else default_cache_dir())
        self._retry = retry or RetryPolicy()
        self._timeout = aiohttp.ClientTimeout(sock_connect=timeout_s, sock_read=timeout_s)
        self._rng = rng or random.Random()
        self._http: aiohttp.ClientSession | None = None
        self._avatars: dict[str, Avatar] = {}
        self._loads: dict[str, _Load] = {}

    async def list_avatars(self) -> list[tuple[str, str]]:
        """(id, name) of the avatars the server offers."""
        return await fetch_avatar_list(self._session(), self.base_url)

    async def load(self, avatar_id: str, progress: Progress | None = None) -> Avatar:
        """The avatar `avatar_id`, from memory, the cache or the server.

        A load already in flight for the id is joined. Cancelling the caller does not stop
        it; `cancel(avatar_id)` does, and then raises CancelledError in every caller.
        """
        avatar = self._avatars.get(avatar_id)
        if avatar is not None:
            if progress is not None:
                progress(avatar.size, avatar.size)
            return avatar
        load = self._loads.get(avatar_id)
        if load is None:
            listeners: list[Progress] = []
            report = functools.partial(_report, listeners)
            task = asyncio.create_task(self._load(avatar_id, report), name=f"load {avatar_id}")
            load = _Load(task, listeners)
            load.task.add_done_callback(functools.partial(self._forget, avatar_id, load))
            self._loads[avatar_id] = load
        if progress is not None:
            load.listeners.append(progress)
        return await asyncio.shield(load.task)

    def cancel(self, avatar_id: str) -> bool:
        """Stop the load of `avatar_id` in flight (its partial files are removed)."""
        load = self._loads.get(avatar_id)
        return load is not None and load.task.cancel()

    def release(self, avatar_id: str) -> None:
        """Forget a loaded avatar; its files stay in the cache."""
        self._avatars.pop(avatar_id, None)

    async def close(self) -> None:
        """Cancel every load in flight and close the HTTP session."""
        tasks = [load.task for load in self._loads.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> AvatarManager:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _forget(self, avatar_id: str, load: _Load, task: asyncio.Task[Avatar]) -> None:
        if self._loads.get(avatar_id) is load:
            del self._loads[avatar_id]
        if not task.cancelled() and task.exception() is None:
            self._avatars[avatar_id] = task.result()

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=self._timeout, headers=self.credentials)
        return self._http

    async def _load(self, avatar_id: str, report: Progress) -> Avatar:
        if not safe_name(avatar_id):
            message = f"{avatar_id!r} cannot be an avatar id"
            raise AvatarError(ErrorCode.AVATAR_ID_UNRECOGNIZED, message, Phase.AVATAR_LOAD)
        try:
            meta = await fetch_metadata(self._session(), self.base_url, avatar_id)
        except AvatarError as exc:
            cached = self.cache.latest(avatar_id)
            if exc.code is not ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA or cached is None:
                raise
            log.warning("%s; loading cached %s version %s", exc.message, avatar_id, cached.version)
            return self._from_cache(cached, report, offline=True)
        cached = self.cache.entry(avatar_id, meta.version)
        if cached is not None and cached.assets == meta.assets:
            return self._from_cache(cached, report)
        return await self._download(meta, report)

    def _from_cache(self, meta: AvatarMetadata, report: Progress, offline: bool = False) -> Avatar:
        directory = self.cache.directory(meta.id, meta.version)
        for asset in meta.assets:
            path = directory / asset.name
            if not path.is_file() or path.stat().st_size != asset.size:
                self.cache.invalidate(meta)
                if path.is_file():
                    path.unlink()
                message = f"cached asset {path} is missing or damaged; load again to download it"
                raise AvatarError(ErrorCode.AVATAR_ASSET_MISSING, message, Phase.AVATAR_LOAD)
        return self._avatar(meta, report, offline)

    async def _download(self, meta: AvatarMetadata, report: Progress) -> Avatar:
        self.cache.invalidate(meta)
        directory = self.cache.directory(meta.id, meta.version)
        directory.mkdir(parents=True, exist_ok=True)
        total = sum(asset.size for asset in meta.assets)
        held = dict.fromkeys((asset.name for asset in meta.assets), 0)

        def on_bytes(name: str, count: int) -> None:
            held[name] = count
            report(sum(held.values()), total)

        for asset in meta.assets:
            path = directory / asset.name
            if await is_verified(path, asset):
                held[asset.name] = asset.size
                continue
            path.unlink(missing_ok=True)
            on_asset = functools.partial(on_bytes, asset.name)
            await download_asset(
                self._session(), asset, path, on_asset, policy=self._retry, rng=self._rng
            )
        self.cache.commit(meta)
        log.info("avatar %s version %s downloaded (%d bytes)", meta.id, meta.version, total)
        return self._avatar(meta, report)

    def _avatar(self, meta: AvatarMetadata, report: Progress, offline: bool = False) -> Avatar:
        directory = self.cache.directory(meta.id, meta.version)
        size = sum(asset.size for asset in meta.assets)
        report(size, size)
        files = {asset.name: directory / asset.name for asset in meta.assets}
        return Avatar(meta.id, meta.name, meta.version, meta.raw, files, size, offline)
