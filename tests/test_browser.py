"""Generated test pages in a real browser (Debian's Chromium through playwright).

Pages are made by the real ``pc-snippets`` command and served from a local
``http.server``. Expected calls are computed with ``check_profile`` from the input
data, never read from the page. These tests fail (never skip) without Chromium.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Route

from pc_snippets import EXAMPLE_PROFILE, check_profile
from pc_snippets.page import FILL_PATHS, SAMPLE_ANSWER, page_name

from .browser_support import (
    PageServer,
    chromium,
    open_page,
    recorded_calls,
    run_cli,
    violations,
    wait_for_answer,
)

NONCE = "c2VjcmV0LW5vbmNlLTE="
SHOP_ID = "357382bf66ac0ce2f1722677c59511"
STRICT_CSP = f"script-src 'nonce-{NONCE}' 'strict-dynamic'; object-src 'none'; base-uri 'none'"


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium() as context:
        yield context


def expected_calls(record: dict[str, Any]) -> list[Any]:
    """What the recorder must hold: the checked payload, then profile get (handler = null)."""
    custom = record.get("custom")
    data = {k: v for k, v in record.items() if k != "custom"}
    payload = check_profile(data, custom=custom).payload
    calls: list[Any] = [["profile", "set", payload]] if payload else []
    return [*calls, ["profile", "get", None]]


def test_example_page_records_the_checked_profile(browser: BrowserContext, tmp_path: Path) -> None:
    assert run_cli("page", "-o", str(tmp_path / "page.html")).returncode == 0
    result = check_profile(EXAMPLE_PROFILE)
    with PageServer(tmp_path) as server, open_page(browser, server.url("page.html")) as page:
        answer = wait_for_answer(page)
        assert recorded_calls(page) == expected_calls(EXAMPLE_PROFILE)
        assert answer == SAMPLE_ANSWER
        # The verdict computed in the page agrees.
        assert "exactly the data" in (page.text_content("#verdict") or "")
        assert "ok" in (page.get_attribute("#verdict", "class") or "")
        # profile get filled the marked elements as text; a missing key stays untouched.
        for path in FILL_PATHS:
            value: Any = SAMPLE_ANSWER
            for key in path.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            shown = page.text_content(f'[data-personaclick-profile="{path}"]')
            assert shown == (str(value) if value is not None else "\u2014"), path
        # The problems the check found are on the page (age_mismatch for the seed data).
        rows = page.eval_on_selector_all(
            "#problems tbody tr", "rows => rows.map(r => r.cells[1].textContent)")
        assert rows == [p.code for p in result.problems]
        assert page.evaluate("() => window.__errors") == []
        assert page.console_errors == []  # type: ignore[attr-defined]
        assert page.external_requests == []  # type: ignore[attr-defined]
        page.screenshot(path=str(tmp_path / "desktop.png"), full_page=True)
        # Readable on a phone: nothing wider than a 360 px screen.
        page.set_viewport_size({"width": 360, "height": 740})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(tmp_path / "phone.png"))
    assert (tmp_path / "phone.png").stat().st_size > 0
    assert server.requests == ["/page.html"]


def test_strict_csp_runs_nonced_snippets_without_violations(
    browser: BrowserContext, tmp_path: Path
) -> None:
    page_file = tmp_path / "page.html"
    assert run_cli("page", "--nonce", NONCE, "-o", str(page_file)).returncode == 0
    # An injected script without the nonce (what an XSS hole would add) proves the
    # policy is enforced: it must be blocked while the nonced snippets run.
    html = page_file.read_text(encoding="utf-8")
    page_file.write_text(
        html.replace("</main>", "<script>window.__injected = true</script></main>", 1),
        encoding="utf-8",
    )
    with PageServer(tmp_path) as server:
        server.csp = STRICT_CSP
        with open_page(browser, server.url("page.html")) as page:
            wait_for_answer(page)
            assert recorded_calls(page) == expected_calls(EXAMPLE_PROFILE)
            assert page.evaluate("() => window.__injected === undefined")
            assert [v["directive"] for v in violations(page)] == ["script-src-elem"]
    with PageServer(tmp_path) as server:
        server.csp = STRICT_CSP
        page_file.write_text(html, encoding="utf-8")  # the page as generated
        with open_page(browser, server.url("page.html")) as page:
            wait_for_answer(page)
            assert recorded_calls(page) == expected_calls(EXAMPLE_PROFILE)
            assert violations(page) == []


def test_wrong_nonce_runs_nothing(browser: BrowserContext, tmp_path: Path) -> None:
    assert run_cli("page", "--nonce", NONCE, "-o", str(tmp_path / "page.html")).returncode == 0
    with PageServer(tmp_path) as server:
        server.csp = STRICT_CSP.replace(NONCE, "d3Jvbmctbm9uY2U=")
        with open_page(browser, server.url("page.html")) as page:
            assert recorded_calls(page) is None
            assert page.evaluate("() => typeof window.personaclick") == "undefined"
            assert page.evaluate("() => typeof window.personaclickTestPage") == "undefined"
            scripts = page.evaluate("() => document.scripts.length")
            blocked = violations(page)
            assert scripts == 4
            assert len(blocked) == scripts
            assert {v["directive"] for v in blocked} == {"script-src-elem"}
            assert "did not run" in (page.text_content("#verdict") or "")


# A stand-in for https://cdn.personaclick.com/v3.js: replays the loader's queue
# into a recorder and answers profile get, like the real SDK does.
FAKE_SDK = """
(function () {
  var queued = (window.personaclick && window.personaclick.q) || [];
  var calls = [];
  window.personaclickRecorder = {calls: calls, sdk: "fake v3.js"};
  window.personaclick = function () {
    var args = Array.prototype.slice.call(arguments);
    calls.push(args);
    if (args[0] === "profile" && args[1] === "get" && typeof args[2] === "function") {
      var cb = args[2];
      setTimeout(function () { cb(ANSWER); }, 0);
    }
  };
  for (var i = 0; i < queued.length; i++) { window.personaclick.apply(window, queued[i]); }
})();
"""


def test_live_page_loads_the_sdk_under_strict_dynamic(
    browser: BrowserContext, tmp_path: Path
) -> None:
    args = ["page", "--shop-id", SHOP_ID, "--stream", "web", "--nonce", NONCE]
    assert run_cli(*args, "-o", str(tmp_path / "live.html")).returncode == 0
    sdk_requests: list[str] = []

    def fake_sdk(route: Route) -> None:
        sdk_requests.append(route.request.url)
        body = FAKE_SDK.replace("ANSWER", json.dumps(SAMPLE_ANSWER))
        route.fulfill(status=200, content_type="application/javascript", body=body)

    with PageServer(tmp_path) as server:
        server.csp = STRICT_CSP
        page = browser.new_page()
        try:
            page.route("https://cdn.personaclick.com/v3.js", fake_sdk)
            page.route(lambda u: not u.startswith(("http://127.0.0.1:", "https://cdn.")),
                       lambda route: route.abort())
            page.goto(server.url("live.html"))
            answer = wait_for_answer(page)
            assert answer == SAMPLE_ANSWER
            assert sdk_requests == ["https://cdn.personaclick.com/v3.js"]
            # The loader's script was trusted through 'strict-dynamic'; every call
            # queued before it arrived was replayed, in order.
            assert recorded_calls(page) == [
                ["init", SHOP_ID, "web"], *expected_calls(EXAMPLE_PROFILE)]
            assert violations(page) == []
        finally:
            page.close()


HOSTILE_TEXT = [
    "</script><script>window.__pwned=1</script>",
    "<!--<script>",
    "</SCRIPT/x>",
    "a\u2028b\u2029c",
    "emoji 🎉👩🏽‍💻 flag 🇺🇦",
    "\u202eRTL override\u202c שלום عربى",
    "]]> --> & &amp; <b>bold</b>",
    "quote ' \" ` \\ backslash",
    "${`template`} {{ jinja }} {% raw %}",
]


def hostile_records(seed: int, count: int) -> list[dict[str, Any]]:
    """Profiles whose text fields and custom properties carry the hostile strings."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        pick = [rng.choice(HOSTILE_TEXT) for _ in range(5)]
        records.append({
            "id": f"user-{n}",
            "first_name": "Ann " + pick[0],
            "last_name": pick[1],
            "location": pick[2],
            "loyalty_status": pick[3],
            "kids": [{"gender": "f", "birthday": "2015-07-28"}],
            "auto": [{"brand": pick[4], "model": "M", "vds": "TM7N243E4G0BJG978"}],
            "custom": {"note": rng.choice(HOSTILE_TEXT), "tags": HOSTILE_TEXT[:3],
                       "nested": {"k": rng.choice(HOSTILE_TEXT)}},
        })
    # Every hostile string at least once in a name field.
    for n, text in enumerate(HOSTILE_TEXT):
        records[n % count]["loyalty_status"] = text
    return records


