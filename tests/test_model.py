"""The pydantic models agree with check_profile, and their JSON Schema is sound."""

from __future__ import annotations

import datetime
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pc_snippets import EXAMPLE_PROFILE, Guard, Kid, Profile, Vehicle, check_profile
from pc_snippets.core.fields import FIELD_RULES

from .dates import local_today

TODAY = local_today()


def pydantic_problems(data: dict[str, Any], **kwargs: Any) -> list[tuple[str, str]]:
    try:
        Profile.model_validate(data, **kwargs)
    except ValidationError as error:
        return [
            (".".join(str(part) for part in e["loc"]).replace(".0.", "[0].").replace(
                ".1.", "[1]."), e["type"])
            for e in error.errors()
        ]
    return []


def check_problems(data: dict[str, Any], **kwargs: Any) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in check_profile(data, **kwargs).problems]


AGREEMENT_CASES: list[dict[str, Any]] = [
    {"age": True}, {"age": 0}, {"age": "x"}, {"email": "Name <a@b.com>"},
    {"email": "anonymous@gmail.com"}, {"email": "a@example.org"}, {"phone": "123"},
    {"phone": "0000000"}, {"gender": "x"}, {"birthday": "2001-02-30"},
    {"birthday": "1899-01-01"}, {"birthday": "1900-01-01"},
    {"birthday": (TODAY + datetime.timedelta(days=1)).isoformat()},
    {"id": 0}, {"id": True}, {"first_name": "a" * 257}, {"first_name": "a\x00"},
    {"first_name": "Test"}, {"fb_id": "a b"}, {"loyalty_bonuses": -1},
    {"bought_something": 1}, {"location": 5}, {"kids": [{"gender": "x"}]},
    {"kids": [{"gender": "f"}, {"birthday": "2001-02-30"}]}, {"auto": [{"vds": "IIIIII"}]},
    {"birthday": "1990-01-01", "age": 5},
    {"firstname": "Jane"}, {"kids": [{"gender": "f"}] * 21}, {"kids": "abc"},
    {"kids": [{"brand": "x"}]},
    # valid data: both accept
    {"email": "Jane@Mail.COM", "gender": "female", "phone": "+44 20 7946 0958"},
    {"id": 2**60, "loyalty_bonuses": 1123.0, "birthday": datetime.date(2001, 4, 12)},
    {"kids": [{"gender": "M", "birthday": "2015-07-28"}], "auto": [{"vds": "tm7n24"}]},
]


@pytest.mark.parametrize("data", AGREEMENT_CASES)
def test_model_validate_agrees_with_check_profile(data: dict[str, Any]) -> None:
    assert pydantic_problems(data) == check_problems(data)
    if check_profile(data).ok:
        dumped = Profile.model_validate(data).model_dump(mode="json", exclude_none=True)
        assert dumped == check_profile(data).payload


@pytest.mark.parametrize("data", [
    {"first_name": "   "}, {"location": ""}, {"fb_id": " "}, {"email": " "}, {"phone": ""},
    {"auto": [{"brand": " "}]}, {"gender": ""}, {"birthday": ""}, {"kids": [None]},
])
def test_blank_strings_are_missing_in_the_model_too(data: dict[str, Any]) -> None:
    assert check_profile(data).payload == {}
    assert check_profile(data).problems == ()
    # The model must agree: blank is missing, not an error (and never a crash).
    assert Profile.model_validate(data).model_dump(exclude_none=True) == {}


def test_guard_through_validation_context() -> None:
    data = {"first_name": "Test"}
    assert pydantic_problems(data) == [("first_name", "placeholder_name")]
    guard = Guard(disabled={"placeholder_name"})
    assert Profile.model_validate(data, context={"guard": guard}).first_name == "Test"


def test_models_are_frozen_and_typed() -> None:
    profile = Profile(email="Jane@Mail.COM", kids=[Kid(gender="female", birthday="2015-07-28")])
    assert profile.email == "Jane@mail.com"
    assert profile.kids == (Kid(gender="f", birthday=datetime.date(2015, 7, 28)),)
    assert Vehicle(vds="tm7n243e4g0bjg978").vds == "TM7N243E4G0BJG978"
    with pytest.raises(ValidationError):
        profile.email = "x@y.com"  # type: ignore[misc]


def test_example_profile_model() -> None:
    data = {k: v for k, v in EXAMPLE_PROFILE.items() if k != "age"}
    assert Profile.model_validate(data).model_dump(mode="json", exclude_none=True) == (
        check_profile(data).payload
    )


# ---------------------------------------------------------------- JSON Schema

SCHEMA = Profile.model_json_schema()


def test_schema_is_valid_json_schema() -> None:
    validator = jsonschema.validators.validator_for(SCHEMA)
    validator.check_schema(SCHEMA)


@pytest.mark.parametrize("data", [
    EXAMPLE_PROFILE,
    {"id": 2**60, "email": "a@пример.рф", "loyalty_bonuses": 12.5, "kids": [{"gender": "f"}]},
    {"id": "u-1", "phone": "+1 415 555 0132", "auto": [{"brand": "Lada", "vds": "21070A"}]},
])
def test_check_profile_payloads_validate_against_the_schema(data: dict[str, Any]) -> None:
    payload = check_profile(data).payload
    assert payload
    jsonschema.validate(payload, SCHEMA, format_checker=jsonschema.FormatChecker())


