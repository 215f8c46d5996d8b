"""``Cache-Control: private`` for responses that carry (or may carry) a visitor's profile data."""

from __future__ import annotations

from typing import Any

from django.utils.deprecation import MiddlewareMixin  # type: ignore[import-untyped]

from ..adapter import carries_personal_data, make_private, streamed_body

__all__ = ["PersonaClickMiddleware"]


class PersonaClickMiddleware(MiddlewareMixin):  # type: ignore[misc]
    """Marks responses with profile data private, so shared caches never reuse them.

    Put it below ``UpdateCacheMiddleware`` (which must see the header) in
    ``MIDDLEWARE``; its place relative to the CSP middleware does not matter: it
    never reads the nonce. Works for sync and async stacks (``MiddlewareMixin``).
    """

    def process_response(self, request: Any, response: Any) -> Any:
        # A StreamingHttpResponse's body is produced after this runs, so whether it
        # will carry profile data is not known yet: private up front (the rule is
        # adapter.headers.streamed_body's; a FileResponse has a Content-Length and
        # is left alone). handler500's page passes here too.
        if carries_personal_data(getattr(request, "__dict__", None)) or streamed_body(
            response.status_code, response.streaming, response.headers.get("Content-Length")
        ):
            make_private(response.headers)
        return response
