"""Start Avatar Player: `python main.py --help` lists the options."""

from avatar_player.ui.environment import configure_gl_environment

configure_gl_environment()  # before anything imports OpenGL

from avatar_player.ui.app import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
