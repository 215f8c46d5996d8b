"""``pc-snippets page --consent-source KIND`` in Debian's Chromium, under a strict nonce CSP.

For each kind with a stand-in CMP on the page: before any choice the recorder shows no
call; Accept releases exactly what the server-side check keeps of the example profile
(``profile set`` with the checked payload, then the ``profile get`` demo); Withdraw
then records ``reset_session`` once and nothing else; on a fresh page Refuse records
nothing. No CSP violation, no console error, no uncaught error. Never skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from pc_snippets import EXAMPLE_PROFILE, check_profile

from .browser_support import (
    PageServer,
    chromium,
    open_page,
    recorded_calls,
    run_cli,
    violations,
)

KINDS = ("tcf", "google", "cookiebot", "onetrust")
NONCE = "YnJvd3Nlci1wYWdlLWNvbnNlbnQ="
STRICT_CSP = f"script-src 'nonce-{NONCE}' 'strict-dynamic'; object-src 'none'; base-uri 'none'"


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium() as context:
        yield context


def released() -> list[Any]:
    """What Accept must release: the checked payload, then profile get (its handler: null)."""
    payload = check_profile(EXAMPLE_PROFILE).payload
    assert payload
    return [["profile", "set", payload], ["profile", "get", None]]


def state(page: Page) -> str:
    return page.text_content("#consent-state") or ""


def settle(page: Page) -> None:
    page.wait_for_timeout(150)  # consent callbacks and the recorder run in later tasks


def clean(page: Page) -> None:
    assert violations(page) == []
    assert page.evaluate("() => window.__errors") == []
    assert page.console_errors == []  # type: ignore[attr-defined]
    assert page.external_requests == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_accept_releases_withdraw_resets_refuse_holds_back(
    browser: BrowserContext, tmp_path: Path, kind: str
) -> None:
    ran = run_cli("page", "--consent-source", kind, "--nonce", NONCE,
                  "-o", str(tmp_path / "page.html"))
    assert ran.returncode == 0, ran.stderr
    with PageServer(tmp_path) as server:
        server.csp = STRICT_CSP
        with open_page(browser, server.url("page.html")) as page:
            settle(page)
            assert state(page) == "waiting for consent"
            assert recorded_calls(page) == []
            assert page.locator("#call-list li").count() == 0
            page.click("#consent-accept")
            page.wait_for_function("() => personaclickRecorder.calls.length >= 2",
                                   timeout=10_000)
            settle(page)
            assert state(page) == "accepted"
            assert recorded_calls(page) == released()
            assert page.locator("#call-list li").count() == 2
            page.click("#consent-withdraw")
            settle(page)
            assert state(page) == "withdrawn"
            assert recorded_calls(page) == [*released(), ["reset_session"]]
            # Nothing more on that page: a second withdrawal sends nothing.
            page.click("#consent-withdraw")
            settle(page)
            assert recorded_calls(page) == [*released(), ["reset_session"]]
            clean(page)
        with open_page(browser, server.url("page.html")) as page:
            settle(page)
            page.click("#consent-refuse")
            settle(page)
            assert state(page) == "refused"
            assert recorded_calls(page) == []
            assert page.locator("#call-list li").count() == 0
            clean(page)
