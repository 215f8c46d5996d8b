"""``{% load personaclick %}``: the PersonaClick template tags for Django templates.

.. code-block:: django

    {% personaclick_init %}
    {% personaclick_profile_set %}                 {# request.user #}
    {% personaclick_profile_set order.customer %}  {# another user or a dict #}
    {% personaclick_profile_get callback="shop.onProfile" fill=True %}
    {% personaclick_call "track" "view" product_data %}

Keyword arguments are those of the Jinja tags (``nonce``, ``consent``, ``strict``,
``custom``, ``stream``, ``spa``, ``device_id``, ``callback``, ``event``, ``fill``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template  # type: ignore[import-untyped]
from markupsafe import Markup

from ..._integration import (
    DEFAULT,
    render_call_for,
    render_init_for,
    render_profile_get_for,
    render_profile_set_for,
)
from ..hooks import HOOKS

register = template.Library()


@register.simple_tag(takes_context=True)  # type: ignore[untyped-decorator]
def personaclick_init(
    context: Any,
    *,
    stream: str | None = None,
    spa: bool | None = None,
    device_id: str | None = None,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """The SDK loader and ``init`` (shop id and options from settings)."""
    return render_init_for(HOOKS, context, stream=stream, spa=spa, device_id=device_id,
                           nonce=nonce, consent=consent)


@register.simple_tag(takes_context=True)  # type: ignore[untyped-decorator]
def personaclick_profile_set(
    context: Any,
    profile: Any = DEFAULT,
    *,
    custom: Mapping[str, Any] | None = None,
    strict: bool | None = None,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """``profile set`` for ``profile`` (default ``request.user``; anonymous: nothing)."""
    return render_profile_set_for(HOOKS, context, profile, custom=custom, strict=strict,
                                  nonce=nonce, consent=consent)


@register.simple_tag(takes_context=True)  # type: ignore[untyped-decorator]
def personaclick_profile_get(
    context: Any,
    *,
    callback: str | None = None,
    event: str | bool | None = None,
    fill: bool = False,
    spa: bool | None = None,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """``profile get`` handing the answer to a callback, a DOM event or marked elements."""
    return render_profile_get_for(HOOKS, context, callback=callback, event=event, fill=fill,
                                  spa=spa, nonce=nonce, consent=consent)


@register.simple_tag(takes_context=True)  # type: ignore[untyped-decorator]
def personaclick_call(
    context: Any, command: str, *args: Any, nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """Any other SDK command, e.g. ``{% personaclick_call "track" "view" product %}``."""
    return render_call_for(HOOKS, context, command, *args, nonce=nonce, consent=consent)
