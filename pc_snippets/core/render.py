"""Rendering PersonaClick snippets as ``<script>`` elements (``markupsafe.Markup``).

Every snippet is constant JavaScript code written here plus data passed through
:func:`~pc_snippets.core.serialize.dumps_js`; nothing else turns data into JS text.
Each call snippet starts with the SDK's queue stub, so it works wherever it is
placed: before the loader (the call is queued and replayed by the SDK) or after.
"""

from __future__ import annotations

import datetime
import functools
import re
import string
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .check import CheckResult, _check
from .clock import iso_today
from .guard import Guard
from .logs import log_problems
from .phones import check_region
from .problems import Problem, ProfileError
from .serialize import dumps_js

if TYPE_CHECKING:
    from .consent_gate import ConsentSource

__all__ = [
    "DEFAULT_CDN_HOST",
    "DEFAULT_PROFILE_EVENT",
    "render_call",
    "render_init",
    "render_profile_get",
    "render_profile_set",
]


DEFAULT_CDN_HOST = "cdn.personaclick.com"
DEFAULT_PROFILE_EVENT = "personaclick:profile"

# The official loader's queue stub: calls made before the SDK arrives are kept
# in personaclick.q and replayed by the SDK. It tests for a function, not for a
# truthy global: an element with id="personaclick" (or name=) is also a global
# ("DOM clobbering") and would otherwise stop every snippet.
_STUB = (
    "typeof window.personaclick===\"function\"||(window.personaclick=function(){"
    "(personaclick.q=personaclick.q||[]).push(arguments)});"
)

# Loads the SDK once: dns-prefetch, preconnect and preload hints, then the async
# script. The created script, and the preload hint (a script request, which a CSP
# without 'strict-dynamic' refuses, reporting a violation, unless it carries the
# nonce), inherit this script's nonce.
_LOADER = (
    "(function(w,d,c){"
    "var src=\"https://\"+c.cdn+\"/v3.js\",s=d.getElementsByTagName(\"script\"),"
    "me=d.currentScript,i;"
    "for(i=0;i<s.length;i++){if(s[i].src===src){return}}"
    "function hint(rel,href,as){var l=d.createElement(\"link\");l.rel=rel;l.href=href;"
    "if(as){l.setAttribute(\"as\",as);if(me&&me.nonce){l.nonce=me.nonce}}"
    "d.head.appendChild(l)}"
    "hint(\"dns-prefetch\",\"https://\"+c.cdn);hint(\"preconnect\",\"https://\"+c.cdn);"
    "hint(\"preload\",src,\"script\");"
    "var e=d.createElement(\"script\");e.async=true;e.src=src;"
    "if(me&&me.nonce){e.nonce=me.nonce}d.head.appendChild(e)"
    "})(window,document,"
)

# HTML elements whose text content is shown as text (and never run or parsed).
_TEXT_ELEMENTS = frozenset(
    "a abbr address b bdi bdo blockquote caption cite code data dd del dfn div dt em "
    "figcaption h1 h2 h3 h4 h5 h6 i ins kbd label legend li mark output p pre q s samp "
    "small span strong sub summary sup td th time u var".split()
)

