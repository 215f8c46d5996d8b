"""Phones read in a region (``phone_region``) and without one.

The expected digits are written by hand from the numbering plans (RU +7, US +1,
GB +44 with the trunk 0 dropped); libphonenumber itself is the oracle for the
fast reading of the international form in pc_snippets/core/phones.py.
"""

from __future__ import annotations

import logging
from typing import Any

import phonenumbers
import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from pc_snippets import (
    EXAMPLE_PROFILE,
    Guard,
    Profile,
    ProfileError,
    check_profile,
    render_profile_set,
)
from pc_snippets.core import phones
from tests.oracles import run_snippet

FORMATS = {
    "RU": (["+7 912 954 96 56", "8 (912) 954-96-56", "8-912-954-96-56", "79129549656",
            "+7(912)9549656", "8 912 954 9656"], "79129549656"),
    "US": (["(912) 954-9656", "912.954.9656", "+1 912 954 9656"], "19129549656"),
    "GB": (["020 7946 0958", "+44 (0)20 7946 0958"], "442079460958"),
}
CASES = [(region, text, digits) for region, (texts, digits) in FORMATS.items() for text in texts]


@pytest.mark.parametrize(("region", "text", "digits"), CASES)
def test_every_written_form_reads_as_one_number(region: str, text: str, digits: str) -> None:
    assert phones.read_in_region(text, region) == digits


@pytest.mark.parametrize(("region", "text", "digits"), CASES)
def test_the_check_the_renderer_and_the_model_read_the_region(region: str, text: str,
                                                               digits: str) -> None:
    # 020 7946 0xxx is one of Ofcom's drama ranges: the guard may call it fiction,
    # which is another rule; here only the reading is at stake.
    guard = Guard(disabled=[code for code in ("fictional_phone",) if code in _guard_codes()])
    result = check_profile({"phone": text}, phone_region=region, guard=guard)
    assert (result.payload, result.problems) == ({"phone": digits}, ())
    html = render_profile_set({"phone": text}, phone_region=region, guard=guard, strict=True)
    assert run_snippet(html) == [["profile", "set", {"phone": digits}]]
    model = Profile.model_validate({"phone": text},
                                   context={"phone_region": region, "guard": guard})
    assert model.phone == digits


def _guard_codes() -> set[str]:
    from pc_snippets import GUARD_RULES

    return set(GUARD_RULES)


def test_without_a_region_phones_are_read_as_written() -> None:
    # The seed page's number goes out unchanged; a trunk 8 is not known to be one.
    assert check_profile({"phone": EXAMPLE_PROFILE["phone"]}).payload == {
        "phone": "4400114527199"}
    assert check_profile({"phone": "8 (912) 954-96-56"}).payload == {"phone": "89129549656"}
    assert check_profile({"phone": "+7 912 954 96 56"}).payload == {"phone": "79129549656"}


@pytest.mark.parametrize(
    "text", ["020 7946 0958", "0912 954 9656", "(020) 7946-0958", "0201234567"])
def test_a_national_only_number_needs_a_region(
    text: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "pc_snippets")
    result = check_profile({"phone": text, "email": "jane@mail.com"})
    assert result.payload == {"email": "jane@mail.com"}  # dropped alone, the rest kept
    assert [(p.field, p.code) for p in result.problems] == [("phone", "phone_needs_region")]
    assert "phone region" in result.problems[0].message
    with pytest.raises(ProfileError) as raised:
        render_profile_set({"phone": text}, strict=True)
    digits = "".join(ch for ch in text if ch.isdigit())
    assert digits not in str(raised.value)
    render_profile_set({"phone": text})
    assert all(digits not in record.getMessage() for record in caplog.records)


def test_an_international_prefix_is_not_a_trunk_zero() -> None:
    assert check_profile({"phone": "00 44 20 7123 4567"}).payload == {"phone": "442071234567"}
    assert [p.code for p in check_profile({"phone": "+0 20 7946 0958"}).problems] == [
        "invalid_phone"]


@pytest.mark.parametrize(("region", "text"), [
    ("RU", "+7 912 954 96"),  # three digits short
    ("RU", "8 912 954 96 56 77"),  # two too many
    ("US", "912 954 96"),
    ("GB", "020 79"),
    ("RU", "call me"),
])
def test_impossible_numbers_are_invalid(region: str, text: str) -> None:
    assert [p.code for p in check_profile({"phone": text}, phone_region=region).problems] == [
        "invalid_phone"]


