"""Property tests: arbitrary Unicode in every string field and in custom values.

For each generated value either the field gets a problem, or the rendered snippet is
exactly one script in html5lib AND lexbor, the element after it survives, no raw
U+2028/9 appears, and V8 receives exactly the cleaned payload (which for text fields
is the input ``.strip()``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pc_snippets import check_profile, render_profile_set
from tests.oracles import JsEngine, single_script

TEXT_FIELDS = ["location", "loyalty_card_location", "loyalty_status", "first_name", "last_name"]
ID_FIELDS = ["id", "external_id", "loyalty_id", "fb_id", "vk_id", "telegram_id",
             "google_advertising_id", "apple_advertising_id", "yandex_id"]
OTHER_STRING_FIELDS = ["email", "phone", "gender", "birthday", "age"]
ALL_STRING_FIELDS = TEXT_FIELDS + ID_FIELDS + OTHER_STRING_FIELDS

NASTY = [
    "</script>", "<!--<script>", "</SCRIPT ", "</script/", "-->", "]]>", "\u2028", "\u2029",
    chr(0xD800), chr(0xDFFF), "\x00", "\U0001f600", "\u202e", "\u200f", "\u200b", "&amp;",
    "\\u003C", '"', "'", "\\", "`${x}`", " ", "\t", "\ufeff", "\u0085",
]
nasty_text = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), max_size=6
).map("".join)
any_text = st.one_of(nasty_text, st.text(max_size=40))

SETTINGS = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def engine() -> JsEngine:
    return JsEngine()


def v8_payload(engine: JsEngine, html: str) -> Any:
    code = single_script(html)  # one script in both parsers, sentinel survives
    assert "\u2028" not in html
    assert "\u2029" not in html
    engine.run("__calls.length = 0;")
    engine.run(code)
    calls = engine.calls()
    assert len(calls) == 1
    assert calls[0][:2] == ["profile", "set"]
    return calls[0][2]


def js_equal(actual: Any, expected: Any) -> bool:
    """Equality after a trip through JS numbers: JSON.stringify writes a large float
    such as 6.27e16 as an integer literal, which json.loads reads as an int."""
    if isinstance(expected, float) and isinstance(actual, int) and not isinstance(actual, bool):
        return float(actual) == expected
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            js_equal(actual[k], expected[k]) for k in expected
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(
            js_equal(a, e) for a, e in zip(actual, expected, strict=True)
        )
    return type(actual) is type(expected) and actual == expected


def check_field(engine: JsEngine, field: str, value: str) -> None:
    data = {field: value, "gender": "f"} if field != "gender" else {field: value, "age": 30}
    result = check_profile(data)
    problem_fields = {p.field for p in result.problems}
    html = render_profile_set(data)
    if field in result.payload:
        assert field not in problem_fields
        assert v8_payload(engine, html) == result.payload
        if field in TEXT_FIELDS:
            assert result.payload[field] == value.strip()
    elif value.strip():
        assert field in problem_fields
        if html:
            assert field not in v8_payload(engine, html)
    else:
        assert field not in problem_fields  # empty after trimming is missing


@pytest.mark.parametrize("field", ALL_STRING_FIELDS)
@SETTINGS
@given(value=any_text)
def test_string_fields(engine: JsEngine, field: str, value: str) -> None:
    check_field(engine, field, value)


@SETTINGS
@given(field=st.sampled_from(TEXT_FIELDS), prefix=any_text, core=st.sampled_from(NASTY),
       suffix=any_text)
def test_text_fields_with_a_forced_nasty_core(
    engine: JsEngine, field: str, prefix: str, core: str, suffix: str
) -> None:
    check_field(engine, field, f"Q{prefix}{core}{suffix}Q")


json_scalars = st.one_of(
    any_text, st.integers(-(2**53) + 1, 2**53 - 1), st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
custom_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)
    ),
    max_leaves=8,
)


@SETTINGS
@given(values=st.dictionaries(st.from_regex(r"[a-z0-9_]{1,10}", fullmatch=True),
                              custom_values, max_size=4))
def test_custom_values(engine: JsEngine, values: dict[str, Any]) -> None:
    result = check_profile({"gender": "m"}, custom=values)
    problem_fields = {p.field for p in result.problems}
    for key in values:
        if key in result.payload:
            assert f"custom.{key}" not in problem_fields
    received = v8_payload(engine, render_profile_set({"gender": "m"}, custom=values))
    assert js_equal(received, result.payload), (received, result.payload)


@SETTINGS
@given(kids=st.lists(st.fixed_dictionaries({"gender": any_text, "birthday": any_text}),
                     max_size=3),
       auto=st.lists(st.fixed_dictionaries({"brand": any_text, "model": any_text,
                                            "vds": any_text}), max_size=3))
def test_nested_lists(engine: JsEngine, kids: list[Any], auto: list[Any]) -> None:
    data = {"kids": kids, "auto": auto, "gender": "f"}
    result = check_profile(data)
    assert v8_payload(engine, render_profile_set(data)) == result.payload
    for index, car in enumerate(auto):
        for key in ("brand", "model"):
            kept = [c for c in result.payload.get("auto", []) if key in c]
            if car[key].strip() and f"auto[{index}].{key}" not in {
                p.field for p in result.problems
            }:
                assert any(c[key] == car[key].strip() for c in kept)
