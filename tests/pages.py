"""Helpers for the framework tests: every script of a whole page, run in one V8 context.

Built on the real oracles in :mod:`tests.oracles` (html5lib and lexbor, mini-racer).
"""

from __future__ import annotations

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
