"""The diagnostics report: titled sections of named values, as text or JSON.

A probe that fails becomes an item marked `problem` whose value says why; building a
section never raises.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from avatar_player.protocol.redaction import redact

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """One finding: `name`, its `value`, and whether it is a problem."""

    name: str
    value: str
    problem: bool = False


@dataclass(frozen=True)
class Section:
    """A titled group of items."""

    title: str
    items: tuple[Item, ...]


class ChildFailed(Exception):
    """A child process of a probe could not run or did not finish; the message says why."""


def run_child(command: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run a probe's child process with its output captured (ChildFailed when it cannot be
    started or runs past `timeout_s`; a non-zero exit is the caller's to judge)."""
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ChildFailed(str(error)) from error


Report = tuple[Section, ...]
Probe = Callable[[], list[Item]]


def section(title: str, probe: Probe) -> Section:
    """`probe()`'s items under `title`; an exception becomes one problem item. Values pass
    through the log redaction too, so a credential in an error message is masked."""
    try:
        items = tuple(replace(item, value=redact(item.value)) for item in probe())
    except Exception as error:  # a probe must never take the report down
        log.debug("diagnostics probe %r failed", title, exc_info=True)
        items = (Item("error", redact(f"{type(error).__name__}: {error}"), problem=True),)
    return Section(title, items)


def to_text(report: Report, heading: str) -> str:
    """Plain text for a bug report: `heading`, then each section with aligned names."""
    lines = [heading]
    for part in report:
        lines += ["", f"== {part.title} =="]
        width = max((len(item.name) for item in part.items), default=0)
        for item in part.items:
            mark = "!" if item.problem else " "
            value = item.value.replace("\n", "\n" + " " * (width + 4))
            lines.append(f"{mark} {item.name.ljust(width)}  {value}")
    problems = [f"{p.title}: {i.name}" for p in report for i in p.items if i.problem]
    lines += ["", f"problems ({len(problems)}): {', '.join(problems) or 'none'}"]
    return "\n".join(lines) + "\n"


def to_json(report: Report) -> str:
    """The report as JSON: a list of {title, items: [{name, value, problem}]}."""
    return json.dumps([asdict(part) for part in report], indent=2)


def from_json(text: str) -> Report:
    """The report `to_json` wrote."""
    return tuple(
        Section(part["title"], tuple(Item(**item) for item in part["items"]))
        for part in json.loads(text)
    )
