"""Normalisers for each PersonaClick profile field.

Strings first pass the rules every string obeys (:func:`clean_text`: trimmed,
empty is missing, no control characters, at most 256 characters); each field's
normaliser then takes the cleaned value and a :class:`Context` and returns the
value to send (JSON-ready). A bad value raises
:class:`~pc_snippets.core.problems.FieldProblem` with a rule code; list fields (``kids``,
``auto``) report per-item problems to the context and keep the valid items. These
plain functions are the single source of the field rules: :func:`read_record`
(behind :func:`pc_snippets.check_profile`) and the pydantic models both use them,
the latter through :func:`apply`.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .clock import today_iso
from .guard import DEFAULT_GUARD, PLACEHOLDER_BIRTHDAYS, Guard
from .problems import FieldProblem, Problem
from .serialize import MAX_SAFE_INTEGER

__all__ = ["FIELD_RULES", "Context", "Normaliser", "read_record"]

MAX_TEXT_LENGTH = 256
MAX_LIST_LENGTH = 20

# Control characters (C0, DEL, C1) and lone surrogates can't be sent as text.
BAD_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# WHATWG "valid e-mail address" local part, tightened to RFC 5322 dot-atom
# (no leading, trailing or doubled dot), which real mailboxes follow.
_LOCAL_PART = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
# An ASCII (or IDNA-encoded) domain with at least two labels and a TLD that
# starts with a letter (so no bare IP addresses).
_DOMAIN_PART = (
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
# One regex for the common all-ASCII address; internationalised domains take
# the slower path through the IDNA codec.
_ASCII_EMAIL = re.compile(f"({_LOCAL_PART})@({_DOMAIN_PART})")
_IDN_EMAIL = re.compile(f"({_LOCAL_PART})@([^@\\s]{{1,253}})")
_DOMAIN = re.compile(_DOMAIN_PART)

# Separators people type inside phone numbers.
_PHONE_SEPARATORS = re.compile(r"[\s\-./()\u00a0\u2010-\u2015]")
_PHONE_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*\d{1,6}\Z", re.IGNORECASE)


def _without_extension(value: str) -> str:
    # Every extension the regex removes holds an "x" or "#" (in "x", "ext" and
    # "extension"; no other character matches "x" ignoring case: tests/test_fields.py
    # checks every code point), so a number without either skips its search, which
    # costs as much as the rest of the rule.
    if "x" in value or "X" in value or "#" in value:
        return _PHONE_EXTENSION.sub("", value)
    return value


_VEHICLE_ID = re.compile(r"[A-HJ-NPR-Z0-9]{6}|[A-HJ-NPR-Z0-9]{17}")

_GENDERS = {
    "m": "m", "male": "m", "man": "m", "masculine": "m",
    "f": "f", "female": "f", "woman": "f", "feminine": "f",
    "м": "m", "муж": "m", "мужской": "m", "мужчина": "m",
    "ж": "f", "жен": "f", "женский": "f", "женщина": "f",
}

MIN_BIRTHDAY = "1900-01-01"


_new_problem = tuple.__new__


class Context:
    """Per-check state shared by the normalisers: the guard, today, found problems."""

    __slots__ = ("_today", "floats", "guard", "phone_region", "problems")

    def __init__(
        self, guard: Guard = DEFAULT_GUARD, today: str | None = None,
        phone_region: str | None = None,
    ) -> None:
        self.guard = guard
        # None: phones are read as written; else a checked region code ("RU").
        self.phone_region = phone_region
        self.problems: list[Problem] = []
        # Set by every rule that sends a float: without one, dumps_js can skip the
        # scans for the float spellings where its two encoders differ.
        self.floats = False
        # None: the server's local date, read once when a date rule first needs it.
        self._today = today

    @property
    def today_iso(self) -> str:
        """Today as ``YYYY-MM-DD`` (see :mod:`.clock`), fixed for the whole check."""
        if self._today is None:
            self._today = today_iso()
        return self._today

    def report(self, field: str, code: str, message: str) -> None:
        # The tuple's own constructor: Problem(...) would add a Python-level call.
        self.problems.append(_new_problem(Problem, (field, code, message)))


Normaliser = Callable[[Any, Context], Any]

def _plain_str(value: str) -> str:
    # str subclasses (markupsafe.Markup, str enums) are sent as plain text.
    return value if type(value) is str else str.__str__(value)


def clean_text(value: str) -> str | None:
    """The rules every string obeys: trimmed; empty is missing; <= 256 characters;
    no control characters or lone surrogates.

    Normalisers receive strings already cleaned by this (see :func:`apply`).

    >>> clean_text("  Jane ")
    'Jane'
    >>> clean_text("   ") is None
    True
    """
    value = _plain_str(value).strip()
    if not value:
        return None
    if len(value) > MAX_TEXT_LENGTH:
        raise FieldProblem("too_long", f"longer than {MAX_TEXT_LENGTH} characters")
    # isprintable() is a fast C check that is False for every control character
    # and surrogate (and some harmless spaces); only then is the regex needed.
    if not value.isprintable() and BAD_TEXT.search(value):
        raise FieldProblem("invalid_text", "contains control characters or invalid Unicode")
    return value


def apply(normalise: Normaliser, value: Any, ctx: Context) -> Any:
    """Run ``normalise`` on a raw value: strings are cleaned first, empty is missing."""
    if value is None:
        return None
    if value.__class__ is str:
        # clean_text's steps written out for the usual plain, printable text (a
        # refused field goes this way on the render path): the same result.
        value = value.strip()
        if not value:
            return None
        if len(value) > MAX_TEXT_LENGTH or not value.isprintable():
            value = clean_text(value)
    elif isinstance(value, str):
        value = clean_text(value)
        if value is None:
            return None
    return normalise(value, ctx)


def text(value: Any, ctx: Context) -> str:
    """Free text (already cleaned by :func:`clean_text`)."""
    if not isinstance(value, str):
        raise FieldProblem("invalid_type", "expected text")
    return value


def name(value: Any, ctx: Context) -> str:
    """A person's name: text that is not a placeholder."""
    if not isinstance(value, str):
        raise FieldProblem("invalid_type", "expected text")
    code = ctx.guard.name_problem(value)
    if code:
        raise FieldProblem(code, "looks like a placeholder, not a real name")
    return value


