"""Logs and exception messages never contain an input value (personal data).

Over a corpus of placeholder and invalid values, the warning log records,
``str(ProfileError)``, ``repr(CheckResult)`` and pydantic ``ValidationError``
messages name the field path and the rule code, and no input value.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import ValidationError

from pc_snippets import Profile, ProfileError, check_profile, render_profile_set

# Each value is distinctive (a marker no message would contain by chance).
CORPUS: list[tuple[str, Any, str]] = [
    ("email", "anonymous1957@gmail.com", "placeholder_email_local"),
    ("email", "noreply@example.com", "placeholder_email_domain"),
    ("email", "Zqxw Person <zqxw@mail.com>", "invalid_email"),
    ("email", "0f8fad5bd9cb469fa16570867728950e@gmail.com", "generated_email_local"),
    ("email", "zqxw.not-an-address", "invalid_email"),
    ("phone", "+7 999 999-99-99", "placeholder_phone"),
    ("phone", "12-34-zq", "invalid_phone"),
    ("phone", "1234567890", "placeholder_phone"),
    ("first_name", "Undefined", "placeholder_name"),
    ("first_name", "Guest", "placeholder_name"),
    ("last_name", "n/a", "placeholder_name"),
    ("last_name", "Zqxw\x00Doe", "invalid_text"),
    ("last_name", "Zqxw" * 70, "too_long"),
    ("first_name", "</script><script>alert('zqxw')</script>\x01", "invalid_text"),
    ("gender", "zqxw-gender", "invalid_gender"),
    ("birthday", "1900-01-01", "placeholder_birthday"),
    ("birthday", "2003-02-30", "invalid_date"),
    ("birthday", "1812-06-24", "date_too_old"),
    ("age", 1234, "invalid_age"),
    ("id", -98765, "invalid_id"),
    ("fb_id", "zqxw fb id", "invalid_text"),
    ("loyalty_bonuses", -4321.5, "invalid_number"),
    ("location", 918273, "invalid_type"),
]


def distinctive(value: Any) -> list[str]:
    """The pieces of ``value`` that must never show up in a message (case-folded)."""
    text = str(value)
    pieces = {text, text.strip()}
    if "@" in text:
        pieces.update(part for part in text.replace("<", " ").replace(">", " ").split()
                      if "@" in part)
    # Nothing is dropped: a piece too short to be distinctive is a bad test value.
    short = [p for p in pieces if len(p) < 3]
    assert not short, f"test value too short to search for: {short!r}"
    return sorted(p.casefold() for p in pieces)


def assert_no_values(message: str, values: list[Any]) -> None:
    folded = message.casefold()
    for value in values:
        for piece in distinctive(value):
            assert piece not in folded, f"input value leaked into: {message!r}"


@pytest.mark.parametrize("value", [value for _, value, _ in CORPUS])
def test_every_value_is_really_searched_for(value: Any) -> None:
    # A message carrying the value (as is, or upper-cased) must be caught.
    for leak in (str(value), str(value).upper()):
        with pytest.raises(AssertionError, match="leaked"):
            assert_no_values(f"last_name: {leak} [placeholder_name]", [value])


@pytest.mark.parametrize(("field", "value", "code"), CORPUS)
def test_single_field_messages(
    field: str, value: Any, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pc_snippets")
    data = {field: value}
    result = check_profile(data)
    assert [(p.field, p.code) for p in result.problems] == [(field, code)]

    render_profile_set(data)
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) == 1
    assert field in logged[0]
    assert code in logged[0]
    assert_no_values(logged[0], [value])

    with pytest.raises(ProfileError) as info:
        check_profile(data, strict=True)
    message = str(info.value)
    assert f"{field}: " in message
    assert f"[{code}]" in message
    assert_no_values(message, [value])
    assert_no_values(repr(info.value), [value])
    assert_no_values(repr(result), [value])
    for problem in result.problems:
        assert_no_values(str(problem), [value])
        assert_no_values(repr(problem), [value])


def test_whole_corpus_in_one_profile(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pc_snippets")
    data: dict[str, Any] = {}
    kids = []
    for field, value, _ in CORPUS:
        if field in data:
            if field in ("gender", "birthday"):
                kids.append({field: value})
            continue
        data[field] = value
    data["kids"] = kids
    # Only the values that went in (the others are covered one by one above).
    values = [v for k, v in data.items() if k != "kids"]
    values += [v for kid in kids for v in kid.values()]
    custom = {"secret_note": "zqxw\x00custom", "Bad-Key": "zqxw-custom-value"}
    render_profile_set(data, custom=custom)
    everything = "\n".join(record.getMessage() for record in caplog.records)
    assert_no_values(everything, [*values, *custom.values(), "Bad-Key"])
    with pytest.raises(ProfileError) as info:
        check_profile(data, custom=custom, strict=True)
    assert_no_values(str(info.value), [*values, *custom.values(), "Bad-Key"])
    assert "kids[0].birthday" in str(info.value)
    assert "custom.secret_note" in str(info.value)


@pytest.mark.parametrize(("field", "value", "code"), CORPUS)
def test_pydantic_validation_errors_hide_input(field: str, value: Any, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Profile.model_validate({field: value})
    error = info.value
    # The messages (str/repr) must hide the input. errors()/json() are structured
    # data that pydantic always fills with "input" unless asked not to:
    for text in (str(error), repr(error), error.json(include_input=False),
                 str(error.errors(include_input=False))):
        assert_no_values(text, [value])
    assert [e["type"] for e in error.errors()] == [code]
    assert field in str(error)


def test_kid_errors_hide_input() -> None:
    with pytest.raises(ValidationError) as info:
        Profile.model_validate({"kids": [{"gender": "zqxw-kid", "birthday": "1900-01-01"}]})
    assert_no_values(str(info.value), ["zqxw-kid"])
    assert [e["loc"] for e in info.value.errors()] == [
        ("kids", 0, "gender"), ("kids", 0, "birthday"),
    ]
