"""The one function that turns data into JavaScript text.

Every snippet this library emits is constant JavaScript code plus the output of
:func:`dumps_js`. Keeping the data-to-text step in one place means there is exactly
one place where escaping has to be right (see ``safe-embedding.md``).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["MAX_SAFE_INTEGER", "UnsafeValueError", "dumps_js"]

#: Largest integer a JavaScript number represents exactly (2**53 - 1).
MAX_SAFE_INTEGER = 2**53 - 1

# Object keys that a JS object *literal* treats specially: "__proto__" sets the
# prototype instead of creating an own property.
_FORBIDDEN_KEYS = frozenset({"__proto__"})

# Characters that must never appear raw inside an inline <script>.  "<" blocks
# "</script", "<!--" and "<script"; ">" and "&" block "-->", "]]>" and XML/XHTML
# contexts; U+2028/U+2029 end string literals in pre-ES2019 engines.
# (dumps_js writes the three out, one C scan each.)
_LINE_SEPARATORS = (("\u2028", "\\u2028"), ("\u2029", "\\u2029"))

_SURROGATE = re.compile("[\ud800-\udfff]")
# What the HTML parser calls a parse error in a script's text, though it keeps
# it: DEL, the C1 controls and the noncharacters (U+FDD0-U+FDEF and the last two
# code points of every plane). Harmless to the script, but a page that carries
# them raw is not conforming HTML, so they are written as escapes too (C0
# controls are escaped by every JSON encoder already).
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane + last) for plane in range(0, 0x110000, 0x10000) for last in (0xFFFE, 0xFFFF))
_PARSE_ERRORS = re.compile(f"[\x7f-\x9f{_NONCHARACTERS}]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _escape_parse_error(match: re.Match[str]) -> str:
    # A JSON escape, as a UTF-16 surrogate pair beyond the BMP (JSON has no other).
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04X}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"


class UnsafeValueError(ValueError):
    """Raised when a value cannot be represented exactly and safely in JavaScript.

    The message names the problem, never the value (it may be personal data).
    """


def _encode_default(value: object) -> object:
    # Dates are the only non-JSON type with one obvious text form (YYYY-MM-DD).
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"values of type {type(value).__name__} cannot be sent to PersonaClick")


_ENCODER = json.JSONEncoder(
    ensure_ascii=False,  # keeps non-ASCII text readable; U+2028/9 are escaped below
    allow_nan=False,  # NaN and Infinity are not JSON
    separators=(",", ":"),
    default=_encode_default,
    check_circular=False,  # _check_structure bounds depth; prechecked data is acyclic
)


def _make_fast_encode() -> Callable[[Any], str]:
    """The C encoder that ``_ENCODER.encode`` builds on every call, built once.

    ``JSONEncoder.encode`` re-creates it per call; reusing it saves a noticeable
    share of a small payload's cost. Falls back to the public API where the C
    accelerator is missing or its signature differs.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:
        return _ENCODER.encode
    try:
        c_encoder = make(
            None, _encode_default, basestring, None, ":", ",", False, False, False
        )
        probe: Any = {"a": [1, 2.5, True, None, "\u00e9<"], "b": datetime.date(2001, 4, 12)}
        if "".join(c_encoder(probe, 0)) != _ENCODER.encode(probe):
            return _ENCODER.encode
    except Exception:  # any incompatibility: use the public API
        return _ENCODER.encode

    def encode(value: Any) -> str:
        return "".join(c_encoder(value, 0))

    return encode


_encode = _make_fast_encode()

# pydantic-core's Rust encoder writes checked payloads in about a third of the
# stdlib encoder's time, and the same bytes except for three cases, which send
# the value to the stdlib encoder instead (so the output never differs):
# - floats below 1e-4: Rust writes "0.00001" or "1.5e-7", Python "1e-05" and
#   "1.5e-07" (found by "0.0000" and a digit-e-minus-digit run; a string that
#   merely contains them only costs the slower path);
# - NaN and infinities (written as NaN/Infinity here, refused by the stdlib);
# - anything Rust cannot encode (lone surrogates, cycles).
# tests/test_encoder_equivalence.py compares the two over generated data.
_NEGATIVE_EXPONENT = re.compile(r"[0-9]e-[0-9]")
_rust_to_json: Callable[..., bytes] | None = None


