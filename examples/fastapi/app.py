"""FastAPI example: a nonce on request.state, a CSP header, PersonaClick tags.

Run:  python examples/fastapi/app.py     then open http://127.0.0.1:8000/
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pc_snippets.starlette import PersonaClickMiddleware, setup

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret")
DEMO_CUSTOMER = {"id": 100500, "email": "john.doe@examplemail.com", "first_name": "John",
                 "last_name": "Doe"}


class CSPNonceMiddleware:
    """A fresh nonce per response: on request.state for templates, in the CSP header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_csp(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = (
                    f"default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; "
                    "connect-src https:; img-src 'self' https: data:"
                )
            await send(message)

        await self.app(scope, receive, send_with_csp)


def current_customer(request: Request) -> dict[str, Any] | None:
    return DEMO_CUSTOMER if request.session.get("logged_in") else None


def tracking_consent(request: Request) -> bool | None:
    return {"yes": True, "no": False}.get(request.cookies.get("consent", ""))


templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
setup(
    templates,
    shop_id=os.environ.get("PERSONACLICK_SHOP_ID", "357382bf66ac0ce2f1722677c59511"),
    profile_loader=current_customer,
    consent=tracking_consent,
    send_once=True,
    secret_key=SECRET_KEY,
)

app = FastAPI()
app.add_middleware(PersonaClickMiddleware)
app.add_middleware(SessionMiddleware, secret_key=SECRET_KEY)
app.add_middleware(CSPNonceMiddleware)


@app.get("/")
def index(request: Request) -> Response:
    return templates.TemplateResponse(
        request, "index.html", {"logged_in": request.session.get("logged_in", False)}
    )


@app.post("/login")
def login(request: Request) -> Response:
    request.session["logged_in"] = True
    return RedirectResponse("/", status_code=303)


@app.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/", status_code=303)


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
