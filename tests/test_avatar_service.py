"""The console's `/avatars` routes over real HTTP: metadata, hashes, Range, refusals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import ASSET, AVATAR_ID, ROOT, get, write_avatar

from avatar_player.server import MotionServer, load_config
from avatar_player.server import assets as assets_module
from avatar_player.server.__main__ import config_from_args, parse_args

ServerFactory = Callable[..., Awaitable[MotionServer]]


@pytest.fixture
async def served(server_factory: ServerFactory, tmp_path: Path) -> tuple[MotionServer, bytes]:
    """A server whose asset root holds demo-avatar (demo-avatar-auburn has no directory)."""
    data = write_avatar(tmp_path / "assets")
    (tmp_path / "assets" / "secret.txt").write_text("not an asset")
    return await server_factory(asset_root=tmp_path / "assets"), data


async def test_list_shows_the_avatars_with_assets(served: tuple[MotionServer, bytes]) -> None:
    server, _ = served
    status, body, _ = await get(server, "/avatars")
    assert status == 200
    assert json.loads(body) == [{"id": AVATAR_ID, "name": "Demo Avatar", "version": 1}]


async def test_metadata_merges_size_hash_and_url(served: tuple[MotionServer, bytes]) -> None:
    server, data = served
    status, body, _ = await get(server, f"/avatars/{AVATAR_ID}")
    assert status == 200
    meta = json.loads(body)
    assert meta["id"] == AVATAR_ID and meta["name"] == "Demo Avatar"  # the config's name
    assert meta["version"] == 1
    assert meta["splat_count"] == 1234
    assert meta["blendshapes"] == ["jaw_open", "blink_left"]
    assert meta["assets"] == [
        {
            "name": ASSET,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "url": f"/avatars/{AVATAR_ID}/assets/{ASSET}",
        }
    ]
    status, body, _ = await get(server, meta["assets"][0]["url"])
    assert status == 200
    assert body == data


async def test_asset_supports_range(served: tuple[MotionServer, bytes]) -> None:
    server, data = served
    status, body, headers = await get(
        server, f"/avatars/{AVATAR_ID}/assets/{ASSET}", Range="bytes=1000-"
    )
    assert status == 206
    assert body == data[1000:]
    assert headers["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"


@pytest.mark.parametrize(
    ("path", "status", "code", "detail"),
    [
        ("/avatars/nobody", 404, "avatar_not_found", "avatar not found"),
        ("/avatars/nobody/assets/avatar.npz", 404, "avatar_not_found", "avatar not found"),
        ("/avatars/demo-avatar-auburn", 404, "avatar_asset_missing", "avatar asset missing"),
        ("/avatars/demo-avatar/assets/other.npz", 404, "asset_not_found", "asset not found"),
    ],
)
async def test_refusals_have_json_error_bodies(
    served: tuple[MotionServer, bytes], path: str, status: int, code: str, detail: str
) -> None:
    server, _ = served
    got_status, body, _ = await get(server, path)
    assert got_status == status
    assert json.loads(body) == {
        "errors": [{"code": code, "status": status, "title": "Not Found", "detail": detail}]
    }


@pytest.mark.parametrize(
    "path",
    [
        "/avatars/demo-avatar/assets/..%2Fsecret.txt",
        "/avatars/demo-avatar/assets/%2E%2E%2Fsecret.txt",
        "/avatars/demo-avatar/assets/..%5Csecret.txt",
        "/avatars/demo-avatar/assets/metadata.json",
        "/avatars/demo-avatar/assets/link.txt",
        "/avatars/demo-avatar/assets/.hidden",
        "/avatars/..%2Fsecret.txt",
        "/avatars/demo-avatar/assets/../../secret.txt",
    ],
)
async def test_only_listed_assets_are_served(
    served: tuple[MotionServer, bytes], tmp_path: Path, path: str
) -> None:
    server, _ = served
    (tmp_path / "assets" / AVATAR_ID / "link.txt").symlink_to(tmp_path / "assets" / "secret.txt")
    (tmp_path / "assets" / AVATAR_ID / ".hidden").write_text("hidden")
    status, body, _ = await get(server, path)
    assert status == 404
    assert b"not an asset" not in body
    assert b"hidden" not in body
    _, meta, _ = await get(server, f"/avatars/{AVATAR_ID}")
    assert [asset["name"] for asset in json.loads(meta)["assets"]] == [ASSET]


async def test_unreadable_metadata_is_a_server_error(
    served: tuple[MotionServer, bytes], tmp_path: Path
) -> None:
    server, _ = served
    (tmp_path / "assets" / AVATAR_ID / "metadata.json").write_text("{not json")
    status, body, _ = await get(server, f"/avatars/{AVATAR_ID}")
    assert status == 500
    assert json.loads(body)["errors"][0]["detail"] == "avatar metadata invalid"


async def test_hashes_are_cached_until_the_file_changes(
    served: tuple[MotionServer, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = served
    hashed: list[Path] = []
    original = assets_module._sha256_file

    def counting(path: Path) -> str:
        hashed.append(path)
        return original(path)

    monkeypatch.setattr(assets_module, "_sha256_file", counting)
    for _ in range(3):
        await get(server, f"/avatars/{AVATAR_ID}")
    assert len(hashed) == 1
    new = b"changed" * 100
    (tmp_path / "assets" / AVATAR_ID / ASSET).write_bytes(new)
    _, body, _ = await get(server, f"/avatars/{AVATAR_ID}")
    assert len(hashed) == 2
    assert json.loads(body)["assets"][0]["sha256"] == hashlib.sha256(new).hexdigest()


def test_asset_root_defaults_to_the_repository_resources() -> None:
    assert load_config().asset_root == ROOT / "resources" / "avatars"


def test_asset_root_from_the_config_file_and_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    config.write_text('[server]\nasset_root = "my-assets"\n')
    assert load_config(config).asset_root == tmp_path / "my-assets"
    args = parse_args(["--config", str(config), "--asset-root", "/srv/avatars"])
    assert config_from_args(args).asset_root == Path("/srv/avatars")