# An integer sent as text obeys the text limit. Checked before str(): Python
# refuses to write an int of more than 4,300 digits with a bare ValueError.
_TOO_LONG_INT = 10**MAX_TEXT_LENGTH


def _int_text(value: int) -> str:
    if not -_TOO_LONG_INT < value < _TOO_LONG_INT:
        raise FieldProblem("too_long", f"longer than {MAX_TEXT_LENGTH} characters")
    return str(value)


def identifier(value: Any, ctx: Context) -> str:
    """A string id (social, loyalty, advertising ids): no whitespace; ints converted."""
    if isinstance(value, str):
        if " " in value or not value.isprintable():
            # Any whitespace inside an id means it was pasted wrongly.
            raise FieldProblem("invalid_text", "an id must not contain whitespace")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _int_text(value)
    raise FieldProblem("invalid_type", "expected text or an integer")


def user_id(value: Any, ctx: Context) -> int | str:
    """Store-side id: a positive integer or a non-empty string.

    Integers beyond 2**53 - 1 are sent as strings so JavaScript can't round them.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise FieldProblem("invalid_id", "an integer id must be positive")
        return int(value) if value <= MAX_SAFE_INTEGER else _int_text(value)
    if isinstance(value, str):
        return identifier(value, ctx)
    raise FieldProblem("invalid_id", "expected a positive integer or text")


def email(value: Any, ctx: Context) -> str:
    """An email address; domain lower-cased (IDN allowed), local part kept."""
    if not isinstance(value, str):
        raise FieldProblem("invalid_type", "expected text")
    if len(value) > 254:
        raise FieldProblem("invalid_email", "not a valid email address")
    match = _ASCII_EMAIL.fullmatch(value)
    if match is not None:
        local, domain = match.groups()
        ascii_domain = domain = domain.lower()
    else:
        match = _IDN_EMAIL.fullmatch(value)
        if match is None or match.group(2).isascii():
            raise FieldProblem("invalid_email", "not a valid email address")
        local, domain = match.groups()
        domain = domain.lower()
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise FieldProblem("invalid_email", "not a valid email address") from None
        if not _DOMAIN.fullmatch(ascii_domain):
            raise FieldProblem("invalid_email", "not a valid email address")
    if len(local) > 64:
        raise FieldProblem("invalid_email", "not a valid email address")
    code = ctx.guard.email_problem(local, ascii_domain)
    if code:
        raise FieldProblem(code, "looks like a placeholder or generated address")
    return f"{local}@{domain}"


def phone(value: Any, ctx: Context) -> str:
    """A phone: digits with country code (E.164 length: 7..15 digits).

    Without ``ctx.phone_region`` the digits are read as written, country code
    included; a number that can only be national (one leading trunk ``0``) is
    refused rather than sent as if it carried a country code. With a region, a
    number without an international prefix is a national number of that region
    (:func:`pc_snippets.core.phones.read_in_region`).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 < value < 10**15:
            raise FieldProblem("invalid_phone", "not a phone number (7 to 15 digits)")
        value = str(value)
    elif not isinstance(value, str):
        raise FieldProblem("invalid_phone", "not a phone number (7 to 15 digits)")
    if ctx.phone_region is not None:
        from .phones import read_in_region

        digits = read_in_region(value, ctx.phone_region)
    elif value.isdigit() and value[0] != "0":
        digits = value  # already normalised: skip the regex work
    elif value.startswith("+"):
        # "+44 (0)20 ..." : the bracketed trunk zero is not dialled internationally.
        rest = _without_extension(value[1:]).replace("(0)", "", 1)
        digits = _PHONE_SEPARATORS.sub("", rest)
        if digits[:1] == "0":  # no country code starts with 0
            raise FieldProblem("invalid_phone", "not a phone number (no country code after +)")
    else:
        digits = _PHONE_SEPARATORS.sub("", _without_extension(value))
        # "00" is the international prefix when a whole number follows it.
        if digits.startswith("00") and len(digits) >= 9:
            digits = digits[2:]
        elif digits[:1] == "0" and digits[1:2] != "0":
            raise FieldProblem(
                "phone_needs_region",
                "a national number (leading trunk 0) without a country code: set the "
                "phone region (phone_region) to read it",
            )
    if not digits.isascii() and digits.isdecimal():
        # Arabic-Indic, Devanagari ... digits typed on a local keyboard.
        digits = "".join(str(unicodedata.decimal(ch)) for ch in digits)
    if not (digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 15):
        raise FieldProblem("invalid_phone", "not a phone number (7 to 15 digits)")
    code = ctx.guard.phone_problem(digits)
    if code:
        raise FieldProblem(code, "looks like a placeholder phone number")
    return digits


