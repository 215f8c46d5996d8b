"""Settings of the test project: sqlite in memory, django-csp 4 with nonces."""

from __future__ import annotations

import os
from pathlib import Path

from csp.constants import NONCE, SELF

HERE = Path(__file__).resolve().parent

SECRET_KEY = "tests-only-secret-key-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
USE_TZ = True
# Django moves the whole process to TIME_ZONE when it starts (default
# America/Chicago, which once made the date tests fail from 00:00 to 06:00 UTC).
# The test project keeps the zone the suite was started in, so that a run under
# TZ=Pacific/Kiritimati tests what it says; with no TZ, the machine's UTC.
_ZONE = os.environ.get("TZ", "")
TIME_ZONE = _ZONE if Path("/usr/share/zoneinfo", _ZONE).is_file() else "UTC"
ROOT_URLCONF = "tests.django_project.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "csp",
    "pc_snippets.django",
    "tests.django_project",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "csp.middleware.CSPMiddleware",
    "pc_snippets.django.middleware.PersonaClickMiddleware",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [HERE / "jinja2"],
        "OPTIONS": {"environment": "pc_snippets.django.jinja2.environment"},
    },
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {"default-src": [SELF], "script-src": [NONCE, "'strict-dynamic'"]},
}

PERSONACLICK_SHOP_ID = "357382bf66ac0ce2f1722677c59511"
PERSONACLICK_CONSENT = "tests.django_project.views.consent"
