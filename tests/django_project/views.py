"""Views of the test project; each renders a real template file."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse

CONSENT_ASKED = 0  # how many times the decision was asked (tests read it)


def consent(request: HttpRequest) -> bool | None:
    """PERSONACLICK_CONSENT: the visitor's choice from a cookie; no cookie, no decision."""
    global CONSENT_ASKED
    CONSENT_ASKED += 1
    return {"yes": True, "no": False}.get(request.COOKIES.get("consent", ""))


def _cache(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if "cache" in request.GET:
        response.headers["Cache-Control"] = request.GET["cache"]
    return response


def page(request: HttpRequest) -> HttpResponse:
    return _cache(request, TemplateResponse(request, "page.html", {"title": "<Shop>"}))


def jinja_page(request: HttpRequest) -> HttpResponse:
    return _cache(request, render(request, "page.jinja", {"title": "<Shop>"}, using="jinja2"))


def explicit(request: HttpRequest) -> HttpResponse:
    customer: Any = {key: request.GET[key] for key in ("email", "first_name") if key in request.GET}
    return render(request, "explicit.html", {"customer": customer})


def mapped_profile(user: Any) -> dict[str, Any]:
    """A PERSONACLICK_PROFILE replacement: sends the username as a custom-free id."""
    return {"id": f"user-{user.pk}", "email": user.email, "location": "NY"}
