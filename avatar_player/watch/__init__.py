"""Watching a run: the video of what was rendered with the audio that was played, its PNG
frames, the HTML report with plots, and the same from a session recording (Qt-free)."""
