"""The test page builder and its templates, checked with WHATWG parsers (no browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import html5lib
import jinja2
import pytest
from selectolax.lexbor import LexborHTMLParser

from pc_snippets import EXAMPLE_PROFILE, check_profile, dumps_js, render_profile_set
from pc_snippets.cli import page as page_module
from pc_snippets.cli.page import (
    SAMPLE_ANSWER,
    PageBuilder,
    flatten,
    page_name,
    templates_dir,
    write_site,
)

from .oracles import JsEngine

REPO = Path(__file__).resolve().parent.parent
HOSTILE = {
    "first_name": "</script><script>alert(x)</script>",
    "last_name": "<!--<script>",
    "location": "a\u2028b\u2029c & ]]> --> 'q' \"dq\"",
    "loyalty_status": "שלום \u202e RTL 🎉",
}


def strict_parse(html: str) -> Any:
    """Parse as HTML5 and fail on any parse error (html5lib's strict mode)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(html)


def scripts(html: str) -> list[str]:
    a = [el.text or "" for el in strict_parse(html).iter("script")]
    b = [node.text(deep=True) for node in LexborHTMLParser(html).css("script")]
    assert a == b, "html5lib and lexbor disagree about the scripts"
    return a


def test_templates_come_from_the_repository_in_an_editable_install() -> None:
    # The wheel test in test_cli.py covers the packaged location.
    assert templates_dir() == REPO / "templates"


def test_example_page_is_valid_html5_with_four_scripts() -> None:
    result = check_profile(EXAMPLE_PROFILE)
    html = PageBuilder().page(result)
    assert html.startswith("<!DOCTYPE html>")
    found = scripts(html)  # strict: raises on any HTML5 parse error
    # recorder, page helper, profile set, profile get
    assert len(found) == 4
    set_snippet = str(render_profile_set(result))
    assert set_snippet in html
    assert found[2] == set_snippet[len("<script>"):-len("</script>")]
    tree = LexborHTMLParser(html)
    assert tree.css_first('meta[name="viewport"]') is not None
    # The problems table names the dropped field and its rule.
    rows = [[td.text() for td in tr.css("td")] for tr in tree.css("#problems tbody tr")]
    assert [(row[0], row[1]) for row in rows] == [(p.field, p.code) for p in result.problems]


def test_offline_page_is_self_contained() -> None:
    html = PageBuilder().page(check_profile(EXAMPLE_PROFILE))
    assert not re.search(r"https?://", html)
    tree = LexborHTMLParser(html)
    for node in tree.css("[src], [href]"):
        target = node.attributes.get("src") or node.attributes.get("href") or ""
        assert target.startswith("data:") or target.endswith(".html"), target


def test_data_enters_scripts_only_through_dumps_js() -> None:
    result = check_profile(HOSTILE)
    assert result.ok
    html = PageBuilder().page(result)
    found = scripts(html)
    assert len(found) == 4
    # No character that could end or escape a script is left raw inside any script.
    for text in found:
        assert "</" not in text
        assert "<!--" not in text
        assert "\u2028" not in text
        assert "\u2029" not in text
    # The recorder's data is the dumps_js text of its configuration, verbatim.
    config = {"expected": result.payload, "sampleAnswer": SAMPLE_ANSWER}
    assert found[0].endswith("(" + dumps_js(config) + ");")


def test_hostile_text_is_escaped_in_html_contexts() -> None:
    record = dict(HOSTILE)
    # An unknown field: listed in the problems table, its name hidden (not a field name).
    record['<img src=x onerror="alert(1)">'] = 1
    result = check_profile(record)
    html = PageBuilder().page(result)
    tree = strict_parse(html)
    assert not list(tree.iter("img"))
    cells = {
        "".join(row.find("td").itertext()): "".join(row.findall("td")[1].itertext())
        for row in tree.iter("tr") if row.find("td") is not None
    }
    for field, value in result.payload.items():
        assert cells[field] == value
    assert '<img src=x onerror="alert(1)">' not in cells
    assert "?" in cells
    assert "onerror" not in html
    # The raw JSON block shows the payload as text that parses back to it.
    raw = next(el for el in tree.iter("pre") if el.get("id") == "raw-json")
    assert json.loads(raw.text or "") == result.payload


def test_recorder_runs_in_v8_and_records_exactly_the_checked_data() -> None:
    result = check_profile(HOSTILE)
    found = scripts(PageBuilder().page(result))
    engine = JsEngine(sdk_loaded=False)
    engine.run("document.getElementById = function () { return null; };")
    for text in found:
        engine.run(text)
    calls = engine.json("window.personaclickRecorder.calls")
    assert calls == [["profile", "set", result.payload], ["profile", "get", None]]
    # The recorder answers profile get (asynchronously) with the sample answer.
    engine.run("__deferred.forEach(function (f) { f(); });")
    answered = engine.json("__events")
    assert answered == [{"type": "personaclick:profile", "detail": SAMPLE_ANSWER}]


def test_nonce_on_every_script_and_bad_nonce_refused() -> None:
    html = PageBuilder(nonce="n0nce-Value_1").page(check_profile(EXAMPLE_PROFILE))
    tree = LexborHTMLParser(html)
    nonces = [node.attributes.get("nonce") for node in tree.css("script")]
    assert nonces == ["n0nce-Value_1"] * 4
    for bad in ('"><script>', "a b", ""):
        with pytest.raises(ValueError, match="nonce"):
            PageBuilder(nonce=bad)


def test_live_page_has_the_loader_and_no_recorder() -> None:
    builder = PageBuilder(shop_id="357382bf66ac0ce2f1722677c59511", stream="app", nonce="abc")
    html = builder.page(check_profile(EXAMPLE_PROFILE))
    found = scripts(html)
    assert len(found) == 4  # init + loader, page helper, profile set, profile get
    assert "cdn.personaclick.com" in found[0]
    assert '"init","357382bf66ac0ce2f1722677c59511","app"' in found[0]
    assert "personaclickRecorder" not in html
    with pytest.raises(ValueError, match="shop id"):
        PageBuilder(stream="app")


def test_profile_with_nothing_valid_renders_no_set_call() -> None:
    result = check_profile({"email": "nope", "gender": "x"})
    assert not result.payload
    html = PageBuilder().page(result)
    assert len(scripts(html)) == 3
    assert "nothing valid is left to send" in html.lower()


def test_templates_are_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str | None] = []
    original = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, name: str | None = None,
                 *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return original(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    page_module.environment.cache_clear()
    try:
        builder = PageBuilder()
        results = [check_profile(dict(EXAMPLE_PROFILE, id=n + 1)) for n in range(5)]
        for result in results:
            builder.page(result, number=1)
        after_five = list(compiled)
        for _ in range(20):
            for result in results:
                builder.page(result, number=1)
        PageBuilder().page(results[0])  # a second builder shares the compiled templates
    finally:
        page_module.environment.cache_clear()
    assert after_five, "the counting hook saw no compilation"
    assert len(after_five) == len(set(after_five))
    assert compiled == after_five


def test_write_site_links_pages_and_index(tmp_path: Path) -> None:
    records = [EXAMPLE_PROFILE, {"email": "jo@mail.com"}, {"gender": "x"}]
    results = [(n, check_profile(r)) for n, r in enumerate(records, 1)]
    index, count = write_site(PageBuilder(), iter(results), tmp_path / "site")
    assert count == 3
    assert index == tmp_path / "site" / "index.html"
    strict_parse(index.read_text(encoding="utf-8"))
    links = [a.attributes["href"] for a in
             LexborHTMLParser(index.read_text(encoding="utf-8")).css("#profiles a")]
    assert links == [page_name(n) for n in (1, 2, 3)]
    middle = LexborHTMLParser((tmp_path / "site" / page_name(2)).read_text(encoding="utf-8"))
    assert middle.css_first('a[rel="prev"]').attributes["href"] == page_name(1)
    assert middle.css_first('a[rel="next"]').attributes["href"] == page_name(3)
    last = LexborHTMLParser((tmp_path / "site" / page_name(3)).read_text(encoding="utf-8"))
    assert last.css_first('a[rel="next"]') is None
    assert not list((tmp_path / "site").glob(".*.tmp"))


def test_flatten_lists_every_leaf() -> None:
    payload = check_profile(EXAMPLE_PROFILE).payload
    rows = dict(flatten(payload))
    assert rows["kids[1].birthday"] == payload["kids"][1]["birthday"]
    assert rows["auto[0].vds"] == payload["auto"][0]["vds"]
    assert rows["bought_something"] == json.dumps(payload["bought_something"])
    assert rows["id"] == str(payload["id"])
