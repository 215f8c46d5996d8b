"""Snippets for pages that navigate without reloading: Turbo Drive and htmx.

The renderers take ``navigation="turbo"`` or ``navigation="htmx"`` (default
``None``: the snippets are exactly as without this module) and wrap their code:

- the loader and ``init`` run once per window (a full page load): a Turbo visit or
  an htmx swap that brings ``init`` again finds the flag set and returns;
- a per-page call (profile set, profile get, track) runs once per page render:
  never while Turbo shows a cached *preview* (``data-turbo-preview`` on
  ``<html>``), never again from a snapshot. It marks its own element
  ``data-turbo-eval="false"`` as it runs, which Turbo's ``activateScriptElement``
  honours when it renders a cached snapshot (restore or preview), and
  ``data-personaclick-ran``, which it checks itself for any library that copies a
  script's attributes when it re-creates it (htmx does);
- with ``"htmx"`` the loader also forwards the :data:`HTMX_TRACK_EVENT` event,
  which an ``HX-Trigger`` response header made by :func:`hx_trigger_header`
  raises, to ``personaclick("track", ...)``.

:func:`render_htmx_config` writes the ``<meta name="htmx-config">`` that gives
scripts swapped in by htmx the page's nonce. As everywhere, the JavaScript here
is constant code, and data goes through :func:`~pc_snippets.core.serialize.dumps_js`.

>>> value = hx_trigger_header("view", {"id": "SKU-1"})
>>> value
'{"personaclick:track":{"event":"view","data":{"id":"SKU-1"}}}'
>>> print(render_htmx_config("cmFuZG9t"))
<meta name="htmx-config" content='{&#34;inlineScriptNonce&#34;:&#34;cmFuZG9t&#34;}'>
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from .events import check_event
from .guard import Guard
from .logs import log_problems
from .problems import Problem
from .render import consent_decision, nonce_text
from .serialize import UnsafeValueError, dumps_js

__all__ = [
    "HTMX_TRACK_EVENT",
    "HX_TRIGGER_MAX_BYTES",
    "NAVIGATIONS",
    "NAVIGATION_RULES",
    "HxTriggerError",
    "check_navigation",
    "hx_trigger_header",
    "init_code",
    "page_code",
    "render_htmx_config",
]

#: The values of the renderers' ``navigation`` keyword (besides ``None``).
NAVIGATIONS = ("turbo", "htmx")
#: The DOM event an ``HX-Trigger`` header raises for a ``track`` call.
HTMX_TRACK_EVENT = "personaclick:track"
#: Default bound of an ``HX-Trigger`` value: servers and proxies refuse large headers
#: (8 KiB for all of them together is a common limit).
HX_TRIGGER_MAX_BYTES = 4096
#: Rule codes of this module (part of ``pc_snippets.RULES``).
NAVIGATION_RULES: dict[str, str] = {
    "header_too_large": "an HX-Trigger header value over its size bound (4,096 bytes by "
                        "default): the event is not sent",
}

# A per-page call: skipped while Turbo shows a preview and when its element has run
# before (a snapshot, or a copy htmx made); otherwise it marks its element, then runs.
_PAGE_OPEN = (
    "(function(d,s){"
    "if(d.documentElement.hasAttribute(\"data-turbo-preview\")||"
    "s&&s.hasAttribute(\"data-personaclick-ran\")){return}"
    "if(s){s.setAttribute(\"data-personaclick-ran\",\"\");"
    "s.setAttribute(\"data-turbo-eval\",\"false\")}"
)
_PAGE_CLOSE = "})(document,document.currentScript);"
# The loader and init: once per window. The flag is compared with true, so an element
# with id="__pcSnippetsInit" (a DOM-clobbered global) cannot stand for it. The element
# is marked before the test: a snapshot never re-creates it (with its hidden nonce).
_INIT_OPEN = (
    "(function(w,s){if(s){s.setAttribute(\"data-turbo-eval\",\"false\")}"
    "if(w.__pcSnippetsInit===true){return}w.__pcSnippetsInit=true;"
)
_INIT_CLOSE = "})(window,document.currentScript);"
# htmx raises the header's event with {event, data} as its detail (htmx 2 adds elt):
# only those two go to the SDK.
_HTMX_FORWARD = (
    "document.addEventListener(" + dumps_js(HTMX_TRACK_EVENT) + ",function(e){var t=e.detail;"
    "if(t&&typeof t.event===\"string\"&&t.data!==undefined)"
    "{personaclick(" + dumps_js("track") + ",t.event,t.data)}});"
)


class HxTriggerError(ValueError):
    """Strict mode: the ``HX-Trigger`` value would be over its size bound.

    The message gives the sizes, never the value.
    """


def check_navigation(navigation: object, name: str = "navigation") -> str | None:
    """``None``, ``"turbo"`` or ``"htmx"``; ``ValueError`` naming ``name`` for anything else.

    >>> check_navigation("turbo")
    'turbo'
    >>> check_navigation("Turbo", "PERSONACLICK_NAVIGATION")
    Traceback (most recent call last):
    ValueError: PERSONACLICK_NAVIGATION must be None, "turbo" or "htmx"
    """
    if navigation is None:
        return None
    # Exactly a str (a subclass could compare equal and write anything) and one of
    # the names, which is returned: the constant, not the caller's object.
    if navigation.__class__ is str:
        for known in NAVIGATIONS:
            if navigation == known:
                return known
    raise ValueError(f'{name} must be None, "turbo" or "htmx"')


def init_code(code: str, navigation: object) -> str:
    """The loader-and-init ``code`` made to run once per window (plus htmx's forwarder)."""
    kind = check_navigation(navigation)
    if kind is None:
        return code
    forward = _HTMX_FORWARD if kind == "htmx" else ""
    return f"{_INIT_OPEN}{code}{forward}{_INIT_CLOSE}"


def page_code(code: str, navigation: object) -> str:
    """A per-page call's ``code`` made to run once per page render (see the module)."""
    if check_navigation(navigation) is None:
        return code
    return f"{_PAGE_OPEN}{code}{_PAGE_CLOSE}"


def render_htmx_config(nonce: str, config: Mapping[str, Any] | None = None) -> Markup:
    """``<meta name="htmx-config">`` with ``inlineScriptNonce``: the page's nonce.

    htmx re-creates the scripts of swapped-in content and gives them this nonce, so
    they run under a nonce CSP whatever nonce their own response had. ``config``:
    other htmx settings for the same tag (JSON-like data). Put it in ``<head>``
    before htmx's script.
    """
    if nonce is None:
        raise ValueError("render_htmx_config needs the page's CSP nonce")
    settings = dict(config) if config is not None else {}
    if "inlineScriptNonce" in settings:
        raise ValueError("config must not set inlineScriptNonce: pass the nonce instead")
    settings["inlineScriptNonce"] = nonce_text(nonce)
    # The JSON (no raw < > &: dumps_js) is escaped again for the attribute by markupsafe.
    return Markup("<meta name=\"htmx-config\" content='%s'>") % dumps_js(settings)


def hx_trigger_header(
    event: str,
    data: Any = None,
    *,
    strict: bool = False,
    consent: bool | None = None,
    guard: Guard | None = None,
    phone_region: str | None = None,
    track_mapping: Mapping[str, str] | None = None,
    max_bytes: int = HX_TRIGGER_MAX_BYTES,
) -> str | None:
    """An ``HX-Trigger`` header value that makes the page send ``track`` EVENT, DATA.

    The data is checked as by :func:`~pc_snippets.render_track` (lenient: refused
    fields dropped and logged; ``strict=True``: :class:`~pc_snippets.EventError`).
    The value is ASCII JSON without control characters (so no CR or LF), at most
    ``max_bytes``: over it, lenient mode logs ``header_too_large`` and returns
    ``None``, strict mode raises :class:`HxTriggerError`. ``None`` too when the event
    is left without what it needs or ``consent`` is ``False``: send no header then.
    The page's loader must be rendered with ``navigation="htmx"``.

    >>> hx_trigger_header("search", {"query": ""}) is None  # a search needs its query
    True
    """
    if consent is not None and consent is not True and consent_decision(consent) is False:
        return None
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError("max_bytes must be a whole number of bytes >= 1")
    result = check_event(event, data, guard=guard, phone_region=phone_region,
                         track_mapping=track_mapping, strict=strict)
    if result.problems:
        log_problems(result.problems)
    if result.payload is None:
        return None
    value = dumps_js({HTMX_TRACK_EVENT: {"event": result.event, "data": result.payload}},
                     prechecked=True, floats=result._floats, ascii_only=True)
    if not (value.isascii() and value.isprintable()):  # JSON escapes them: a broken encoder
        raise UnsafeValueError("an HX-Trigger value must be printable ASCII")
    if len(value) > max_bytes:  # ASCII: one byte a character
        message = f"the HX-Trigger value is over {max_bytes} bytes: the event is not sent"
        if strict:
            raise HxTriggerError(f"{message} ({len(value)} bytes)")
        log_problems((Problem("HX-Trigger", "header_too_large", message),))
        return None
    return value
