"""Keep credentials out of logs: session tokens and API keys are masked."""

from __future__ import annotations

import logging
import re

from avatar_player.protocol.constants import API_KEY_HEADER, SESSION_KEY_HEADER, SESSION_KEY_QUERY

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"({SESSION_KEY_HEADER}|{API_KEY_HEADER})(\s*[:=]\s*)\S+", re.I), r"\1\2***"),
    (re.compile(rf"({SESSION_KEY_QUERY}=)[^&\s'\"]+"), r"\1***"),
    (re.compile(r"\bv1\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), "v1.***"),
)


def redact(text: str) -> str:
    """`text` with session tokens and API keys replaced by ***."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks credentials in every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redacted_logger(name: str) -> logging.Logger:
    """A logger whose records are redacted (for libraries that log raw headers)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger
