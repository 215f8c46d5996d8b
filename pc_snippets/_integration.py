"""What every framework adapter shares: settings, the per-request pipeline, headers.

Adapters (:mod:`pc_snippets.jinja`, :mod:`pc_snippets.flask`,
:mod:`pc_snippets.django`, :mod:`pc_snippets.starlette`) only *find* inputs: the
settings, the current visitor, the CSP nonce, consent. They describe them with a
:class:`Hooks` subclass and call the ``render_*_for`` functions here, which call the
core renderers. Nothing here formats JavaScript, and nothing here imports a web
framework: this module is safe to import with only the core installed.

>>> hooks = StaticHooks(Settings(shop_id="357382bf66ac0ce2f1722677c59511"))
>>> "personaclick(\\"init\\",\\"357382bf66ac0ce2f1722677c59511\\")" in render_init_for(hooks, {})
True
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from jinja2 import StrictUndefined, Undefined  # a core dependency, not a web framework
from jinja2.runtime import Context as JinjaContext
from markupsafe import Markup

from .check import CheckResult, check_profile
from .guard import Guard
from .render import render_call, render_init, render_profile_get, render_profile_set
from .serialize import dumps_js

__all__ = [
    "DEFAULT",
    "SEND_ONCE_SESSION_KEY",
    "ContextLike",
    "Hooks",
    "SendOnce",
    "Settings",
    "StaticHooks",
    "absent",
    "context_nonce",
    "context_value",
    "defined",
    "is_anonymous",
    "nonce_text",
    "private_cache_control",
    "render_call_for",
    "render_init_for",
    "render_profile_get_for",
    "render_profile_set_for",
    "settings_problems",
]

#: Session key holding the send-once fingerprint (never the data itself).
SEND_ONCE_SESSION_KEY = "_personaclick_profile"


class _Default:
    """Marks "argument not given" where ``None`` is a meaningful value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEFAULT"


#: ``profile`` argument meaning "use the hooks' current visitor".
DEFAULT: Any = _Default()


class ContextLike(Protocol):
    """A template context (Jinja's ``Context``, Django's ``Context``) or a mapping."""

    def get(self, key: str, default: Any = None, /) -> Any: ...


@dataclass(frozen=True)
class Settings:
    """Adapter settings, the same for every framework (each reads them its own way).

    >>> Settings(shop_id="357382bf66ac0ce2f1722677c59511", stream="web").stream
    'web'
    """

    shop_id: str | None = None
    stream: str | None = None
    enabled: bool = True
    strict: bool = False
    send_once: bool = False
    cookieless: bool | None = None
    spa: bool = False
    api_host: str | None = None
    cdn_host: str | None = None
    guard: Guard | None = field(default=None, compare=False)


#: Setting name suffix -> (Settings attribute, accepted types, meaning) for readers.
SETTING_NAMES: dict[str, str] = {
    "SHOP_ID": "shop_id",
    "STREAM": "stream",
    "ENABLED": "enabled",
    "STRICT": "strict",
    "SEND_ONCE": "send_once",
    "COOKIELESS": "cookieless",
    "SPA": "spa",
    "API_HOST": "api_host",
    "CDN_HOST": "cdn_host",
}

_BOOLEANS = ("enabled", "strict", "send_once", "spa")
_OPTIONAL_BOOLEANS = ("cookieless",)
_OPTIONAL_TEXT = ("stream", "api_host", "cdn_host")

# A shop id the core accepts, used to check the other init settings one at a time.
_PROBE_SHOP_ID = "357382bf66ac0ce2f1722677c59511"


