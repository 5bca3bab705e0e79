"""Qt-free OpenGL 3.3 renderer of Gaussian-splat avatars driven by motion vectors."""
