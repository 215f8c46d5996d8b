"""The Jinja2 extension: tags and globals, nonce lookup, consent, strictness, async, sandbox."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError, unsafe

from pc_snippets import Guard, ProfileError, check_profile
from pc_snippets.adapter import ENVIRONMENT
from pc_snippets.jinja import PersonaClickExtension
from tests.adapter_contract import (
    PAGE_CONTEXT,
    TEMPLATES,
    VISITORS,
    AdapterContract,
    Page,
    Site,
    fresh_nonce,
)
from tests.adapter_contract import SHOP_ID as CONTRACT_SHOP_ID
from tests.oracles import run_snippet, single_script
from tests.pages import calls_named, page_scripts, run_page, run_page_console

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
USER = {"id": 42, "email": "Jane.Doe@Mail.com", "first_name": "Jane", "last_name": "Doe"}

TAG_PAGE = (
    "<!DOCTYPE html><html><head>{% personaclick_init %}</head><body>"
    "<h1>{{ title }}</h1>{% personaclick_profile_set user %}"
    '{% personaclick_profile_get callback="shop.onProfile" %}</body></html>'
)
GLOBAL_PAGE = (
    "<!DOCTYPE html><html><head>{{ personaclick_init() }}</head><body>"
    "<h1>{{ title }}</h1>{{ personaclick_profile_set(user) }}"
    '{{ personaclick_profile_get(callback="shop.onProfile") }}</body></html>'
)


def make_env(*, autoescape: bool = True, cls: type[Environment] = Environment,
             **settings: Any) -> Environment:
    env = cls(extensions=[PersonaClickExtension], autoescape=autoescape)
    env.extend(personaclick_shop_id=SHOP_ID, **settings)
    return env


def expected_set(profile: Any) -> list[Any]:
    return ["profile", "set", check_profile(profile).payload]


@pytest.mark.parametrize("page", [TAG_PAGE, GLOBAL_PAGE], ids=["tags", "globals"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_page_renders_init_profile_set_and_get(page: str, autoescape: bool) -> None:
    html = make_env(autoescape=autoescape).from_string(page).render(
        user=USER, title="<b>Shop</b>", csp_nonce="n0nce"
    )
    scripts = page_scripts(html)
    assert [s.nonce for s in scripts] == ["n0nce"] * 3
    assert "&lt;script" not in html
    assert "&#34;" not in html
    assert ("&lt;b&gt;Shop" in html) is autoescape  # the page's own variables behave as usual
    calls = run_page(html)
    assert calls_named(calls, "init") == [["init", SHOP_ID]]
    assert calls_named(calls, "profile", "set") == [expected_set(USER)]
    assert calls_named(calls, "profile", "get") == [["profile", "get", None]]
    # The lower-cased domain proves the data went through the core's checks.
    assert calls_named(calls, "profile", "set")[0][2]["email"] == "Jane.Doe@mail.com"


def test_tag_and_global_output_are_identical() -> None:
    env = make_env()
    context = {"user": USER, "title": "t", "csp_nonce": "abc"}
    assert env.from_string(TAG_PAGE).render(context) == env.from_string(GLOBAL_PAGE).render(context)


def test_hostile_values_stay_inside_one_script() -> None:
    user = {"email": "jane@mail.com", "first_name": "</script><!--<script>", "last_name": "&<>"}
    html = make_env().from_string("{% personaclick_profile_set user %}").render(user=user)
    single_script(html)
    assert run_snippet(html) == [expected_set(user)]


@pytest.mark.parametrize(
    ("context", "explicit", "expected"),
    [
        # The order itself is the contract's (tests/adapter_contract.py); these are
        # the kinds of nonce plain Jinja meets besides.
        ({"csp_nonce": lambda: "fromcallable"}, None, "fromcallable"),
        ({"csp_nonce": lambda: "fromcallable"}, "explicit1", "explicit1"),
        ({"csp_nonce": "", "request": SimpleNamespace(csp_nonce="r")}, None, "r"),
        ({"request": SimpleNamespace()}, None, None),
        ({}, None, None),
    ],
)
def test_nonce_sources(context: dict[str, Any], explicit: str | None,
                            expected: str | None) -> None:
    env = make_env()
    source = ("{% personaclick_init nonce=n %}{% personaclick_profile_set user nonce=n %}"
              "{% personaclick_profile_get nonce=n %}{% personaclick_call 'track', 'view', "
              "{'id': 7} nonce=n %}")
    html = env.from_string(source).render(user=USER, n=explicit, **context)
    scripts = page_scripts(html)
    assert len(scripts) == 4
    assert {s.nonce for s in scripts} == {expected}


def test_anonymous_and_missing_visitors_render_nothing() -> None:
    env = make_env()
    anonymous = SimpleNamespace(is_authenticated=False, email="jane@mail.com")
    for user in (None, anonymous, "", {}):
        assert env.from_string("{% personaclick_profile_set user %}").render(user=user) == ""
    assert env.from_string("{% personaclick_profile_set missing %}").render() == ""
    strict_env = Environment(extensions=[PersonaClickExtension], undefined=StrictUndefined)
    strict_env.extend(personaclick_shop_id=SHOP_ID)
    with pytest.raises(UndefinedError):
        strict_env.from_string("{% personaclick_profile_set missing %}").render()


def test_orm_like_user_objects_are_read_by_attribute() -> None:
    user = SimpleNamespace(is_authenticated=True, id=7, email="ann@mail.com", first_name="Ann",
                           password="secret-hash")
    html = make_env().from_string("{{ personaclick_profile_set(user) }}").render(user=user)
    assert run_snippet(html) == [["profile", "set", {"id": 7, "email": "ann@mail.com",
                                                     "first_name": "Ann"}]]


def test_profile_loader_is_used_without_an_argument() -> None:
    env = make_env(personaclick_profile_loader=lambda context: context.get("current_user"))
    html = env.from_string("{% personaclick_profile_set %}").render(current_user=USER)
    assert run_snippet(html) == [expected_set(USER)]
    assert env.from_string("{% personaclick_profile_set %}").render() == ""


def test_a_tag_argument_overrides_the_strict_setting() -> None:
    env = make_env(personaclick_strict=True)
    user = {"email": "anonymous@example.com", "first_name": "Jane"}
    with pytest.raises(ProfileError):
        env.from_string("{% personaclick_profile_set user %}").render(user=user)
    html = env.from_string("{% personaclick_profile_set user strict=false %}").render(user=user)
    assert run_snippet(html) == [["profile", "set", {"first_name": "Jane"}]]
    lenient = make_env().from_string("{% personaclick_profile_set user strict=true %}")
    with pytest.raises(ProfileError):
        lenient.render(user=user)


@pytest.mark.parametrize("debug", [False, True])
def test_debug_setting_warns_in_the_console(debug: bool) -> None:
    env = make_env(**({"personaclick_debug": True} if debug else {}))
    page = env.from_string("{% personaclick_profile_set user %}{% personaclick_profile_set bad %}")
    html = page.render(user={"id": 1, "email": "admin@example.com"},
                       bad={"email": "admin@example.com"}, csp_nonce="n0nce")
    calls, warnings = run_page_console(html)
    assert calls == [["profile", "set", {"id": 1}]]
    if not debug:
        assert warnings == []
        return
    # One warning per tag; the second tag had nothing valid left: a warn-only script.
    assert len(warnings) == 2
    for warning in warnings:
        assert "email [placeholder_email_domain]" in warning
        assert "admin" not in warning
        assert "example.com" not in warning
    assert {s.nonce for s in page_scripts(html)} == {"n0nce"}


def test_async_environment() -> None:
    env = Environment(extensions=[PersonaClickExtension], autoescape=True, enable_async=True)
    env.extend(personaclick_shop_id=SHOP_ID)
    sync_env = make_env()
    for page in (TAG_PAGE, GLOBAL_PAGE):
        html = asyncio.run(env.from_string(page).render_async(user=USER, title="t", csp_nonce="a"))
        assert html == sync_env.from_string(page).render(user=USER, title="t", csp_nonce="a")
        assert calls_named(run_page(html), "profile", "set") == [expected_set(USER)]


def test_sandboxed_environment() -> None:
    env = make_env(cls=SandboxedEnvironment)
    for page in (TAG_PAGE, GLOBAL_PAGE):
        html = env.from_string(page).render(user=USER, title="t", csp_nonce="s4ndb0x")
        assert [s.nonce for s in page_scripts(html)] == ["s4ndb0x"] * 3
        assert calls_named(run_page(html), "profile", "set") == [expected_set(USER)]


def test_settings_are_environment_attributes() -> None:
    env = make_env(personaclick_stream="mobile", personaclick_spa=True,
                   personaclick_cookieless=True, personaclick_cdn_host="cdn.example.net")
    html = env.from_string("{% personaclick_init %}").render()
    engine_calls = run_page(html)
    assert engine_calls == [["init", SHOP_ID, "mobile", None, None,
                             {"cookieless": True, "cdn_host": "cdn.example.net"}, True]]
    # Attributes changed after first use take effect.
    env.personaclick_stream = "web2"  # type: ignore[attr-defined]
    assert run_page(env.from_string("{% personaclick_init %}").render())[0][2] == "web2"
    env.personaclick_enabled = False  # type: ignore[attr-defined]
    assert env.from_string(TAG_PAGE).render(user=USER).count("<script") == 0


def test_every_kind_of_settings_change_takes_effect() -> None:
    # The per-tag check counts attributes and compares those present: each kind of
    # change between renders must still be seen.
    env = make_env()
    page = env.from_string("{% personaclick_init %}")
    assert run_page(page.render()) == [["init", SHOP_ID]]
    env.extend(personaclick_stream="mobile")  # a setting added
    assert run_page(page.render()) == [["init", SHOP_ID, "mobile"]]
    env.personaclick_stream = "web2"  # type: ignore[attr-defined]  # replaced
    assert run_page(page.render()) == [["init", SHOP_ID, "web2"]]
    del env.personaclick_stream  # type: ignore[attr-defined]  # deleted
    assert run_page(page.render()) == [["init", SHOP_ID]]
    env.personaclick_shop_id = "ffffffffffffffffffffffffffffff"  # type: ignore[attr-defined]
    assert run_page(page.render()) == [["init", "ffffffffffffffffffffffffffffff"]]
    env.personaclick_consent = False  # type: ignore[attr-defined]  # consent is watched too
    assert run_page(page.render()) == [["init", "ffffffffffffffffffffffffffffff", None, None, None,
                                        {"consent": False}]]
    del env.personaclick_shop_id  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="personaclick_shop_id is not set"):
        page.render()


def test_an_overlay_reads_its_own_settings() -> None:
    env = make_env()
    overlay = env.overlay()
    overlay.personaclick_stream = "mobile"  # type: ignore[attr-defined]
    source = "{% personaclick_init %}"
    assert run_page(env.from_string(source).render()) == [["init", SHOP_ID]]
    assert run_page(overlay.from_string(source).render()) == [["init", SHOP_ID, "mobile"]]
    env.personaclick_enabled = False  # type: ignore[attr-defined]
    assert env.from_string(source).render() == ""
    assert run_page(overlay.from_string(source).render()) == [["init", SHOP_ID, "mobile"]]


def test_an_overlay_keeps_an_adapters_hooks() -> None:
    from pc_snippets.adapter import Settings, StaticHooks
    from pc_snippets.jinja import hooks_for, set_hooks

    env = make_env()
    hooks = StaticHooks(Settings(shop_id="0123456789abcdef0123456789abcd"))
    set_hooks(env, hooks)
    overlay = env.overlay()
    assert hooks_for(overlay) is hooks
    html = overlay.from_string("{% personaclick_init %}").render()
    assert run_page(html) == [["init", "0123456789abcdef0123456789abcd"]]


def test_call_tag() -> None:
    html = make_env().from_string(
        "{% personaclick_call 'track', 'view', {'id': product_id, 'stock': true} %}"
    ).render(product_id="SKU-</script>")
    assert run_snippet(html) == [["track", "view", {"id": "SKU-</script>", "stock": True}]]


def test_track_tag_and_global_with_hostile_ids_and_a_missing_variable() -> None:
    env = make_env()
    html = env.from_string(
        "{% personaclick_track 'view', product %}"
        "{{ personaclick_track('search', query, nonce='cjRuZDBt') }}"
        "{% personaclick_track 'view', no_such_variable %}"
    ).render(product={"id": "SKU-</script><!--"}, query="red\u2028<b>shoes</b>")
    assert run_page(html) == [["track", "view", {"id": "SKU-</script><!--"}],
                              ["track", "search", "red\u2028<b>shoes</b>"]]
    assert [script.nonce for script in page_scripts(html)] == [None, "cjRuZDBt"]


def test_the_track_tags_work_in_a_sandbox() -> None:
    env = SandboxedEnvironment(extensions=[PersonaClickExtension], autoescape=True)
    html = env.from_string("{% personaclick_track 'cart', item %}{% personaclick_events %}"
                           ).render(item={"id": "SKU-1", "amount": "2"})
    assert run_page(html) == [["track", "cart", {"id": "SKU-1", "amount": 2}]]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% personaclick_init shop_id='x' %}", "takes no argument 'shop_id'"),
        ("{% personaclick_profile_set a, b %}", "at most 1 positional"),
        ("{% personaclick_profile_get callback='f', user %}", "positional argument after keyword"),
        ("{% personaclick_call %}", "needs a command"),
        ("{% personaclick_track %}", "needs an event"),
        ("{% personaclick_track 'view', a, b %}", "at most 2 positional"),
        ("{% personaclick_track 'view', a, custom={} %}", "takes no argument 'custom'"),
        ("{% personaclick_events 'cart' %}", "at most 0 positional"),
        ("{% personaclick_init nonce='YQ==', nonce='Yg==' %}", "'nonce' given twice"),
    ],
)
def test_tag_syntax_errors(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=message) as info:
        make_env().from_string("\n\n" + source)
    assert info.value.lineno == 3


def test_import_without_any_web_framework() -> None:
    # A meta-path finder makes every web framework unimportable in a fresh interpreter.
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'flask', 'django', 'starlette', 'fastapi'}:\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pc_snippets, pc_snippets.jinja, pc_snippets.adapter\n"
        "print(pc_snippets.render_profile_set({'email': 'a@mail.com'}) != '')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


# --- The sandbox: templates are untrusted there. ---------------------------------

EVIL_SHOP_ID = "ffffffffffffffffffffffffffffff"


class Vault:
    """An application object whose method a sandboxed template may see but not call."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    @unsafe
    def open(self, *args: Any) -> str:
        self.calls.append(args)
        return "b3BlbmVk"  # a well-formed nonce, so a call would render quietly


