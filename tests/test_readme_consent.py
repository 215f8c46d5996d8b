"""The README's "Consent decided in the browser": its layouts rendered by the Jinja adapter.

Each CMP's subsection gives the layout a developer copies with
``PERSONACLICK_CONSENT_SOURCE = "<kind>"``; it is rendered here as written, with that
setting, and must give the core renderers' gated snippets byte for byte, every script
under the page's nonce. TCF and Consent Mode layouts are then run in V8: nothing is
sent before the visitor agrees, everything once after. (The activating CMPs re-create
the scripts themselves: tests/test_browser_consent.py.) The section's ``python`` blocks
run here (and in tests/test_readme.py, with every README example).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import html5lib
import pytest
from jinja2 import Environment

from pc_snippets import (
    ConsentSource,
    check_event,
    check_profile,
    render_init,
    render_profile_set,
    render_track,
)
from pc_snippets.jinja import PersonaClickExtension
from tests.oracles import JsEngine
from tests.pages import page_scripts
from tests.test_consent_gate import FAKE_TCF, SHIM

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SHOP_ID = "357382bf66ac0ce2f1722677c59511"
NONCE = "Y29uc2VudC1yZWFkbWU="
VISITOR = {"id": 7, "email": "jane@mail.com"}
SUBSECTIONS = {"IAB TCF 2.2": "tcf", "Google Consent Mode v2": "google", "Cookiebot": "cookiebot",
               "OneTrust": "onetrust", "Klaro": "klaro", "vanilla-cookieconsent": "cookieconsent"}


@dataclass
class Product:
    id: str
    name: str


PRODUCT = Product("SKU-1", "Red <shoes>")


def section() -> str:
    start = README.index("\n## Consent decided in the browser\n")
    end = README.index("\n## ", start + 1)
    assert README.index("\n## Commerce events\n") < start  # where the section belongs
    assert README[end:].startswith("\n## Pages that navigate without reloading\n")
    return README[start:end]


def subsection(title: str) -> str:
    text = section()
    start = text.index(f"\n### {title}\n")
    end = text.find("\n### ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(f"```{language}\n(.*?)```", text, re.DOTALL)


def render(kind: str, layout: str) -> str:
    env = Environment(extensions=[PersonaClickExtension], autoescape=True)
    env.extend(personaclick_shop_id=SHOP_ID, personaclick_consent_source=kind,
               personaclick_profile_loader=lambda context: VISITOR)
    return env.from_string(layout).render(csp_nonce=lambda: NONCE, product=PRODUCT)


@pytest.mark.parametrize("block", blocks(section(), "python"),
                         ids=lambda b: b.splitlines()[0][:40])
def test_the_sections_python_examples_run(block: str) -> None:
    exec(compile(block, "README.md", "exec"), {})  # the examples assert their own results


def test_every_cmp_has_its_subsection() -> None:
    titles = re.findall(r"\n### (.+)\n", section())
    assert [title for title in titles if title in SUBSECTIONS] == list(SUBSECTIONS)


@pytest.mark.parametrize(("title", "kind"), SUBSECTIONS.items())
def test_the_layout_gives_the_core_gated_snippets(title: str, kind: str) -> None:
    text = subsection(title)
    assert f'`PERSONACLICK_CONSENT_SOURCE = "{kind}"`' in text
    (layout,) = blocks(text, "jinja")
    html = render(kind, layout)
    assert {script.nonce for script in page_scripts(html)} == {NONCE}
    expected = [render_init(SHOP_ID, nonce=NONCE, consent_source=kind),
                render_profile_set(VISITOR, nonce=NONCE, consent_source=kind),
                render_track("view", PRODUCT, nonce=NONCE, consent_source=kind)]
    places = [html.find(str(snippet)) for snippet in expected]
    assert -1 not in places
    assert places == sorted(places)
    # The activating CMPs find their attribute on exactly the three snippets.
    doc = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    blocked = [el for el in doc.iter("script") if el.get("type") == "text/plain"]
    assert len(blocked) == (3 if ConsentSource(kind).activated else 0)


SENT = [["init", SHOP_ID], ["profile", "set", check_profile(VISITOR).payload],
        ["track", "view", check_event("view", PRODUCT).payload]]


def run(html: str, setup: str) -> JsEngine:
    engine = JsEngine()
    engine.run(SHIM + setup)
    for script in page_scripts(html):
        engine.run(script.text)  # a src script's text is empty: the stubs stand in for them
    return engine


def test_the_tcf_layout_waits_for_the_tcf_answer() -> None:
    (layout,) = blocks(subsection("IAB TCF 2.2"), "jinja")
    engine = run(render("tcf", layout), FAKE_TCF)
    assert engine.calls() == []
    engine.run('__decide("useractioncomplete", {1: false}, {})')
    assert engine.calls() == []
    engine.run('__decide("useractioncomplete", {1: true}, {})')
    assert engine.calls() == SENT


def test_the_consent_mode_layout_waits_for_the_update() -> None:
    (layout,) = blocks(subsection("Google Consent Mode v2"), "jinja")
    engine = run(render("google", layout), "")  # the layout's own script sets the defaults
    assert engine.json("dataLayer.length") == 1
    assert engine.calls() == []
    engine.run("gtag('consent', 'update', {ad_user_data: 'granted', "
               "ad_personalization: 'granted', analytics_storage: 'granted'})")
    assert engine.calls() == SENT
