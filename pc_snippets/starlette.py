"""Starlette / FastAPI: wire a ``Jinja2Templates`` (or its Jinja ``Environment``) with one call.

>>> from starlette.templating import Jinja2Templates
>>> from jinja2 import DictLoader, Environment
>>> templates = Jinja2Templates(env=Environment(loader=DictLoader({}), autoescape=True))
>>> personaclick = setup(templates, shop_id="357382bf66ac0ce2f1722677c59511",
...                      profile_loader=lambda request: getattr(request.state, "user", None))

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

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import replace
from typing import Any

from jinja2 import Environment
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .adapter import (
    KEYWORDS,
    ContextLike,
    Hooks,
    Settings,
    carries_personal_data,
    context_value,
    make_private,
    queue_event_for,
    settings_error,
    settings_from,
    settings_problems,
    streamed_body,
)
from .core.consent_gate import ConsentSource
from .jinja import set_hooks

__all__ = ["PersonaClick", "PersonaClickMiddleware", "setup"]

ProfileLoader = Callable[[Request], Any]
Consent = Callable[[Request], "bool | None"]


class _StarletteHooks(Hooks):
    naming = KEYWORDS

    def __init__(self, settings: Settings, profile_loader: ProfileLoader | None,
                 secret_key: str | bytes | None, *, follow_app_debug: bool = False) -> None:
        self._settings = settings
        self._profile_loader = profile_loader
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
        request = self.request(context)
        app = None if request is None else request.scope.get("app")
        if app is None:
            return
        if getattr(app, "debug", False) is True:
            self._settings = replace(self._settings, debug=True)
        self._app_debug_unknown = False

    def request(self, context: ContextLike) -> Request | None:
        request = context_value(context, "request")
        return request if isinstance(request, Request) else None

    def request_state(self, request: Request) -> MutableMapping[str, Any]:
        return _request_state(request)

    def request_nonce(self, request: Request) -> Any:
        return _request_state(request).get("csp_nonce")  # request.state.csp_nonce

    def user(self, context: ContextLike, request: Request | None) -> Any:
        if request is None:
            return None
        if self._profile_loader is not None:
            return self._profile_loader(request)
        return request.user if "user" in request.scope else None

    def session(self, request: Request | None) -> MutableMapping[str, Any] | None:
        return None if request is None or "session" not in request.scope else request.session

    def secret_key(self) -> str | bytes | None:
        return self._secret_key


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
    navigation: str | None = None,
    consent_source: ConsentSource | str | None = None,
    api_host: str | None = None,
    cdn_host: str | None = None,
    guard_disabled: Iterable[str] = (),
    placeholder_domains: Iterable[str] = (),
    guard_opt_in: Iterable[str] = (),
    phone_region: str | None = None,
    track_mapping: Mapping[str, str] | None = None,
    debug: bool | None = None,
) -> PersonaClick:
    """Add the PersonaClick extension to ``templates.env`` with these settings.

    ``templates`` is a ``Jinja2Templates`` (Starlette's or FastAPI's) or the
    ``jinja2.Environment`` it renders with. Settings are checked now, as every
    adapter checks them (:data:`pc_snippets.adapter.SETTINGS`): a missing or
    malformed ``shop_id`` raises ``ValueError`` at startup, not at the first page;
    only settings of the wrong type (a ``consent`` that is not a callable, ``True``,
    ``False`` or ``None``) raise ``TypeError``. ``consent``'s callable takes the
    request. ``send_once`` needs Starlette's ``SessionMiddleware`` and
    ``secret_key`` (the fingerprint is an HMAC). ``debug``: ``None`` follows the
    app's ``debug``. Returns a :class:`PersonaClick` for the views (its
    ``queue_event``).
    """
    env = templates if isinstance(templates, Environment) else getattr(templates, "env", None)
    if not isinstance(env, Environment):
        raise TypeError(
            "setup() takes a Jinja2Templates (starlette.templating or fastapi.templating) "
            f"or a jinja2.Environment, not a {type(templates).__name__}"
        )
    values = {"shop_id": shop_id, "stream": stream, "enabled": enabled, "strict": strict,
              "send_once": send_once, "consent": consent, "cookieless": cookieless, "spa": spa,
              "navigation": navigation, "consent_source": consent_source, "api_host": api_host,
              "cdn_host": cdn_host,
              "guard_disabled": list(guard_disabled),
              "placeholder_domains": list(placeholder_domains),
              "guard_opt_in": list(guard_opt_in), "phone_region": phone_region,
              "track_mapping": track_mapping}
    problems = settings_problems(values, KEYWORDS)
    if send_once and not secret_key:
        problems.append(("E008", "send_once needs secret_key (the session stores an HMAC)"))
    if debug is not None and not isinstance(debug, bool):
        problems.append(("E004", "debug must be True, False or None"))
    if problems:
        raise settings_error(problems, "PersonaClick setup: ")
    hooks = _StarletteHooks(settings_from(values, debug=bool(debug)), profile_loader,
                            secret_key, follow_app_debug=debug is None)
    set_hooks(env, hooks)
    if isinstance(templates, Jinja2Templates):
        _private_template_responses(templates)
    return PersonaClick(hooks)


class PersonaClick:
    """What :func:`setup` returns: the views' side of the same settings.

    >>> from starlette.templating import Jinja2Templates
    >>> from jinja2 import DictLoader, Environment
    >>> templates = Jinja2Templates(env=Environment(loader=DictLoader({}), autoescape=True))
    >>> personaclick = setup(templates, shop_id="357382bf66ac0ce2f1722677c59511")
    >>> # in a view: personaclick.queue_event(request, "cart", {"id": "SKU-1"})
    """

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks

    def __repr__(self) -> str:
        return "<pc_snippets.starlette.PersonaClick>"

    def queue_event(self, request: Request, event: str, data: Any = None, *,
                    strict: bool | None = None, consent: bool | None = None) -> bool:
        """Check a ``track`` event now and send it from the next page that has the
        ``personaclick_events`` tag (after a redirect). Keeps the checked data in
        ``request.session`` (Starlette's ``SessionMiddleware``), never JavaScript;
        returns whether it was queued (not without consent, not when nothing valid
        remains, not when the queue is full: each logged)."""
        return queue_event_for(self.hooks, request, event, data, strict=strict,
                               consent=consent)


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
        if isinstance(request, Request) and carries_personal_data(_request_state(request)):
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
            # is private up front (the rule is adapter.headers.streamed_body's).
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if carries_personal_data(state) or streamed_body(
                    message["status"], True, headers.get("content-length")
                ):
                    make_private(headers)
            await send(message)

        await self.app(scope, receive, send_private)
