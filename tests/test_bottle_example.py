"""The example Bottle adapter (examples/bottle/), held to the adapter contract.

Bottle is a framework pc-snippets ships no adapter for: the example is written
with the public adapter API only, and passes the same contract as the shipped
adapters (it has no sessions, so no send-once).
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

import bottle
import pytest
from jinja2 import DictLoader, Environment
from werkzeug.test import Client

from tests.adapter_contract import (
    SHOP_ID,
    TEMPLATES,
    VISITORS,
    HttpContract,
    WsgiSite,
    route_context,
    route_headers,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "bottle"))
from personaclick_bottle import NAMING, install


def contract_app(config: dict[str, Any]) -> bottle.Bottle:
    app = bottle.Bottle()
    app.config.update(config, catchall=False)  # exceptions reach the test
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True)
    install(app, env, lambda request: VISITORS.get(request.query.get("visitor", "")))

    @app.hook("before_request")
    def nonce() -> None:
        bottle.request.csp_nonce = secrets.token_urlsafe(16)
        bottle.response.set_header("Content-Security-Policy",
                                   f"script-src 'nonce-{bottle.request.csp_nonce}'")

    @app.get("/contract")
    def contract() -> str:
        args = dict(bottle.request.query.items())
        for name, value in route_headers(args).items():
            bottle.response.set_header(name, value)
        return env.get_template(args["template"]).render(route_context(args))

    return app


class BottleSite(WsgiSite):
    def __init__(self, app: bottle.Bottle) -> None:
        super().__init__(Client(app))


class TestBottleContract(HttpContract):
    naming = NAMING

    def config(self, settings: dict[str, Any]) -> dict[str, Any]:
        settings = {"shop_id": SHOP_ID, **settings}
        settings.setdefault(
            "consent", lambda request: self.decisions(request.query.get("choice")))
        return {NAMING(name): value for name, value in settings.items()}

    def site(self, **settings: Any) -> BottleSite:
        return BottleSite(contract_app(self.config(settings)))

    def settings_error(self, **settings: Any) -> str:
        with pytest.raises((TypeError, ValueError)) as info:
            contract_app(self.config(settings))
        return str(info.value)


def test_the_example_adapter_is_about_thirty_lines() -> None:
    source = (Path(__file__).resolve().parent.parent / "examples" / "bottle"
              / "personaclick_bottle.py").read_text(encoding="utf-8")
    code = [line for line in source.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", '"""', "from ", "import "))]
    assert len(code) <= 32, len(code)
