"""Is there a display for the window? Qt's platform choice, checked without loading Qt.

Qt aborts the process when its platform plugin cannot connect, so the launcher asks here
first: an X server is tried with libxcb (the library Qt's xcb plugin uses), a Wayland
compositor by connecting to its socket.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from avatar_player.diagnostics.report import Item

HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"})
"""Qt platforms that need no display server."""
ENVIRONMENT = ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")
XCB_ERRORS = {
    1: "cannot connect (no X server there, or access refused)",
    2: "an extension is missing",
    3: "out of memory",
    4: "request too long",
    5: "DISPLAY cannot be parsed",
    6: "no such screen",
}


@dataclass(frozen=True)
class DisplayStatus:
    """The Qt platform the window would use and whether it can open there."""

    platform: str
    available: bool
    detail: str


def candidate_platforms(env: Mapping[str, str]) -> list[str]:
    """The platforms Qt tries, in order: $QT_QPA_PLATFORM (`a;b` lists fall back), else
    Wayland in a Wayland session, then X11."""
    configured = env.get("QT_QPA_PLATFORM", "").split(";")
    names = [name.split(":")[0].strip() for name in configured if name.strip()]
    if names:
        return names
    if env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"):
        return ["wayland", "xcb"]
    return ["xcb"]


def probe_display(env: Mapping[str, str] | None = None) -> DisplayStatus:
    """The first candidate platform that can open, or why none can."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return DisplayStatus(sys.platform, True, "the system's own window platform")
    reasons = []
    for platform in candidate_platforms(env):
        available, detail = _check(platform, env)
        if available:
            return DisplayStatus(platform, True, detail)
        reasons.append(f"{platform}: {detail}")
    return DisplayStatus(candidate_platforms(env)[0], False, "; ".join(reasons))


def display_items() -> list[Item]:
    """The display environment and the platform check, for the report."""
    status = probe_display()
    items = [Item(name, os.environ.get(name, "(not set)")) for name in ENVIRONMENT]
    verdict = "available" if status.available else "NOT available"
    value = f"{status.platform}: {verdict} ({status.detail})"
    return [*items, Item("platform", value, problem=not status.available)]


def _check(platform: str, env: Mapping[str, str]) -> tuple[bool, str]:
    if platform in HEADLESS_PLATFORMS:
        return True, "needs no display server"
    if platform == "xcb":
        return _check_x11(env.get("DISPLAY", ""))
    if platform == "wayland":
        return _check_wayland(env)
    return False, "unknown Qt platform"


def _check_x11(display: str) -> tuple[bool, str]:
    if not display:
        return False, "DISPLAY is not set"
    name = ctypes.util.find_library("xcb")
    if name is None:
        return False, "libxcb is not installed"
    xcb = ctypes.CDLL(name)
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    error = xcb.xcb_connection_has_error(connection)
    xcb.xcb_disconnect(connection)
    if error:
        return False, f"X server {display}: {XCB_ERRORS.get(error, f'xcb error {error}')}"
    return True, f"X server {display} reachable"


def _check_wayland(env: Mapping[str, str]) -> tuple[bool, str]:
    name = env.get("WAYLAND_DISPLAY") or "wayland-0"
    path = Path(name) if name.startswith("/") else Path(env.get("XDG_RUNTIME_DIR", "")) / name
    if not path.is_socket():
        return False, f"no Wayland socket {path}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError as error:
            return False, f"Wayland socket {path}: {error.strerror}"
    return True, f"Wayland compositor at {path}"
