"""Normalisers for each PersonaClick profile field.

Each normaliser takes the raw value and a :class:`Context` and returns the value
to send (JSON-ready), or ``None`` for "missing" (omitted, not a problem). A bad
value raises :class:`~pc_snippets.problems.FieldProblem` with a rule code; list
fields (``kids``, ``auto``) report per-item problems to the context and keep the
valid items. These plain functions are the single source of the field rules:
both :func:`pc_snippets.check_profile` and the pydantic models use them.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from .guard import DEFAULT_GUARD, Guard
from .problems import FieldProblem, Problem
from .serialize import MAX_SAFE_INTEGER

__all__ = ["FIELD_RULES", "Context", "Normaliser", "read_record"]

MAX_TEXT_LENGTH = 256
MAX_LIST_LENGTH = 20

# Control characters (C0, DEL, C1) and lone surrogates can't be sent as text.
_BAD_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Identifiers additionally must not contain whitespace.
_BAD_IDENTIFIER = re.compile("[\\s\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# WHATWG "valid e-mail address" local part, tightened to RFC 5322 dot-atom
# (no leading, trailing or doubled dot), which real mailboxes follow.
_EMAIL = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@([^@\s]{1,253})"
)
# An ASCII (or IDNA-encoded) domain with at least two labels and a TLD that
# starts with a letter (so no bare IP addresses).
_DOMAIN = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
)

# Separators people type inside phone numbers.
_PHONE_SEPARATORS = re.compile(r"[\s\-./()\u00a0\u2010-\u2015]")
_PHONE_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*\d{1,6}\Z", re.IGNORECASE)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_VEHICLE_ID = re.compile(r"[A-HJ-NPR-Z0-9]{6}|[A-HJ-NPR-Z0-9]{17}")

_GENDERS = {
    "m": "m", "male": "m", "man": "m", "masculine": "m",
    "f": "f", "female": "f", "woman": "f", "feminine": "f",
    "м": "m", "муж": "m", "мужской": "m", "мужчина": "m",
    "ж": "f", "жен": "f", "женский": "f", "женщина": "f",
}

MIN_BIRTHDAY = datetime.date(1900, 1, 1)


class Context:
    """Per-check state shared by the normalisers: the guard, today, found problems."""

    __slots__ = ("_today", "guard", "problems")

    def __init__(self, guard: Guard = DEFAULT_GUARD) -> None:
        self.guard = guard
        self.problems: list[Problem] = []
        self._today: datetime.date | None = None

    @property
    def today(self) -> datetime.date:
        # Computed once per check, and only if a date field is present.
        if self._today is None:
            self._today = datetime.date.today()
        return self._today

    def report(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(field, code, message))


Normaliser = Callable[[Any, Context], Any]


def _plain_str(value: str) -> str:
    # str subclasses (markupsafe.Markup, str enums) are sent as plain text.
    return value if type(value) is str else str.__str__(value)


def text(value: Any, ctx: Context) -> str | None:
    """Free text: trimmed; empty is missing; no control characters; <= 256 chars."""
    if not isinstance(value, str):
        raise FieldProblem("invalid_type", "expected text")
    value = _plain_str(value).strip()
    if not value:
        return None
    if len(value) > MAX_TEXT_LENGTH:
        raise FieldProblem("too_long", f"longer than {MAX_TEXT_LENGTH} characters")
    # isprintable() is a fast C check that is False for every control character
    # and surrogate (and some harmless spaces); only then is the regex needed.
    if not value.isprintable() and _BAD_TEXT.search(value):
        raise FieldProblem("invalid_text", "contains control characters or invalid Unicode")
    return value


def name(value: Any, ctx: Context) -> str | None:
    """A person's name: text that is not a placeholder."""
    cleaned = text(value, ctx)
    if cleaned is not None:
        code = ctx.guard.name_problem(cleaned)
        if code:
            raise FieldProblem(code, "looks like a placeholder, not a real name")
    return cleaned


