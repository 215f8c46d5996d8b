"""The default mapping from a Django user to PersonaClick profile data."""

from __future__ import annotations

from typing import Any

__all__ = ["ID_FIELDS", "user_profile"]

#: Where a user's primary key may go (``PERSONACLICK_USER_ID_FIELD``); ``None``: nowhere.
ID_FIELDS = ("external_id", "id", None)


def user_profile(user: Any, id_field: str | None = "external_id") -> dict[str, Any]:
    """``pk`` -> ``external_id``, the email field, ``first_name``, ``last_name``; empties omitted.

    ``id_field`` is where the primary key goes (``PERSONACLICK_USER_ID_FIELD``):
    ``"external_id"`` by default, the store's own id for a customer and one of
    the keys PersonaClick identifies a person by (with ``email``, ``phone``,
    ``loyalty_id`` and ``telegram_id``); ``"id"`` for the older field, which
    is not one of those keys; ``None`` to leave it out. Works with custom user
    models: the email field is the model's ``get_email_field_name()`` and missing
    name fields are simply skipped. Name another callable in
    ``PERSONACLICK_PROFILE`` for any other mapping.

    >>> from types import SimpleNamespace
    >>> ann = SimpleNamespace(pk=7, email="ann@mail.com", first_name="", last_name="Lee")
    >>> user_profile(ann)
    {'external_id': 7, 'email': 'ann@mail.com', 'last_name': 'Lee'}
    >>> user_profile(ann, "id")
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
        id_field or "": pk if isinstance(pk, int | str) or pk is None else str(pk),
        "email": getattr(user, email_field, None),
        "first_name": getattr(user, "first_name", None),
        "last_name": getattr(user, "last_name", None),
    }
    return {key: value for key, value in values.items()
            if key and value is not None and value != ""}
