"""AvatarManager against a real Motion Server: downloads, cache, errors, resume, cancel."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from conftest import ASSET, AVATAR_ID, ROOT, get, write_avatar

from avatar_player.avatar_manager import Avatar, AvatarManager
from avatar_player.client import AvatarError, Phase
from avatar_player.client.retry import RetryPolicy
from avatar_player.protocol.errors import ErrorCode
from avatar_player.server import MotionServer

ServerFactory = Callable[..., Awaitable[MotionServer]]

FAST_RETRY = RetryPolicy(base_s=0.01, cap_s=0.02, max_attempts=3)
REPOSITORY_AVATARS = ROOT / "resources" / "avatars"


class Env:
    """A server on a tmp asset root, a tmp cache and the server's asset request log."""

    def __init__(self, server: MotionServer, tmp_path: Path, caplog: pytest.LogCaptureFixture):
        self.server = server
        self.asset_root = tmp_path / "assets"
        self.cache_dir = tmp_path / "cache"
        self._caplog = caplog

    def manager(self) -> AvatarManager:
        return AvatarManager(self.server.console_url, self.cache_dir, retry=FAST_RETRY)

    def asset_requests(self) -> list[str]:
        """The Range header ("-": none) of every asset request the server answered."""
        return [
            record.getMessage().rsplit("range=", 1)[1]
            for record in self._caplog.records
            if record.name == "avatar_player.server.assets"
        ]

    def version_dir(self, version: int = 1) -> Path:
        return self.cache_dir / AVATAR_ID / str(version)


