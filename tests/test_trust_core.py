"""Regression tests for the core findings of the trust review (issue "Trust", section 2).

Each test failed on the code the review read: consent that is not a bool, a nonce
written through ``__html__``, huge integers, a mutated ``CheckResult``, untrimmed
or control-character custom keys, unbounded custom payloads, raw keys in logs and
errors, and problems that stay silent in development. Oracles: html5lib and lexbor
(through ``single_script``) and V8.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from markupsafe import Markup

from pc_snippets import (
    CheckResult,
    ProfileError,
    check_profile,
    render_call,
    render_init,
    render_profile_get,
    render_profile_set,
)
from pc_snippets.core.custom import MAX_CHARACTERS, MAX_PROPERTIES, MAX_VALUES
from pc_snippets.core.fields import FIELD_RULES, MAX_LIST_LENGTH, MAX_TEXT_LENGTH
from tests.oracles import JsEngine, parse_html5lib, run_snippet, single_script

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
PROFILE = {"email": "jane@mail.com"}

# ---------------------------------------------------------------- consent


@pytest.mark.parametrize("consent", [0, 1, "", "no", "yes", [], [False], 0.0, "False"])
def test_consent_is_true_false_or_none_in_every_renderer(consent: Any) -> None:
    calls = [
        lambda: render_profile_set(PROFILE, consent=consent),
        lambda: render_profile_get(consent=consent),
        lambda: render_call("track", "view", "SKU-1", consent=consent),
        lambda: render_init(SHOP_ID, consent=consent),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="consent must be True, False or None"):
            call()


def test_consent_false_renders_nothing_personal_and_none_or_true_render() -> None:
    assert render_profile_set(PROFILE, consent=False) == ""
    assert render_profile_get(consent=False) == ""
    assert render_call("track", "view", "SKU-1", consent=False) == ""
    assert run_snippet(render_init(SHOP_ID, consent=False))[-1] == [
        "init", SHOP_ID, None, None, None, {"consent": False}]
    for consent in (None, True):
        assert run_snippet(render_profile_set(PROFILE, consent=consent)) == [
            ["profile", "set", PROFILE]]


# ---------------------------------------------------------------- nonce


class Sneaky(str):
    """A str subclass whose __html__ breaks out of the attribute."""

    def __html__(self) -> str:
        return 'abc" onload="alert(1)'

    def rstrip(self, chars: str | None = None) -> str:  # lies to a str-method check
        return "abc"

    def strip(self, chars: str | None = None) -> str:
        return ""


def test_a_nonce_is_written_as_its_checked_plain_text() -> None:
    for render in (
        lambda n: render_profile_set(PROFILE, nonce=n),
        lambda n: render_profile_get(nonce=n),
        lambda n: render_init(SHOP_ID, nonce=n),
        lambda n: render_call("track", "view", "x", nonce=n),
    ):
        html = str(render(Sneaky("abc123")))
        assert html.startswith('<script nonce="abc123">'), html[:60]
        assert "onload" not in html
        single_script(html)


def test_a_str_subclass_nonce_is_checked_by_its_text_not_its_methods() -> None:
    with pytest.raises(ValueError, match="CSP nonce"):
        render_profile_get(nonce=Sneaky('x" onload="alert(1)'))


# ---------------------------------------------------------------- huge integers


@pytest.mark.parametrize("field", ["id", "phone", "external_id", "loyalty_id", "telegram_id",
                                   "loyalty_bonuses", "age"])
@pytest.mark.parametrize("size", [MAX_TEXT_LENGTH + 1, 4301, 100_000])
def test_huge_integers_are_problems_with_a_rule_code(field: str, size: int) -> None:
    value = 10 ** size
    result = check_profile({field: value, "first_name": "Jane"})  # lenient: never raises
    assert result.payload == {"first_name": "Jane"}
    assert [p.field for p in result.problems] == [field]
    with pytest.raises(ProfileError) as caught:
        render_profile_set({field: value}, strict=True)
    assert len(str(caught.value)) < 200  # a message, not the number
    assert render_profile_set({field: value, "first_name": "Jane"}).count("Jane") == 1


def test_the_longest_integer_id_that_fits_the_text_limit_is_sent_exactly() -> None:
    value = 10 ** MAX_TEXT_LENGTH - 1  # 256 digits
    assert check_profile({"id": value}).payload == {"id": str(value)}
    assert check_profile({"external_id": value}).payload == {"external_id": str(value)}


# ---------------------------------------------------------------- CheckResult


def test_a_checkresult_changed_after_the_check_is_checked_again() -> None:
    result = check_profile({"email": "jane@mail.com", "first_name": "Jane"})
    result.payload["__proto__"] = {"polluted": True}
    result.payload["id"] = 2**60  # beyond 2**53 - 1: JavaScript would round it
    result.payload["email"] = "anonymous@example.com"
    html = render_profile_set(result)
    # What runs is the checked data: no prototype key, the id as text, no placeholder.
    assert run_snippet(html) == [["profile", "set", {"first_name": "Jane", "id": str(2**60)}]]
    assert "__proto__" not in html
    with pytest.raises(ProfileError) as caught:
        render_profile_set(result, strict=True)
    assert {(p.field, p.code) for p in caught.value.problems} == {
        ("email", "placeholder_email_domain"), ("custom.__proto__", "reserved_custom_key")}


def test_a_checkresult_keeps_its_custom_properties_and_its_problems(
    caplog: pytest.LogCaptureFixture
) -> None:
    result = check_profile({"email": "jane@mail.com", "age": True}, custom={"size": 38})
    with caplog.at_level(logging.WARNING, logger="pc_snippets"):
        html = render_profile_set(result)
    assert run_snippet(html) == [["profile", "set", {"email": "jane@mail.com", "size": 38}]]
    assert [r.getMessage().split(":")[1].split()[0] for r in caplog.records] == ["age"]
    forged = CheckResult({"email": "x@y"}, ())  # built by hand, never checked
    assert render_profile_set(forged) == ""


# ---------------------------------------------------------------- custom keys


@pytest.mark.parametrize("key", [
    "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", " ", "  ",
    "\u3000", " size", "size ", "\tsize", "size\n", "si\x00ze", "si\x7fze", "\u2028size ",
])
def test_control_and_whitespace_keys_are_refused_at_every_level(key: str) -> None:
    for custom in ({"shoes": {key: 1}}, {"shoes": {"inner": {key: 1}}},
                   {"shoes": [{key: 1}]}):
        result = check_profile({}, custom=custom)
        assert result.payload == {}
        assert [(p.field, p.code) for p in result.problems] == [
            ("custom.shoes", "invalid_custom_key")]


def test_nested_keys_are_sent_exactly_as_checked() -> None:
    custom = {"shoes": {"EU size": 38, "Größe": 39, "ok_key": 40}}
    assert run_snippet(render_profile_set(PROFILE, custom=custom)) == [
        ["profile", "set", {**PROFILE, **custom}]]


# ---------------------------------------------------------------- bounded output


def test_nesting_cannot_multiply_a_snippet() -> None:
    deep = {f"k{i}": {f"j{j}": [1] * 20 for j in range(20)} for i in range(20)}  # 8,000 values
    result = check_profile(PROFILE, custom={"deep": deep, "small": 1})
    assert result.payload == {**PROFILE, "small": 1}
    assert [(p.field, p.code) for p in result.problems] == [("custom.deep", "too_large")]


def test_the_number_of_custom_properties_is_bounded() -> None:
    custom = {f"p{i}": i for i in range(MAX_PROPERTIES + 10)}
    result = check_profile({}, custom=custom)
    assert list(result.payload) == [f"p{i}" for i in range(MAX_PROPERTIES)]
    assert [p.field for p in result.problems] == [
        f"custom.p{i}" for i in range(MAX_PROPERTIES, MAX_PROPERTIES + 10)]
    assert {p.code for p in result.problems} == {"too_large"}


def test_a_property_that_does_not_fit_leaves_room_for_smaller_ones() -> None:
    big = ["x" * 200] * 20  # 4,000 characters
    custom = {f"b{i}": {f"k{j}": big for j in range(3)} for i in range(3)}  # 3 x 12,000
    custom["last"] = "fits"
    result = check_profile({}, custom=custom)
    assert list(result.payload) == ["b0", "last"]
    assert [(p.field, p.code) for p in result.problems] == [
        ("custom.b1", "too_large"), ("custom.b2", "too_large")]


def _largest_profile() -> tuple[dict[str, Any], dict[str, Any]]:
    """Every field at its longest, with characters that must be escaped (6 bytes each)."""
    long_text = "<" * MAX_TEXT_LENGTH
    data: dict[str, Any] = {}
    for name, rule in FIELD_RULES.items():
        if rule.__name__ in ("text", "identifier"):
            data[name] = long_text
    data["first_name"] = data["last_name"] = "\u2028" * MAX_TEXT_LENGTH
    data["id"] = long_text
    data["kids"] = [{"gender": "f", "birthday": "2001-04-12"}] * MAX_LIST_LENGTH
    data["auto"] = [{"brand": long_text, "model": long_text, "vds": "TM7N243E4G0BJG978"}
                    ] * MAX_LIST_LENGTH
    # Custom: as many values and characters as the budget allows, all escaped.
    per_value = 32
    values = min(MAX_VALUES, MAX_CHARACTERS // (per_value + 2))
    custom = {f"p{i:02d}": ["&" * per_value] * min(20, values - 20 * i)
              for i in range((values + 19) // 20)}
    return data, custom


def test_one_snippet_stays_under_its_documented_maximum() -> None:
    data, custom = _largest_profile()
    result = check_profile(data, custom=custom)
    assert {p.code for p in result.problems} <= {"placeholder_name"}
    html = render_profile_set(data, custom=custom)
    assert 100_000 < len(html.encode("utf-8")) < 192 * 1024
    assert parse_html5lib(html).sentinel_survived
    # And with any amount of input beyond that, it stays there.
    flood = {f"p{i}": ["&" * 256] * 20 for i in range(1000)}
    assert len(render_profile_set(data, custom=flood).encode("utf-8")) < 192 * 1024


# ---------------------------------------------------------------- keys in logs and errors


HOSTILE_KEYS = [
    "jane.doe@mail.com", "Jane Doe", "x\r\nWARNING forged log line", "k" * 100_000,
    "\x1b[31mred", "<script>", "+7 912 954 96 56",
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_a_key_that_could_be_data_is_never_shown(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = {key: 1, "kids": [{key: 1}], "email": "jane@mail.com"}
    with caplog.at_level(logging.WARNING, logger="pc_snippets"):
        render_profile_set(data)
    with pytest.raises(ProfileError) as caught:
        render_profile_set(data, strict=True)
    result = check_profile(data)
    texts = [r.getMessage() for r in caplog.records] + [str(caught.value), repr(result)]
    texts += [str(p) for p in result.problems]
    assert [p.field for p in result.problems] == ["?", "kids[0].?"]
    for text in texts:
        assert key not in text
        assert key[:12] not in text
        assert "\n" not in text
        assert "\x1b" not in text
        assert len(text) < 500


def test_a_key_that_looks_like_a_field_name_is_shown_with_a_suggestion() -> None:
    result = check_profile({"firstname": "Jane", "First-Name": "Jane"})
    assert [(p.field, p.code) for p in result.problems] == [
        ("firstname", "unknown_field"), ("First-Name", "unknown_field")]
    assert all("first_name" in p.message for p in result.problems)


# ---------------------------------------------------------------- loud in development


def test_debug_names_dropped_fields_in_the_console_without_values() -> None:
    data = {"email": "anonymous@example.com", "first_name": "Jane", "kids": [{"gender": "x"}]}
    html = render_profile_set(data, debug=True)
    engine = JsEngine()
    engine.run("var __warnings = []; console.warn = function (m) { __warnings.push(m); };")
    engine.run(single_script(html))
    warnings = engine.json("__warnings")
    assert engine.calls() == [["profile", "set", {"first_name": "Jane"}]]
    assert len(warnings) == 1
    assert "email [placeholder_email_domain]" in warnings[0]
    assert "kids[0].gender [invalid_gender]" in warnings[0]
    assert "anonymous" not in warnings[0]
    assert "example.com" not in warnings[0]


def test_debug_warns_even_when_nothing_is_left_to_send() -> None:
    html = render_profile_set({"email": "anonymous@example.com"}, debug=True)
    engine = JsEngine()
    engine.run("var __warnings = []; console.warn = function (m) { __warnings.push(m); };")
    engine.run(single_script(html))
    assert engine.calls() == []
    assert engine.json("__warnings.length") == 1
    assert render_profile_set({"email": "anonymous@example.com"}) == Markup()


# ---------------------------------------------------------------- shop id


@pytest.mark.parametrize("shop_id", [
    "357382bf66ac0ce2f1722677c5951", "357382bf66ac0ce2f1722677c595111",  # 29 and 31
    "357382bf66ac0ce2f1722677c5951g", "shop1", "", " 357382bf66ac0ce2f1722677c59511",
    "357382bf66ac0ce2f1722677c59511\n",
    "\uff13\uff15\uff17382bf66ac0ce2f1722677c59511",  # full-width digits
])
def test_a_shop_id_is_30_hexadecimal_characters(shop_id: str) -> None:
    with pytest.raises(ValueError, match="30 hexadecimal characters"):
        render_init(shop_id)


def test_a_hexadecimal_shop_id_in_either_case_is_sent_as_given() -> None:
    for shop_id in (SHOP_ID, SHOP_ID.upper()):
        assert run_snippet(render_init(shop_id))[-1] == ["init", shop_id]
