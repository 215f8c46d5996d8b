"""A checkout journey in Debian's Chromium, on one events page under a strict nonce CSP.

The page is made by the real ``pc-snippets page --events`` command and served
from a local ``http.server`` with ``script-src 'nonce-...' 'strict-dynamic'`` (no
'unsafe-inline'). Expected calls are computed with ``check_event`` from the
inputs, and for the journey also written by hand from PersonaClick's docs. These
tests fail (never skip) without Chromium.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from pc_snippets import check_event
from pc_snippets.cli.page import visible

from .browser_support import PageServer, chromium, open_page, recorded_calls, run_cli, violations

NONCE = "am91cm5leS1ub25jZQ=="
STRICT_CSP = f"script-src 'nonce-{NONCE}' 'strict-dynamic'; object-src 'none'; base-uri 'none'"

#: view, cart add, cart replace (a list), purchase; prices as decimal text and numbers.
JOURNEY: list[dict[str, Any]] = [
    {"event": "view", "data": {"id": "SKU-1", "recommended_by": "dynamic"}},
    {"event": "cart", "data": {"id": "SKU-1", "amount": 1, "price": "19.90"}},
    {"event": "cart", "data": [{"id": "SKU-1", "amount": 2, "price": "19.90"},
                               {"id": 7, "amount": "1", "price": 5.5}]},
    {"event": "purchase", "data": {
        "order": "N-000123", "order_price": "45.30", "email": "jane@mail.com",
        "products": [{"id": "SKU-1", "amount": 2, "price": "19.90"},
                     {"id": 7, "amount": 1, "price": 5.5}],
        "promocode": ""}},
]

#: The same calls written by hand from the docs: "19.90" goes out as 19.9, "1" as 1, an
#: empty promocode is omitted, the order id stays text.
JOURNEY_CALLS = [
    ["track", "view", {"id": "SKU-1", "recommended_by": "dynamic"}],
    ["track", "cart", {"id": "SKU-1", "amount": 1, "price": 19.9}],
    ["track", "cart", [{"id": "SKU-1", "amount": 2, "price": 19.9},
                       {"id": 7, "amount": 1, "price": 5.5}]],
    ["track", "purchase", {"order": "N-000123", "order_price": 45.3,
                           "products": [{"id": "SKU-1", "amount": 2, "price": 19.9},
                                        {"id": 7, "amount": 1, "price": 5.5}],
                           "email": "jane@mail.com"}],
]

CANARY = f'</script><script nonce="{NONCE}">window.pwned=1</script>'
HOSTILE: list[dict[str, Any]] = [
    {"event": "view", "data": CANARY},
    {"event": "view", "data": "<!--<script>window.pwned=2//"},
    {"event": "cart", "data": [{"id": "a\u2028b\u2029c", "amount": 1, "price": "1.10"},
                               {"id": "x\ufffey", "line_id": "<img src=x onerror=pwned=3>"},
                               {"id": "lone\ud800"}]},
    {"event": "search", "data": "</SCRIPT><!-- \u2028 q"},
    {"event": "search", "data": "\udc00 lone"},
    {"event": "purchase", "data": {
        "order": "</script><!--N\u20281", "order_price": 1.1,
        "products": [{"id": CANARY, "price": "1.10", "amount": 1}],
        "delivery_address": "\udfff", "custom": {"note": "]]><!-- \u2028"}}},
    {"event": "wish_list_shared", "data": {"label": CANARY, "value": 1, "channel": "<!--"}},
]


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium() as context:
        yield context


def expected(entries: list[dict[str, Any]]) -> list[list[Any]]:
    results = [check_event(e["event"], e.get("data")) for e in entries]
    return [["track", r.event, r.payload] for r in results if r.payload is not None]


def write_page(tmp_path: Path, entries: list[dict[str, Any]]) -> None:
    source = tmp_path / "checkout.jsonl"
    # json.dumps escapes non-ASCII: lone surrogates reach the command as "\ud800" escapes.
    source.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="ascii")
    ran = run_cli("page", "--events", str(source), "--nonce", NONCE,
                  "-o", str(tmp_path / "events.html"))
    assert ran.returncode == 0, ran.stderr


def track_table(page: Page) -> list[dict[str, Any]]:
    """The readable table, as a person reads it: each row's cells as text."""
    return page.eval_on_selector_all("#track-table > tbody > tr", """rows => rows.map(r => ({
        event: r.cells[1].querySelector("code").textContent,
        action: r.cells[1].querySelector(".action").textContent,
        items: Array.from(r.cells[2].querySelectorAll("tr[data-item]")).map(i =>
            Object.fromEntries(Array.from(i.querySelectorAll("[data-key]")).map(
                c => [c.dataset.key, c.textContent]))),
        fields: Object.fromEntries(Array.from(r.cells[3].querySelectorAll("dd")).map(
            d => [d.dataset.key, d.textContent]))}))""")


def shown(value: Any) -> str:
    """A value as the table shows it: text with hidden characters (and U+2028/9) escaped,
    numbers in their JSON spelling."""
    if isinstance(value, str):
        return visible(value).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return json.dumps(value)


def items_shown(items: list[Any]) -> list[dict[str, str]]:
    return [{k: shown(v) for k, v in (i if isinstance(i, dict) else {"id": i}).items()}
            for i in items]