def gender(value: Any, ctx: Context) -> str:
    """``"m"`` or ``"f"``; common spellings are normalised, anything else refused."""
    normalised = _GENDERS.get(value.casefold()) if isinstance(value, str) else None
    if normalised is None:
        raise FieldProblem("invalid_gender", 'PersonaClick only accepts "m" or "f"')
    return normalised


def iso_date(value: Any) -> str | None:
    """A ``datetime.date`` or ``YYYY-MM-DD`` string as ``YYYY-MM-DD``; ``None`` if empty.

    >>> iso_date(" 2001-04-12 ")
    '2001-04-12'
    """
    if isinstance(value, str):
        text_value: str = _plain_str(value).strip()
        if not text_value:
            return None
        value = text_value
        # Exactly YYYY-MM-DD: fromisoformat alone would also take "20010412" or
        # week dates; it refuses non-ASCII digits and impossible dates itself.
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise FieldProblem("invalid_date", "expected a date (YYYY-MM-DD)")
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise FieldProblem("invalid_date", "not a real calendar date (YYYY-MM-DD)") from None
        return text_value
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise FieldProblem("invalid_date", "expected a date (YYYY-MM-DD)")


def age_on(iso_birthday: str, iso_today: str) -> int:
    """Whole years between two ``YYYY-MM-DD`` dates.

    >>> age_on("1990-03-11", "2026-03-10"), age_on("1990-03-11", "2026-03-11")
    (35, 36)
    """
    # Year difference, minus one if the birthday (MM-DD) has not come yet that year.
    return int(iso_today[:4]) - int(iso_birthday[:4]) - (iso_today[5:] < iso_birthday[5:])


