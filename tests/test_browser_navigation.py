"""Pages that navigate without reloading, in Debian's Chromium with the real Turbo and htmx.

The libraries are the files npm installs from ``tests/js/package.json`` (exact
versions, ``package-lock.json``), served from ``node_modules`` by a local server
that sends ``script-src 'nonce-N' 'strict-dynamic'`` (or, where a test says so, the
nonce alone) with every response, and no test page may cause a violation. The SDK
is a recording stand-in served for ``https://cdn.personaclick.com/v3.js``: it
replays the loader's queue and records every call. Expected calls are the
inputs as the server-side checks keep them. These tests fail, never skip, without
Chromium or without ``node_modules``.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from pc_snippets import (
    check_event,
    check_profile,
    hx_trigger_header,
    render_htmx_config,
    render_init,
    render_profile_get,
    render_profile_set,
    render_track,
)

from .browser_support import chromium, node_file

JS = Path(__file__).resolve().parent / "js"
NONCE = "bmF2aWdhdGlvbi1ub25jZQ=="
OTHER_NONCE = "YW5vdGhlci1yZXNwb25zZQ=="  # a fragment's own response nonce (htmx)
CSP = f"script-src 'nonce-{NONCE}' 'strict-dynamic'; object-src 'none'; base-uri 'none'"
# Without 'strict-dynamic', a script that a trusted script creates needs the nonce too.
NONCE_ONLY_CSP = f"script-src 'nonce-{NONCE}'; object-src 'none'; base-uri 'none'"
CSPS = {"strict-dynamic": CSP, "nonce only": NONCE_ONLY_CSP}
SHOP_ID = "357382bf66ac0ce2f1722677c59511"
SDK_URL = "https://cdn.personaclick.com/v3.js"

# The SDK stand-in: replays the stub's queue, then records every call.
FAKE_SDK = """(function () {
  var queued = (window.personaclick && window.personaclick.q) || [], calls = [];
  window.personaclickRecorder = {calls: calls};
  window.__sdkRuns = (window.__sdkRuns || 0) + 1;
  window.personaclick = function () { calls.push(Array.prototype.slice.call(arguments)); };
  for (var i = 0; i < queued.length; i++) { window.personaclick.apply(window, queued[i]); }
})();"""

# Test-page code (nonce'd, in <head>, the same on every page so Turbo runs it once):
# what Turbo rendered, and whether <html> carried data-turbo-preview meanwhile.
OBSERVE_TURBO = """window.__renders = [];
document.addEventListener("turbo:render", function () {
  window.__renders.push([location.pathname,
    document.documentElement.hasAttribute("data-turbo-preview")]);
});
document.addEventListener("turbo:visit", function (e) {
  window.__renders.push([new URL(e.detail.url).pathname, "visit:" + e.detail.action]);
});"""


@dataclass
class Response:
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        response = self.server.routes.get(self.path)
        if response is None:
            self.send_error(404)
            return
        time.sleep(response.delay)
        body = response.body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", self.server.csp)
        self.send_header("Cache-Control", "no-store")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Site(http.server.ThreadingHTTPServer):
    """Pages and library files by path, on 127.0.0.1, each sent with the strict CSP."""

    def __init__(self, routes: dict[str, Response], csp: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.csp = csp
        self.requests: list[str] = []

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{path}"


@contextmanager
def serve(routes: dict[str, Response], csp: str = CSP) -> Iterator[Site]:
    site = Site(routes, csp)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.shutdown()
        site.server_close()
        thread.join()


def script_file(path: Path) -> Response:
    return Response(path.read_text(encoding="utf-8"), content_type="text/javascript")


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium() as context:
        yield context


@contextmanager
def open_site(browser: BrowserContext, site: Site, path: str) -> Iterator[Page]:
    """``path`` opened; the SDK's URL answered by the stand-in, anything else refused."""
    page = browser.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.console_errors.append(m.text)  # type: ignore[attr-defined]
            if m.type == "error" else None)
    sdk: list[str] = []

    def fake_sdk(route: Route) -> None:
        sdk.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body=FAKE_SDK)

    page.route(SDK_URL, fake_sdk)
    page.route(lambda u: not u.startswith(("http://127.0.0.1:", SDK_URL)),
               lambda route: route.abort())
    try:
        page.goto(site.url(path), wait_until="load")
        yield page
        # The SDK ran once in the whole journey. (Its URL may be asked for twice: Turbo puts
        # the loader's preload hint back with a cached head, and preloads it again.)
        assert page.evaluate("() => window.__sdkRuns") == 1
        assert set(sdk) == {SDK_URL}
    finally:
        page.close()


