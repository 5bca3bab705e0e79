"""Session tokens: HMAC-signed, app-bound, expiring.

A token is `v1.<claims>.<signature>` (base64url); the server verifies it on every
connect without storing it. Tokens die with the server's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass

from avatar_player.protocol.errors import ServerFailure
from avatar_player.server.refusal import Refusal

_VERSION = "v1"


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token grants."""

    app_id: str
    expire_at: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenAuthority:
    """Issues and verifies session tokens with one secret."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def issue(self, app_id: str, expire_at: float) -> str:
        """A token for `app_id` valid until unix time `expire_at`."""
        claims = {"app": app_id, "exp": expire_at, "jti": secrets.token_urlsafe(8)}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{_VERSION}.{body}.{self._sign(body)}"

    def verify(self, token: str, app_id: str, now: float) -> TokenClaims:
        """The token's claims, if it is genuine, for `app_id` and not expired; else Refusal."""
        claims = self._decode(token)
        if claims.app_id != app_id:
            raise Refusal(ServerFailure.APP_ID_MISMATCH)
        if claims.expire_at <= now:
            raise Refusal(ServerFailure.SESSION_TOKEN_EXPIRED)
        return claims

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._secret, body.encode(), hashlib.sha256).digest()[:24])

    def _decode(self, token: str) -> TokenClaims:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION or not token.isascii():
            raise Refusal(ServerFailure.SESSION_TOKEN_INVALID, "not a session token")
        _, body, signature = parts
        if not hmac.compare_digest(signature, self._sign(body)):
            raise Refusal(ServerFailure.SESSION_TOKEN_INVALID, "bad signature")
        try:
            claims = json.loads(_unb64(body))
            expire_at = float(claims["exp"])
            app_id = str(claims["app"])
        except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
            raise Refusal(ServerFailure.SESSION_TOKEN_INVALID, "bad claims") from exc
        if not math.isfinite(expire_at):
            raise Refusal(ServerFailure.SESSION_TOKEN_INVALID, "bad claims")
        return TokenClaims(app_id=app_id, expire_at=expire_at)