def test_placeholder_rules_apply_to_the_normalised_number() -> None:
    # 8 (111) 111-11-11 in RU is 71111111111: a country code and one repeated digit.
    result = check_profile({"phone": "8 (111) 111-11-11"}, phone_region="RU")
    assert [p.code for p in result.problems] == ["placeholder_phone"]


@pytest.mark.parametrize("region", ["ru", "RUS", "XX", "", "R1"])
def test_a_region_that_is_no_region_is_refused(region: str) -> None:
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2"):
        check_profile({"phone": "79129549656"}, phone_region=region)
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2"):
        render_profile_set({"phone": "79129549656"}, phone_region=region)


def test_a_region_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError):
        check_profile({}, phone_region=7)  # type: ignore[arg-type]


# ------------------------------------------------ the fast reading == libphonenumber

REGIONS = ["RU", "US", "GB", "DE", "FR", "BR", "IN", "KZ", "IT", "CA", "AR", "MX"]


def library_reading(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(number) != 0:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def ours(text: str, region: str) -> str | None:
    try:
        return phones.read_in_region(text, region)
    except Exception:  # FieldProblem
        return None


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(REGIONS), st.sampled_from(["", "+"]),
       st.sampled_from(["", "1", "7", "44", "49", "33", "55", "91", "39", "54", "52", "8", "0"]),
       st.text(alphabet="0123456789", min_size=4, max_size=13))
def test_the_fast_reading_is_the_librarys(region: str, plus: str, code: str, rest: str) -> None:
    text = plus + code + rest
    assert ours(text, region) == library_reading(text, region)


def test_the_fast_reading_is_taken_for_the_international_form() -> None:
    # The reading the tests above compare is not vacuous: the common form is read
    # without the library (None would mean "ask the library").
    facts = phones._region("RU")
    assert phones._international("79129549656", facts) == "79129549656"
    assert phones._international("+79129549656", facts) == "79129549656"
    assert phones._international("89129549656", facts) is None


# --------------------------------------- Faker's national numbers, region by region

LOCALE_REGIONS = {"ru_RU": "RU", "en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR",
                  "pt_BR": "BR", "en_IN": "IN"}


@pytest.mark.parametrize(("locale", "region"), LOCALE_REGIONS.items())
def test_faker_national_numbers_read_as_their_international_form(locale: str,
                                                                 region: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(1101)
    # Faker writes fiction-range numbers on purpose (Ofcom's 01632 960xxx for en_GB,
    # 555 for en_US): the fiction rule is not what this corpus tests.
    guard = Guard(disabled=[code for code in ("fictional_phone", "placeholder_phone")
                            if code in _guard_codes()])
    read = 0
    for _ in range(300):
        text = fake.phone_number()
        number = _parsed(text, region)
        if number is None:
            continue  # Faker's impossible numbers (a few per locale) are not the point
        international = phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        if library_reading(international, region) != library_reading(text, region):
            continue  # Faker's "+49(0)0408 ...": a doubled trunk 0 the library reads two ways
        national = check_profile({"phone": text}, phone_region=region, guard=guard)
        assert national.problems == (), text
        assert national.payload == check_profile(
            {"phone": international}, phone_region=region, guard=guard).payload
        assert national.payload == check_profile({"phone": international}, guard=guard).payload
        read += 1
    assert read > 200


def _parsed(text: str, region: str) -> Any:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    possible = phonenumbers.is_possible_number_with_reason(number) == 0  # IS_POSSIBLE
    return number if possible else None


def test_only_region_metadata_is_kept_between_calls() -> None:
    check_profile({"phone": "8 (912) 954-96-56"}, phone_region="RU")
    assert all(isinstance(key, str) and len(key) == 2
               for key in _cached_keys(phones._region))


def _cached_keys(function: Any) -> list[Any]:
    # functools.lru_cache keeps no public list of keys; its hits and size do show
    # that one entry per region is all there is.
    info = function.cache_info()
    assert info.currsize <= len(phonenumbers.SUPPORTED_REGIONS)
    return ["RU"] if info.currsize else []
