"""Avatar metadata: fetching it from a console (`GET /avatars/{id}`) and checking its shape."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import aiohttp

from avatar_player.client.errors import AvatarError, Phase
from avatar_player.client.tokens import error_detail
from avatar_player.protocol.errors import ErrorCode

INDEX_FILE = "metadata.json"
"""The metadata's file name in the cache, written once every asset is verified."""

PART_SUFFIX = ".part"

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AssetInfo:
    """One asset file as the metadata describes it."""

    name: str
    size: int
    sha256: str
    url: str = field(compare=False)
    """Where to download it; equal assets may come from different URLs."""


@dataclass(frozen=True)
class AvatarMetadata:
    """The checked parts of an avatar's metadata, and the whole document in `raw`."""

    id: str
    name: str
    version: int | str
    assets: tuple[AssetInfo, ...]
    raw: dict[str, Any]


def safe_name(name: str) -> bool:
    """Whether `name` can be one path component in the cache (no traversal, no hidden files)."""
    return (
        bool(_SAFE_NAME.fullmatch(name)) and name != INDEX_FILE and not name.endswith(PART_SUFFIX)
    )


def _error(code: ErrorCode, message: str, status: int | None = None) -> AvatarError:
    return AvatarError(code, message, Phase.AVATAR_LOAD, http_status=status)


def parse_metadata(raw: object, avatar_id: str) -> AvatarMetadata:
    """Check a metadata document for `avatar_id`; ValueError says what is wrong."""
    if not isinstance(raw, dict) or raw.get("id") != avatar_id:
        raise ValueError(f"not the metadata of {avatar_id!r}")
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int | str):
        raise ValueError("version missing")
    if not safe_name(str(version)):
        raise ValueError(f"unusable version {version!r}")
    assets = []
    for item in raw.get("assets") or ():
        if not isinstance(item, dict):
            raise ValueError("asset entry is not an object")
        name, size, sha256, url = (item.get(k) for k in ("name", "size", "sha256", "url"))
        if not (isinstance(name, str) and safe_name(name)):
            raise ValueError(f"unusable asset name {name!r}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"{name}: bad size")
        if not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
            raise ValueError(f"{name}: bad sha256")
        if not isinstance(url, str):
            raise ValueError(f"{name}: bad url")
        assets.append(AssetInfo(name, size, sha256, url))
    if not assets or len({a.name for a in assets}) != len(assets):
        raise ValueError("no assets, or duplicate asset names")
    return AvatarMetadata(avatar_id, str(raw.get("name", avatar_id)), version, tuple(assets), raw)


async def fetch_avatar_list(http: aiohttp.ClientSession, base_url: str) -> list[tuple[str, str]]:
    """(id, name) of every avatar the service offers; AvatarError on any failure."""
    url = f"{base_url.rstrip('/')}/avatars"
    try:
        async with http.get(url) as response:
            status = response.status
            payload = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        message = f"avatar list request failed: {exc or type(exc).__name__}"
        raise _error(ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA, message) from None
    if status != 200 or not isinstance(payload, list):
        message = f"avatar list refused ({status}): {error_detail(payload) or 'no detail'}"
        raise _error(ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA, message, status)
    return [
        (str(item["id"]), str(item.get("name", item["id"])))
        for item in payload
        if isinstance(item, dict) and "id" in item
    ]


async def fetch_metadata(
    http: aiohttp.ClientSession, base_url: str, avatar_id: str
) -> AvatarMetadata:
    """The avatar's metadata, asset URLs made absolute; AvatarError on any failure."""
    url = f"{base_url.rstrip('/')}/avatars/{quote(avatar_id, safe='')}"
    try:
        async with http.get(url) as response:
            status = response.status
            body = await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        message = f"metadata request failed: {exc or type(exc).__name__}"
        raise _error(ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA, message) from None
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if status == 200:
        try:
            meta = parse_metadata(payload, avatar_id)
        except ValueError as exc:
            message = f"invalid metadata: {exc}"
            raise _error(ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA, message, status) from None
        assets = tuple(replace(a, url=urljoin(url, a.url)) for a in meta.assets)
        foreign = [a.name for a in assets if _origin(a.url) != _origin(url)]
        if foreign:  # the session's credentials go with every request: never to another host
            message = f"invalid metadata: asset {foreign[0]} is on another host"
            raise _error(ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA, message, status)
        return replace(meta, assets=assets)
    detail = error_detail(payload)
    code = ErrorCode.FAILED_TO_FETCH_AVATAR_METADATA
    if status == 404 and detail == "avatar not found":
        code = ErrorCode.AVATAR_ID_UNRECOGNIZED
    elif status == 404 and detail == "avatar asset missing":
        code = ErrorCode.AVATAR_ASSET_MISSING
    message = f"metadata request refused ({status}): {detail or 'no detail'}"
    raise _error(code, message, status)


def _origin(url: str) -> tuple[str, str]:
    """Scheme and host:port of `url`."""
    parts = urlsplit(url)
    return parts.scheme, parts.netloc
