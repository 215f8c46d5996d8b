"""Views of the example shop. A real shop uses {% personaclick_profile_set %} (request.user)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

DEMO_CUSTOMER = {"id": 100500, "email": "john.doe@examplemail.com", "first_name": "John",
                 "last_name": "Doe"}


def tracking_consent(request: HttpRequest) -> bool | None:
    """PERSONACLICK_CONSENT: the visitor's choice, from a cookie set by a consent banner."""
    return {"yes": True, "no": False}.get(request.COOKIES.get("consent", ""))


def index(request: HttpRequest) -> HttpResponse:
    customer = DEMO_CUSTOMER if request.session.get("logged_in") else None
    return render(request, "index.html", {"customer": customer})


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    request.session["logged_in"] = True
    return HttpResponseRedirect("/")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return HttpResponseRedirect("/")
