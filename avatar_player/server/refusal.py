"""The one exception type server code raises to end a session with a failure."""

from __future__ import annotations

from avatar_player.protocol.errors import ServerFailure


class Refusal(Exception):
    """Ends the session (or refuses it) with `failure`; `detail` is appended to its text."""

    def __init__(self, failure: ServerFailure, detail: str = "") -> None:
        super().__init__(failure.message(detail))
        self.failure = failure
        self.detail = detail