def _extension_filters(env: Environment) -> list[str]:
    """The filter names the extension added to ``env`` (whatever they are called)."""
    return sorted(set(env.filters) - set(Environment().filters))


# The names the internal filters had when templates could reach them.
_OLD_FILTER_NAMES = [
    f"_personaclick_{tag}_tag{suffix}"
    for tag in ("init", "profile_set", "profile_get", "call")
    for suffix in ("", "_cleaned")
]


def _attempts(name: str, hooks: str, argument: str) -> list[str]:
    """Template sources that feed ``hooks`` to the filter ``name``, every way Jinja allows."""
    sources = [
        f'{{{{ [{hooks}]|map("{name}", {argument})|join }}}}',  # any name, as a string
        f'{{{{ [{hooks}]|map("{name}")|join }}}}',
    ]
    if name.isidentifier():  # a name a template can type
        sources.append(f"{{{{ {hooks}|{name}({argument}) }}}}")
    return sources


def _render_or_refuse(env: Environment, source: str, **context: Any) -> str:
    try:
        if env.is_async:
            return asyncio.run(env.from_string(source).render_async(**context))
        return env.from_string(source).render(**context)
    except Exception:  # refused, whichever way: the tests check what ran
        return ""


@pytest.mark.parametrize("enable_async", [False, True], ids=["sync", "async"])
def test_sandboxed_templates_cannot_make_the_extension_call_unsafe_callables(
    enable_async: bool,
) -> None:
    # Rule: in a SandboxedEnvironment nothing the extension registers calls a
    # callable the template handed it. The internal tag filters are not
    # registered there (a template can name any filter, e.g. with map), and the
    # filters that are registered ignore the value they are given.
    env = SandboxedEnvironment(extensions=[PersonaClickExtension], autoescape=True,
                               enable_async=enable_async)
    env.extend(personaclick_shop_id=SHOP_ID)
    vault = Vault()
    fake_hooks = "namespace(inputs=vault.open, profile=vault.open, settings=vault.open)"
    names = sorted(set(_extension_filters(env)) | set(_OLD_FILTER_NAMES))
    for name in names:
        for source in _attempts(name, fake_hooks, "{'csp_nonce': vault.open}"):
            _render_or_refuse(env, source, vault=vault)
            assert vault.calls == [], source
    assert not set(_OLD_FILTER_NAMES) & set(env.filters)
    # The sandbox itself refuses the call, as it would for {{ vault.open() }}.
    with pytest.raises(SecurityError):
        env.from_string("{{ vault.open() }}").render(vault=vault)


