"""Generated test pages in a real browser (Debian's Chromium through playwright).

Pages are made by the real ``pc-snippets`` command and served from a local
``http.server``. Expected calls are computed with ``check_profile`` from the input
data, never read from the page. These tests fail (never skip) without Chromium.
"""

from __future__ import annotations

import json
import random
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Route

from pc_snippets import EXAMPLE_PROFILE, check_profile
from pc_snippets.cli.page import FILL_PATHS, SAMPLE_ANSWER, page_name

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


def png_pixels(data: bytes) -> list[tuple[int, int, int]]:
    """The RGB pixels of an 8-bit RGB/RGBA PNG (what Chromium writes), stdlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) in ((8, 2, 0), (8, 6, 0))
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    pixels = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                c = prev[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        pixels += [tuple(line[x:x + 3]) for x in range(0, stride, bpp)]
        prev = line
    assert len(pixels) == width * height
    return pixels  # type: ignore[return-value]


def near(pixels: list[tuple[int, int, int]], colour: str, tolerance: int = 24) -> int:
    """How many pixels are within ``tolerance`` (per channel) of ``#rrggbb``."""
    want = bytes.fromhex(colour[1:])
    return sum(all(abs(p - w) <= tolerance for p, w in zip(pixel, want, strict=True))
               for pixel in pixels)


# From templates/_style.css: --ink (text), --bg (table header), --ok / --bad (verdict).
INK, HEADER_BG, OK_GREEN, BAD_RED = "#1b1f24", "#f6f8fa", "#1a7f37", "#cf222e"


def what_is_shown(verdict: bytes, table: bytes) -> dict[str, bool]:
    """What a person sees: a green verdict (not the red "did not run") and a filled table."""
    shown, cells = png_pixels(verdict), png_pixels(table)
    return {
        "green verdict": near(shown, OK_GREEN) > 100,
        "no red verdict": near(shown, BAD_RED) == 0 and len(set(shown)) > 1,
        "anti-aliased text": len(set(cells)) > 20,  # many shades, not a flat box
        "dark table text": near(cells, INK) > 500,
        "table header": near(cells, HEADER_BG, 2) > 1000,
    }


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
        desktop = page.viewport_size
        boxes = [page.locator(f"#{name}").bounding_box() for name in ("verdict", "fields")]
        # The table's top (header and first rows): decoding in Python is slow.
        clips = [{"x": box["x"], "y": box["y"], "width": box["width"],
                  "height": min(box["height"], 300)} for box in boxes if box]
        assert len(clips) == 2
        shown = what_is_shown(*(page.screenshot(clip=clip, full_page=True) for clip in clips))
        assert all(shown.values()), shown
        # Readable on a phone: nothing wider than a 360 px screen.
        page.set_viewport_size({"width": 360, "height": 740})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        phone = page.screenshot(path=str(tmp_path / "phone.png"))
        verdict = page.locator("#verdict").bounding_box()
        assert verdict is not None
        assert verdict["y"] + verdict["height"] <= 740  # the verdict is on the first screen
        assert near(png_pixels(phone), OK_GREEN) > 100
        # The same regions of a blank page fail every check: they can tell.
        assert desktop is not None
        page.set_viewport_size(desktop)
        page.set_content("<body style='margin:0;height:5000px'></body>")
        blank = what_is_shown(*(page.screenshot(clip=clip, full_page=True) for clip in clips))
        assert not any(blank.values()), blank
        assert near(png_pixels(page.screenshot()), OK_GREEN) == 0
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


NO_DIGITS = str.maketrans("", "", "0123456789")


def hostile_records(seed: int, count: int) -> list[dict[str, Any]]:
    """Profiles whose text fields and custom properties carry the hostile strings."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        pick = [rng.choice(HOSTILE_TEXT) for _ in range(5)]
        records.append({
            "id": f"user-{n}",
            # Names without digits: a digit in a name is the guard's name_with_digits.
            "first_name": "Ann " + pick[0].translate(NO_DIGITS),
            "last_name": pick[1].translate(NO_DIGITS) or "Lee",
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


# Every text node of an identifier (the pieces between <wbr>s, and escapes) must sit
# on one line: a line break inside one is a word split mid-word.
SPLIT_IDENTIFIERS = """() => {
  const split = [], wrapped = [];
  for (const code of document.querySelectorAll("code.id")) {
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const tops = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                               .map(r => Math.round(r.top)));
      if (lines.size > 1) split.push(node.textContent);
      lines.forEach(top => tops.add(top));
    }
    if (tops.size > 1) wrapped.push(code.textContent);
  }
  return {split, wrapped, count: document.querySelectorAll("code.id").length};
}"""

LONG_KEY = "the_customers_favourite_running_shoe_size_in_the_winter_time"


@pytest.mark.parametrize("width", [375, 1280])
def test_identifiers_wrap_only_at_separators(
    browser: BrowserContext, tmp_path: Path, width: int
) -> None:
    records = [
        dict(EXAMPLE_PROFILE, custom={LONG_KEY: "42", "loyalty_programme_member_since": "2019"}),
        {"first_name": "Ann", "kids": [{"gender": "f", "birthday": "2990-01-01"}],
         "email": "nope", "custom": {"Bad Key": 1}},
    ]
    source = tmp_path / "people.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    site = tmp_path / "site"
    assert run_cli("page", str(source), "-o", str(site)).returncode == 0
    with PageServer(site) as server:
        for name in ("index.html", page_name(1), page_name(2)):
            with open_page(browser, server.url(name)) as page:
                page.set_viewport_size({"width": width, "height": 900})
                found = page.evaluate(SPLIT_IDENTIFIERS)
                page.screenshot(path=str(tmp_path / f"{width}-{name}.png"), full_page=True)
                assert found["count"] > 3, name
                assert found["split"] == [], (name, found)
                assert page.evaluate("() => document.documentElement.scrollWidth") <= width
                if width == 375 and name == page_name(1):
                    # The long custom key had to wrap, and did so at "_" only.
                    assert LONG_KEY in found["wrapped"], found
    # The check can tell: under the old style (break anywhere) it finds split words.
    with PageServer(site) as server, open_page(browser, server.url(page_name(1))) as page:
        page.set_viewport_size({"width": 375, "height": 900})
        page.add_style_tag(content="td, code.id { overflow-wrap: anywhere !important }")
        assert page.evaluate(SPLIT_IDENTIFIERS)["split"] != []
