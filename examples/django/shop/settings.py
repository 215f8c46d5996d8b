"""Settings of the example shop: no database, signed-cookie sessions, django-csp nonces."""

from __future__ import annotations

import os
from pathlib import Path

from csp.constants import NONCE, SELF

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me")
DEBUG = True  # also makes PERSONACLICK_STRICT default to True: bad data fails loudly
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "shop.urls"
# The date rules (no birthday after today) use the process's local date, which
# Django sets from TIME_ZONE: name the shop's zone instead of Django's Chicago default.
TIME_ZONE = "UTC"
DATABASES: dict[str, dict[str, str]] = {}
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

INSTALLED_APPS = ["django.contrib.sessions", "csp", "pc_snippets.django", "shop"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "csp.middleware.CSPMiddleware",
    "pc_snippets.django.middleware.PersonaClickMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.template.context_processors.csrf",
    ]},
}]
# A strict CSP: only scripts with this response's nonce run; 'strict-dynamic'
# trusts the SDK script that the nonced loader adds.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF],
    "script-src": [NONCE, "'strict-dynamic'"],
    "connect-src": ["https:"],
    "img-src": [SELF, "https:", "data:"],
}}

PERSONACLICK_SHOP_ID = os.environ.get("PERSONACLICK_SHOP_ID", "357382bf66ac0ce2f1722677c59511")
PERSONACLICK_SEND_ONCE = True
PERSONACLICK_CONSENT = "shop.views.tracking_consent"
