"""Run every probe into one report."""

from __future__ import annotations

import time

from avatar_player import __version__
from avatar_player.diagnostics.audio import audio_items
from avatar_player.diagnostics.display import display_items
from avatar_player.diagnostics.graphics import graphics_items
from avatar_player.diagnostics.locations import location_items
from avatar_player.diagnostics.network import port_items
from avatar_player.diagnostics.report import Probe, Report, section, to_json, to_text
from avatar_player.diagnostics.speech import speech_items
from avatar_player.diagnostics.versions import version_items

PROBES: tuple[tuple[str, Probe], ...] = (
    ("Versions", version_items),
    ("Display", display_items),
    ("OpenGL", graphics_items),
    ("Audio", audio_items),
    ("Speech", speech_items),
    ("Server ports", port_items),
    ("Locations", location_items),
)


def collect() -> Report:
    """Every section; a failed probe is a problem item in its section, never an exception.

    Only fixed facts are read (versions, devices, paths, a few display and GL variables):
    no settings value, no other environment variable, so no credential can reach it.
    """
    return tuple(section(title, probe) for title, probe in PROBES)


def heading() -> str:
    """The first line of the text report."""
    return f"Avatar Player diagnostics ({__version__}, {time.strftime('%Y-%m-%d %H:%M:%S %z')})"


def render(as_json: bool = False) -> str:
    """The whole report collected now, as text (with a heading) or JSON."""
    report = collect()
    return to_json(report) if as_json else to_text(report, heading())