def settings_problems(
    values: Mapping[str, Any], *, prefix: str = "PERSONACLICK_", upper: bool = True
) -> list[tuple[str, str]]:
    """Check raw setting values; return ``(code, message)`` pairs, empty when fine.

    ``values`` maps :class:`Settings` attribute names (plus ``guard_disabled`` and
    ``placeholder_domains``) to what the app configured. The core renderers do the
    checking, so an adapter accepts exactly what the renderers accept. Codes:
    ``E001`` missing shop id, ``E002`` malformed shop id, ``E003`` malformed
    stream/host, ``E004`` wrong type, ``E005`` bad guard settings.

    >>> settings_problems({"shop_id": None, "enabled": True})[0][0]
    'E001'
    >>> settings_problems({"shop_id": None, "enabled": False})
    []
    """
    def setting(name: str) -> str:
        return prefix + (name.upper() if upper else name)

    problems: list[tuple[str, str]] = []
    for name in _BOOLEANS:
        if name in values and not isinstance(values[name], bool):
            problems.append(("E004", f"{setting(name)} must be True or False"))
    for name in _OPTIONAL_BOOLEANS:
        if values.get(name) is not None and not isinstance(values[name], bool):
            problems.append(("E004", f"{setting(name)} must be True, False or None"))
    for name in _OPTIONAL_TEXT:
        if values.get(name) is not None and not isinstance(values[name], str):
            problems.append(("E004", f"{setting(name)} must be a string or None"))
    if values.get("enabled", True) is False:
        return problems  # a disabled integration needs no shop id
    shop_id = values.get("shop_id")
    if shop_id is None or shop_id == "":
        problems.append((
            "E001",
            f"{setting('shop_id')} is not set: set it to the shop key from your PersonaClick "
            f"account, or set {setting('enabled')} = False to switch the snippets off",
        ))
    else:
        try:
            render_init(shop_id)
        except ValueError as exc:
            problems.append(("E002", f"{setting('shop_id')} is malformed: {exc}"))
    for name in _OPTIONAL_TEXT:
        value = values.get(name)
        if isinstance(value, str):
            try:
                render_init(_PROBE_SHOP_ID, **{name: value})  # type: ignore[arg-type]
            except ValueError as exc:
                problems.append(("E003", f"{setting(name)} is malformed: {exc}"))
    try:
        guard_from(values.get("guard_disabled"), values.get("placeholder_domains"))
    except (TypeError, ValueError) as exc:
        names = f"{setting('guard_disabled')} / {setting('placeholder_domains')}"
        problems.append(("E005", f"{names}: {exc}"))
    return problems


def guard_from(disabled: Any, placeholder_domains: Any) -> Guard | None:
    """A :class:`~pc_snippets.Guard` from two list settings; ``None`` for the default."""
    if not disabled and not placeholder_domains:
        return None
    for value in (disabled, placeholder_domains):
        if isinstance(value, str) or not isinstance(value, Iterable | None):
            raise TypeError("must be lists of strings")
    return Guard(disabled=disabled or (), placeholder_domains=placeholder_domains or ())


def settings_from(values: Mapping[str, Any]) -> Settings:
    """Build :class:`Settings` from checked values (see :func:`settings_problems`)."""
    known = {name: values[name] for name in SETTING_NAMES.values() if name in values}
    guard = guard_from(values.get("guard_disabled"), values.get("placeholder_domains"))
    return Settings(**known, guard=guard)


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


def nonce_text(value: Any) -> str | None:
    """A nonce as text, from a string, a lazy object or a zero-argument callable.

    Lazy nonces (django-csp, Django 6) are *false* until evaluated, so this never
    tests truthiness before calling ``str()``.

    >>> nonce_text(lambda: "abc"), nonce_text(""), nonce_text(None)
    ('abc', None, None)
    """
    if value is None:
        return None
    if value.__class__ is str:  # the common case: no call, no copy
        return value or None
    if callable(value) and not isinstance(value, str):
        value = value()  # Flask-Talisman's csp_nonce() template global
        if value is None:
            return None
    text = str(value)
    return text or None


def context_nonce(context: ContextLike) -> str | None:
    """The nonce a template context offers: ``csp_nonce`` (value or callable), then
    ``request.csp_nonce``.

    >>> context_nonce({"csp_nonce": "abc"})
    'abc'
    """
    value = context_value(context, "csp_nonce")
    if value is not None:
        if value.__class__ is str and value:  # the common case, decided without more calls
            return value
        nonce = nonce_text(defined(value))
        if nonce is not None:
            return nonce
    request = defined(context_value(context, "request"))
    if request is None:
        return None
    return nonce_text(getattr(request, "csp_nonce", None))


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


