"""`python -m avatar_player.qa CLIP ...`"""

from avatar_player.qa.cli import main

raise SystemExit(main())