# profile get handler: fills [data-personaclick-profile] elements (as text, never
# HTML), dispatches a CustomEvent, then calls a page function looked up by its
# dotted name at answer time. Each step is isolated so one failure can't stop
# the others; errors are rethrown asynchronously so they still reach the console.
# Only HTML elements that display their text are filled (an allow-list: text put
# into a <script>, <style> or SVG <script> would run), and only inside the page's
# chosen root element when it names one (nothing if that element is missing).
_PROFILE_GET_HANDLER = (
    "(function(c){"
    "function later(e){setTimeout(function(){throw e},0)}"
    "function own(v,k){return v!==null&&typeof v===\"object\"&&"
    "Object.prototype.hasOwnProperty.call(v,k)}"
    "var shows=\" " + " ".join(sorted(_TEXT_ELEMENTS)) + " \";"
    "function fill(p){var root=c.root?document.getElementById(c.root):document,els,el,i,j,v,"
    "path;if(!root){return}els=root.querySelectorAll(\"[data-personaclick-profile]\");"
    "for(i=0;i<els.length;i++){el=els[i];"
    "if(!(el instanceof HTMLElement)||"
    "shows.indexOf(\" \"+el.localName+\" \")<0){continue}"
    "path=el.getAttribute(\"data-personaclick-profile\").split(\".\");v=p;"
    "for(j=0;j<path.length;j++){v=own(v,path[j])?v[path[j]]:undefined}"
    "if(v!==undefined&&v!==null&&typeof v!==\"object\"&&typeof v!==\"function\")"
    "{el.textContent=String(v)}}}"
    "function safely(f,p){try{f(p)}catch(e){later(e)}}"
    "return function(p){if(p===null||typeof p!==\"object\"){p={}}"
    "if(c.fill){if(document.readyState===\"loading\"){"
    "document.addEventListener(\"DOMContentLoaded\",function(){safely(fill,p)})}"
    "else{safely(fill,p)}}"
    "if(c.event){safely(function(p){document.dispatchEvent("
    "new CustomEvent(c.event,{detail:p}))},p)}"
    "if(c.callback){safely(function(p){var n=c.callback,t=window,"
    "i=n[0]===\"window\"?1:0,f;for(;i<n.length-1&&t!=null;i++){t=t[n[i]]}"
    "f=t==null?undefined:t[n[n.length-1]];if(typeof f===\"function\"){f.call(t,p)}},p)}"
    "}})("
)



def _call_head(*args: Any) -> str:
    """``personaclick(a,b,``: a call whose last arguments the caller appends."""
    return "personaclick(" + "".join(dumps_js(arg) + "," for arg in args)


def _call(*args: Any) -> str:
    """``personaclick(a,b);``: every SDK call is written by these two functions."""
    return _call_head(*args)[:-1] + ");"  # drop the head's trailing comma


_PROFILE_SET_CALL = _call_head("profile", "set")
_PROFILE_GET_CALL = _call_head("profile", "get")
_PROFILE_SET_CODE = _STUB + _PROFILE_SET_CALL
_TRACK_CODE = _STUB + _call_head("track")

_BASE64_CHARS = string.ascii_letters + string.digits + "+/_-"
# PersonaClick's API answers 422 to any shop id that is not 30 hexadecimal characters.
_SHOP_ID = re.compile(r"[0-9A-Fa-f]{30}")
_STREAM = re.compile(r"[A-Za-z0-9_]{1,16}")
# A DNS host name (LDH labels of 1-63 characters) and an optional port without
# leading zeros.
_HOST = re.compile(
    r"((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))"
    r"(?::([1-9][0-9]{0,4}))?"
)
# The WHATWG URL parser reads a host whose last label is a number (decimal, or
# hex with 0x) as an IPv4 address: "0x7f.1", "1.00" and "2130706433" are 127.0.0.1,
# 1.0.0.0 and 127.0.0.1 to a browser, not the names they look like.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9:._-]{0,63}")
_COMMAND = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_JS_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_DEVICE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_ELEMENT_ID = _DEVICE_ID
_JS_RESERVED = frozenset(
    (
        "break case catch class const continue debugger default delete do else enum export "
        "extends false finally for function if import in instanceof new null return super "
        "switch this throw true try typeof var void while with yield let static implements "
        "interface package private protected public await arguments eval undefined NaN "
        "Infinity __proto__ constructor prototype"
    ).split()
)


# The last nonce checked, with its attribute: a page's snippets share one nonce
# (one per response), so the second and later snippets skip the check. One tuple,
# swapped whole, so threads never see a nonce with another nonce's attribute.
_last_nonce: tuple[str | None, str] = (None, "")


def nonce_attribute(nonce: str | None) -> str:
    """`` nonce="..."`` for a valid CSP nonce, ``""`` for ``None``; ``ValueError`` otherwise."""
    return "" if nonce is None else _nonce_attribute(nonce)


