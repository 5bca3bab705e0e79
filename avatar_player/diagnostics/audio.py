"""Audio: PortAudio's host APIs, each with its output and input devices and default rates."""

from __future__ import annotations

from typing import Any

from avatar_player.diagnostics.report import Item


def audio_items() -> list[Item]:
    """One item per host API listing its devices; a problem when there is no output."""
    try:
        import sounddevice  # noqa: PLC0415  (raises OSError when PortAudio is missing)
    except (ImportError, OSError) as error:
        return [Item("PortAudio", f"not available: {error}", problem=True)]
    devices: list[dict[str, Any]] = list(sounddevice.query_devices())
    items = []
    for index, api in enumerate(sounddevice.query_hostapis()):
        lines = [api["name"]]
        for number in api["devices"]:
            lines += _device_lines(devices[number], number, api)
        items.append(Item(f"host API {index}", "\n".join(lines)))
    outputs = [device for device in devices if device["max_output_channels"] > 0]
    inputs = [device for device in devices if device["max_input_channels"] > 0]
    items.append(
        Item(
            "output devices",
            str(len(outputs)) if outputs else "none (the player uses a silent paced clock)",
            problem=not outputs,
        )
    )
    items.append(Item("input devices", str(len(inputs)) if inputs else "none (no microphone)"))
    return items


def _device_lines(device: dict[str, Any], number: int, api: dict[str, Any]) -> list[str]:
    """'  out 3: HDA Intel (2 ch, 48000 Hz) [default]', and its 'in' line if it has one."""
    parts = []
    for kind, channels, default in (
        ("out", device["max_output_channels"], api["default_output_device"]),
        ("in", device["max_input_channels"], api["default_input_device"]),
    ):
        if channels > 0:
            mark = " [default]" if number == default else ""
            rate = f"{device['default_samplerate']:g} Hz"
            parts.append(f"  {kind} {number}: {device['name']} ({channels} ch, {rate}){mark}")
    return parts
