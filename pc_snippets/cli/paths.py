"""Field paths into raw input records: where a problem's value was (``--show-values``)."""

from __future__ import annotations

from typing import Any

__all__ = ["MISSING", "value_at"]

#: What :func:`value_at` returns for a path that leads to no value.
MISSING: Any = object()


def value_at(data: Any, field: str) -> Any:
    """The raw value a problem's field path points at (for ``--show-values``).

    >>> value_at({"kids": [{"birthday": "2990-01-01"}]}, "kids[0].birthday")
    '2990-01-01'
    >>> value_at({"custom": {"size": 3}}, "custom.size")
    3
    """
    if field == "(record)":
        return data
    value = data
    for part in field.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            index = int(part[1:-1])
            if isinstance(value, list) and index < len(value):
                value = value[index]
                continue
            return MISSING
        if isinstance(value, dict) and part in value:
            value = value[part]
            continue
        return MISSING
    return value
