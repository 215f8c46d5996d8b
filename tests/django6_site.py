"""A one-file Django site on Django's own CSP (Django >= 6.0), run by tests/test_django6.py.

It runs in a separate interpreter that has Django 6 installed: the test process
has Django 5.2 (Python 3.11 here). It renders a page with the tags for a logged-in
user, once with Django's ``csp`` context processor (the ``csp_nonce`` variable) and
once without it (``get_nonce(request)``), and prints the responses and the system
check messages as JSON, for the test to check with its oracles (a WHATWG parser, a
JavaScript engine).
"""

from __future__ import annotations

import json
from typing import Any

import django
from django.conf import settings
from django.urls import path

PAGE = (
    "{% load personaclick %}<!DOCTYPE html><html><head>{% personaclick_init %}</head>"
    "<body>{% personaclick_profile_set %}"
    '{% personaclick_profile_get callback="shop.onProfile" %}</body></html>'
)


def page(request: Any) -> Any:
    from django.http import HttpResponse
    from django.template import engines

    return HttpResponse(engines["django"].from_string(PAGE).render({}, request))


urlpatterns = [path("", page)]


def main() -> None:
    from django.utils.csp import CSP

    settings.configure(
        DEBUG=False,
        SECRET_KEY="django6-test-secret",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                        "django.contrib.sessions", "pc_snippets.django"],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.middleware.csp.ContentSecurityPolicyMiddleware",
            "pc_snippets.django.middleware.PersonaClickMiddleware",
        ],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
        SECURE_CSP={"default-src": [CSP.SELF], "script-src": [CSP.NONCE, "'strict-dynamic'"]},
        PERSONACLICK_SHOP_ID="357382bf66ac0ce2f1722677c59511",
        USE_TZ=True,
    )
    django.setup()

    from django.contrib.auth.models import User
    from django.core import checks
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create_user("jane", "Jane.Doe@Mail.com", first_name="Jane",
                                    last_name="Doe")
    pages = {}
    for label, processors in (
        ("csp_nonce variable", ["django.template.context_processors.csp"]),
        ("get_nonce(request)", []),
    ):
        templates = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
                      "OPTIONS": {"context_processors": processors}}]
        with override_settings(TEMPLATES=templates):
            client = Client()
            client.force_login(user)
            response = client.get("/")
        pages[label] = {
            "status": response.status_code,
            "html": response.content.decode(),
            "csp": response.headers.get("Content-Security-Policy", ""),
            "cache": response.headers.get("Cache-Control", ""),
        }
    print(json.dumps({
        "django": django.get_version(),
        "checks": [message.id for message in checks.run_checks()],
        "user": {"external_id": user.pk, "email": user.email, "first_name": user.first_name,
                 "last_name": user.last_name},
        "pages": pages,
    }))


if __name__ == "__main__":
    main()