def _keywords(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("properties", "$defs"):
                found.add(key)
            if key in ("properties", "$defs"):
                for sub in value.values():
                    found |= _keywords(sub)
            else:
                found |= _keywords(value)
    elif isinstance(node, list):
        for item in node:
            found |= _keywords(item)
    return found


JSON_SCHEMA_KEYWORDS = {
    "$defs", "$ref", "additionalProperties", "anyOf", "default", "description", "enum",
    "format", "items", "maxItems", "maxLength", "maximum", "minimum", "minLength", "pattern",
    "properties", "title", "type", "exclusiveMinimum", "exclusiveMaximum", "minItems", "const",
}


def test_schema_uses_only_json_schema_keywords() -> None:
    # Unknown keywords are silently ignored by validators, so a bound written as
    # pydantic's "ge"/"le" is no bound at all in the schema.
    assert _keywords(SCHEMA) - JSON_SCHEMA_KEYWORDS == set()


@pytest.mark.parametrize("payload", [
    {"age": 0}, {"age": 121}, {"loyalty_bonuses": -1}, {"gender": "x"}, {"unknown": 1},
    {"kids": [{}] * 21}, {"first_name": "x" * 257},
])
def test_schema_refuses_what_the_rules_refuse(payload: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, SCHEMA)


# ---------------------------------------------------------------- one source of truth

def loc_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def model_outcome(data: Any) -> tuple[set[tuple[str, str]], Any]:
    try:
        profile = Profile.model_validate(data)
    except ValidationError as error:
        return {(loc_path(e["loc"]), e["type"]) for e in error.errors()}, None
    return set(), profile.model_dump(mode="json", exclude_none=True)


def check_outcome(data: Any) -> tuple[set[tuple[str, str]], Any]:
    result = check_profile(data)
    problems = {(p.field, p.code) for p in result.problems}
    return problems, (None if problems else result.payload)


def test_an_unknown_key_with_a_rule_error_is_a_validation_error() -> None:
    # Was a KeyError (so FastAPI answered 500 instead of 422).
    with pytest.raises(ValidationError) as caught:
        Profile.model_validate({"email": "not an email", "nickname": "jj"})
    assert {(loc_path(e["loc"]), e["type"]) for e in caught.value.errors()} == {
        ("email", "invalid_email"), ("nickname", "unknown_field"),
    }


SECRET_VALUES = ["jane.doe.secret@mail.com", "Zebulon-Secret", "+44 20 7946 0958", "1990-01-01"]


@pytest.mark.parametrize("data", [
    {"email": "jane.doe.secret@mail", "first_name": "Zebulon-Secret", "x": 1},
    {"first_name": "Zebulon-Secret", "age": "Zebulon-Secret"},
    {"birthday": "1990-01-01", "age": 90, "phone": "+44 20 7946 0958 00000000"},
    {"kids": [{"gender": "Zebulon-Secret"}], "auto": [{"vds": "Zebulon-Secret"}]},
])
def test_errors_never_carry_the_refused_value(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        Profile.model_validate(data)
    error = caught.value
    texts = [str(error), repr(error), error.json(), str(error.errors()),
             str(error.errors(include_url=False)), str(error.json(include_input=True))]
    for text in texts:
        for value in [*SECRET_VALUES, "jane.doe.secret"]:
            assert value not in text


@pytest.mark.parametrize("data", [
    {"birthday": "1990-01-01", "age": 5},  # age_mismatch: a problem in both
    {"kids": ["not a kid"]}, {"kids": [5]}, {"auto": [["x"]]}, {"kids": {"gender": "f"}},
    {"kids": ({"gender": "f"},)}, {"kids": [{"gender": "f"}, None]},
    "a string", 42, ["email"], {"auto": [{"brand": "Lada"}, {"model": " "}]},
])
def test_model_and_check_profile_agree_on_structure(data: Any) -> None:
    assert model_outcome(data) == check_outcome(data)


_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-5, max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from([
        "jane@mail.com", "test@example.com", "+7 912 954 96 56", "female", "m", "x",
        "1990-03-11", "2001-02-30", "1899-01-01", "9999-12-31", " ", "Test", "TM7N24",
        "a b", "Jane", "\x00", "42", "0",
    ]),
    st.dates(min_value=datetime.date(1850, 1, 1), max_value=datetime.date(2100, 1, 1)),
)
_records = st.dictionaries(
    st.sampled_from(["gender", "birthday", "brand", "model", "vds", "name"]), _values, max_size=3
)
_field_values = st.one_of(
    _values, st.lists(st.one_of(_records, st.none(), _values), max_size=3),
)
_profiles = st.dictionaries(
    st.sampled_from([*FIELD_RULES, "firstname", "nickname", "Email"]), _field_values, max_size=6
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_profiles)
def test_model_and_check_profile_agree_on_generated_input(data: dict[str, Any]) -> None:
    assert model_outcome(data) == check_outcome(data)
