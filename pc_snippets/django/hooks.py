"""How the Django template tags and the Django Jinja2 environment find their inputs.

Both template engines give a context with ``.get("request")``; everything per
request (user, nonce, consent, session) is read from that request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .._integration import ContextLike, Hooks, SendOnce, Settings, is_anonymous, nonce_text
from . import conf

__all__ = ["HOOKS", "DjangoHooks", "django6_get_nonce"]

# Attributes this library sets on the request (the middleware reads the first).
PERSONAL_DATA_ATTRIBUTE = "_personaclick_personal_data"
_CONSENT_ATTRIBUTE = "_personaclick_consent"
_UNSET = object()


@functools.lru_cache(maxsize=1)
def django6_get_nonce() -> Callable[[Any], Any] | None:
    """Django >= 6.0's ``django.middleware.csp.get_nonce``, or ``None`` on older Django.

    Imported lazily, and once: on Django 5 the failed import is not retried per tag.
    """
    try:
        from django.middleware.csp import get_nonce  # type: ignore[import-untyped]
    except ImportError:
        return None
    return get_nonce  # type: ignore[no-any-return]


class DjangoHooks(Hooks):
    """Inputs from Django settings and the context's ``request``."""

    def settings(self, context: ContextLike) -> Settings:
        return conf.state().settings

    def nonce(self, context: ContextLike) -> str | None:
        # Context csp_nonce (Django 6's context processor, or the view), then
        # request.csp_nonce (django-csp), then Django 6's get_nonce(request).
        # All run while the template renders, never after the response is sent.
        nonce = super().nonce(context)
        if nonce is None:
            request = context.get("request")
            get_nonce = django6_get_nonce()
            if request is not None and get_nonce is not None:
                nonce = nonce_text(get_nonce(request))
        return nonce

    def consent(self, context: ContextLike) -> bool | None:
        decide = conf.state().consent
        if decide is None:  # no consent setting: no need to find the request
            return None
        request = context.get("request")
        if request is None:
            return None
        cached = getattr(request, _CONSENT_ATTRIBUTE, _UNSET)
        if cached is _UNSET:
            decision = decide(request)
            cached = None if decision is None else bool(decision)
            setattr(request, _CONSENT_ATTRIBUTE, cached)  # one decision per request
        return cached  # type: ignore[return-value]

    def profile(self, context: ContextLike) -> Any:
        request = context.get("request")
        return getattr(request, "user", None) if request is not None else None

    def adapt(self, context: ContextLike, profile: Any) -> Any:
        # Django users (anything with a primary key and model meta) go through
        # PERSONACLICK_PROFILE; mappings and other objects are sent as they are.
        if profile.__class__ is dict:  # no attributes at all: skip two failing hasattr
            return profile
        if hasattr(profile, "_meta") and hasattr(profile, "pk") and not is_anonymous(profile):
            return conf.state().profile(profile)
        return profile

    def send_once(self, context: ContextLike) -> SendOnce | None:
        from django.conf import settings  # type: ignore[import-untyped]

        request = context.get("request")
        session = getattr(request, "session", None)
        return None if session is None else SendOnce(session, settings.SECRET_KEY)

    def personal_data_rendered(self, context: ContextLike) -> None:
        request = context.get("request")
        if request is not None:
            setattr(request, PERSONAL_DATA_ATTRIBUTE, True)


#: The one instance every Django entry point uses.
HOOKS = DjangoHooks()
