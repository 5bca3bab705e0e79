"""Reconnection policy: which failures retry, and the jittered, capped, bounded backoff."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from avatar_player.client.errors import AvatarError
from avatar_player.protocol.errors import ErrorCode

T = TypeVar("T")

TRANSIENT_CODES = frozenset(
    {
        ErrorCode.WEBSOCKET_ERROR,
        ErrorCode.WEBSOCKET_CLOSED_ABNORMALLY,
        ErrorCode.SERVER_ERROR,
        ErrorCode.PROTOCOL_ERROR,
    }
)
"""Failures worth retrying with the same credentials; auth and quota failures are not."""


@dataclass(frozen=True)
class RetryPolicy:
    """Full-jitter exponential backoff: attempt n waits uniform(0, min(cap, base * 2**n))."""

    base_s: float = 0.5
    cap_s: float = 8.0
    max_attempts: int = 5

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """Wait before retry number `attempt` (0-based)."""
        return rng.uniform(0.0, min(self.cap_s, self.base_s * 2**attempt))

    @staticmethod
    def retries(code: ErrorCode) -> bool:
        """Whether a failure with `code` is transient."""
        return code in TRANSIENT_CODES


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    rng: random.Random,
    *,
    on_failure: Callable[[AvatarError], None],
    worth_retrying: Callable[[AvatarError], bool],
) -> T:
    """Run `attempt` until it succeeds; each AvatarError goes to `on_failure`, and is
    raised once it is not worth retrying or the policy's attempts are spent."""
    tries = 0
    while True:
        try:
            return await attempt()
        except AvatarError as error:
            on_failure(error)
            if not worth_retrying(error) or tries >= policy.max_attempts:
                raise
        await asyncio.sleep(policy.delay_s(tries, rng))
        tries += 1
