"""What an adapter supplies: a :class:`Hooks` subclass describing its framework.

The pipeline (:mod:`pc_snippets.adapter.pipeline`) asks the hooks for the
settings, the current request, visitor and session, and a nonce source of the
framework's own; it decides everything else itself. The request's *state* (a
mapping living as long as the request) is where the pipeline keeps what it found
once per request, and where it notes that the response carries personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from .context import ContextLike, context_value, defined
from .settings import KEYWORDS, Naming, Settings

__all__ = [
    "DEFAULT",
    "REQUEST_KEYS",
    "Hooks",
    "StaticHooks",
    "carries_personal_data",
    "is_anonymous",
]

# What the pipeline keeps in a request's state (Hooks.request_state): the consent
# decision, the nonce the request offered, and "personal data rendered", which the
# adapter's response hook reads (carries_personal_data).
CONSENT = "_personaclick_consent"
NONCE = "_personaclick_nonce"
PERSONAL_DATA = "_personaclick_personal_data"
LATE_NONCE = "_personaclick_late_nonce"  # the nonce came too late: logged once
REQUEST_KEYS = (CONSENT, NONCE, PERSONAL_DATA, LATE_NONCE)


class _Default:
    """Marks "argument not given" where ``None`` is a meaningful value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEFAULT"


#: ``profile`` argument meaning "use the hooks' current visitor".
DEFAULT: Any = _Default()


class Hooks:
    """What an adapter tells the pipeline about its framework. Subclass per framework.

    Only :meth:`settings` must be written; the other methods default to "the
    framework has none". ``context`` is the template context (anything with
    ``.get``), ``request`` what :meth:`request` returned (``None``: no request).
    """

    #: How the framework spells setting names (in error messages).
    naming: Naming = KEYWORDS
    #: True where a nonce exists only inside a request (a CSP is a response
    #: header): outside one, only a nonce handed to the template as text is used,
    #: and a nonce callable (Flask-Talisman's ``csp_nonce()``) is not called.
    nonce_needs_request = False

    def settings(self, context: ContextLike) -> Settings:
        """The settings in force for this render."""
        raise NotImplementedError

    def request(self, context: ContextLike) -> Any:
        """The current request, or ``None`` (default: the context's ``request``)."""
        return defined(context_value(context, "request"))

    def request_state(self, request: Any) -> MutableMapping[str, Any] | None:
        """A mapping that lives exactly as long as ``request`` (``request.__dict__``,
        Starlette's ``scope["state"]``, a WSGI environ), or ``None`` for none."""
        return None

    def ask_consent(self, decide: Callable[..., Any], context: ContextLike, request: Any) -> Any:
        """Call the consent setting's callable the framework's way (default:
        ``decide(request)``, and no decision without a request)."""
        return None if request is None else decide(request)

    def request_nonce(self, request: Any) -> Any:
        """A nonce source of the framework's own, after ``request.csp_nonce``."""
        return None

    def late_nonce_errors(self) -> tuple[type[Exception], ...]:
        """Exceptions a lazy nonce raises when read after the CSP header was sent
        (django-csp's ``CSPNonceError`` on a streamed body): the snippets are then
        skipped, with a warning, instead of breaking the page (default: none)."""
        return ()

    def user(self, context: ContextLike, request: Any) -> Any:
        """The current visitor (user object, mapping) or ``None``."""
        return None

    def adapt(self, context: ContextLike, profile: Any) -> Any:
        """Turn a known visitor into profile data (e.g. a Django user into a mapping)."""
        return profile

    def session(self, request: Any) -> MutableMapping[str, Any] | None:
        """The visitor's session (for send-once), or ``None``."""
        return None

    def secret_key(self) -> str | bytes | None:
        """The application's secret key (send-once's HMAC key)."""
        return None


class StaticHooks(Hooks):
    """Hooks with fixed settings and otherwise the defaults (handy in tests and scripts)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def settings(self, context: ContextLike) -> Settings:
        return self._settings


def is_anonymous(user: Any) -> bool:
    """True for "no visitor": ``None``, ``""``, or an object with a false ``is_authenticated``.

    Covers Django's ``AnonymousUser``, Flask-Login's ``AnonymousUserMixin`` and
    Starlette's ``UnauthenticatedUser``. Mappings count as known visitors.

    >>> is_anonymous(None), is_anonymous({"email": "jane@mail.com"})
    (True, False)
    """
    if user is None or (user.__class__ is str and not user):
        return True
    # getattr on a mapping reads attributes, not keys: mappings count as known.
    return getattr(user, "is_authenticated", True) is False


def carries_personal_data(state: Mapping[str, Any] | None) -> bool:
    """Whether the pipeline rendered personal data for the request with this state."""
    return state is not None and state.get(PERSONAL_DATA, False) is True
