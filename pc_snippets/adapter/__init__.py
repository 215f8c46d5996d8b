"""The public API for writing a framework adapter.

An adapter *finds* the inputs of a render (the settings, the current request, the
visitor, the session, a nonce source of its framework's own) and lets the
pipeline do the rest: the nonce order, consent (once per request), anonymous
visitors, send-once, the core renderers. It describes its framework with a
:class:`Hooks` subclass and

- for Jinja templates, installs it with :func:`pc_snippets.jinja.set_hooks`;
  the tags and globals then call the pipeline;
- for other template engines, calls :func:`render_init_for`,
  :func:`render_profile_set_for`, :func:`render_profile_get_for`,
  :func:`render_track_for`, :func:`render_queued_events_for` and
  :func:`render_call_for` from its own tags;
- offers its views :func:`queue_event_for` (an event kept in the session for
  the next page, across a redirect), spelled its framework's way;
- reads its settings from :data:`SETTINGS` (spelled with a :class:`Naming`) with
  :func:`read_settings`, :func:`settings_problems` and :func:`settings_from`
  (or :func:`load_settings`, which does the three);
- marks responses with :func:`make_private` when
  :func:`carries_personal_data` says so for the request (or the body streams:
  :func:`streamed_body`).

Nothing here imports a web framework. The modules, one job each:
:mod:`~pc_snippets.adapter.settings` (the settings table),
:mod:`~pc_snippets.adapter.hooks` (what an adapter supplies),
:mod:`~pc_snippets.adapter.pipeline` (the per-tag pipeline),
:mod:`~pc_snippets.adapter.events` (``track`` tags, the event queue) and
:mod:`~pc_snippets.adapter.orders` (purchase once),
:mod:`~pc_snippets.adapter.context` (reading template contexts),
:mod:`~pc_snippets.adapter.send_once` and :mod:`~pc_snippets.adapter.headers`
(Cache-Control).

>>> hooks = StaticHooks(Settings(shop_id="357382bf66ac0ce2f1722677c59511"))
>>> 'personaclick("init","357382bf66ac0ce2f1722677c59511")' in render_init_for(hooks, {})
True
"""

from __future__ import annotations

from ..core.render import consent_decision
from .context import SANDBOX_CONTEXT, ContextLike, absent, context_value, defined, nonce_text
from .events import (
    EVENTS_SESSION_KEY,
    MAX_QUEUE_CHARACTERS,
    MAX_QUEUED_EVENTS,
    queue_event_for,
    render_queued_events_for,
    render_track_for,
)
from .headers import SHARED_CACHE_HEADERS, make_private, private_cache_control, streamed_body
from .hooks import DEFAULT, REQUEST_KEYS, Hooks, StaticHooks, carries_personal_data, is_anonymous
from .orders import MAX_ORDERS, ORDERS_SESSION_KEY, SentOrders
from .pipeline import (
    render_call_for,
    render_init_for,
    render_profile_get_for,
    render_profile_set_for,
)
from .send_once import SEND_ONCE_SESSION_KEY, SendOnce
from .settings import (
    CONFIG,
    ENVIRONMENT,
    KEYWORDS,
    SETTINGS,
    Naming,
    Setting,
    Settings,
    load_settings,
    read_settings,
    settings_error,
    settings_from,
    settings_markdown,
    settings_problems,
)

__all__ = [
    "CONFIG",
    "DEFAULT",
    "ENVIRONMENT",
    "EVENTS_SESSION_KEY",
    "KEYWORDS",
    "MAX_ORDERS",
    "MAX_QUEUED_EVENTS",
    "MAX_QUEUE_CHARACTERS",
    "ORDERS_SESSION_KEY",
    "REQUEST_KEYS",
    "SANDBOX_CONTEXT",
    "SEND_ONCE_SESSION_KEY",
    "SETTINGS",
    "SHARED_CACHE_HEADERS",
    "ContextLike",
    "Hooks",
    "Naming",
    "SendOnce",
    "SentOrders",
    "Setting",
    "Settings",
    "StaticHooks",
    "absent",
    "carries_personal_data",
    "consent_decision",
    "context_value",
    "defined",
    "is_anonymous",
    "load_settings",
    "make_private",
    "nonce_text",
    "private_cache_control",
    "queue_event_for",
    "read_settings",
    "render_call_for",
    "render_init_for",
    "render_profile_get_for",
    "render_profile_set_for",
    "render_queued_events_for",
    "render_track_for",
    "settings_error",
    "settings_from",
    "settings_markdown",
    "settings_problems",
    "streamed_body",
]