def nonce_text(nonce: str) -> str:
    """The checked text of a CSP nonce, as :func:`nonce_attribute` writes it."""
    if nonce is None:
        raise ValueError("a CSP nonce must be base64 or base64url text (1-256 characters)")
    return _nonce_attribute(nonce)[len(' nonce="'):-1]


def _navigated(code: str, navigation: object, *, init: bool = False) -> str:
    """``code`` wrapped for ``navigation`` (pc_snippets.core.navigation, imported on
    first use: it imports this module); ``ValueError`` for an unknown navigation."""
    from .navigation import init_code, page_code

    return init_code(code, navigation) if init else page_code(code, navigation)


def _checked_navigation(navigation: object) -> str | None:
    """The navigation's constant name, checked before it reaches a cached function
    (where an unhashable value would be a ``TypeError``, not the ``ValueError``)."""
    from .navigation import check_navigation

    return check_navigation(navigation)


def _gate_source(consent_source: object, consent: bool | None, navigation: object) -> Any:
    """The checked ``consent_source`` for this render, ``None`` when the server decided
    (pc_snippets.core.consent_gate, imported on first use: it imports this module)."""
    from .consent_gate import renderer_source

    return renderer_source(consent_source, consent, navigation)


def _gated(code: str, nonce_attribute: str, source: Any, init: bool = False) -> Markup:
    """``code``'s script held back until the visitor agrees in ``source``."""
    from .consent_gate import gated_snippet

    return gated_snippet(code, nonce_attribute, source, init=init)


def _nonce_attribute(nonce: str | None) -> str:
    """`` nonce="..."`` for a valid base64/base64url nonce, '' for None."""
    global _last_nonce
    if nonce is None:
        return ""
    last, attribute = _last_nonce
    if nonce.__class__ is str and nonce == last:
        return attribute
    if not isinstance(nonce, str):
        raise ValueError("a CSP nonce must be base64 or base64url text (1-256 characters)")
    # What is checked and written is plain text: a str subclass's methods and
    # __html__ could say anything. A lazy proxy that passes for a str (Django's
    # request.csp_nonce) is evaluated to its text first.
    text = nonce if issubclass(type(nonce), str) else str(nonce)
    if type(text) is not str:
        text = str.__str__(text)
    # str methods instead of a regex: a fresh nonce arrives on every request.
    body = text.rstrip("=")
    if not body or len(text) - len(body) > 2 or len(body) > 256 or body.strip(_BASE64_CHARS):
        raise ValueError("a CSP nonce must be base64 or base64url text (1-256 characters)")
    # The checked alphabet (letters, digits, + / _ - =) needs no escaping in an attribute.
    attribute = f' nonce="{text}"'
    _last_nonce = (text, attribute)
    return attribute


def consent_decision(value: Any, source: str = "consent") -> bool | None:
    """``value`` if it is ``True``, ``False`` or ``None``; else ``TypeError`` naming ``source``.

    Fail closed: ``0``, ``""`` or ``"no"`` (from an argument, a setting or a consent
    callable) must not be read as a decision either way. The message names the
    type, never the value.

    >>> consent_decision(None, "consent")
    >>> consent_decision("no", "PERSONACLICK_CONSENT")
    Traceback (most recent call last):
    TypeError: PERSONACLICK_CONSENT must be True, False or None, not a str
    """
    if value is None or value is True or value is False:
        return value
    raise TypeError(f"{source} must be True, False or None, not a {type(value).__name__}")


def _script(nonce_attribute: str, code: str, *, repeats: bool = True) -> Markup:
    # The place a <script> element is put together (render_fresh_result writes
    # the same element for its hot path): constant code plus dumps_js output,
    # with an attribute made by _nonce_attribute. ``repeats``:
    # the code is one of few (init, profile get), so its element can be reused;
    # profile data is never kept here.
    if repeats and not nonce_attribute:
        return _bare_script(code)
    return _markup(f"<script{nonce_attribute}>{code}</script>")


def _markup(html: str) -> Markup:
    # Markup(html) runs a Python-level __new__ that only matters for objects with
    # __html__; for a plain str this is the same object, built without that cost.
    return str.__new__(Markup, html)


