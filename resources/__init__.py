"""Avatar Player's bundled files (avatars, speech clips, icons), installed as the package
data `avatar_player.resources`; `avatar_player.bundled` locates them."""
