"""The Django app, driven through Django's test Client with real settings and templates."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_project.settings")
django.setup()

import pytest  # noqa: E402
from django.contrib.auth.models import AnonymousUser, User  # noqa: E402
from django.core import checks  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402

from pc_snippets import ProfileError, check_profile, render_profile_get  # noqa: E402
from pc_snippets.adapter import CONFIG, SEND_ONCE_SESSION_KEY  # noqa: E402
from pc_snippets.django.hooks import django6_get_nonce  # noqa: E402
from pc_snippets.django.profiles import user_profile  # noqa: E402
from tests.adapter_contract import (  # noqa: E402
    Page,
    SessionContract,
    Site,
    after_queue,
    query,
    queue_query,
)
from tests.adapter_contract import header_nonce as csp_nonce_of  # noqa: E402
from tests.django_project import django6_csp  # noqa: E402
from tests.django_project.models import Customer  # noqa: E402
from tests.pages import (  # noqa: E402
    assert_private_for_shared_caches,
    calls_named,
    page_scripts,
    public_headers_kept,
    run_page,
)

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
PAGES = ["/", "/jinja/"]


@pytest.fixture(scope="module", autouse=True)
def database() -> None:
    call_command("migrate", verbosity=0, interactive=False)


@pytest.fixture(scope="module")
def users(database: None) -> dict[str, User]:
    User.objects.all().delete()
    return {
        "jane": User.objects.create_user("jane", "Jane.Doe@Mail.com", first_name="Jane",
                                         last_name="Doe"),
        "bob": User.objects.create_user("bob", "bob@mail.com", first_name="Bob"),
        "noname": User.objects.create_user("noname", ""),
        "placeholder": User.objects.create_user("pat", "anonymous@example.com",
                                                first_name="Pat"),
    }


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def header_nonce(response: Any) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert match, "no nonce in the CSP header"
    return match.group(1)


def expected_set(user: User) -> list[Any]:
    # Computed from the user's fields, independently of the adapter's mapping.
    data = {"external_id": user.pk, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name}
    return ["profile", "set", check_profile({k: v for k, v in data.items() if v}).payload]


def test_pages_work_without_the_request_context_processor(users: dict[str, User]) -> None:
    # render(request, ...) gives a RequestContext, which carries the request even
    # when no context processor puts a `request` variable in the context.
    from django.conf import settings

    templates = [dict(settings.TEMPLATES[0], OPTIONS={"context_processors": [
        "django.contrib.auth.context_processors.auth"]}), settings.TEMPLATES[1]]
    with override_settings(TEMPLATES=templates):
        # No PersonaClick check objects to this configuration: it works, as shown below.
        assert ids(checks.run_checks()) == set()
        response = login(users["jane"]).get("/")
    html = response.content.decode()
    assert [s.nonce for s in page_scripts(html)] == [header_nonce(response)] * 3
    assert calls_named(run_page(html), "profile", "set") == [expected_set(users["jane"])]
    assert response.headers["Cache-Control"] == "private"


def test_empty_fields_are_omitted(users: dict[str, User]) -> None:
    calls = run_page(login(users["noname"]).get("/").content.decode())
    assert calls_named(calls, "profile", "set") == [
        ["profile", "set", {"external_id": str(users["noname"].pk)}]]


@pytest.mark.parametrize("url", PAGES)
def test_send_once_with_logged_in_users(url: str, users: dict[str, User]) -> None:
    with override_settings(PERSONACLICK_SEND_ONCE=True):
        client = login(users["jane"])
        client.get(url)
        second = client.get(url)
        assert calls_named(run_page(second.content.decode()), "profile", "set") == []
        stored = client.session[SEND_ONCE_SESSION_KEY]
        assert re.fullmatch(r"[0-9a-f]{32}:[0-9a-f]{64}", stored)
        assert all("jane" not in str(value).lower() for value in client.session.values())
        # Another person in the same browser is sent again.
        client.force_login(users["bob"])
        third = client.get(url)
        assert calls_named(run_page(third.content.decode()), "profile", "set") == [
            expected_set(users["bob"])]


@pytest.mark.parametrize("word", ["true", "false", "null", "none", "yes", "no", "TRUE"])
@pytest.mark.parametrize("source", [
    "{% personaclick_profile_get fill=WORD %}",
    "{% personaclick_init spa=WORD %}",
    "{% personaclick_profile_set strict=WORD %}",
    "{% personaclick_call 'track' WORD %}",
])
def test_a_literal_look_alike_argument_is_a_syntax_error(source: str, word: str) -> None:
    # Django reads `true` as a missing variable, so fill=true meant "no fill".
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="True/False") as info:
        Template("{% load personaclick %}" + source.replace("WORD", word))
    assert word in str(info.value)
    name = source.split()[2].partition("=")[0] if "=" in source else word
    assert name in str(info.value)


def test_real_variables_and_django_literals_still_work(users: dict[str, User]) -> None:
    request = RequestFactory().get("/")
    request.user = users["jane"]
    context = Context({"request": request, "flag": True})

    def tag(argument: str) -> str:
        return Template("{% load personaclick %}{% personaclick_profile_get " + argument
                        + " %}").render(context)

    filling, plain = str(render_profile_get(fill=True)), str(render_profile_get())
    assert filling != plain
    assert tag("fill=True") == tag("fill=flag") == filling
    assert tag("fill=missing") == plain  # Django's convention: a missing variable is None


def test_send_once_fingerprint_is_salted_per_session(users: dict[str, User]) -> None:
    with override_settings(PERSONACLICK_SEND_ONCE=True):
        clients = [login(users["jane"]), login(users["jane"])]
        for client in clients:
            calls = run_page(client.get("/").content.decode())
            assert calls_named(calls, "profile", "set") == [expected_set(users["jane"])]
        one, other = (client.session[SEND_ONCE_SESSION_KEY] for client in clients)
        assert one != other
        assert "jane" not in one.lower()
        assert calls_named(run_page(clients[0].get("/").content.decode()), "profile", "set") == []


def test_strict_only_when_set_even_in_debug(users: dict[str, User]) -> None:
    with override_settings(DEBUG=True, PERSONACLICK_STRICT=True), pytest.raises(ProfileError):
        login(users["placeholder"]).get("/jinja/")


def test_explicit_profile_and_call_tag(database: None) -> None:
    response = Client().get("/explicit/", {"email": "ann@mail.com", "first_name": "</script>"})
    html = response.content.decode()
    assert run_page(html) == [
        ["profile", "set", {"email": "ann@mail.com", "first_name": "</script>"}],
        ["track", "view", "</script>"],
    ]
    assert response.headers["Cache-Control"] == "private"
    empty = Client().get("/explicit/")
    assert run_page(empty.content.decode()) == [["track", "view", ""]]


def test_profile_setting_names_another_mapping(users: dict[str, User]) -> None:
    with override_settings(PERSONACLICK_PROFILE="tests.django_project.views.mapped_profile"):
        calls = run_page(login(users["bob"]).get("/").content.decode())
    assert calls_named(calls, "profile", "set") == [
        ["profile", "set", {"id": f"user-{users['bob'].pk}", "email": "bob@mail.com",
                            "location": "NY"}]]


@pytest.mark.parametrize(("id_field", "expected"), [
    ("id", {"id": 7}), ("external_id", {"external_id": "7"}), (None, {})])
def test_the_user_id_field_setting_says_where_the_primary_key_goes(
    id_field: str | None, expected: dict[str, Any]
) -> None:
    user = User(pk=7, username="ann", email="ann@mail.com")
    request = RequestFactory().get("/")
    request.user = user
    with override_settings(PERSONACLICK_USER_ID_FIELD=id_field):
        html = Template("{% load personaclick %}{% personaclick_profile_set %}").render(
            Context({"request": request}))
    assert run_page(html) == [["profile", "set", {**expected, "email": "ann@mail.com"}]]


def test_the_phone_region_setting_reads_national_numbers() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with override_settings(PERSONACLICK_PHONE_REGION="RU"):
        html = Template("{% load personaclick %}{% personaclick_profile_set p %}").render(
            Context({"request": request, "p": {"phone": "8 (912) 954-96-56"}}))
    assert run_page(html) == [["profile", "set", {"phone": "79129549656"}]]


def test_default_mapping_works_with_a_custom_user_model() -> None:
    customer = Customer(login="c1", contact="carl@mail.com")
    assert user_profile(customer) == {"external_id": str(customer.pk), "email": "carl@mail.com"}
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    html = Template("{% load personaclick %}{% personaclick_profile_set c %}").render(
        Context({"c": customer, "request": request}))
    assert run_page(html) == [["profile", "set", {"external_id": str(customer.pk),
                                                  "email": "carl@mail.com"}]]


def test_django_template_autoescape_off_is_not_double_escaped(users: dict[str, User]) -> None:
    request = RequestFactory().get("/")
    request.user = users["jane"]
    source = "{% load personaclick %}{% autoescape off %}{% personaclick_profile_set %}" \
             "{% endautoescape %}{% personaclick_profile_set %}"
    html = Template(source).render(Context({"request": request}))
    first, second = page_scripts(html)
    assert first == second
    assert run_page(html) == [expected_set(users["jane"])] * 2


@pytest.fixture
def django6(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make ``django.middleware.csp`` importable as on Django 6 (stand-in module)."""
    monkeypatch.setitem(sys.modules, "django.middleware.csp", django6_csp)
    django6_get_nonce.cache_clear()
    yield
    django6_get_nonce.cache_clear()


