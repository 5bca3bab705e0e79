"""Downloading one asset: resumable (HTTP Range), retried with backoff, verified by SHA-256.

Bytes go to `<asset>.part`; the file gets its final name only once its size and hash match
the metadata. A network failure keeps the partial file (the next attempt, or the next load,
resumes from it); wrong bytes (hash or size mismatch, refused range) delete it.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from collections.abc import Callable
from pathlib import Path

import aiohttp

from avatar_player.avatar_manager.metadata import PART_SUFFIX, AssetInfo
from avatar_player.client.errors import AvatarError, Phase
from avatar_player.client.retry import RetryPolicy
from avatar_player.protocol.errors import ErrorCode

_CHUNK = 1 << 18
_CONTENT_RANGE = re.compile(r"bytes (\d+)-")


class _WrongBytes(Exception):
    """What was received cannot become the asset: the partial file is discarded."""


class _Transient(Exception):
    """A failure worth retrying from where the partial file ends."""


def part_path(path: Path) -> Path:
    """The partial file of a download to `path`."""
    return path.with_name(path.name + PART_SUFFIX)


def _hash_file(path: Path) -> tuple[hashlib._Hash, int]:
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        pass
    return digest, size


async def is_verified(path: Path, asset: AssetInfo) -> bool:
    """Whether `path` holds exactly the asset's bytes."""
    digest, size = await asyncio.to_thread(_hash_file, path)
    return size == asset.size and path.exists() and digest.hexdigest() == asset.sha256


async def download_asset(
    http: aiohttp.ClientSession,
    asset: AssetInfo,
    path: Path,
    on_bytes: Callable[[int], None],
    *,
    policy: RetryPolicy,
    rng: random.Random,
) -> None:
    """Download `asset` to `path`, reporting the bytes held so far to `on_bytes`.

    AvatarError(failedToDownloadAvatarAssets) once `policy.max_attempts` attempts failed,
    or at once when the server refuses the asset (4xx). The partial file is removed after
    wrong bytes, a refusal or cancellation; after network failures it stays to be resumed.
    """
    part = part_path(path)
    failure = ""
    try:
        for attempt in range(policy.max_attempts):
            if attempt:
                await asyncio.sleep(policy.delay_s(attempt - 1, rng))
            try:
                await _attempt(http, asset, part, on_bytes)
            except _WrongBytes as exc:
                part.unlink(missing_ok=True)
                failure = str(exc)
            except (_Transient, aiohttp.ClientError, TimeoutError) as exc:
                failure = str(exc) or type(exc).__name__
            else:
                part.replace(path)
                return
    except (asyncio.CancelledError, AvatarError):
        part.unlink(missing_ok=True)
        raise
    message = f"{asset.name}: {failure} (after {policy.max_attempts} attempts)"
    raise AvatarError(ErrorCode.FAILED_TO_DOWNLOAD_AVATAR_ASSETS, message, Phase.AVATAR_LOAD)


async def _attempt(
    http: aiohttp.ClientSession, asset: AssetInfo, part: Path, on_bytes: Callable[[int], None]
) -> None:
    digest, held = await asyncio.to_thread(_hash_file, part)
    if held < asset.size:
        on_bytes(held)
        headers = {"Range": f"bytes={held}-"} if held else {}
        async with http.get(asset.url, headers=headers) as response:
            if response.status == 206:
                match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                if match is None or int(match[1]) != held:
                    raise _WrongBytes("server answered another range")
            elif response.status == 200:
                digest, held = hashlib.sha256(), 0
            elif response.status == 416:
                raise _WrongBytes("server refused the range: asset smaller than announced")
            elif response.status >= 500:
                raise _Transient(f"server error {response.status}")
            else:
                message = f"{asset.name}: download refused ({response.status})"
                raise AvatarError(
                    ErrorCode.FAILED_TO_DOWNLOAD_AVATAR_ASSETS,
                    message,
                    Phase.AVATAR_LOAD,
                    http_status=response.status,
                )
            with part.open("ab" if held else "wb") as file:
                async for chunk in response.content.iter_chunked(_CHUNK):
                    held += len(chunk)
                    if held > asset.size:
                        raise _WrongBytes("more bytes than announced")
                    file.write(chunk)
                    digest.update(chunk)
                    on_bytes(held)
    if held != asset.size:
        raise _WrongBytes(f"got {held} of {asset.size} bytes")
    if digest.hexdigest() != asset.sha256:
        raise _WrongBytes("SHA-256 mismatch")