@contextmanager
def open_events(browser: BrowserContext, tmp_path: Path) -> Iterator[Page]:
    """The events page, served under the strict CSP; it loads nothing else."""
    with PageServer(tmp_path) as server:
        server.csp = STRICT_CSP
        with open_page(browser, server.url("events.html")) as page:
            yield page
        assert server.requests == ["/events.html"]


def test_checkout_journey_under_a_strict_nonce_csp(browser: BrowserContext, tmp_path: Path,
                                                   ) -> None:
    write_page(tmp_path, JOURNEY)
    with open_events(browser, tmp_path) as page:
        calls = recorded_calls(page)
        assert calls == JOURNEY_CALLS
        assert calls == expected(JOURNEY)
        assert violations(page) == []
        assert page.evaluate("() => window.__errors") == []
        assert page.console_errors == []  # type: ignore[attr-defined]
        assert page.external_requests == []  # type: ignore[attr-defined]
        verdict = page.text_content("#verdict") or ""
        assert "exactly the events the server-side check kept" in verdict
        assert "ok" in (page.get_attribute("#verdict", "class") or "")
        # The readable table: one row per call, the products and the order laid out.
        rows = track_table(page)
        assert [r["event"] for r in rows] == ["view", "cart", "cart", "purchase"]
        assert [r["action"] for r in rows] == [
            "product view", "adds to the cart", "replaces the cart (2 items)",
            "purchase (2 products)"]
        assert rows[0]["items"] == [{"id": "SKU-1", "recommended_by": "dynamic"}]
        assert rows[1]["items"] == [{"id": "SKU-1", "amount": "1", "price": "19.9"}]
        assert rows[2]["items"] == [{"id": "SKU-1", "amount": "2", "price": "19.9"},
                                    {"id": "7", "amount": "1", "price": "5.5"}]
        assert rows[3]["items"] == rows[2]["items"]
        assert rows[3]["fields"] == {"order": "N-000123", "order_price": "45.3",
                                     "email": "jane@mail.com"}
        # The same, derived from what the check kept.
        for row, (_, _, payload) in zip(rows, expected(JOURNEY), strict=True):
            products = payload["products"] if isinstance(payload, dict) and \
                "products" in payload else payload if isinstance(payload, list) else [payload]
            assert row["items"] == items_shown(products)
        # A text id and a numeric id are told apart (data-type), as the API gets them.
        types = page.eval_on_selector_all(
            "#track-table td[data-key='id']", "cells => cells.map(c => c.dataset.type)")
        assert types == ["text", "text", "text", "number", "text", "number"]
        assert "4 track calls recorded" in (page.text_content("#track-note") or "")


def test_hostile_ids_queries_and_order_ids_arrive_exactly_as_checked(
    browser: BrowserContext, tmp_path: Path,
) -> None:
    write_page(tmp_path, HOSTILE)
    html = (tmp_path / "events.html").read_text(encoding="utf-8")
    assert "window.pwned=1</script>" not in html  # never raw in the page's source
    want = expected(HOSTILE)
    # Lone surrogates are refused as text: the second search is not sent, the cart
    # keeps its two other lines (written out by hand).
    assert [call[1] for call in want] == ["view", "view", "cart", "search", "purchase",
                                          "wish_list_shared"]
    assert [line["id"] for line in want[2][2]] == ["a\u2028b\u2029c", "x\ufffey"]
    with open_events(browser, tmp_path) as page:
        assert recorded_calls(page) == want
        assert page.evaluate("() => window.pwned") is None
        assert page.evaluate("() => document.images.length") == 0
        assert violations(page) == []
        assert page.evaluate("() => window.__errors") == []
        # Only the recorder and one nonced script per event sent: nothing else runs.
        assert page.evaluate("() => document.scripts.length") == 1 + len(want)
        assert "ok" in (page.get_attribute("#verdict", "class") or "")
        rows = track_table(page)
        assert [r["event"] for r in rows] == [call[1] for call in want]
        assert rows[0]["items"] == [{"id": CANARY}]
        cart = next(call[2] for call in want if call[1] == "cart")
        assert rows[2]["items"] == items_shown(cart)
        assert rows[2]["items"][0]["id"] == "a\\u2028b\\u2029c"  # written out by hand
        assert rows[2]["items"][1]["id"] == "x\\ufffey"
        query = next(call[2] for call in want if call[1] == "search")
        assert rows[3]["fields"] == {"query": shown(query)}
        purchase = next(call[2] for call in want if call[1] == "purchase")
        assert rows[4]["fields"]["order"] == shown(purchase["order"])
        assert rows[4]["fields"]["custom.note"] == shown(purchase["custom"]["note"])
        assert rows[4]["items"] == items_shown(purchase["products"])
        custom = want[-1][2]
        assert rows[5]["fields"] == {key: shown(value) for key, value in custom.items()}
        # The problems of the refused fields are listed by path and rule code.
        codes = page.eval_on_selector_all(
            "#problems tbody tr", "rows => rows.map(r => [r.dataset.field, r.dataset.code])")
        results = [check_event(e["event"], e.get("data")) for e in HOSTILE]
        assert codes == [[p.field, p.code] for r in results for p in r.problems]
