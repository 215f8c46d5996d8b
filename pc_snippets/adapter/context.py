"""Reading a template context: its variables, Jinja's ``Undefined``, nonces, the sandbox.

The pipeline runs inside a template's render. These helpers read what the
template context holds (a Jinja ``Context``, Django's ``Context`` or a plain
mapping) the way the template itself would, and quickly: they run for every tag.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol

from jinja2 import StrictUndefined, Undefined  # a core dependency, not a web framework
from jinja2.runtime import Context as JinjaContext

__all__ = [
    "SANDBOX_CONTEXT",
    "ContextLike",
    "absent",
    "call_value",
    "context_value",
    "defined",
    "nonce_text",
]


class ContextLike(Protocol):
    """A template context (Jinja's ``Context``, Django's ``Context``) or a mapping."""

    def get(self, key: str, default: Any = None, /) -> Any: ...


#: The render context of the sandboxed Jinja template whose tag or global is running
#: (:mod:`pc_snippets.jinja` sets it around them), else ``None``. A sandboxed template
#: is untrusted: any callable the pipeline finds (a ``csp_nonce`` the template set, a
#: ``request`` it faked) may have been handed over by the template, so it is called
#: the way the template itself would call it, through the sandbox's rules.
SANDBOX_CONTEXT: ContextVar[JinjaContext | None] = ContextVar(
    "pc_snippets_sandbox_context", default=None
)


def call_value(function: Callable[[], Any]) -> Any:
    """``function()``; while a sandboxed template renders, through its sandbox.

    A sandboxed template's ``{{ f() }}`` runs ``environment.call``, which refuses
    ``@jinja2.sandbox.unsafe`` callables and Django's ``alters_data`` with
    ``SecurityError``; a tag must not be a way around that.

    >>> call_value(lambda: "abc")
    'abc'
    """
    context = SANDBOX_CONTEXT.get()
    if context is None:
        return function()
    return context.environment.call(context, function)  # type: ignore[attr-defined]


def nonce_text(value: Any) -> str | None:
    """A nonce as text, from a string, a lazy object or a zero-argument callable.

    Lazy nonces (django-csp, Django 6) are *false* until evaluated, so this never
    tests truthiness before calling ``str()``.

    >>> nonce_text(lambda: "abc"), nonce_text(""), nonce_text(None)
    ('abc', None, None)
    """
    if value is None:
        return None
    # type(), not __class__: a lazy nonce (django-csp's request.csp_nonce) reports
    # __class__ str but is a proxy, which the core refuses; str() below unwraps it.
    if type(value) is str:  # the common case: no call, no copy
        return value or None
    if callable(value) and not isinstance(value, str):
        value = call_value(value)  # Flask-Talisman's csp_nonce() template global
        if value is None:
            return None
    text = str(value)
    return text or None


def context_value(context: ContextLike, name: str) -> Any:
    """``context.get(name)``, quicker for a Jinja context (this runs for every tag).

    >>> context_value({"request": None}, "request") is None
    True
    """
    if context.__class__ is JinjaContext:
        # Jinja resolves a name from the render's own variables, then its parent
        # (render arguments and globals): the same lookup without Context.get's
        # three calls.
        own = context.vars
        return own[name] if name in own else context.parent.get(name)
    return context.get(name)


def absent(value: Any) -> Any:
    """Like :func:`defined`, except that Jinja's ``StrictUndefined`` raises, as it would
    anywhere else in the template (a missing variable passed as the visitor).

    >>> absent({"email": "jane@mail.com"})
    {'email': 'jane@mail.com'}
    """
    if isinstance(value, StrictUndefined):
        value._fail_with_undefined_error()
    return None if isinstance(value, Undefined) else value


def defined(value: Any) -> Any:
    """``value``, or ``None`` for Jinja's ``Undefined`` (a missing variable counts as absent)."""
    # type(), not isinstance(): isinstance also reads value.__class__, which on a
    # proxy (Flask's request global) is a context-variable look-up.
    return None if issubclass(type(value), Undefined) else value