def identifier(value: Any, ctx: Context) -> str | None:
    """A string id (social, loyalty, advertising ids): no whitespace; ints converted."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise FieldProblem("invalid_type", "expected text or an integer")
    value = _plain_str(value).strip()
    if not value:
        return None
    if len(value) > MAX_TEXT_LENGTH:
        raise FieldProblem("too_long", f"longer than {MAX_TEXT_LENGTH} characters")
    if not (value.isprintable() and " " not in value) and _BAD_IDENTIFIER.search(value):
        raise FieldProblem("invalid_text", "contains whitespace, control characters or invalid Unicode")
    return value


def user_id(value: Any, ctx: Context) -> int | str | None:
    """Store-side id: a positive integer or a non-empty string.

    Integers beyond 2**53 - 1 are sent as strings so JavaScript can't round them.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise FieldProblem("invalid_id", "an integer id must be positive")
        return int(value) if value <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, str):
        return identifier(value, ctx)
    raise FieldProblem("invalid_id", "expected a positive integer or text")


def email(value: Any, ctx: Context) -> str | None:
    """An email address; domain lower-cased (IDN allowed), local part kept."""
    cleaned = text(value, ctx)
    if cleaned is None:
        return None
    match = _EMAIL.fullmatch(cleaned)
    if match is None or len(cleaned) > 254:
        raise FieldProblem("invalid_email", "not a valid email address")
    local, domain = match.groups()
    if len(local) > 64:
        raise FieldProblem("invalid_email", "not a valid email address")
    domain = domain.lower()
    if domain.isascii():
        ascii_domain = domain
    else:
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise FieldProblem("invalid_email", "not a valid email address") from None
    if not _DOMAIN.fullmatch(ascii_domain):
        raise FieldProblem("invalid_email", "not a valid email address")
    code = ctx.guard.email_problem(local, ascii_domain)
    if code:
        raise FieldProblem(code, "looks like a placeholder or generated address")
    return f"{local}@{domain}"


def phone(value: Any, ctx: Context) -> str | None:
    """A phone: digits with country code (E.164 length: 7..15 digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise FieldProblem("invalid_phone", "not a phone number (7 to 15 digits)")
        digits = str(value)
    else:
        cleaned = text(value, ctx)
        if cleaned is None:
            return None
        if cleaned.isdigit():
            digits = cleaned  # already normalised: skip the regex work
        elif cleaned.startswith("+"):
            # "+44 (0)20 ..." : the bracketed trunk zero is not dialled internationally.
            cleaned = _PHONE_EXTENSION.sub("", cleaned)
            digits = _PHONE_SEPARATORS.sub("", cleaned[1:].replace("(0)", "", 1))
        else:
            digits = _PHONE_SEPARATORS.sub("", _PHONE_EXTENSION.sub("", cleaned))
            if digits.startswith("00"):
                digits = digits[2:]
        if not digits.isascii() and digits.isdecimal():
            # Arabic-Indic, Devanagari ... digits typed on a local keyboard.
            digits = "".join(str(unicodedata.decimal(ch)) for ch in digits)
    if not (digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 15):
        raise FieldProblem("invalid_phone", "not a phone number (7 to 15 digits)")
    code = ctx.guard.phone_problem(digits)
    if code:
        raise FieldProblem(code, "looks like a placeholder phone number")
    return digits


def gender(value: Any, ctx: Context) -> str | None:
    """``"m"`` or ``"f"``; common spellings are normalised, anything else refused."""
    if not isinstance(value, str):
        raise FieldProblem("invalid_gender", 'expected "m" or "f"')
    folded = value.strip().casefold()
    if not folded:
        return None
    normalised = _GENDERS.get(folded)
    if normalised is None:
        raise FieldProblem("invalid_gender", 'PersonaClick only accepts "m" or "f"')
    return normalised


def parse_date(value: Any) -> datetime.date | None:
    """A ``datetime.date`` or ``YYYY-MM-DD`` string to a date; ``None`` if empty."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        raise FieldProblem("invalid_date", "expected a date (YYYY-MM-DD)")
    stripped = value.strip()
    if not stripped:
        return None
    if not _DATE.fullmatch(stripped):
        raise FieldProblem("invalid_date", "expected a date (YYYY-MM-DD)")
    try:
        return datetime.date.fromisoformat(stripped)
    except ValueError:
        raise FieldProblem("invalid_date", "not a real calendar date") from None


