"""``pc-snippets page --consent-source KIND``: the consent switch of the test pages (issue 14).

Through ``main(argv)``: each kind writes pages that parse as HTML5 without a single
error, whose snippets are exactly the renderers' output with ``consent_source=KIND``,
with the stand-in CMP and the Accept / Refuse / Withdraw buttons but no inline event
handler; a bad kind is a usage error (exit code 2). The browser side is in
``test_browser_page_consent.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pc_snippets import (
    EXAMPLE_PROFILE,
    check_profile,
    render_init,
    render_profile_get,
    render_profile_set,
    render_track,
)
from pc_snippets.core.consent_gate import check_consent_source

from .test_cli import Cli, cli  # noqa: F401  (the main(argv) fixture)
from .test_page import parse_errors, strict_parse

KINDS = ("tcf", "google", "cookiebot", "onetrust")
NONCE = "cGFnZS1jb25zZW50LW5vbmNl"
SHOP_ID = "357382bf66ac0ce2f1722677c59511"
# The page function the profile get demo calls (templates/_page.js).
CALLBACK = "personaclickTestPage.showAnswer"


def _page(run: Cli, tmp_path: Path, *args: str) -> str:
    out = tmp_path / "page.html"
    ran = run("page", *args, "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    return out.read_text(encoding="utf-8")


def _no_inline_handlers(html: str) -> None:
    for element in strict_parse(html).iter():
        if not isinstance(element.tag, str):
            continue
        names = [name for name in element.attrib if name.lower().startswith("on")]
        assert names == [], (element.tag, names)
        for name in ("href", "src", "action"):
            assert not element.attrib.get(name, "").lower().startswith("javascript:")


def _body_scripts(html: str) -> list[str]:
    return [el.text or "" for el in strict_parse(html).iter("script")]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_writes_a_strict_html5_page_with_gated_snippets(
    cli: Cli, tmp_path: Path, kind: str  # noqa: F811
) -> None:
    html = _page(cli, tmp_path, "--consent-source", kind, "--nonce", NONCE)
    assert parse_errors(html) == []
    result = check_profile(EXAMPLE_PROFILE)
    assert result.payload  # the example sends something
    set_snippet = render_profile_set(result, nonce=NONCE, consent_source=kind)
    get_snippet = render_profile_get(callback=CALLBACK, fill=True, event=True, nonce=NONCE,
                                     consent_source=kind)
    # The gated snippets differ from the plain ones, and the page has the gated ones.
    assert set_snippet != render_profile_set(result, nonce=NONCE)
    assert html.count(str(set_snippet)) == 1
    assert html.count(str(get_snippet)) == 1
    assert str(render_profile_set(result, nonce=NONCE)) not in html
    # Every script carries the nonce (the page runs under a nonce CSP).
    opening_tags = html.split("<script")[1:]
    assert opening_tags
    assert all(f'nonce="{NONCE}"' in tag.partition(">")[0] for tag in opening_tags)
    # The switch: three buttons and the state line.
    tree = strict_parse(html)
    buttons = {b.get("id"): (b.text or "") for b in tree.iter("button")}
    assert buttons == {"consent-accept": "Accept", "consent-refuse": "Refuse",
                       "consent-withdraw": "Withdraw"}
    (state,) = [el for el in tree.iter("strong") if el.get("id") == "consent-state"]
    assert state.text == "waiting for consent"
    _no_inline_handlers(html)


@pytest.mark.parametrize("kind", ["tcf", "onetrust"])
def test_live_pages_gate_init_too(cli: Cli, tmp_path: Path, kind: str) -> None:  # noqa: F811
    html = _page(cli, tmp_path, "--consent-source", kind, "--shop-id", SHOP_ID)
    assert parse_errors(html) == []
    assert html.count(str(render_init(SHOP_ID, consent_source=kind))) == 1
    assert str(render_init(SHOP_ID)) not in html
    _no_inline_handlers(html)


def test_events_and_profile_site_are_gated(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    profiles = tmp_path / "profiles.jsonl"
    records = [{"email": "jane@mail.com"}, {"email": "joe@mail.com", "first_name": "Joe"}]
    profiles.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    events = tmp_path / "events.json"
    entries = [{"event": "view", "data": {"id": "SKU-1"}}, {"event": "cart", "data": ["SKU-2"]}]
    events.write_text(json.dumps(entries), encoding="utf-8")
    site = tmp_path / "site"
    ran = cli("page", str(profiles), "--events", str(events), "--consent-source", "cookiebot",
              "--nonce", NONCE, "-o", str(site))
    assert ran.returncode == 0, ran.stderr
    for number, record in enumerate(records, 1):
        html = (site / f"profile-{number:06d}.html").read_text(encoding="utf-8")
        assert parse_errors(html) == []
        snippet = render_profile_set(check_profile(record), nonce=NONCE,
                                     consent_source="cookiebot")
        assert html.count(str(snippet)) == 1
        _no_inline_handlers(html)
    html = (site / "events.html").read_text(encoding="utf-8")
    assert parse_errors(html) == []
    for entry in entries:
        snippet = render_track(entry["event"], entry["data"], nonce=NONCE,
                               consent_source="cookiebot")
        assert html.count(str(snippet)) == 1
    assert 'id="consent-accept"' in html
    _no_inline_handlers(html)


def test_without_the_option_there_is_no_switch(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    html = _page(cli, tmp_path, "--nonce", NONCE)
    assert 'id="consent"' not in html
    assert "<button" not in html
    result = check_profile(EXAMPLE_PROFILE)
    assert html.count(str(render_profile_set(result, nonce=NONCE))) == 1


@pytest.mark.parametrize("bad", ["TCF", "iab", "", "tcf "])
def test_a_bad_kind_is_a_usage_error(cli: Cli, tmp_path: Path, bad: str) -> None:  # noqa: F811
    out = tmp_path / "page.html"
    ran = cli("page", "--consent-source", bad, "-o", str(out))
    assert ran.returncode == 2
    with pytest.raises(ValueError, match="must be None, a ConsentSource or one of") as caught:
        check_consent_source(bad, "KIND")
    assert str(caught.value) in ran.stderr
    assert "argument --consent-source" in ran.stderr
    assert ran.stdout == ""
    assert not out.exists()


@pytest.mark.parametrize("kind", ["klaro", "cookieconsent"])
def test_kinds_without_a_stand_in_are_refused(cli: Cli, tmp_path: Path, kind: str) -> None:  # noqa: F811
    out = tmp_path / "page.html"
    ran = cli("page", "--consent-source", kind, "-o", str(out))
    assert ran.returncode == 2
    assert f"no built-in consent manager for '{kind}'" in ran.stderr
    assert not out.exists()
