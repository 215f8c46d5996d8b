"""Commerce events in the pipeline: ``track`` tags, purchase once, and the event queue.

:func:`render_track_for` is the ``personaclick_track`` tag: the event checked with
the adapter's settings (guard, phone region, ``track_mapping``), under its nonce
and consent. A ``purchase`` is rendered once per order and session
(:class:`~pc_snippets.adapter.orders.SentOrders`): a reload of the thank-you page,
the back button or a second tab does not count it twice.

:func:`queue_event_for` is for a view that redirects (``POST /cart`` then
``303``): it checks the event and keeps its checked *data*, never JavaScript, in
the session; :func:`render_queued_events_for` (the ``personaclick_events`` tag)
renders what is queued once, on the next page that has the tag, with that page's
nonce and consent, and empties the queue. The queue is bounded
(:data:`MAX_QUEUED_EVENTS` events, :data:`MAX_QUEUE_CHARACTERS` characters of
data: a cookie session holds about 4 KB), and nothing is queued without consent.

>>> from pc_snippets.adapter import StaticHooks, Settings
>>> class SessionHooks(StaticHooks):
...     store: dict = {}
...     def request(self, context): return "the request"
...     def session(self, request): return self.store
>>> hooks = SessionHooks(Settings())
>>> queue_event_for(hooks, "the request", "cart", {"id": "SKU-1", "amount": 2})
True
>>> print(render_queued_events_for(hooks, {}))
<script>...personaclick("track","cart",{"id":"SKU-1","amount":2});</script>
>>> render_queued_events_for(hooks, {})  # sent once
Markup('')
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup

from ..core.consent_gate import ConsentSource
from ..core.events import EventResult, check_event
from ..core.logs import log_problems
from ..core.problems import Problem
from ..core.render import nonce_attribute, render_fresh_track
from .context import ContextLike, absent
from .hooks import PERSONAL_DATA, Hooks
from .orders import SentOrders
from .pipeline import _consent, _gate, _inputs, _withheld
from .settings import Settings

__all__ = [
    "EVENTS_SESSION_KEY",
    "MAX_QUEUED_EVENTS",
    "MAX_QUEUE_CHARACTERS",
    "queue_event_for",
    "render_queued_events_for",
    "render_track_for",
]

#: Session key of the event queue: a list of ``[event, checked data as JSON text]``
#: pairs (text, because some sessions' serializers sort keys: Flask's does).
EVENTS_SESSION_KEY = "_personaclick_events"
#: At most this many events wait in one session's queue.
MAX_QUEUED_EVENTS = 10
#: At most this many characters of JSON data wait in one session's queue.
MAX_QUEUE_CHARACTERS = 3000


def _check(settings: Settings, event: str, data: Any, strict: bool | None) -> EventResult:
    result = check_event(event, data, guard=settings.guard, phone_region=settings.phone_region,
                         track_mapping=settings.track_mapping,
                         strict=settings.strict if strict is None else strict)
    if result.problems:
        log_problems(result.problems)  # path and rule code; what was refused, and why
    return result


def _render(hooks: Hooks, request: Any, result: EventResult, attribute: str,
            navigation: str | None, source: ConsentSource | None) -> Markup:
    """One checked event's script; ``""`` for a purchase this session already sent."""
    payload = result.payload
    state = None if request is None else hooks.request_state(request)
    if result.event == "purchase":
        order = payload.get("order")
        session = hooks.session(request)
        if order is not None and session is not None:
            orders = SentOrders(session, hooks.secret_key())
            if orders.seen(order):
                return Markup()
            orders.remember(order)
        if state is not None:  # an order's email and phone: never in a shared cache
            state[PERSONAL_DATA] = True
    return render_fresh_track(result.event, payload, attribute, result._floats, navigation,
                              source)