@pytest.fixture
async def env(
    server_factory: ServerFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> Env:
    caplog.set_level(logging.INFO, logger="avatar_player.server.assets")
    write_avatar(tmp_path / "assets")
    return Env(await server_factory(asset_root=tmp_path / "assets"), tmp_path, caplog)


@pytest.fixture
async def manager(env: Env) -> AsyncIterator[AvatarManager]:
    async with env.manager() as manager:
        yield manager


def server_bytes(env: Env) -> bytes:
    return (env.asset_root / AVATAR_ID / ASSET).read_bytes()


async def load_error(manager: AvatarManager, avatar_id: str = AVATAR_ID) -> AvatarError:
    with pytest.raises(AvatarError) as info:
        await manager.load(avatar_id)
    assert info.value.phase is Phase.AVATAR_LOAD
    return info.value


def assert_not_cached(env: Env) -> None:
    """No asset, partial file or index of version 1 is left in the cache."""
    assert not any(env.version_dir().iterdir())


async def test_first_load_downloads_and_verifies(env: Env, manager: AvatarManager) -> None:
    reports: list[tuple[int, int]] = []
    avatar = await manager.load(AVATAR_ID, progress=lambda *report: reports.append(report))
    size = len(server_bytes(env))
    assert (avatar.id, avatar.name, avatar.version) == (AVATAR_ID, "Demo Avatar", 1)
    assert avatar.size == size
    assert avatar.metadata["splat_count"] == 1234 and not avatar.offline
    assert avatar.files == {ASSET: env.version_dir() / ASSET}
    assert avatar.files[ASSET].read_bytes() == server_bytes(env)
    assert reports[-1] == (size, size)
    assert all(total == size for _, total in reports)
    assert sorted(p.name for p in env.version_dir().iterdir()) == [ASSET, "metadata.json"]
    assert env.asset_requests() == ["-"]


async def test_second_load_comes_from_the_cache(env: Env, manager: AvatarManager) -> None:
    first = await manager.load(AVATAR_ID)
    assert await manager.load(AVATAR_ID) is first  # in memory
    manager.release(AVATAR_ID)
    reports: list[tuple[int, int]] = []
    again = await manager.load(AVATAR_ID, progress=lambda *report: reports.append(report))
    async with env.manager() as fresh:
        other = await fresh.load(AVATAR_ID)
    assert again is not first
    assert again == first == other
    assert reports == [(first.size, first.size)]
    assert env.asset_requests() == ["-"]


async def test_concurrent_loads_share_one_download(env: Env, manager: AvatarManager) -> None:
    seen: dict[str, int] = {"a": 0, "b": 0}

    def progress(key: str) -> Callable[[int, int], None]:
        return lambda done, _total: seen.__setitem__(key, done)

    a, b = await asyncio.gather(
        manager.load(AVATAR_ID, progress("a")), manager.load(AVATAR_ID, progress("b"))
    )
    assert a is b
    assert seen == {"a": a.size, "b": a.size}
    assert env.asset_requests() == ["-"]


async def test_unknown_id_is_unrecognized(env: Env, manager: AvatarManager) -> None:
    error = await load_error(manager, "nobody")
    assert error.code is ErrorCode.AVATAR_ID_UNRECOGNIZED
    assert error.http_status == 404
    error = await load_error(manager, "../escape")
    assert error.code is ErrorCode.AVATAR_ID_UNRECOGNIZED


async def test_avatar_without_assets_on_the_server_is_missing(manager: AvatarManager) -> None:
    error = await load_error(manager, "demo-avatar-auburn")
    assert error.code is ErrorCode.AVATAR_ASSET_MISSING


async def test_broken_metadata_fails_to_fetch(env: Env, manager: AvatarManager) -> None:
    (env.asset_root / AVATAR_ID / "metadata.json").write_text("[1, 2")
    error = await load_error(manager)
    assert error.code is ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA
    assert error.http_status == 500


async def test_stopped_service_fails_to_fetch_metadata(env: Env, manager: AvatarManager) -> None:
    await env.server.stop()
    error = await load_error(manager)
    assert error.code is ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA
    assert not env.cache_dir.exists() or not any(env.cache_dir.iterdir())


async def test_cached_avatar_loads_offline_with_a_warning(
    env: Env, manager: AvatarManager, caplog: pytest.LogCaptureFixture
) -> None:
    online = await manager.load(AVATAR_ID)
    await env.server.stop()
    async with env.manager() as offline_manager:
        offline = await offline_manager.load(AVATAR_ID)
    assert offline.offline and offline.files == online.files
    assert any(
        r.levelno == logging.WARNING and "loading cached" in r.getMessage() for r in caplog.records
    )


@pytest.mark.parametrize("fault", ["corrupted", "truncated"])
async def test_bad_asset_fails_to_download_and_leaves_nothing(
    env: Env, manager: AvatarManager, fault: str
) -> None:
    path = env.asset_root / AVATAR_ID / ASSET
    if fault == "corrupted":  # bit rot that the server's hash cache does not notice
        await get(env.server, f"/avatars/{AVATAR_ID}")
        stat = path.stat()
        path.write_bytes(b"rot" + path.read_bytes()[3:])
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        progress = None
    else:  # the file shrinks on the server after the metadata went out

        def progress(_done: int, _total: int) -> None:
            if path.stat().st_size > 1000:
                path.write_bytes(path.read_bytes()[:1000])

    with pytest.raises(AvatarError) as info:
        await manager.load(AVATAR_ID, progress)
    assert info.value.code is ErrorCode.FAILED_TO_DOWNLOAD_AVATAR_ASSETS
    assert len(env.asset_requests()) == FAST_RETRY.max_attempts
    assert_not_cached(env)


async def test_deleted_cache_file_is_missing_then_downloaded_again(
    env: Env, manager: AvatarManager
) -> None:
    avatar = await manager.load(AVATAR_ID)
    manager.release(AVATAR_ID)
    avatar.files[ASSET].unlink()
    error = await load_error(manager)
    assert error.code is ErrorCode.AVATAR_ASSET_MISSING
    again = await manager.load(AVATAR_ID)
    assert again.files[ASSET].read_bytes() == server_bytes(env)
    assert env.asset_requests() == ["-", "-"]


async def test_download_resumes_from_a_partial_file(env: Env, manager: AvatarManager) -> None:
    data = server_bytes(env)
    env.version_dir().mkdir(parents=True)
    (env.version_dir() / f"{ASSET}.part").write_bytes(data[:40_000])
    reports: list[int] = []
    avatar = await manager.load(AVATAR_ID, lambda done, _total: reports.append(done))
    assert avatar.files[ASSET].read_bytes() == data
    assert env.asset_requests() == ["bytes=40000-"]
    assert reports[0] == 40_000


async def test_wrong_partial_file_is_discarded(env: Env, manager: AvatarManager) -> None:
    env.version_dir().mkdir(parents=True)
    (env.version_dir() / f"{ASSET}.part").write_bytes(b"\0" * 40_000)
    avatar = await manager.load(AVATAR_ID)
    assert avatar.files[ASSET].read_bytes() == server_bytes(env)
    assert env.asset_requests() == ["bytes=40000-", "-"]


async def test_new_version_replaces_the_cached_one(env: Env, manager: AvatarManager) -> None:
    await manager.load(AVATAR_ID)
    manager.release(AVATAR_ID)
    write_avatar(env.asset_root, version=2)
    avatar = await manager.load(AVATAR_ID)
    assert avatar.version == 2
    assert avatar.files[ASSET].read_bytes() == server_bytes(env)
    assert [p.name for p in (env.cache_dir / AVATAR_ID).iterdir()] == ["2"]


async def test_cancel_stops_a_download_and_leaves_no_part(env: Env, manager: AvatarManager) -> None:
    write_avatar(env.asset_root, size=16 << 20)

    def cancel_once_started(done: int, _total: int) -> None:
        if done:
            assert manager.cancel(AVATAR_ID)

    first = asyncio.ensure_future(manager.load(AVATAR_ID, cancel_once_started))
    joined = asyncio.ensure_future(manager.load(AVATAR_ID))
    for waiter in (first, joined):
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert_not_cached(env)
    assert not manager.cancel(AVATAR_ID)
    avatar: Avatar = await manager.load(AVATAR_ID)
    assert avatar.files[ASSET].stat().st_size == 16 << 20


@pytest.mark.skipif(
    not any(REPOSITORY_AVATARS.glob("*/metadata.json")), reason="no assets in resources/avatars"
)
async def test_repository_avatars_load(server: MotionServer, tmp_path: Path) -> None:
    async with AvatarManager(server.console_url, tmp_path) as manager:
        for configured in server.config.avatars:
            avatar = await manager.load(configured.id)
            assert avatar.metadata["splat_count"] > 0
            assert avatar.metadata["blendshapes"]
            assert all(path.stat().st_size for path in avatar.files.values())