def django6_settings(**extra: Any) -> Any:
    from django.conf import settings

    middleware = [m if m != "csp.middleware.CSPMiddleware"
                  else "tests.django_project.django6_csp.ContentSecurityPolicyMiddleware"
                  for m in settings.MIDDLEWARE]
    return override_settings(MIDDLEWARE=middleware, **extra)


@pytest.mark.parametrize("url", PAGES)
def test_django6_get_nonce(url: str, users: dict[str, User], django6: None) -> None:
    # No request.csp_nonce here: only Django 6's get_nonce(request) knows the nonce.
    with django6_settings():
        response = login(users["jane"]).get(url)
    nonce = header_nonce(response)
    assert [s.nonce for s in page_scripts(response.content.decode())] == [nonce] * 3


def test_django6_csp_nonce_context_variable(users: dict[str, User], django6: None) -> None:
    from django.conf import settings

    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["OPTIONS"] = {"context_processors": [
        "django.template.context_processors.request",
        "tests.django_project.django6_csp.csp",
    ]}
    with django6_settings(TEMPLATES=templates):
        django6_get_nonce.cache_clear()
        sys.modules.pop("django.middleware.csp")  # only the context variable is left
        response = login(users["jane"]).get("/")
    nonce = header_nonce(response)
    assert [s.nonce for s in page_scripts(response.content.decode())] == [nonce] * 3


