"""What a bug report needs about this machine, collected without Qt: versions, display,
OpenGL and the tier it gets, audio devices, voices, server ports, file locations.

`avatar-player --diagnose [--json]` prints it; Help > Diagnostics in the window shows the
same report (from `python -m avatar_player.launcher --diagnose --json`) plus what only Qt knows.
"""

from avatar_player.diagnostics.collect import collect, heading, render
from avatar_player.diagnostics.report import Item, Report, Section, from_json, to_json, to_text

__all__ = [
    "Item",
    "Report",
    "Section",
    "collect",
    "from_json",
    "heading",
    "render",
    "to_json",
    "to_text",
]