def birthday(value: Any, ctx: Context) -> str | None:
    """A birthday: a real date, not a placeholder, not before 1900, not in the future."""
    parsed = parse_date(value)
    if parsed is None:
        return None
    # A string that parsed is already exactly YYYY-MM-DD.
    iso = value.strip() if isinstance(value, str) else parsed.isoformat()
    code = ctx.guard.birthday_problem(iso)
    if code:
        raise FieldProblem(code, "looks like a placeholder date")
    if parsed < MIN_BIRTHDAY:
        raise FieldProblem("date_too_old", "the date is before 1900")
    if parsed > ctx.today:
        raise FieldProblem("date_in_future", "the date is in the future")
    return iso


def age(value: Any, ctx: Context) -> int | None:
    """Age in whole years, 1..120 (a bool is not an integer; digit strings accepted)."""
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        if not (stripped.isascii() and stripped.isdigit()):
            raise FieldProblem("invalid_age", "expected a whole number of years")
        value = int(stripped)
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
        as_float = float(value)
        if not math.isfinite(as_float):
            raise FieldProblem("invalid_number", "expected a finite number")
        result = int(as_float) if as_float.is_integer() else as_float
    if result < 0:
        raise FieldProblem("invalid_number", "expected a number >= 0")
    if abs(result) > MAX_SAFE_INTEGER:
        raise FieldProblem("invalid_number", "number too large to send exactly")
    return result


def vehicle_id(value: Any, ctx: Context) -> str | None:
    """A 6-character VDS or 17-character VIN (no I, O, Q), upper-cased."""
    cleaned = text(value, ctx)
    if cleaned is None:
        return None
    upper = cleaned.replace(" ", "").replace("-", "").upper()
    if not _VEHICLE_ID.fullmatch(upper):
        raise FieldProblem("invalid_vds", "expected a 6-character VDS or a 17-character VIN")
    return upper


KID_RULES: dict[str, Normaliser] = {"gender": gender, "birthday": birthday}
VEHICLE_RULES: dict[str, Normaliser] = {"brand": text, "model": text, "vds": vehicle_id}


def read_record(
    value: Any, rules: Mapping[str, Normaliser], ctx: Context, prefix: str
) -> dict[str, Any]:
    """Normalise one record (a mapping, or an object read by attribute).

    Problems are reported to ``ctx`` under ``prefix`` (``"kids[0]"``); bad fields are
    left out, good ones kept.
    """
    out: dict[str, Any] = {}
    if isinstance(value, Mapping):
        if not value.keys() <= rules.keys():
            for key in value.keys() - rules.keys():
                ctx.report(f"{prefix}.{key}" if isinstance(key, str) else prefix,
                           "unknown_field", unknown_field_message(key, rules))
        get: Callable[[str], Any] = value.get
    else:
        def get(name: str) -> Any:
            return getattr(value, name, None)
    for field_name, normalise in rules.items():
        raw = get(field_name)
        if raw is None:
            continue
        try:
            cleaned = normalise(raw, ctx)
        except FieldProblem as problem:
            ctx.report(f"{prefix}.{field_name}{problem.path}", problem.code, problem.message)
            continue
        if cleaned is not None:
            out[field_name] = cleaned
    return out


def _record_list(rules: Mapping[str, Normaliser], field_name: str, label: str) -> Normaliser:
    def normalise(value: Any, ctx: Context) -> list[dict[str, Any]] | None:
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            raise FieldProblem("invalid_type", f"expected a list of {label}")
        items = list(value)
        if len(items) > MAX_LIST_LENGTH:
            raise FieldProblem("too_many", f"more than {MAX_LIST_LENGTH} entries")
        out = []
        for index, item in enumerate(items):
            if item is None:
                continue
            record = read_record(item, rules, ctx, f"{field_name}[{index}]")
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
    import difflib

    if not isinstance(key, str):
        return "field names must be text"
    folded = key.strip().lower().replace("-", "_").replace(" ", "_")
    suggestion = folded if folded in rules and folded != key else None
    if suggestion is None and _ALIASES.get(folded) in rules:
        suggestion = _ALIASES[folded]
    if suggestion is None:
        close = difflib.get_close_matches(folded, list(rules), n=1, cutoff=0.75)
        suggestion = close[0] if close else None
    message = "unknown field"
    if suggestion:
        message += f"; did you mean {suggestion!r}?"
    elif rules is FIELD_RULES:
        message += "; custom properties go in custom={...}"
    return message
