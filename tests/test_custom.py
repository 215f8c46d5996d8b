"""Custom profile properties passed through ``custom={...}``."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest

from pc_snippets import check_profile, render_profile_set
from pc_snippets.core.fields import FIELD_RULES
from tests.oracles import run_snippet


def custom_codes(custom: Any) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in check_profile({}, custom=custom).problems]


def test_values_of_every_allowed_type() -> None:
    custom = {
        "size": " M ", "count": 3, "ratio": 0.25, "whole": 2.0, "vip": True, "opt_out": False,
        "since": datetime.date(2020, 5, 17), "since_text": "2020-05-17",
        "tags": ["a", 1, 2.5, False, datetime.date(2021, 1, 2)],
        "prefs": {"color": "red", "sizes": [38, 39], "deep": {"x": 1}},
        "price": decimal.Decimal("9.5"), "k0_9": "ok",
    }
    result = check_profile({"gender": "f"}, custom=custom)
    assert result.problems == ()
    assert result.payload == {
        "gender": "f", "size": "M", "count": 3, "ratio": 0.25, "whole": 2.0, "vip": True,
        "opt_out": False, "since": "2020-05-17", "since_text": "2020-05-17",
        "tags": ["a", 1, 2.5, False, "2021-01-02"],
        "prefs": {"color": "red", "sizes": [38, 39], "deep": {"x": 1}},
        "price": 9.5, "k0_9": "ok",
    }
    assert result.custom == {k: v for k, v in result.payload.items() if k != "gender"}
    html = render_profile_set({"gender": "f"}, custom=custom)
    assert run_snippet(html) == [["profile", "set", result.payload]]


def test_none_and_empty_values_are_missing() -> None:
    result = check_profile({}, custom={"a": None, "b": "  ", "c": [None, " "], "d": {"x": None}})
    assert result.payload == {}
    assert result.problems == ()


@pytest.mark.parametrize("key", [
    "Size", "shoe-size", "shoe size", "", "ä", "size!", "a.b", "x" * 65, 7, None, ("a",),
])
def test_bad_keys(key: Any) -> None:
    result = check_profile({}, custom={key: 1, "ok": 1})
    assert result.payload == {"ok": 1}
    assert [(p.field, p.code) for p in result.problems] == [("custom", "invalid_custom_key")]


def test_key_length_bound() -> None:
    assert check_profile({}, custom={"k" * 64: 1}).payload == {"k" * 64: 1}


@pytest.mark.parametrize("key", ["__proto__", "constructor", "prototype", *FIELD_RULES])
def test_reserved_keys(key: str) -> None:
    result = check_profile({}, custom={key: "x", "ok": 1})
    assert result.payload == {"ok": 1}
    expected = [(f"custom.{key}", "reserved_custom_key")]
    assert [(p.field, p.code) for p in result.problems] == expected


@pytest.mark.parametrize(("value", "code"), [
    (object(), "invalid_custom_value"),
    ({1, 2}, "invalid_custom_value"),
    (b"bytes", "invalid_custom_value"),
    (datetime.time(12, 0), "invalid_custom_value"),
    (float("nan"), "invalid_number"),
    (float("inf"), "invalid_number"),
    (decimal.Decimal("sNaN"), "invalid_number"),  # float() of it raises ValueError
    (decimal.Decimal("-Infinity"), "invalid_number"),
    (2**53, "invalid_number"),
    (-(2**53), "invalid_number"),
    ("a\x00", "invalid_text"),
    (f"a{chr(0xD800)}", "invalid_text"),
    ("x" * 257, "too_long"),
    (["x"] * 21, "too_many"),
    ({f"k{i}": i for i in range(21)}, "too_many"),
    ({"a": {"b": {"c": {"d": 1}}}}, "invalid_custom_value"),  # objects nested too deeply
    ([[[[1]]]], "invalid_custom_value"),
    ({"__proto__": 1}, "invalid_custom_key"),
    ({"constructor": 1}, "invalid_custom_key"),
    ({7: 1}, "invalid_custom_key"),
    ({"": 1}, "invalid_custom_key"),
    ({"k" * 65: 1}, "invalid_custom_key"),
    ({"a\x00": 1}, "invalid_custom_key"),
    (["ok", object()], "invalid_custom_value"),
])
def test_bad_values(value: Any, code: str) -> None:
    result = check_profile({}, custom={"bad": value, "ok": "yes"})
    assert result.payload == {"ok": "yes"}
    assert [(p.field, p.code) for p in result.problems] == [("custom.bad", code)]


def test_nesting_up_to_the_limit_is_fine() -> None:
    value = {"a": {"b": {"c": 1}}, "l": [[1, 2], [3]]}
    assert check_profile({}, custom={"n": value}).payload == {"n": value}


def test_custom_must_be_a_mapping() -> None:
    assert custom_codes([("a", 1)]) == [("custom", "invalid_type")]


def test_inner_object_keys_may_be_any_text_and_are_escaped() -> None:
    custom = {"prefs": {"Shoe Size</script>": "<!--<script>", "ключ": "a\u2028b"}}
    result = check_profile({}, custom=custom)
    assert result.payload == custom
    assert run_snippet(render_profile_set({}, custom=custom)) == [["profile", "set", custom]]


def test_custom_order_follows_standard_fields() -> None:
    result = check_profile({"email": "jane@mail.com"}, custom={"b": 1, "a": 2})
    assert list(result.payload) == ["email", "b", "a"]
