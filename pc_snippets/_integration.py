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
import secrets
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from jinja2 import StrictUndefined, Undefined  # a core dependency, not a web framework
from jinja2.runtime import Context as JinjaContext
from markupsafe import Markup

from .check import CheckResult, check_profile
from .guard import Guard
from .render import (
    consent_decision,
    nonce_attribute,
    render_call,
    render_fresh_result,
    render_init,
    render_profile_get,
)
from .serialize import dumps_js

__all__ = [
    "DEFAULT",
    "SANDBOX_CONTEXT",
    "SEND_ONCE_SESSION_KEY",
    "ContextLike",
    "Hooks",
    "SendOnce",
    "Settings",
    "StaticHooks",
    "absent",
    "call_value",
    "consent_decision",
    "context_nonce",
    "context_value",
    "defined",
    "is_anonymous",
    "make_private",
    "nonce_text",
    "private_cache_control",
    "render_call_for",
    "render_init_for",
    "render_profile_get_for",
    "render_profile_set_for",
    "settings_problems",
    "streamed_body",
]

#: Session key holding the send-once fingerprint (never the data itself).
SEND_ONCE_SESSION_KEY = "_personaclick_profile"
# The send-once salt: random per session, stored next to the fingerprint.
_SALT_BYTES = 16
_SALT_HEX_LENGTH = 2 * _SALT_BYTES


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
    #: Development mode (the framework's debug flag): dropped fields are also named
    #: in the browser console (path and rule code, never the value).
    debug: bool = False


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
    # debug is the framework's own flag (DEBUG, app.debug), not a PERSONACLICK_ setting.
    return Settings(**known, guard=guard, debug=bool(values.get("debug", False)))


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


