from __future__ import annotations

import pytest

from agentfloor.access import ApiKey, Role, format_key, hash_secret, parse_key, validate_slug
from agentfloor.core.errors import InvalidInput


def test_key_round_trip_and_hash_only_storage() -> None:
    full = format_key("key_01ABC", "s3cret-value")
    assert full == "af_01ABC_s3cret-value"
    assert parse_key(full) == ("key_01ABC", "s3cret-value")
    key = ApiKey("key_01ABC", "ten_1", "n", Role.AGENT, hash_secret("s3cret-value"), 1.0)
    assert key.matches("s3cret-value") and not key.matches("s3cret-valuE")
    assert "s3cret" not in key.secret_hash


@pytest.mark.parametrize("bad", ["", "af__x", "xx_1_2", "af_1", "Bearer af_1_2x"[7:9]])
def test_malformed_keys_are_invalid_input(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_key(bad)


def test_secret_may_contain_underscores() -> None:
    assert parse_key("af_ID_a_b_c") == ("key_ID", "a_b_c")


@pytest.mark.parametrize("slug", ["Acme", "-acme", "a", "acme corp", "acmé"])
def test_bad_slugs_are_refused(slug: str) -> None:
    with pytest.raises(InvalidInput):
        validate_slug(slug)