@functools.lru_cache(maxsize=512)
def _bare_script(code: str) -> Markup:
    # Snippets without a nonce repeat (init, profile get): build each Markup once.
    return _markup(f"<script>{code}</script>")


def _console_warning(problems: tuple[Problem, ...]) -> str:
    # Field paths and rule codes only (paths never show a key that could be data).
    lines = [f"{problem.field} [{problem.code}]" for problem in problems]
    message = "pc-snippets dropped profile fields: " + "; ".join(lines)
    return f"window.console&&console.warn({dumps_js(message)});"


def render_profile_set(
    profile: Any,
    *,
    custom: Mapping[str, Any] | None = None,
    nonce: str | None = None,
    strict: bool = False,
    consent: bool | None = None,
    guard: Guard | None = None,
    today: datetime.date | None = None,
    debug: bool = False,
    phone_region: str | None = None,
    navigation: str | None = None,
    consent_source: ConsentSource | str | None = None,
) -> Markup:
    """``<script>personaclick("profile", "set", {...});</script>`` for checked data.

    ``profile`` is a :class:`~pc_snippets.Profile`, a mapping, an object with
    attributes (an ORM user) or a :class:`~pc_snippets.CheckResult`. Lenient mode
    (default) drops refused fields and logs each (field path and rule code only);
    ``strict=True`` raises :class:`~pc_snippets.ProfileError`. Renders nothing
    (empty ``Markup``) when nothing valid remains or ``consent`` is ``False``.
    ``today``: the date the date rules compare with (default: the server's local date).
    ``phone_region``: read phones without an international prefix as national
    numbers of that region (as :func:`~pc_snippets.check_profile`).
    ``debug=True`` (for development) also names each dropped field in the
    browser console: ``console.warn`` with field paths and rule codes, never values.
    ``navigation="turbo"`` or ``"htmx"``: the call runs once per page render, never
    from Turbo's cache (see :mod:`pc_snippets.core.navigation`).
    ``consent_source``: a :class:`~pc_snippets.ConsentSource` or a kind (``"tcf"``,
    ``"google"``, ``"cookiebot"``, ``"onetrust"``, ``"klaro"``, ``"cookieconsent"``):
    the call waits until the visitor agrees in that consent manager (see
    :mod:`pc_snippets.core.consent_gate`); ignored when ``consent`` is ``True`` (the
    server's decision wins); not combined with ``navigation`` (``ValueError``).

    >>> print(render_profile_set({"email": "jane@mail.com", "first_name": "</script>"}))
    <script>...personaclick("profile","set",{"email":"jane@mail.com","first_name":"\\u003C/script\\u003E"});</script>
    """
    # The common None / True costs no call; anything else is refused or declined.
    if consent is not None and consent is not True and consent_decision(consent) is False:
        return Markup()
    # A bad nonce is a bug: fail before any work.
    nonce_attribute = "" if nonce is None else _nonce_attribute(nonce)
    if navigation is not None:
        navigation = _checked_navigation(navigation)  # an unknown navigation is a bug too
    source = None
    if consent_source is not None:  # so is a bad consent source
        source = _gate_source(consent_source, consent, navigation)
    # Nothing about a visitor is kept between renders: every call checks afresh.
    # in_place: the payload is serialized below and dropped, so it need not be a copy.
    result = _check(profile, custom, guard, None if today is None else iso_today(today),
                    None if phone_region is None else check_region(phone_region), True)
    if strict and result.problems:
        raise ProfileError(result.problems)
    if source is not None:
        return render_fresh_result(result, nonce_attribute, debug, None, source)
    return render_fresh_result(result, nonce_attribute, debug, navigation)


