"""The Jinja extension for Django's Jinja2 template backend.

.. code-block:: python

    TEMPLATES = [{
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "OPTIONS": {"environment": "pc_snippets.django.jinja2.environment"},
    }]

Templates then use ``{% personaclick_profile_set %}`` (``request.user``) and the
other tags and globals of :mod:`pc_snippets.jinja`, with Django's settings, nonce,
consent, send-once and private caching. Own environment factory? Call
:func:`install` on the environment it builds.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from ..jinja import set_hooks
from .hooks import HOOKS

__all__ = ["environment", "install"]


def install(env: Environment) -> Environment:
    """Add the PersonaClick extension to ``env``, wired to Django's settings and request."""
    set_hooks(env, HOOKS)
    return env


def environment(**options: Any) -> Environment:
    """An environment factory for ``OPTIONS["environment"]``.

    >>> env = environment(autoescape=True)
    >>> "personaclick_profile_set" in env.globals
    True
    """
    # Django's backend passes autoescape=True already; keep it on if a caller doesn't.
    autoescape = options.pop("autoescape", True)
    return install(Environment(autoescape=autoescape, **options))  # noqa: S701 (caller decides)
