"""A stand-in for Django >= 6.0's ``django.middleware.csp`` (this machine has Django 5.2).

Django 6 needs Python >= 3.12; only the parts pc_snippets relies on are
reproduced, following Django 6's documented behaviour: the middleware puts a lazy
nonce on the request (``request._csp_nonce``; false until first read), public
``get_nonce(request)`` returns it, the ``csp`` context processor exposes it as
``csp_nonce``, and the header only carries a nonce that something read.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject, empty


class LazyNonce(SimpleLazyObject):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(lambda: base64.b64encode(os.urandom(16)).decode("ascii"))

    def __bool__(self) -> bool:
        return self._wrapped is not empty


def get_nonce(request: Any) -> Any:
    return getattr(request, "_csp_nonce", None)


def csp(request: Any) -> dict[str, Any]:
    """Django 6's ``django.template.context_processors.csp``."""
    return {"csp_nonce": get_nonce(request)}


class ContentSecurityPolicyMiddleware(MiddlewareMixin):  # type: ignore[misc]
    def process_request(self, request: Any) -> None:
        request._csp_nonce = LazyNonce()

    def process_response(self, request: Any, response: Any) -> Any:
        nonce = request._csp_nonce
        script_src = f"'nonce-{nonce}' 'strict-dynamic'" if nonce else "'strict-dynamic'"
        response.headers["Content-Security-Policy"] = f"script-src {script_src}"
        return response
