"""How the Django template tags and the Django Jinja2 environment find their inputs.

Everything per request (user, nonce, consent, session) is read from the request:
the context's ``request`` variable, else ``RequestContext.request``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jinja2 import Undefined

from .._integration import (
    ContextLike,
    Hooks,
    SendOnce,
    Settings,
    consent_decision,
    defined,
    is_anonymous,
    nonce_text,
)
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

    def inputs(self, context: ContextLike) -> tuple[Settings, bool | None, str | None]:
        # Everything a tag needs from one look at the context (this runs for
        # every tag): the settings, the request's consent decision, the nonce.
        state = conf._STATE or conf.state()  # the cached state, read without a call
        if not state.settings.enabled:  # a disabled integration asks nothing more
            return state.settings, None, None
        request = _request(context)
        if request is None:
            request = getattr(context, "request", None)  # see _request()
        value = context.get("csp_nonce")
        consent = None if state.consent is None else _consent(request, state.consent)
        if type(value) is str and value:  # a plain nonce in the context: done
            return state.settings, consent, value
        if value is None and request is not None and not isinstance(request, Undefined):
            found = getattr(request, "csp_nonce", None)  # a plain request.csp_nonce: done
            if type(found) is str and found:
                return state.settings, consent, found
        return state.settings, consent, _nonce(value, request)  # lazy nonces, Django 6

    def nonce(self, context: ContextLike) -> str | None:
        return self.inputs(context)[2]

    def consent(self, context: ContextLike) -> bool | None:
        return self.inputs(context)[1]

    def profile(self, context: ContextLike) -> Any:
        request = _request(context)
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

        request = _request(context)
        session = getattr(request, "session", None)
        return None if session is None else SendOnce(session, settings.SECRET_KEY)

    def personal_data_rendered(self, context: ContextLike) -> None:
        request = _request(context)
        if request is not None:
            setattr(request, PERSONAL_DATA_ATTRIBUTE, True)


def _request(context: ContextLike) -> Any:
    # The `request` variable (the request context processor, Django's Jinja2
    # backend), else RequestContext's own: a page rendered with
    # render(request, ...) has it even without the context processor.
    request = context.get("request")
    return request if request is not None else getattr(context, "request", None)


def _nonce(context_value: Any, request: Any) -> str | None:
    # Context csp_nonce (Django 6's context processor, or the view), then
    # request.csp_nonce (django-csp), then Django 6's get_nonce(request).
    # All run while the template renders, never after the response is sent.
    if context_value is not None:
        nonce = nonce_text(defined(context_value))
        if nonce is not None:
            return nonce
    request = defined(request)
    if request is None:
        return None
    value = getattr(request, "csp_nonce", None)
    if type(value) is str and value:  # a plain nonce on the request: done
        return value
    nonce = nonce_text(value)
    get_nonce = django6_get_nonce()
    if nonce is None and get_nonce is not None:
        nonce = nonce_text(get_nonce(request))
    return nonce


def _consent(request: Any, decide: Callable[[Any], Any]) -> bool | None:
    if request is None:
        return None
    cached: Any = getattr(request, _CONSENT_ATTRIBUTE, _UNSET)
    if cached is _UNSET:
        cached = consent_decision(decide(request), "PERSONACLICK_CONSENT")
        setattr(request, _CONSENT_ATTRIBUTE, cached)  # one decision per request
    return cached  # type: ignore[no-any-return]


#: The one instance every Django entry point uses.
HOOKS = DjangoHooks()
