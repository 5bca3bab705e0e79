"""Session tokens from a Motion Server console (`POST /session-tokens`)."""

from __future__ import annotations

import time

import aiohttp

from avatar_player.client.errors import AvatarError, Phase
from avatar_player.protocol.constants import API_KEY_HEADER, TOKEN_PATH
from avatar_player.protocol.errors import ErrorCode, classify_http


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
            payload = await response.json(content_type=None)
            status = response.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        message = f"token request failed: {exc or type(exc).__name__}"
        raise AvatarError(ErrorCode.WEBSOCKET_ERROR, message, Phase.SESSION_TOKEN) from None
    if status == 200 and isinstance(payload, dict) and payload.get("sessionToken"):
        return str(payload["sessionToken"])
    detail = error_detail(payload)
    raise AvatarError(
        classify_http(status, detail),
        f"token request refused ({status}): {detail}",
        Phase.SESSION_TOKEN,
        http_status=status,
    )


def error_detail(payload: object) -> str:
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("detail", ""))
    return ""
