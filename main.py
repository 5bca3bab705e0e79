"""Start Avatar Player.

The desktop window is not built yet (issue 5); until then this runs the embedded
Motion Server in the foreground, which is what the player will connect to.
"""

from avatar_player.server.__main__ import main

if __name__ == "__main__":
    main()
