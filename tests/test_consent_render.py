"""The renderers' ``consent_source=`` keyword: every renderer gates its own snippet alike.

``None`` leaves the output as it was; a kind or a :class:`~pc_snippets.ConsentSource`
gives :func:`~pc_snippets.core.consent_gate.gate_script` of the very code the renderer
writes without it; a decision on the server (``consent=True``/``False``) wins; a bad
source, or one with ``navigation``, is the same ``ValueError`` from every renderer.
The gated ``init``'s loader takes the nonce its gate saw when it runs later (V8 here,
Chromium under a nonce-only CSP in tests/test_browser_consent.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from markupsafe import Markup

from pc_snippets import (
    ConsentSource,
    ProfileError,
    render_call,
    render_init,
    render_profile_get,
    render_profile_set,
    render_track,
)
from pc_snippets.core.consent_gate import CONSENT_KINDS, gate_script
from pc_snippets.core.consent_sources import GATED_LOADER, LOADER
from pc_snippets.core.render import nonce_attribute

from .oracles import JsEngine, single_script
from .test_consent_gate import FAKE_TCF, SHIM

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
NONCE = "bm9uY2U="
VISITOR = {"email": "jane@mail.com", "first_name": "</script>Jane"}

#: Each renderer, called with the same keywords (nonce, consent, consent_source ...).
RENDERERS: dict[str, Callable[..., Markup]] = {
    "init": lambda **kw: render_init(SHOP_ID, **kw),
    "profile_set": lambda **kw: render_profile_set(VISITOR, **kw),
    "profile_get": lambda **kw: render_profile_get(callback="shop.onProfile", **kw),
    "track": lambda **kw: render_track("view", {"id": "SKU-1"}, **kw),
    "call": lambda **kw: render_call("track", "view", {"id": "SKU-1"}, **kw),
}


def plain_code(markup: Markup) -> str:
    match = re.fullmatch(f'<script nonce="{NONCE}">(.*)</script>', str(markup), re.DOTALL)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("name", RENDERERS)
def test_no_source_is_the_plain_snippet(name: str) -> None:
    render = RENDERERS[name]
    plain = render(nonce=NONCE)
    assert render(nonce=NONCE, consent_source=None) == plain
    assert str(plain).startswith(f'<script nonce="{NONCE}">typeof window.personaclick')


@pytest.mark.parametrize("kind", CONSENT_KINDS)
@pytest.mark.parametrize("name", ["profile_set", "profile_get", "track", "call"])
def test_a_kind_gates_the_renderers_own_code(name: str, kind: str) -> None:
    render = RENDERERS[name]
    code = plain_code(render(nonce=NONCE))
    expected = gate_script(code, nonce_attribute(NONCE), ConsentSource(kind))
    assert render(nonce=NONCE, consent_source=kind) == expected
    assert render(nonce=NONCE, consent_source=ConsentSource(kind)) == expected
    single_script(str(expected))  # one element for both HTML parsers, nothing swallowed


def test_a_custom_source_reaches_the_gate() -> None:
    source = ConsentSource("tcf", purposes=(1, 3), vendor_id=755)
    html = str(render_track("view", {"id": "SKU-1"}, consent_source=source))
    assert '{"key":"tcf:1,3:755","purposes":[1,3],"vendor":755}' in html
    html = str(render_call("track", "view", consent_source=ConsentSource(
        "onetrust", category="C0003")))
    assert html.startswith('<script type="text/plain" class="optanon-category-C0003">')


@pytest.mark.parametrize("kind", CONSENT_KINDS)
def test_a_gated_init_is_the_init_code_with_the_gated_loader(kind: str) -> None:
    code = plain_code(render_init(SHOP_ID, nonce=NONCE))
    assert code.count(LOADER) == 1
    assert GATED_LOADER != LOADER
    expected = gate_script(code.replace(LOADER, GATED_LOADER), nonce_attribute(NONCE),
                           ConsentSource(kind))
    assert render_init(SHOP_ID, nonce=NONCE, consent_source=kind) == expected


@pytest.mark.parametrize("name", RENDERERS)
def test_the_servers_decision_wins(name: str) -> None:
    render = RENDERERS[name]
    assert render(nonce=NONCE, consent=True, consent_source="tcf") == render(
        nonce=NONCE, consent=True)
    refused = render(nonce=NONCE, consent=False, consent_source="cookiebot")
    if name == "init":  # init still tells the SDK "no tracking", as without a source
        assert refused == render_init(SHOP_ID, nonce=NONCE, consent=False)
        assert "type=" not in refused
        assert '{"consent":false}' in refused
    else:
        assert refused == Markup()


BAD_SOURCES = ["TCF", "", "iab", 1, True, ["tcf"], {"kind": "tcf"}, b"tcf"]


@pytest.mark.parametrize("bad", BAD_SOURCES, ids=repr)
@pytest.mark.parametrize("name", RENDERERS)
def test_a_bad_source_is_the_same_error_everywhere(name: str, bad: Any) -> None:
    with pytest.raises(ValueError, match=r"^consent_source must be") as info:
        RENDERERS[name](nonce=NONCE, consent_source=bad)
    assert str(info.value) == ("consent_source must be None, a ConsentSource or one of "
                               "'tcf', 'google', 'cookiebot', 'onetrust', 'klaro', "
                               "'cookieconsent'")
    # Checked whatever the server decided (a bug is a bug), never showing the value.
    with pytest.raises(ValueError, match=r"^consent_source must be"):
        RENDERERS[name](consent=True, consent_source=bad)


def test_a_str_subclass_is_no_kind() -> None:
    class Kind(str):
        pass

    with pytest.raises(ValueError, match=r"^consent_source must be"):
        render_call("track", "view", consent_source=Kind("tcf"))


@pytest.mark.parametrize("name", RENDERERS)
def test_navigation_and_a_source_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"^consent_source cannot be combined with navigation"):
        RENDERERS[name](nonce=NONCE, consent_source="tcf", navigation="turbo")


def test_strict_mode_still_raises() -> None:
    with pytest.raises(ProfileError):
        render_profile_set({"email": "not an email"}, strict=True, consent_source="tcf")
    from pc_snippets import EventError

    with pytest.raises(EventError):
        render_track("cart", {"id": "SKU-1", "amount": 0}, strict=True, consent_source="tcf")


def test_debug_warning_is_gated_too() -> None:
    html = str(render_profile_set({"email": "jane@mail.com", "firstname": "Jane"},
                                  debug=True, consent_source="cookieconsent"))
    assert html.startswith('<script type="text/plain" data-category="marketing">')
    assert "console.warn" in html
    assert "Jane" not in html


def test_nothing_valid_renders_nothing_gated_or_not() -> None:
    assert render_profile_set({"email": "not an email"}, consent_source="tcf") == Markup()
    assert render_track("purchase", {}, consent_source="google") == Markup()


# ------------------------------------------------------------------ the loader's nonce


def loaded_nonces(init: Markup) -> list[Any]:
    """The nonces of the script and preload hint a TCF-gated init appends when consent
    arrives later, from a callback (no currentScript then, as in a browser)."""
    engine = JsEngine(sdk_loaded=False)
    engine.run(SHIM + FAKE_TCF)
    # While the gate's own element is parsed, it is document.currentScript.
    engine.run(f"document.currentScript = {{nonce: {NONCE!r}, hasAttribute: function () "
               "{ return false; }, setAttribute: function () {}};")
    engine.run(single_script(str(init)))
    engine.run("document.currentScript = null;")
    assert engine.json("__appended") == []  # nothing loads before consent
    engine.run('__decide("useractioncomplete", {1: true}, {})')
    return engine.json("__appended.filter(function (e) { return e.as || e.tag === 'script'; })"
                       ".map(function (e) { return [e.tag, e.nonce || null]; })")


def test_a_gated_init_released_later_loads_the_sdk_with_the_nonce() -> None:
    gated = render_init(SHOP_ID, nonce=NONCE, consent_source="tcf")
    assert loaded_nonces(gated) == [["link", NONCE], ["script", NONCE]]
    # The plain loader inside the same gate (the defect this fixes) loses it.
    unfixed = gate_script(plain_code(render_init(SHOP_ID, nonce=NONCE)),
                          nonce_attribute(NONCE), ConsentSource("tcf"))
    assert loaded_nonces(unfixed) == [["link", None], ["script", None]]


def test_a_clobbered_state_gives_no_nonce() -> None:
    # <form id="__pcConsent"> is a global too: the loader must not read a nonce off it.
    engine = JsEngine(sdk_loaded=False)
    engine.run(SHIM + FAKE_TCF)
    engine.run("window.__pcConsent = {n: 'ZXZpbA=='};")  # no v:1 -> the gate replaces it
    engine.run(single_script(str(render_init(SHOP_ID, nonce=NONCE, consent_source="tcf"))))
    engine.run('__decide("useractioncomplete", {1: true}, {})')
    assert engine.json("__appended.filter(function (e) { return e.tag === 'script'; })"
                       ".map(function (e) { return e.nonce || null; })") == [None]
