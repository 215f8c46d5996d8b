"""Nothing a tag finds (nonce, consent, visitor, settings) carries from one render to the next.

Guards any per-render reuse of the tags' inputs: each render, including renders
of cached imported templates (whose module context outlives the render that made
it) and concurrent async renders, must see its own request's values.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_project.settings")
django.setup()

from django.template import Context, Template  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from jinja2 import DictLoader, Environment  # noqa: E402

from pc_snippets.jinja import PersonaClickExtension  # noqa: E402
from tests.pages import calls_named, page_scripts, run_page  # noqa: E402

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
ANN = {"id": 1, "email": "ann@mail.com"}
BOB = {"id": 2, "email": "bob@mail.com"}
THREE_TAGS = (
    "{% personaclick_init %}{% personaclick_profile_set user %}"
    '{% personaclick_profile_get callback="shop.onProfile" %}'
)


def make_env(templates: dict[str, str] | None = None, **options: Any) -> Environment:
    env = Environment(extensions=[PersonaClickExtension], autoescape=True,
                      loader=DictLoader(templates or {}), **options)
    env.extend(personaclick_shop_id=SHOP_ID)
    return env


def nonces(html: str) -> list[str | None]:
    return [script.nonce for script in page_scripts(html)]


def test_each_render_gets_its_own_nonce_and_visitor() -> None:
    page = make_env().from_string(THREE_TAGS)
    first = page.render(user=ANN, csp_nonce="Zmlyc3Q=")
    second = page.render(user=BOB, csp_nonce="c2Vjb25k")
    anonymous = page.render(user=None)
    assert nonces(first) == ["Zmlyc3Q="] * 3
    assert nonces(second) == ["c2Vjb25k"] * 3
    assert nonces(anonymous) == [None, None]  # init and get, no nonce, no profile
    assert "ann@" in first
    assert "ann@" not in second
    assert "bob@" in second
    assert "@mail.com" not in anonymous


def test_cached_imported_template_sees_each_requests_nonce() -> None:
    # A Talisman-like global nonce source, read through an imported template whose
    # module (and context) Jinja caches across renders: its macro and an exported
    # block reference run in later renders and must read the nonce of those.
    current = {"nonce": "b25l"}
    env = make_env({
        "macros.html": (
            "{% macro init() %}{% personaclick_init %}{% endmacro %}"
            "{% set head = self.head %}"
            "{% block head %}{% personaclick_profile_get %}{% endblock %}"
        ),
        "page.html": (
            "{% import 'macros.html' as m %}{{ m.init() }}{{ m.head() }}"
            "{% personaclick_profile_set user %}"
        ),
    })
    env.globals["csp_nonce"] = lambda: current["nonce"]
    page = env.get_template("page.html")
    for nonce in ("b25l", "dHdv", "dGhyZWU="):
        current["nonce"] = nonce
        assert nonces(page.render(user=ANN)) == [nonce] * 3


def test_settings_and_consent_changed_between_renders_take_effect() -> None:
    decision = {"consent": False}
    env = make_env()
    env.personaclick_consent = lambda context: decision["consent"]  # type: ignore[attr-defined]
    page = env.from_string(THREE_TAGS)
    refused = page.render(user=ANN, csp_nonce="YQ==")
    assert run_page(refused) == [["init", SHOP_ID, None, None, None, {"consent": False}]]
    decision["consent"] = True
    env.personaclick_stream = "mobile"  # type: ignore[attr-defined]
    granted = run_page(page.render(user=ANN, csp_nonce="YQ=="))
    assert calls_named(granted, "init")[0][2] == "mobile"
    assert len(calls_named(granted, "profile", "set")) == 1
    env.personaclick_enabled = False  # type: ignore[attr-defined]
    assert page.render(user=ANN, csp_nonce="YQ==") == ""


def test_a_template_binding_the_nonce_is_read_from_then_on() -> None:
    html = make_env().from_string(
        "{% personaclick_init %}{% set csp_nonce = 'bGF0ZXI=' %}{% personaclick_profile_get %}"
    ).render(csp_nonce="Zmlyc3Q=")
    assert nonces(html) == ["Zmlyc3Q=", "bGF0ZXI="]


def test_included_template_reads_its_own_context() -> None:
    env = make_env({
        "inc.html": "{% personaclick_profile_get %}",
        "page.html": (
            "{% personaclick_init %}{% with csp_nonce = 'aW5uZXI=' %}"
            "{% include 'inc.html' %}{% endwith %}{% include 'inc.html' %}"
        ),
    })
    html = env.get_template("page.html").render(csp_nonce="b3V0ZXI=")
    assert nonces(html) == ["b3V0ZXI=", "aW5uZXI=", "b3V0ZXI="]


def test_concurrent_async_renders_keep_their_own_nonce() -> None:
    page = make_env(enable_async=True).from_string(THREE_TAGS)

    async def render_all() -> list[str]:
        return await asyncio.gather(*(
            page.render_async(user=ANN, csp_nonce=f"bm9uY2U{i}") for i in range(8)
        ))

    for i, html in enumerate(asyncio.run(render_all())):
        assert nonces(html) == [f"bm9uY2U{i}"] * 3


def test_django_template_renders_keep_their_own_request() -> None:
    page = Template("{% load personaclick %}" + THREE_TAGS)
    for nonce, user in (("Zmlyc3Q=", ANN), ("c2Vjb25k", BOB)):
        request = RequestFactory().get("/")
        request.csp_nonce = nonce
        html = page.render(Context({"request": request, "user": user}))
        assert nonces(html) == [nonce] * 3
        assert user["email"] in html


def test_django_scope_binding_the_nonce_is_honoured() -> None:
    request = RequestFactory().get("/")
    request.csp_nonce = "b3V0ZXI="
    html = Template(
        "{% load personaclick %}{% personaclick_init %}"
        "{% with csp_nonce='aW5uZXI=' %}{% personaclick_profile_get %}{% endwith %}"
        "{% personaclick_profile_get %}"
    ).render(Context({"request": request}))
    assert nonces(html) == ["b3V0ZXI=", "aW5uZXI=", "b3V0ZXI="]