@pytest.mark.parametrize(
    "source",
    [
        "{% set csp_nonce = vault.open %}{% personaclick_init %}",
        "{% set csp_nonce = vault.open %}{{ personaclick_init() }}",
        "{% set csp_nonce = vault.open %}{% personaclick_profile_get callback=name %}",
        "{% set request = namespace(csp_nonce=vault.open) %}{% personaclick_call 'track', 'x' %}",
    ],
)
def test_a_nonce_callable_obeys_the_sandbox(source: str) -> None:
    # A callable nonce (Flask-Talisman's csp_nonce()) is called the way the
    # template would call it, {{ csp_nonce() }}: through the sandbox's rules.
    env = make_env(cls=SandboxedEnvironment)
    vault = Vault()
    with pytest.raises(SecurityError):
        env.from_string(source).render(vault=vault, name="shop.onProfile")
    assert vault.calls == []
    # An application's safe callable still works in the sandbox.
    html = env.from_string("{% personaclick_init %}").render(csp_nonce=lambda: "c2FmZQ==")
    assert [s.nonce for s in page_scripts(html)] == ["c2FmZQ=="]


def test_sandboxed_templates_cannot_choose_the_shop_id_or_hosts() -> None:
    # Rule: in a sandbox the shop id and hosts come only from the environment's
    # configuration; whatever a template feeds the extension's filters is ignored
    # or refused.
    env = make_env(cls=SandboxedEnvironment, personaclick_cdn_host="cdn.shop.example",
                   personaclick_api_host="api.shop.example")
    settings = (
        f'namespace(enabled=true, shop_id="{EVIL_SHOP_ID}", stream=none, cookieless=none, '
        'spa=false, strict=false, send_once=false, guard=none, '
        'api_host="api.evil.example", cdn_host="cdn.evil.example")'
    )
    fake_hooks = 'namespace(inputs={"k": (settings, none, none)}.get)'
    names = sorted(set(_extension_filters(env)) | set(_OLD_FILTER_NAMES))
    rendered = []
    for name in names:
        for source in _attempts(name, fake_hooks, '"k"'):
            html = _render_or_refuse(env, "{% set settings = " + settings + " %}" + source)
            assert "evil" not in html, source
            assert EVIL_SHOP_ID not in html, source
            rendered.append(html)
    # What the environment configured is what renders, in the tag and through the filters.
    assert any("cdn.shop.example" in html for html in rendered)
    engine_calls = run_page(env.from_string("{% personaclick_init %}").render())
    assert engine_calls == [["init", SHOP_ID, None, None, None,
                             {"api_host": "api.shop.example", "cdn_host": "cdn.shop.example"}]]


