"""Reconnection policy: which failures retry, and the jittered, capped, bounded backoff."""

from __future__ import annotations

import random
from dataclasses import dataclass

from avatar_player.protocol.errors import ErrorCode

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