#: Per date (``YYYY-MM-DD``), :func:`age_windows`'s table: a few dates at most.
_AGE_WINDOWS: dict[str, tuple[tuple[str, str], ...]] = {}


def age_windows(iso_today: str) -> tuple[tuple[str, str], ...]:
    """For each age 0..120, the birthdays within a year of it on ``iso_today``.

    ``lo, hi = age_windows(today)[age]``: ``lo < birthday <= hi`` (as text) exactly
    when ``-1 <= age - age_on(birthday, today) <= 1``, for any ``YYYY-MM-DD``
    birthday and today of years 1..9999 (``tests/test_fields.py`` proves it over
    every day of leap and common years). The check's cross-test costs a look-up and
    one chained comparison instead of two slices, two ``int()`` and a subtraction.
    The table holds dates only, no visitor's data.

    >>> lo, hi = age_windows("2026-03-10")[36]
    >>> lo, hi
    ('1988-03-10', '1991-03-10')
    >>> [lo < day <= hi for day in ("1988-03-10", "1988-03-11", "1991-03-10", "1991-03-11")]
    [False, True, True, False]
    """
    windows = _AGE_WINDOWS.get(iso_today)
    if windows is None:
        # age_on(b) >= k exactly when b <= f"{year - k}{rest}" (fixed-width ISO text
        # compares in calendar order), so "within a year" is: not >= age + 2, and
        # >= age - 1. (A negative year sorts before every birthday, as it should.)
        year, rest = int(iso_today[:4]), iso_today[4:]
        windows = tuple((f"{year - age - 2:04d}{rest}", f"{year - age + 1:04d}{rest}")
                        for age in range(121))
        if len(_AGE_WINDOWS) >= 8:  # a batch with many today= dates: start afresh
            _AGE_WINDOWS.clear()
        _AGE_WINDOWS[iso_today] = windows
    return windows


def birthday(value: Any, ctx: Context) -> str:
    """A birthday: a real date, not a placeholder, not before 1900, not in the future."""
    iso = iso_date(value)
    if iso is None:  # only reachable for a direct call with an empty string
        raise FieldProblem("invalid_date", "expected a date (YYYY-MM-DD)")
    if iso in PLACEHOLDER_BIRTHDAYS:  # cheap set test first; the guard decides
        code = ctx.guard.birthday_problem(iso)
        if code:
            raise FieldProblem(code, "looks like a placeholder date")
    # ISO dates compare as text in calendar order.
    if iso < MIN_BIRTHDAY:
        raise FieldProblem("date_too_old", "the date is before 1900")
    if iso > ctx.today_iso:
        raise FieldProblem("date_in_future", "the date is in the future")
    return iso


