"""The HTTP "console": the session-token endpoint and a health check (aiohttp)."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from avatar_player.protocol.constants import API_KEY_HEADER, TOKEN_PATH
from avatar_player.server.accounts import Accounts
from avatar_player.server.assets import AssetError, AvatarAssets
from avatar_player.server.config import ServerConfig
from avatar_player.server.tokens import TokenAuthority

log = logging.getLogger("avatar_player.server.console")

_MAX_BODY_BYTES = 4096


def error_response(status: int, code: str, title: str, detail: str) -> web.Response:
    """The JSON error body of the commercial console."""
    body = {"errors": [{"code": code, "status": status, "title": title, "detail": detail}]}
    return web.json_response(body, status=status)


@web.middleware
async def _asset_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except AssetError as exc:
        return error_response(exc.status, exc.code, exc.title, exc.detail)


class TokenRequestError(ValueError):
    """A token request body the console refuses (400); the message is the error's detail."""


def token_expiry(body: bytes, now: float, max_ttl_s: float) -> float:
    """`expireAt` (unix seconds) of a token request body; TokenRequestError when unusable."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise TokenRequestError("body must be JSON") from None
    value = document.get("expireAt") if isinstance(document, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRequestError("expireAt must be a number")
    try:
        expire_at = float(value)
    except OverflowError:  # an integer beyond any float
        expire_at = math.inf
    if not math.isfinite(expire_at) or expire_at <= now:
        raise TokenRequestError("expireAt must be in the future")
    if expire_at - now > max_ttl_s:
        raise TokenRequestError(f"expireAt is more than {max_ttl_s:.0f} s ahead")
    return expire_at


class Console:
    """aiohttp application: `POST /session-tokens`, `GET /health` and the `/avatars` routes."""

    def __init__(
        self,
        config: ServerConfig,
        accounts: Accounts,
        tokens: TokenAuthority,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._accounts = accounts
        self._tokens = tokens
        self._clock = clock
        self.app = web.Application(client_max_size=_MAX_BODY_BYTES, middlewares=[_asset_errors])
        self.app.router.add_post(TOKEN_PATH, self.create_token)
        self.app.router.add_get("/health", self.health)
        self.app.add_routes(AvatarAssets(config, tokens, clock).routes())

    async def health(self, _request: web.Request) -> web.Response:
        """Liveness and load."""
        return web.json_response({"status": "ok", "sessions": self._accounts.open_sessions()})

    async def create_token(self, request: web.Request) -> web.Response:
        """Exchange an API key for a session token expiring at `expireAt`."""
        api_key = request.headers.get(API_KEY_HEADER, "")
        if not api_key:
            return error_response(401, "unauthorized", "Unauthorized", f"missing {API_KEY_HEADER}")
        app = self._config.app_for_key(api_key)
        if app is None:
            log.info("token refused: unknown api key")
            return error_response(401, "unauthorized", "Unauthorized", "invalid api key")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return error_response(413, "too_large", "Payload Too Large", "body too large")
        now = self._clock()
        try:
            expire_at = token_expiry(body, now, self._config.limits.max_token_ttl_s)
        except TokenRequestError as exc:
            return error_response(400, "bad_request", "Bad Request", str(exc))
        if self._accounts.balance(app.app_id) <= 0:
            detail = "insufficient balance: credits exhausted"
            return error_response(402, "payment_required", "Payment Required", detail)
        token = self._tokens.issue(app.app_id, expire_at)
        log.info("token issued app=%s ttl=%.0fs", app.app_id, expire_at - now)
        return web.json_response({"sessionToken": token})
