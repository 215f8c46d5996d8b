"""The example apps in examples/ run: each page's scripts carry the CSP header's nonce.

Each app (Flask, FastAPI, Django, and Bottle through the example adapter) is driven
through its framework's test client, anonymous and then logged in
as the demo customer. The Django example runs in a subprocess, because it has its
own settings module and this test process has configured Django already.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.pages import calls_named, page_scripts, run_page

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEMO_EMAIL = "john.doe@examplemail.com"


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # Flask finds its templates folder through the module
    spec.loader.exec_module(module)
    return module


def header_nonce(csp: str) -> str:
    match = re.search(r"'nonce-([^']+)'", csp)
    assert match, f"no nonce in the CSP header: {csp}"
    return match.group(1)


def check_page(html: str, csp: str, *, logged_in: bool) -> None:
    nonce = header_nonce(csp)
    scripts = page_scripts(html)
    assert scripts, "the page has no scripts"
    assert {script.nonce for script in scripts} == {nonce}
    profile_sets = calls_named(run_page(html), "profile", "set")
    if logged_in:
        assert [call[2]["email"] for call in profile_sets] == [DEMO_EMAIL]
    else:
        assert profile_sets == []
        assert DEMO_EMAIL not in html


def check_login_flow(client: Any) -> None:
    """Anonymous first, then logged in, through a test client of any of the frameworks."""

    def page() -> tuple[str, Any]:
        response = client.get("/")
        text = response.text if hasattr(response, "text") else response.get_data(as_text=True)
        return text, response.headers

    html, headers = page()
    check_page(html, headers["Content-Security-Policy"], logged_in=False)
    client.post("/login")  # send-once apps: the next page sends the profile
    html, headers = page()
    check_page(html, headers["Content-Security-Policy"], logged_in=True)
    assert "private" in headers["Cache-Control"]


def test_flask_example() -> None:
    check_login_flow(load(EXAMPLES / "flask" / "app.py", "example_flask_app").app.test_client())


def test_fastapi_example() -> None:
    from starlette.testclient import TestClient

    app = load(EXAMPLES / "fastapi" / "app.py", "example_fastapi_app").app
    check_login_flow(TestClient(app, follow_redirects=False))


def test_bottle_example() -> None:
    # Bottle has no adapter of ours: the example's own (examples/bottle/personaclick_bottle.py).
    from werkzeug.test import Client

    check_login_flow(Client(load(EXAMPLES / "bottle" / "app.py", "example_bottle_app").app))


DJANGO_SCRIPT = """
import json, os, sys
sys.path.insert(0, {project!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
import django
django.setup()
from django.core.management import call_command
call_command("check", fail_level="WARNING")
from django.test import Client
client = Client()
pages = [client.get("/")]
client.post("/login")
pages.append(client.get("/"))
print(json.dumps([[page.content.decode(), page["Content-Security-Policy"],
                   page.get("Cache-Control", "")] for page in pages]))
"""


def test_django_example() -> None:
    script = DJANGO_SCRIPT.format(project=str(EXAMPLES / "django"))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    pages: list[Any] = json.loads(out.stdout.strip().splitlines()[-1])
    (anonymous_html, anonymous_csp, _), (html, csp, cache) = pages
    check_page(anonymous_html, anonymous_csp, logged_in=False)
    check_page(html, csp, logged_in=True)
    assert "private" in cache