# --- The adapter contract, for a plain Jinja environment. ------------------------


class JinjaSite(Site):
    """Renders the contract's templates; the "request" is a namespace with a nonce."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    def get(self, template: str = "page", *, visitor: str | None = None,
            choice: str | None = None, csp_nonce: str | None = None,
            headers: Any = None) -> Page:
        nonce = fresh_nonce()
        context = {**PAGE_CONTEXT, "visitor": visitor, "choice": choice,
                   "request": SimpleNamespace(csp_nonce=nonce)}
        if csp_nonce is not None:
            context["csp_nonce"] = csp_nonce
        return Page(self.env.from_string(TEMPLATES[template]).render(context), None, nonce)


class TestJinjaContract(AdapterContract):
    naming = ENVIRONMENT
    consent_per_request = False  # no request: the callable takes the context, per tag

    def site(self, **settings: Any) -> JinjaSite:
        debug = settings.pop("debug", False)
        settings = {"shop_id": CONTRACT_SHOP_ID, **settings}
        settings.setdefault("consent", lambda context: self.decisions(context.get("choice")))
        env = Environment(extensions=[PersonaClickExtension], autoescape=True)
        env.extend(**{ENVIRONMENT(name): value for name, value in settings.items()},
                   personaclick_debug=debug,
                   personaclick_profile_loader=lambda context: VISITORS.get(
                       context.get("visitor")))
        return JinjaSite(env)

    def settings_error(self, **settings: Any) -> str:
        # An environment has no start-up: its settings are checked when a tag
        # renders (the shop id only by init, which needs it).
        with pytest.raises((TypeError, ValueError, RuntimeError)) as info:
            self.site(**settings).get()
        return str(info.value)


@pytest.mark.parametrize(
    ("settings", "error", "message"),
    [
        ({"personaclick_debug": "yes"}, TypeError, "personaclick_debug must be True or False"),
        ({"personaclick_guard": {"placeholder_name"}}, ValueError,
         "personaclick_guard must be a pc_snippets.Guard or None"),
        ({"personaclick_guard": Guard(), "personaclick_guard_disabled": ["placeholder_name"]},
         ValueError, "set one or the other"),
        ({"personaclick_send_once": True}, ValueError, "needs a session"),
    ],
)
def test_plain_jinja_settings_of_its_own_are_checked(settings: dict[str, Any],
                                                    error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make_env(**settings).from_string("{% personaclick_profile_get %}").render()


def test_the_guard_lists_or_a_guard_object() -> None:
    user = {"email": "ann@shop.example", "first_name": "Test"}
    for env in (make_env(personaclick_placeholder_domains=["shop.example"],
                         personaclick_guard_disabled=["placeholder_name"]),
                make_env(personaclick_guard=Guard(placeholder_domains=["shop.example"],
                                                  disabled={"placeholder_name"}))):
        html = env.from_string("{% personaclick_profile_set user %}").render(user=user)
        assert run_snippet(html) == [["profile", "set", {"first_name": "Test"}]]
