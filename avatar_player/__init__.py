"""Avatar Player: play and inspect talking avatars driven by a Motion Server."""

__version__ = "0.1.0"
