"""The procedural Gaussian-splat avatar: generation from a seed, the asset format, loading."""
