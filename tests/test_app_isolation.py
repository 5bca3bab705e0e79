"""An app's own avatar is invisible to other apps: at the ingress, in the avatar list, in
its metadata and assets, and through the player's AvatarManager. To a caller that may not
open it, it looks exactly like an id that does not exist."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import (
    API_KEY,
    APP_ID,
    ASSET,
    AVATAR_ID,
    connect,
    default_apps,
    get,
    second_app,
    write_avatar,
)

from avatar_player.avatar_manager import AvatarManager
from avatar_player.client import AvatarError
from avatar_player.protocol.constants import APP_ID_HEADER, SESSION_KEY_HEADER
from avatar_player.protocol.errors import ErrorCode, ServerFailure
from avatar_player.server import MotionServer
from avatar_player.server.config import AvatarConfig

ServerFactory = Callable[..., Awaitable[MotionServer]]
PRIVATE = "other-private"
OTHER_KEY = "other-key"


@pytest.fixture
async def server(server_factory: ServerFactory, tmp_path: Path) -> MotionServer:
    """demo-app, other-app, the shared demo avatar and other-app's own avatar, both served."""
    for avatar_id in (AVATAR_ID, PRIVATE):
        write_avatar(tmp_path / "assets", avatar_id)
    apps = (*default_apps(), second_app())
    avatars = (
        AvatarConfig(AVATAR_ID, "Demo Avatar"),
        AvatarConfig(PRIVATE, "Other's own", apps=("other-app",)),
    )
    return await server_factory(apps=apps, avatars=avatars, asset_root=tmp_path / "assets")


async def test_another_apps_avatar_cannot_be_opened(server: MotionServer) -> None:
    with pytest.raises(AvatarError) as refused:
        await connect(server, avatar_id=PRIVATE)
    assert refused.value.server_code == ServerFailure.AVATAR_NOT_FOUND.spec.server_code
    assert refused.value.code is ErrorCode.AVATAR_ID_UNRECOGNIZED
    with pytest.raises(AvatarError) as unknown:
        await connect(server, avatar_id="no-such-avatar")
    assert (unknown.value.code, unknown.value.close_code) == (
        refused.value.code,
        refused.value.close_code,
    ), "indistinguishable from an unknown id"
    session = await connect(server, app_id="other-app", avatar_id=PRIVATE)
    await session.close()


@pytest.mark.parametrize(
    ("headers", "listed", "private_status"),
    [
        ({}, [AVATAR_ID], 404),
        ({"X-Api-Key": API_KEY}, [AVATAR_ID], 404),
        ({"X-Api-Key": OTHER_KEY}, [AVATAR_ID, PRIVATE], 200),
        ({"X-Api-Key": "wrong-key"}, None, 401),
    ],
)
async def test_avatar_service_serves_an_apps_avatar_only_to_it(
    server: MotionServer, headers: dict[str, str], listed: list[str] | None, private_status: int
) -> None:
    status, body, _ = await get(server, "/avatars", **headers)
    if listed is None:
        assert status == 401
        assert json.loads(body)["errors"][0]["detail"] == "invalid api key"
    else:
        assert [avatar["id"] for avatar in json.loads(body)] == listed
    for path in (f"/avatars/{PRIVATE}", f"/avatars/{PRIVATE}/assets/{ASSET}"):
        status, body, _ = await get(server, path, **headers)
        assert status == private_status, path
        if status == 404:
            assert json.loads(body)["errors"][0]["detail"] == "avatar not found"


async def test_a_session_token_proves_the_app_too(server: MotionServer) -> None:
    own = {APP_ID_HEADER: "other-app", SESSION_KEY_HEADER: server.issue_token("other-app")}
    status, _, _ = await get(server, f"/avatars/{PRIVATE}", **own)
    assert status == 200
    borrowed = {APP_ID_HEADER: "other-app", SESSION_KEY_HEADER: server.issue_token(APP_ID)}
    status, body, _ = await get(server, f"/avatars/{PRIVATE}", **borrowed)
    assert status == 401
    assert "app id mismatch" in json.loads(body)["errors"][0]["detail"]


async def test_the_avatar_manager_loads_with_its_apps_credentials(
    server: MotionServer, tmp_path: Path
) -> None:
    async with AvatarManager(server.console_url, tmp_path / "demo") as manager:
        with pytest.raises(AvatarError) as refused:
            await manager.load(PRIVATE)
        assert refused.value.code is ErrorCode.AVATAR_ID_UNRECOGNIZED
    other = AvatarManager(
        server.console_url, tmp_path / "other", credentials={"X-Api-Key": OTHER_KEY}
    )
    async with other:
        loaded = await other.load(PRIVATE)
        assert [path.name for path in loaded.files.values()] == [ASSET]
