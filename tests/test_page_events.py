"""``pc-snippets page --events``: the events test page, through ``main(argv)``.

Expected values come from the core (``check_event``, ``render_track``) applied to
the inputs, or are written by hand from the docs; never copied from output. Every
page must parse as HTML5 without a single error (html5lib's strict mode), and its
scripts must read the same in html5lib and lexbor.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from pc_snippets import check_event, render_track
from pc_snippets.cli.events_page import DEFAULT_EVENTS_PAGE, EVENTS_PAGE, MAX_EVENTS
from pc_snippets.cli.main import check_record
from pc_snippets.cli.page import page_name

from .browser_support import run_cli
from .oracles import JsEngine
from .pages import page_scripts
from .test_cli import Cli, cli  # noqa: F401  (the main(argv) fixture)
from .test_page import HIDDEN_CHARS, RAW_HIDDEN, parse_errors, strict_parse

NONCE = "ZXZlbnRzLW5vbmNl"

#: Every documented event and shape, plus custom events; some with problems.
ENTRIES: list[dict[str, Any]] = [
    {"event": "view", "data": "SKU-1"},
    {"event": "view", "data": {"id": 42, "recommended_by": "dynamic", "recommended_code": "r1"}},
    {"event": "category", "data": "shoes"},
    {"event": "cart", "data": {"id": "SKU-1", "amount": 2, "price": "19.90",
                               "fashion_size": "M"}},
    {"event": "cart", "data": [{"id": "SKU-1", "amount": 1, "price": 19.9}, "SKU-2"]},
    {"event": "cart", "data": []},
    {"event": "remove_from_cart", "data": "SKU-2"},
    {"event": "wish", "data": "SKU-3"},
    {"event": "wish", "data": ["SKU-3", 4]},
    {"event": "remove_wish", "data": 4},
    {"event": "search", "data": "red shoes"},
    {"event": "purchase", "data": {
        "order": "N-000123", "order_price": "39.80", "email": "jane@mail.com",
        "products": [{"id": "SKU-1", "price": "19.90", "amount": 2, "line_id": "l1"}],
        "promocode": "", "delivery_type": "courier", "custom": {"gift": "yes"}}},
    {"event": "newsletter_signup", "data": {"category": "mail", "label": "footer", "value": 3,
                                            "source": "home"}},
    # Problems: a field dropped, an event not sent at all.
    {"event": "cart", "data": {"id": "SKU-9", "amount": 0}},
    {"event": "purchase", "data": {"order": "N-2", "products": []}},
    {"event": "search"},
]


def jsonl(path: Path, entries: list[Any]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return path


def checked(entries: list[dict[str, Any]]) -> list[Any]:
    return [check_event(e["event"], e.get("data")) for e in entries]


def expected_calls(entries: list[dict[str, Any]]) -> list[list[Any]]:
    """What the recorder must hold: each event the check keeps, in file order."""
    return [["track", r.event, r.payload] for r in checked(entries) if r.payload is not None]


def run_recorder(html: str) -> list[list[Any]]:
    """Every script of the page, in order, in one V8 context; the recorder's calls."""
    engine = JsEngine(sdk_loaded=False)
    engine.run("document.getElementById = function () { return null; };")
    for script in page_scripts(html):
        engine.run(script.text)
    return engine.json("window.personaclickRecorder.calls")  # type: ignore[no-any-return]


