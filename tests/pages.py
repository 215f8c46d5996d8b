"""Helpers for the framework tests: every script of a whole page, run in one V8 context.

Built on the real oracles in :mod:`tests.oracles` (html5lib and lexbor, mini-racer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import html5lib
from selectolax.lexbor import LexborHTMLParser

from tests.oracles import JsEngine


@dataclass(frozen=True)
class Script:
    nonce: str | None
    text: str


def page_scripts(html: str) -> list[Script]:
    """Scripts of a full page as html5lib sees them; lexbor must agree on every one."""
    doc = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    scripts = [Script(el.get("nonce"), el.text or "") for el in doc.iter("script")]
    tree = LexborHTMLParser(html)
    lexbor = [(node.attributes.get("nonce"), node.text(deep=True)) for node in tree.css("script")]
    assert lexbor == [(s.nonce, s.text) for s in scripts], "html5lib and lexbor disagree"
    return scripts


def run_page(html: str, *, sdk_loaded: bool = True) -> list[list[Any]]:
    """Execute every script of ``html`` in order in one engine; return the recorded calls."""
    engine = JsEngine(sdk_loaded=sdk_loaded)
    for script in page_scripts(html):
        engine.run(script.text)
    return engine.calls() if sdk_loaded else engine.queued()


def run_page_console(html: str) -> tuple[list[list[Any]], list[str]]:
    """Like :func:`run_page`, with a recording ``console``: (calls, console.warn messages)."""
    engine = JsEngine()
    # V8 alone has no console; the snippets only ever call console.warn.
    engine.run("var __warnings = []; window.console = {warn: function () {"
               " __warnings.push(Array.prototype.slice.call(arguments).join(' ')); }};")
    for script in page_scripts(html):
        engine.run(script.text)
    return engine.calls(), engine.json("__warnings")


def calls_named(calls: list[list[Any]], *head: str) -> list[list[Any]]:
    """The calls whose first arguments are ``head`` (e.g. ``"profile", "set"``)."""
    return [call for call in calls if tuple(call[: len(head)]) == head]


# What an app sets on a page it wants cached, by browsers and by its CDN.
PUBLIC_HEADERS = {
    "Cache-Control": "public, max-age=600",
    "CDN-Cache-Control": "max-age=600",
    "Surrogate-Control": "max-age=600",
}


def assert_private_for_shared_caches(response: Any) -> None:
    """A response that carries profile data: private, and nothing a CDN would obey."""
    assert response.headers["Cache-Control"] == "private, max-age=600"
    # CDNs obey these even when Cache-Control says private: they must go.
    assert "CDN-Cache-Control" not in response.headers
    assert "Surrogate-Control" not in response.headers


def public_headers_kept(response: Any) -> bool:
    """The app's caching headers are as it set them."""
    return {name: response.headers.get(name) for name in PUBLIC_HEADERS} == PUBLIC_HEADERS


def assert_placeholder_dropped(html: str, nonce: str, *, warned: bool) -> None:
    """The test apps' placeholder visitor: the email dropped, the rest sent; in debug
    (``warned``) one console warning naming the field and rule, never the value, in a
    script that carries the response's nonce."""
    calls, warnings = run_page_console(html)
    assert calls_named(calls, "profile", "set") == [
        ["profile", "set", {"id": 3, "first_name": "Pat"}]]
    if not warned:
        assert warnings == []
        return
    assert len(warnings) == 1
    assert "email [placeholder_email_domain]" in warnings[0]
    assert "anonymous" not in warnings[0]
    assert "example.com" not in warnings[0]
    assert {s.nonce for s in page_scripts(html)} == {nonce}


# What the navigation wrappers (``navigation="turbo"|"htmx"``) read: their script
# element's attributes, <html>'s ``data-turbo-preview`` and DOM event listeners.
_NAVIGATION_SHIM = """
function __Element(from) { this.attrs = from ? Object.assign({}, from.attrs) : {}; }
__Element.prototype.hasAttribute = function (k) {
  return Object.prototype.hasOwnProperty.call(this.attrs, k); };
__Element.prototype.setAttribute = function (k, v) { this.attrs[k] = String(v); };
__Element.prototype.removeAttribute = function (k) { delete this.attrs[k]; };
document.documentElement = new __Element();
var __listeners = {};
document.addEventListener = function (type, f) {
  (__listeners[type] = __listeners[type] || []).push(f); };
"""


class NavigatedPage:
    """A page's scripts run in one V8 window as Turbo and htmx run them, render by render.

    ``render()`` runs every script of the page in order, each with its own element as
    ``document.currentScript``: ``"fresh"`` new elements (a page fetched again),
    ``"copy"`` new elements with the last render's attributes (what Turbo's snapshot
    and htmx do when they re-create a script), ``"preview"`` the same while ``<html>``
    has ``data-turbo-preview``.
    """

    def __init__(self, html: str) -> None:
        self.scripts = page_scripts(html)
        self.engine = JsEngine()
        self.engine.run(_NAVIGATION_SHIM + "var __elements = [];")

    def render(self, how: str = "fresh") -> list[list[Any]]:
        assert how in ("fresh", "copy", "preview")
        preview = "true" if how == "preview" else "false"
        self.engine.run(f"if ({preview}) {{ document.documentElement.setAttribute("
                        "'data-turbo-preview', '') } else { document.documentElement"
                        ".removeAttribute('data-turbo-preview') }")
        for index, script in enumerate(self.scripts):
            source = "null" if how == "fresh" else f"__elements[{index}]"
            self.engine.run(f"document.currentScript = __elements[{index}] ="
                            f" new __Element({source});")
            self.engine.run(script.text)
        self.engine.run("document.currentScript = null;")
        return self.engine.calls()

    def attributes(self) -> list[dict[str, str]]:
        """The attributes each script element carries after the last render."""
        found: list[dict[str, str]] = self.engine.json(
            "__elements.map(function (e) { return e.attrs; })")
        return found

    def dispatch(self, event: str, detail: Any) -> list[list[Any]]:
        """Raise DOM event ``event`` on ``document`` (as htmx does for an ``HX-Trigger``
        header) with ``detail`` (JSON data); the recorded calls after it."""
        self.engine.ctx.eval("var __detail = " + json.dumps(detail) + ";")
        self.engine.run(f"(__listeners[{json.dumps(event)}] || []).forEach("
                        "function (f) { f({type: " + json.dumps(event) + ", detail: __detail}) });")
        return self.engine.calls()


def run_navigated_page(html: str) -> list[list[Any]]:
    """The calls of one fresh render of a page made with ``navigation=``."""
    return NavigatedPage(html).render()
