"""Flask example: Flask-Talisman CSP with a per-request nonce, PersonaClick tags.

Run:  python examples/flask/app.py     then open http://127.0.0.1:5000/
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, redirect, render_template, request, session
from flask_talisman import Talisman

from pc_snippets.flask import PersonaClick

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ.get("SECRET_KEY", "dev-only-secret"),
    PERSONACLICK_SHOP_ID=os.environ.get("PERSONACLICK_SHOP_ID", "357382bf66ac0ce2f1722677c59511"),
    PERSONACLICK_SEND_ONCE=True,
)
# A strict CSP: only scripts carrying this response's nonce run ('strict-dynamic'
# then trusts the SDK script that the nonced loader adds).
Talisman(
    app,
    force_https=False,
    content_security_policy={"default-src": "'self'", "script-src": "'strict-dynamic'",
                             "connect-src": "https:", "img-src": "'self' https: data:"},
    content_security_policy_nonce_in=["script-src"],
)
personaclick = PersonaClick(app)

DEMO_CUSTOMER = {"id": 100500, "email": "john.doe@examplemail.com", "first_name": "John",
                 "last_name": "Doe"}


@personaclick.profile_loader
def current_customer() -> dict[str, Any] | None:
    # A real shop returns flask_login.current_user here.
    return DEMO_CUSTOMER if session.get("logged_in") else None


@personaclick.consent_loader
def tracking_consent() -> bool | None:
    return {"yes": True, "no": False}.get(request.cookies.get("consent", ""))


@app.get("/")
def index() -> str:
    return render_template("index.html", logged_in=session.get("logged_in", False))


@app.post("/login")
def login() -> Any:
    session["logged_in"] = True
    return redirect("/")


@app.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect("/")


if __name__ == "__main__":
    app.run(debug=True)
