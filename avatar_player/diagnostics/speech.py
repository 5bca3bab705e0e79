"""Speech: the Piper voices found and the espeak-ng fallback."""

from __future__ import annotations

from avatar_player.diagnostics.report import ChildFailed, Item, run_child
from avatar_player.speech.voices import INSTALL_HINT, available_voices, espeak_executable

PROBE_TIMEOUT_S = 10.0


def speech_items() -> list[Item]:
    """Each Piper voice with its file, and espeak-ng's version; a problem when neither."""
    voices = available_voices()
    items = [Item(f"voice {voice.name}", f"{voice.path} ({voice.source})") for voice in voices]
    if not voices:
        items.append(Item("Piper voices", f"none found (fix: {INSTALL_HINT})", problem=True))
    items.append(espeak_item(fallback_needed=not voices))
    return items


def espeak_item(fallback_needed: bool) -> Item:
    """espeak-ng's path and version, or that it is missing."""
    executable = espeak_executable()
    if executable is None:
        return Item("espeak-ng", "not installed", problem=fallback_needed)
    try:
        done = run_child([executable, "--version"], PROBE_TIMEOUT_S)
    except ChildFailed as error:
        return Item("espeak-ng", f"{executable} does not run: {error}", problem=True)
    version = done.stdout.strip().splitlines()[0] if done.stdout.strip() else "no version"
    return Item("espeak-ng", f"{executable}: {version}", problem=done.returncode != 0)
