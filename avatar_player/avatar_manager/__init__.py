"""Avatar loading for the player (no Qt): metadata, verified downloads and a disk cache.

`AvatarManager(console_url).load(avatar_id, progress)` returns an `Avatar` whose files are
verified local copies of the assets the Motion Server's console serves under `/avatars`.
"""

from avatar_player.avatar_manager.manager import Avatar, AvatarManager, Progress, default_cache_dir

__all__ = ["Avatar", "AvatarManager", "Progress", "default_cache_dir"]