def age(value: Any, ctx: Context) -> int:
    """Age in whole years, 1..120 (a bool is not an integer; digit strings accepted)."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            raise FieldProblem("invalid_age", "expected a whole number of years")
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise FieldProblem("invalid_age", "expected a whole number of years")
    if not 1 <= value <= 120:
        raise FieldProblem("invalid_age", "age must be between 1 and 120")
    return int(value)


def flag(value: Any, ctx: Context) -> bool:
    """A real ``bool`` (``1``, ``"yes"`` are refused: guessing is not allowed)."""
    if not isinstance(value, bool):
        raise FieldProblem("invalid_type", "expected true or false")
    return value


def number(value: Any, ctx: Context) -> int | float:
    """A finite, non-negative number; integers (and whole floats) are sent as integers."""
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        raise FieldProblem("invalid_number", "expected a number")
    if isinstance(value, int):
        result: int | float = int(value)
    else:
        if isinstance(value, decimal.Decimal) and not value.is_finite():
            # float(Decimal("sNaN")) raises ValueError: refuse every non-finite first.
            raise FieldProblem("invalid_number", "expected a finite number")
        as_float = float(value)
        if not math.isfinite(as_float):
            raise FieldProblem("invalid_number", "expected a finite number")
        result = int(as_float) if as_float.is_integer() else as_float
        ctx.floats = ctx.floats or type(result) is float
    if result < 0:
        raise FieldProblem("invalid_number", "expected a number >= 0")
    if abs(result) > MAX_SAFE_INTEGER:
        raise FieldProblem("invalid_number", "number too large to send exactly")
    return result


def vehicle_id(value: Any, ctx: Context) -> str:
    """A 6-character VDS or 17-character VIN (no I, O, Q), upper-cased."""
    if not isinstance(value, str):
        raise FieldProblem("invalid_type", "expected text")
    upper = value.replace(" ", "").replace("-", "").upper()
    if not _VEHICLE_ID.fullmatch(upper):
        raise FieldProblem("invalid_vds", "expected a 6-character VDS or a 17-character VIN")
    return upper


KID_RULES: dict[str, Normaliser] = {"gender": gender, "birthday": birthday}
VEHICLE_RULES: dict[str, Normaliser] = {"brand": text, "model": text, "vds": vehicle_id}


# A key is shown in a field path only if it looks like a field name. Anything else
# (an email or a name used as a key, CR/LF that would forge log lines, 100 KB of
# text) could be personal data or break a log, so it is never shown.
_SHOWN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
HIDDEN_KEY = "?"


def shown_key(key: object) -> str:
    """``key`` as it may appear in a field path, log or error: a name, or ``"?"``.

    >>> shown_key("firstname"), shown_key("jane@mail.com"), shown_key("a\\nb"), shown_key(7)
    ('firstname', '?', '?', '?')
    """
    if isinstance(key, str) and key.__class__ is str and _SHOWN_KEY.fullmatch(key):
        return key
    return HIDDEN_KEY


def _path(prefix: str, key: object) -> str:
    name = shown_key(key)
    return f"{prefix}.{name}" if prefix else name


# Values that are surely not a record (nor an object with field attributes).
_NOT_RECORDS = (str, bytes, bytearray, int, float, decimal.Decimal, list, tuple, set, frozenset,
                datetime.date)


def not_a_record() -> Problem:
    """The problem of data that is not a mapping or an object with fields (path ``""``)."""
    return Problem("", "invalid_type", "expected a mapping or an object with profile fields")


def record_items(
    value: Any, rules: Mapping[str, Normaliser], ctx: Context, prefix: str
) -> Iterable[tuple[Any, Any]] | None:
    """The (key, value) pairs of a record, or ``None`` (reported) if it is none.

    A mapping gives all its items; an object (ORM user, dataclass) the known names
    read by attribute.
    """
    if isinstance(value, Mapping):
        return value.items()
    if isinstance(value, _NOT_RECORDS):
        problem = not_a_record()
        ctx.report(prefix, problem.code, problem.message)
        return None
    return [(name, getattr(value, name, None)) for name in rules]


def field_value(
    key: Any, raw: Any, rules: Mapping[str, Normaliser], ctx: Context, prefix: str
) -> Any:
    """One field of a record normalised: the value to send, or ``None`` (missing, or
    refused with its problem reported to ``ctx``)."""
    normalise = rules.get(key)
    if normalise is None:
        ctx.report(_path(prefix, key), "unknown_field", unknown_field_message(key, rules))
        return None
    try:
        return apply(normalise, raw, ctx)
    except FieldProblem as problem:
        # A key with a rule is a rule's own name, so it is shown as it is (every
        # rule name is a shown key: checked below, at import). Context.report's
        # step written out: a refused field is on the render path.
        code, message = problem.args
        ctx.problems.append(_new_problem(Problem, (f"{prefix}.{key}" if prefix else key,
                                                   code, message)))
        return None


def read_field(
    key: Any, raw: Any, rules: Mapping[str, Normaliser], ctx: Context, prefix: str,
    out: dict[str, Any],
) -> None:
    """Normalise one field of a record into ``out``, or report its problem to ``ctx``."""
    cleaned = field_value(key, raw, rules, ctx, prefix)
    if cleaned is not None:
        out[key] = cleaned


def read_record(
    value: Any, rules: Mapping[str, Normaliser], ctx: Context, prefix: str = ""
) -> dict[str, Any]:
    """Normalise one record: a mapping, or an object read by attribute.

    Mappings must only hold known keys (others are ``unknown_field`` problems);
    from objects (ORM users, dataclasses) only the known names are read. Problems
    are reported to ``ctx`` under ``prefix`` (``"kids[0]"``); bad fields are left
    out, good ones kept, in input order. This is the reference: the profile check
    takes the fast path of :mod:`pc_snippets.core.sent` first.
    """
    items = record_items(value, rules, ctx, prefix)
    out: dict[str, Any] = {}
    if items is not None:
        for key, raw in items:
            read_field(key, raw, rules, ctx, prefix, out)
    return out


def _record_list(rules: Mapping[str, Normaliser], field_name: str, label: str) -> Normaliser:
    def normalise(value: Any, ctx: Context) -> list[dict[str, Any]] | None:
        if type(value) is list:
            items = value
        elif isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            raise FieldProblem("invalid_type", f"expected a list of {label}")
        else:
            items = list(value)
        if len(items) > MAX_LIST_LENGTH:
            raise FieldProblem("too_many", f"more than {MAX_LIST_LENGTH} entries")
        out = []
        for index, item in enumerate(items):
            if item is None:
                continue
            found = len(ctx.problems)
            record = read_record(item, rules, ctx, field_name)
            if len(ctx.problems) > found:
                # Paths are built only when something was wrong: the hot path
                # must not format a string per item.
                ctx.problems[found:] = [
                    Problem(f"{field_name}[{index}]{p.field[len(field_name):]}", p.code, p.message)
                    for p in ctx.problems[found:]
                ]
            if record:  # an entry with nothing valid left is pointless
                out.append(record)
        return out or None

    return normalise


kids = _record_list(KID_RULES, "kids", "children")
auto = _record_list(VEHICLE_RULES, "auto", "vehicles")

#: Every standard profile field, in the order it is sent.
FIELD_RULES: dict[str, Normaliser] = {
    "id": user_id,
    "external_id": identifier,
    "email": email,
    "phone": phone,
    "first_name": name,
    "last_name": name,
    "gender": gender,
    "birthday": birthday,
    "age": age,
    "location": text,
    "bought_something": flag,
    "loyalty_id": identifier,
    "loyalty_card_location": text,
    "loyalty_status": text,
    "loyalty_bonuses": number,
    "loyalty_bonuses_to_next_level": number,
    "fb_id": identifier,
    "vk_id": identifier,
    "telegram_id": identifier,
    "google_advertising_id": identifier,
    "apple_advertising_id": identifier,
    "yandex_id": identifier,
    "kids": kids,
    "auto": auto,
}

# field_value shows a rule's name in a path without asking shown_key.
assert all(shown_key(name) == name for rules in (FIELD_RULES, KID_RULES, VEHICLE_RULES)
           for name in rules)

# Names people and ORMs commonly use for the standard fields.
_ALIASES = {
    "firstname": "first_name", "lastname": "last_name", "surname": "last_name",
    "given_name": "first_name", "family_name": "last_name", "name": "first_name",
    "mail": "email", "e_mail": "email", "email_address": "email",
    "mobile": "phone", "phone_number": "phone", "tel": "phone", "telephone": "phone",
    "sex": "gender", "dob": "birthday", "birthdate": "birthday", "birth_date": "birthday",
    "date_of_birth": "birthday", "children": "kids", "cars": "auto", "vehicles": "auto",
    "user_id": "id", "customer_id": "id", "externalid": "external_id",
}


def unknown_field_message(key: object, rules: Mapping[str, Normaliser]) -> str:
    """'unknown field' plus a did-you-mean suggestion (names only, never values)."""
    if not isinstance(key, str):
        return "field names must be text"
    folded = key.strip().lower().replace("-", "_").replace(" ", "_")
    suggestion = folded if folded in rules and folded != key else None
    if suggestion is None and _ALIASES.get(folded) in rules:
        suggestion = _ALIASES[folded]
    if suggestion is None:
        import difflib  # here, not above: an alias or a case slip needs no import statement

        close = difflib.get_close_matches(folded, list(rules), n=1, cutoff=0.75)
        suggestion = close[0] if close else None
    message = "unknown field"
    if suggestion:
        message += f"; did you mean {suggestion!r}?"
    elif rules is FIELD_RULES:
        message += "; custom properties go in custom={...}"
    return message