def render_fresh_result(
    result: CheckResult, nonce_attribute: str, debug: bool, navigation: str | None = None,
    consent_source: ConsentSource | None = None,
) -> Markup:
    """The ``profile set`` snippet of a result its caller has *just* made with the check.

    Internal to the library (the adapters' pipeline checks once, then renders with
    this): a :class:`~pc_snippets.CheckResult` handed in from outside goes through
    :func:`render_profile_set`, which checks it again. Logs the problems (bounded
    per rule code); ``nonce_attribute`` comes from :func:`nonce_attribute`.
    ``navigation``: as :func:`render_profile_set`'s; ``consent_source``: a checked
    source (never with ``navigation``).
    """
    if result.problems:
        # Bounded per rule code (pc_snippets.core.logs): a common problem cannot flood the logs.
        log_problems(result.problems)
        if debug:
            call = f"{_PROFILE_SET_CODE}{dumps_js(result.payload)});" if result.payload else ""
            code = _console_warning(result.problems) + call
            if consent_source is not None:
                return _gated(code, nonce_attribute, consent_source)
            if navigation is not None:
                code = _navigated(code, navigation)
            return _script(nonce_attribute, code, repeats=False)
    payload = result.payload
    if not payload:
        return Markup()
    # The payload was bounded by validation: the serializer's structure walk is skipped.
    data = dumps_js(payload, prechecked=True, floats=result._floats)
    if consent_source is None and navigation is None:
        # The usual page (the hot path): _script's element, written in one step.
        return _markup(f"<script{nonce_attribute}>{_PROFILE_SET_CODE}{data});</script>")
    if consent_source is not None:
        return _gated(f"{_PROFILE_SET_CODE}{data});", nonce_attribute, consent_source)
    if navigation is not None:
        code = _navigated(f"{_PROFILE_SET_CODE}{data});", navigation)
        return _script(nonce_attribute, code, repeats=False)
    return _script(nonce_attribute, f"{_PROFILE_SET_CODE}{data});", repeats=False)


def _callback_path(callback: str) -> list[str]:
    segments = callback.split(".")
    if segments == ["window"] or not all(
        _JS_IDENTIFIER.fullmatch(segment) and segment not in _JS_RESERVED for segment in segments
    ):
        raise ValueError(
            "callback must be a dotted name of a page function made of JavaScript "
            "identifiers that are not reserved words, e.g. 'window.shop.onProfile'"
        )
    return segments


@functools.lru_cache(maxsize=256)
def _profile_get_code(
    callback: str | None,
    event: str | None,
    fill: bool,
    fill_root: str | None,
    spa: bool,
    navigation: str | None = None,
) -> str:
    config: dict[str, Any] = {}
    if callback is not None:
        config["callback"] = _callback_path(callback)
    if event is not None:
        if not _EVENT_NAME.fullmatch(event):
            raise ValueError("event must be a DOM event name such as 'personaclick:profile'")
        config["event"] = event
    if fill or fill_root is not None:
        config["fill"] = True
    if fill_root is not None:
        if not isinstance(fill_root, str) or not _ELEMENT_ID.fullmatch(fill_root):
            raise ValueError("fill_root must be an element id: 1-128 letters, digits or . _ : -")
        config["root"] = fill_root
    handler = _PROFILE_GET_HANDLER + dumps_js(config) + ")"
    tail = "," + dumps_js(True) if spa else ""
    code = f"{_STUB}{_PROFILE_GET_CALL}{handler}{tail});"
    return code if navigation is None else _navigated(code, navigation)


def render_profile_get(
    *,
    callback: str | None = None,
    event: str | bool | None = None,
    fill: bool = False,
    fill_root: str | None = None,
    nonce: str | None = None,
    spa: bool = False,
    consent: bool | None = None,
    navigation: str | None = None,
    consent_source: ConsentSource | str | None = None,
) -> Markup:
    """A ``personaclick("profile", "get", handler)`` block.

    ``callback``: dotted name of a page function, looked up when the SDK answers
    (``"window.shop.onProfile"``). ``event``: ``True`` or a name: dispatch a DOM
    ``CustomEvent`` (default ``"personaclick:profile"``) with the profile as
    ``detail``. ``fill``: put profile values, as text, into elements marked
    ``data-personaclick-profile="path.to.key"`` that display text (``span``,
    ``td``, ``p``..., never ``script`` or ``style``); ``fill_root``: the id of the
    element to fill inside (implies ``fill``). With none of these, the default
    event is dispatched. ``consent=False`` renders nothing. ``navigation`` and
    ``consent_source``: as :func:`render_profile_set`'s.

    >>> "shop" in render_profile_get(callback="shop.onProfile")
    True
    """
    # The common None / True costs no call; anything else is refused or declined.
    if consent is not None and consent is not True and consent_decision(consent) is False:
        return Markup()
    if event is True or (callback is None and event is None and not fill and fill_root is None):
        event = DEFAULT_PROFILE_EVENT
    elif event is False:
        event = None
    if consent_source is not None:
        source = _gate_source(consent_source, consent, navigation)
        if source is not None:
            code = _profile_get_code(callback, event, bool(fill), fill_root, bool(spa))
            return _gated(code, _nonce_attribute(nonce), source)
    if navigation is None:
        code = _profile_get_code(callback, event, bool(fill), fill_root, bool(spa))
    else:
        code = _profile_get_code(callback, event, bool(fill), fill_root, bool(spa),
                                 _checked_navigation(navigation))
    return _script(_nonce_attribute(nonce), code)


