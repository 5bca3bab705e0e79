"""`python -m avatar_player.relay`: run the Custom Mode relay in the foreground."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal

from avatar_player import __version__
from avatar_player.relay.config import RelayConfig
from avatar_player.relay.relay import Relay

API_KEY_ENV = "AVATAR_PLAYER_API_KEY"


def parse_args(argv: list[str] | None = None) -> RelayConfig:
    """The relay's config from the command line (the API key may come from the environment)."""
    defaults = RelayConfig()
    parser = argparse.ArgumentParser(
        prog="python -m avatar_player.relay",
        description=(
            "Custom Mode relay: holds the Motion Server sessions (API key -> token -> session) "
            "and forwards audio and motion to players over its own WebSocket."
        ),
    )
    parser.add_argument("--version", action="version", version=f"avatar-player-relay {__version__}")
    parser.add_argument("--upstream", default=defaults.upstream_url, help="Motion Server ingress")
    parser.add_argument("--console-url", default=defaults.console_url, help="token endpoint")
    parser.add_argument("--app-id", default=defaults.app_id)
    parser.add_argument("--api-key", help=f"API key (default: ${API_KEY_ENV}, else the demo key)")
    parser.add_argument("--avatar", default=defaults.avatar_id, help="default avatar id")
    parser.add_argument("--host", default=defaults.host, help="address players connect to")
    parser.add_argument("--port", type=int, default=defaults.port, help="0: any free port")
    parser.add_argument(
        "--upstream-query",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra query parameter on upstream connects, e.g. faultLatencyMs=200",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    query = dict(item.split("=", 1) for item in args.upstream_query if "=" in item)
    return RelayConfig(
        upstream_url=args.upstream,
        console_url=args.console_url,
        app_id=args.app_id,
        api_key=args.api_key or os.environ.get(API_KEY_ENV, defaults.api_key),
        avatar_id=args.avatar,
        upstream_query=query,
        host=args.host,
        port=args.port,
    )


async def serve(config: RelayConfig) -> None:
    """Run until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with Relay(config) as relay:
        print(f"relay {relay.url} -> {config.upstream_url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
