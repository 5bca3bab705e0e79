"""`avatar-player --diagnose`: every section from real probes (a real ALSA device, a real
EGL context, real sockets), probes that fail become entries, and no secret gets in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fifo_sound_card import card_environment

from avatar_player.diagnostics import Item, from_json, to_json, to_text
from avatar_player.diagnostics.display import probe_display
from avatar_player.diagnostics.graphics import graphics_items
from avatar_player.diagnostics.network import port_item
from avatar_player.diagnostics.report import section
from avatar_player.identity import settings_location

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "sk-live-diagnose-0123456789"
TOKEN = "v1.diagnoseTOKENpart.signatureSECRETpart"
SAVED_URL_SECRET = "tok-in-saved-url-98765"
SECTIONS = ["Versions", "Display", "OpenGL", "Audio", "Speech", "Server ports", "Locations"]


def diagnose(env: dict[str, str], *options: str) -> str:
    """`python main.py --diagnose OPTIONS` from outside the checkout; its stdout."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--diagnose", *options],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, str]:
    """A child environment with an ALSA sound card, secrets in the environment and a
    saved settings file holding a token in a URL."""
    env, _ = card_environment(tmp_path)
    env |= {"AVATAR_PLAYER_API_KEY": API_KEY, "AVATAR_PLAYER_TOKEN": TOKEN}
    settings = tmp_path / "AvatarPlayer" / "Avatar Player.conf"
    settings.parent.mkdir()
    settings.write_text(
        f"[connection]\nurl=ws://relay.example/?sessionKey={SAVED_URL_SECRET}\n"
        f"api_key={API_KEY}\ntoken={TOKEN}\n"
    )
    return env


def items_of(report: tuple, title: str) -> dict[str, Item]:
    [part] = [part for part in report if part.title == title]
    return {item.name: item for item in part.items}


def test_the_json_report_covers_the_machine_and_holds_no_secret(
    machine: dict[str, str],
) -> None:
    output = diagnose(machine, "--json")
    report = from_json(output)
    assert [part.title for part in report] == SECTIONS
    versions = items_of(report, "Versions")
    assert versions["Qt"].value.startswith("6.")
    assert versions["PortAudio"].value.startswith("PortAudio V19")
    assert not any(versions[name].problem for name in ("Python", "PySide6", "numpy"))
    gl = items_of(report, "OpenGL")
    assert gl["GL renderer"].value and not gl["GL renderer"].problem
    assert gl["tier (auto)"].value.split()[0] in ("full", "low")
    assert gl["EGL"].value.startswith("1.")
    audio = "\n".join(item.value for item in items_of(report, "Audio").values())
    assert "out 0: default (128 ch, 44100 Hz) [default]" in audio
    assert "in 0: default" in audio
    speech = items_of(report, "Speech")
    assert any(name.startswith("voice ") for name in speech) or "espeak-ng" in speech
    ports = items_of(report, "Server ports")
    assert ports["ingress port"].value.startswith("127.0.0.1:8765 ")
    assert ports["console port"].value.startswith("127.0.0.1:8766 ")
    locations = items_of(report, "Locations")
    assert locations["settings"].value == f"{machine['HOME']}/AvatarPlayer/Avatar Player.conf"
    assert "demo-avatar" in locations["bundled avatars"].value
    for secret in (API_KEY, TOKEN, SAVED_URL_SECRET):
        assert secret not in output


def test_the_text_report_marks_problems_and_holds_no_secret(machine: dict[str, str]) -> None:
    env = {key: value for key, value in machine.items() if key != "DISPLAY"}
    text = diagnose(env | {"QT_QPA_PLATFORM": "xcb"})
    assert text.startswith("Avatar Player diagnostics (")
    for title in SECTIONS:
        assert f"== {title} ==" in text
    assert "! platform" in text and "DISPLAY is not set" in text
    assert "problems (" in text.splitlines()[-1] and "Display: platform" in text
    for secret in (API_KEY, TOKEN, SAVED_URL_SECRET):
        assert secret not in text


def test_a_failing_probe_is_an_entry_saying_why_with_credentials_masked() -> None:
    def probe() -> list[Item]:
        raise OSError(f"connect to ws://h/?sessionKey=abc123 failed with key {TOKEN}")

    part = section("Broken", probe)
    [item] = part.items
    assert item.problem and item.name == "error"
    assert item.value.startswith("OSError: connect to ws://h/?sessionKey=*** failed")
    assert "abc123" not in item.value and TOKEN not in item.value
    text = to_text((part,), "heading")
    assert "! error" in text and text.endswith("problems (1): Broken: error\n")
    assert from_json(to_json((part,))) == (part,)


def test_no_opengl_3_3_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mesa limited to OpenGL 2.1: the child probe cannot make a 3.3 core context."""
    monkeypatch.setenv("MESA_GL_VERSION_OVERRIDE", "2.1")
    items = {item.name: item for item in graphics_items()}
    assert items["MESA_GL_VERSION_OVERRIDE"].value == "2.1"
    failed = items["OpenGL 3.3 core (EGL)"]
    assert failed.problem and "EGL_BAD_MATCH" in failed.value


def test_a_port_in_use_is_reported_and_a_free_one_is_not() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        busy = port_item("ingress port", "127.0.0.1", port)
    assert busy.problem and busy.value == f"127.0.0.1:{port} in use (Address already in use)"
    free = port_item("ingress port", "127.0.0.1", port)
    assert not free.problem and free.value == f"127.0.0.1:{port} free"


def test_the_display_check_follows_qt_platform_choice() -> None:
    assert probe_display({}).detail == "xcb: DISPLAY is not set"
    unreachable = probe_display({"DISPLAY": ":4321"})
    assert not unreachable.available and "cannot connect" in unreachable.detail
    here = probe_display({"DISPLAY": os.environ["DISPLAY"]})  # pytest-xvfb's server
    assert here.available and here.platform == "xcb"
    assert probe_display({"QT_QPA_PLATFORM": "offscreen"}).available
    fallback = probe_display({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": os.environ["DISPLAY"]})
    assert fallback.available and fallback.platform == "xcb"
    missing = probe_display({"QT_QPA_PLATFORM": "wayland", "XDG_RUNTIME_DIR": "/nonexistent"})
    assert not missing.available and "no Wayland socket" in missing.detail


def test_the_settings_location_is_where_qt_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = (
        "from PySide6.QtCore import QSettings; "
        "print(QSettings('AvatarPlayer', 'Avatar Player').fileName())"
    )
    env = os.environ | {"XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert done.stdout.strip() == settings_location()
