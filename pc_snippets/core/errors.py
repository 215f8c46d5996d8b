"""Validation errors as clients may see them: field paths and rule codes, never values.

Pydantic's ``ValidationError.errors()`` and ``.json()`` (and so FastAPI's default
422 body) carry each refused ``input``. :func:`public_errors` keeps only what a
client needs to correct the request: where (``loc``, ``field``), which rule
(``type``), and, for this library's rule codes, its value-free message.

>>> from pydantic import ValidationError
>>> from pc_snippets import Profile
>>> try:
...     Profile.model_validate({"email": "jane@mail", "kids": [{"gender": "x"}]})
... except ValidationError as error:
...     public_errors(error)  # doctest: +NORMALIZE_WHITESPACE
[{'loc': ['email'], 'field': 'email', 'type': 'invalid_email', 'msg': 'not a valid email address'},
 {'loc': ['kids', 0, 'gender'], 'field': 'kids[0].gender', 'type': 'invalid_gender',
  'msg': 'PersonaClick only accepts "m" or "f"'}]
"""

from __future__ import annotations

from typing import Any, Protocol

from .rules import RULES

__all__ = ["public_errors"]


class _HasErrors(Protocol):
    def errors(self) -> Any: ...


def _field(loc: list[str | int]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def public_errors(error: _HasErrors) -> list[dict[str, Any]]:
    """The errors of a pydantic ``ValidationError`` (or FastAPI's
    ``RequestValidationError``) without inputs, contexts or URLs.

    Only this library's rule messages are kept (they never contain a value);
    other errors say ``"invalid value"``, since a validator's message may quote
    its input.
    """
    public = []
    for raw in error.errors():
        loc = [part if isinstance(part, int) else str(part) for part in raw.get("loc", ())]
        code = str(raw.get("type", "invalid"))
        message = raw.get("msg") if code in RULES else None
        public.append({
            "loc": loc,
            "field": _field(loc),
            "type": code,
            "msg": message if isinstance(message, str) else "invalid value",
        })
    return public
