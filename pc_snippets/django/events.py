"""``queue_event(request, "cart", item)``: a ``track`` event sent from the next page.

For a view that redirects (``POST`` then ``303``), as ``django.contrib.messages``
does for messages: the event is checked now and its data (never JavaScript) kept
in ``request.session``; the next page with ``{% personaclick_events %}`` sends it
once, with that page's nonce and consent.
"""

from __future__ import annotations

from typing import Any

from ..adapter import queue_event_for
from .hooks import HOOKS

__all__ = ["queue_event"]


def queue_event(request: Any, event: str, data: Any = None, *, strict: bool | None = None,
                consent: bool | None = None) -> bool:
    """Queue a checked event in the visitor's session; return whether it was queued.

    Not without consent (``PERSONACLICK_CONSENT``), not when nothing valid remains,
    not when the queue is full (each logged by path and rule code). Needs
    ``django.contrib.sessions`` (``RuntimeError`` without a session).
    """
    return queue_event_for(HOOKS, request, event, data, strict=strict, consent=consent)
