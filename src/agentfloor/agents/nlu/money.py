"""Money amounts with their currency: "£25.50", "30 euros", "USD 1,200", "50p", "$20".

A bare "$" or "dollars" means the dollar of the tenant's region (CAD in Canada, AUD in
Australia), USD elsewhere; pence and cents become the major unit (50p is 0.50 GBP).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from agentfloor.agents.nlu.model import Money

__all__ = ["MoneyMatch", "find_money"]

_DOLLAR_REGIONS = {"US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "SG": "SGD", "HK": "HKD"}
_EURO_REGIONS = frozenset(
    {"AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV"}
    | {"MT", "NL", "PT", "SI", "SK"}
)
_SYMBOLS = {"£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR"}
_DOLLAR_PREFIXES = {"US": "USD", "A": "AUD", "AU": "AUD", "C": "CAD", "CA": "CAD", "NZ": "NZD"}
_CODES = ("GBP", "EUR", "USD", "CAD", "AUD", "NZD", "CHF", "JPY", "INR", "SGD", "HKD")
_WORDS = {
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "euro": "EUR",
    "euros": "EUR",
    "yen": "JPY",
    "rupee": "INR",
    "rupees": "INR",
    "franc": "CHF",
    "francs": "CHF",
}
_MINOR = {"pence": "GBP", "p": "GBP"}

_AMOUNT = r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)(?![\d.,]\d)"
_CODE = "|".join(_CODES)
_WORD = "|".join(sorted([*_WORDS, "dollars?", "bucks", "cents?", "pence"], key=len, reverse=True))
_MONEY = re.compile(
    r"(?P<symbol>[£€¥₹]|(?:US|AU|NZ|CA|A|C)?\$)\s?" + _AMOUNT
    + r"|\b(?P<code>" + _CODE + r")\s?" + _AMOUNT.replace("amount", "amount2")
    + r"|\b" + _AMOUNT.replace("amount", "amount3") + r"\s?(?:(?P<code2>" + _CODE + r")\b"
    + r"|(?P<word>" + _WORD + r")\b)"
    + r"|\b" + _AMOUNT.replace("amount", "amount4") + r"p\b",
    re.IGNORECASE,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MoneyMatch:
    """An amount found in the text."""

    start: int
    end: int
    value: Money


def find_money(text: str, *, default_region: str | None) -> list[MoneyMatch]:
    """Return every money amount in `text` with an explicit currency (symbol, code or word)."""
    region = (default_region or "").upper()
    dollar = _DOLLAR_REGIONS.get(region, "USD")
    cents = "EUR" if region in _EURO_REGIONS else dollar
    found = []
    for match in _MONEY.finditer(text):
        groups = match.groupdict()
        raw = next(groups[k] for k in ("amount", "amount2", "amount3", "amount4") if groups[k])
        amount = Decimal(raw.replace(",", ""))
        currency: str
        if groups["symbol"]:
            symbol = groups["symbol"]
            currency = _SYMBOLS.get(symbol) or _DOLLAR_PREFIXES.get(symbol[:-1].upper(), dollar)
        elif groups["code"] or groups["code2"]:
            currency = (groups["code"] or groups["code2"]).upper()
        elif groups["word"]:
            word = groups["word"].lower()
            if word in ("cent", "cents"):
                currency, amount = cents, _minor(amount)
            elif word in _MINOR:
                currency, amount = _MINOR[word], _minor(amount)
            else:
                currency = _WORDS.get(word, dollar)  # dollar(s), bucks
        else:  # "50p"
            currency, amount = "GBP", _minor(amount)
        found.append(MoneyMatch(match.start(), match.end(), Money(amount, currency)))
    return found


def _minor(amount: Decimal) -> Decimal:
    """Pence or cents to pounds, euros or dollars, to the cent."""
    return (amount / 100).quantize(Decimal("0.01"))
