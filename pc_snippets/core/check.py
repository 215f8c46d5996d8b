"""Checking profile data: one pass that normalises, guards and reports.

This is the hot path of :func:`pc_snippets.render_profile_set`, so it calls the
field normalisers directly instead of building a pydantic model; the models in
:mod:`pc_snippets.core.model` use the very same normalisers.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .clock import iso_today
from .custom import normalise_custom
from .fields import _AGE_WINDOWS, FIELD_RULES, Context, age_windows
from .guard import DEFAULT_GUARD, Guard
from .phones import check_region
from .problems import Problem, ProfileError
from .sent import _SHAPE_TESTS, CLOCK_VIEW, finish_profile, read_profile, shape_test

if TYPE_CHECKING:
    from .model import Profile

__all__ = ["CheckResult", "check_profile"]

_KNOWN_FIELDS = frozenset(FIELD_RULES)


class Checked:
    """What a check found: the ``payload`` to send and the ``problems`` (base of the results)."""

    __slots__ = ("_floats", "payload", "problems")

    def __init__(self, payload: Any, problems: tuple[Problem, ...], floats: bool = True) -> None:
        self.payload = payload
        self.problems = problems
        # Whether the payload may hold a float: only a fresh check knows it has none
        # (see dumps_js's ``floats``).
        self._floats = floats

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.problems


class CheckResult(Checked):
    """What :func:`check_profile` found.

    ``payload``: exactly what would be sent (standard fields in input order, then
    custom properties), JSON-ready. ``problems``: every refused field.
    """

    __slots__ = ()
    payload: dict[str, Any]

    @property
    def profile(self) -> Profile:
        """The cleaned standard fields as a :class:`~pc_snippets.Profile`."""
        from .model import Profile

        return Profile.model_validate(
            {key: value for key, value in self.payload.items() if key in _KNOWN_FIELDS}
        )

    @property
    def custom(self) -> dict[str, Any]:
        """The cleaned custom properties."""
        return {key: value for key, value in self.payload.items() if key not in _KNOWN_FIELDS}

    def __repr__(self) -> str:
        # Field names only: the payload is personal data.
        return f"<CheckResult fields={list(self.payload)} problems={list(self.problems)}>"


def _age_fits(age: int, birthday: str, today: str) -> bool:
    # The payload's age is an int 1..120 (the age rule's), so it indexes the table.
    # The table's own get() first: today's table is almost always there, and
    # the call to age_windows() costs as much as the comparison itself.
    lo, hi = (_AGE_WINDOWS.get(today) or age_windows(today))[age]
    return lo < birthday <= hi


_AGE_MISMATCH = (Problem(
    "age", "age_mismatch", "disagrees with the birthday by more than a year (birthday kept)"),)

# A result is made without Checked.__init__ (a Python call): the three slots set.
_new_result = object.__new__


def check_profile(
    data: Any,
    *,
    custom: Mapping[str, Any] | None = None,
    guard: Guard | None = None,
    strict: bool = False,
    today: datetime.date | None = None,
    phone_region: str | None = None,
) -> CheckResult:
    """Check profile data and return the cleaned payload plus every problem found.

    ``data`` may be a :class:`~pc_snippets.Profile`, a mapping, or any object with
    attributes (an ORM user, a dataclass); only the known field names are read
    from objects. ``None`` and empty strings are missing, not problems.
    With ``strict=True`` any problem raises :class:`~pc_snippets.ProfileError`.
    ``today`` is the date the date rules compare with; ``None`` means the
    server's local date (see :mod:`pc_snippets.core.clock`). ``phone_region``
    (``"RU"``, ``"US"`` ...) reads a phone written without an international
    prefix as a national number of that region (see :mod:`pc_snippets.core.phones`).

    >>> result = check_profile({"email": "Jane@Mail.COM", "gender": "female", "age": True})
    >>> result.payload
    {'email': 'Jane@mail.com', 'gender': 'f'}
    >>> [(p.field, p.code) for p in result.problems]
    [('age', 'invalid_age')]
    """
    result = _check(data, custom, guard, None if today is None else iso_today(today),
                    None if phone_region is None else check_region(phone_region))
    if strict and result.problems:
        raise ProfileError(result.problems)
    return result


def _check(
    data: Any, custom: Mapping[str, Any] | None, guard: Guard | None, today: str | None = None,
    phone_region: str | None = None, in_place: bool = False,
) -> CheckResult:
    # Positional-only internals: the renderers call this on every page view.
    # in_place=True (render_profile_set, which serializes the payload at once and
    # drops it): a payload may be the input dict itself, or share its lists, when
    # the check changes nothing; a result handed to anyone else never does.
    earlier: tuple[Problem, ...] = ()
    if data.__class__ is not dict and isinstance(data, CheckResult):
        # A result is checked again, not trusted: its payload is a plain dict that
        # anyone may have changed since (and what reaches dumps_js must be checked).
        # Its problems are kept, so a render still logs them.
        earlier = data.problems
        payload = data.payload if isinstance(data.payload, Mapping) else {}
        if custom is None:
            custom = {key: value for key, value in payload.items() if key not in _KNOWN_FIELDS}
        data = {key: value for key, value in payload.items() if key in _KNOWN_FIELDS}
    if data.__class__ is dict and guard is None and today is None and phone_region is None:
        # The usual call: the test reads the shared default view, and a Context
        # is made only for a field the reference must decide, with the test's date.
        # (sent.screen_profile's steps, written out: one call less per page view.)
        shape = tuple(data)
        outcome = (_SHAPE_TESTS[not in_place].get(shape) or shape_test(shape, not in_place))(
            data, CLOCK_VIEW)
        lists, missed, present, day = outcome
        if missed is None and present == len(data) and not custom and not earlier:
            if in_place:
                payload = data
            else:
                payload = data.copy()
                payload.update(lists)
            problems: tuple[Problem, ...] = ()
            age = payload.get("age")
            if age is not None and "birthday" in payload and not _age_fits(
                    age, payload["birthday"], day):
                # A stale age (the usual problem of a clean profile) is the only one.
                if payload is data:
                    payload = payload.copy()  # never change the caller's dict
                del payload["age"]
                problems = _AGE_MISMATCH
            result = _new_result(CheckResult)
            result.payload, result.problems, result._floats = payload, problems, False
            return result
        ctx = Context(DEFAULT_GUARD, day or None)
        if earlier:
            ctx.problems.extend(earlier)
        payload = finish_profile(data, ctx, in_place, outcome)
    else:
        ctx = Context(guard or DEFAULT_GUARD, today, phone_region)
        if earlier:
            ctx.problems.extend(earlier)
        payload = read_profile({} if data is None else data, ctx, in_place)
    age = payload.get("age")
    if age is not None and "birthday" in payload and not _age_fits(
            age, payload["birthday"], ctx.today_iso):
        if payload is data:
            payload = payload.copy()  # never change the caller's dict
        del payload["age"]
        ctx.problems += _AGE_MISMATCH
    if custom:
        if payload is data:
            payload = payload.copy()
        payload.update(normalise_custom(custom, ctx))
    result = _new_result(CheckResult)
    result.payload, result._floats = payload, ctx.floats
    result.problems = tuple(ctx.problems) if ctx.problems else ()
    return result
