"""A minimal Qt-free signal: listeners are plain callables, called in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Signal(Generic[T]):
    """Connect callables; `emit(value)` calls each of them with `value`."""

    def __init__(self) -> None:
        self._slots: list[Callable[[T], object]] = []

    def connect(self, slot: Callable[[T], object]) -> None:
        """Call `slot` on every emit."""
        self._slots.append(slot)

    def disconnect(self, slot: Callable[[T], object]) -> None:
        """Stop calling `slot`."""
        self._slots.remove(slot)

    def emit(self, value: T) -> None:
        """Call every connected slot with `value`."""
        for slot in list(self._slots):
            slot(value)
