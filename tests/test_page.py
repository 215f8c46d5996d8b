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


# --------------------------------------------------------------------------- hostile text

from pc_snippets.cli.main import check_record  # noqa: E402  (the command's own record check)
from pc_snippets.core.check import CheckResult  # noqa: E402
from pc_snippets.core.problems import Problem  # noqa: E402

# The main(argv) fixture of test_cli (tests take it as their "cli" argument: F811).
from .test_cli import Cli, cli  # noqa: E402, F401

#: Characters a page must never carry raw, with the escape a person must see instead
#: (written out by hand, not computed by the code under test).
HIDDEN_CHARS = dict([
    ("\x00", "\\x00"), ("\x01", "\\x01"), ("\x1b", "\\x1b"), ("\x1f", "\\x1f"),
    ("\x7f", "\\x7f"), ("\x80", "\\u0080"), ("\x85", "\\u0085"), ("\x9f", "\\u009f"),
    ("\ud800", "\\ud800"), ("\udfff", "\\udfff"), ("\ufffe", "\\ufffe"),
    ("\U0010ffff", "\\U0010ffff"),
])
HOSTILE_NAMES = [
    *(f"na{c}me" for c in HIDDEN_CHARS),
    "</script>", "</scr\x00ipt>", "x\u202ey\u202c", "a\u2028b\u2029c", "\u2066iso\u2069",
    "<img src=x onerror=alert(1)>", "k\tv\nw\rz",
]
RAW_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                        "\ufffe\uffff\U0010fffe\U0010ffff]")


def parse_errors(html: str) -> list[Any]:
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    parser.parse(html)
    return list(parser.errors)


def hostile_result() -> tuple[CheckResult, dict[str, Any]]:
    """A check result whose problems name hostile fields, and the record they came from."""
    data = {name: f"value of {name}" for name in HOSTILE_NAMES}
    # What the core does send: noncharacters, bidi controls and U+2028 in text.
    sent = check_profile({"loyalty_status": "a\ufffeb\u202ec", "location": "x\u2028y"}).payload
    assert sent, "the core sends these"
    problems = tuple(Problem(name, f"code_{name}", f"message {name}") for name in HOSTILE_NAMES)
    return CheckResult(sent, problems), data


def test_hostile_field_names_codes_and_values_parse_without_errors(tmp_path: Path) -> None:
    result, data = hostile_result()
    for show_values in (False, True):
        builder = PageBuilder(show_values=show_values)
        html = builder.page(result, data=data, number=1, line=7)
        assert parse_errors(html) == []
        assert RAW_HIDDEN.search(html) is None
        # Every page can be written as UTF-8 (a raw lone surrogate could not).
        page_module.write_page(builder, result, tmp_path / "p.html", data=data)
        assert parse_errors((tmp_path / "p.html").read_text(encoding="utf-8")) == []
        # The escapes are visible: the problem rows' field cells read back as text.
        tree = strict_parse(html)
        rows = [row for row in tree.iter("tr") if row.get("data-code") is not None]
        assert len(rows) == len(HOSTILE_NAMES)
        for char, spelled in HIDDEN_CHARS.items():
            row = rows[HOSTILE_NAMES.index(f"na{char}me")]
            cells = ["".join(td.itertext()) for td in row.findall("td")]
            assert cells[0] == f"na{spelled}me"
            assert cells[1] == f"code_na{spelled}me"
            assert f"message na{spelled}me" in cells[2]
            assert row.get("data-field") == f"na{spelled}me"
            if show_values:  # the value as JSON text (escaped): it reads back as the value
                assert json.loads(cells[3]) == data[f"na{char}me"]
            else:
                assert len(cells) == 3
        # Bidi controls and separators in a name are shown as escapes too.
        bidi = rows[HOSTILE_NAMES.index("x\u202ey\u202c")]
        assert "".join(bidi.find("td").itertext()) == "x\\u202ey\\u202c"
        # The sent values table and the raw JSON keep the sent text (read back equal).
        raw = next(el for el in tree.iter("pre") if el.get("id") == "raw-json")
        assert json.loads("".join(raw.itertext())) == result.payload
    # Without --show-values no value of a dropped field is anywhere on the page.
    html = PageBuilder().page(result, data=data)
    assert "value of" not in html


