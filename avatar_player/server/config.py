"""Motion Server configuration: apps, avatars, limits and default faults."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from avatar_player.bundled import AVATARS_DIR
from avatar_player.server.faults import FaultConfig


@dataclass(frozen=True)
class AppConfig:
    """One customer application allowed to use the server."""

    app_id: str
    api_key: str
    balance_s: float
    max_concurrent_sessions: int

    def __repr__(self) -> str:  # the API key never reaches logs
        return f"AppConfig(app_id={self.app_id!r}, balance_s={self.balance_s})"


@dataclass(frozen=True)
class AvatarConfig:
    """An avatar id the server animates."""

    id: str
    name: str
    apps: tuple[str, ...] = ()
    """The app ids that may open it; empty: every app (a shared avatar)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "apps", tuple(self.apps))  # TOML gives a list

    def open_to(self, app_id: str | None) -> bool:
        """Whether app `app_id` (None: an anonymous caller) may open this avatar."""
        return not self.apps or app_id in self.apps


@dataclass(frozen=True)
class Limits:
    """Per-session and per-request bounds."""

    session_duration_s: float = 1800.0
    idle_timeout_s: float = 60.0
    handshake_timeout_s: float = 10.0
    max_message_bytes: int = 1 << 20
    max_request_audio_s: float = 300.0
    max_token_ttl_s: float = 86400.0
    max_sessions_total: int = 64


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs to run."""

    host: str = "127.0.0.1"
    ws_port: int = 8765
    http_port: int = 8766
    apps: tuple[AppConfig, ...] = ()
    avatars: tuple[AvatarConfig, ...] = ()
    limits: Limits = field(default_factory=Limits)
    faults: FaultConfig = field(default_factory=FaultConfig)
    allow_session_faults: bool = True
    asset_root: Path = AVATARS_DIR
    """One directory per avatar id (default: the bundled avatars)."""
    visemes: bool = True
    """Phone recognition shapes the mouth (the generator then costs ~0.07 CPU s per audio s,
    7x the DSP mouth alone); off: the DSP mouth."""

    def app(self, app_id: str) -> AppConfig | None:
        """The app with `app_id`, if configured."""
        return next((app for app in self.apps if app.app_id == app_id), None)

    def app_for_key(self, api_key: str) -> AppConfig | None:
        """The app owning `api_key`, if any."""
        return next((app for app in self.apps if app.api_key == api_key), None)

    def avatar_for(self, avatar_id: str, app_id: str | None) -> AvatarConfig | None:
        """Avatar `avatar_id` if it exists and app `app_id` may open it. Another app's avatar
        is as unknown as a missing one: its existence is not revealed."""
        avatar = next((avatar for avatar in self.avatars if avatar.id == avatar_id), None)
        return avatar if avatar is not None and avatar.open_to(app_id) else None


@dataclass(frozen=True)
class _ServerSection:
    host: str = "127.0.0.1"
    ws_port: int = 8765
    http_port: int = 8766
    asset_root: str | None = None


@dataclass(frozen=True)
class _MotionSection:
    visemes: bool = True


def _section(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    return cls(**values)


def parse_config(data: dict[str, Any], base_dir: Path | None = None) -> ServerConfig:
    """Build a ServerConfig from the parsed TOML structure.

    A relative `asset_root` is resolved against `base_dir` (the config file's directory).
    """
    server = _section(_ServerSection, data.get("server", {}), "[server]")
    asset_root = AVATARS_DIR
    if server.asset_root is not None:
        asset_root = (base_dir or Path.cwd()) / Path(server.asset_root).expanduser()
    faults = dict(data.get("faults", {}))
    allow = bool(faults.pop("allow_per_session", True))
    motion = _section(_MotionSection, data.get("motion", {}), "[motion]")
    return ServerConfig(
        host=server.host,
        ws_port=server.ws_port,
        http_port=server.http_port,
        apps=tuple(_section(AppConfig, app, "[[apps]]") for app in data.get("apps", [])),
        avatars=tuple(_section(AvatarConfig, av, "[[avatars]]") for av in data.get("avatars", [])),
        limits=_section(Limits, data.get("limits", {}), "[limits]"),
        faults=_section(FaultConfig, faults, "[faults]"),
        allow_session_faults=allow,
        asset_root=asset_root,
        visemes=bool(motion.visemes),
    )


def load_config(path: str | Path | None = None) -> ServerConfig:
    """Load a TOML config file, or the packaged default when `path` is None."""
    if path is None:
        text = resources.files(__package__).joinpath("default_config.toml").read_text()
        return parse_config(tomllib.loads(text))
    path = Path(path)
    return parse_config(tomllib.loads(path.read_text()), path.parent)
