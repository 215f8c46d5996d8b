"""The fast path of the profile check: values already in the form they are sent.

A shop's own data is usually clean: an integer id, trimmed names, a lower-case
email domain, a phone written as digits. For each field rule, :data:`SENT_AS_IS`
holds a Python expression that is true only for a value the reference rule
(:mod:`pc_snippets.core.fields`) would send unchanged, with no problem under the
strictest guard. From that table one straight-line function is generated for
the standard fields, so a clean profile costs one test per field and no
per-field call. A field whose value the expression does not accept (or a
``None``) goes through the reference rules, which decide what to send and report
any problem; the fast path itself never reports one. The tests hold for the
strictest guard: switching rules off only accepts more. The two ways a guard
refuses more are deferred to the reference: with store placeholder domains the
email test always defers, and every birthday an opt-in rule can refuse
(``1970-01-01``) is in ``PLACEHOLDER_BIRTHDAYS``, which the birthday test leaves
to the reference.

``tests/test_sent.py`` proves the fast check equal to the reference alone
(payload, problems and output text) over generated, hostile and Faker data, the
way markupsafe proves its speedups equal to its pure-Python fallback.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any

from . import fields as f
from .clock import today_iso
from .guard import (
    _ASCENDING,
    _DESCENDING,
    _GENERATED_LOCAL,
    _MIRROR_WORD,
    _PLACEHOLDER_LOCAL,
    _PLACEHOLDER_NAMES,
    _RESERVED_DOMAINS,
    _RESERVED_SUFFIXES,
    DEFAULT_GUARD,
    PLACEHOLDER_BIRTHDAYS,
    phone_may_be_placeholder,
)
from .phones import read_as_international
from .serialize import MAX_SAFE_INTEGER

__all__ = [
    "CLOCK_VIEW", "EMAIL_AS_SENT", "SENT_AS_IS", "finish_profile", "generate_entry_test",
    "read_profile", "screen_profile",
]


def _email_as_sent() -> re.Pattern[str]:
    # One regex for what email() sends unchanged with no guard question: the
    # reference's address pattern with a lower-case domain (email() lower-cases
    # it), a local part of at most 64 characters, and the guard's own patterns
    # as lookarounds: no placeholder or generated mailbox (the text before any
    # "+", in any case), no reserved domain. A mailbox that could repeat its
    # domain (mirrored_email: tiny, one repeated character, a run) and a bare
    # mail@ (placeholder only at free-mail services) are left to the reference
    # whatever the domain: they are rare, and the test stays one regex.
    # The test asks str.islower() first, so the guard's patterns (written for the
    # lower-cased mailbox) are matched as they are: matching "ignoring case" costs
    # sre twice as much. An address with a capital (John.Doe@) is left to the
    # reference, which takes it as it should, a little slower.
    lower_domain = f._DOMAIN_PART.replace("A-Za-z", "a-z")
    mailbox_end, end = r"(?:\+|@)", r"\Z"
    reserved = "|".join(re.escape(domain) for domain in sorted(_RESERVED_DOMAINS))
    reserved_ends = "".join(f"(?<!{re.escape(suffix)})" for suffix in _RESERVED_SUFFIXES)
    return re.compile(
        f"(?=[^@]{{1,64}}@)"
        f"(?!(?:{_PLACEHOLDER_LOCAL.pattern}|{_MIRROR_WORD.pattern}){mailbox_end})"
        # The guard asks for a generated mailbox only from 20 characters on.
        f"(?!(?=[^@+]{{20}})(?:{_GENERATED_LOCAL.pattern}){mailbox_end})"
        f"{f._LOCAL_PART}@(?!(?:{reserved}){end}){lower_domain}{reserved_ends}"
    )


#: For text str.islower() accepts (as SENT_AS_IS asks first): it ignores no case.
EMAIL_AS_SENT = _email_as_sent()


def real_date(value: str) -> bool:
    """Whether a ``YYYY-MM-DD`` text is a calendar date."""
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_ID_TEXT = 'type(v) is str and 0 < len(v) <= 256 and v.isprintable() and " " not in v'
_TEXT = (
    'type(v) is str and 0 < len(v) <= 256 and v.isprintable() and v[0] != " " and v[-1] != " "'
)
#: For each rule, an expression in ``v`` (the value), ``ctx`` and ``today`` that is
#: true only if the rule sends ``v`` as it is, with no problem. Printable text
#: holds no whitespace but " " (every other space character is a separator or a
#: control, which isprintable() refuses), so text with no " " at either end is
#: already trimmed. A phone's placeholder test looks at its last six digits first
#: (as Guard.phone_problem does): a tail that is no repeat or run needs no more.
SENT_AS_IS: dict[f.Normaliser, str] = {
    f.user_id: f"(type(v) is int and 0 < v <= MAX_SAFE_INTEGER) or ({_ID_TEXT})",
    f.identifier: _ID_TEXT,
    f.text: _TEXT,
    # A name of one letter repeated ("aaa"; "oo" is left to the reference too) is
    # a placeholder: w.lstrip(w[0]) is empty for every such name. Letters only
    # (after case folding, which maps each character on its own) also means
    # printable, not empty and no space at either end: tests/test_sent.py checks
    # that over every code point, so the text test's own steps are not repeated.
    f.name: (
        "type(v) is str and len(v) <= 256 and (w := v.casefold()).isalpha()"
        " and w not in PLACEHOLDER_NAMES and w.lstrip(w[0])"
    ),
    f.email: (
        "type(v) is str and len(v) <= 254 and not ctx.guard.placeholder_domains"
        " and v.islower() and EMAIL_AS_SENT.fullmatch(v) is not None"
    ),
    # With a phone region, digits are sent as they are only if the region's
    # reading of them (phones.py) is those same digits.
    f.phone: (
        "type(v) is str and 7 <= len(v) <= 15 and v.isascii() and v.isdigit()"
        ' and v[0] != "0" and not PHONE_MAY_BE_PLACEHOLDER(v)'
        " and (ctx.phone_region is None or READ_AS_INTERNATIONAL(v, ctx.phone_region) == v)"
    ),
    f.gender: '(v == "m" or v == "f") and type(v) is str',
    f.birthday: (
        'type(v) is str and len(v) == 10 and v[4] == "-" and v[7] == "-"'
        " and MIN_BIRTHDAY <= v <= today and v not in PLACEHOLDER_BIRTHDAYS and real_date(v)"
    ),
    f.age: "type(v) is int and 1 <= v <= 120",
    f.flag: "v is True or v is False",
    f.number: "type(v) is int and 0 <= v <= MAX_SAFE_INTEGER",
    # VIN characters are upper-case letters and digits: nothing to trim or upper-case.
    f.vehicle_id: "type(v) is str and VEHICLE_ID.fullmatch(v) is not None",
}

_NAMESPACE: dict[str, Any] = {
    "MAX_SAFE_INTEGER": MAX_SAFE_INTEGER, "PLACEHOLDER_NAMES": _PLACEHOLDER_NAMES,
    "PLACEHOLDER_BIRTHDAYS": PLACEHOLDER_BIRTHDAYS, "MIN_BIRTHDAY": f.MIN_BIRTHDAY,
    "ASCENDING": _ASCENDING, "DESCENDING": _DESCENDING, "EMAIL_AS_SENT": EMAIL_AS_SENT,
    "VEHICLE_ID": f._VEHICLE_ID, "real_date": real_date,
    "PHONE_MAY_BE_PLACEHOLDER": phone_may_be_placeholder,
    "READ_AS_INTERNATIONAL": read_as_international,
}
# Reads a record's fields: (copies of list fields, names the reference must
# decide or None, how many fields were present and not None, the date read for
# the date rules or "" when no dated field was there). Its second argument is a
# Context or anything with the three attributes a test reads (see ClockView).
RecordTest = Callable[
    [dict[str, Any], Any], "tuple[dict[str, Any], tuple[str, ...] | None, int, str]"
]
TestOutcome = tuple[dict[str, Any], "tuple[str, ...] | None", int, str]
EntryTest = Callable[[dict[str, Any], f.Context], bool]


class ClockView:
    """What a generated test reads of a check with the default settings.

    One shared, unchanging instance: the default guard, no phone region, and
    today from the clock. A clean profile needs nothing else, so the check makes
    its :class:`~pc_snippets.core.fields.Context` (the problems list, the date
    kept for the whole check) only when a field goes to the reference rules, with
    the date the test read (the fourth item of its outcome).
    """

    __slots__ = ()
    guard = DEFAULT_GUARD
    phone_region = None

    @property
    def today_iso(self) -> str:
        """Today as ``YYYY-MM-DD`` from the clock (see :mod:`.clock`)."""
        return today_iso()


CLOCK_VIEW = ClockView()


def _generate(rules: Mapping[str, f.Normaliser],
              entries: Mapping[f.Normaliser, Mapping[str, f.Normaliser]],
              copies: bool = True, shape: tuple[str, ...] | None = None) -> RecordTest:
    """One straight-line function testing each field of ``rules`` with its expression.

    ``entries`` maps each list rule (kids, auto) to the rules of its entries, whose
    tests are written inline in a loop: a profile's lists cost no call. With
    ``copies=False`` the lists are tested but not copied (its first result is empty).
    With ``shape`` (names of ``rules``, as a record's keys in order) the function is
    for records with exactly those keys: it unpacks their values in one step
    instead of looking up every name of ``rules`` (see :func:`shape_test`).
    """
    lines = ["def test(data, ctx):"]
    names = list(rules) if shape is None else list(shape)
    if shape is None:
        lines.append("    get = data.get")
    elif shape:
        # The names come from rules (plain constants), never from a caller's keys.
        lines.append(f"    {''.join(f'_{index}, ' for index in range(len(shape)))}= data.values()")
    lines += ["    missed = None", "    lists = {}", "    present = 0"]
    dated = [name for name in names
             if rules[name] is f.birthday or f.birthday in entries.get(rules[name], {}).values()]
    if dated and shape is None:
        asked = " or ".join(f"{name!r} in data" for name in dated)
        lines.append(f'    today = ctx.today_iso if {asked} else ""')
    elif dated:
        lines.append("    today = ctx.today_iso")
    for index, name in enumerate(names):
        rule = rules[name]
        value = f"get({name!r})" if shape is None else f"_{index}"
        lines += [f"    v = {value}", "    if v is not None:", "        present += 1"]
        if rule in entries:
            # An empty entry, one with an unknown key or a None, a list too long:
            # the reference's (copy is None). Otherwise copies of the entries.
            lines += [
                f"        copy = [] if type(v) is list and 0 < len(v) <= {f.MAX_LIST_LENGTH}"
                " else None",
                "        for entry in (v if copy is not None else ()):",
                "            if type(entry) is not dict or not entry:",
                "                copy = None",
                "                break",
                "            get_entry = entry.get",
                "            in_entry = 0",
            ]
            for key, entry_rule in entries[rule].items():
                lines += [
                    f"            v = get_entry({key!r})",
                    "            if v is not None:",
                    f"                if not ({SENT_AS_IS[entry_rule]}):",
                    "                    copy = None",
                    "                    break",
                    "                in_entry += 1",
                ]
            lines += [
                "            if in_entry != len(entry):",
                "                copy = None",
                "                break",
            ]
            if copies:
                lines.append("            copy.append(entry.copy())")
            lines += [
                "        if copy is None:",
                f"            missed = (missed or ()) + ({name!r},)",
            ]
            if copies:
                lines += ["        else:", f"            lists[{name!r}] = copy"]
        else:
            lines += [
                f"        if not ({SENT_AS_IS[rule]}):",
                f"            missed = (missed or ()) + ({name!r},)",
            ]
    lines.append(f"    return lists, missed, present, {'today' if dated else repr('')}")
    test: RecordTest = _compiled(lines, None, "test")
    return test


def _field_lines(rules: Mapping[str, f.Normaliser], expressions: Mapping[f.Normaliser, str],
                 indent: str, fail: str) -> list[str]:
    # The test of each field present in the record bound to ``get``: ``fail`` unless sent as is.
    lines = []
    for name, rule in rules.items():
        lines += [
            f"{indent}v = get({name!r})", f"{indent}if v is not None:",
            f"{indent}    if not ({expressions[rule]}):", f"{indent}        {fail}",
            f"{indent}    present += 1",
        ]
    return lines


def _compiled(lines: list[str], names: Mapping[str, Any] | None, function: str) -> Any:
    namespace = {**_NAMESPACE, **(names or {})}
    exec("\n".join(lines), namespace)  # noqa: S102 - constant source text made here
    return namespace[function]


def generate_entry_test(
    rules: Mapping[str, f.Normaliser],
    expressions: Mapping[f.Normaliser, str] | None = None,
    names: Mapping[str, Any] | None = None,
) -> EntryTest:
    """A straight-line test of one record: true if every field present is sent as it is.

    ``expressions`` adds the tests of rules beyond :data:`SENT_AS_IS` (the event
    rules of :mod:`pc_snippets.core.events`), ``names`` what those refer to.
    """
    expressions = {**SENT_AS_IS, **(expressions or {})}
    lines = ["def test(data, ctx):", "    get = data.get", "    present = 0"]
    if any(rule is f.birthday for rule in rules.values()):
        lines.append("    today = ctx.today_iso")
    lines += _field_lines(rules, expressions, "    ", "return False")
    lines.append("    return present == len(data)")
    test: EntryTest = _compiled(lines, names, "test")
    return test


def generate_list_test(
    rules: Mapping[str, f.Normaliser],
    expressions: Mapping[f.Normaliser, str] | None = None,
    names: Mapping[str, Any] | None = None,
    *,
    required: str | None,
) -> Callable[[Any, f.Context], list[dict[str, Any]] | None]:
    """:func:`generate_entry_test` for each record of a list, in one loop, inlined.

    Returns copies of the records if every one is a non-empty dict (with the key
    ``required``, if given) whose fields are all sent as they are, else ``None``
    (the caller's rules decide). A cart of ten lines pays one call instead of ten.
    """
    expressions = {**SENT_AS_IS, **(expressions or {})}
    entry_test = "not data" if required is None else f"{required!r} not in data"
    lines = ["def test_list(items, ctx):", "    out = []", "    for data in items:",
             f"        if type(data) is not dict or {entry_test}:",
             "            return None", "        get = data.get", "        present = 0"]
    if any(rule is f.birthday for rule in rules.values()):
        lines.insert(1, "    today = ctx.today_iso")
    lines += _field_lines(rules, expressions, "        ", "return None")
    lines += ["        if present != len(data):", "            return None",
              "        out.append(data.copy())", "    return out"]
    return _compiled(lines, names, "test_list")  # type: ignore[no-any-return]


_LISTS = {f.kids: f.KID_RULES, f.auto: f.VEHICLE_RULES}
_test_profile = _generate(f.FIELD_RULES, _LISTS)
_test_profile_in_place = _generate(f.FIELD_RULES, _LISTS, copies=False)
_FIELD_NAMES = frozenset(f.FIELD_RULES)
# Each rule's name as the rules spell it: a shape's code is written from these.
_CANONICAL = {name: name for name in f.FIELD_RULES}

#: Shape tests made so far, per copies flag; at most :data:`MAX_SHAPES` of each.
_SHAPE_TESTS: tuple[dict[tuple[str, ...], RecordTest], dict[tuple[str, ...], RecordTest]] = (
    {}, {})
#: How many record shapes get a test of their own; later shapes use the general test.
MAX_SHAPES = 64


def shape_test(shape: tuple[Any, ...], copies: bool) -> RecordTest:
    """The test for records whose keys are ``shape``, in that order.

    A shop sends the same few shapes over and over (the fields its user model
    has), so a shape made only of standard field names gets a test generated for
    it: the same expressions as the general test, in the record's order, reading
    the values in one unpacking instead of 24 look-ups. It returns exactly what
    the general test returns for such a record (``tests/test_sent.py`` proves it).
    The table holds field names only, never a value: a key that is not a
    standard field name (it could be anything, even an address) is never stored,
    and such a record takes the general test. Bounded: after :data:`MAX_SHAPES`
    shapes, new ones take the general test too.
    """
    general = _test_profile if copies else _test_profile_in_place
    # (One C call for the usual miss, a record with an unknown key.)
    if not shape or not _FIELD_NAMES.issuperset(shape):
        return general
    table = _SHAPE_TESTS[copies]
    test = table.get(shape)
    if test is None:
        if len(table) >= MAX_SHAPES or not all(type(key) is str for key in shape):
            return general
        canonical = tuple(_CANONICAL[key] for key in shape)
        test = table[canonical] = _generate(f.FIELD_RULES, _LISTS, copies, canonical)
    return test


def screen_profile(value: dict[str, Any], view: Any, in_place: bool = False) -> TestOutcome:
    """The fast path's test of a plain dict (see :func:`read_profile`); ``view`` a
    :class:`~pc_snippets.core.fields.Context` or :data:`CLOCK_VIEW`."""
    # The test reads only the known names, so it may run before the key check:
    # when every key is known and sent as is, the count of present fields is the
    # dict's length, and the usual profile needs no key check at all.
    shape = tuple(value)
    test = _SHAPE_TESTS[not in_place].get(shape) or shape_test(shape, not in_place)
    return test(value, view)


def read_profile(value: Any, ctx: f.Context, in_place: bool = False) -> dict[str, Any]:
    """``read_record(value, FIELD_RULES, ctx)`` with the fast path: the same payload and problems.

    A plain dict is tested in one pass; only the fields that pass no test, and
    unknown keys, go through the reference rules (in input order, as always).
    The payload shares nothing with ``value``, unless ``in_place``: then it is
    ``value`` itself when every field is sent as is, and it may share its lists
    otherwise (for a render, which serializes the payload at once and drops it:
    the copies would cost a tenth of the check).
    """
    if type(value) is not dict:
        # Objects and other mappings take the reference path.
        return f.read_record(value, f.FIELD_RULES, ctx)
    return finish_profile(value, ctx, in_place, screen_profile(value, ctx, in_place))


def finish_profile(
    value: dict[str, Any], ctx: f.Context, in_place: bool, outcome: TestOutcome
) -> dict[str, Any]:
    """:func:`read_profile` of a dict after its test (``outcome``): the payload."""
    lists, missed, present, _ = outcome
    if present == len(value):  # every key known, no None
        if missed is None and in_place:
            return value
        out = value.copy()
        if lists:
            out.update(lists)  # the same keys: the input order stays
        if missed is None:
            return out
        if len(missed) == 1:
            # One field for the reference (a typical problem): the rest is the copy,
            # and setting or deleting that one key keeps the input order.
            key = missed[0]
            cleaned = f.field_value(key, value[key], f.FIELD_RULES, ctx, "")
            if cleaned is None:
                del out[key]
            else:
                out[key] = cleaned
            return out
    elif missed is None and present + 1 == len(value):
        unknown = value.keys() - _FIELD_NAMES
        if len(unknown) == 1:
            # One unknown key (a typo in a field name), every other field sent as
            # is, no None: the copy without that key, and the key reported.
            (key,) = unknown
            out = value.copy()
            out.update(lists)
            del out[key]
            f.field_value(key, value[key], f.FIELD_RULES, ctx, "")
            return out
    # The reference's loop (read_record), in input order, for the fields it must
    # decide: those the test missed and unknown keys (reported as such).
    out = {}
    names = _FIELD_NAMES
    for key, raw in value.items():
        if key not in names or (missed is not None and key in missed):
            # (An unknown key is reported whatever its value, None included.)
            f.read_field(key, raw, f.FIELD_RULES, ctx, "", out)
        elif raw is not None:
            out[key] = lists.get(key, raw)
    return out