class SendOnce:
    """Skip a ``profile set`` identical to one already rendered in this session.

    Only an HMAC of the payload is stored (session cookies are often readable by
    the visitor; a plain hash of an email could be confirmed by guessing).

    >>> session: dict[str, str] = {}
    >>> once = SendOnce(session, b"secret")
    >>> result = check_profile({"email": "jane@mail.com"})
    >>> once.seen(result), once.remember(result), once.seen(result)
    (False, None, True)
    >>> "jane" in str(session)
    False
    """

    __slots__ = ("_key", "_session")

    def __init__(self, session: MutableMapping[str, Any], secret: bytes | str) -> None:
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        if not secret:
            raise ValueError("send-once needs the application's secret key")
        self._session = session
        self._key = hashlib.sha256(b"pc_snippets.send_once\x00" + secret).digest()

    def fingerprint(self, result: CheckResult) -> str:
        """HMAC-SHA256 of exactly the JavaScript data that would be sent."""
        data = dumps_js(result.payload).encode("utf-8")
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()

    def seen(self, result: CheckResult) -> bool:
        """Whether this exact payload was rendered earlier in the session."""
        stored = self._session.get(SEND_ONCE_SESSION_KEY)
        return isinstance(stored, str) and hmac.compare_digest(stored, self.fingerprint(result))

    def remember(self, result: CheckResult) -> None:
        """Record that this payload was rendered."""
        fingerprint = self.fingerprint(result)
        if self._session.get(SEND_ONCE_SESSION_KEY) != fingerprint:
            self._session[SEND_ONCE_SESSION_KEY] = fingerprint


class Hooks:
    """How an adapter finds the inputs of one render. Subclass per framework.

    Every method receives the template context (anything with ``.get``). The
    defaults suit a plain Jinja environment: nonce from the context, no consent
    decision, no default visitor, no session, no response to mark.
    """

    def settings(self, context: ContextLike) -> Settings:
        """The settings in force for this render."""
        raise NotImplementedError

    def inputs(self, context: ContextLike) -> tuple[Settings, bool | None, str | None]:
        """Settings, consent decision and nonce, found once per tag.

        The pipeline asks for all three in one call because it runs for every
        tag on every page; adapters may override this with a shortcut that
        gives the same answers as :meth:`settings`, :meth:`consent` and
        :meth:`nonce`.
        """
        settings = self.settings(context)
        if not settings.enabled:  # a disabled integration asks nothing more
            return settings, None, None
        return settings, self.consent(context), self.nonce(context)

    def nonce(self, context: ContextLike) -> str | None:
        """The CSP nonce of the current response (see :func:`context_nonce`)."""
        return context_nonce(context)

    def consent(self, context: ContextLike) -> bool | None:
        """``False``: the visitor refused tracking; ``None``: no decision needed."""
        return None

    def profile(self, context: ContextLike) -> Any:
        """The current visitor's profile (user object, mapping) or ``None``."""
        return None

    def adapt(self, context: ContextLike, profile: Any) -> Any:
        """Turn a known visitor into profile data (e.g. a Django user into a mapping)."""
        return profile

    def send_once(self, context: ContextLike) -> SendOnce | None:
        """A :class:`SendOnce` over the visitor's session, or ``None`` (always send)."""
        return None

    def personal_data_rendered(self, context: ContextLike) -> None:
        """Called when a snippet with personal data went into the page.

        Adapters mark the response here so it gets ``Cache-Control: private``.
        """


