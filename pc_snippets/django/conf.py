"""``PERSONACLICK_*`` Django settings, read once and cached until a setting changes.

=============================== ================================================
``PERSONACLICK_SHOP_ID``        shop key (required while enabled)
``PERSONACLICK_STREAM``         ``None`` (the SDK's "web")
``PERSONACLICK_ENABLED``        ``True``
``PERSONACLICK_STRICT``         ``False`` (``True``: raise ``ProfileError`` instead of dropping)
``PERSONACLICK_SEND_ONCE``      ``False`` (needs the session middleware)
``PERSONACLICK_COOKIELESS``     ``None``
``PERSONACLICK_SPA``            ``False``
``PERSONACLICK_API_HOST``       ``None``
``PERSONACLICK_CDN_HOST``       ``None``
``PERSONACLICK_GUARD_DISABLED`` ``[]`` guard rule codes to switch off
``PERSONACLICK_PLACEHOLDER_DOMAINS`` ``[]`` the store's invented-email domains
``PERSONACLICK_PROFILE``        ``"pc_snippets.django.profiles.user_profile"``
``PERSONACLICK_CONSENT``        ``None``; a callable (or dotted path) ``request -> bool | None``
=============================== ================================================

Lenient by default, ``DEBUG`` or not: a bad field is dropped and logged, never a
broken page. While ``settings.DEBUG`` is on, each dropped field is also named
(path and rule code, never the value) in a ``console.warn`` on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings  # type: ignore[import-untyped]
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.utils.module_loading import import_string  # type: ignore[import-untyped]

from .._integration import SETTING_NAMES, Settings, settings_from, settings_problems
from .profiles import user_profile

__all__ = ["State", "problems", "reset", "state"]

DEFAULT_PROFILE = "pc_snippets.django.profiles.user_profile"


@dataclass(frozen=True)
class State:
    """Checked settings plus the two configurable callables."""

    settings: Settings
    profile: Callable[[Any], Any]
    consent: Callable[[Any], bool | None] | None


def _raw() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for suffix, attribute in SETTING_NAMES.items():
        name = f"PERSONACLICK_{suffix}"
        if hasattr(django_settings, name):
            values[attribute] = getattr(django_settings, name)
    values["debug"] = bool(getattr(django_settings, "DEBUG", False))
    values["guard_disabled"] = getattr(django_settings, "PERSONACLICK_GUARD_DISABLED", None)
    values["placeholder_domains"] = getattr(
        django_settings, "PERSONACLICK_PLACEHOLDER_DOMAINS", None
    )
    return values


def _callable(name: str, default: Any) -> Callable[..., Any] | None:
    """The callable a setting names (a callable or a dotted path); raises ValueError."""
    value = getattr(django_settings, name, default)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as exc:
            raise ValueError(f"{name} cannot be imported: {exc}") from None
    if not callable(value):
        raise ValueError(f"{name} must be a callable or the dotted path of one")
    return value  # type: ignore[no-any-return]


def problems() -> list[tuple[str, str]]:
    """Every configuration problem as ``(code, message)`` (used by the system checks)."""
    found = settings_problems(_raw())
    for code, name, default in (
        ("E006", "PERSONACLICK_PROFILE", DEFAULT_PROFILE),
        ("E007", "PERSONACLICK_CONSENT", None),
    ):
        try:
            _callable(name, default)
        except ValueError as exc:
            found.append((code, str(exc)))
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
        _STATE = State(
            settings=settings_from(_raw()),
            profile=_callable("PERSONACLICK_PROFILE", DEFAULT_PROFILE) or user_profile,
            consent=_callable("PERSONACLICK_CONSENT", None),
        )
    return _STATE


def reset(*, setting: str = "", **kwargs: Any) -> None:
    """``setting_changed`` receiver: forget the cached state when it may be stale."""
    global _STATE
    if setting.startswith("PERSONACLICK_") or setting in ("DEBUG", "SECRET_KEY"):
        _STATE = None