def calls(page: Page) -> Any:
    return json.loads(page.evaluate(
        "() => JSON.stringify(window.personaclickRecorder ? personaclickRecorder.calls : null)"))


def settle(page: Page, count: int) -> Any:
    """The recorded calls once there are ``count`` and nothing more came for a while."""
    page.wait_for_function(f"() => window.personaclickRecorder && "
                           f"personaclickRecorder.calls.length >= {count}", timeout=10_000)
    page.wait_for_timeout(300)
    return calls(page)


def violations(page: Page) -> list[Any]:
    page.wait_for_timeout(100)  # securitypolicyviolation is dispatched asynchronously
    return page.evaluate("() => window.__violations")  # type: ignore[no-any-return]


def clean(page: Page) -> None:
    """No CSP violation (under either policy: the loader gives its nonce to the SDK's
    script and to its preload hint), no uncaught error, nothing in the console."""
    assert violations(page) == []
    assert page.evaluate("() => window.__errors") == []
    assert page.console_errors == []  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ the loader

@pytest.mark.parametrize("csp", sorted(CSPS))
@pytest.mark.parametrize("navigation", [None, "turbo", "htmx"])
def test_the_loader_runs_clean_under_each_nonce_csp(browser: BrowserContext,
                                                    navigation: str | None, csp: str) -> None:
    # Without 'strict-dynamic' every script request the loader makes needs the nonce:
    # the SDK's script and its preload hint (a hint without it is refused, reported as a
    # violation, and the SDK is fetched twice).
    init = render_init(SHOP_ID, nonce=NONCE, navigation=navigation)
    body = f'<!DOCTYPE html><html><head><meta charset="utf-8">{init}</head><body></body></html>'
    with serve({"/p.html": Response(body)}, CSPS[csp]) as site, \
            open_site(browser, site, "/p.html") as page:
        assert settle(page, 1) == [["init", SHOP_ID]]
        hints = page.evaluate("() => Array.from(document.querySelectorAll('link'),"
                              " function (l) { return [l.rel, l.nonce] })")
        assert hints == [["dns-prefetch", ""], ["preconnect", ""], ["preload", NONCE]]
        clean(page)


# ------------------------------------------------------------------------------ Turbo

VISITOR = {"email": "jane@mail.com", "first_name": "</script><!--Jane\u2028"}
PAGES: dict[str, list[tuple[str, Any]]] = {
    "a": [("profile", VISITOR), ("view", {"id": "SKU-A", "recommended_by": "<b>x</b>"})],
    "b": [("view", "SKU-B")],
    "c": [("category", "CAT-1"), ("get", None)],
}


def expected(name: str) -> list[list[Any]]:
    out: list[list[Any]] = []
    for kind, data in PAGES[name]:
        if kind == "profile":
            out.append(["profile", "set", check_profile(data).payload])
        elif kind == "get":
            out.append(["profile", "get", None])  # the handler: a function, JSON null
        else:
            out.append(["track", kind, check_event(kind, data).payload])
    return out


def turbo_page(name: str, navigation: str | None, *, init_in_head: bool,
               nonce_meta: bool = False) -> str:
    """Page ``name``: the SDK loader in its head or body, its per-page calls, links.
    ``nonce_meta``: Turbo's ``<meta name="csp-nonce">``, the nonce it gives the scripts
    it re-creates (what a CSP without 'strict-dynamic' needs)."""
    snippets = []
    for kind, data in PAGES[name]:
        if kind == "profile":
            snippets.append(render_profile_set(data, nonce=NONCE, navigation=navigation))
        elif kind == "get":
            snippets.append(render_profile_get(nonce=NONCE, navigation=navigation))
        else:
            snippets.append(render_track(kind, data, nonce=NONCE, navigation=navigation))
    init = render_init(SHOP_ID, nonce=NONCE, spa=True, navigation=navigation)
    turbo = f'<script nonce="{NONCE}" src="/turbo.js"></script>'
    links = "".join(f'<a id="to-{n}" href="/{n}.html">{n}</a> ' for n in PAGES)
    # No prefetch on hover: the server then sees exactly the visits that fetched a page.
    meta = f'<meta name="csp-nonce" content="{NONCE}">' if nonce_meta else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}</title>'
            f'<meta name="turbo-prefetch" content="false">{meta}'
            f'<script nonce="{NONCE}">{OBSERVE_TURBO}</script>{turbo}'
            f'{init if init_in_head else ""}</head><body><h1 id="title">{name}</h1>{links}'
            f'{"" if init_in_head else init}{"".join(snippets)}</body></html>')


