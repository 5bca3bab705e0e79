"""A named group of splats with its blendshape offsets."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from avatar_player.avatar.splats import SplatSet


@dataclass(frozen=True)
class Part:
    """Splats of one part; `deltas` maps blendshape names to (n, 3) offsets at weight 1."""

    name: str
    splats: SplatSet
    deltas: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.splats)

    def take(self, index: np.ndarray, name: str | None = None) -> Part:
        """The splats at `index` (with their offsets), optionally renamed."""
        return Part(
            name or self.name,
            self.splats.take(index),
            {shape: delta[index] for shape, delta in self.deltas.items()},
        )


def merge(parts: list[Part], name: str | None = None) -> Part:
    """One part made of `parts` in order (offsets a part lacks are zero)."""
    shapes = sorted({shape for part in parts for shape in part.deltas})
    return Part(
        name or parts[0].name,
        SplatSet.concat([part.splats for part in parts]),
        {
            shape: np.concatenate(
                [part.deltas.get(shape, np.zeros((len(part), 3))) for part in parts]
            )
            for shape in shapes
        },
    )
