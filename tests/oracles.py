"""Real oracles for the safety claims: two WHATWG HTML parsers and a JavaScript engine.

Never Python's ``html.parser``: it is not spec-conformant for script data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import html5lib
from py_mini_racer import MiniRacer
from selectolax.lexbor import LexborHTMLParser

SENTINEL_ID = "pc-after-sentinel"
SENTINEL = f'<p id="{SENTINEL_ID}">after</p>'

# A minimal browser-like global for code that only needs window and document.
_BROWSER_SHIM = """
var window = globalThis;
var __events = [];
var document = {
  readyState: "complete",
  head: {appendChild: function (e) { __appended.push(e); }},
  currentScript: null,
  getElementsByTagName: function () { return []; },
  querySelectorAll: function () { return []; },
  createElement: function (tag) {
    return {tag: tag, setAttribute: function (k, v) { this[k] = v; }};
  },
  addEventListener: function () {},
  dispatchEvent: function (e) { __events.push({type: e.type, detail: e.detail}); return true; }
};
var __appended = [];
function CustomEvent(type, init) { this.type = type; this.detail = init && init.detail; }
function setTimeout(f) { __deferred.push(f); }
var __deferred = [];
"""


@dataclass
class ParsedScripts:
    """What a WHATWG parser saw in an HTML fragment."""

    scripts: list[str]
    sentinel_survived: bool


def parse_html5lib(html: str) -> ParsedScripts:
    """Parse with html5lib (implements the escaped / double-escaped script states)."""
    page = f"<!DOCTYPE html><html><head></head><body>{html}{SENTINEL}</body></html>"
    doc = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    scripts = [el.text or "" for el in doc.iter("script")]
    survived = any(el.get("id") == SENTINEL_ID for el in doc.iter("p"))
    return ParsedScripts(scripts, survived)


def parse_lexbor(html: str) -> ParsedScripts:
    """Parse with selectolax's lexbor engine (a second, independent WHATWG parser)."""
    page = f"<!DOCTYPE html><html><head></head><body>{html}{SENTINEL}</body></html>"
    tree = LexborHTMLParser(page)
    scripts = [node.text(deep=True) for node in tree.css("script")]
    survived = tree.css_first(f"p#{SENTINEL_ID}") is not None
    return ParsedScripts(scripts, survived)


def single_script(html: str) -> str:
    """Assert both parsers see exactly one script and the sentinel; return its text."""
    a = parse_html5lib(html)
    b = parse_lexbor(html)
    assert len(a.scripts) == 1, f"html5lib saw {len(a.scripts)} scripts"
    assert len(b.scripts) == 1, f"lexbor saw {len(b.scripts)} scripts"
    assert a.sentinel_survived, "html5lib: the element after the snippet was swallowed"
    assert b.sentinel_survived, "lexbor: the element after the snippet was swallowed"
    assert a.scripts[0] == b.scripts[0]
    return a.scripts[0]


class JsEngine:
    """A V8 context (mini-racer) with a recording ``personaclick`` or none at all."""

    def __init__(self, *, sdk_loaded: bool = True) -> None:
        self.ctx = MiniRacer()
        self.ctx.eval(_BROWSER_SHIM)
        if sdk_loaded:
            # Stands in for the loaded SDK: records every call's arguments.
            self.ctx.eval(
                "var __calls = [];"
                "window.personaclick = function () {"
                " __calls.push(Array.prototype.slice.call(arguments)); };"
            )

    def run(self, code: str) -> None:
        self.ctx.eval(code)

    def json(self, expression: str) -> Any:
        return json.loads(self.ctx.eval(f"JSON.stringify({expression})"))

    def calls(self) -> list[list[Any]]:
        """Recorded calls (functions become null, as JSON has no functions)."""
        return self.json("__calls")  # type: ignore[no-any-return]

    def queued(self) -> list[list[Any]]:
        """Calls queued by the stub when no SDK was loaded (personaclick.q)."""
        return self.json(  # type: ignore[no-any-return]
            "(window.personaclick.q || [])"
            ".map(function (a) { return Array.prototype.slice.call(a); })"
        )


def run_snippet(html: str, *, sdk_loaded: bool = True) -> list[list[Any]]:
    """Parse ``html`` (one script), execute it in V8, return the recorded calls."""
    code = single_script(html)
    engine = JsEngine(sdk_loaded=sdk_loaded)
    engine.run(code)
    return engine.calls() if sdk_loaded else engine.queued()
