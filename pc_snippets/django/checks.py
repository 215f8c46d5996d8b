"""System checks: ``manage.py check`` reports bad PersonaClick settings at startup.

``personaclick.E001`` missing shop id, ``E002`` malformed shop id, ``E003``
malformed stream or host, ``E004`` wrong type, ``E005`` bad guard settings,
``E006``/``E007`` ``PERSONACLICK_PROFILE``/``PERSONACLICK_CONSENT`` not a
callable, ``E008`` send-once without sessions, ``E009``-``E012`` phone region, track
mapping, navigation and consent source (as :func:`pc_snippets.adapter.settings_problems`); ``W001``
middleware missing.
(The ``request`` context processor is not needed: a page rendered with
``render(request, ...)`` gets a ``RequestContext``, which carries the request.)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings  # type: ignore[import-untyped]
from django.core import checks  # type: ignore[import-untyped]

from . import conf

__all__ = ["check_settings"]

MIDDLEWARE = "pc_snippets.django.middleware.PersonaClickMiddleware"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"

_HINTS = {
    "E001": "Set PERSONACLICK_SHOP_ID to the shop key from your PersonaClick account.",
    "E002": "Copy the shop key exactly from your PersonaClick account.",
}


@checks.register()  # type: ignore[untyped-decorator]
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Every PersonaClick configuration problem as a Django check message."""
    messages: list[Any] = [
        checks.Error(message, hint=_HINTS.get(code), id=f"personaclick.{code}")
        for code, message in conf.problems()
    ]
    if not getattr(settings, "PERSONACLICK_ENABLED", True):
        return messages
    middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
    if getattr(settings, "PERSONACLICK_SEND_ONCE", False) and SESSION_MIDDLEWARE not in middleware:
        messages.append(checks.Error(
            "PERSONACLICK_SEND_ONCE needs the session middleware",
            hint=f"Add {SESSION_MIDDLEWARE!r} to MIDDLEWARE or turn send-once off.",
            id="personaclick.E008",
        ))
    if MIDDLEWARE not in middleware:
        messages.append(checks.Warning(
            "PersonaClickMiddleware is not installed: pages with profile data will not be "
            "marked Cache-Control: private and a shared cache could serve them to others",
            hint=f"Add {MIDDLEWARE!r} to MIDDLEWARE.",
            id="personaclick.W001",
        ))
    return messages
