"""The Flask extension, driven through Flask's test client with Flask-Talisman's CSP."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, make_response, redirect, render_template_string, request
from flask_talisman import Talisman

from pc_snippets import check_profile
from pc_snippets.adapter import CONFIG, SEND_ONCE_SESSION_KEY
from pc_snippets.flask import PersonaClick, queue_event
from tests.adapter_contract import (
    AFTER_QUEUE,
    TEMPLATES,
    VISITORS,
    SessionContract,
    WsgiSite,
    queued_header,
    route_context,
    route_headers,
    route_queue,
)
from tests.pages import (
    PUBLIC_HEADERS,
    assert_placeholder_dropped,
    assert_private_for_shared_caches,
    calls_named,
    page_scripts,
    run_page,
    run_page_console,
)

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
PAGE = """<!DOCTYPE html><html><head>{% personaclick_init %}</head>
<body><h1>Shop</h1>{% personaclick_profile_set %}
{% personaclick_profile_get callback="shop.onProfile" %}</body></html>"""


@dataclass
class User:
    """A Flask-Login-like user: attributes plus is_authenticated."""

    id: int
    email: str
    first_name: str = ""
    last_name: str = ""
    is_authenticated: bool = True


USERS = {
    "jane": User(1, "jane.doe@mail.com", "Jane", "Doe"),
    "bob": User(2, "bob@mail.com", "Bob"),
    "placeholder": User(3, "anonymous@example.com", "Pat"),
}
ANONYMOUS = User(0, "", is_authenticated=False)


def make_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-secret", PERSONACLICK_SHOP_ID=SHOP_ID)
    app.config.update(config)
    Talisman(app, force_https=False, session_cookie_secure=False,
             content_security_policy={"default-src": "'self'", "script-src": "'strict-dynamic'"},
             content_security_policy_nonce_in=["script-src"])
    personaclick = PersonaClick()
    personaclick.init_app(app)

    @personaclick.profile_loader
    def current_user() -> User:
        return USERS.get(request.args.get("user", ""), ANONYMOUS)

    @app.route("/")
    def index() -> Any:
        response = make_response(render_template_string(PAGE))
        if "cache" in request.args:
            response.headers["Cache-Control"] = request.args["cache"]
        return response

    return app


def csp_nonce(response: Any) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert match, "Talisman sent no nonce"
    return match.group(1)


def expected_set(user: User) -> list[Any]:
    return ["profile", "set", check_profile(user).payload]


def test_a_streamed_page_is_private() -> None:
    # stream_template sends the headers before the tags run, so whether the body
    # will carry profile data is not known in time: such responses are private.
    from flask import stream_template, stream_template_string

    app = make_app()

    @app.route("/streamed")
    def streamed() -> Any:
        response = app.response_class(stream_template_string(PAGE))
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    app.jinja_loader = __import__("jinja2").DictLoader({"page.html": PAGE})

    @app.route("/streamed-file")
    def streamed_file() -> Any:
        response = app.response_class(stream_template("page.html"))
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    client = app.test_client()
    for url in ("/streamed?user=jane", "/streamed-file?user=jane", "/streamed"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "private, max-age=60", url
        html = response.get_data(as_text=True)
        assert {script.nonce for script in page_scripts(html)} == {csp_nonce(response)}
    # A template rendered whole before the response (render_template) is judged
    # by what it rendered: an anonymous visitor's page stays public.
    assert client.get("/?cache=public").headers["Cache-Control"] == "public"




@pytest.mark.parametrize("user", ["jane", ""], ids=["visitor", "anonymous"])
def test_a_generator_streamed_with_context_is_private(user: str) -> None:
    # The generator renders its template after the headers have gone: whatever
    # the body turns out to hold, the response is marked private up front.
    from flask import stream_with_context

    app = make_app()

    @app.route("/generated")
    def generated() -> Any:
        @stream_with_context
        def body() -> Any:
            yield "<!-- streamed -->"
            yield render_template_string(PAGE)

        return app.response_class(body(), headers=PUBLIC_HEADERS)

    response = app.test_client().get(f"/generated?user={user}")
    assert response.is_streamed
    html = response.get_data(as_text=True)
    assert_private_for_shared_caches(response)
    expected = [expected_set(USERS[user])] if user else []
    assert calls_named(run_page(html), "profile", "set") == expected


def test_an_error_page_with_profile_data_is_private() -> None:
    app = make_app()

    @app.route("/broken")
    def broken() -> Any:
        raise RuntimeError("boom")

    @app.errorhandler(500)
    def server_error(error: Exception) -> Any:
        return render_template_string(PAGE), 500, PUBLIC_HEADERS

    response = app.test_client().get("/broken?user=jane")
    assert response.status_code == 500
    assert calls_named(run_page(response.get_data(as_text=True)), "profile", "set") == [
        expected_set(USERS["jane"])
    ]
    assert_private_for_shared_caches(response)
    # The anonymous visitor's error page carries no profile data: left as it was.
    anonymous = app.test_client().get("/broken")
    assert {name: anonymous.headers[name] for name in PUBLIC_HEADERS} == PUBLIC_HEADERS


def test_files_and_whole_pages_keep_their_cdn_headers(tmp_path: Any) -> None:
    # A file (its length is known before it is sent) holds no tags, and a page
    # rendered whole is judged by what it rendered.
    from flask import send_file

    style = tmp_path / "site.css"
    style.write_text("body { color: black }")
    app = make_app()

    @app.route("/site.css")
    def site_css() -> Any:
        response = send_file(style)
        response.headers.update(PUBLIC_HEADERS)
        return response

    @app.route("/whole")
    def whole() -> Any:
        return render_template_string(PAGE), 200, PUBLIC_HEADERS

    client = app.test_client()
    for url in ("/site.css?user=jane", "/whole"):
        response = client.get(url)
        assert {name: response.headers[name] for name in PUBLIC_HEADERS} == PUBLIC_HEADERS, url
        response.close()
    assert_private_for_shared_caches(client.get("/whole?user=jane"))


@pytest.mark.parametrize("answer", [0, "no"])
def test_a_consent_loader_answering_no_bool_is_an_error(answer: Any) -> None:
    # Fail closed, as for PERSONACLICK_CONSENT (the contract's test).
    app = make_app()
    app.extensions["personaclick"].extension.consent_loader(lambda: answer)
    app.testing = True  # exceptions propagate to the test client
    with pytest.raises(TypeError, match="must be True, False or None"):
        app.test_client().get("/?user=jane")


def test_consent_loader_decorator_wins_over_config() -> None:
    app = Flask(__name__)
    app.config.update(PERSONACLICK_SHOP_ID=SHOP_ID, PERSONACLICK_CONSENT=lambda: True)
    personaclick = PersonaClick(app)
    personaclick.profile_loader(lambda: USERS["bob"])
    decisions: list[str] = []

    @personaclick.consent_loader
    def consent() -> bool:
        decisions.append("asked")
        return False

    @app.route("/")
    def index() -> str:
        return render_template_string(PAGE + "{% personaclick_profile_set %}")

    calls = run_page(app.test_client().get("/").get_data(as_text=True))
    assert calls == [["init", SHOP_ID, None, None, None, {"consent": False}]]
    assert decisions == ["asked"]  # decided once per request, however many tags


def test_requests_inside_one_app_context_share_no_decision_nonce_or_flag() -> None:
    # A test (or a script) may hold one app context around several requests; Flask
    # then gives them all the same flask.g. Per-request findings must still be
    # per request: consent, the Talisman nonce, the private-cache flag.
    app = make_app(PERSONACLICK_CONSENT=lambda: request.args.get("consent") == "yes")
    client = app.test_client()
    with app.app_context():
        refused = client.get("/?user=jane&consent=no")
        granted = client.get("/?user=jane&consent=yes")
        anonymous = client.get("/?consent=yes&cache=public")
    assert run_page(refused.get_data(as_text=True))[0][-1] == {"consent": False}
    calls = run_page(granted.get_data(as_text=True))
    assert calls[0][-1] == {"consent": True}
    assert calls_named(calls, "profile", "set") == [expected_set(USERS["jane"])]
    assert granted.headers["Cache-Control"] == "private"
    for response in (refused, granted, anonymous):
        nonces = {script.nonce for script in page_scripts(response.get_data(as_text=True))}
        assert nonces == {csp_nonce(response)}
    assert anonymous.headers["Cache-Control"] == "public"


def test_a_template_rendered_outside_a_request_needs_no_request() -> None:
    # E-mails, jobs, the shell: Flask's `request` global is there but unbound.
    app = make_app()
    with app.app_context():
        html = render_template_string(
            "{% personaclick_init %}{% personaclick_profile_set %}"
            "{% personaclick_profile_set user %}", user=USERS["bob"],
        )
    calls = run_page(html)
    assert calls_named(calls, "init") == [["init", SHOP_ID]]
    assert calls_named(calls, "profile", "set") == [expected_set(USERS["bob"])]
    assert {script.nonce for script in page_scripts(html)} == {None}


def test_send_once_keeps_only_a_fingerprint_in_the_session_cookie() -> None:
    app = make_app(PERSONACLICK_SEND_ONCE=True)
    client = app.test_client()
    for user in ("jane", "bob"):
        client.get(f"/?user={user}")
    # The session holds a keyed fingerprint only, never the data.
    cookie = client.get_cookie("session")
    assert cookie is not None
    stored = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    assert set(stored) == {SEND_ONCE_SESSION_KEY}
    assert re.fullmatch(r"[0-9a-f]{32}:[0-9a-f]{64}", stored[SEND_ONCE_SESSION_KEY])
    assert "bob" not in cookie.value


def stored_fingerprint(app: Flask, client: Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert "jane" not in cookie.value
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert "jane" not in str(session)
    return session[SEND_ONCE_SESSION_KEY]  # type: ignore[no-any-return]


def test_send_once_fingerprint_is_salted_per_session() -> None:
    # The same data must not give the same stored value in two sessions: else
    # whoever reads one cookie could test guessed emails offline if the app's
    # secret ever leaks, and link one visitor's sessions across devices.
    app = make_app(PERSONACLICK_SEND_ONCE=True)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        calls = run_page(client.get("/?user=jane").get_data(as_text=True))
        assert calls_named(calls, "profile", "set") == [expected_set(USERS["jane"])]
    one, other = stored_fingerprint(app, first), stored_fingerprint(app, second)
    assert one != other
    assert one.split(":")[0] != other.split(":")[0]  # a salt of each session's own
    # Within one session a repeat is still skipped, and the salt is kept.
    again = run_page(first.get("/?user=jane").get_data(as_text=True))
    assert calls_named(again, "profile", "set") == []
    assert stored_fingerprint(app, first) == one


def test_lenient_in_testing_mode(caplog: pytest.LogCaptureFixture) -> None:
    # app.testing does not make the adapter strict (nor debug).
    app = make_app()
    app.testing = True  # exceptions propagate to the test client
    with caplog.at_level(logging.WARNING, logger="pc_snippets"):
        response = app.test_client().get("/?user=placeholder")
    assert "placeholder_email_domain" in caplog.text
    assert_placeholder_dropped(response.get_data(as_text=True), csp_nonce(response),
                               warned=False)


def test_debug_follows_app_debug_set_after_init_app() -> None:
    # app.run(debug=True) turns debug on after the extension was set up.
    app = make_app()
    client = app.test_client()
    assert run_page_console(client.get("/?user=placeholder").get_data(as_text=True))[1] == []
    app.debug = True
    warnings = run_page_console(client.get("/?user=placeholder").get_data(as_text=True))[1]
    assert len(warnings) == 1
    assert "email [placeholder_email_domain]" in warnings[0]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        # The table's checks are the contract's; what init_app adds to them:
        ({}, "PersonaClick is misconfigured: PERSONACLICK_SHOP_ID is not set"),
        ({"PERSONACLICK_SHOP_ID": SHOP_ID, "PERSONACLICK_SEND_ONCE": True},
         "PERSONACLICK_SEND_ONCE needs SECRET_KEY"),
    ],
)
def test_bad_config_fails_at_init_app(config: dict[str, Any], message: str) -> None:
    app = Flask(__name__)
    app.config.update(config)
    with pytest.raises(RuntimeError, match=message):
        PersonaClick(app)


def test_one_extension_many_apps_without_self_app() -> None:
    personaclick = PersonaClick()
    apps = []
    for shop in ("a" * 30, "b" * 30):
        app = Flask(__name__)
        app.config["PERSONACLICK_SHOP_ID"] = shop
        personaclick.init_app(app)
        app.add_url_rule("/", "index", lambda: render_template_string(PAGE))
        apps.append(app)
    assert not hasattr(personaclick, "app")
    assert all("personaclick" in app.extensions for app in apps)
    for shop, app in zip(("a" * 30, "b" * 30), apps, strict=True):
        calls = run_page(app.test_client().get("/").get_data(as_text=True))
        assert calls_named(calls, "init") == [["init", shop]]


def test_guard_and_init_options_from_config() -> None:
    app = make_app(PERSONACLICK_STREAM="web2", PERSONACLICK_COOKIELESS=True,
                   PERSONACLICK_SPA=True, PERSONACLICK_PLACEHOLDER_DOMAINS=["mail.com"],
                   PERSONACLICK_STRICT=False)
    calls = run_page(app.test_client().get("/?user=bob").get_data(as_text=True))
    assert calls_named(calls, "init") == [["init", SHOP_ID, "web2", None, None,
                                           {"cookieless": True}, True]]
    # bob@mail.com is at the store's placeholder domain: dropped, the rest sent.
    assert calls_named(calls, "profile", "set") == [["profile", "set", {"id": 2,
                                                                         "first_name": "Bob"}]]
    assert calls_named(calls, "profile", "get") == [["profile", "get", None, True]]


def test_python_helpers_share_the_pipeline() -> None:
    app = make_app()
    personaclick = app.extensions["personaclick"].extension

    @app.route("/helper")
    def helper() -> str:
        return str(personaclick.init() + personaclick.profile_set() + personaclick.profile_get())

    response = app.test_client().get("/helper?user=jane")
    html = response.get_data(as_text=True)
    assert {s.nonce for s in page_scripts(html)} == {csp_nonce(response)}
    assert calls_named(run_page(html), "profile", "set") == [expected_set(USERS["jane"])]
    assert response.headers["Cache-Control"] == "private"


# --- The adapter contract, for Flask (Flask-Talisman's nonce). -------------------


class FlaskSite(WsgiSite):
    def __init__(self, app: Flask) -> None:
        super().__init__(app.test_client())
        self.app = app

    def other_session(self) -> FlaskSite:
        return FlaskSite(self.app)


def contract_app(config: dict[str, Any]) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-secret", **config)
    app.testing = True  # exceptions propagate to the test client
    Talisman(app, force_https=False, session_cookie_secure=False,
             content_security_policy={"default-src": "'self'", "script-src": "'strict-dynamic'"},
             content_security_policy_nonce_in=["script-src"])
    personaclick = PersonaClick(app)
    personaclick.profile_loader(lambda: VISITORS.get(request.args.get("visitor", ""), ANONYMOUS))

    @app.route("/contract", methods=["GET", "POST"])
    def contract() -> Any:
        events = route_queue(request.args)
        if events is not None:  # a view that queues events, then redirects
            queued = [queue_event(event, data) for event, data in events]
            return redirect(AFTER_QUEUE, 303), queued_header(queued)
        html = render_template_string(TEMPLATES[request.args["template"]],
                                      **route_context(request.args))
        return html, 200, route_headers(request.args)

    return app


class TestFlaskContract(SessionContract):
    naming = CONFIG

    def config(self, settings: dict[str, Any]) -> dict[str, Any]:
        settings = {"shop_id": SHOP_ID, **settings}
        settings.setdefault("consent", lambda: self.decisions(request.args.get("choice")))
        return {CONFIG(name): value for name, value in settings.items()}

    def site(self, **settings: Any) -> FlaskSite:
        debug = settings.pop("debug", False)
        app = contract_app(self.config(settings))
        app.debug = debug
        return FlaskSite(app)

    def settings_error(self, **settings: Any) -> str:
        with pytest.raises(RuntimeError) as info:
            contract_app(self.config(settings))
        return str(info.value)