def test_the_django6_lookup_exists_only_on_django6() -> None:
    django6_get_nonce.cache_clear()
    # Django 5.2 here (no django.middleware.csp); tests/test_django6.py runs Django 6.
    assert (django6_get_nonce() is None) is (django.VERSION < (6, 0))


def ids(messages: list[Any]) -> set[str]:
    return {message.id for message in messages if message.id.startswith("personaclick.")}


def test_system_checks_pass_for_the_test_project() -> None:
    assert ids(checks.run_checks()) == set()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"PERSONACLICK_SHOP_ID": None}, {"personaclick.E001"}),
        ({"PERSONACLICK_SHOP_ID": "not a key!"}, {"personaclick.E002"}),
        ({"PERSONACLICK_STREAM": "way-too-long-stream-name"}, {"personaclick.E003"}),
        ({"PERSONACLICK_SEND_ONCE": "yes"}, {"personaclick.E004"}),
        ({"PERSONACLICK_GUARD_DISABLED": ["no_such_rule"]}, {"personaclick.E005"}),
        ({"PERSONACLICK_PROFILE": "tests.nowhere.mapping"}, {"personaclick.E006"}),
        ({"PERSONACLICK_USER_ID_FIELD": "pk"}, {"personaclick.E006"}),
        ({"PERSONACLICK_PHONE_REGION": "ru"}, {"personaclick.E009"}),
        ({"PERSONACLICK_CONSENT": 42}, {"personaclick.E007"}),
        ({"PERSONACLICK_SEND_ONCE": True, "MIDDLEWARE": [
            "pc_snippets.django.middleware.PersonaClickMiddleware"]}, {"personaclick.E008"}),
        ({"MIDDLEWARE": []}, {"personaclick.W001"}),
        ({"PERSONACLICK_SHOP_ID": None, "PERSONACLICK_ENABLED": False}, set()),
    ],
)
def test_system_checks(overrides: dict[str, Any], expected: set[str]) -> None:
    with override_settings(**overrides):
        found = checks.run_checks()
    assert ids(found) == expected
    for message in found:
        assert "@" not in message.msg


def test_missing_shop_id_fails_clearly_at_render_too(users: dict[str, User]) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(PERSONACLICK_SHOP_ID=None), \
            pytest.raises(ImproperlyConfigured, match="PERSONACLICK_SHOP_ID is not set"):
        Client().get("/")


def test_a_sandboxed_jinja2_environment_calls_nothing_a_template_hands_over() -> None:
    # A sandboxed template may dress a namespace up as a Django user; the default
    # mapping asks the user's *class* for its email field (Django's classmethod),
    # so a method the template attached is never called.
    from jinja2.sandbox import SandboxedEnvironment, unsafe

    from pc_snippets.django.jinja2 import install

    calls: list[Any] = []

    class Vault:
        @unsafe
        def open(self) -> str:
            calls.append("open")
            return "email"

    env = install(SandboxedEnvironment(autoescape=True))
    html = env.from_string(
        "{% personaclick_profile_set namespace(_meta=1, pk=7, email='ann@mail.com', "
        "get_email_field_name=vault.open) %}"
    ).render(vault=Vault())
    assert calls == []
    assert run_page(html) == [["profile", "set", {"external_id": "7", "email": "ann@mail.com"}]]