def test_events_page_renders_every_event_in_file_order(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    source = jsonl(tmp_path / "checkout.jsonl", ENTRIES)
    out = tmp_path / "events.html"
    ran = cli("page", "--events", str(source), "--nonce", NONCE, "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    assert str(out) in ran.stdout
    html = out.read_text(encoding="utf-8")
    strict_parse(html)  # raises on any HTML5 parse error
    scripts = page_scripts(html)
    assert {s.nonce for s in scripts} == {NONCE}
    # The recorder first, then one script per event sent: render_track's own text.
    snippets = [str(render_track(e["event"], e.get("data"), nonce=NONCE)) for e in ENTRIES]
    inner = [s[s.index(">") + 1:-len("</script>")] for s in snippets if s]
    assert [s.text for s in scripts[1:]] == inner
    assert run_recorder(html) == expected_calls(ENTRIES)
    # By hand, from the docs: decimal text keeps its value, an empty parameter is omitted.
    purchase = next(c[2] for c in expected_calls(ENTRIES) if c[1] == "purchase")
    assert purchase["order_price"] == 39.8
    assert purchase["products"] == [{"id": "SKU-1", "price": 19.9, "amount": 2, "line_id": "l1"}]
    assert "promocode" not in purchase
    # The entries table: one row per entry, sent or not, with its problem codes.
    tree = LexborHTMLParser(html)
    rows = tree.css("#entries tbody tr")
    results = checked(ENTRIES)
    assert [r.attributes.get("data-event") for r in rows] == [e["event"] for e in ENTRIES]
    assert [r.attributes.get("data-line") for r in rows] == [
        str(n) for n in range(1, len(ENTRIES) + 1)]
    assert [r.attributes.get("data-sent") == "true" for r in rows] == [
        r.payload is not None for r in results]
    for row, result in zip(rows, results, strict=True):
        assert [c.attributes.get("data-code") for c in row.css("code[data-code]")] == [
            p.code for p in result.problems]
    # The problems table: entry, field path and rule code of every problem, in order.
    problems = [(str(n), p.field, p.code) for n, r in enumerate(results, 1)
                for p in r.problems]
    assert problems, "the entries include problems"
    shown = [(r.attributes.get("data-entry"), r.attributes.get("data-field"),
              r.attributes.get("data-code")) for r in tree.css("#problems tbody tr")]
    assert shown == problems
    # The raw JSON block reads back as the [event, data] pairs sent.
    raw = tree.css_first("#raw-json").text()
    assert json.loads(raw) == [call[1:] for call in expected_calls(ENTRIES)]
    sent = sum(r.payload is not None for r in results)
    total = len(problems)
    summary = " ".join(tree.css_first("#summary-text").text().split())
    assert summary == (f"{len(ENTRIES)} events in the file: {sent} will be sent, "
                       f"{len(ENTRIES) - sent} will not. {total} problems found (listed below).")
    assert f"{total} problems found in the events" in ran.stderr
    # The readable track table is there, for the recorder to fill.
    assert tree.css_first("#track-table tbody") is not None


@pytest.mark.parametrize("layout", ["array", "object", "jsonl-crlf", "pretty-array"])
def test_json_array_object_and_jsonl_read_alike(tmp_path: Path, cli: Cli, layout: str) -> None:  # noqa: F811
    entries = ENTRIES[:5] if layout != "object" else ENTRIES[3:4]
    text = {
        "array": json.dumps(entries),
        "object": json.dumps(entries[0], indent=2),
        "jsonl-crlf": "\r\n".join(json.dumps(e) for e in entries) + "\r\n",
        "pretty-array": json.dumps(entries, indent=2),
    }[layout]
    source = tmp_path / "events"  # no extension: recognised from the content
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "page.html"
    ran = cli("page", "--events", str(source), "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    html = out.read_text(encoding="utf-8")
    assert parse_errors(html) == []
    assert run_recorder(html) == expected_calls(entries)
    lines = [r.attributes.get("data-line") for r in
             LexborHTMLParser(html).css("#entries tbody tr")]
    if layout == "pretty-array":  # each entry's own line: [ then one entry per 2+ lines
        starts = [n for n, line in enumerate(text.splitlines(), 1) if line == "  {"]
        assert lines == [str(n) for n in starts]
    elif layout == "array":  # all on one line
        assert lines == ["1"] * len(entries)
    elif layout == "jsonl-crlf":
        assert lines == [str(n) for n in range(1, len(entries) + 1)]


def test_values_only_with_show_values_and_hidden_characters_escaped(
    tmp_path: Path, cli: Cli,  # noqa: F811
) -> None:
    secret = "Zebediah-Secret-Value"
    entries: list[dict[str, Any]] = [{"event": "purchase", "data": {
        "order": "N-1", "email": secret, "phone": f"{secret}\x00",
        "products": [{"id": "SKU-1", "amount": 0, "price": "19,90"}]}}]
    entries += [{"event": "search", "data": f"shoes{c}"} for c in HIDDEN_CHARS]
    source = tmp_path / "ev.jsonl"
    # json.dumps escapes every non-ASCII character: lone surrogates arrive as \ud800.
    source.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="ascii")
    results = checked(entries)
    refused = [n for n, r in enumerate(results, 1) if n > 1 and r.problems]
    assert len(refused) > 5, "most hidden characters are refused in a query"
    for flag in ([], ["--show-values"]):
        out = tmp_path / f"page{len(flag)}.html"
        ran = cli("page", "--events", str(source), "-o", str(out), *flag)
        assert ran.returncode == 0, ran.stderr
        html = out.read_text(encoding="utf-8")
        assert parse_errors(html) == []
        assert RAW_HIDDEN.search(html) is None  # every hidden character shown as an escape
        rows = LexborHTMLParser(html).css("#problems tbody tr")
        assert [(r.attributes.get("data-field"), r.attributes.get("data-code")) for r in rows] \
            == [(p.field, p.code) for r in results for p in r.problems]
        if not flag:
            assert secret not in html
            assert "19,90" not in html
            assert all(len(r.css("td")) == 5 for r in rows)
            continue
        cells = {(r.attributes.get("data-entry"), r.attributes.get("data-field")):
                 r.css("td")[5].text() for r in rows}
        # Each dropped value as JSON text that reads back as the value in the file.
        assert json.loads(cells[("1", "email")]) == secret
        assert json.loads(cells[("1", "phone")]) == f"{secret}\x00"
        assert json.loads(cells[("1", "products[0].price")]) == "19,90"
        assert json.loads(cells[("1", "products[0].amount")]) == 0
        for number in refused:
            assert json.loads(cells[(str(number), "query")]) == entries[number - 1]["data"]


def test_bad_input_names_the_entry_and_writes_nothing(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    good = json.dumps(ENTRIES[0])
    cases = {
        "not JSON": ("event,data\nview,SKU-1\n", "line 1", "not JSON"),
        "bad JSON line": (f"{good}\n{good}\n{{\"event\": \"view\",\n", "line 3", "bad JSON"),
        "no event": (f'{good}\n{{"data": "SKU-1"}}\n', "line 2", 'entry 2: no "event"'),
        "bad event name": (f'{good}\n\n{{"event": "vi ew</script>", "data": 1}}\n',
                           "line 3", "entry 2: bad event name"),
        "event not text": (f'[{good},\n {{"event": 7}}]', "line 2", "entry 2: bad event name"),
        "not an object": (f"[{good}, [1, 2]]", "line 1", "entry 2: expected an object"),
        "unknown key": ('{"event": "view", "date": "SKU-1"}\n', "line 1",
                        "entry 1: 'date' is not read"),
        "empty": ("\n\n", "", "no events found"),
        "not UTF-8": (None, "line 2", "not UTF-8"),
    }
    for name, (text, line, message) in cases.items():
        source = tmp_path / f"bad-{len(name)}.txt"
        if text is None:
            source.write_bytes(good.encode() + b"\n" + b'{"event": "search", "data": "\xff"}\n')
        else:
            source.write_text(text, encoding="utf-8")
        for extra in ([], [str(jsonl(tmp_path / "people.jsonl", [{"email": "jo@mail.com"}]))]):
            out = tmp_path / "out" / "events.html"
            ran = cli("page", *extra, "--events", str(source), "-o", str(out))
            assert ran.returncode == 2, (name, ran.stderr)
            assert ran.stdout == "", name
            assert message in ran.stderr, (name, ran.stderr)
            assert f"{source}: {line}" in ran.stderr if line else True, (name, ran.stderr)
            assert "no pages were written" in ran.stderr
            assert "</script>" not in ran.stderr  # never the file's content
            assert not (tmp_path / "out").exists(), name
    too_many = jsonl(tmp_path / "many.jsonl", [ENTRIES[0]] * (MAX_EVENTS + 1))
    ran = cli("page", "--events", str(too_many), "-o", str(tmp_path / "out" / "x.html"))
    assert ran.returncode == 2
    assert f"line {MAX_EVENTS + 1}: more than" in ran.stderr
    assert not (tmp_path / "out").exists()
    ran = cli("page", "--events", str(tmp_path / "missing.jsonl"))
    assert ran.returncode == 2
    assert "no such file" in ran.stderr


def test_with_a_profile_file_the_events_page_is_beside_the_profiles(
    tmp_path: Path, cli: Cli,  # noqa: F811
) -> None:
    events = jsonl(tmp_path / "ev.jsonl", ENTRIES)
    for profiles in ([{"email": "jo@mail.com"}], [{"email": "jo@mail.com"}, {"gender": "x"}]):
        people = jsonl(tmp_path / "people.jsonl", profiles)
        site = tmp_path / f"site{len(profiles)}"
        ran = cli("page", str(people), "--events", str(events), "--nonce", NONCE,
                  "-o", str(site))
        assert ran.returncode == 0, ran.stderr
        # Always a folder with --events, even for one profile.
        names = sorted(p.name for p in site.iterdir())
        assert names == sorted([EVENTS_PAGE, "index.html",
                                *(page_name(n) for n in range(1, len(profiles) + 1))])
        for name in names:
            assert parse_errors((site / name).read_text(encoding="utf-8")) == [], name
        index = LexborHTMLParser((site / "index.html").read_text(encoding="utf-8"))
        assert [a.attributes["href"] for a in index.css("#events a")] == [EVENTS_PAGE]
        assert [a.attributes["href"] for a in index.css("#profiles a")] == [
            page_name(n) for n in range(1, len(profiles) + 1)]
        results = checked(ENTRIES)
        sent = sum(r.payload is not None for r in results)
        problems = sum(len(r.problems) for r in results)
        text = " ".join(index.css_first("#events").text().split())
        assert f"{len(ENTRIES)} events from the events file, {sent} sent, {problems} problems" \
            in text
        html = (site / EVENTS_PAGE).read_text(encoding="utf-8")
        assert LexborHTMLParser(html).css_first("nav a").attributes["href"] == "index.html"
        assert run_recorder(html) == expected_calls(ENTRIES)
        assert {s.nonce for s in page_scripts(html)} == {NONCE}
        # The profile pages are as without --events (their own checked profile).
        first = (site / page_name(1)).read_text(encoding="utf-8")
        assert json.loads(LexborHTMLParser(first).css_first("#raw-json").text()) == \
            check_record(profiles[0]).payload
        assert not list(site.glob(".*.tmp"))
    # A bad profile file: no site at all (the events were fine).
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"email": "jo@mail.com"}\n{"email": \n', encoding="utf-8")
    ran = cli("page", str(bad), "--events", str(events), "-o", str(tmp_path / "nosite"))
    assert ran.returncode == 2
    assert not (tmp_path / "nosite").exists()


def test_default_output_and_folder_output(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    events = jsonl(tmp_path / "ev.jsonl", ENTRIES[:2])
    ran = cli("page", "--events", str(events), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / DEFAULT_EVENTS_PAGE).is_file()
    folder = tmp_path / "pages"
    folder.mkdir()
    assert cli("page", "--events", str(events), "-o", str(folder)).returncode == 0
    assert (folder / DEFAULT_EVENTS_PAGE).is_file()
    assert ran.stderr == ""  # no problems: nothing said


def test_events_from_standard_input(tmp_path: Path, cli: Cli,  # noqa: F811
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = "".join(json.dumps(e) + "\n" for e in ENTRIES[:3]).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    out = tmp_path / "stdin.html"
    ran = cli("page", "--events", "-", "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    assert run_recorder(out.read_text(encoding="utf-8")) == expected_calls(ENTRIES[:3])
    both = cli("page", "-", "--events", "-", "-o", str(tmp_path / "both"))
    assert both.returncode == 2
    assert "standard input" in both.stderr


def test_live_events_page_loads_the_sdk_and_has_no_recorder(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    events = jsonl(tmp_path / "ev.jsonl", ENTRIES[:3])
    out = tmp_path / "live.html"
    shop = "357382bf66ac0ce2f1722677c59511"
    ran = cli("page", "--events", str(events), "--shop-id", shop, "--nonce", NONCE,
              "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    html = out.read_text(encoding="utf-8")
    assert parse_errors(html) == []
    scripts = page_scripts(html)
    assert "cdn.personaclick.com" in scripts[0].text
    assert "personaclickRecorder" not in html
    assert len(scripts) == 1 + len(expected_calls(ENTRIES[:3]))
    assert {s.nonce for s in scripts} == {NONCE}


def test_console_script_writes_the_events_page(tmp_path: Path) -> None:
    events = jsonl(tmp_path / "ev.jsonl", ENTRIES)
    ran = run_cli("page", "--events", str(events), "--nonce", NONCE, "-o",
                  str(tmp_path / "cs.html"))
    assert ran.returncode == 0, ran.stderr
    html = (tmp_path / "cs.html").read_text(encoding="utf-8")
    assert parse_errors(html) == []
    assert run_recorder(html) == expected_calls(ENTRIES)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"data": 1}\n', encoding="utf-8")
    ran = run_cli("page", "--events", str(bad), "-o", str(tmp_path / "no.html"))
    assert ran.returncode == 2
    assert "line 1: entry 1: no \"event\"" in ran.stderr
    assert not (tmp_path / "no.html").exists()


README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def transcript(first_line: str) -> list[str]:
    """The README's ``sh`` block that starts with ``first_line``, as lines."""
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL):
        if block.startswith(first_line):
            return list(block.splitlines())
    raise AssertionError(f"no README block starts with {first_line!r}")


def cat(lines: list[str], name: str) -> str:
    """The file a ``$ cat NAME`` transcript shows, up to the next ``$`` line."""
    start = lines.index(f"$ cat {name}") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("$ "))
    return "".join(line + "\n" for line in lines[start:end])


def test_the_readme_events_example_runs_as_written(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    lines = transcript("$ cat checkout.jsonl")
    (tmp_path / "checkout.jsonl").write_text(cat(lines, "checkout.jsonl"), encoding="utf-8")
    (tmp_path / "people.jsonl").write_text(cat(transcript("$ cat people.jsonl"), "people.jsonl"),
                                           encoding="utf-8")
    commands = [i for i, line in enumerate(lines) if line.startswith("$ pc-snippets ")]
    assert len(commands) == 2
    for position, start in enumerate(commands):
        end = commands[position + 1] if position + 1 < len(commands) else len(lines)
        argv = lines[start][len("$ pc-snippets "):].split()
        ran = cli(*argv, cwd=tmp_path)
        assert ran.returncode == 0
        shown = [line.replace("file:///...", tmp_path.resolve().as_uri()) for line in
                 lines[start + 1:end]]
        assert (ran.stdout + ran.stderr).splitlines() == shown
    # What the text after the example says, read from the written page by V8.
    calls = run_recorder((tmp_path / DEFAULT_EVENTS_PAGE).read_text(encoding="utf-8"))
    assert [call[1] for call in calls] == ["view", "cart", "purchase"]
    assert calls[1][2]["price"] == 19.9
    assert "email" not in calls[2][2]
    assert (tmp_path / "pages" / EVENTS_PAGE).is_file()
    assert EVENTS_PAGE in (tmp_path / "pages" / "index.html").read_text(encoding="utf-8")
