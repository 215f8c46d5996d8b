"""Snippets held back until the visitor agrees in a consent manager (CMP) in the browser.

:func:`gate_script` wraps the code of any snippet for a :class:`ConsentSource`:

- CMPs that activate blocked scripts themselves (``"cookiebot"``, ``"onetrust"``,
  ``"klaro"``, ``"cookieconsent"``) get ``<script type="text/plain" ...>`` with
  their attribute and the page's nonce; the CMP re-creates it as a real script
  once the visitor agreed.
- Sources that only signal (``"tcf"``: IAB TCF 2.2's ``__tcfapi``; ``"google"``:
  Consent Mode v2 in the ``dataLayer``) get a normal nonce'd script whose code
  waits for the signal.

Either way the code runs exactly once after agreement, never before it and never
on refusal (a later agreement on the same page still releases it); when consent
is withdrawn after it was given, ``personaclick("reset_session")`` is sent once
and nothing more is sent on that page. Snippets work in any order relative to
the loader and to the CMP.

``init`` before consent: **it waits.** The SDK has ``init`` option ``consent:
false`` (nothing tracked) but documents no call that turns consent on later, and
``init`` without it starts a tracked session (a device id stored in the browser).
So a gated ``init`` (with its loader: the SDK is not even downloaded) runs only
after agreement; until then, and after a refusal, the SDK is not started on the
page (its search and recommendation widgets too).

Google Consent Mode: the default purposes are ``ad_user_data``,
``ad_personalization`` and ``analytics_storage``. The first two are the v2
signals for sending personal data for marketing and personalising it;
``analytics_storage`` is required as well because the SDK stores a device id and
records behaviour, which is what a visitor refuses by denying analytics storage.

>>> print(gate_script('personaclick("track","view","SKU-1");', ' nonce="bm9uY2U="',
...                   ConsentSource("cookieconsent")))
<script type="text/plain" data-category="marketing" nonce="bm9uY2U=">(function(w,c,f){...
>>> ConsentSource("tcf", purposes=[1, 3], vendor_id=42)
ConsentSource(kind='tcf', purposes=(1, 3), vendor_id=42, category=None)
>>> ConsentSource("klaro", category="pc'];alert(1)//")
Traceback (most recent call last):
ValueError: category for 'klaro' must be 1-64 letters, digits, _ or - (starting with ...)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from .consent_sources import ACTIVATED_RUNTIME, GATED_LOADER, LOADER, SIGNAL_RUNTIME, WATCHERS
from .serialize import dumps_js

__all__ = [
    "CONSENT_KINDS",
    "GOOGLE_CONSENT_TYPES",
    "ConsentSource",
    "check_consent_source",
    "gate_script",
    "gated_snippet",
    "renderer_source",
]

#: The kinds of consent source, in the order the README documents them.
CONSENT_KINDS = ("tcf", "google", "cookiebot", "onetrust", "klaro", "cookieconsent")
#: Consent Mode's consent types (v2).
GOOGLE_CONSENT_TYPES = frozenset({
    "ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
    "functionality_storage", "personalization_storage", "security_storage",
})
_GOOGLE_DEFAULT = ("ad_user_data", "ad_personalization", "analytics_storage")
_DEFAULT_CATEGORY = {
    "cookiebot": "marketing", "onetrust": "C0004", "klaro": "personaclick",
    "cookieconsent": "marketing",
}
# Cookiebot's consent object has these categories and no others.
_COOKIEBOT_CATEGORIES = frozenset({"preferences", "statistics", "marketing"})
# Conservative: the names end up in attribute values and, in Klaro's and
# cookieconsent's own code, in CSS selectors built without escaping. "!" (which
# cookieconsent reads as "not") and quotes are refused by this.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_NONCE_ATTRIBUTE = re.compile(r' nonce="[A-Za-z0-9+/_-]{1,256}={0,2}"')
# What would end the element or change how the HTML parser reads its text.
_UNSAFE_CODE = re.compile(r"</script|<!--|<script", re.IGNORECASE)
_TCF_PURPOSES = range(1, 12)  # TCF 2.2 purposes 1-11
_MAX_VENDOR_ID = 65535  # TCF vendor ids are 16-bit


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ConsentSource:
    """Where the visitor's consent comes from, and which consent PersonaClick needs.

    ``kind``: one of :data:`CONSENT_KINDS`. ``purposes``: TCF purpose numbers
    (default ``(1,)``; all are required) or Consent Mode consent types (default
    ``ad_user_data``, ``ad_personalization``, ``analytics_storage``); other kinds
    take none. ``vendor_id``: a TCF vendor whose consent is required too.
    ``category``: the Cookiebot category (default ``"marketing"``), OneTrust group
    (``"C0004"``), Klaro service name (``"personaclick"``) or cookieconsent
    category (``"marketing"``). Unset values are filled with the kind's default.
    """

    kind: str
    purposes: tuple[Any, ...] | None = None
    vendor_id: int | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        kind = self.kind
        if not isinstance(kind, str) or kind not in CONSENT_KINDS:
            raise ValueError("kind must be one of " + ", ".join(map(repr, CONSENT_KINDS)))
        if self.vendor_id is not None and kind != "tcf":
            raise ValueError("vendor_id is a TCF setting: only kind 'tcf' takes it")
        if self.purposes is not None and kind not in ("tcf", "google"):
            raise ValueError(f"purposes are TCF or Consent Mode settings: {kind!r} takes "
                             "category instead")
        if self.category is not None and kind in ("tcf", "google"):
            raise ValueError(f"category is not a setting of {kind!r}: use purposes")
        if kind == "tcf":
            purposes = _purposes(self.purposes, (1,), _valid_tcf_purpose,
                                 "TCF purposes must be integers 1-11")
            vendor = self.vendor_id
            if vendor is not None and not (_is_int(vendor) and 1 <= vendor <= _MAX_VENDOR_ID):
                raise ValueError("vendor_id must be a TCF vendor id: an integer 1-65535")
            object.__setattr__(self, "purposes", purposes)
        elif kind == "google":
            object.__setattr__(self, "purposes", _purposes(
                self.purposes, _GOOGLE_DEFAULT, GOOGLE_CONSENT_TYPES.__contains__,
                "Consent Mode purposes must be consent types: "
                + ", ".join(sorted(GOOGLE_CONSENT_TYPES))))
        else:
            category = _DEFAULT_CATEGORY[kind] if self.category is None else self.category
            if not isinstance(category, str) or not _NAME.fullmatch(category):
                raise ValueError(f"category for {kind!r} must be 1-64 letters, digits, _ or - "
                                 "(starting with a letter or digit)")
            if kind == "cookiebot" and category not in _COOKIEBOT_CATEGORIES:
                raise ValueError("category for 'cookiebot' must be 'preferences', "
                                 "'statistics' or 'marketing'")
            object.__setattr__(self, "category", str.__str__(category))

    @property
    def activated(self) -> bool:
        """``True`` where the CMP activates blocked scripts itself."""
        return self.kind not in ("tcf", "google")


def _valid_tcf_purpose(value: object) -> bool:
    return _is_int(value) and value in _TCF_PURPOSES


def _purposes(value: Iterable[Any] | None, default: tuple[Any, ...], valid: Any,
              message: str) -> tuple[Any, ...]:
    if value is None:
        return default
    # A single string is iterable too: "ad_storage" must not become its letters.
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValueError(message + " (a list or tuple of them)")
    items = tuple(value)
    if not items or not all(valid(item) for item in items):
        raise ValueError(message + " (at least one)")
    return tuple(dict.fromkeys(str.__str__(i) if isinstance(i, str) else i for i in items))


def _opening(source: ConsentSource) -> str:
    """The activating CMP's attributes (escaped, though validation leaves nothing to escape)."""
    name = str(escape(source.category))
    if source.kind == "cookiebot":
        return f' type="text/plain" data-cookieconsent="{name}"'
    if source.kind == "onetrust":
        return f' type="text/plain" class="optanon-category-{name}"'
    if source.kind == "klaro":
        return f' type="text/plain" data-type="application/javascript" data-name="{name}"'
    return f' type="text/plain" data-category="{name}"'


