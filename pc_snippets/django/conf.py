"""``PERSONACLICK_*`` Django settings, read once and cached until a setting changes.

The settings table (:data:`pc_snippets.adapter.SETTINGS`) spelled
``PERSONACLICK_SHOP_ID``, ``PERSONACLICK_STRICT`` ..., checked as every adapter
checks them; ``PERSONACLICK_CONSENT`` may also be the dotted path of a callable
``request -> bool | None``. Django's own: ``PERSONACLICK_PROFILE``
(``"pc_snippets.django.profiles.user_profile"``), a callable or dotted path
``user -> profile``, and ``PERSONACLICK_USER_ID_FIELD`` (``"external_id"``,
``"id"`` or ``None``): where the default mapping puts the user's primary key.

Lenient by default, ``DEBUG`` or not: a bad field is dropped and logged, never a
broken page. While ``settings.DEBUG`` is on, each dropped field is also named
(path and rule code, never the value) in a ``console.warn`` on the page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings  # type: ignore[import-untyped]
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.utils.module_loading import import_string  # type: ignore[import-untyped]

from ..adapter import CONFIG, Settings, read_settings, settings_from, settings_problems
from .profiles import ID_FIELDS, user_profile

__all__ = ["State", "problems", "reset", "state"]

DEFAULT_PROFILE = "pc_snippets.django.profiles.user_profile"


@dataclass(frozen=True)
class State:
    """Checked settings plus the profile mapping."""

    settings: Settings
    profile: Callable[[Any], Any]


def _raw() -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The table's settings (a dotted consent path imported) and the import problems."""
    values = read_settings(lambda name, missing: getattr(django_settings, name, missing), CONFIG)
    found: list[tuple[str, str]] = []
    try:
        consent = _import("PERSONACLICK_CONSENT", values.get("consent"))
    except ValueError as exc:
        found.append(("E007", str(exc)))
        del values["consent"]
    else:
        if consent is not None:
            values["consent"] = consent
    return values, found


def _import(name: str, value: Any) -> Any:
    """``value``, or the object its dotted path names; raises ValueError."""
    if not isinstance(value, str):
        return value
    try:
        return import_string(value)
    except ImportError as exc:
        raise ValueError(f"{name} cannot be imported: {exc}") from None


def _profile() -> Callable[[Any], Any]:
    """``PERSONACLICK_PROFILE`` (the default one with its id field); raises ValueError."""
    id_field = getattr(django_settings, "PERSONACLICK_USER_ID_FIELD", "external_id")
    if id_field not in ID_FIELDS:
        raise ValueError('PERSONACLICK_USER_ID_FIELD must be "external_id", "id" or None')
    value = _import("PERSONACLICK_PROFILE", getattr(django_settings, "PERSONACLICK_PROFILE",
                                                     DEFAULT_PROFILE))
    if value is None or value is user_profile:
        return functools.partial(user_profile, id_field=id_field)
    if not callable(value):
        raise ValueError("PERSONACLICK_PROFILE must be a callable or the dotted path of one")
    return value  # type: ignore[no-any-return]


def problems() -> list[tuple[str, str]]:
    """Every configuration problem as ``(code, message)`` (used by the system checks)."""
    values, found = _raw()
    found.extend(settings_problems(values, CONFIG))
    try:
        _profile()
    except ValueError as exc:
        found.append(("E006", str(exc)))
    return found


_STATE: State | None = None


def state() -> State:
    """The current :class:`State`; raises ``ImproperlyConfigured`` for bad settings."""
    global _STATE
    if _STATE is None:
        found = problems()
        if found:
            raise ImproperlyConfigured(
                "PersonaClick is misconfigured: " + "; ".join(message for _, message in found)
            )
        values, _ = _raw()
        debug = bool(getattr(django_settings, "DEBUG", False))
        _STATE = State(settings=settings_from(values, debug=debug), profile=_profile())
    return _STATE


def reset(*, setting: str = "", **kwargs: Any) -> None:
    """``setting_changed`` receiver: forget the cached state when it may be stale."""
    global _STATE
    if setting.startswith("PERSONACLICK_") or setting in ("DEBUG", "SECRET_KEY"):
        _STATE = None
