"""Network: are the Motion Server's default ports free on this machine?

The window's embedded server listens on free ports of its own choosing; the default ports
matter to `avatar-player-server` (and to the README's examples).
"""

from __future__ import annotations

import socket

from avatar_player.diagnostics.report import Item
from avatar_player.server.config import load_config


def port_items() -> list[Item]:
    """The default ingress and console ports: free, or in use."""
    config = load_config()
    return [
        port_item("ingress port", config.host, config.ws_port),
        port_item("console port", config.host, config.http_port),
    ]


def port_item(name: str, host: str, port: int) -> Item:
    """Whether a listener could bind `host:port` now (with SO_REUSEADDR, as the server does,
    so only another listener makes it busy)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return Item(name, f"{host}:{port} in use ({error.strerror})", problem=True)
    return Item(name, f"{host}:{port} free")
