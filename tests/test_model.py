"""The pydantic models agree with check_profile, and their JSON Schema is sound."""

from __future__ import annotations

import datetime
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from pc_snippets import EXAMPLE_PROFILE, Guard, Kid, Profile, Vehicle, check_profile

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
