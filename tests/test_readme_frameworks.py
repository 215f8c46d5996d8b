"""The README's framework examples run as written, for an anonymous and a logged-in visitor.

Each ``py`` block is taken from its README section and executed unchanged; only what
the example leaves to the app (a route, a login, a template) is added around it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request  # module level: FastAPI resolves the routes' annotations here
from fastapi.responses import Response
from jinja2 import DictLoader
from starlette.testclient import TestClient

from pc_snippets import check_profile
from tests.pages import calls_named, page_scripts, run_page

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SHOP_ID = "357382bf66ac0ce2f1722677c59511"
USER = {"id": 42, "email": "jane@mail.com", "first_name": "Jane"}


def section(title: str) -> str:
    start = README.index(f"\n### {title}\n")
    end = README.find("\n### ", start + 1)
    return README[start:end]


def blocks(title: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section(title), re.DOTALL)


def header_nonce(csp: str) -> str:
    match = re.search(r"'nonce-([^']+)'", csp)
    assert match, csp
    return match.group(1)


def test_jinja_example() -> None:
    (code,) = blocks("Jinja2", "py")
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    calls = run_page(namespace["html"])
    assert calls_named(calls, "init") == [["init", SHOP_ID]]
    assert calls_named(calls, "profile", "set") == [["profile", "set", {"id": 42,
                                                                        "email": "jane@mail.com"}]]
    assert {s.nonce for s in page_scripts(namespace["html"])} == {"r4nd0m"}
    anonymous = run_page(namespace["page"].render(user=None, csp_nonce="r4nd0m"))
    assert calls_named(anonymous, "profile", "set") == []


class _Anonymous:
    is_authenticated = False


@pytest.fixture
def flask_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in ``flask_login`` (not installed here): ``current_user`` per request."""
    from flask import g
    from werkzeug.local import LocalProxy

    module = types.ModuleType("flask_login")
    module.current_user = LocalProxy(lambda: g.get("user") or _Anonymous())  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flask_login", module)


def test_flask_example(flask_login: None) -> None:
    from flask import g, render_template_string, request

    (code,) = blocks("Flask", "py")
    (template,) = blocks("Flask", "jinja")
    assert "force_https=False" in code
    namespace: dict[str, Any] = {"__name__": "readme_flask"}
    exec(compile(code, "README.md", "exec"), namespace)
    app = namespace["app"]

    @app.before_request
    def log_in() -> None:  # what Flask-Login does from the session
        if request.headers.get("X-User") == "jane":
            g.user = types.SimpleNamespace(is_authenticated=True, **USER)

    app.add_url_rule("/", "index", lambda: render_template_string(template))
    client = app.test_client()
    for logged_in in (False, True):
        response = client.get("/", headers={"X-User": "jane"} if logged_in else {})
        assert response.status_code == 200  # served over http: force_https=False
        html = response.get_data(as_text=True)
        nonce = header_nonce(response.headers["Content-Security-Policy"])
        assert {s.nonce for s in page_scripts(html)} == {nonce}
        sets = calls_named(run_page(html), "profile", "set")
        assert sets == ([["profile", "set", check_profile(USER).payload]] if logged_in else [])
    client.set_cookie("consent", "no")
    refused = run_page(client.get("/", headers={"X-User": "jane"}).get_data(as_text=True))
    assert calls_named(refused, "profile", "set") == []


def test_the_event_queue_example() -> None:
    from flask import Flask, redirect, render_template_string, request, url_for

    from pc_snippets.flask import PersonaClick

    (code,) = blocks("Events in templates, once per order, across redirects", "py")
    (tags,) = blocks("Events in templates, once per order, across redirects", "django")
    app = Flask("readme_events")
    app.config.update(PERSONACLICK_SHOP_ID=SHOP_ID, SECRET_KEY="readme")
    PersonaClick(app)
    namespace: dict[str, Any] = {"app": app, "request": request, "redirect": redirect,
                                 "url_for": url_for}
    exec(compile(code, "README.md", "exec"), namespace)
    order = {"order": "N-7", "products": [{"id": "SKU-1", "price": "19.90", "amount": "2"}]}
    app.add_url_rule("/cart", "cart_page", lambda: render_template_string(
        tags, product="SKU-1", order=order))
    client = app.test_client()
    posted = client.post("/cart", data={"sku": "SKU-9", "qty": "3"})
    assert posted.status_code == 303
    assert posted.headers["Location"].endswith("/cart")
    calls = run_page(client.get("/cart").get_data(as_text=True))
    assert calls == [["track", "view", "SKU-1"],
                     ["track", "purchase", {"order": "N-7", "products": [
                         {"id": "SKU-1", "price": 19.9, "amount": 2}]}],
                     ["track", "cart", {"id": "SKU-9", "amount": 3}]]
    # A reload: the view again; neither the purchase nor the queued cart change.
    assert run_page(client.get("/cart").get_data(as_text=True)) == [["track", "view", "SKU-1"]]