def _host(value: str, what: str) -> str:
    """A host name as the SDK's URLs need it: DNS labels (an IDN as punycode) and an
    optional port 1-65535; nothing a URL parser would read as another address."""
    refused = ValueError(
        f"{what} must be a DNS host name with an optional port 1-65535, such as "
        "'api.example.net' or 'cdn.example.net:8443' (no IP addresses)"
    )
    if not isinstance(value, str):
        raise refused
    host = str.__str__(value).strip().lower()
    if not host.isascii():
        name, colon, port = host.partition(":")
        try:  # an internationalised name, sent as the punycode a URL parser makes of it
            host = name.encode("idna").decode("ascii") + colon + port
        except UnicodeError:
            raise refused from None
    match = _HOST.fullmatch(host)
    if (
        match is None
        or len(match.group(1)) > 253
        or _NUMERIC_LABEL.fullmatch(match.group(2))
        or (match.group(3) is not None and int(match.group(3)) > 65535)
    ):
        raise refused
    return host


@functools.lru_cache(maxsize=64)
def _init_code(
    shop_id: str,
    stream: str | None,
    cookieless: bool | None,
    consent: bool | None,
    spa: bool | None,
    api_host: str | None,
    cdn_host: str | None,
    device_id: str | None,
    navigation: str | None = None,
) -> str:
    if not isinstance(shop_id, str) or not _SHOP_ID.fullmatch(shop_id):
        raise ValueError(
            "shop_id must be the shop key from your PersonaClick account: 30 hexadecimal "
            "characters (0-9, a-f), such as '357382bf66ac0ce2f1722677c59511'; "
            "PersonaClick's API refuses any other"
        )
    if stream is not None and (not isinstance(stream, str) or not _STREAM.fullmatch(stream)):
        raise ValueError("stream must be 1-16 letters, digits or _ (None means 'web')")
    options: dict[str, Any] = {}
    if cookieless is not None:
        options["cookieless"] = bool(cookieless)
    if consent is not None:
        options["consent"] = bool(consent)
    if api_host:
        options["api_host"] = _host(api_host, "api_host")
    if cdn_host:
        options["cdn_host"] = _host(cdn_host, "cdn_host")
    if device_id is not None:
        if not isinstance(device_id, str) or not _DEVICE_ID.fullmatch(device_id):
            raise ValueError("device_id must be 1-128 letters, digits or . _ : -")
        options["did"] = device_id
    # init(SHOP_ID, STREAM, success, failure, options, isSpa): trailing defaults omitted.
    args: list[Any] = ["init", shop_id, stream, None, None, options or None, True if spa else None]
    while args[-1] is None:
        args.pop()
    loader = _LOADER + dumps_js({"cdn": options.get("cdn_host", DEFAULT_CDN_HOST)}) + ");"
    call = _call(*args)
    code = _STUB + loader + call
    return code if navigation is None else _navigated(code, navigation, init=True)