def turbo_routes(navigation: str | None, *, nonce_meta: bool = False) -> dict[str, Response]:
    routes = {"/turbo.js": script_file(node_file("@hotwired/turbo",
                                                 "dist/turbo.es2017-umd.js"))}
    for name in PAGES:
        # Page a is slow: the visit back to it shows its cached preview for a while.
        page = turbo_page(name, navigation, init_in_head=name == "a", nonce_meta=nonce_meta)
        routes[f"/{name}.html"] = Response(page, delay=0.4 if name == "a" else 0.0)
    return routes


def visit(page: Page, action: Callable[[], None], name: str) -> None:
    """Run ``action`` and wait until Turbo has loaded page ``name``."""
    page.evaluate("() => { window.__loaded = false; document.addEventListener('turbo:load',"
                  " function () { window.__loaded = true }, {once: true}) }")
    action()
    page.wait_for_function(f"() => window.__loaded && location.pathname === '/{name}.html'"
                           f" && document.getElementById('title').textContent === '{name}'",
                           timeout=10_000)


def journey(page: Page) -> list[Any]:
    """A -> B -> C, back to B, forward to C, then a link to A (cached: a preview first).
    The recorded calls after each step."""
    seen = [settle(page, 3)]
    visit(page, lambda: page.click("#to-b"), "b")
    seen.append(settle(page, 4))
    visit(page, lambda: page.click("#to-c"), "c")
    seen.append(settle(page, 6))
    visit(page, lambda: page.evaluate("history.back()"), "b")
    seen.append(settle(page, 6))
    visit(page, lambda: page.evaluate("history.forward()"), "c")
    seen.append(settle(page, 6))
    visit(page, lambda: page.click("#to-a"), "a")
    seen.append(settle(page, 8))
    return seen


@pytest.mark.parametrize("csp", sorted(CSPS))
def test_turbo_journey_calls_each_page_once(browser: BrowserContext, csp: str) -> None:
    init = ["init", SHOP_ID, None, None, None, None, True]  # isSpa: spa=True
    a, b, c = expected("a"), expected("b"), expected("c")
    routes = turbo_routes("turbo", nonce_meta=csp == "nonce only")
    with serve(routes, CSPS[csp]) as site, open_site(browser, site, "/a.html") as page:
        seen = journey(page)
        assert seen == [
            [init, *a],
            [init, *a, *b],
            [init, *a, *b, *c],
            [init, *a, *b, *c],  # back to B: restored from Turbo's cache, not sent again
            [init, *a, *b, *c],  # forward to C: the same
            [init, *a, *b, *c, *a],  # A again: its preview sends nothing, the fresh page once
        ]
        renders = page.evaluate("() => window.__renders")
        assert renders == [
            ["/b.html", "visit:advance"], ["/b.html", False],
            ["/c.html", "visit:advance"], ["/c.html", False],
            ["/b.html", "visit:restore"], ["/b.html", False],
            ["/c.html", "visit:restore"], ["/c.html", False],
            ["/a.html", "visit:advance"], ["/a.html", True], ["/a.html", False],
        ]
        # Restores came from the cache: each page was fetched once, a twice.
        pages = [r for r in site.requests if r.endswith(".html")]
        assert pages == ["/a.html", "/b.html", "/c.html", "/a.html"]
        clean(page)


def test_turbo_without_navigation_repeats_calls(browser: BrowserContext) -> None:
    # The control: the same journey with the default snippets. Turbo runs the scripts
    # of every body it renders: init on each visit (B and C carry it in their body), a
    # restored page's calls again, and A's calls in its preview and again when fresh.
    init = ["init", SHOP_ID, None, None, None, None, True]
    a, b, c = expected("a"), expected("b"), expected("c")
    with serve(turbo_routes(None)) as site, open_site(browser, site, "/a.html") as page:
        seen = journey(page)
        assert seen[-1] == [init, *a, init, *b, init, *c, init, *b, init, *c, *a, *a]
        clean(page)