def test_fastapi_example() -> None:
    (code,) = blocks("Starlette / FastAPI", "py")
    (template,) = blocks("Flask", "jinja")  # the same tags in any Jinja template
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    app, templates = namespace["app"], namespace["templates"]
    templates.env.loader = DictLoader({"page.html": template})

    @app.middleware("http")
    async def log_in(request: Request, call_next: Any) -> Any:  # the app's auth middleware
        if request.headers.get("x-user") == "jane":
            request.state.user = USER
        return await call_next(request)

    @app.get("/")
    def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html")

    client = TestClient(app)
    anonymous = client.get("/")  # no request.state.user at all
    assert anonymous.status_code == 200
    assert calls_named(run_page(anonymous.text), "profile", "set") == []
    logged_in = client.get("/", headers={"x-user": "jane"})
    assert calls_named(run_page(logged_in.text), "profile", "set") == [
        ["profile", "set", check_profile(USER).payload]]
    assert "private" in logged_in.headers["cache-control"]


DJANGO_SCRIPT = """
import os, sys, types
settings = types.ModuleType("readme_settings")
for code in {blocks!r}:
    exec(compile(code, "README.md", "exec"), settings.__dict__)
# What the README's "..." stands for: a startproject's apps, middleware and templates.
settings.INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes",
                           "django.contrib.sessions", "csp",
                           *[a for a in settings.INSTALLED_APPS if a is not ...]]
settings.MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
                       "django.contrib.auth.middleware.AuthenticationMiddleware",
                       *[m for m in settings.MIDDLEWARE if m is not ...]]
settings.DEBUG = True  # a fresh startproject
settings.SECRET_KEY = "readme-test"
settings.ALLOWED_HOSTS = ["testserver"]
settings.ROOT_URLCONF = "readme_settings"
settings.DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}}
settings.TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates",
                       "OPTIONS": {{"context_processors": [
                           "django.template.context_processors.request"]}}}}]
sys.modules["readme_settings"] = settings
os.environ["DJANGO_SETTINGS_MODULE"] = "readme_settings"
import django
django.setup()
import json
from django.core.management import call_command
from django.http import HttpResponse
from django.template import Context, RequestContext, Template
from django.urls import path
page = Template({template!r})
settings.urlpatterns = [path("", lambda request: HttpResponse(page.render(RequestContext(
    request, {{"product_data": {{"id": 1}}, "order": None}}))))]
call_command("migrate", verbosity=0)
call_command("check", fail_level="WARNING")
from django.contrib.auth.models import User
from django.test import Client
admin = User.objects.create_user("admin", "admin@example.com", first_name="Ada")
client = Client()
pages = [client.get("/")]
client.force_login(admin)
pages.append(client.get("/"))
print(json.dumps([[p.status_code, p.content.decode(), p["Content-Security-Policy"],
                   p.get("Cache-Control", ""), admin.pk] for p in pages]))
"""


def test_django_example() -> None:
    # Run in a subprocess: Django is configured once per process, and this test
    # process has its own test project. DEBUG is on, as in a fresh project, and
    # the logged-in user has a placeholder email: the page must still render.
    code = blocks("Django", "py")
    assert any("CONTENT_SECURITY_POLICY" in block for block in code)
    (template,) = blocks("Django", "django")
    script = DJANGO_SCRIPT.format(blocks=code, template=template)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    import json

    pages = json.loads(out.stdout.strip().splitlines()[-1])
    for (status, html, csp, cache, pk), logged_in in zip(pages, (False, True), strict=True):
        assert status == 200
        assert {s.nonce for s in page_scripts(html)} == {header_nonce(csp)}
        sets = calls_named(run_page(html), "profile", "set")
        # admin@example.com is a placeholder: dropped (and named in the console in DEBUG).
        assert sets == ([["profile", "set", {"external_id": str(pk), "first_name": "Ada"}]] * 1
                        if logged_in else [])
        assert ("private" in cache) is logged_in
        assert "admin@example.com" not in html


def test_the_settings_table_is_the_adapters_table() -> None:
    # The README's table is made from pc_snippets.adapter.SETTINGS: same rows, same order.
    from pc_snippets.adapter import SETTINGS, settings_markdown

    assert settings_markdown() in README
    rows = [line for line in settings_markdown().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [
        f"PERSONACLICK_{setting.name.upper()}" for setting in SETTINGS]


def test_the_example_adapter_in_the_readme_is_the_tested_one() -> None:
    # The block is examples/bottle/personaclick_bottle.py itself, which
    # tests/test_bottle_example.py runs against the adapter contract.
    (code,) = blocks("Writing an adapter", "py")
    example = Path(__file__).resolve().parent.parent / "examples" / "bottle"
    assert code == (example / "personaclick_bottle.py").read_text(encoding="utf-8")