def render_track_for(
    hooks: Hooks,
    context: ContextLike,
    event: str,
    data: Any = None,
    *,
    strict: bool | None = None,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """``personaclick("track", event, data)`` for checked data, with the adapter's inputs.

    Nothing without consent, for an event left without what it needs (logged), or
    for a ``purchase`` whose order this session already sent. Strict mode (the
    setting, or ``strict=True``) raises :class:`~pc_snippets.EventError`.
    """
    settings, found, nonce, request = _inputs(hooks, context, nonce)
    if _withheld(settings, found, consent):
        return Markup()
    if isinstance(data, Undefined):  # a template's missing variable: no data
        data = absent(data)
    result = _check(settings, event, data, strict)
    if result.payload is None:
        return Markup()
    return _render(hooks, request, result, nonce_attribute(nonce), settings.navigation,
                   _gate(settings, found, consent))


def queue_event_for(
    hooks: Hooks,
    request: Any,
    event: str,
    data: Any = None,
    *,
    strict: bool | None = None,
    consent: bool | None = None,
) -> bool:
    """Check an event now and keep its data in the session for the next page.

    Returns whether it was queued: not when the adapter is disabled, consent is
    refused, nothing valid remains (logged by path and rule code), or the queue
    is full (logged as ``queue_full``). Strict mode raises
    :class:`~pc_snippets.EventError` for bad data. A framework without a session
    for this request raises ``RuntimeError``: queuing needs one.
    """
    context = {"request": request}
    settings = hooks.settings(context)
    if not settings.enabled:
        return False
    decided = settings.consent
    if not (decided is None or decided is True or decided is False):
        decided = _consent(hooks, decided, context, request)
    if _withheld(settings, decided, consent):
        return False
    result = _check(settings, event, data, strict)
    if result.payload is None:
        return False
    session = hooks.session(request)
    if session is None:
        raise RuntimeError("queue_event needs the visitor's session (install the "
                           "framework's sessions), to keep the event for the next page")
    queued = _queued(session)
    entry = [result.event, json.dumps(result.payload, separators=(",", ":"))]
    size = sum(len(item[1]) for item in [*queued, entry] if isinstance(item, list)
               and len(item) == 2 and isinstance(item[1], str))
    if len(queued) >= MAX_QUEUED_EVENTS or size > MAX_QUEUE_CHARACTERS:
        log_problems((Problem("queue", "queue_full",
                              "the session's event queue is full: the event is not queued"),))
        return False
    # A new list, assigned: every framework's session sees the change.
    session[EVENTS_SESSION_KEY] = [*queued, entry]
    return True


def _queued(session: MutableMapping[str, Any]) -> list[Any]:
    # What the session holds, if it is a queue at all (anything else is dropped).
    queued = session.get(EVENTS_SESSION_KEY)
    return list(queued) if isinstance(queued, list) else []


def render_queued_events_for(
    hooks: Hooks,
    context: ContextLike,
    *,
    nonce: str | None = None,
    consent: bool | None = None,
) -> Markup:
    """The session's queued events, each once, with this page's nonce and consent.

    The queue is emptied either way: what a refusing visitor queued is not kept.
    Each entry is checked again (lenient, whatever the settings: a session may
    hold data from an older release, and a queued event must never break the
    page it lands on); a queued ``purchase`` still counts once per order.
    """
    settings, found, nonce, request = _inputs(hooks, context, nonce)
    session = None if request is None else hooks.session(request)
    if session is None or EVENTS_SESSION_KEY not in session or not settings.enabled:
        return Markup()  # (disabled, or no nonce this response: kept for the next page)
    queued = _queued(session)
    del session[EVENTS_SESSION_KEY]
    if _withheld(settings, found, consent) or not queued:
        return Markup()
    attribute = nonce_attribute(nonce)
    source = _gate(settings, found, consent)  # this page's consent source, as its own tags
    scripts = []
    for entry in queued:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], str)):
            continue  # not ours
        try:
            result = _check(settings, entry[0], json.loads(entry[1]), False)
        except ValueError:  # not JSON, or not an event name: not ours
            continue
        if result.payload is not None:
            scripts.append(_render(hooks, request, result, attribute, settings.navigation,
                                   source))
    state = None if request is None else hooks.request_state(request)
    if scripts and state is not None:
        state[PERSONAL_DATA] = True  # one visitor's own actions
    return Markup("").join(scripts)
