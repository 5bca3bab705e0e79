"""Versions of Python, Qt and the libraries the player runs on (without loading Qt here)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from avatar_player import __version__
from avatar_player.diagnostics.report import ChildFailed, Item, run_child

DISTRIBUTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PySide6", ("PySide6", "PySide6-Essentials")),
    ("numpy", ("numpy",)),
    ("sounddevice", ("sounddevice",)),
    ("websockets", ("websockets",)),
    ("aiohttp", ("aiohttp",)),
    ("PyOpenGL", ("PyOpenGL",)),
    ("qasync", ("qasync",)),
    ("piper-tts", ("piper-tts",)),
    ("onnxruntime", ("onnxruntime",)),
    ("pocketsphinx", ("pocketsphinx",)),
    ("av (FFmpeg)", ("av",)),
)
"""(label, distribution names to try in order)."""
QT_PROBE = "from PySide6.QtCore import qVersion; print(qVersion())"
PROBE_TIMEOUT_S = 30.0


def version_items() -> list[Item]:
    """Avatar Player, Python, the OS, Qt, PortAudio and each library's version."""
    items = [
        Item("avatar-player", __version__),
        Item("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        Item("executable", sys.executable),
        Item("OS", platform.platform()),
        qt_version(),
        portaudio_version(),
    ]
    return items + [distribution_version(label, names) for label, names in DISTRIBUTIONS]


def distribution_version(label: str, names: tuple[str, ...]) -> Item:
    """The installed version of the first of `names` found."""
    for name in names:
        try:
            return Item(label, metadata.version(name))
        except metadata.PackageNotFoundError:
            continue
    return Item(label, "not installed", problem=True)


def qt_version() -> Item:
    """Qt's runtime version, asked of a child Python (no Qt library loaded in this one)."""
    try:
        done = run_child([sys.executable, "-c", QT_PROBE], PROBE_TIMEOUT_S)
    except ChildFailed as error:
        return Item("Qt", f"cannot ask: {error}", problem=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Item("Qt", f"cannot load QtCore: {last}", problem=True)
    return Item("Qt", done.stdout.strip())


def portaudio_version() -> Item:
    """PortAudio's version string (sounddevice loads the library)."""
    try:
        import sounddevice  # noqa: PLC0415  (raises OSError when PortAudio is missing)
    except (ImportError, OSError) as error:
        return Item("PortAudio", f"not available: {error}", problem=True)
    return Item("PortAudio", sounddevice.get_portaudio_version()[1])
