"""Helpers for the browser tests: Debian's Chromium driven by playwright, a local server.

Chromium must be installed (``.ci/run`` installs Debian's ``chromium``); when it
is missing the tests fail with a clear message instead of skipping.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

# Registered before any page script runs (playwright init scripts are exempt from
# the page's CSP), so every violation and every uncaught error is seen.
OBSERVER_SCRIPT = """
window.__violations = [];
window.__errors = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push({directive: e.violatedDirective, blocked: e.blockedURI});
});
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
"""

PC_SNIPPETS = Path(sys.executable).with_name("pc-snippets")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``pc-snippets`` console script (the real entry point)."""
    completed = subprocess.run(
        [str(PC_SNIPPETS), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: PageServer

    def end_headers(self) -> None:
        if self.server.csp is not None:
            self.send_header("Content-Security-Policy", self.server.csp)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        self.server.requests.append(self.path)


class PageServer(http.server.ThreadingHTTPServer):
    """Serves a folder on 127.0.0.1 from a thread; ``csp`` is sent with every response."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_Handler, directory=str(root))
        super().__init__(("127.0.0.1", 0), handler)
        self.csp: str | None = None
        self.requests: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, name: str) -> str:
        return f"{self.origin}/{name}"

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()


@contextmanager
def chromium() -> Iterator[BrowserContext]:
    """A fresh Chromium (new user-data-dir) with the flags from safe-embedding.md."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
            ".ci/run does this. Browser tests never skip."
        )
    user_data = tempfile.mkdtemp(prefix="pc-snippets-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                user_data, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            )
            context.add_init_script(OBSERVER_SCRIPT)
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(user_data, ignore_errors=True)


@contextmanager
def open_page(context: BrowserContext, url: str) -> Iterator[Page]:
    """Open ``url``; requests to anything but the local server are refused and noted.

    ``page.external_requests`` (a list) holds what was refused: a self-contained
    page makes none.
    """
    page = context.new_page()
    external: list[str] = []
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    def refuse(route: Any) -> None:
        external.append(route.request.url)
        route.abort()

    page.route(lambda u: not u.startswith("http://127.0.0.1:"), refuse)
    page.external_requests = external  # type: ignore[attr-defined]
    page.console_errors = console_errors  # type: ignore[attr-defined]
    try:
        page.goto(url, wait_until="load")
        yield page
    finally:
        page.close()


def recorded_calls(page: Page) -> Any:
    """``window.personaclickRecorder.calls`` as JSON data (functions become null)."""
    text = page.evaluate(
        "() => window.personaclickRecorder ? JSON.stringify(window.personaclickRecorder.calls)"
        " : null"
    )
    return None if text is None else json.loads(text)


def wait_for_answer(page: Page) -> Any:
    """The profile get answer shown on the page, once the (fake) SDK has answered."""
    page.wait_for_function(
        "() => { try { JSON.parse(document.getElementById('profile-answer').textContent);"
        " return true } catch (e) { return false } }",
        timeout=10_000,
    )
    return json.loads(page.text_content("#profile-answer") or "")


def violations(page: Page) -> list[dict[str, str]]:
    """CSP violations seen by the ``securitypolicyviolation`` listener."""
    # The event is dispatched asynchronously: let queued tasks run first.
    page.wait_for_timeout(100)
    return page.evaluate("() => window.__violations")  # type: ignore[no-any-return]


#: The browser tests' npm packages (tests/js/package.json, installed by .ci/run).
JS = Path(__file__).resolve().parent / "js"


def node_file(package: str, path: str) -> Path:
    """A file of an npm package pinned in tests/js/package.json, as installed."""
    pins = json.loads((JS / "package.json").read_text(encoding="utf-8"))["dependencies"]
    pin = pins[package].rpartition("@")[2]  # "npm:htmx.org@2.0.11" is an alias
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", pin), f"{package} must be an exact version"
    installed = JS / "node_modules" / package
    if not (installed / path).is_file():
        pytest.fail(f"{installed / path} is missing: run `npm ci --prefix tests/js` "
                    "(.ci/run does). The browser tests never skip.")
    version = json.loads((installed / "package.json").read_text(encoding="utf-8"))["version"]
    if version != pin:
        pytest.fail(f"{package} {version} is installed, {pin} is pinned: run "
                    "`npm ci --prefix tests/js`")
    return installed / path