@pytest.mark.parametrize("visitor", ["jane", None], ids=["visitor", "anonymous"])
def test_a_streaming_response_is_private(visitor: str | None, users: dict[str, User]) -> None:
    # Rule: the body of a StreamingHttpResponse is produced after the middleware
    # has run, so the response is marked private up front, whatever it holds.
    client = login(users[visitor]) if visitor else Client()
    response = client.get("/streamed/")
    assert response.streaming
    assert_private_for_shared_caches(response)
    html = b"".join(response.streaming_content).decode()
    expected = [expected_set(users[visitor])] if visitor else []
    assert calls_named(run_page(html), "profile", "set") == expected


def test_a_nonce_read_too_late_skips_the_snippets_without_breaking_the_page(
    users: dict[str, User], caplog: pytest.LogCaptureFixture
) -> None:
    # django-csp raises CSPNonceError for a nonce first read after its header was
    # written (a streamed body whose view did not read it): a script would be
    # blocked by that header anyway, so the tags render nothing and say why.
    client = login(users["jane"])
    with caplog.at_level(logging.WARNING, logger="pc_snippets"):
        response = client.get("/streamed-late/")
        html = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert "<h1>" in html or "Shop" in html  # the page itself is whole
    assert "personaclick" not in html
    assert [getattr(r, "pc_rule", None) for r in caplog.records] == ["late_nonce"]
    assert "jane" not in caplog.text.lower()


def test_a_500_page_with_profile_data_is_private(users: dict[str, User]) -> None:
    client = login(users["jane"])
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    calls = run_page(response.content.decode())
    assert calls_named(calls, "profile", "set") == [expected_set(users["jane"])]
    assert_private_for_shared_caches(response)
    anonymous = Client(raise_request_exception=False).get("/broken/")
    assert public_headers_kept(anonymous)  # no profile data: left alone


def test_files_and_whole_pages_keep_their_cdn_headers(users: dict[str, User],
                                                      tmp_path: Any) -> None:
    style = tmp_path / "site.css"
    style.write_text("body { color: black }")
    file_response = login(users["jane"]).get("/site.css", {"path": str(style)})
    assert file_response.streaming  # a FileResponse streams, but its length is known
    assert public_headers_kept(file_response)
    file_response.close()
    assert public_headers_kept(Client().get("/whole/"))
    assert_private_for_shared_caches(login(users["jane"]).get("/whole/"))


# --- The adapter contract, for Django templates and Django's Jinja2 backend. -----


class DjangoSite(Site):
    def __init__(self, using: str, settings: dict[str, Any]) -> None:
        self.using = using
        self.settings = settings
        self.client = Client()

    def get(self, template: str = "page", *, visitor: str | None = None,
            choice: str | None = None, csp_nonce: str | None = None,
            headers: Any = None) -> Page:
        params = {**query(template, visitor, choice, csp_nonce, headers), "using": self.using}
        with override_settings(**self.settings):
            response = self.client.get("/contract/", params)
        return Page(response.content.decode(), response.headers,
                    csp_nonce_of(response.headers.get("Content-Security-Policy")))

    def other_session(self) -> DjangoSite:
        return DjangoSite(self.using, self.settings)

    def queue(self, events: list[tuple[str, Any]], *, choice: str | None = None) -> list[bool]:
        params = {**queue_query(events, choice), "using": self.using}
        with override_settings(**self.settings):
            # The query string on a POST, as the other harnesses send it.
            response = self.client.post("/contract/?" + urlencode(params))
        return after_queue(response.status_code, response.headers)


class TestDjangoTemplatesContract(SessionContract):
    naming = CONFIG
    using = "django"

    def spelled(self, settings: dict[str, Any]) -> dict[str, Any]:
        debug = settings.pop("debug", False)
        settings = {"shop_id": SHOP_ID, **settings}
        settings.setdefault("consent", lambda request: self.decisions(request.GET.get("choice")))
        return {"DEBUG": debug, **{CONFIG(name): value for name, value in settings.items()}}

    def site(self, **settings: Any) -> DjangoSite:
        return DjangoSite(self.using, self.spelled(settings))

    def settings_error(self, **settings: Any) -> str:
        with override_settings(**self.spelled(settings)):
            return "; ".join(message.msg for message in checks.run_checks()
                             if message.id.startswith("personaclick."))


class TestDjangoJinja2Contract(TestDjangoTemplatesContract):
    using = "jinja2"
