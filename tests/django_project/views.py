"""Views of the test project; each renders a real template file."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template import engines
from django.template.loader import render_to_string
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


# What an app sets on a page it wants cached, by browsers and by its CDN.
PUBLIC_HEADERS = {
    "Cache-Control": "public, max-age=600",
    "CDN-Cache-Control": "max-age=600",
    "Surrogate-Control": "max-age=600",
}


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    """The template renders while the body streams, after the middleware has run."""
    # django-csp refuses a nonce first read after its header is written: read now.
    nonce = str(request.csp_nonce)

    def body() -> Any:
        yield "<!-- streamed -->"
        yield render_to_string("page.html", {"title": "Shop", "csp_nonce": nonce},
                               request=request)

    return StreamingHttpResponse(body(), headers=PUBLIC_HEADERS)


def streamed_late(request: HttpRequest) -> StreamingHttpResponse:
    """A streamed page whose view never read the nonce: the tags read it too late."""

    def body() -> Any:
        yield "<!-- streamed -->"
        yield render_to_string("page.html", {"title": "Shop"}, request=request)

    return StreamingHttpResponse(body(), headers=PUBLIC_HEADERS)


def whole(request: HttpRequest) -> HttpResponse:
    html = render_to_string("page.html", {"title": "Shop"}, request=request)
    return HttpResponse(html, headers=PUBLIC_HEADERS)


def style(request: HttpRequest) -> FileResponse:
    """A file: ``?path=`` names it (tests only)."""
    response = FileResponse(open(request.GET["path"], "rb"))  # noqa: SIM115 (closed by Django)
    for name, value in PUBLIC_HEADERS.items():
        response.headers[name] = value
    return response


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an error page with the tags."""
    html = render_to_string("page.html", {"title": "Oops"}, request=request)
    return HttpResponse(html, status=500, headers=PUBLIC_HEADERS)


def contract(request: HttpRequest) -> HttpResponse:
    """The adapter contract's page (tests/adapter_contract.py), with either engine."""
    from pc_snippets.django.events import queue_event
    from tests.adapter_contract import (
        AFTER_QUEUE,
        TEMPLATES,
        VISITORS,
        queued_header,
        route_context,
        route_headers,
        route_queue,
    )

    args = request.GET
    events = route_queue(args)
    if events is not None:  # a view that queues events, then redirects
        queued = [queue_event(request, event, data) for event, data in events]
        response = HttpResponse(status=303, headers=queued_header(queued))
        response["Location"] = AFTER_QUEUE
        return response
    if "visitor" in args:
        request.user = VISITORS[args["visitor"]]  # type: ignore[assignment]
    source = TEMPLATES[args["template"]]
    if args["using"] == "django":
        source = "{% load personaclick %}" + source
    html = engines[args["using"]].from_string(source).render(route_context(args), request)
    return HttpResponse(html, headers=route_headers(args))
