"""Phone numbers read as a national number of a region, with Google's libphonenumber.

Without a region a phone is read as written: its digits, with the country code
the shop typed (see :func:`pc_snippets.core.fields.phone`). With ``phone_region``
(an ISO 3166-1 alpha-2 code such as ``"RU"``) a number written without an
international prefix is a national number of that region: ``8 (912) 954-96-56``
in ``"RU"`` is ``79129549656``, as is ``+7 912 954 96 56``.

The reading is libphonenumber's (the ``phonenumbers`` module, installed by
``phonenumberslite``), imported only when the first number needs it. It costs
13-19 us a number, so the common international form (the region's country code
and a national number of a possible length, digits only or after ``+``) is read
here from the library's own metadata for the region, which is the same reading
(``tests/test_phones.py`` compares the two). Only metadata is kept between
calls, never a number.

>>> read_in_region("8 (912) 954-96-56", "RU")
'79129549656'
>>> read_in_region("(912) 954-9656", "US")
'19129549656'
>>> read_in_region("+44 (0)20 7946 0958", "GB")
'442079460958'
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

from .problems import FieldProblem

__all__ = ["check_region", "read_as_international", "read_in_region"]

_REGION_SHAPE = re.compile(r"[A-Z]{2}")


def _library() -> Any:
    # Imported on first use: most shops never set a region, and the module's
    # import costs about 20 ms.
    import phonenumbers

    return phonenumbers


def check_region(region: Any, source: str = "phone_region") -> str | None:
    """``region`` if it is ``None`` or a region libphonenumber knows; else ``ValueError``.

    >>> check_region("RU"), check_region(None)
    ('RU', None)
    >>> check_region("ru")
    Traceback (most recent call last):
    ...
    ValueError: phone_region must be an upper-case ISO 3166-1 alpha-2 code such as "RU", not 'ru'
    """
    if region is None:
        return None
    if not isinstance(region, str):
        raise TypeError(f"{source} must be text or None, not a {type(region).__name__}")
    # A region code is configuration, not personal data: it may be shown.
    if not _REGION_SHAPE.fullmatch(region) or region not in _library().SUPPORTED_REGIONS:
        raise ValueError(
            f'{source} must be an upper-case ISO 3166-1 alpha-2 code such as "RU", not '
            f"{region[:8]!r}"
        )
    return region


class _Region(NamedTuple):
    country_code: str
    lengths: frozenset[int]
    national: re.Pattern[str]
    #: The national (trunk) prefix's digits; ``None``: a pattern, so no fast reading.
    national_prefix: str | None


@functools.cache  # metadata of a region: never a number
def _region(region: str) -> _Region:
    pn = _library()
    metadata = pn.PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc
    prefix = metadata.national_prefix_for_parsing or metadata.national_prefix or ""
    # A country code's possible lengths are its main region's (+1: the US's, also
    # for Canada), as libphonenumber's is_possible_number reads them.
    main = pn.PhoneMetadata.metadata_for_region(
        pn.region_code_for_country_code(metadata.country_code))
    return _Region(
        str(metadata.country_code),
        frozenset(main.general_desc.possible_length or ()),
        re.compile(general.national_number_pattern or "(?!)"),
        prefix if prefix.isdigit() or not prefix else None,
    )


def _international(text: str, facts: _Region) -> str | None:
    """The number if it is plainly the region's country code plus a national number."""
    digits = text[1:] if text[:1] == "+" else text
    if facts.national_prefix is None or not (digits.isascii() and digits.isdigit()):
        return None
    code = facts.country_code
    national = digits[len(code):]
    if (
        not digits.startswith(code)
        or len(national) not in facts.lengths
        or facts.national.fullmatch(national) is None
        or (facts.national_prefix and national.startswith(facts.national_prefix))
    ):
        return None
    if text[:1] != "+" and len(digits) in facts.lengths and facts.national.fullmatch(digits):
        return None  # also a national number as it stands: the library decides
    return digits


def read_as_international(text: str, region: str) -> str | None:
    """The digits of ``text`` if it is plainly international for ``region``, else ``None``.

    The reading :func:`read_in_region` makes without the library (for the fast path).
    """
    return _international(text, _region(region))


def read_in_region(text: str, region: str) -> str:
    """The digits (country code first) of ``text`` read as written in ``region``.

    Raises :class:`~pc_snippets.core.problems.FieldProblem` (``invalid_phone``) for
    text that is no number, or a number too short or too long for its country.
    """
    facts = _region(region)
    fast = _international(text, facts)
    if fast is not None:
        return fast
    pn = _library()
    try:
        number = pn.parse(text, region)
    except pn.NumberParseException:
        raise FieldProblem("invalid_phone", "not a phone number") from None
    if pn.is_possible_number_with_reason(number) != pn.ValidationResult.IS_POSSIBLE:
        raise FieldProblem(
            "invalid_phone", "not a possible phone number for its country (too short or long)"
        ) from None
    return str(pn.format_number(number, pn.PhoneNumberFormat.E164)[1:])
