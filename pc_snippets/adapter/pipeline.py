"""The per-tag pipeline: find the inputs of one render, then call the core renderers.

An adapter describes its framework with a :class:`Hooks` subclass: where the
settings are, how to get the current request, visitor and session, and any
nonce source of its own. Everything else is decided here, once for every
adapter: the nonce order, consent (asked once per request), anonymous visitors,
send-once, the ``navigation`` and ``consent_source`` settings (handed to every
renderer), and marking the request as one whose response carries personal data.
Nothing here formats JavaScript, and nothing here imports a web framework.

>>> from pc_snippets.adapter import StaticHooks
>>> hooks = StaticHooks(Settings(shop_id="357382bf66ac0ce2f1722677c59511"))
>>> print(render_profile_get_for(hooks, {"csp_nonce": "cjRuZDBt"}))
<script nonce="cjRuZDBt">...personaclick("profile","get",...</script>
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup

from ..core.check import check_profile
from ..core.consent_gate import ConsentSource, check_consent_source
from ..core.logs import log_problems
from ..core.problems import Problem
from ..core.render import (
    consent_decision,
    nonce_attribute,
    render_call,
    render_fresh_result,
    render_init,
    render_profile_get,
)
from .context import ContextLike, absent, context_value, defined, nonce_text
from .hooks import CONSENT, DEFAULT, LATE_NONCE, NONCE, PERSONAL_DATA, Hooks, is_anonymous
from .send_once import SendOnce
from .settings import Settings, missing_shop_id

__all__ = [
    "render_call_for",
    "render_init_for",
    "render_profile_get_for",
    "render_profile_set_for",
]

_UNSET = object()
_LATE_NONCE = (Problem("nonce", "late_nonce", "the CSP nonce was read after the response's "
                       "headers were sent (a streamed body): the snippets are not rendered; "
                       "read request.csp_nonce in the view, before streaming"),)


def _inputs(
    hooks: Hooks, context: ContextLike, nonce: str | None
) -> tuple[Settings, bool | None, str | None, Any]:
    """Settings, consent decision, nonce and request of one tag, found once."""
    settings = hooks.settings(context)
    if not settings.enabled:  # a disabled integration asks nothing more
        return settings, None, None, None
    request = hooks.request(context)
    consent = settings.consent
    if not (consent is None or consent is True or consent is False):
        consent = _consent(hooks, consent, context, request)
    if nonce is None:
        try:
            nonce = _nonce(hooks, context, request)
        except hooks.late_nonce_errors():
            # The CSP header left without this response's nonce (a streamed body
            # read it too late): a script would be blocked, so none is rendered.
            state = None if request is None else hooks.request_state(request)
            if state is None or not state.get(LATE_NONCE):
                log_problems(_LATE_NONCE)  # once per response, not per tag
                if state is not None:
                    state[LATE_NONCE] = True
            return replace(settings, enabled=False), None, None, request
    return settings, consent, nonce, request


def _nonce(hooks: Hooks, context: ContextLike, request: Any) -> str | None:
    # The one place that knows the nonce order. 1. An explicit nonce= argument
    # (the caller's). 2. The template context's csp_nonce: a value, a lazy object
    # or a callable (Flask-Talisman's csp_nonce(), Django 6's context processor).
    # 3. request.csp_nonce (Flask-Talisman, django-csp). 4. The framework's own
    # place (Django 6's get_nonce(request), Starlette's request.state.csp_nonce).
    # All are read while the template renders, never after the response is sent.
    value = context_value(context, "csp_nonce")
    if value is not None:
        if type(value) is str:
            if value:
                return value
        elif request is not None or not hooks.nonce_needs_request:
            found = nonce_text(defined(value))
            if found is not None:
                return found
    if request is None:
        return None
    found = getattr(request, "csp_nonce", None)
    if type(found) is str and found:  # a plain nonce on the request: done
        return found
    # A lazy one (django-csp), or the framework's own place: found once per request.
    state = hooks.request_state(request)
    if state is not None and NONCE in state:
        return state[NONCE]  # type: ignore[no-any-return]
    found = nonce_text(found)
    if found is None:
        found = nonce_text(hooks.request_nonce(request))
    if found is not None and state is not None:
        state[NONCE] = found  # one response, one nonce
    return found


def _consent(hooks: Hooks, decide: Any, context: ContextLike, request: Any) -> bool | None:
    # Asked once per request (however many tags and templates), kept in its state.
    state = None if request is None else hooks.request_state(request)
    if state is not None:
        decision = state.get(CONSENT, _UNSET)
        if decision is not _UNSET:
            return decision  # type: ignore[no-any-return]
    decision = consent_decision(hooks.ask_consent(decide, context, request),
                                f"{hooks.naming('consent')}(...)")
    if state is not None:
        state[CONSENT] = decision
    return decision


def _withheld(settings: Settings, found: bool | None, consent: bool | None) -> bool:
    # A template may withhold consent but never grant what the app's decision refused.
    if consent is not None:
        consent_decision(consent, "consent")  # "no" must fail, not read as "no decision"
    return not settings.enabled or consent is False or found is False


def _gate(settings: Settings, found: bool | None, consent: bool | None) -> ConsentSource | None:
    """The consent source a tag waits for: none once the app or the template decided
    (the renderers' rule: the server's decision wins). Settings hold a checked one."""
    source = settings.consent_source
    if source is None or found is not None or consent is not None:
        return None
    # A kind string in Settings made directly (StaticHooks(Settings(consent_source=
    # "tcf"))), not by settings_from: the core's check and message.
    return source if isinstance(source, ConsentSource) else check_consent_source(source)


def _granted(
    hooks: Hooks, context: ContextLike, nonce: str | None, consent: bool | None
) -> tuple[Settings, str | None, ConsentSource | None] | None:
    """The settings, nonce and consent source of a tag that sends personal data, or
    ``None`` if withheld."""
    settings, found, nonce, _ = _inputs(hooks, context, nonce)
    if _withheld(settings, found, consent):
        return None
    return settings, nonce, _gate(settings, found, consent)


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
    settings, found, nonce, _ = _inputs(hooks, context, nonce)
    if not settings.enabled:
        return Markup()
    if not settings.shop_id:
        raise RuntimeError(missing_shop_id(hooks.naming))
    if consent is not None:  # a template may withhold consent, never grant a refused one
        consent = False if consent_decision(consent, "consent") is False else consent
        consent = False if found is False else consent
    return render_init(
        settings.shop_id,
        stream=stream if stream is not None else settings.stream,
        nonce=nonce,
        cookieless=settings.cookieless,
        consent=found if consent is None else consent,
        spa=(spa if spa is not None else settings.spa) or None,
        api_host=settings.api_host,
        cdn_host=settings.cdn_host,
        device_id=device_id,
        navigation=settings.navigation,
        consent_source=settings.consent_source,  # render_init applies the decision rule
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
    not consent, nothing valid remains, or (send-once) the same snippet was already
    rendered in this session. Strict mode raises :class:`~pc_snippets.ProfileError`.
    In debug (``settings.debug``) dropped fields are also named in a ``console.warn``
    (a warn-only script when nothing valid remains).
    """
    settings, found, nonce, request = _inputs(hooks, context, nonce)
    if _withheld(settings, found, consent):
        return Markup()
    if profile is DEFAULT:
        profile = hooks.user(context, request)
    elif isinstance(profile, Undefined):  # a template's missing variable: no visitor
        profile = absent(profile)
    if is_anonymous(profile):
        return Markup()
    # Checked once, rendered once, on every path. A profile problem (strict mode)
    # wins over a bad nonce, and a profile with nothing to send renders nothing
    # whatever the nonce (in debug the console warning needs the nonce to run).
    result = check_profile(hooks.adapt(context, profile), custom=custom, guard=settings.guard,
                           strict=settings.strict if strict is None else strict,
                           phone_region=settings.phone_region)
    if not result.payload and not settings.debug:
        return render_fresh_result(result, "", False)  # logs what was refused
    html = render_fresh_result(result, nonce_attribute(nonce), settings.debug,
                               settings.navigation, _gate(settings, found, consent))
    if settings.send_once and result.payload:
        session = hooks.session(request)
        if session is not None:
            once = SendOnce(session, hooks.secret_key() or b"")
            if once.seen(html):
                return Markup()
            once.remember(html)
    state = None if request is None else hooks.request_state(request)
    if html and state is not None:
        state[PERSONAL_DATA] = True  # the response must not be stored by shared caches
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
    granted = _granted(hooks, context, nonce, consent)
    if granted is None:
        return Markup()
    settings, nonce, source = granted
    return render_profile_get(callback=callback, event=event, fill=fill, fill_root=fill_root,
                              nonce=nonce, spa=settings.spa if spa is None else spa,
                              navigation=settings.navigation, consent_source=source)


def render_call_for(
    hooks: Hooks,
    context: ContextLike,
    command: str,
    *args: Any,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """Any other SDK command (``track`` ...) with the adapter's nonce and consent."""
    granted = _granted(hooks, context, nonce, consent)
    if granted is None:
        return Markup()
    settings, nonce, source = granted
    return render_call(command, *args, nonce=nonce, navigation=settings.navigation,
                       consent_source=source)
