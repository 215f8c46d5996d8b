"""dumps_js: the one data-to-JS-text function.

Escaping is proved against the rule (no raw ``< > &`` U+2028 U+2029 in the text),
decoding against two independent readers (``json.loads`` and V8), and the public
test vectors named in ``safe-embedding.md`` are reproduced literally, each embedded
in a rendered snippet and checked with both WHATWG parsers plus V8.
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

import pytest

from pc_snippets import UnsafeValueError, dumps_js, render_call
from tests.oracles import JsEngine, run_snippet, single_script

MAX_SAFE = 2**53 - 1
FORBIDDEN_RAW = ("<", ">", "&", "\u2028", "\u2029")


@pytest.fixture(scope="module")
def v8() -> JsEngine:
    return JsEngine()


def as_json_value(value: Any) -> Any:
    """What a JSON round trip of ``value`` must give (tuples are arrays, dates ISO)."""
    if isinstance(value, dict):
        return {str(k): as_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json_value(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def assert_safe_text(text: str) -> None:
    for raw in FORBIDDEN_RAW:
        assert raw not in text, f"raw {raw!r} in serializer output"


def assert_round_trip(value: Any, v8: JsEngine) -> str:
    text = dumps_js(value)
    assert_safe_text(text)
    expected = as_json_value(value)
    assert json.loads(text) == expected
    assert v8.json(text) == expected
    return text


# ---------------------------------------------------------------- escaping rule

HOSTILE_STRINGS = [
    "&<>",
    "</script>",
    "</SCRIPT>",
    "</ScRiPt >",
    "<!--<script>",
    "-->",
    "]]>",
    "<![CDATA[x]]>",
    "a\u2028b\u2029c",
    "<\u2028>&\u2029",
    "\\u003C already escaped text stays text",
    '"quoted" \\ backslash',
    "emoji \U0001f600 and RTL \u202e mark \u200f",
]


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_strings_escape_and_decode_back(value: str, v8: JsEngine) -> None:
    text = assert_round_trip(value, v8)
    # Every unsafe character is there as its escape, one per occurrence.
    for raw, escaped in (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        # (text that already spells an escape keeps it, after its backslash is doubled)
        assert text.count(escaped) == value.count(raw) + value.count(escaped)


@pytest.mark.parametrize("value", [*HOSTILE_STRINGS, "caf\u00e9 \U0001f600 \x7f \u0085"])
def test_ascii_only_writes_every_other_character_as_an_escape(value: str, v8: JsEngine) -> None:
    # For an HTTP header value: ASCII, still the same JSON (astral characters as
    # surrogate pairs), and every escape of the default output kept.
    text = dumps_js({"k": value}, ascii_only=True)
    assert text.isascii()
    assert json.loads(text) == v8.json(text) == {"k": value}
    default = dumps_js({"k": value})
    assert text == default if default.isascii() else text != default
    assert "\\u003C" in text if "<" in value else "<" not in text


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_unsafe_characters_in_keys_are_escaped_too(value: str, v8: JsEngine) -> None:
    assert_round_trip({value: [value, {value: 1}]}, v8)


def test_structures_round_trip(v8: JsEngine) -> None:
    value = {
        "s": "text", "i": -42, "f": 1.5, "t": True, "n": None,
        "l": [1, "two", [3.25, False]], "tuple": (1, 2), "d": datetime.date(2001, 4, 12),
        "max": MAX_SAFE, "min": -MAX_SAFE, "nested": {"a": {"b": {"c": "</script>"}}},
    }
    assert_round_trip(value, v8)


def test_dates_are_iso_strings() -> None:
    assert json.loads(dumps_js(datetime.date(1990, 3, 11))) == "1990-03-11"
    assert json.loads(dumps_js({"d": datetime.date(2015, 7, 28)})) == {"d": "2015-07-28"}


def test_prechecked_escapes_identically(v8: JsEngine) -> None:
    for value in [*HOSTILE_STRINGS, {"k<": ["&", "\u2028"]}, [datetime.date(2000, 1, 1)]]:
        assert dumps_js(value, prechecked=True) == dumps_js(value)
        assert_safe_text(dumps_js(value, prechecked=True))


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("value", [
    math.nan, math.inf, -math.inf, [1.0, math.nan], {"a": {"b": -math.inf}},
])
@pytest.mark.parametrize("prechecked", [False, True])
def test_nan_and_infinity_refused(value: Any, prechecked: bool) -> None:
    with pytest.raises(UnsafeValueError):
        dumps_js(value, prechecked=prechecked)


@pytest.mark.parametrize("value", [
    chr(0xD800), f"a{chr(0xDC00)}b", chr(0xDFFF), ["ok", chr(0xD83D)],
    {"k": f"x{chr(0xDE00)}"}, {chr(0xD800): 1},
])
@pytest.mark.parametrize("prechecked", [False, True])
def test_lone_surrogates_refused(value: Any, prechecked: bool) -> None:
    with pytest.raises(UnsafeValueError):
        dumps_js(value, prechecked=prechecked)


@pytest.mark.parametrize("value", [
    MAX_SAFE + 1, -MAX_SAFE - 1, 2**64, [1, 2**53], {"a": {"b": [-(2**60)]}},
])
def test_unsafe_integers_refused(value: Any) -> None:
    with pytest.raises(UnsafeValueError):
        dumps_js(value)


def test_safe_integer_bounds_accepted(v8: JsEngine) -> None:
    assert v8.json(dumps_js([MAX_SAFE, -MAX_SAFE])) == [MAX_SAFE, -MAX_SAFE]


@pytest.mark.parametrize("value", [
    {"__proto__": {"polluted": True}},
    {"ok": {"__proto__": 1}},
    [{"a": [{"__proto__": None}]}],
    ({"x": {"y": {"__proto__": "z"}}},),
])
def test_proto_keys_refused_at_any_depth(value: Any) -> None:
    with pytest.raises(UnsafeValueError):
        dumps_js(value)


@pytest.mark.parametrize("value", [
    object(), {1, 2}, b"bytes", 1 + 2j, datetime.time(12, 0), [object()], {"a": frozenset()},
])
def test_unknown_types_raise_type_error(value: Any) -> None:
    with pytest.raises(TypeError):
        dumps_js(value)


@pytest.mark.parametrize("prechecked", [False, True])
def test_cycles_refused(prechecked: bool) -> None:
    cyclic_list: list[Any] = []
    cyclic_list.append(cyclic_list)
    cyclic_dict: dict[str, Any] = {}
    cyclic_dict["self"] = cyclic_dict
    for value in (cyclic_list, cyclic_dict, {"a": [cyclic_dict]}):
        with pytest.raises(UnsafeValueError):
            dumps_js(value, prechecked=prechecked)


# ---------------------------------------------------------------- public vectors

def embedded_round_trip(value: Any) -> None:
    """Put ``value`` in a rendered snippet: one script for both parsers, V8 gets it back."""
    html = render_call("track", "custom", value)
    code = single_script(html)
    assert_safe_text(code[code.index('"custom"'):])
    assert run_snippet(html) == [["track", "custom", as_json_value(value)]]
    # Also before the SDK has loaded: the stub queues the very same call.
    assert run_snippet(html, sdk_loaded=False) == [["track", "custom", as_json_value(value)]]


# Django tests/utils_tests/test_html.py::test_json_script. Django writes JSON with
# ", " / ": " separators; ours are compact, which is the only difference allowed.
DJANGO_JSON_SCRIPT = [
    ("&<>", '"\\u0026\\u003C\\u003E"'),
    (
        {"a": "<script>test&ing</script>"},
        '{"a": "\\u003Cscript\\u003Etest\\u0026ing\\u003C/script\\u003E"}',
    ),
]


@pytest.mark.parametrize(("value", "django_text"), DJANGO_JSON_SCRIPT)
def test_django_json_script_vectors(value: Any, django_text: str) -> None:
    assert dumps_js(value) == django_text.replace('": "', '":"')
    embedded_round_trip(value)


# Jinja tests/test_filters.py::test_json_dump ({{ x|tojson }}). Jinja writes lower-case
# hex and also escapes "'"; our rule escapes < > & (upper-case hex, like Django) and
# leaves "'" alone (harmless in script data), so the expected text is derived from
# Jinja's by exactly those two rule differences.
JINJA_TOJSON = [
    ({"foo": "bar"}, '{"foo": "bar"}'),
    ("\"ba&r'", r'"\"ba\u0026r\u0027"'),
    ("<bar>", r'"\u003cbar\u003e"'),
]


@pytest.mark.parametrize(("value", "jinja_text"), JINJA_TOJSON)
def test_jinja_tojson_vectors(value: Any, jinja_text: str) -> None:
    expected = (
        jinja_text.replace("\\u0027", "'")
        .replace("\\u003c", "\\u003C").replace("\\u003e", "\\u003E")
        .replace('": "', '":"')
    )
    assert dumps_js(value) == expected
    assert json.loads(dumps_js(value)) == json.loads(jinja_text)
    embedded_round_trip(value)


# serialize-javascript test/unit/serialize.js, "XSS" section and the U+2028 case
# ("should serialize weird whitespace characters correctly"). serialize-javascript
# also escapes "/" (\u002F); we do not (a "<" is never raw, so "/" is harmless).
SERIALIZE_JAVASCRIPT = [
    ("</script>", '"\\u003C\\u002Fscript\\u003E"'),
    ("</script >", None),
    ("</script foo>", None),
    ("</script\t>", None),
    ("\u2028", '"\\u2028"'),
    ("\u2029", '"\\u2029"'),
]


@pytest.mark.parametrize(("value", "their_text"), SERIALIZE_JAVASCRIPT)
def test_serialize_javascript_xss_vectors(value: str, their_text: str | None) -> None:
    text = dumps_js(value)
    assert "</script" not in text
    if their_text is not None:
        assert text == their_text.replace("\\u002F", "/")
    assert json.loads(text) == value
    embedded_round_trip(value)


def test_serialize_javascript_split_payload_across_values() -> None:
    # "should encode split script-closing payload across function bodies"
    value = {"a": "</script", "b": "> <img src=x onerror=alert(1)>"}
    assert "</script" not in dumps_js(value)
    embedded_round_trip(value)


# devalue test/test.js, fixtures.strings and fixtures.XSS. devalue emits lone and
# mis-ordered surrogates as-is; they cannot be encoded as UTF-8, and our rule is to
# refuse them.
DEVALUE_STRINGS_OK = [
    ("newline", "a\nb"),
    ("double quotes", '"yar"'),
    ("surrogate pair", "\U0001d306"),
    ("nul", "\0"),
    ("control character", "\u0001"),
    ("control character extremum", "\u001f"),
    ("backslash", "\\"),
    ("Dangerous string",
     "</script><script src='https://evil.com/script.js'>alert('pwned')</script><script>"),
]
DEVALUE_STRINGS_REFUSED = [
    ("lone low surrogate", "a\udc00b"),
    ("lone high surrogate", "a\ud800b"),
    ("two low surrogates", "a\udc00\udc00b"),
    ("two high surrogates", "a\ud800\ud800b"),
    ("surrogate pair in wrong order", "a\udc00\ud800b"),
]


@pytest.mark.parametrize(
    ("name", "value"), DEVALUE_STRINGS_OK, ids=[n for n, _ in DEVALUE_STRINGS_OK]
)
def test_devalue_string_fixtures(name: str, value: str) -> None:
    assert json.loads(dumps_js(value)) == value
    embedded_round_trip(value)


@pytest.mark.parametrize(
    ("name", "value"), DEVALUE_STRINGS_REFUSED, ids=[n for n, _ in DEVALUE_STRINGS_REFUSED]
)
def test_devalue_surrogate_fixtures_refused(name: str, value: str) -> None:
    with pytest.raises(UnsafeValueError):
        dumps_js(value)
    with pytest.raises(UnsafeValueError):
        render_call("track", "custom", value)


def test_devalue_dangerous_key() -> None:
    value = {'<svg onload=alert("xss_works")>': "bar"}
    assert dumps_js(value).startswith('{"\\u003Csvg onload=alert(\\"xss_works\\")\\u003E"')
    embedded_round_trip(value)


# html5lib-tests tree-construction/scriptdata01.dat: the script-data contents of its
# cases (end tags with whitespace and "/", attributes, escaped "<!--" and
# double-escaped "<!-- <sCrIpt>" states), plus letter-case variants of "</script".
SCRIPTDATA01 = [
    "'Hello'",
    "</script>",
    "</script >",
    "</script/>",
    "</script/ >",
    "</scriptx>",
    "</script foo=\">\" dd>",
    "'<'",
    "'<!'",
    "'<!-'",
    "'<!--'",
    "'<!---'",
    "'<!-->'",
    "'<!-- potato'",
    "'<!-- <sCrIpt'",
    "'<!-- <sCrIpt>'",
    "'<!-- <sCrIpt> -'",
    "'<!-- <sCrIpt> --'",
    "'<!-- <sCrIpt> -->'",
    "'<!-- <sCrIpt> --!>'",
    "'<!-- <sCrIpt> -- >'",
    "'<!-- <sCrIpt '",
    "'<!-- <sCrIpt/'",
    "'<!-- <sCrIpt\\'",
    "'<!-- <sCrIpt/'</script>BAR",
    "<!--<script>-></script>-->",
    "<!--<script>",
    "</SCRIPT>",
    "</Script\n>",
    "</sCrIpT\f>",
    "</script\r",
    "</script\t",
    "</ScRiPt/",
]


@pytest.mark.parametrize("value", SCRIPTDATA01)
def test_html5lib_scriptdata_states(value: str) -> None:
    assert "<" not in dumps_js(value)
    embedded_round_trip(value)
    embedded_round_trip({value: value})


def test_oracle_catches_an_unescaped_double_escape() -> None:
    # Control: the same check fails for the raw text, so the tests above can fail.
    raw = '<script>personaclick("track","custom","<!--<script>");</script>'
    with pytest.raises(AssertionError):
        single_script(raw)


# Every character the HTML parser reports as a parse error in script text (WHATWG
# "control-character-in-input-stream", "noncharacter-in-input-stream"), listed by
# hand from the spec: DEL, the C1 controls, U+FDD0-U+FDEF, and U+xFFFE/U+xFFFF of
# every plane.
PARSE_ERROR_CHARACTERS = (
    ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)] + [chr(c) for c in range(0xFDD0, 0xFDF0)]
    + [chr(plane * 0x10000 + last) for plane in range(17) for last in (0xFFFE, 0xFFFF)]
)


def test_characters_the_html_parser_reports_are_escaped_and_arrive_unchanged() -> None:
    import html5lib

    text = "a" + "b".join(PARSE_ERROR_CHARACTERS) + "\u00e9"
    for value in (text, {"key" + PARSE_ERROR_CHARACTERS[0]: [text]}, "only ascii \x7f"):
        html = render_call("track", "x", value)
        assert not any(c in html for c in PARSE_ERROR_CHARACTERS)
        parser = html5lib.HTMLParser(namespaceHTMLElements=False)
        parser.parse(f"<!DOCTYPE html><html><head><title>t</title>{html}</head></html>")
        assert list(parser.errors) == []
        assert run_snippet(html) == [["track", "x", value]]  # V8 decodes them back
        assert json.loads(dumps_js(value)) == value
    # Data without them is written exactly as before.
    assert dumps_js(["\u00e9\u0100 \ufdcf\ufdf0\ufffd"]) == '["\u00e9\u0100 \ufdcf\ufdf0\ufffd"]'


def test_every_character_the_scans_look_for_is_not_printable() -> None:
    # dumps_js skips its regex scans for text that isprintable() accepts: sound only
    # if no character those scans match (or U+2028/U+2029) is printable.
    from pc_snippets.core import serialize

    scanned = [
        chr(code) for code in range(0x110000)
        if serialize._SURROGATE.match(chr(code)) or serialize._PARSE_ERRORS.match(chr(code))
    ] + ["\u2028", "\u2029"]
    # Surrogates, DEL and C1, U+FDD0-U+FDEF, each plane's last two, U+2028/U+2029.
    assert len(scanned) == 2048 + 33 + 32 + 34 + 2
    assert not any(character.isprintable() for character in scanned)


@pytest.mark.parametrize("character", ["\u00a0", "\u200b", "\ue000", "\U0001f600"])
def test_printable_and_non_printable_text_is_escaped_alike(character: str) -> None:
    # Text that fails isprintable() for a harmless reason (NBSP, a zero-width space,
    # private use) takes the scans; with a scanned character beside it, both kinds
    # of text escape that character the same way.
    for text in (f"Zoë{character}", f"Zoë{character}\u2028\x85"):
        out = dumps_js({"a": text}, prechecked=True)
        assert json.loads(out) == {"a": text}
        assert "\u2028" not in out
        assert "\x85" not in out
        assert character in out
