"""Session tokens from a Motion Server console (`POST /session-tokens`)."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

import aiohttp

from avatar_player.client.errors import AvatarError, Phase
from avatar_player.protocol.constants import API_KEY_HEADER, TOKEN_PATH
from avatar_player.protocol.errors import ErrorCode, classify_http

TokenProvider = Callable[[], Awaitable[str]]
"""Returns a fresh session token (called when the current one expired or is missing)."""


class TokenSource:
    """The token to connect with: set by hand or fetched by `provider`; an expired one is
    never sent again."""

    def __init__(self, provider: TokenProvider | None = None) -> None:
        self.provider = provider
        self.token = ""
        self._expired: set[str] = set()

    def expire(self, token: str | None = None) -> None:
        """Mark `token` (default: the current one) as expired."""
        self._expired.add(self.token if token is None else token)

    async def usable(self) -> str:
        """The current token, refreshed through the provider when missing or expired."""
        if (not self.token or self.token in self._expired) and self.provider:
            self.token = await self.provider()
        if self.token in self._expired:
            raise AvatarError(
                ErrorCode.SESSION_TOKEN_EXPIRED,
                "the session token has expired; set a new one",
                Phase.SESSION_TOKEN,
            )
        if not self.token:
            raise AvatarError(
                ErrorCode.SESSION_TOKEN_INVALID, "no session token", Phase.SESSION_TOKEN
            )
        return self.token


async def fetch_session_token(
    console_url: str, api_key: str, ttl_s: float = 3600.0, timeout_s: float = 10.0
) -> str:
    """Exchange `api_key` for a session token valid for `ttl_s`; AvatarError on failure."""
    body = {"expireAt": int(time.time() + ttl_s)}
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(
                console_url.rstrip("/") + TOKEN_PATH, json=body, headers={API_KEY_HEADER: api_key}
            ) as response,
        ):
            answer = await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise _request_failed(exc) from None
    return token_from_response(status, answer)


def token_from_response(status: int, body: bytes) -> str:
    """The session token in a token endpoint's answer; AvatarError for a refusal or garbage."""
    try:
        payload = json.loads(body) if body.strip() else None
    except (ValueError, RecursionError) as exc:
        raise _request_failed(exc) from None
    token = payload.get("sessionToken") if isinstance(payload, dict) else None
    if status == 200 and isinstance(token, str) and token:
        return token
    detail = error_detail(payload)
    raise AvatarError(
        classify_http(status, detail),
        f"token request refused ({status}): {detail}",
        Phase.SESSION_TOKEN,
        http_status=status,
    )


def _request_failed(exc: Exception) -> AvatarError:
    message = f"token request failed: {exc or type(exc).__name__}"
    return AvatarError(ErrorCode.WEBSOCKET_ERROR, message, Phase.SESSION_TOKEN)


def error_detail(payload: object) -> str:
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("detail", ""))
    return ""
