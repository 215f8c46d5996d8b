"""``Cache-Control: private`` for responses that carry a visitor's profile data."""

from __future__ import annotations

from typing import Any

from django.utils.deprecation import MiddlewareMixin  # type: ignore[import-untyped]

from .._integration import private_cache_control
from .hooks import PERSONAL_DATA_ATTRIBUTE

__all__ = ["PersonaClickMiddleware"]


class PersonaClickMiddleware(MiddlewareMixin):  # type: ignore[misc]
    """Marks responses with profile data private, so shared caches never reuse them.

    Put it below ``UpdateCacheMiddleware`` (which must see the header) in
    ``MIDDLEWARE``; its place relative to the CSP middleware does not matter: it
    never reads the nonce. Works for sync and async stacks (``MiddlewareMixin``).
    """

    def process_response(self, request: Any, response: Any) -> Any:
        if getattr(request, PERSONAL_DATA_ATTRIBUTE, False):
            response.headers["Cache-Control"] = private_cache_control(
                response.headers.get("Cache-Control")
            )
        return response
