"""Sentiment: how positive or negative a customer's message sounds, from -1 to 1.

The dialogue manager hands a customer to a person after repeated negative messages
(`DialoguePolicy.negative_sentiment`, `negative_limit`), and the handoff summary shows the
mood. This module only declares the port: the scorer is VADER (Hutto & Gilbert, 2014, a
rule-based lexicon tuned for short social text), wrapped in `agentfloor.adapters.nlu.sentiment`,
so no word list is kept here.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["SentimentScorer"]


class SentimentScorer(Protocol):
    """Scores the sentiment of one message."""

    def score(self, text: str) -> float:
        """Return the sentiment of `text` from -1 (very negative) to 1 (very positive).

        0 means neutral or no opinion; VADER's compound score is already on this scale.
        """
        ...
