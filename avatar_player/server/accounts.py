"""Runtime account state: balances and concurrent sessions per app."""

from __future__ import annotations

from collections import Counter

from avatar_player.protocol.errors import ServerFailure
from avatar_player.server.config import ServerConfig
from avatar_player.server.refusal import Refusal


class Accounts:
    """Balances (seconds of audio) and open sessions, per app id.

    Used from the server's event loop only, so no locking.
    """

    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._balance = {app.app_id: float(app.balance_s) for app in config.apps}
        self._sessions: Counter[str] = Counter()

    def balance(self, app_id: str) -> float:
        """Credits left, in seconds of audio."""
        return self._balance.get(app_id, 0.0)

    def open_sessions(self, app_id: str | None = None) -> int:
        """Open sessions of one app, or of all apps."""
        return self._sessions[app_id] if app_id else sum(self._sessions.values())

    def admit(self, app_id: str) -> None:
        """Count a new session of `app_id`, or raise Refusal."""
        app = self._config.app(app_id)
        if app is None:
            raise Refusal(ServerFailure.APP_ID_UNRECOGNIZED)
        if self.balance(app_id) <= 0:
            raise Refusal(ServerFailure.CREDITS_EXHAUSTED)
        if self._sessions[app_id] >= app.max_concurrent_sessions:
            raise Refusal(ServerFailure.CONCURRENT_LIMIT_EXCEEDED)
        if self.open_sessions() >= self._config.limits.max_sessions_total:
            raise Refusal(ServerFailure.CONCURRENT_LIMIT_EXCEEDED)
        self._sessions[app_id] += 1

    def release(self, app_id: str) -> None:
        """Forget one session of `app_id`."""
        self._sessions[app_id] -= 1
        if self._sessions[app_id] <= 0:
            del self._sessions[app_id]

    def charge(self, app_id: str, seconds: float) -> bool:
        """Take `seconds` of audio from the balance; False once it is exhausted."""
        self._balance[app_id] = self.balance(app_id) - seconds
        return self._balance[app_id] > 0