def test_hostile_keys_and_values_through_the_command(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    # JSON escapes of lone surrogates, NUL, C0, DEL and C1 in keys and values.
    records = [{name: 1} for name in HOSTILE_NAMES]
    records += [{"first_name": "Ann", "custom": {"note": f"v{c}", "k": f"{c}"}}
                for c in HIDDEN_CHARS]
    source = tmp_path / "hostile.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    for flag in ([], ["--show-values"]):
        site = tmp_path / f"site{len(flag)}"
        ran = cli("page", str(source), "-o", str(site), *flag)
        assert ran.returncode == 0, ran.stderr
        pages = sorted(site.glob("*.html"))
        assert len(pages) == len(records) + 1
        for path in pages:
            html = path.read_text(encoding="utf-8")
            assert parse_errors(html) == [], path.name
            assert RAW_HIDDEN.search(html) is None, path.name
    # One record alone: a single page, written.
    single = tmp_path / "one.jsonl"
    single.write_text('{"\\ud800x": 1, "first_name": "Ann", "email": "\\ud800"}\n',
                      encoding="ascii")
    ran = cli("page", str(single), "-o", str(tmp_path / "one.html"), "--show-values")
    assert ran.returncode == 0, ran.stderr
    html = (tmp_path / "one.html").read_text(encoding="utf-8")
    assert parse_errors(html) == []
    expected = check_record(json.loads(single.read_text(encoding="ascii")))
    rows = LexborHTMLParser(html).css("#problems tbody tr")
    assert [r.attributes.get("data-code") for r in rows] == [p.code for p in expected.problems]
    email = next(r for r in rows if r.attributes.get("data-field") == "email")
    assert email.css("td")[3].text() == '"\\ud800"'  # the dropped value, visibly escaped


def test_lone_surrogate_in_a_field_name_is_shown_escaped() -> None:
    # The core hides names it refuses ("?"); the builder must cope with any name.
    result = CheckResult({}, (Problem("kids[0].\ud800x", "unknown_field", "unknown field"),))
    html = PageBuilder().page(result)
    assert parse_errors(html) == []
    html.encode("utf-8")  # strict: raises on a raw surrogate
    cell = LexborHTMLParser(html).css_first("#problems tbody td")
    assert cell.text() == "kids[0].\\ud800x"


# --------------------------------------------------------------------------- summary


def summary_of(html: str) -> str:
    return " ".join(LexborHTMLParser(html).css_first("#summary-text").text().split())


def test_summary_says_what_is_sent_in_each_case(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    cases = {
        "nothing": {"email": "nope", "gender": "x"},
        "empty": {},
        "all": {"email": "jo@mail.com", "first_name": "Jo", "gender": "f"},
        "one": {"email": "jo@mail.com"},
        "some": dict(EXAMPLE_PROFILE),
        "one_problem": {"email": "jo@mail.com", "first_name": "Jo", "gender": "x"},
    }
    texts = {}
    for name, record in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(record), encoding="utf-8")
        assert cli("page", str(path), "-o", str(tmp_path / f"{name}.html")).returncode == 0
        texts[name] = summary_of((tmp_path / f"{name}.html").read_text(encoding="utf-8"))
    counts = {name: (len(check_profile(r).payload), len(check_profile(r).problems))
              for name, r in cases.items()}
    assert counts["nothing"] == (0, 2)
    assert texts["nothing"] == (
        f"Nothing will be sent: no field passed the check. {counts['nothing'][1]} problems "
        "found (listed below).")
    assert texts["empty"] == "Nothing will be sent: the profile has no fields."
    assert counts["all"] == (3, 0)
    assert texts["all"] == "All 3 fields will be sent. No problems found."
    assert texts["one"] == "The profile's only field will be sent. No problems found."
    sent, found = counts["some"]
    assert sent > 1
    assert found == 1
    assert texts["some"] == (f"{sent} fields will be sent. 1 problem found: the field it names "
                             "was dropped, everything else is sent.")
    assert counts["one_problem"] == (2, 1)
    assert texts["one_problem"].startswith("2 fields will be sent. 1 problem found")
    # The old, wrong sentence is gone.
    assert not any("the rest is sent" in text for text in texts.values())


# --------------------------------------------------------------------------- values


def test_values_of_dropped_fields_only_with_show_values(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    secret = "Zebediah-Secret-Value"
    records = [
        {"email": secret, "first_name": "Ann"},
        {"phone": f"{secret}\x00\x85", "kids": [{"birthday": "2990-01-01", "gender": "f"}]},
    ]
    source = tmp_path / "people.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    hidden = tmp_path / "hidden"
    assert cli("page", str(source), "-o", str(hidden)).returncode == 0
    for path in hidden.iterdir():
        text = path.read_text(encoding="utf-8")
        assert secret not in text, path.name
        assert "2990-01-01" not in text, path.name
    shown = tmp_path / "shown"
    assert cli("page", str(source), "-o", str(shown), "--show-values").returncode == 0
    for number, record in enumerate(records, 1):
        tree = LexborHTMLParser((shown / page_name(number)).read_text(encoding="utf-8"))
        rows = {r.attributes.get("data-field"): r.css("td")[3].text()
                for r in tree.css("#problems tbody tr")}
        expected = check_record(record)
        assert list(rows) == [p.field for p in expected.problems]
        for field, text in rows.items():
            value: Any = record
            for part in re.findall(r"[^.\[\]]+", field or ""):
                value = value[int(part)] if isinstance(value, list) else value[part]
            spelled = json.dumps(value, ensure_ascii=False).replace("\x85", "\\u0085")
            assert text == spelled, field
    assert "\\u0000\\u0085" in (shown / page_name(2)).read_text(encoding="utf-8").replace(
        '<span class="esc" title="U+0085">', "").replace("</span>", "")
    assert (shown / "index.html").read_text(encoding="utf-8").count(secret) == 0


# --------------------------------------------------------------------------- index


def test_index_shows_line_numbers_and_problem_codes(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    records = [EXAMPLE_PROFILE, {"email": "jo@mail.com"},
               {"email": "nope", "gender": "x", "bogus": 1, "other": 2}]
    # Blank lines in between: line numbers differ from record numbers.
    text = "\n" + "\n\n".join(json.dumps(r) for r in records) + "\n"
    source = tmp_path / "people.jsonl"
    source.write_text(text, encoding="utf-8")
    assert cli("page", str(source), "-o", str(tmp_path / "site")).returncode == 0
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert parse_errors(index) == []
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    items = LexborHTMLParser(index).css("#profiles li")
    assert len(items) == len(records)
    for item, record, line in zip(items, records, lines, strict=True):
        assert item.attributes.get("data-line") == str(line)
        assert f"(line {line})" in item.text()
        codes = [p.code for p in check_record(dict(record)).problems]
        shown = [c.attributes.get("data-code") for c in item.css("code")]
        assert shown == list(dict.fromkeys(codes))
        assert [c.text() for c in item.css("code")] == shown
        for code in set(codes):
            if codes.count(code) > 1:
                assert f"{code}\u00a0\u00d7{codes.count(code)}" in item.text()
        if not codes:
            assert "no problems" in item.text()
