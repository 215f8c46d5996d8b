"""Starlette / FastAPI: wire a ``Jinja2Templates`` (or its Jinja ``Environment``) with one call.

>>> from starlette.templating import Jinja2Templates
>>> from jinja2 import DictLoader, Environment
>>> templates = Jinja2Templates(env=Environment(loader=DictLoader({}), autoescape=True))
>>> setup(templates, shop_id="357382bf66ac0ce2f1722677c59511",
...       profile_loader=lambda request: getattr(request.state, "user", None))

Templates then use the tags and globals of :mod:`pc_snippets.jinja`; the nonce
comes from ``request.state.csp_nonce`` (set it in a middleware), the visitor from
``profile_loader(request)`` (default: ``request.user`` when Starlette's
``AuthenticationMiddleware`` is installed). Add :class:`PersonaClickMiddleware` so
responses carrying profile data get ``Cache-Control: private``.

Lenient unless ``strict=True``: a bad field is dropped and logged. In debug
(``debug=``, default: the Starlette/FastAPI app's ``debug``, read from the first
request) each dropped field is also named (path and rule code, never the value)
in a ``console.warn`` on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from jinja2 import Environment
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._integration import (
    ContextLike,
    Hooks,
    SendOnce,
    Settings,
    consent_decision,
    context_value,
    defined,
    make_private,
    nonce_text,
    settings_from,
    settings_problems,
    streamed_body,
)
from .jinja import set_hooks

__all__ = ["PersonaClickMiddleware", "setup"]

# Keys in the request's state (scope["state"]): the flag the middleware reads, and
# the request's consent decision.
_PERSONAL_DATA = "personaclick_personal_data"
_CONSENT = "personaclick_consent"

ProfileLoader = Callable[[Request], Any]
Consent = Callable[[Request], "bool | None"]


class _StarletteHooks(Hooks):
    def __init__(self, settings: Settings, profile_loader: ProfileLoader | None,
                 consent: Consent | bool | None, secret_key: str | bytes | None,
                 *, follow_app_debug: bool = False) -> None:
        self._settings = settings
        self._profile_loader = profile_loader
        self._consent = consent
        self._secret_key = secret_key
        # debug not given: the app's, known once a request (scope["app"]) is seen.
        self._app_debug_unknown = follow_app_debug

    def settings(self, context: ContextLike) -> Settings:
        if self._app_debug_unknown:
            self._follow_app_debug(context)
        return self._settings

    def _follow_app_debug(self, context: ContextLike) -> None:
        # Jinja2Templates knows no app; the first request does. Read once, so the
        # tags pay nothing for it afterwards. No request yet: debug stays off.
        request = _request(context)
        app = None if request is None else request.scope.get("app")
        if app is None:
            return
        if getattr(app, "debug", False) is True:
            self._settings = replace(self._settings, debug=True)
        self._app_debug_unknown = False

    def inputs(self, context: ContextLike) -> tuple[Settings, bool | None, str | None]:
        # settings(), consent() and nonce() in one go (this runs for every tag).
        if not self._settings.enabled:  # a disabled integration asks nothing more
            return self._settings, None, None
        if self._app_debug_unknown:
            self._follow_app_debug(context)
        consent = self._consent
        # The context's csp_nonce (value or callable) first, then the request's
        # (request.csp_nonce, or request.state.csp_nonce from a middleware).
        value = context_value(context, "csp_nonce")
        if type(value) is str and value and not callable(consent):
            return self._settings, consent, value  # no need to find the request
        request = _request(context)
        if callable(consent):
            consent = self._decide(request)
        if type(value) is str and value:
            return self._settings, consent, value
        nonce = None if value is None else nonce_text(defined(value))
        if nonce is None and request is not None:
            nonce = nonce_text(
                getattr(request, "csp_nonce", None) or _request_state(request).get("csp_nonce")
            )
        return self._settings, consent, nonce

    def nonce(self, context: ContextLike) -> str | None:
        return self.inputs(context)[2]

    def consent(self, context: ContextLike) -> bool | None:
        return self._decide(_request(context))

    def _decide(self, request: Request | None) -> bool | None:
        if not callable(self._consent):
            return self._consent
        if request is None:
            return None
        # Asked once per request, however many tags: kept in the request's state.
        state = _request_state(request)
        if _CONSENT in state:
            return state[_CONSENT]  # type: ignore[no-any-return]
        decision = consent_decision(self._consent(request), "the consent callable")
        state[_CONSENT] = decision
        return decision

    def profile(self, context: ContextLike) -> Any:
        request = _request(context)
        if request is None:
            return None
        if self._profile_loader is not None:
            return self._profile_loader(request)
        return request.user if "user" in request.scope else None

    def send_once(self, context: ContextLike) -> SendOnce | None:
        request = _request(context)
        if request is None or "session" not in request.scope or not self._secret_key:
            return None
        return SendOnce(request.session, self._secret_key)

    def personal_data_rendered(self, context: ContextLike) -> None:
        request = _request(context)
        if request is not None:
            _request_state(request)[_PERSONAL_DATA] = True


def _request(context: ContextLike) -> Request | None:
    request = context_value(context, "request")
    return request if isinstance(request, Request) else None


def _request_state(request: Request) -> dict[str, Any]:
    # What request.state reads and writes (scope["state"]), without its wrapper.
    return request.scope.setdefault("state", {})  # type: ignore[no-any-return]


def setup(
    templates: Jinja2Templates | Environment,
    *,
    shop_id: str | None,
    profile_loader: ProfileLoader | None = None,
    consent: Consent | bool | None = None,
    stream: str | None = None,
    enabled: bool = True,
    strict: bool = False,
    send_once: bool = False,
    secret_key: str | bytes | None = None,
    cookieless: bool | None = None,
    spa: bool = False,
    api_host: str | None = None,
    cdn_host: str | None = None,
    guard_disabled: Iterable[str] = (),
    placeholder_domains: Iterable[str] = (),
    debug: bool | None = None,
) -> None:
    """Add the PersonaClick extension to ``templates.env`` with these settings.

    ``templates`` is a ``Jinja2Templates`` (Starlette's or FastAPI's) or the
    ``jinja2.Environment`` it renders with. Settings are checked now: a missing or
    malformed ``shop_id`` raises ``ValueError`` at startup, not at the first page;
    a ``consent`` that is not a callable, ``True``, ``False`` or ``None`` raises
    ``TypeError``. ``send_once`` needs Starlette's ``SessionMiddleware`` and
    ``secret_key`` (the fingerprint is an HMAC). ``debug``: ``None`` follows the
    app's ``debug``.
    """
    env = templates if isinstance(templates, Environment) else getattr(templates, "env", None)
    if not isinstance(env, Environment):
        raise TypeError(
            "setup() takes a Jinja2Templates (starlette.templating or fastapi.templating) "
            f"or a jinja2.Environment, not a {type(templates).__name__}"
        )
    if not callable(consent):
        consent_decision(consent, "setup(consent=...)")  # a callable, or True/False/None
    values: dict[str, Any] = {
        "shop_id": shop_id, "stream": stream, "enabled": enabled, "strict": strict,
        "send_once": send_once, "cookieless": cookieless, "spa": spa, "api_host": api_host,
        "cdn_host": cdn_host, "guard_disabled": list(guard_disabled),
        "placeholder_domains": list(placeholder_domains),
    }
    messages = [message for _, message in settings_problems(values, prefix="", upper=False)]
    if send_once and not secret_key:
        messages.append("send_once needs secret_key (the session stores an HMAC)")
    if debug is not None and not isinstance(debug, bool):
        messages.append("debug must be True, False or None")
    if messages:
        raise ValueError("PersonaClick setup: " + "; ".join(messages))
    values["debug"] = bool(debug)
    set_hooks(env, _StarletteHooks(
        settings_from(values), profile_loader, consent, secret_key,
        follow_app_debug=debug is None,
    ))
    if isinstance(templates, Jinja2Templates):
        _private_template_responses(templates)


def _private_template_responses(templates: Jinja2Templates) -> None:
    # Starlette runs a 500 (or Exception) handler in ServerErrorMiddleware, outside
    # every middleware added with add_middleware: an error page rendered there never
    # passes PersonaClickMiddleware. A TemplateResponse renders its template when it
    # is built, so whether it carries profile data is known right then: it is marked
    # on the response itself, wherever it is sent from. (This costs one call per
    # TemplateResponse, never per tag.)
    make = templates.TemplateResponse
    if getattr(make, "_personaclick_marks_private", False):
        return  # setup() ran on these templates before

    def template_response(*args: Any, **kwargs: Any) -> Any:
        response = make(*args, **kwargs)
        request = response.context.get("request")  # what the template rendered with
        if isinstance(request, Request) and _request_state(request).get(_PERSONAL_DATA):
            make_private(response.headers)
        return response

    template_response._personaclick_marks_private = True  # type: ignore[attr-defined]
    templates.TemplateResponse = template_response  # type: ignore[method-assign]


class PersonaClickMiddleware:
    """ASGI middleware: ``Cache-Control: private`` on responses with profile data.

    ``app.add_middleware(PersonaClickMiddleware)`` (FastAPI and Starlette alike).
    ``public`` is replaced, ``no-store`` and the rest kept; ``CDN-Cache-Control``
    and ``Surrogate-Control`` are removed. Streamed responses (no Content-Length)
    are private whatever they contain.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_private(message: Message) -> None:
            # A TemplateResponse renders before the response starts, so the flag is
            # known here. A StreamingResponse's body is produced after this message:
            # without a Content-Length the body is still to come, so the response
            # is private up front (the rule is _integration.streamed_body's).
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if state.get(_PERSONAL_DATA) or streamed_body(
                    message["status"], True, headers.get("content-length")
                ):
                    make_private(headers)
            await send(message)

        await self.app(scope, receive, send_private)
