"""`python -m avatar_player.server`: run the Motion Server in the foreground."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import threading
from dataclasses import fields, replace
from pathlib import Path

from avatar_player import __version__
from avatar_player.exit_codes import ExitCode
from avatar_player.server.app import MotionServer
from avatar_player.server.config import ServerConfig, load_config
from avatar_player.server.faults import FaultConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; flags override the config file."""
    parser = argparse.ArgumentParser(
        prog="python -m avatar_player.server",
        description="Avatar Player's Motion Server: token endpoint + WebSocket ingress.",
    )
    parser.add_argument(
        "--version", action="version", version=f"avatar-player-server {__version__}"
    )
    parser.add_argument("--config", help="TOML config file (default: the packaged demo config)")
    parser.add_argument("--host", help="address to bind (default from config: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="WebSocket ingress port (0: any free port)")
    parser.add_argument("--http-port", type=int, help="HTTP console port (0: any free port)")
    parser.add_argument(
        "--asset-root", type=Path, help="avatar asset directory (default: the bundled avatars)"
    )
    parser.add_argument(
        "--visemes",
        action=argparse.BooleanOptionalAction,
        help="phone recognition shapes the mouth (default from config: on)",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ...")
    parser.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="stop when standard input closes (a program that runs the server as its child)",
    )
    faults = parser.add_argument_group("fault injection (every session)")
    for f in fields(FaultConfig):
        flag = "--fault-" + f.name.replace("_", "-")
        faults.add_argument(flag, type=float, dest=f"fault_{f.name}", metavar="N")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    """The config file's settings with the command-line overrides applied."""
    config = load_config(args.config)
    overrides = {
        key: value
        for key, value in (
            ("host", args.host),
            ("ws_port", args.port),
            ("http_port", args.http_port),
            ("asset_root", args.asset_root),
            ("visemes", args.visemes),
        )
        if value is not None
    }
    fault_overrides = {
        f.name: int(value) if f.type in ("int", int) else value
        for f in fields(FaultConfig)
        if (value := getattr(args, f"fault_{f.name}")) is not None
    }
    return replace(config, faults=replace(config.faults, **fault_overrides), **overrides)


async def serve(config: ServerConfig, *, exit_with_stdin: bool = False) -> None:
    """Run until SIGINT/SIGTERM (or, with `exit_with_stdin`, until stdin closes)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if exit_with_stdin:
        threading.Thread(
            target=_stop_at_eof, args=(loop, stop), name="stdin-watch", daemon=True
        ).start()
    async with MotionServer(config) as server:
        apps = ", ".join(app.app_id for app in config.apps)
        avatars = ", ".join(avatar.id for avatar in config.avatars)
        print(f"ingress {server.ws_url}", flush=True)
        print(f"console {server.console_url}", flush=True)
        print(f"apps: {apps}; avatars: {avatars}", flush=True)
        await stop.wait()


def _stop_at_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Read stdin to its end (the parent closed it or died), then set `stop`."""
    while sys.stdin.buffer.read(4096):
        pass
    loop.call_soon_threadsafe(stop.set)


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit code (ExitCode.PORT_UNAVAILABLE when a port cannot be used)."""
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = config_from_args(args)
    except (OSError, ValueError) as error:  # tomllib.TOMLDecodeError is a ValueError
        print(f"avatar-player-server: cannot use the config: {error}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        asyncio.run(serve(config, exit_with_stdin=args.exit_with_stdin))
    except OSError as error:
        ports = f"{config.host} (ingress port {config.ws_port}, console port {config.http_port})"
        print(
            f"avatar-player-server: cannot listen on {ports} ({error.strerror or error}).\n"
            "Stop the program that uses them, or choose others: --port N --http-port M "
            "(0 picks free ones).",
            file=sys.stderr,
        )
        return ExitCode.PORT_UNAVAILABLE
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