def gate_script(code: str, nonce_attribute: str, source: ConsentSource) -> Markup:
    """The ``<script>`` element that runs ``code`` once the visitor agreed in ``source``.

    ``code``: a snippet's JavaScript as the renderers build it (constant code
    plus :func:`~pc_snippets.core.serialize.dumps_js` output), e.g.
    ``personaclick("profile","set",{...});``. ``nonce_attribute``: ``""`` or
    `` nonce="..."`` as :func:`~pc_snippets.core.render.nonce_attribute` makes it;
    activating CMPs copy it to the script they re-create.

    >>> html = gate_script("f();", "", ConsentSource("onetrust"))
    >>> print(str(html).partition(">")[0] + ">")
    <script type="text/plain" class="optanon-category-C0004">
    >>> html.endswith('(window,{"key":"onetrust:C0004","name":"C0004"},function(){f();});</script>')
    True
    """
    if not isinstance(source, ConsentSource):
        raise TypeError("source must be a ConsentSource")
    if not isinstance(code, str) or _UNSAFE_CODE.search(code):
        raise ValueError("code must be snippet JavaScript without '</script', '<script' "
                         "or '<!--' (data goes through dumps_js, which escapes '<')")
    if nonce_attribute != "" and not (isinstance(nonce_attribute, str)
                                      and _NONCE_ATTRIBUTE.fullmatch(nonce_attribute)):
        raise ValueError("nonce_attribute must be '' or ' nonce=\"...\"' as "
                         "nonce_attribute() writes it")
    if source.activated:
        config: dict[str, Any] = {"key": f"{source.kind}:{source.category}",
                                  "name": source.category}
        runtime, opening = ACTIVATED_RUNTIME, _opening(source)
    else:
        assert source.purposes is not None  # filled in by __post_init__
        vendor = source.vendor_id
        config = {"key": f"{source.kind}:{','.join(map(str, source.purposes))}:{vendor or ''}",
                  "purposes": list(source.purposes)}
        if source.kind == "tcf":
            config["vendor"] = vendor
        runtime, opening = SIGNAL_RUNTIME, ""
    wrapped = (runtime + WATCHERS[source.kind] + "})(window," + dumps_js(config)
               + ",function(){" + code + "});")
    # Safe as markup: constant code, dumps_js output, code checked above, attributes
    # from validated names and a checked nonce attribute.
    return Markup(f"<script{opening}{nonce_attribute}>{wrapped}</script>")  # noqa: S704


