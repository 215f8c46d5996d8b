"""Starlette / FastAPI: wire a ``Jinja2Templates`` with one call.

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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._integration import (
    ContextLike,
    Hooks,
    SendOnce,
    Settings,
    context_value,
    defined,
    nonce_text,
    private_cache_control,
    settings_from,
    settings_problems,
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
                 consent: Consent | bool | None, secret_key: str | bytes | None) -> None:
        self._settings = settings
        self._profile_loader = profile_loader
        self._consent = consent
        self._secret_key = secret_key

    def settings(self, context: ContextLike) -> Settings:
        return self._settings

    def inputs(self, context: ContextLike) -> tuple[Settings, bool | None, str | None]:
        # settings(), consent() and nonce() in one go (this runs for every tag).
        if not self._settings.enabled:  # a disabled integration asks nothing more
            return self._settings, None, None
        consent = self._consent
        # The context's csp_nonce (value or callable) first, then the request's
        # (request.csp_nonce, or request.state.csp_nonce from a middleware).
        value = context_value(context, "csp_nonce")
        if value.__class__ is str and value and not callable(consent):
            return self._settings, consent, value  # no need to find the request
        request = _request(context)
        if callable(consent):
            consent = self._decide(request)
        if value.__class__ is str and value:
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
        decision = _optional_bool(self._consent(request))
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


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def setup(
    templates: Jinja2Templates,
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
) -> None:
    """Add the PersonaClick extension to ``templates.env`` with these settings.

    Settings are checked now: a missing or malformed ``shop_id`` raises
    ``ValueError`` at startup, not at the first page. ``send_once`` needs
    Starlette's ``SessionMiddleware`` and ``secret_key`` (the fingerprint is an HMAC).
    """
    values: dict[str, Any] = {
        "shop_id": shop_id, "stream": stream, "enabled": enabled, "strict": strict,
        "send_once": send_once, "cookieless": cookieless, "spa": spa, "api_host": api_host,
        "cdn_host": cdn_host, "guard_disabled": list(guard_disabled),
        "placeholder_domains": list(placeholder_domains),
    }
    messages = [message for _, message in settings_problems(values, prefix="", upper=False)]
    if send_once and not secret_key:
        messages.append("send_once needs secret_key (the session stores an HMAC)")
    if messages:
        raise ValueError("PersonaClick setup: " + "; ".join(messages))
    set_hooks(templates.env, _StarletteHooks(
        settings_from(values), profile_loader, consent, secret_key
    ))


class PersonaClickMiddleware:
    """ASGI middleware: ``Cache-Control: private`` on responses with profile data.

    ``app.add_middleware(PersonaClickMiddleware)`` (FastAPI and Starlette alike).
    ``public`` is replaced, ``no-store`` and the rest kept.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_private(message: Message) -> None:
            # Templates render before the response starts, so the flag is known here.
            if message["type"] == "http.response.start" and state.get(_PERSONAL_DATA):
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = private_cache_control(headers.get("Cache-Control"))
            await send(message)

        await self.app(scope, receive, send_private)
