"""A bounded memo of checked, serialized profiles for ``render_profile_set``.

A shop renders the same visitor's profile on every page view, so the checked
and escaped payload of a clean profile is remembered, keyed by the profile's
own JSON text. Only profiles that passed every rule are remembered: a profile
with problems is checked (and its problems logged) on every call.

Why this is safe:
- the key is the full content, so a different input never gets another's output
  (inputs with non-text keys, which could collide in JSON text, always have
  problems and are never remembered);
- an entry is only used on the day it was made and with the same guard (the
  entry keeps the guard alive, so its ``id`` cannot be reused meanwhile);
- dict reads and writes are atomic in CPython, and eviction tolerates races.

The memo holds up to ``size`` recent profiles, and as many hints (id, email,
phone) of profiles seen once, in process memory; set the size to 0
(``set_memo_size(0)``) to keep none.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .clock import today_iso
from .guard import Guard
from .serialize import encode_plain_json

__all__ = ["DEFAULT_MEMO_SIZE", "clear_memo", "memo_key", "recall", "remember", "set_memo_size"]

DEFAULT_MEMO_SIZE = 1024

_size = DEFAULT_MEMO_SIZE
_entries: dict[tuple[str, int], tuple[Guard, str, str]] = {}
# Cheap hints of profiles seen once (see memo_key); bounded like the entries.
_hints: dict[tuple[Any, ...], bool] = {}


def set_memo_size(size: int) -> None:
    """Keep at most ``size`` clean profiles (0 turns the memo off) and empty it."""
    global _size
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError("the memo size must be a whole number >= 0")
    _size = size
    clear_memo()


def clear_memo() -> None:
    """Forget every remembered profile."""
    _entries.clear()
    _hints.clear()


def memo_key(data: Any, custom: Any) -> str | None:
    """The content key of a plain-dict profile, or ``None`` when it isn't memoised (yet).

    The full key costs about as much as a third of a check, so a profile is only
    keyed from its second sighting on: a first sighting records a cheap hint
    (id, email, phone, field count). Work that renders each profile once (batch
    jobs) then pays almost nothing for the memo. The hint never decides a hit:
    only the full key does.
    """
    if not _size or type(data) is not dict:
        return None
    try:
        hint = (data.get("id"), data.get("email"), data.get("phone"), len(data))
        if hint not in _hints:
            _note(_hints, hint, True)
            return None
    except TypeError:  # an unhashable id/email/phone: let the full key decide
        pass
    try:
        return encode_plain_json(data if custom is None else (data, custom))
    except (TypeError, ValueError, RecursionError):  # datetimes, Decimals, NaN ... : not memoised
        return None


def recall(key: str, guard: Guard) -> str | None:
    """The remembered JavaScript payload for ``key``, if made today with ``guard``."""
    entry = _entries.get((key, id(guard)))
    if entry is not None and entry[0] is guard and entry[1] == today_iso():
        return entry[2]
    return None


def remember(key: str, guard: Guard, payload_js: str) -> None:
    """Remember the payload of a profile that passed every rule."""
    _note(_entries, (key, id(guard)), (guard, today_iso(), payload_js))


def _note(table: dict[Any, Any], key: Any, value: Any) -> None:
    if len(table) >= _size:
        # Drop the oldest entry (dicts keep insertion order); if another thread
        # changed the table meanwhile, skipping this eviction is harmless.
        with contextlib.suppress(KeyError, RuntimeError, StopIteration):
            del table[next(iter(table))]
    table[key] = value
