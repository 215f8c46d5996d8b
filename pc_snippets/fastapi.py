"""FastAPI: answer invalid requests with 422 and field paths and rule codes only.

FastAPI's default 422 body echoes every refused value (an email, a phone) back to
the client, into access logs and error trackers. :func:`install` replaces the
handlers for request validation errors and for a pydantic ``ValidationError``
raised inside an endpoint (``Profile.model_validate`` on data the endpoint
gathered, which FastAPI would otherwise answer with a 500)::

    from fastapi import FastAPI
    from pc_snippets.fastapi import install

    app = FastAPI()
    install(app)

Bodies look like ``{"detail": [{"loc": ["body", "email"], "field": "body.email",
"type": "invalid_email", "msg": "not a valid email address"}]}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core.errors import public_errors

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

__all__ = ["install", "validation_exception_handler"]


async def validation_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    """A FastAPI exception handler: 422 with :func:`~pc_snippets.core.errors.public_errors`."""
    from fastapi.responses import JSONResponse

    errors: Any = exc
    return JSONResponse({"detail": public_errors(errors)}, status_code=422)


def install(app: FastAPI) -> None:
    """Register :func:`validation_exception_handler` for request validation errors
    and for pydantic ``ValidationError`` raised by endpoints."""
    from fastapi.exceptions import RequestValidationError
    from pydantic import ValidationError

    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    app.add_exception_handler(ValidationError, validation_exception_handler)
