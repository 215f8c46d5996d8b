"""How the Django template tags and the Django Jinja2 environment find their inputs.

Everything per request (user, nonce, consent, session) is read from the request:
the context's ``request`` variable, else ``RequestContext.request``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, MutableMapping
from typing import Any

from ..adapter import CONFIG, ContextLike, Hooks, Settings, defined, is_anonymous
from . import conf

__all__ = ["HOOKS", "DjangoHooks", "django6_get_nonce"]


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


@functools.lru_cache(maxsize=1)
def _csp_nonce_error() -> tuple[type[Exception], ...]:
    """django-csp's error for a nonce read after its header was written, if installed."""
    try:
        from csp.exceptions import CSPNonceError  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return ()
    return (CSPNonceError,)


class DjangoHooks(Hooks):
    """Inputs from Django settings and the context's ``request``."""

    naming = CONFIG

    def settings(self, context: ContextLike) -> Settings:
        return conf.state().settings

    def request(self, context: ContextLike) -> Any:
        # The `request` variable (the request context processor, Django's Jinja2
        # backend), else RequestContext's own: a page rendered with
        # render(request, ...) has it even without the context processor.
        request = context.get("request")
        return defined(request if request is not None else getattr(context, "request", None))

    def request_state(self, request: Any) -> MutableMapping[str, Any] | None:
        return getattr(request, "__dict__", None)

    def request_nonce(self, request: Any) -> Any:
        # After django-csp's request.csp_nonce: Django 6's own CSP.
        get_nonce = django6_get_nonce()
        return None if get_nonce is None else get_nonce(request)

    def late_nonce_errors(self) -> tuple[type[Exception], ...]:
        return _csp_nonce_error()

    def user(self, context: ContextLike, request: Any) -> Any:
        return getattr(request, "user", None)

    def adapt(self, context: ContextLike, profile: Any) -> Any:
        # Django users (anything with a primary key and model meta) go through
        # PERSONACLICK_PROFILE; mappings and other objects are sent as they are.
        if profile.__class__ is dict:  # no attributes at all: skip two failing hasattr
            return profile
        if hasattr(profile, "_meta") and hasattr(profile, "pk") and not is_anonymous(profile):
            return conf.state().profile(profile)
        return profile

    def session(self, request: Any) -> MutableMapping[str, Any] | None:
        return getattr(request, "session", None)

    def secret_key(self) -> str | bytes | None:
        from django.conf import settings  # type: ignore[import-untyped]

        return settings.SECRET_KEY  # type: ignore[no-any-return]


#: The one instance every Django entry point uses.
HOOKS = DjangoHooks()
