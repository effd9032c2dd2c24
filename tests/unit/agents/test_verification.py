from __future__ import annotations

from agentfloor.agents.verification import Verification, verify_identity

RECORD = {
    "email": "Ann.Lee@Example.com",
    "phone": ["+44 20 7946 0958", "+44 7700 900123"],
    "postcode": "SW1A 1AA",
    "date_of_birth": "1990-04-02",
}


def test_matching_details_verify_whatever_the_case_or_format() -> None:
    claims = {"email": " ann.lee@EXAMPLE.com ", "phone": "020 7946 0958"}
    assert verify_identity(claims, RECORD, region="GB") == Verification(
        True, ("email", "phone"), ()
    )


def test_any_of_several_numbers_matches() -> None:
    assert verify_identity({"phone": "+447700900123"}, RECORD).ok


def test_other_details_ignore_case_spaces_and_punctuation() -> None:
    claims = {"postcode": "sw1a1aa", "date_of_birth": "1990/04/02"}
    assert verify_identity(claims, RECORD).matched == ("postcode", "date_of_birth")


def test_one_wrong_detail_fails_and_is_named() -> None:
    result = verify_identity({"email": "ann.lee@example.com", "phone": "+44 20 7946 0000"}, RECORD)
    assert result == Verification(False, ("email",), ("phone",))


def test_a_number_without_country_code_needs_the_region() -> None:
    assert not verify_identity({"phone": "020 7946 0958"}, RECORD).ok  # no region: unreadable
    assert verify_identity({"phone": "020 7946 0958"}, RECORD, region="gb").ok


def test_details_the_record_lacks_cannot_be_confirmed() -> None:
    result = verify_identity({"email": "ann.lee@example.com", "account": "123"}, RECORD)
    assert result == Verification(False, ("email",), ("account",))


def test_garbage_never_matches_and_never_raises() -> None:
    record = {"email": "not an address", "phone": "call me", "pin": None}
    result = verify_identity({"email": "not an address", "phone": "call me", "pin": "1"}, record)
    assert result == Verification(False, (), ("email", "phone", "pin"))
    assert not verify_identity({"email": 42}, RECORD).ok


def test_empty_claims_are_skipped_and_nothing_checked_is_not_ok() -> None:
    assert verify_identity({"email": "", "phone": None}, RECORD) == Verification(False, (), ())
    assert verify_identity({}, RECORD) == Verification(False, (), ())