def _encode_checked(value: Any, floats: bool) -> str:
    """JSON text of a checked payload: pydantic-core's encoder where it agrees with the stdlib's."""
    global _rust_to_json
    if _rust_to_json is None:
        # Imported on first use: importing pc_snippets stays free of pydantic. A
        # serializer built once for "any" value is to_json without its per-call
        # set-up (the same inference of each value's type, the same bytes).
        from pydantic_core import SchemaSerializer, core_schema

        _rust_to_json = SchemaSerializer(
            core_schema.any_schema(), core_schema.CoreConfig(ser_json_inf_nan="constants")
        ).to_json
    try:
        text = _rust_to_json(value).decode()
    except Exception:  # lone surrogates, cycles: the stdlib path decides
        return _encode(value)
    if floats and (
        "0.0000" in text
        or ("e-" in text and _NEGATIVE_EXPONENT.search(text))
        or "NaN" in text
        or "Infinity" in text
    ):
        return _encode(value)
    return text


def _check_structure(value: object, depth: int = 0) -> None:
    """Slow path: find unsafe integers and forbidden keys anywhere in ``value``."""
    if depth > 64:  # deeper data is surely a mistake, and a cycle must not recurse forever
        raise UnsafeValueError("data is nested too deeply")
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise UnsafeValueError(
                "integer outside +-(2**53 - 1) would lose precision in JavaScript"
            )
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in _FORBIDDEN_KEYS:
                raise UnsafeValueError("the object key __proto__ cannot be sent")
            _check_structure(item, depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_structure(item, depth + 1)


def dumps_js(
    value: Any, *, prechecked: bool = False, floats: bool = True, ascii_only: bool = False
) -> str:
    """Serialize ``value`` as a JavaScript expression safe inside an inline ``<script>``.

    The result is JSON text (so also a valid JS literal) in which ``<``, ``>``,
    ``&``, U+2028 and U+2029 never appear raw: they are written as ``\\uXXXX``
    escapes, which JavaScript decodes back to the same characters. So are the
    characters an HTML parser reports as parse errors (DEL, C1 controls,
    noncharacters), so that every page stays conforming HTML.

    Refused with :class:`UnsafeValueError` (or :class:`TypeError` for unknown
    types): NaN and infinities, lone surrogates, integers beyond 2**53 - 1, the
    object key ``__proto__``. ``prechecked=True`` is for data the profile
    validation produced (plain dicts with text keys, lists, text, booleans,
    finite numbers, dates): it skips the walk for the last two and encodes with
    pydantic-core's faster encoder, whose output for such data is the same text
    (proven by a differential test). The escaping is the same either way.
    With ``prechecked``, ``floats=False`` says the data holds no float (a fresh
    check knows): the scans for the float spellings where the two encoders
    differ are skipped. A wrong ``False`` can only change how a tiny float is
    spelled (``0.00001`` for ``1e-05``, the same number), never the escaping.
    ``ascii_only=True`` also writes every other non-ASCII character as a JSON
    escape (a surrogate pair beyond the BMP): text for an HTTP header value.

    >>> dumps_js({"name": "</script><!--<script>"})
    '{"name":"\\\\u003C/script\\\\u003E\\\\u003C!--\\\\u003Cscript\\\\u003E"}'
    >>> dumps_js(["&<>"])
    '["\\\\u0026\\\\u003C\\\\u003E"]'
    """
    if not prechecked:
        _check_structure(value)
    try:
        text = _encode_checked(value, floats) if prechecked else _encode(value)
    except (ValueError, RecursionError) as exc:  # NaN, Infinity, or a cycle
        raise UnsafeValueError(
            "value is not representable as JSON (NaN, Infinity or a cycle)"
        ) from exc
    # isprintable() is one fast C pass that is False for every character the
    # scans below look for (surrogates, DEL, C1, noncharacters, U+2028/U+2029:
    # categories Cs, Cc, Cn, Zl, Zp); JSON text holds no raw C0 control. So
    # printable text, the usual non-ASCII name or city, skips the regex scans,
    # whose character class costs a per-character walk of its ranges.
    # tests/test_serialize.py proves that premise over every code point.
    if not text.isascii() and not text.isprintable():
        if _SURROGATE.search(text):
            raise UnsafeValueError("text contains a lone surrogate (not valid Unicode)")
        for raw, escaped in _LINE_SEPARATORS:
            if raw in text:
                text = text.replace(raw, escaped)
        if _PARSE_ERRORS.search(text):
            text = _PARSE_ERRORS.sub(_escape_parse_error, text)
    elif "\x7f" in text:
        text = text.replace("\x7f", "\\u007F")
    # Written out, not looped over a table: a loop's own steps cost as much as the
    # three C scans of a typical payload.
    if "<" in text:
        text = text.replace("<", "\\u003C")
    if ">" in text:
        text = text.replace(">", "\\u003E")
    if "&" in text:
        text = text.replace("&", "\\u0026")
    if ascii_only and not text.isascii():
        text = _NON_ASCII.sub(_escape_parse_error, text)
    return text
