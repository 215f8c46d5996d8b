"""Starlette and FastAPI, driven through Starlette's TestClient."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from jinja2 import DictLoader, Environment
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pc_snippets import check_profile
from pc_snippets.adapter import KEYWORDS, SEND_ONCE_SESSION_KEY
from pc_snippets.starlette import PersonaClickMiddleware, setup
from tests.adapter_contract import (
    AFTER_QUEUE,
    TEMPLATES,
    VISITORS,
    Page,
    SessionContract,
    Site,
    after_queue,
    query,
    queue_query,
    queued_header,
    route_context,
    route_headers,
    route_queue,
)
from tests.adapter_contract import header_nonce as csp_nonce_of
from tests.pages import (
    PUBLIC_HEADERS,
    assert_placeholder_dropped,
    assert_private_for_shared_caches,
    calls_named,
    page_scripts,
    public_headers_kept,
    run_page,
)

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
PAGE = """<!DOCTYPE html><html><head>{% personaclick_init %}</head>
<body><h1>{{ title }}</h1>{% personaclick_profile_set %}
{{ personaclick_profile_get(callback="shop.onProfile") }}</body></html>"""


@dataclass
class Shopper:
    id: int
    email: str
    first_name: str = ""
    is_authenticated: bool = True


USERS = {
    "jane": Shopper(1, "jane.doe@mail.com", "Jane"),
    "bob": Shopper(2, "bob@mail.com", "Bob"),
    "placeholder": Shopper(3, "anonymous@example.com", "Pat"),
}


class CSPNonce:
    """What apps usually do: a fresh nonce on request.state and in the CSP header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_csp(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = (
                    f"script-src 'nonce-{nonce}' 'strict-dynamic'")
            await send(message)

        await self.app(scope, receive, send_with_csp)


def load_profile(request: Request) -> Shopper | None:
    return USERS.get(request.query_params.get("user", ""))


def consent(request: Request) -> bool | None:
    return {"yes": True, "no": False}.get(request.cookies.get("consent", ""))


def make_templates(**options: Any) -> Jinja2Templates:
    env = Environment(loader=DictLoader({"page.html": PAGE}), autoescape=True)
    templates = Jinja2Templates(env=env)
    options.setdefault("profile_loader", load_profile)
    options.setdefault("consent", consent)
    setup(templates, shop_id=SHOP_ID, **options)
    return templates


def make_starlette(**options: Any) -> TestClient:
    templates = make_templates(**options)

    async def page(request: Request) -> Response:
        response = templates.TemplateResponse(request, "page.html", {"title": "<Shop>"})
        if "cache" in request.query_params:
            response.headers["Cache-Control"] = request.query_params["cache"]
        return response

    app = Starlette(routes=[Route("/", page)], middleware=[
        Middleware(SessionMiddleware, secret_key="session-secret"),
        Middleware(CSPNonce),
        Middleware(PersonaClickMiddleware),
    ])
    return TestClient(app)


def header_nonce(response: Any) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
    assert match
    return match.group(1)


def expected_set(user: Shopper) -> list[Any]:
    return ["profile", "set", check_profile(user).payload]


def make_streaming_app(**options: Any) -> TestClient:
    from starlette.responses import FileResponse, StreamingResponse

    templates = make_templates()

    async def streamed(request: Request) -> Response:
        # The template renders while the body streams, after the headers went out.
        def body() -> Any:
            yield "<!-- streamed -->"
            yield templates.get_template("page.html").render(request=request, title="Shop")

        return StreamingResponse(body(), media_type="text/html", headers=PUBLIC_HEADERS)

    async def broken(request: Request) -> Response:
        raise RuntimeError("boom")

    async def server_error(request: Request, exc: Exception) -> Response:
        return templates.TemplateResponse(request, "page.html", {"title": "Oops"},
                                          status_code=500, headers=PUBLIC_HEADERS)

    async def whole(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", {"title": "Shop"},
                                          headers=PUBLIC_HEADERS)

    async def style(request: Request) -> Response:
        return FileResponse(options["style"], headers=PUBLIC_HEADERS)

    app = Starlette(
        routes=[Route("/streamed", streamed), Route("/broken", broken),
                Route("/whole", whole), Route("/site.css", style)],
        middleware=[Middleware(CSPNonce), Middleware(PersonaClickMiddleware)],
        exception_handlers={500: server_error},
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("user", ["jane", ""], ids=["visitor", "anonymous"])
def test_a_streaming_response_is_private(user: str, tmp_path: Any) -> None:
    # Rule: a response whose length is unknown when its headers are sent is being
    # produced as it streams, so it is marked private up front, whatever it holds.
    response = make_streaming_app(style=tmp_path).get(f"/streamed?user={user}")
    assert "content-length" not in response.headers
    assert_private_for_shared_caches(response)
    expected = [expected_set(USERS[user])] if user else []
    assert calls_named(run_page(response.text), "profile", "set") == expected


def test_a_500_page_rendered_by_the_exception_handler_is_private(tmp_path: Any) -> None:
    # Starlette runs the 500 handler outside every middleware (ServerErrorMiddleware
    # is the outermost): the page never passes PersonaClickMiddleware.
    client = make_streaming_app(style=tmp_path)
    response = client.get("/broken?user=jane")
    assert response.status_code == 500
    assert calls_named(run_page(response.text), "profile", "set") == [expected_set(USERS["jane"])]
    assert_private_for_shared_caches(response)
    assert public_headers_kept(client.get("/broken"))  # no profile data: left alone


def test_files_and_whole_pages_keep_their_cdn_headers(tmp_path: Any) -> None:
    style = tmp_path / "site.css"
    style.write_text("body { color: black }")
    client = make_streaming_app(style=style)
    assert public_headers_kept(client.get("/site.css?user=jane"))
    assert public_headers_kept(client.get("/whole"))
    assert_private_for_shared_caches(client.get("/whole?user=jane"))


@pytest.mark.parametrize("answer", [0, "no"])
def test_setup_refuses_a_consent_that_is_no_bool_with_a_type_error(answer: Any) -> None:
    # The message is the contract's; setup() raises TypeError for a wrong type.
    templates = Jinja2Templates(env=Environment(autoescape=True))
    with pytest.raises(TypeError, match="consent must be True, False, None or a callable"):
        setup(templates, shop_id=SHOP_ID, consent=answer)
    with pytest.raises(ValueError, match="shop_id is malformed"):  # and a wrong value
        setup(templates, shop_id="bad", consent=answer)


def test_a_template_rendered_without_a_request() -> None:
    # No request in the context (a background job): no consent decision to ask,
    # no request nonce, and the tags still render.
    templates = make_templates()
    html = templates.env.from_string(
        "{% personaclick_init %}{% personaclick_profile_set user %}"
    ).render(user=USERS["jane"])
    calls = run_page(html)
    assert calls_named(calls, "init") == [["init", SHOP_ID]]
    assert calls_named(calls, "profile", "set") == [expected_set(USERS["jane"])]


def test_send_once_keeps_only_a_fingerprint_in_the_session_cookie() -> None:
    client = make_starlette(send_once=True, secret_key="app-secret")
    for user in ("jane", "jane", "bob"):
        client.get(f"/?user={user}")
    # Starlette's session cookie is readable base64 JSON: only the HMAC is in it.
    import base64
    import json

    cookie = client.cookies["session"]
    session = json.loads(base64.b64decode(cookie.split(".")[0] + "=="))
    assert set(session) == {SEND_ONCE_SESSION_KEY}
    assert "bob" not in json.dumps(session)


def make_debug_starlette(app_debug: bool, **options: Any) -> TestClient:
    templates = make_templates(**options)

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", {"title": "t"})

    app = Starlette(debug=app_debug, routes=[Route("/", page)], middleware=[
        Middleware(SessionMiddleware, secret_key="session-secret"),
        Middleware(CSPNonce),
        Middleware(PersonaClickMiddleware),
    ])
    return TestClient(app)


@pytest.mark.parametrize("send_once", [False, True], ids=["always", "send-once"])
@pytest.mark.parametrize(
    ("app_debug", "options", "warned"),
    [
        (True, {}, True),                   # default: the Starlette app's debug
        (False, {}, False),
        (False, {"debug": True}, True),     # the keyword wins
        (True, {"debug": False}, False),
    ],
)
def test_debug_warns_in_the_console(app_debug: bool, options: dict[str, Any], warned: bool,
                                    send_once: bool) -> None:
    if send_once:
        options = {**options, "send_once": True, "secret_key": "app-secret"}
    response = make_debug_starlette(app_debug, **options).get("/?user=placeholder")
    assert response.status_code == 200  # lenient by default, debug or not
    assert_placeholder_dropped(response.text, header_nonce(response), warned=warned)


class AuthUser(BaseUser):
    def __init__(self, email: str) -> None:
        self.email = email

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return "shopper"


class HeaderAuth(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        email = conn.headers.get("x-user-email")
        return (AuthCredentials(["authenticated"]), AuthUser(email)) if email else None


def test_default_profile_is_request_user_with_authentication_middleware() -> None:
    templates = make_templates(profile_loader=None)
    app = FastAPI()
    app.add_middleware(AuthenticationMiddleware, backend=HeaderAuth())

    @app.get("/")
    def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", {})

    client = TestClient(app)
    calls = run_page(client.get("/", headers={"x-user-email": "kim@mail.com"}).text)
    assert calls_named(calls, "profile", "set") == [["profile", "set", {"email": "kim@mail.com"}]]
    # Starlette's UnauthenticatedUser renders nothing.
    assert calls_named(run_page(client.get("/").text), "profile", "set") == []


def test_send_once_needs_a_secret_key() -> None:
    # The table's checks are the contract's; what setup() adds to them:
    templates = Jinja2Templates(env=Environment(autoescape=True))
    with pytest.raises(ValueError, match="send_once needs secret_key"):
        setup(templates, shop_id=SHOP_ID, send_once=True)
    with pytest.raises(TypeError, match="debug must be True, False or None"):
        setup(templates, shop_id=SHOP_ID, debug="yes")


def test_setup_accepts_the_jinja_environment_itself() -> None:
    # setup(templates.env, ...) is as good as setup(templates, ...).
    env = Environment(loader=DictLoader({"page.html": PAGE}), autoescape=True)
    setup(env, shop_id=SHOP_ID, profile_loader=load_profile)
    templates = Jinja2Templates(env=env)

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", {"title": "t"})

    client = TestClient(Starlette(routes=[Route("/", page)], middleware=[
        Middleware(CSPNonce), Middleware(PersonaClickMiddleware)]))
    response = client.get("/?user=jane")
    assert {s.nonce for s in page_scripts(response.text)} == {header_nonce(response)}
    assert calls_named(run_page(response.text), "profile", "set") == [
        expected_set(USERS["jane"])]
    assert response.headers["cache-control"] == "private"


@pytest.mark.parametrize("wrong", [None, "templates", {"env": None}])
def test_setup_says_what_to_pass(wrong: Any) -> None:
    with pytest.raises(TypeError, match=r"Jinja2Templates .*or a jinja2\.Environment"):
        setup(wrong, shop_id=SHOP_ID)


# --- The adapter contract, for Starlette and FastAPI (request.state.csp_nonce). ---


class StarletteSite(Site):
    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = TestClient(app)

    def get(self, template: str = "page", *, visitor: str | None = None,
            choice: str | None = None, csp_nonce: str | None = None,
            headers: Any = None) -> Page:
        response = self.client.get("/contract", params=query(
            template, visitor, choice, csp_nonce, headers))
        return Page(response.text, response.headers,
                    csp_nonce_of(response.headers.get("content-security-policy")))

    def other_session(self) -> StarletteSite:
        return StarletteSite(self.app)

    def queue(self, events: list[tuple[str, Any]], *, choice: str | None = None) -> list[bool]:
        response = self.client.post("/contract", params=queue_query(events, choice),
                                    follow_redirects=False)
        return after_queue(response.status_code, response.headers)


class TestStarletteContract(SessionContract):
    naming = KEYWORDS

    def templates(self, settings: dict[str, Any]) -> Jinja2Templates:
        settings = {"shop_id": SHOP_ID, "secret_key": "app-secret", **settings}
        settings.setdefault(
            "consent", lambda request: self.decisions(request.query_params.get("choice")))
        templates = Jinja2Templates(env=Environment(loader=DictLoader(TEMPLATES),
                                                    autoescape=True))
        self.personaclick = setup(templates, profile_loader=lambda request: VISITORS.get(
            request.query_params.get("visitor", "")), **settings)
        return templates

    def route(self, templates: Jinja2Templates, request: Request) -> Response:
        """The contract's page, or a view that queues events and redirects."""
        args = request.query_params
        events = route_queue(args)
        if events is not None:
            queued = [self.personaclick.queue_event(request, event, data)
                      for event, data in events]
            return RedirectResponse(AFTER_QUEUE, 303, headers=queued_header(queued))
        return templates.TemplateResponse(request, args["template"], route_context(args),
                                          headers=route_headers(args))

    def app(self, templates: Jinja2Templates) -> Any:
        async def contract(request: Request) -> Response:
            return self.route(templates, request)

        return Starlette(routes=[Route("/contract", contract, methods=["GET", "POST"])],
                         middleware=[
            Middleware(SessionMiddleware, secret_key="session-secret"),
            Middleware(CSPNonce),
            Middleware(PersonaClickMiddleware),
        ])

    def site(self, **settings: Any) -> StarletteSite:
        return StarletteSite(self.app(self.templates(settings)))

    def settings_error(self, **settings: Any) -> str:
        with pytest.raises((TypeError, ValueError)) as info:
            self.templates(settings)
        return str(info.value)


class TestFastAPIContract(TestStarletteContract):
    def app(self, templates: Jinja2Templates) -> Any:
        app = FastAPI()
        app.add_middleware(PersonaClickMiddleware)
        app.add_middleware(SessionMiddleware, secret_key="session-secret")
        app.add_middleware(CSPNonce)

        @app.api_route("/contract", methods=["GET", "POST"])
        def contract(request: Request) -> Response:
            return self.route(templates, request)

        return app


def test_setup_takes_every_setting_of_the_table() -> None:
    # setup() spells the table as keywords: a new setting must not be forgotten there.
    import inspect

    from pc_snippets.adapter import SETTINGS

    assert {setting.name for setting in SETTINGS} <= set(inspect.signature(setup).parameters)