#: Each kind with its defaults: what a kind string (``consent_source="tcf"``) stands for.
_DEFAULT_SOURCES = {kind: ConsentSource(kind) for kind in CONSENT_KINDS}
_SOURCE_RULE = "must be None, a ConsentSource or one of " + ", ".join(map(repr, CONSENT_KINDS))


def check_consent_source(value: object, name: str = "consent_source") -> ConsentSource | None:
    """``None``, a :class:`ConsentSource`, or a kind's default one; ``ValueError`` naming
    ``name`` (never the value) for anything else.

    >>> check_consent_source("google") == ConsentSource("google")
    True
    >>> check_consent_source("TCF", "PERSONACLICK_CONSENT_SOURCE")
    Traceback (most recent call last):
    ValueError: PERSONACLICK_CONSENT_SOURCE must be None, a ConsentSource or one of 'tcf', ...
    """
    if value is None or isinstance(value, ConsentSource):
        return value
    # Exactly a str (a subclass could compare equal and be anything else), and the
    # constant is returned, not the caller's object.
    if value.__class__ is str:
        found = _DEFAULT_SOURCES.get(value)
        if found is not None:
            return found
    raise ValueError(f"{name} {_SOURCE_RULE}")


def renderer_source(
    value: object, consent: bool | None, navigation: object
) -> ConsentSource | None:
    """What a renderer's ``consent_source=`` means for this render: the checked source,
    or ``None`` (no gate) when the server already decided (``consent`` True or False).

    Checked first in every case, so a bad value is an error whatever the decision.
    ``navigation`` with a source is refused: a gated snippet that runs later (a TCF
    or Consent Mode answer after load) has no ``document.currentScript``, which the
    navigation code needs to mark its element against Turbo's cache and htmx's
    copies, so it could run twice.
    """
    source = check_consent_source(value)
    if navigation is not None:
        raise ValueError("consent_source cannot be combined with navigation (Turbo, htmx): "
                         "use one of them, see the README's \"Consent decided in the browser\"")
    # The server's decision wins: True needs no gate, False is not sent (init gets
    # its consent:false option, as without a source).
    return source if consent is None else None


def gated_snippet(code: str, nonce_attribute: str, source: ConsentSource, *,
                  init: bool = False) -> Markup:
    """A renderer's snippet ``code`` held back by ``source`` (:func:`gate_script`).

    ``init=True``: ``code`` starts with the loader, which is swapped for one that,
    when it runs from a consent callback (no ``document.currentScript``), takes the
    nonce the gate saw when its own script was parsed: under a nonce-only CSP the
    SDK's script and preload hint need it.
    """
    if init:
        start = code.find(LOADER)
        if start < 0:
            raise ValueError("an init snippet's code must contain the loader")
        code = code[:start] + GATED_LOADER + code[start + len(LOADER):]
    return gate_script(code, nonce_attribute, source)