def render_init(
    shop_id: str,
    *,
    stream: str | None = None,
    nonce: str | None = None,
    cookieless: bool | None = None,
    consent: bool | None = None,
    spa: bool | None = None,
    api_host: str | None = None,
    cdn_host: str | None = None,
    device_id: str | None = None,
    navigation: str | None = None,
    consent_source: ConsentSource | str | None = None,
) -> Markup:
    """The SDK loader plus ``personaclick("init", SHOP_ID, ...)``.

    ``consent=False`` passes ``{consent: false}`` (no tracking) to the SDK; pass
    the same ``consent`` to the other renderers so no personal data is rendered.
    ``spa=True`` passes the SDK's ``isSpa`` flag (for pages that navigate without
    reloading). ``navigation="turbo"`` or ``"htmx"``: the loader and ``init`` run
    once per window however often a Turbo visit or an htmx swap brings them;
    ``"htmx"`` also forwards ``HX-Trigger`` track events (see
    :mod:`pc_snippets.core.navigation`). ``consent_source``: as
    :func:`render_profile_set`'s; the loader waits too (the SDK is not downloaded
    before agreement), and ``consent=False`` renders ``{consent: false}`` ungated.

    >>> "cdn.personaclick.com" in render_init("357382bf66ac0ce2f1722677c59511")
    True
    """
    if consent is not None and consent is not True:
        consent_decision(consent)
    if consent_source is not None:
        source = _gate_source(consent_source, consent, navigation)
        if source is not None:
            code = _init_code(shop_id, stream, cookieless, consent, spa, api_host, cdn_host,
                              device_id)
            return _gated(code, _nonce_attribute(nonce), source, init=True)
    if navigation is None:
        code = _init_code(shop_id, stream, cookieless, consent, spa, api_host, cdn_host,
                          device_id)
    else:
        code = _init_code(shop_id, stream, cookieless, consent, spa, api_host, cdn_host,
                          device_id, _checked_navigation(navigation))
    return _script(_nonce_attribute(nonce), code)


def render_fresh_track(
    event: str, payload: Any, nonce_attribute: str, floats: bool, navigation: str | None = None,
    consent_source: ConsentSource | None = None,
) -> Markup:
    """``personaclick("track", event, payload)`` for data an event check has *just* made.

    Internal (:func:`pc_snippets.render_track` uses it): the payload is bounded and
    typed by the check, so it is written with ``dumps_js``'s prechecked encoder.
    ``navigation``: as :func:`render_profile_set`'s; ``consent_source``: a checked
    source (never with ``navigation``).
    """
    data = dumps_js(payload, prechecked=True, floats=floats)
    code = f"{_TRACK_CODE}{dumps_js(event)},{data});"
    if consent_source is not None:
        return _gated(code, nonce_attribute, consent_source)
    if navigation is not None:
        code = _navigated(code, navigation)
    return _script(nonce_attribute, code, repeats=False)


def render_call(
    command: str,
    *args: Any,
    nonce: str | None = None,
    consent: bool | None = None,
    navigation: str | None = None,
    consent_source: ConsentSource | str | None = None,
) -> Markup:
    """``personaclick(command, ...args)`` for any other SDK command.

    Arguments must be JSON-like data (str, int, float, bool, None, date, lists and
    mappings); they go through the same serializer as every other snippet.
    ``consent=False`` renders nothing. ``navigation`` and ``consent_source``: as
    :func:`render_profile_set`'s.

    >>> print(render_call("track", "view", {"id": "SKU-1"}))
    <script>...personaclick("track","view",{"id":"SKU-1"});</script>
    """
    # The common None / True costs no call; anything else is refused or declined.
    if consent is not None and consent is not True and consent_decision(consent) is False:
        return Markup()
    if not isinstance(command, str) or not _COMMAND.fullmatch(command):
        raise ValueError("command must be an SDK command name such as 'track'")
    attribute = _nonce_attribute(nonce)  # a bad nonce fails before a bad navigation
    if consent_source is not None:
        source = _gate_source(consent_source, consent, navigation)
        if source is not None:
            return _gated(_STUB + _call(command, *args), attribute, source)
    if navigation is None:
        return _script(attribute, _STUB + _call(command, *args), repeats=False)
    return _script(attribute, _navigated(_STUB + _call(command, *args), navigation),
                   repeats=False)
