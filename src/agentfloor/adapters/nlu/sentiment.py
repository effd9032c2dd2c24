"""`VaderSentiment`: the `agents.sentiment.SentimentScorer` port over VADER.

VADER (Hutto & Gilbert, ICWSM 2014) is a rule-based lexicon tuned on short social-media text,
which is what chat turns look like: it reads negation ("not good"), boosters ("very"), capitals and
exclamation marks and emoji, needs no model download, and scores a sentence in tens of
microseconds. Its `compound` score, already normalised to -1..1, is the one the dialogue policy's
`negative_sentiment` threshold is set against.
"""

from __future__ import annotations

# vaderSentiment ships neither type hints nor a py.typed marker.
from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
    SentimentIntensityAnalyzer,
)

__all__ = ["VaderSentiment"]


class VaderSentiment:
    """Scores text from -1 (very negative) to 1 (very positive); 0 is neutral.

    The lexicon (about 7,500 words and emoji) is read once, when this is built; one instance is
    safe to share between threads, as scoring only reads it.
    """

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, text: str) -> float:
        """Return VADER's compound score of `text` (0.0 for an empty text)."""
        if not text.strip():
            return 0.0
        return float(self._analyzer.polarity_scores(text)["compound"])
