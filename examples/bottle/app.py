"""Bottle example: a CSP nonce per response, PersonaClick tags, through a 40-line adapter.

Bottle is a framework pc-snippets ships no adapter for; ``personaclick_bottle.py``
next to this file is one, written with the public API in :mod:`pc_snippets.adapter`.

Run:  python examples/bottle/app.py     then open http://127.0.0.1:8080/
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import bottle
from jinja2 import Environment, FileSystemLoader

sys.path.insert(0, str(Path(__file__).resolve().parent))
from personaclick_bottle import install

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret")
DEMO_CUSTOMER = {"id": 100500, "email": "john.doe@examplemail.com", "first_name": "John",
                 "last_name": "Doe"}

app = bottle.Bottle()
app.config.update({
    "personaclick.shop_id": os.environ.get("PERSONACLICK_SHOP_ID",
                                           "357382bf66ac0ce2f1722677c59511"),
    "personaclick.consent": lambda request: {"yes": True, "no": False}.get(
        request.get_cookie("consent", "")),
})
env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)


def logged_in(request: Any) -> bool:
    return request.get_cookie("customer", secret=SECRET_KEY) == "demo"


install(app, env, lambda request: DEMO_CUSTOMER if logged_in(request) else None)


@app.hook("before_request")
def csp_nonce() -> None:
    bottle.request.csp_nonce = secrets.token_urlsafe(16)  # read by the tags (request.csp_nonce)


@app.hook("after_request")
def csp_header() -> None:
    bottle.response.set_header("Content-Security-Policy", (
        f"default-src 'self'; script-src 'nonce-{bottle.request.csp_nonce}' 'strict-dynamic'; "
        "connect-src https:; img-src 'self' https: data:"))


@app.get("/")
def index() -> str:
    return env.get_template("index.html").render(logged_in=logged_in(bottle.request))


@app.post("/login")
def login() -> None:
    bottle.response.set_cookie("customer", "demo", secret=SECRET_KEY, httponly=True)
    bottle.redirect("/")


@app.post("/logout")
def logout() -> None:
    bottle.response.delete_cookie("customer")
    bottle.redirect("/")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080)
