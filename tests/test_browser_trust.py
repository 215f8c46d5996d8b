"""Findings of the trust review, proven in a real browser (Debian's Chromium).

``fill`` must never write into an element that runs or parses its text, a page
element named ``personaclick`` must not stop the snippets, and a host the library
accepts must be the host Chromium's URL parser sees. These tests fail (never skip)
without Chromium.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from pc_snippets import render_init, render_profile_get, render_profile_set
from pc_snippets.core.render import _host

from .browser_support import PageServer, chromium, open_page

SHOP_ID = "357382bf66ac0ce2f1722677c59511"
# What a hostile or careless profile answer might carry.
ANSWER = {"bio": "window.__ran = (window.__ran || 0) + 1;", "name": "Jane <b>x</b>",
          "css": "body{background:red}"}
# A stand-in SDK that answers profile get at once (defined before the snippet).
FAKE_SDK = (
    "<script>window.personaclick = function (cmd, sub, handler) {"
    " if (cmd === 'profile' && sub === 'get') { handler(" + json.dumps(ANSWER) + "); } };"
    "</script>"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium() as context:
        yield context


def serve(tmp_path: Path, body: str) -> str:
    (tmp_path / "page.html").write_text(
        f"<!doctype html><html><head><meta charset=utf-8><title>t</title></head>"
        f"<body>{body}</body></html>", encoding="utf-8")
    return "page.html"


FILL_TARGETS = """
<span id="name" data-personaclick-profile="name">untouched</span>
<p id="bio-text" data-personaclick-profile="bio">untouched</p>
<script id="bio-script" data-personaclick-profile="bio"></script>
<svg><script id="bio-svg" data-personaclick-profile="bio"></script></svg>
<style id="css" data-personaclick-profile="css"></style>
<textarea id="bio-area" data-personaclick-profile="bio"></textarea>
<template id="tpl" data-personaclick-profile="bio"></template>
"""


def test_fill_never_writes_into_scripts_styles_or_svg(
    browser: BrowserContext, tmp_path: Path
) -> None:
    name = serve(tmp_path, FAKE_SDK + FILL_TARGETS + str(render_profile_get(fill=True)))
    with PageServer(tmp_path) as server, open_page(browser, server.url(name)) as page:
        page.wait_for_function("document.getElementById('name').textContent !== 'untouched'")
        page.wait_for_timeout(100)
        state = page.evaluate("""() => ({
            ran: window.__ran || 0,
            name: document.getElementById('name').textContent,
            nameChildren: document.getElementById('name').children.length,
            bioText: document.getElementById('bio-text').textContent,
            script: document.getElementById('bio-script').textContent,
            svg: document.getElementById('bio-svg').textContent,
            css: document.getElementById('css').textContent,
            area: document.getElementById('bio-area').value,
            background: getComputedStyle(document.body).backgroundColor,
        })""")
    assert state == {
        "ran": 0,  # the answer never ran as code
        "name": ANSWER["name"], "nameChildren": 0,  # text, not HTML
        "bioText": ANSWER["bio"],
        "script": "", "svg": "", "css": "", "area": "",
        "background": "rgba(0, 0, 0, 0)",
    }


ROOTED = """
<div id="account"><span id="inside" data-personaclick-profile="name">untouched</span></div>
<span id="outside" data-personaclick-profile="name">untouched</span>
"""


def test_fill_root_limits_filling_to_one_element(browser: BrowserContext, tmp_path: Path) -> None:
    name = serve(tmp_path, FAKE_SDK + ROOTED + str(render_profile_get(fill_root="account")))
    with PageServer(tmp_path) as server, open_page(browser, server.url(name)) as page:
        page.wait_for_function("document.getElementById('inside').textContent !== 'untouched'")
        texts = page.evaluate("() => [inside.textContent, outside.textContent]")
    assert texts == [ANSWER["name"], "untouched"]


def test_a_missing_fill_root_fills_nothing(browser: BrowserContext, tmp_path: Path) -> None:
    snippet = render_profile_get(fill_root="no-such-element", event="probe:answered")
    listener = "<script>document.addEventListener('probe:answered', function () {" \
               " window.__answered = true; });</script>"
    name = serve(tmp_path, listener + FAKE_SDK + ROOTED + str(snippet))
    with PageServer(tmp_path) as server, open_page(browser, server.url(name)) as page:
        page.wait_for_function("window.__answered === true")
        texts = page.evaluate("() => [inside.textContent, outside.textContent]")
    assert texts == ["untouched", "untouched"]


@pytest.mark.parametrize("clobber", [
    '<a id="personaclick" href="#">x</a>',
    '<img name="personaclick" src="data:,">',
    '<form id="personaclick"><input name="q"></form>',
])
def test_an_element_named_personaclick_does_not_stop_the_snippets(
    browser: BrowserContext, tmp_path: Path, clobber: str
) -> None:
    body = clobber + str(render_profile_set({"email": "jane@mail.com"})) + str(
        render_profile_get(event=True))
    name = serve(tmp_path, body)
    with PageServer(tmp_path) as server, open_page(browser, server.url(name)) as page:
        queued = page.evaluate(
            "() => typeof window.personaclick === 'function' ?"
            " JSON.stringify(personaclick.q.map(a => Array.from(a).slice(0, 2))) : null")
        errors = list(page.console_errors)  # type: ignore[attr-defined]
    assert queued is not None, "the stub did not install itself"
    assert json.loads(queued) == [["profile", "set"], ["profile", "get"]]
    assert errors == []


def test_the_stub_keeps_a_real_sdk(browser: BrowserContext, tmp_path: Path) -> None:
    body = ("<script>window.personaclick = function () {"
            " (window.__calls = window.__calls || []).push(arguments[0]); };</script>"
            + str(render_profile_set({"email": "jane@mail.com"})))
    name = serve(tmp_path, body)
    with PageServer(tmp_path) as server, open_page(browser, server.url(name)) as page:
        assert page.evaluate("() => window.__calls") == ["profile"]


ACCEPTED_HOSTS = [
    "api.example.net", "cdn.example.net:8443", "localhost:8000", "a-b.c0.example",
    "xn--e1afmkfd.xn--p1ai", "пример.рф", "API.Example.NET", "x.0xg", "a.b:65535", "a.b:1",
]
REFUSED_HOSTS = [
    "0x7f.1", "1.00", "2130706433", "127.0.0.1", "a.0x", "a.0x1f", "1.2.3.4:80", "a.b:99999",
    "a.b:0", "a.b:080", "a..b", "-a.b", "a-.b", "a_b.com", "a.b.", "a b", "a/b", "a@b",
    "[::1]", "a.b:", "é" * 64 + ".com",
]


def test_accepted_hosts_are_the_hosts_the_browser_sees(
    browser: BrowserContext, tmp_path: Path
) -> None:
    accepted = {host: _host(host, "cdn_host") for host in ACCEPTED_HOSTS}
    name = serve(tmp_path, "")
    with PageServer(tmp_path) as server, open_page(browser, server.url(name)) as page:
        seen = page.evaluate(
            "hosts => hosts.map(h => { try { return new URL('https://' + h + '/v3.js').host }"
            " catch (e) { return null } })", list(accepted.values()))
        refused_seen = page.evaluate(
            "hosts => hosts.map(h => { try { return new URL('https://' + h + '/v3.js').host }"
            " catch (e) { return null } })", REFUSED_HOSTS[:6])
    # The URL the loader builds reaches exactly the host that was configured.
    assert seen == [host.removesuffix(":443") for host in accepted.values()]
    # Why the numeric ones are refused: the WHATWG parser reads them as IPv4 addresses
    # (0x7f.1 and 2130706433 are 127.0.0.1), or refuses the URL (so the SDK would
    # silently never load) when the last label is a number and another is not.
    assert refused_seen == ["127.0.0.1", "1.0.0.0", "127.0.0.1", "127.0.0.1", None, None]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_hosts_a_url_parser_would_reinterpret_are_refused(host: str) -> None:
    with pytest.raises(ValueError, match="DNS host name"):
        render_init(SHOP_ID, cdn_host=host)
    with pytest.raises(ValueError, match="DNS host name"):
        render_init(SHOP_ID, api_host=host)
