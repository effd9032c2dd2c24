"""The trigram model is well-formed ARPA whose probabilities add up."""

from __future__ import annotations

import math
import re

import pytest

from agentfloor.voice import sentence_words, trigram_arpa

SENTENCES = ["Where is my order?", "where is my parcel", "I'd like a quote", "my order is late"]


def sections(arpa: str) -> dict[int, list[list[str]]]:
    out: dict[int, list[list[str]]] = {}
    current = 0
    for line in arpa.splitlines():
        match = re.fullmatch(r"\\(\d)-grams:", line)
        if match:
            current = int(match.group(1))
            out[current] = []
        elif current and line and not line.startswith("\\"):
            out[current].append(line.split("\t"))
    return out


def test_words_are_what_a_recogniser_spells() -> None:
    assert sentence_words("Where's my ORDER, please?") == ["where's", "my", "order", "please"]


def test_header_counts_match_the_sections() -> None:
    arpa = trigram_arpa(SENTENCES)
    grams = sections(arpa)
    for n in (1, 2, 3):
        assert f"ngram {n}={len(grams[n])}" in arpa
    assert arpa.startswith("\\data\\") and arpa.rstrip().endswith("\\end\\")


def test_unigrams_sum_to_one_and_every_word_is_reachable() -> None:
    grams = sections(trigram_arpa(SENTENCES))
    probs = {g[1]: 10 ** float(g[0]) for g in grams[1] if g[1] != "<s>"}
    assert math.isclose(sum(probs.values()), 1.0, rel_tol=1e-3)
    assert min(probs.values()) > 0


def test_seen_bigrams_keep_their_mass_with_the_back_off() -> None:
    grams = sections(trigram_arpa(SENTENCES))
    uni = {g[1]: (10 ** float(g[0]), 10 ** float(g[2])) for g in grams[1]}
    bi = {tuple(g[1].split()): 10 ** float(g[0]) for g in grams[2]}
    history = "my"
    seen = {b: p for (a, b), p in bi.items() if a == history}
    unseen = sum(p for w, (p, _) in uni.items() if w not in seen and w != "<s>")
    total = sum(seen.values()) + uni[history][1] * unseen
    assert math.isclose(total, 1.0, rel_tol=1e-3)


def test_unknown_words_are_dropped_and_nothing_known_is_an_error() -> None:
    arpa = trigram_arpa(SENTENCES, known=lambda w: w != "parcel")
    assert "parcel" not in arpa
    with pytest.raises(ValueError, match="at least one sentence"):
        trigram_arpa(["?!"])
