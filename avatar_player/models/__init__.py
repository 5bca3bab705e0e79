"""Qt-free models behind the desktop UI (the views in avatar_player.ui only display them)."""