def test_turbo_preview_never_sends_even_without_the_marks(browser: BrowserContext) -> None:
    # A page that loses the marks before Turbo caches it (an app's turbo:before-cache
    # handler) and gives back the nonce: its preview would run the snippet again.
    strip = (f'<script nonce="{NONCE}">document.addEventListener("turbo:before-cache",'
             'function () { document.querySelectorAll("[data-personaclick-ran]").forEach('
             'function (s) { s.removeAttribute("data-personaclick-ran");'
             f' s.removeAttribute("data-turbo-eval"); s.setAttribute("nonce", "{NONCE}") }}) }})'
             '</script>')
    routes = turbo_routes("turbo")
    routes["/a.html"].body = routes["/a.html"].body.replace("</head>", strip + "</head>")
    a, b = expected("a"), expected("b")
    with serve(routes) as site, open_site(browser, site, "/a.html") as page:
        settle(page, 3)
        visit(page, lambda: page.click("#to-b"), "b")
        visit(page, lambda: page.click("#to-a"), "a")
        assert settle(page, 6)[1:] == [*a, *b, *a]
        assert ["/a.html", True] in page.evaluate("() => window.__renders")
        clean(page)


# ------------------------------------------------------------------------------ htmx

HTMX = {"htmx 4": ("htmx.org", "dist/htmx.js"), "htmx 2": ("htmx2", "dist/htmx.js")}
VIEWED = {"id": "SKU-</script>", "recommended_by": "<!--\u2028"}
CART = {"id": "Caf\u00e9 \U0001f389 </script>\u2028", "amount": 2, "price": "19.90"}


def htmx_routes(package: str, path: str, *, config: bool) -> dict[str, Response]:
    head = render_htmx_config(NONCE) if config else ""
    init = render_init(SHOP_ID, nonce=NONCE, spa=True, navigation="htmx")
    page = (f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}'
            f'<script nonce="{NONCE}" src="/htmx.js"></script>{init}</head><body>'
            '<button id="load" hx-get="/fragment.html" hx-target="#slot">load</button>'
            '<button id="other" hx-get="/other.html" hx-target="#other-slot">other</button>'
            '<button id="buy" hx-get="/buy" hx-swap="none">buy</button>'
            '<div id="slot"></div><div id="other-slot"></div></body></html>')
    # The fragment was rendered for its own response (another nonce), and brings the
    # loader again, as a page swapped in whole would.
    fragment = ('<p id="viewed">viewed</p>'
                + str(render_init(SHOP_ID, nonce=OTHER_NONCE, spa=True, navigation="htmx"))
                + str(render_track("view", VIEWED, nonce=OTHER_NONCE, navigation="htmx")))
    header = hx_trigger_header("cart", CART)
    assert header is not None
    return {
        "/h.html": Response(page),
        "/htmx.js": script_file(node_file(package, path)),
        "/fragment.html": Response(fragment),
        "/other.html": Response('<p id="other-done">other</p>'),
        "/buy": Response("", headers={"HX-Trigger": header}),
    }


@pytest.mark.parametrize("csp", sorted(CSPS))
@pytest.mark.parametrize("version", sorted(HTMX))
def test_htmx_swap_and_hx_trigger_send_once(browser: BrowserContext, version: str,
                                            csp: str) -> None:
    init = ["init", SHOP_ID, None, None, None, None, True]
    viewed = ["track", "view", check_event("view", VIEWED).payload]
    cart = ["track", "cart", check_event("cart", CART).payload]
    with serve(htmx_routes(*HTMX[version], config=True), CSPS[csp]) as site, \
            open_site(browser, site, "/h.html") as page:
        assert settle(page, 1) == [init]
        page.click("#load")
        page.wait_for_selector("#viewed")
        assert settle(page, 2) == [init, viewed]  # with the page's nonce, once
        page.click("#other")
        page.wait_for_selector("#other-done")
        page.click("#buy")
        assert settle(page, 3) == [init, viewed, cart]  # forwarded once
        assert page.evaluate("() => document.querySelectorAll('#slot script').length") == 2
        clean(page)


@pytest.mark.parametrize("version", sorted(HTMX))
def test_htmx_without_the_config_blocks_swapped_scripts(browser: BrowserContext,
                                                        version: str) -> None:
    # The control: without inlineScriptNonce (and without 'strict-dynamic', which trusts
    # any script a trusted script inserts) the fragment's own nonce is not the page's.
    with serve(htmx_routes(*HTMX[version], config=False), NONCE_ONLY_CSP) as site, \
            open_site(browser, site, "/h.html") as page:
        settle(page, 1)
        page.click("#load")
        page.wait_for_selector("#viewed")
        assert len(settle(page, 1)) == 1
        # The two scripts of the fragment, and nothing else (the loader's own requests
        # carry the page's nonce).
        assert violations(page) == [{"directive": "script-src-elem", "blocked": "inline"}] * 2
