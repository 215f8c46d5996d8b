"""The consent switch of the test pages (``pc-snippets page --consent-source KIND``).

With a consent source the page's snippets are rendered with ``consent_source=KIND``
(held back by :mod:`pc_snippets.core.consent_gate`), and the page carries a small
built-in stand-in for that consent manager (``templates/_cmp-*.js``: stubs written
from the published TCF and Consent Mode APIs and from Cookiebot's and OneTrust's
documented script activation, the same files tests/test_browser_consent.py proves) with three
buttons, Accept, Refuse and Withdraw, wired from a nonce'd script
(``templates/_consent.js``), and a line saying the current state. The recorder
then shows what was released: nothing before Accept, the calls after it,
``reset_session`` after Withdraw.

Klaro and cookieconsent are consent sources too, but a page has no stand-in for
them (they are real libraries, not stubs), so the option refuses them.

>>> panel = consent_panel("tcf", "")
>>> panel.kind, panel.label
('tcf', 'IAB TCF 2.2')
>>> page_consent_source("klaro")
Traceback (most recent call last):
ValueError: a test page has no built-in consent manager for 'klaro': it takes 'tcf', ...
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

# _script: the core's one place that puts a <script> element together.
from ..core.consent_gate import ConsentSource, check_consent_source
from ..core.render import _script
from ..core.serialize import dumps_js

__all__ = ["PAGE_KINDS", "ConsentPanel", "consent_panel", "page_consent_source"]

#: The kinds a test page has a built-in stand-in for, and what each is called.
_LABELS = {
    "tcf": "IAB TCF 2.2",
    "google": "Google Consent Mode v2",
    "cookiebot": "Cookiebot",
    "onetrust": "OneTrust",
}
PAGE_KINDS = tuple(_LABELS)
# The stand-in's scripts (templates/_cmp-NAME.js), in the order they run.
_STUBS = {
    "tcf": ("tcf",),
    "google": ("google", "gtag"),
    "cookiebot": ("activate", "cookiebot"),
    "onetrust": ("activate", "onetrust"),
}


def page_consent_source(kind: str) -> ConsentSource:
    """The checked source for ``--consent-source KIND``; ``ValueError`` with the message.

    >>> page_consent_source("google").kind
    'google'
    >>> page_consent_source("TCF")
    Traceback (most recent call last):
    ValueError: KIND must be None, a ConsentSource or one of 'tcf', ... (a test page takes ...)
    """
    takes = ", ".join(map(repr, PAGE_KINDS[:-1])) + f" or {PAGE_KINDS[-1]!r}"
    try:
        source = check_consent_source(kind, "KIND")
    except ValueError as exc:
        raise ValueError(f"{exc} (a test page takes {takes})") from None
    if source is None or source.kind not in _LABELS:
        # A known kind (a constant, safe to name) without a stand-in on the page.
        raise ValueError(f"a test page has no built-in consent manager for {kind!r}: "
                         f"it takes {takes}")
    return source


@dataclass(frozen=True, slots=True)
class ConsentPanel:
    """What a page needs for its consent switch: ``head`` holds the stand-in CMP's
    scripts and the buttons' script, each with the page's nonce."""

    kind: str
    label: str
    source: ConsentSource
    head: Markup


def consent_panel(kind: str, nonce_attribute: str) -> ConsentPanel:
    """The consent switch for ``kind`` (``nonce_attribute``: ``""`` or `` nonce="..."``)."""
    from .page import _script_code

    source = page_consent_source(kind)
    codes = [_script_code(f"_cmp-{name}.js") for name in _STUBS[source.kind]]
    # Constant code that nothing in it can end or re-open inside the element.
    assert not any("<script" in code.lower() or "<!--" in code for code in codes)
    scripts = [_script(nonce_attribute, code) for code in codes]
    config = dumps_js({"kind": source.kind, "category": source.category})
    scripts.append(_script(nonce_attribute, f"{_script_code('_consent.js')}({config});"))
    # Safe as markup: each piece is a <script> element made by the core's _script.
    head = Markup("\n".join(scripts))  # noqa: S704
    return ConsentPanel(source.kind, _LABELS[source.kind], source, head)