def context_nonce(context: ContextLike) -> str | None:
    """The nonce a template context offers: ``csp_nonce`` (value or callable), then
    ``request.csp_nonce``.

    >>> context_nonce({"csp_nonce": "abc"})
    'abc'
    """
    value = context_value(context, "csp_nonce")
    if value is not None:
        if type(value) is str and value:  # the common case, decided without more calls
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

    Only ``salt:HMAC(secret, salt + payload)`` is stored. Keyed, because session
    cookies are often readable by the visitor (a plain hash of an email could be
    confirmed by guessing); salted per session, so the same data gives a
    different value in every session: a leaked secret does not let one cookie be
    tested against guessed emails with a table made once, nor link sessions.

    >>> session: dict[str, str] = {}
    >>> once = SendOnce(session, b"secret")
    >>> result = check_profile({"email": "jane@mail.com"})
    >>> once.seen(result), once.remember(result), once.seen(result)
    (False, None, True)
    >>> "jane" in str(session)
    False
    >>> other: dict[str, str] = {}
    >>> SendOnce(other, b"secret").remember(result)
    >>> other == session  # the same data, another session: another salt
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

    def fingerprint(self, result: CheckResult, salt: str) -> str:
        """HMAC-SHA256 of ``salt`` and exactly the JavaScript data that would be sent."""
        # The salt has a fixed length (hex), so salt + data cannot be read two ways.
        data = salt.encode("ascii") + dumps_js(result.payload).encode("utf-8")
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()

    def _stored(self) -> tuple[str, str] | None:
        # (salt, fingerprint) from the session; None for nothing (or anything else).
        stored = self._session.get(SEND_ONCE_SESSION_KEY)
        if not isinstance(stored, str):
            return None
        salt, colon, mac = stored.partition(":")
        if not colon or len(salt) != _SALT_HEX_LENGTH:
            return None
        return salt, mac

    def seen(self, result: CheckResult) -> bool:
        """Whether this exact payload was rendered earlier in the session."""
        stored = self._stored()
        if stored is None:
            return False
        salt, mac = stored
        return hmac.compare_digest(mac, self.fingerprint(result, salt))

    def remember(self, result: CheckResult) -> None:
        """Record that this payload was rendered (keeping the session's salt)."""
        stored = self._stored()
        salt = stored[0] if stored is not None else secrets.token_hex(_SALT_BYTES)
        value = f"{salt}:{self.fingerprint(result, salt)}"
        if self._session.get(SEND_ONCE_SESSION_KEY) != value:
            self._session[SEND_ONCE_SESSION_KEY] = value


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
    consent_decision(explicit, "consent")  # "no" must fail, not read as "no decision"
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
    In debug (``settings.debug``) dropped fields are also named in a ``console.warn``
    (a warn-only script when nothing valid remains).
    """
    settings, found, found_nonce = hooks.inputs(context)
    if not settings.enabled:
        return Markup()
    if consent is not None:
        consent_decision(consent, "consent")  # consent="no" must not send the profile
    if profile is DEFAULT:
        profile = hooks.profile(context)
    elif isinstance(profile, Undefined):  # a template's missing variable: no visitor
        profile = absent(profile)
    if is_anonymous(profile) or found is False or consent is False:
        return Markup()
    data = hooks.adapt(context, profile)
    # Checked once, rendered once, on every path. A profile problem (strict mode)
    # wins over a bad nonce, and a profile with nothing to send renders nothing
    # whatever the nonce (in debug the console warning needs the nonce to run).
    if strict is None:
        strict = settings.strict
    result = check_profile(data, custom=custom, guard=settings.guard, strict=strict)
    if not result.payload and not settings.debug:
        return render_fresh_result(result, "", False)  # logs what was refused
    once = hooks.send_once(context) if settings.send_once and result.payload else None
    if once is not None and once.seen(result):
        return Markup()
    attribute = nonce_attribute(nonce if nonce is not None else found_nonce)
    html = render_fresh_result(result, attribute, settings.debug)
    if html:
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
    fill_root: str | None = None,
    spa: bool | None = None,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """``profile get`` with the adapter's nonce and consent (nothing without consent)."""
    settings, found, found_nonce = hooks.inputs(context)
    if consent is not None:
        consent_decision(consent, "consent")
    if not settings.enabled or consent is False or found is False:
        return Markup()
    return render_profile_get(
        callback=callback,
        event=event,
        fill=fill,
        fill_root=fill_root,
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
    if consent is not None:
        consent_decision(consent, "consent")
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


#: Headers giving shared caches (CDNs, reverse proxies) rules of their own, which
#: they obey *instead of* Cache-Control: ``CDN-Cache-Control`` (RFC 9213, and
#: Cloudflare's and Akamai's variants), ``Surrogate-Control`` (Fastly, Varnish,
#: Akamai) and Akamai's ``Edge-Control``. Left in place, "private" would not reach them.
SHARED_CACHE_HEADERS = (
    "CDN-Cache-Control",
    "Cloudflare-CDN-Cache-Control",
    "Akamai-Cache-Control",
    "Surrogate-Control",
    "Edge-Control",
)


class _Headers(Protocol):
    """What the frameworks' header objects share (Werkzeug, Django, Starlette)."""

    def get(self, key: str, /) -> str | None: ...
    def __setitem__(self, key: str, value: str, /) -> None: ...
    def __contains__(self, key: str, /) -> bool: ...
    def __delitem__(self, key: str, /) -> None: ...


def make_private(headers: _Headers) -> None:
    """Mark a response that carries (or may carry) one visitor's data, in place.

    ``Cache-Control`` becomes private (:func:`private_cache_control`), and the
    headers meant for shared caches only (:data:`SHARED_CACHE_HEADERS`) are removed:
    a CDN honours ``CDN-Cache-Control: max-age=600`` whatever ``Cache-Control``
    says. Removed rather than set to ``no-store``: without them every shared cache
    falls back to ``Cache-Control`` (RFC 9213), which now says ``private``, and no
    CDN-specific value has to be invented.

    >>> headers = {"Cache-Control": "public, max-age=60", "CDN-Cache-Control": "max-age=60"}
    >>> make_private(headers)
    >>> headers
    {'Cache-Control': 'private, max-age=60'}
    """
    headers["Cache-Control"] = private_cache_control(headers.get("Cache-Control"))
    for name in SHARED_CACHE_HEADERS:
        if name in headers:
            del headers[name]


# Streamed responses. When a body streams (Flask's stream_with_context and
# stream_template, Starlette's StreamingResponse, Django's StreamingHttpResponse),
# its headers go out before it is produced: tags in it run after the adapter's
# last chance to change the headers, so whether it will carry profile data cannot
# be known in time. The rule, the same in every adapter: a response whose body is
# still to be produced when its headers are final is marked private up front,
#  - whoever the visitor: an anonymous visitor's page can still render another
#    person's profile ({% personaclick_profile_set order.customer %});
#  - whatever the settings: the response hook cannot know which environment, or
#    whether a template at all, will produce the body.
# "Still to be produced" is a streaming body without a Content-Length: a body of
# known length was complete before its headers, or is a file (Flask's send_file,
# Django's and Starlette's FileResponse), and keeps its caching; so do bodiless
# statuses (1xx, 204, 304: a 304's headers would update a cached public copy).
def streamed_body(status: int, streaming: bool, content_length: str | None) -> bool:
    """Whether a response must be private because its body streams (rule above).

    >>> streamed_body(200, True, None), streamed_body(200, True, "120")
    (True, False)
    """
    return streaming and content_length is None and status >= 200 and status not in (204, 304)
