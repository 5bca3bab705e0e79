"""Fuzz target: session tokens as the server verifies them on connect.

The input becomes three tokens: its bytes as the WebSocket header parser decodes them
(ASCII with surrogate escapes), as a URL query value decodes them (UTF-8 with
replacement), and, to reach the claims parser behind the signature, the bytes as the
claims of a token signed with the server's own key.

Property: `TokenAuthority.verify` returns the claims of a token for this app that expires
in the future (a finite time), or raises Refusal with a token failure (invalid, expired, app
id mismatch); a token without this server's signature is always `invalid`.

    python fuzz/fuzz_session_token.py -runs=100000
"""

from __future__ import annotations

import base64
import time

from fuzz_common import fuzz

from avatar_player.protocol.errors import ServerFailure
from avatar_player.server.refusal import Refusal
from avatar_player.server.tokens import TokenAuthority, TokenClaims

APP_ID = "demo-app"
AUTHORITY = TokenAuthority(b"fuzz" * 8)
TOKEN_FAILURES = frozenset(
    {
        ServerFailure.SESSION_TOKEN_INVALID,
        ServerFailure.SESSION_TOKEN_EXPIRED,
        ServerFailure.APP_ID_MISMATCH,
    }
)


def check_token_verdict(authority: TokenAuthority, token: str, now: float) -> Refusal | TokenClaims:
    """Verify `token` for APP_ID at `now`: its claims or its refusal, checked."""
    try:
        claims = authority.verify(token, APP_ID, now)
    except Refusal as refusal:
        assert refusal.failure in TOKEN_FAILURES, refusal
        return refusal
    assert claims.app_id == APP_ID and now < claims.expire_at < float("inf"), claims
    return claims


def signed(claims: bytes) -> str:
    """A token carrying `claims` (raw bytes) with AUTHORITY's genuine signature."""
    body = base64.urlsafe_b64encode(claims).rstrip(b"=").decode("ascii")
    return f"v1.{body}.{AUTHORITY._sign(body)}"  # the key is ours: reach the claims parser


def TestOneInput(data: bytes) -> None:
    now = time.time()
    for token in (data.decode("ascii", "surrogateescape"), data.decode("utf-8", "replace")):
        verdict = check_token_verdict(AUTHORITY, token, now)
        if token.count(".") != 2 or not token.startswith("v1."):
            assert isinstance(verdict, Refusal), verdict
            assert verdict.failure is ServerFailure.SESSION_TOKEN_INVALID, verdict
    check_token_verdict(AUTHORITY, signed(data), now)


def seeds() -> list[bytes]:
    """Genuine tokens (for this app, another app, expired) and damaged ones."""
    genuine = AUTHORITY.issue(APP_ID, 4_000_000_000)
    return [
        genuine.encode(),
        AUTHORITY.issue("other-app", 4_000_000_000).encode(),
        AUTHORITY.issue(APP_ID, 1_000_000_000).encode(),
        TokenAuthority(b"other" * 8).issue(APP_ID, 4_000_000_000).encode(),
        genuine[:-3].encode() + "é".encode(),
        b'{"app":"demo-app","exp":4000000000,"jti":"x"}',
        b'{"app":"demo-app","exp":NaN}',
        b"v1..",
    ]


if __name__ == "__main__":
    fuzz(TestOneInput, "session_token")
