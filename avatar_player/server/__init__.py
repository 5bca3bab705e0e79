"""The Motion Server: token endpoint, WebSocket ingress, audio-to-motion, faults.

Run it with `python -m avatar_player.server`; the app runs it as its child process
(`process.ServerProcess`); tests and tools embed it on a thread with `EmbeddedServer`.
"""

from avatar_player.server.app import MotionServer
from avatar_player.server.config import ServerConfig, load_config
from avatar_player.server.embedded import EmbeddedServer

__all__ = ["EmbeddedServer", "MotionServer", "ServerConfig", "load_config"]
