"""Start Avatar Player from a checkout: the same program as the `avatar-player` command
(`python main.py --help` lists the options)."""

from avatar_player.launcher import main

if __name__ == "__main__":
    raise SystemExit(main())
