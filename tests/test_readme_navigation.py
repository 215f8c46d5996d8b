"""The README's Turbo and htmx template lines, rendered as written by the Jinja adapter.

(The section's ``python`` blocks run in tests/test_readme.py, as every README example.)
The pages are then run script by script as Turbo and htmx run them (tests.pages.NavigatedPage).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import html5lib
from jinja2 import Environment

from pc_snippets import check_event, check_profile, render_htmx_config
from pc_snippets.jinja import PersonaClickExtension
from tests.pages import NavigatedPage, page_scripts

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SHOP_ID = "357382bf66ac0ce2f1722677c59511"
NONCE = "bGF5b3V0LW5vbmNl"
FRAGMENT_NONCE = "ZnJhZ21lbnQ="
VISITOR = {"id": 7, "email": "jane@mail.com"}


@dataclass
class Product:
    id: str
    name: str


PRODUCT = Product("SKU-1", "Red <shoes>")


def jinja_blocks(title: str) -> list[str]:
    start = README.index(f"\n### {title}\n")
    end = README.index("\n#", start + 1)
    return re.findall(r"```jinja\n(.*?)```", README[start:end], re.DOTALL)


def environment(navigation: str) -> Environment:
    env = Environment(extensions=[PersonaClickExtension], autoescape=True)
    env.extend(personaclick_shop_id=SHOP_ID, personaclick_navigation=navigation,
               personaclick_spa=navigation == "turbo",
               personaclick_profile_loader=lambda context: VISITOR)
    env.globals["render_htmx_config"] = render_htmx_config  # as the README says
    return env


def render(env: Environment, source: str, nonce: str, **context: Any) -> str:
    return env.from_string(source).render(csp_nonce=lambda: nonce, product=PRODUCT, **context)


def test_the_turbo_layout() -> None:
    (layout,) = jinja_blocks("Turbo")
    html = render(environment("turbo"), layout, NONCE)
    assert {s.nonce for s in page_scripts(html)} == {NONCE}
    assert f'<meta name="csp-nonce" content="{NONCE}">' in html
    page = NavigatedPage(html)
    sent = [["init", SHOP_ID, None, None, None, None, True],
            ["profile", "set", check_profile(VISITOR).payload],
            ["track", "view", check_event("view", PRODUCT).payload]]
    assert page.render() == sent
    assert page.render("copy") == sent  # a restore from Turbo's cache
    assert page.render("preview") == sent
    assert page.render() == [*sent, *sent[1:]]  # the page visited again


def test_the_htmx_layout_and_fragment() -> None:
    layout, fragment = jinja_blocks("htmx")
    env = environment("htmx")
    head = render(env, layout, NONCE)
    doc = html5lib.parse(head, treebuilder="etree", namespaceHTMLElements=False)
    (meta,) = doc.iter("meta")
    assert meta.get("name") == "htmx-config"
    assert json.loads(meta.get("content")) == {"inlineScriptNonce": NONCE}
    # The fragment's own response had its own nonce; htmx gives its scripts the page's.
    part = render(env, fragment, FRAGMENT_NONCE)
    assert {s.nonce for s in page_scripts(part)} == {FRAGMENT_NONCE}
    assert "Red &lt;shoes&gt;" in part
    page = NavigatedPage(head + part)
    sent = [["init", SHOP_ID], ["track", "view", check_event("view", PRODUCT).payload]]
    assert page.render() == sent
    assert page.render("copy") == sent  # htmx re-creating the swapped-in script
