"""Custom profile properties: extra top-level keys the store created in PersonaClick.

They are passed explicitly (``custom={...}``) so that a typo in a standard field
name is reported instead of silently becoming a custom property.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from collections.abc import Mapping
from typing import Any

from .fields import BAD_TEXT as _BAD_KEY_TEXT
from .fields import FIELD_RULES, Context, clean_text, iso_date
from .problems import FieldProblem
from .serialize import MAX_SAFE_INTEGER

__all__ = ["normalise_custom"]

_CUSTOM_KEY = re.compile(r"[a-z0-9_]{1,64}")
# Keys that mean something special on JavaScript objects.
_RESERVED_KEYS = frozenset({"__proto__", "constructor", "prototype"})
MAX_ITEMS = 20
MAX_DEPTH = 3
# Budgets for all custom properties of one snippet together: nesting alone
# (20 x 20 x 20 leaves) or many top-level names could otherwise make one clean
# profile a script of many megabytes.
MAX_PROPERTIES = 64
MAX_VALUES = 512
MAX_CHARACTERS = 16_384


class _Budget:
    """What the custom properties of one snippet may still use."""

    __slots__ = ("characters", "values")

    def __init__(self) -> None:
        self.values = MAX_VALUES
        self.characters = MAX_CHARACTERS

    def spend(self, characters: int) -> None:
        self.values -= 1
        self.characters -= characters


def _scalar(value: Any, ctx: Context) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise FieldProblem("invalid_number", "integer too large to send exactly")
        return int(value)
    if isinstance(value, (float, decimal.Decimal)):
        if isinstance(value, decimal.Decimal) and not value.is_finite():
            # float(Decimal("sNaN")) raises ValueError: refuse it as any non-finite.
            raise FieldProblem("invalid_number", "expected a finite number")
        as_float = float(value)
        if not math.isfinite(as_float):
            raise FieldProblem("invalid_number", "expected a finite number")
        ctx.floats = True
        return as_float
    if isinstance(value, datetime.date):
        return iso_date(value)
    raise FieldProblem(
        "invalid_custom_value",
        "custom values must be text, numbers, booleans, dates, lists or small objects",
    )


def _object_key(key: object) -> str:
    # Checked exactly as sent: no trimming, no control characters or whitespace
    # at the ends (TAB, LF, NEL ... would pass a trimmed check and be sent raw).
    if not isinstance(key, str) or not 0 < len(key) <= 64 or key in _RESERVED_KEYS:
        raise FieldProblem(
            "invalid_custom_key", "object keys must be 1-64 characters and not reserved"
        )
    key = str.__str__(key)
    if key.strip() != key or _BAD_KEY_TEXT.search(key):
        raise FieldProblem(
            "invalid_custom_key",
            "object keys must be plain text, without control characters or outer spaces",
        )
    return key


def _value(value: Any, ctx: Context, depth: int, budget: _Budget) -> Any:
    if isinstance(value, Mapping):
        if depth >= MAX_DEPTH:
            raise FieldProblem("invalid_custom_value", "objects nested too deeply")
        if len(value) > MAX_ITEMS:
            raise FieldProblem("too_many", f"more than {MAX_ITEMS} entries")
        out: dict[str, Any] = {}
        for key, item in value.items():
            key = _object_key(key)
            if item is None:
                continue
            cleaned = _value(item, ctx, depth + 1, budget)
            if cleaned is not None:
                budget.characters -= len(key)
                out[key] = cleaned
        return out or None
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise FieldProblem("invalid_custom_value", "lists nested too deeply")
        if len(value) > MAX_ITEMS:
            raise FieldProblem("too_many", f"more than {MAX_ITEMS} entries")
        items = [_value(item, ctx, depth + 1, budget) for item in value if item is not None]
        return [item for item in items if item is not None] or None
    scalar = _scalar(value, ctx)
    if scalar is not None:
        budget.spend(len(scalar) if isinstance(scalar, str) else 8)
    return scalar


def normalise_custom(custom: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """Validate custom properties; report problems to ``ctx`` as ``custom.KEY``."""
    out: dict[str, Any] = {}
    if not isinstance(custom, Mapping):
        ctx.report("custom", "invalid_type", "custom properties must be a mapping")
        return out
    budget = _Budget()
    for key, value in custom.items():
        if not isinstance(key, str) or not _CUSTOM_KEY.fullmatch(key):
            # A bad key is not echoed in the path (it could be anything).
            ctx.report("custom", "invalid_custom_key",
                       "custom property names must match [a-z0-9_]+ and be at most 64 chars")
            continue
        path = f"custom.{key}"
        if key in _RESERVED_KEYS:
            ctx.report(path, "reserved_custom_key", "this name is reserved in JavaScript")
            continue
        if key in FIELD_RULES:
            ctx.report(path, "reserved_custom_key",
                       "shadows a standard profile field; pass it as a normal field")
            continue
        if value is None:
            continue
        if len(out) >= MAX_PROPERTIES:
            ctx.report(path, "too_large",
                       f"more than {MAX_PROPERTIES} custom properties in one snippet")
            continue
        before = (budget.values, budget.characters)
        try:
            cleaned = _value(value, ctx, 0, budget)
        except FieldProblem as problem:
            budget.values, budget.characters = before
            ctx.report(path, problem.code, problem.message)
            continue
        if budget.values < 0 or budget.characters - len(key) < 0:
            # This property does not fit what is left; later, smaller ones may.
            budget.values, budget.characters = before
            ctx.report(path, "too_large",
                       f"custom properties exceed {MAX_VALUES} values or "
                       f"{MAX_CHARACTERS} characters in one snippet")
            continue
        if cleaned is not None:
            budget.characters -= len(key)
            out[key] = cleaned
    return out
