"""The default mapping from a Django user to PersonaClick profile data."""

from __future__ import annotations

from typing import Any

__all__ = ["user_profile"]


def user_profile(user: Any) -> dict[str, Any]:
    """``pk`` -> ``id``, the email field, ``first_name``, ``last_name``; empty values omitted.

    Works with custom user models: the email field is the model's
    ``get_email_field_name()`` and missing name fields are simply skipped. Name
    another callable in ``PERSONACLICK_PROFILE`` for any other mapping.

    >>> from types import SimpleNamespace
    >>> user_profile(SimpleNamespace(pk=7, email="ann@mail.com", first_name="", last_name="Lee"))
    {'id': 7, 'email': 'ann@mail.com', 'last_name': 'Lee'}
    """
    pk = user.pk
    email_field = "email"
    # Django's get_email_field_name is a classmethod: asked of the class, never of
    # the object, so a method attached to the object itself (a sandboxed template
    # dressing a namespace up as a user) is never called.
    get_email_field_name = getattr(type(user), "get_email_field_name", None)
    if callable(get_email_field_name):
        email_field = get_email_field_name()
    values = {
        # UUID and other non-int primary keys are sent as text.
        "id": pk if isinstance(pk, int | str) or pk is None else str(pk),
        "email": getattr(user, email_field, None),
        "first_name": getattr(user, "first_name", None),
        "last_name": getattr(user, "last_name", None),
    }
    return {key: value for key, value in values.items() if value is not None and value != ""}
