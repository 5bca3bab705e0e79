"""The error log: grouped entries, filters by code and severity, JSON-lines export.

Repeated errors (same severity, code and phase within `group_window_s`) update one
entry's count and latest message instead of flooding the log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum

from avatar_player.client.errors import AvatarError
from avatar_player.player.signals import Signal
from avatar_player.protocol.redaction import redact


class Severity(StrEnum):
    """How bad an entry is."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class LogEntry:
    """One (possibly grouped) log row."""

    first_time: float
    last_time: float
    severity: Severity
    code: str
    phase: str
    message: str
    count: int = 1
    req_id: str = ""
    connection_id: str = ""
    close_code: int | None = None
    http_status: int | None = None
    server_code: int | None = None

    @property
    def key(self) -> tuple[Severity, str, str]:
        """What makes two entries the same error."""
        return (self.severity, self.code, self.phase)


class ErrorLog:
    """Entries in arrival order, newest last, bounded."""

    def __init__(
        self,
        max_entries: int = 2000,
        group_window_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_entries = max_entries
        self.group_window_s = group_window_s
        self.clock = clock
        self.entries: list[LogEntry] = []
        self.changed: Signal[None] = Signal()

    def add_error(self, error: AvatarError, severity: Severity = Severity.ERROR) -> LogEntry:
        """Log an AvatarError."""
        return self.add(
            LogEntry(
                0.0,
                0.0,
                severity,
                str(error.code),
                str(error.phase),
                error.message,
                req_id=error.req_id,
                connection_id=error.connection_id,
                close_code=error.close_code,
                http_status=error.http_status,
                server_code=error.server_code,
            )
        )

    def add_message(self, severity: Severity, code: str, phase: str, message: str) -> LogEntry:
        """Log a warning or note that is not an AvatarError."""
        return self.add(LogEntry(0.0, 0.0, severity, code, phase, message))

    def add(self, entry: LogEntry) -> LogEntry:
        """Log `entry` now (credentials masked), grouping it with a recent one of its kind."""
        now = self.clock()
        entry = replace(entry, first_time=now, last_time=now, message=redact(entry.message))
        for index in range(len(self.entries) - 1, -1, -1):
            previous = self.entries[index]
            if now - previous.last_time > self.group_window_s:
                break
            if previous.key == entry.key:
                entry = replace(entry, first_time=previous.first_time, count=previous.count + 1)
                self.entries[index] = entry
                self.changed.emit(None)
                return entry
        self.entries.append(entry)
        del self.entries[: max(0, len(self.entries) - self.max_entries)]
        self.changed.emit(None)
        return entry

    def clear(self) -> None:
        """Remove every entry."""
        self.entries.clear()
        self.changed.emit(None)

    def codes(self) -> list[str]:
        """Codes present in the log, sorted."""
        return sorted({entry.code for entry in self.entries})

    def filtered(
        self, codes: Iterable[str] | None = None, severities: Iterable[Severity] | None = None
    ) -> list[LogEntry]:
        """Entries whose code and severity are in the given sets (None: any)."""
        code_set = None if codes is None else set(codes)
        severity_set = None if severities is None else set(severities)
        return [
            entry
            for entry in self.entries
            if (code_set is None or entry.code in code_set)
            and (severity_set is None or entry.severity in severity_set)
        ]


def to_json_lines(entries: Iterable[LogEntry]) -> str:
    """One JSON object per entry and line."""
    return "".join(json.dumps(asdict(entry), sort_keys=True) + "\n" for entry in entries)