class StaticHooks(Hooks):
    """Hooks with fixed settings and otherwise the defaults (handy in tests and scripts)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def settings(self, context: ContextLike) -> Settings:
        return self._settings


def _combine_consent(explicit: bool | None, found: bool | None) -> bool | None:
    # A template may withhold consent but never grant what the app's decision refused.
    if found is False or explicit is False:
        return False
    return explicit if explicit is not None else found


def _missing_shop_id() -> RuntimeError:
    return RuntimeError(
            "PersonaClick shop id is not configured (PERSONACLICK_SHOP_ID, or "
            "personaclick_shop_id on a Jinja environment)"
        )


def render_init_for(
    hooks: Hooks,
    context: ContextLike,
    *,
    nonce: str | None = None,
    consent: bool | None = None,
    stream: str | None = None,
    spa: bool | None = None,
    device_id: str | None = None,
) -> Markup:
    """The SDK loader and ``init`` with the adapter's settings, nonce and consent.

    Without consent ``init`` still renders, carrying ``consent: false``.
    """
    settings, found, found_nonce = hooks.inputs(context)
    if not settings.enabled:
        return Markup()
    if not settings.shop_id:
        raise _missing_shop_id()
    return render_init(
        settings.shop_id,
        stream=stream if stream is not None else settings.stream,
        nonce=nonce if nonce is not None else found_nonce,
        cookieless=settings.cookieless,
        consent=found if consent is None else _combine_consent(consent, found),
        spa=(spa if spa is not None else settings.spa) or None,
        api_host=settings.api_host,
        cdn_host=settings.cdn_host,
        device_id=device_id,
    )


def render_profile_set_for(
    hooks: Hooks,
    context: ContextLike,
    profile: Any = DEFAULT,
    *,
    custom: Mapping[str, Any] | None = None,
    strict: bool | None = None,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """``profile set`` for ``profile`` (default: the hooks' current visitor).

    Renders nothing when the adapter is disabled, the visitor is anonymous or did
    not consent, nothing valid remains, or (send-once) the same data was already
    rendered in this session. Strict mode raises :class:`~pc_snippets.ProfileError`.
    """
    settings, found, found_nonce = hooks.inputs(context)
    if not settings.enabled:
        return Markup()
    if profile is DEFAULT:
        profile = hooks.profile(context)
    elif isinstance(profile, Undefined):  # a template's missing variable: no visitor
        profile = absent(profile)
    if is_anonymous(profile) or found is False or consent is False:
        return Markup()
    data = hooks.adapt(context, profile)
    if strict is None:
        strict = settings.strict
    if not settings.send_once:
        # One core call, as a view would make it: the core checks (or finds a
        # repeat visitor's clean dict profile in its memo), logs, and renders.
        try:
            html = render_profile_set(
                data, custom=custom, guard=settings.guard, strict=strict,
                nonce=nonce if nonce is not None else found_nonce,
            )
        except ValueError:
            # A refused nonce (raised before any work) or a strict-mode
            # ProfileError: the path below raises or renders exactly as before
            # (a profile problem wins over a bad nonce, and a profile with
            # nothing to send renders nothing whatever the nonce).
            pass
        else:
            if html:
                hooks.personal_data_rendered(context)
            return html
    result = check_profile(data, custom=custom, guard=settings.guard, strict=strict)
    if not result.payload:
        # Nothing to send; let the core log what was refused.
        return render_profile_set(result)
    once = hooks.send_once(context) if settings.send_once else None
    if once is not None and once.seen(result):
        return Markup()
    html = render_profile_set(result, nonce=nonce if nonce is not None else found_nonce)
    hooks.personal_data_rendered(context)
    if once is not None:
        once.remember(result)
    return html


def render_profile_get_for(
    hooks: Hooks,
    context: ContextLike,
    *,
    callback: str | None = None,
    event: str | bool | None = None,
    fill: bool = False,
    spa: bool | None = None,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """``profile get`` with the adapter's nonce and consent (nothing without consent)."""
    settings, found, found_nonce = hooks.inputs(context)
    if not settings.enabled or consent is False or found is False:
        return Markup()
    return render_profile_get(
        callback=callback,
        event=event,
        fill=fill,
        nonce=nonce if nonce is not None else found_nonce,
        spa=settings.spa if spa is None else spa,
    )


def render_call_for(
    hooks: Hooks,
    context: ContextLike,
    command: str,
    *args: Any,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """Any other SDK command (``track`` ...) with the adapter's nonce and consent."""
    settings, found, found_nonce = hooks.inputs(context)
    if not settings.enabled or consent is False or found is False:
        return Markup()
    return render_call(command, *args, nonce=nonce if nonce is not None else found_nonce)


def private_cache_control(value: str | None) -> str:
    """The ``Cache-Control`` value for a response carrying one visitor's data.

    ``public`` (and ``s-maxage``/``proxy-revalidate``, which only concern shared
    caches) are replaced by ``private``; everything else, ``no-store`` included,
    is kept in order.

    >>> private_cache_control("public, max-age=60, s-maxage=600")
    'private, max-age=60'
    >>> private_cache_control("no-store")
    'private, no-store'
    >>> private_cache_control(None)
    'private'
    """
    kept = []
    for directive in (value or "").split(","):
        directive = directive.strip()
        name = directive.partition("=")[0].strip().lower()
        if not directive or name in ("public", "private", "s-maxage", "proxy-revalidate"):
            continue
        kept.append(directive)
    return ", ".join(["private", *kept])
