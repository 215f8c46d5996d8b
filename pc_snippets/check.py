"""Checking profile data: one pass that normalises, guards and reports.

This is the hot path of :func:`pc_snippets.render_profile_set`, so it calls the
field normalisers directly instead of building a pydantic model; the models in
:mod:`pc_snippets.model` use the very same normalisers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .custom import normalise_custom
from .fields import FIELD_RULES, Context, unknown_field_message
from .guard import DEFAULT_GUARD, Guard
from .problems import FieldProblem, Problem, ProfileError

if TYPE_CHECKING:
    from .model import Profile

__all__ = ["CheckResult", "check_profile"]

_FIELD_ITEMS = tuple(FIELD_RULES.items())
_KNOWN_FIELDS = frozenset(FIELD_RULES)


class CheckResult:
    """What :func:`check_profile` found.

    ``payload``: exactly what would be sent (standard fields in canonical order,
    then custom properties), JSON-ready. ``problems``: every refused field.
    """

    __slots__ = ("payload", "problems")

    def __init__(self, payload: dict[str, Any], problems: tuple[Problem, ...]) -> None:
        self.payload = payload
        self.problems = problems

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.problems

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


def _age_from_birthday(iso_birthday: str, ctx: Context) -> int:
    today = ctx.today
    year, month, day = int(iso_birthday[:4]), int(iso_birthday[5:7]), int(iso_birthday[8:10])
    return today.year - year - ((today.month, today.day) < (month, day))


def check_profile(
    data: Any,
    *,
    custom: Mapping[str, Any] | None = None,
    guard: Guard | None = None,
    strict: bool = False,
) -> CheckResult:
    """Check profile data and return the cleaned payload plus every problem found.

    ``data`` may be a :class:`~pc_snippets.Profile`, a mapping, or any object with
    attributes (an ORM user, a dataclass); only the known field names are read
    from objects. ``None`` and empty strings are missing, not problems.
    With ``strict=True`` any problem raises :class:`~pc_snippets.ProfileError`.

    >>> result = check_profile({"email": "Jane@Mail.COM", "gender": "female", "age": True})
    >>> result.payload
    {'email': 'Jane@mail.com', 'gender': 'f'}
    >>> [(p.field, p.code) for p in result.problems]
    [('age', 'invalid_age')]
    """
    if isinstance(data, CheckResult):
        if custom is None:
            if strict and data.problems:
                raise ProfileError(data.problems)
            return data
        data = {key: value for key, value in data.payload.items() if key in _KNOWN_FIELDS}
    ctx = Context(guard or DEFAULT_GUARD)
    payload: dict[str, Any] = {}
    get: Callable[[str], Any]
    if data is None:
        get = _missing
    elif isinstance(data, Mapping):
        extra = data.keys() - _KNOWN_FIELDS
        for key in sorted(extra, key=str):
            ctx.report(key if isinstance(key, str) else "?", "unknown_field",
                       unknown_field_message(key, FIELD_RULES))
        get = data.get
    else:
        def get(name: str) -> Any:
            return getattr(data, name, None)
    for name, normalise in _FIELD_ITEMS:
        value = get(name)
        if value is None:
            continue
        try:
            cleaned = normalise(value, ctx)
        except FieldProblem as problem:
            ctx.report(name + problem.path, problem.code, problem.message)
            continue
        if cleaned is not None:
            payload[name] = cleaned
    if "age" in payload and "birthday" in payload:
        if abs(payload["age"] - _age_from_birthday(payload["birthday"], ctx)) > 1:
            del payload["age"]
            ctx.report("age", "age_mismatch",
                       "disagrees with the birthday by more than a year (birthday kept)")
    if custom:
        payload.update(normalise_custom(custom, ctx))
    problems = tuple(ctx.problems)
    if strict and problems:
        raise ProfileError(problems)
    return CheckResult(payload, problems)


def _missing(name: str) -> None:
    return None