def test_hostile_profiles_record_exactly_the_data(browser: BrowserContext, tmp_path: Path) -> None:
    records = hostile_records(seed=4, count=len(HOSTILE_TEXT))
    source = tmp_path / "hostile.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    site = tmp_path / "site"
    result = run_cli("page", str(source), "--nonce", NONCE, "-o", str(site))
    assert result.returncode == 0, result.stderr
    with PageServer(site) as server:
        server.csp = STRICT_CSP
        # Start from the index and follow its links, as a person would.
        with open_page(browser, server.url("index.html")) as index:
            links = index.eval_on_selector_all("#profiles a", "as => as.map(a => a.href)")
        assert links == [server.url(page_name(n)) for n in range(1, len(records) + 1)]
        for record, link in zip(records, links, strict=True):
            with open_page(browser, link) as page:
                wait_for_answer(page)
                calls = recorded_calls(page)
                assert calls == expected_calls(record), link
                # The hostile text reached the recorder intact and ran nothing.
                assert page.evaluate("() => window.__pwned") is None
                assert violations(page) == []
                assert page.evaluate("() => window.__errors") == []
                # The fields table shows the same text (HTML-escaped, read back as text).
                payload = calls[0][2]
                cells = page.eval_on_selector_all(
                    "#fields tbody tr",
                    "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])")
                shown = dict(cells)
                assert shown["last_name"] == payload["last_name"]
                assert shown["loyalty_status"] == payload["loyalty_status"]
                assert shown["auto[0].brand"] == payload["auto"][0]["brand"]
                assert "ok" in (page.get_attribute("#verdict", "class") or "")
        with open_page(browser, links[0]) as page:
            wait_for_answer(page)
            page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
