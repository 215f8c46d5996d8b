"""``navigation="turbo"|"htmx"`` without a browser: the checks, the untouched default,
the ``HX-Trigger`` header, the htmx config tag, and the wrapped code run in V8.

The browser proof (real Turbo and htmx in Chromium) is tests/test_browser_navigation.py.
Expected calls are the inputs as ``check_profile`` / ``check_event`` keep them; expected
markup is written from the SDK's documented calls and the queue stub README's
"Rendering" describes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import html5lib
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from pc_snippets import (
    RULES,
    EventError,
    HxTriggerError,
    check_event,
    check_profile,
    hx_trigger_header,
    render_call,
    render_htmx_config,
    render_init,
    render_profile_get,
    render_profile_set,
    render_track,
)
from pc_snippets.core.navigation import (
    HTMX_TRACK_EVENT,
    HX_TRIGGER_MAX_BYTES,
    NAVIGATION_RULES,
    check_navigation,
)
from tests.pages import NavigatedPage

from .test_serialize import HOSTILE_STRINGS

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
NONCE = "cjRuZDBt"
VISITOR = {"email": "jane@mail.com", "first_name": "</script><!--Jane\u2028"}
VIEW = {"id": "SKU-</script>", "recommended_by": "\u2028 \U0001f389"}
# The queue stub every call snippet starts with (README, "Rendering").
STUB = ('typeof window.personaclick==="function"||(window.personaclick=function(){'
        '(personaclick.q=personaclick.q||[]).push(arguments)});')

# Every renderer, called with one navigation value (and a nonce).
RENDERERS: dict[str, Callable[..., Markup]] = {
    "init": lambda **kw: render_init(SHOP_ID, spa=True, **kw),
    "profile set": lambda **kw: render_profile_set(VISITOR, **kw),
    "profile set, debug": lambda **kw: render_profile_set(
        {"email": "anonymous@example.com", "first_name": "Pat"}, debug=True, **kw),
    "profile get": lambda **kw: render_profile_get(callback="shop.onProfile", fill=True, **kw),
    "track": lambda **kw: render_track("view", VIEW, **kw),
    "call": lambda **kw: render_call("segment", "add", {"name": "</script>"}, **kw),
}


# ------------------------------------------------------------------ check_navigation

class _Str(str):
    pass


BAD = ["Turbo", "HTMX", "turbo ", "", "spa", 1, True, ["turbo"], {"turbo": 1}, _Str("turbo")]


@pytest.mark.parametrize("value", BAD, ids=repr)
def test_an_unknown_navigation_is_a_value_error(value: Any) -> None:
    with pytest.raises(ValueError, match=r'^navigation must be None, "turbo" or "htmx"$'):
        check_navigation(value)


@pytest.mark.parametrize("name", sorted(RENDERERS))
@pytest.mark.parametrize("value", BAD, ids=repr)
def test_every_renderer_refuses_an_unknown_navigation_alike(name: str, value: Any) -> None:
    # Also the cached renderers: an unhashable value is the same ValueError, not a TypeError.
    with pytest.raises(ValueError, match=r'^navigation must be None, "turbo" or "htmx"$'):
        RENDERERS[name](nonce=NONCE, navigation=value)


def test_the_known_names_and_the_name_in_the_message() -> None:
    assert check_navigation(None) is None
    assert [check_navigation(v) for v in ("turbo", "htmx")] == ["turbo", "htmx"]
    with pytest.raises(ValueError, match=r'^PERSONACLICK_NAVIGATION must be None, "turbo"'):
        check_navigation("turbolinks", "PERSONACLICK_NAVIGATION")


# ------------------------------------------------------------------ navigation=None

@pytest.mark.parametrize("nonce", [None, NONCE])
@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_without_navigation_every_snippet_is_as_before(name: str, nonce: str | None) -> None:
    plain = RENDERERS[name](nonce=nonce)
    assert RENDERERS[name](nonce=nonce, navigation=None) == plain
    assert "data-personaclick-ran" not in plain
    assert "__pcSnippetsInit" not in plain
    assert RENDERERS[name](nonce=nonce, navigation="turbo") != plain  # (the test can fail)


def test_without_navigation_the_snippets_are_the_documented_calls() -> None:
    # Written from the SDK's calls and the stub, not from output.
    assert render_call("track", "view", "SKU-1", navigation=None) == (
        f'<script>{STUB}personaclick("track","view","SKU-1");</script>')
    assert render_track("view", "SKU-1", nonce=NONCE, navigation=None) == (
        f'<script nonce="{NONCE}">{STUB}personaclick("track","view","SKU-1");</script>')
    assert render_profile_set({"email": "jane@mail.com"}, navigation=None) == (
        f'<script>{STUB}personaclick("profile","set",{{"email":"jane@mail.com"}});</script>')
    init = render_init(SHOP_ID, stream="web", navigation=None)
    assert init.startswith(f"<script>{STUB}(function(w,d,c){{")
    assert init.endswith(f'}})(window,document,{{"cdn":"cdn.personaclick.com"}});'
                         f'personaclick("init","{SHOP_ID}","web");</script>')


# ------------------------------------------------------------------ the wrapped code in V8

def turbo_page(navigation: str | None) -> str:
    return "".join(str(r) for r in (
        render_init(SHOP_ID, nonce=NONCE, navigation=navigation),
        render_profile_set(VISITOR, nonce=NONCE, navigation=navigation),
        render_track("view", VIEW, nonce=NONCE, navigation=navigation),
        render_call("track", "category", "CAT-1", nonce=NONCE, navigation=navigation),
        render_profile_get(nonce=NONCE, navigation=navigation)))


INIT = ["init", SHOP_ID]
PER_PAGE = [["profile", "set", check_profile(VISITOR).payload],
            ["track", "view", check_event("view", VIEW).payload],
            ["track", "category", "CAT-1"], ["profile", "get", None]]


@pytest.mark.parametrize("navigation", ["turbo", "htmx"])
def test_init_once_per_window_and_each_page_call_once_per_page_render(navigation: str) -> None:
    page = NavigatedPage(turbo_page(navigation))
    assert page.render("fresh") == [INIT, *PER_PAGE]
    # Re-created from the same elements (a Turbo snapshot, an htmx copy): nothing again.
    assert page.render("copy") == [INIT, *PER_PAGE]
    assert page.render("preview") == [INIT, *PER_PAGE]  # a preview never sends
    # The page fetched again (a Turbo visit, an htmx swap of new content): its calls
    # once more, never init.
    assert page.render("fresh") == [INIT, *PER_PAGE, *PER_PAGE]
    # Each element is marked so that Turbo never evaluates it again from a snapshot.
    marks = page.attributes()
    assert [m.get("data-turbo-eval") for m in marks] == ["false"] * 5
    assert ["data-personaclick-ran" in m for m in marks] == [False, True, True, True, True]


def test_a_preview_first_sends_nothing_and_the_fresh_render_after_it_once() -> None:
    page = NavigatedPage(turbo_page("turbo"))
    assert page.render("preview") == [INIT]  # init is no per-page call: it runs once
    assert page.render("fresh") == [INIT, *PER_PAGE]


def test_without_navigation_every_render_sends_again() -> None:
    # The control: the plain snippets repeat on every render (what the wrappers prevent).
    page = NavigatedPage(turbo_page(None))
    page.render("fresh")
    assert page.render("copy") == [INIT, *PER_PAGE] * 2


def test_a_clobbered_flag_does_not_stop_init() -> None:
    # An element with id="__pcSnippetsInit" is a window global too: only `true` counts.
    page = NavigatedPage(str(render_init(SHOP_ID, navigation="turbo")))
    page.engine.run("window.__pcSnippetsInit = {tagName: 'DIV'};")
    assert page.render() == [INIT]


def test_the_debug_warning_runs_once_too() -> None:
    html = str(RENDERERS["profile set, debug"](nonce=NONCE, navigation="turbo"))
    page = NavigatedPage(html)
    page.engine.run("var __warned = 0; window.console = {warn: function () { __warned++ }};")
    assert page.render() == [["profile", "set", {"first_name": "Pat"}]]
    page.render("copy")
    assert page.engine.json("__warned") == 1


def test_htmx_init_forwards_hx_trigger_track_events_and_turbo_init_does_not() -> None:
    header = hx_trigger_header("cart", {"id": "Caf\u00e9 </script>", "amount": 2})
    assert header is not None
    (event, detail), = json.loads(header).items()
    assert event == HTMX_TRACK_EVENT
    htmx = NavigatedPage(str(render_init(SHOP_ID, navigation="htmx")))
    htmx.render()
    htmx.render("fresh")  # init brought again: still one listener
    expected = ["track", "cart", check_event("cart", {"id": "Caf\u00e9 </script>",
                                                      "amount": 2}).payload]
    assert htmx.dispatch(event, detail) == [INIT, expected]
    # A detail without an event name (another app's event of that name) is not sent.
    assert htmx.dispatch(event, {"data": {"id": "x"}}) == [INIT, expected]
    turbo = NavigatedPage(str(render_init(SHOP_ID, navigation="turbo")))
    turbo.render()
    assert turbo.dispatch(event, detail) == [INIT]


# ------------------------------------------------------------------ hx_trigger_header

# What RFC 9110 allows in a field value: visible ASCII and spaces, none at the ends.
FIELD_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?")


def header_payload(event: str, data: Any) -> Any:
    return {HTMX_TRACK_EVENT: {"event": event, "data": check_event(event, data).payload}}


@pytest.mark.parametrize("hostile", [*HOSTILE_STRINGS, "\ud800 lone", "nul \x00", "a\r\nb",
                                     "Set-Cookie: x=1\nX: y", "\U0001f389\U0001f1fa\U0001f1e6"])
def test_the_header_is_ascii_without_cr_lf_and_parses_back_to_the_checked_data(
        hostile: str) -> None:
    data = {"id": "SKU-1", "recommended_by": hostile, "recommended_code": "c"}
    value = hx_trigger_header("view", data)
    assert value is not None
    assert FIELD_VALUE.fullmatch(value)
    assert "\r" not in value
    assert "\n" not in value
    assert value.isascii()
    assert json.loads(value) == header_payload("view", data)


@given(st.text(max_size=60))
def test_any_text_gives_a_field_value_that_parses_back(text: str) -> None:
    data = {"id": "SKU-1", "recommended_by": text}
    value = hx_trigger_header("view", data)
    assert value is not None
    assert FIELD_VALUE.fullmatch(value)
    assert json.loads(value) == header_payload("view", data)


def big_purchase(lines: int) -> dict[str, Any]:
    return {"order": "N-1", "email": "jane.private@mail.com",
            "products": [{"id": f"SKU-{i:04d}-" + "x" * 200, "price": "1.00", "amount": 1}
                         for i in range(lines)]}


def test_the_size_bound_is_exact() -> None:
    data = {"id": "SKU-1", "recommended_by": "\u00e9" * 10}  # 6 bytes each, escaped
    value = hx_trigger_header("view", data, max_bytes=10_000)
    assert value is not None
    assert hx_trigger_header("view", data, max_bytes=len(value)) == value
    assert hx_trigger_header("view", data, max_bytes=len(value) - 1) is None


def test_over_the_default_bound_lenient_logs_the_rule_without_the_value(
        caplog: pytest.LogCaptureFixture) -> None:
    assert HX_TRIGGER_MAX_BYTES == 4096
    fits = hx_trigger_header("purchase", big_purchase(10))
    assert fits is not None
    assert len(fits) <= HX_TRIGGER_MAX_BYTES
    with caplog.at_level(logging.WARNING, logger="pc_snippets"):
        assert hx_trigger_header("purchase", big_purchase(30)) is None
    rules = [(r.pc_field, r.pc_rule) for r in caplog.records  # type: ignore[attr-defined]
             if getattr(r, "pc_rule", None)]
    assert rules == [("HX-Trigger", "header_too_large")]
    for text in (caplog.text, *(repr(r.__dict__) for r in caplog.records)):
        assert "jane.private" not in text
        assert "SKU-0001" not in text


def test_the_navigation_rules_are_the_librarys_and_each_is_triggered_above() -> None:
    assert NAVIGATION_RULES.items() <= RULES.items()
    assert set(NAVIGATION_RULES) == {"header_too_large"}


def test_over_the_bound_strict_raises_without_the_value() -> None:
    with pytest.raises(HxTriggerError, match=r"over 4096 bytes.*\(\d+ bytes\)") as info:
        hx_trigger_header("purchase", big_purchase(30), strict=True)
    assert "jane.private" not in str(info.value)
    assert "SKU-0001" not in str(info.value)
    assert "jane.private" not in repr(info.value)


def test_no_header_without_consent_or_without_what_the_event_needs() -> None:
    assert hx_trigger_header("view", "SKU-1", consent=False) is None
    assert hx_trigger_header("view", "SKU-1", consent=True) is not None
    assert hx_trigger_header("search", "  ") is None
    with pytest.raises(EventError):
        hx_trigger_header("cart", {"id": "SKU-1", "amount": 0}, strict=True)
    with pytest.raises(TypeError):
        hx_trigger_header("view", "SKU-1", consent="no")  # type: ignore[arg-type]


@pytest.mark.parametrize("max_bytes", [0, -1, True, 1.5, "4096"])
def test_a_bad_bound_is_a_value_error(max_bytes: Any) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        hx_trigger_header("view", "SKU-1", max_bytes=max_bytes)


# ------------------------------------------------------------------ render_htmx_config

def parsed_meta(html: str) -> list[Any]:
    page = f"<!DOCTYPE html><html><head>{html}</head><body><p>after</p></body></html>"
    doc = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    assert [el.tag for el in doc.iter() if el.tag in ("script", "p")] == ["p"]
    return list(doc.iter("meta"))


@pytest.mark.parametrize("hostile", [*HOSTILE_STRINGS, "'><script>alert(1)</script>",
                                     "\" onload=\"x", "&#39; &amp; &#34;"])
def test_the_config_tag_is_one_meta_whose_content_is_the_config(hostile: str) -> None:
    html = render_htmx_config(NONCE, {"defaultSwapStyle": hostile, "historyCacheSize": 0})
    (meta,) = parsed_meta(str(html))
    assert dict(meta.attrib) == {"name": "htmx-config", "content": meta.get("content")}
    assert json.loads(meta.get("content")) == {
        "defaultSwapStyle": hostile, "historyCacheSize": 0, "inlineScriptNonce": NONCE}


@pytest.mark.parametrize("nonce", [None, "", "a b", "<x>", 'a"b', "x'y", 123, "=" * 4])
def test_the_config_tag_refuses_a_bad_nonce(nonce: Any) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the nonce's message, or "needs the nonce"
        render_htmx_config(nonce)


def test_the_config_may_not_set_the_nonce_itself() -> None:
    with pytest.raises(ValueError, match="inlineScriptNonce"):
        render_htmx_config(NONCE, {"inlineScriptNonce": "b3RoZXI="})
