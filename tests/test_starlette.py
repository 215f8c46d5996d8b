"""Starlette and FastAPI, driven through Starlette's TestClient."""

from __future__ import annotations

import logging
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
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pc_snippets import ProfileError, check_profile
from pc_snippets._integration import SEND_ONCE_SESSION_KEY, private_cache_control
from pc_snippets.starlette import PersonaClickMiddleware, setup
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


def make_fastapi(**options: Any) -> TestClient:
    templates = make_templates(**options)
    app = FastAPI()
    app.add_middleware(PersonaClickMiddleware)
    app.add_middleware(CSPNonce)

    @app.get("/")
    def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", {"title": "<Shop>"})

    return TestClient(app)


def header_nonce(response: Any) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
    assert match
    return match.group(1)


def expected_set(user: Shopper) -> list[Any]:
    return ["profile", "set", check_profile(user).payload]


@pytest.mark.parametrize("make", [make_starlette, make_fastapi], ids=["starlette", "fastapi"])
def test_logged_in_page(make: Any) -> None:
    response = make().get("/?user=jane")
    nonce = header_nonce(response)
    assert [s.nonce for s in page_scripts(response.text)] == [nonce] * 3
    calls = run_page(response.text)
    assert calls_named(calls, "init") == [["init", SHOP_ID]]
    assert calls_named(calls, "profile", "set") == [expected_set(USERS["jane"])]
    assert calls_named(calls, "profile", "get") == [["profile", "get", None]]
    assert "&lt;Shop&gt;" in response.text
    assert response.headers["cache-control"] == "private"


@pytest.mark.parametrize("make", [make_starlette, make_fastapi], ids=["starlette", "fastapi"])
def test_anonymous_visitor(make: Any) -> None:
    response = make().get("/")
    assert run_page(response.text) == [["init", SHOP_ID], ["profile", "get", None]]
    assert "cache-control" not in response.headers


@pytest.mark.parametrize("cache", ["public, max-age=60", "no-store", "public, s-maxage=10"])
def test_cache_control(cache: str) -> None:
    client = make_starlette()
    personal = client.get("/", params={"user": "bob", "cache": cache})
    assert personal.headers["cache-control"] == private_cache_control(cache)
    directives = {d.strip() for d in personal.headers["cache-control"].split(",")}
    assert "public" not in directives
    assert ("no-store" in directives) is ("no-store" in cache)
    assert client.get("/", params={"cache": cache}).headers["cache-control"] == cache




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


def test_consent() -> None:
    client = make_starlette()
    client.cookies["consent"] = "no"
    refused = client.get("/?user=jane")
    assert run_page(refused.text) == [["init", SHOP_ID, None, None, None, {"consent": False}]]
    assert "jane" not in refused.text.lower()
    assert "cache-control" not in refused.headers
    client.cookies["consent"] = "yes"
    calls = run_page(client.get("/?user=jane").text)
    assert calls[0] == ["init", SHOP_ID, None, None, None, {"consent": True}]
    assert calls_named(calls, "profile", "set") == [expected_set(USERS["jane"])]


NOT_DECISIONS = [0, 1, "", "no", "yes"]


@pytest.mark.parametrize("answer", NOT_DECISIONS)
def test_setup_refuses_a_consent_that_is_no_bool(answer: Any) -> None:
    with pytest.raises(TypeError, match="consent"):
        make_templates(consent=answer)


@pytest.mark.parametrize("answer", NOT_DECISIONS)
def test_a_consent_callable_answering_no_bool_is_an_error(answer: Any) -> None:
    client = make_starlette(consent=lambda request: answer)
    with pytest.raises(TypeError, match="must be True, False or None"):
        client.get("/?user=jane")


def test_consent_is_asked_once_per_request() -> None:
    asked: list[str] = []

    def counting_consent(request: Request) -> bool | None:
        asked.append(request.url.path)
        return consent(request)

    client = make_starlette(consent=counting_consent)
    client.cookies["consent"] = "yes"
    for _ in range(2):
        calls = run_page(client.get("/?user=jane").text)
        assert calls[0] == ["init", SHOP_ID, None, None, None, {"consent": True}]
    assert asked == ["/", "/"]  # three tags per page, one decision per request


def test_a_disabled_integration_asks_no_consent() -> None:
    asked: list[str] = []
    client = make_starlette(enabled=False, consent=lambda request: asked.append("?") or True)
    assert "<script" not in client.get("/?user=jane").text
    assert asked == []


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


def test_send_once_across_two_requests() -> None:
    client = make_starlette(send_once=True, secret_key="app-secret")
    first = client.get("/?user=jane")
    assert calls_named(run_page(first.text), "profile", "set") == [expected_set(USERS["jane"])]
    second = client.get("/?user=jane")
    assert calls_named(run_page(second.text), "profile", "set") == []
    assert "cache-control" not in second.headers
    third = client.get("/?user=bob")
    assert calls_named(run_page(third.text), "profile", "set") == [expected_set(USERS["bob"])]
    # Starlette's session cookie is readable base64 JSON: only the HMAC is in it.
    import base64
    import json

    cookie = client.cookies["session"]
    session = json.loads(base64.b64decode(cookie.split(".")[0] + "=="))
    assert set(session) == {SEND_ONCE_SESSION_KEY}
    assert "bob" not in json.dumps(session)


def test_strict_error_names_the_field() -> None:
    with pytest.raises(ProfileError) as info:
        make_starlette(strict=True).get("/?user=placeholder")
    assert [p.field for p in info.value.problems] == ["email"]
    assert "anonymous@example.com" not in str(info.value)


def test_lenient_logs_field_and_code(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pc_snippets"):
        html = make_fastapi().get("/?user=placeholder").text
    assert calls_named(run_page(html), "profile", "set") == [
        ["profile", "set", {"id": 3, "first_name": "Pat"}]]
    assert "email" in caplog.text
    assert "placeholder_email_domain" in caplog.text
    assert "anonymous@example.com" not in caplog.text


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


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"shop_id": None}, "shop_id is not set"),
        ({"shop_id": "bad shop"}, "shop_id is malformed"),
        ({"shop_id": SHOP_ID, "stream": "x" * 17}, "stream is malformed"),
        ({"shop_id": SHOP_ID, "send_once": True}, "send_once needs secret_key"),
    ],
)
def test_setup_fails_early(options: dict[str, Any], message: str) -> None:
    templates = Jinja2Templates(env=Environment(autoescape=True))
    with pytest.raises(ValueError, match=message):
        setup(templates, **options)


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


def test_disabled_needs_no_shop_id() -> None:
    env = Environment(loader=DictLoader({"page.html": PAGE}), autoescape=True)
    setup(Jinja2Templates(env=env), shop_id=None, enabled=False)
    assert "<script" not in env.get_template("page.html").render(title="t")
