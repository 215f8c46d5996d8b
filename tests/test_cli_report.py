"""``pc-snippets check FILE... --report PATH``: the data-quality report page.

The numbers on the page are compared with the JSON output of the same run
(``--format json``) and, for fill rates and identities, with counts written here
from the input records (the core's ``check_record`` gives the checked payload;
nothing expected is read from the report). Pages are parsed with html5lib in
strict mode (any HTML5 parse error fails).
"""

from __future__ import annotations

import csv
import doctest
import gc
import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from pc_snippets import Profile
from pc_snippets.cli import report as report_module
from pc_snippets.cli.main import check_record
from pc_snippets.cli.readers import Record
from pc_snippets.core.problems import Problem

from .browser_support import run_cli
from .test_cli import Cli, cli  # noqa: F401  (the main(argv) fixture)
from .test_page import HIDDEN_CHARS, HOSTILE_NAMES, RAW_HIDDEN, parse_errors, strict_parse
from .test_sent import profiles as sent_profiles

SHARED_PHONE = "+44 20 7123 4567"
EMPTY = (None, "", [], {})  # what counts as no value in the input


def records_a() -> list[Any]:
    """Varied JSON records: good, bad, empty values, custom properties, a shared phone."""
    out: list[Any] = []
    for i in range(24):
        record: dict[str, Any] = {
            "email": [f"jane.doe{i}@mail.com", "not-an-email", "", None][i % 4],
            "age": [30, 300, "", 41, True][i % 5],
            "first_name": ["Ann", "", "  ", "Bob"][i % 4],
            "kids": [[], [{"gender": "m"}], [{"gender": "x"}]][i % 3],
            "auto": {} if i % 2 else [{"vds": "ABC123"}],
            "custom": {"size": ["L", "", 3][i % 3], "Bad Key": 1, "note": [None, "x"][i % 2]},
        }
        if i < 6:
            record["phone"] = SHARED_PHONE  # on 6 records: a shared value (threshold 5)
        elif i % 5 == 0:
            record["phone"] = "12"
        out.append(record)
    out.append([1, 2])  # not an object
    out.append({"id": None, "vk_id": "vk1", "Unknown": "x"})
    return out


CSV_ROWS = [
    {"email": "c1@mail.com", "First Name": "Ann", "phone": "+1 212 736 0001"},
    {"email": "bad@", "First Name": "", "phone": ""},
    {"email": "", "First Name": "Cy", "phone": "+1 212 736 0002"},
]


def write_inputs(folder: Path) -> tuple[list[str], list[tuple[str, Any]]]:
    """Three files (JSONL, CSV, JSONL unreadable at line 3); the paths and the records
    the command reads, as (file, data)."""
    a = folder / "a.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in records_a()), encoding="utf-8")
    b = folder / "b.csv"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(CSV_ROWS[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(CSV_ROWS)
    b.write_text(text.getvalue(), encoding="utf-8")
    c = folder / "c.jsonl"
    good = [{"email": "c@mail.com", "phone": SHARED_PHONE}, {"last_name": "Ng"}]
    c.write_text("".join(json.dumps(r) + "\n" for r in good) + "{oops\n", encoding="utf-8")
    # The CSV as read: only the known columns, empty cells left out.
    csv_read = [{k: v for k, v in row.items() if k != "First Name" and v} for row in CSV_ROWS]
    read = ([(str(a), r) for r in records_a()] + [(str(b), r) for r in csv_read]
            + [(str(c), r) for r in good])
    return [str(a), str(b), str(c)], read


def expected_fill(read: list[tuple[str, Any]]) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, name) -> (before, after), counted here from the records."""
    standard = list(Profile.model_fields)
    before = dict.fromkeys(standard, 0)
    after = dict.fromkeys(standard, 0)
    custom: dict[str, list[int]] = {}
    for _, data in read:
        if isinstance(data, dict):
            for key, value in data.items():
                if key in before and value not in EMPTY:
                    before[key] += 1
            for key, value in (data.get("custom") or {}).items():
                if value not in EMPTY:
                    custom.setdefault(key, [0, 0])[0] += 1
        for key in check_record(data).payload:
            if key in after:
                after[key] += 1
            else:
                custom.setdefault(key, [0, 0])[1] += 1
    out = {("standard", k): (before[k], after[k]) for k in standard}
    out.update({("custom", k): (v[0], v[1]) for k, v in custom.items()})
    return out


def read_report(html: str) -> dict[str, Any]:
    """The numbers a report shows, from the data-* attributes it puts on its elements."""
    strict_parse(html)  # raises on any HTML5 parse error
    tree = LexborHTMLParser(html)

    def records(node: Any) -> list[tuple[str, int]]:
        return [(r.attributes["data-file"], int(r.attributes["data-record"]))
                for r in node.css(".rec")]

    return {
        "stats": {n.attributes["id"]: int(n.attributes["data-value"])
                  for n in tree.css("#summary .stat")},
        "fill": [(r.attributes["data-kind"], r.attributes["data-field"],
                  int(r.attributes["data-before"]), int(r.attributes["data-after"]),
                  [td.text() for td in r.css("td")]) for r in tree.css("#fill tr[data-kind]")],
        "codes": {r.attributes["data-code"]: (int(r.attributes["data-count"]),
                                              int(r.attributes["data-profiles"]), records(r))
                  for r in tree.css("#problems tr[data-code]")},
        "headers": [(r.attributes["data-file"], int(r.attributes["data-column"]),
                     r.attributes["data-field"], r.attributes["data-code"])
                    for r in tree.css("#headers tr[data-code]")],
        "shared": [(r.attributes["data-code"], int(r.attributes["data-count"]), records(r))
                   for r in tree.css("#shared tr[data-code]")],
        "errors": [li.attributes["data-file"] for li in tree.css("#errors li")],
        "svg": len(tree.css("svg.bar")),
    }


def from_json(run: dict[str, Any]) -> dict[str, Any]:
    """What the page must show, from the JSON output of the same run."""
    record_items = [p for p in run["problems"] if p["record"] is not None]
    codes: dict[str, tuple[int, int, list[tuple[str, int]]]] = {}
    for code in {p["code"] for p in record_items}:
        items = [p for p in record_items if p["code"] == code]
        where = list(dict.fromkeys((p["file"], p["record"]) for p in items))
        codes[code] = (len(items), len(where), where[:5])
    summary = run["summary"]
    headers = [(p["file"], p["column"], p["field"], p["code"])
               for p in run["problems"] if p["record"] is None]
    return {
        "stats": {"stat-records": summary["profiles"],
                  "stat-with-problems": summary["profiles_with_problems"],
                  "stat-problems": summary["problems"], "stat-files": summary["files"],
                  "stat-unreadable": summary["unreadable_files"],
                  "stat-headers": len(headers), "stat-shared": len(run["shared"])},
        "codes": codes,
        "headers": headers,
        "shared": [(s["code"], s["count"], [(r["file"], r["record"]) for r in s["records"]])
                   for s in run["shared"]],
        "errors": [e["file"] for e in run["errors"]],
    }


def test_report_numbers_equal_the_json_run_and_counts_from_the_input(
    tmp_path: Path, cli: Cli  # noqa: F811
) -> None:
    files, read = write_inputs(tmp_path)
    out = tmp_path / "report.html"
    ran = cli("check", *files, "--format", "json", "--report", str(out))
    assert ran.returncode == 2, ran.stderr  # an unreadable file: as without --report
    run = json.loads(ran.stdout)
    page = read_report(out.read_text(encoding="utf-8"))
    want = from_json(run)
    # Every number of the summary, the problems per rule, header problems, shared
    # values and unreadable files: as the JSON output says.
    assert {k: page["stats"][k] for k in want["stats"]} == want["stats"]
    assert page["codes"] == want["codes"]
    assert {"invalid_email", "invalid_age", "invalid_gender", "invalid_custom_key", "invalid_type",
            "unknown_field", "invalid_phone"} <= set(page["codes"])  # many kinds of problems
    assert page["headers"] == want["headers"] == [(files[1], 2, "First Name", "unknown_field")]
    assert page["shared"] == want["shared"]
    assert want["shared"][0][:2] == ("shared_phone", 7)
    assert page["errors"] == want["errors"] == [files[2]]
    assert page["stats"]["stat-problems"] == (sum(c[0] for c in page["codes"].values())
                                              + len(page["headers"]) + len(page["shared"]))
    # Records read and identities: counted here from the records read.
    assert page["stats"]["stat-records"] == len(read) == run["summary"]["profiles"]
    payloads = [check_record(data).payload for _, data in read]
    assert page["stats"]["stat-identity"] == sum("email" in p or "phone" in p for p in payloads)
    # Fill rates: the model's fields in its order, then custom properties (first seen).
    fill = expected_fill(read)
    assert [(kind, name) for kind, name, *_ in page["fill"]] == list(fill)
    assert {(kind, name): (b, a) for kind, name, b, a, _ in page["fill"]} == fill
    assert fill[("standard", "first_name")] == (18, 12)  # "" left out before, "  " after
    assert fill[("custom", "Bad Key")] == (24, 0)
    total = len(read)
    for _, _, before, after, cells in page["fill"]:  # the text says it without the SVG
        assert cells[1].split() == [f"{before:,}", f"{100 * before / total:.1f}%"]
        assert cells[2].split() == [f"{after:,}", f"{100 * after / total:.1f}%"]
    assert page["svg"] >= 2 * len(page["fill"])
    # Self-contained: no script, no address to load anything from, no web font.
    html = out.read_text(encoding="utf-8").lower()
    for needle in ("<script", "http:", "https:", "url(", "@import", "@font-face", " src="):
        assert needle not in html, needle


def test_the_modules_examples_hold() -> None:
    result = doctest.testmod(report_module)
    assert result.attempted
    assert not result.failed


def test_exit_code_and_output_are_those_of_a_run_without_report(
    tmp_path: Path, cli: Cli  # noqa: F811
) -> None:
    files, _ = write_inputs(tmp_path)
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"email": "jane@mail.com"}\n', encoding="utf-8")
    for chosen in (files, [files[0]], [str(clean)]):
        for output in ("text", "json"):
            plain = cli("check", *chosen, "--format", output)
            out = tmp_path / f"r-{output}.html"
            with_report = cli("check", *chosen, "--format", output, "--report", str(out))
            assert with_report == plain
            assert out.is_file()
        assert plain.returncode == (2 if len(chosen) == 3 else 1 if chosen == [files[0]] else 0)


def test_more_than_50_custom_names_share_an_other_row(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    records = [{"email": "a@mail.com", "custom": {f"p{i:02d}": i for i in range(60)}},
               {"custom": {f"p{i:02d}": "" for i in range(10)}},
               {"custom": {"p55": 1, "p05": 2}}, {"custom": {"p00": 1}}]
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "r.html"
    assert cli("check", str(source), "--report", str(out)).returncode == 0
    fill = read_report(out.read_text(encoding="utf-8"))["fill"]
    custom = [(name, b, a) for kind, name, b, a, _ in fill if kind == "custom"]
    assert [name for name, *_ in custom] == [f"p{i:02d}" for i in range(50)]
    assert custom[0][1:] == (2, 2)
    assert custom[5][1:] == (2, 2)
    assert custom[6][1:] == (1, 1)
    # Records 1 and 3 have names beyond the first 50 (p50 ... p59).
    assert [(b, a) for kind, _, b, a, _ in fill if kind == "other"] == [(2, 2)]


def hostile_inputs(folder: Path) -> tuple[list[str], list[str]]:
    """Hostile names and values (JSON escapes for NUL, C1, lone surrogates), a hostile
    CSV header and file name; the paths and every email and phone in them."""
    secret = "Zq9"  # in every value: none may reach the page
    names = [*HOSTILE_NAMES, "</script><script>alert(1)</script>"]
    emails = [f"zq9.n{i}@mail.com" for i in range(len(names))]
    phones = [f"+1 212 736 {i:04d}" for i in range(len(names))]
    records = [{name: f"{secret}{name}", "email": email, "phone": phones[0],
                "first_name": f"{secret}</script>\x00\x85\u202e\ud800",
                "custom": {name: f"{secret}{name}", "ok_name": f"{secret}\u2066"}}
               for name, email in zip(names, emails, strict=True)]
    records += [{"phone": phone, "email": f"{secret}@@{phone}"} for phone in phones[1:]]
    source = folder / "r\u202eport<b>&'\".jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    table = folder / "h.csv"
    table.write_text("email,</script>\x85\u202e,phone\nzq9.csv@mail.com,Zq9x,+1 212 736 9999\n",
                     encoding="utf-8")
    return [str(source), str(table)], [*emails, *phones, "zq9.csv@mail.com", "+1 212 736 9999"]


def test_hostile_names_and_values_are_escaped_and_values_never_shown(
    tmp_path: Path, cli: Cli  # noqa: F811
) -> None:
    files, contacts = hostile_inputs(tmp_path)
    sent = {check_record({"phone": p}).payload.get("phone") for p in contacts if "+" in p}
    shared_phone = check_record({"phone": "+1 212 736 0000"}).payload["phone"]
    for flag in ([], ["--show-values"]):
        out = tmp_path / f"r{len(flag)}.html"
        ran = cli("check", *files, "--report", str(out), *flag)
        assert ran.returncode == 1, ran.stderr
        html = out.read_text(encoding="utf-8")
        assert parse_errors(html) == []
        strict_parse(html)
        assert RAW_HIDDEN.search(html) is None
        assert "\u202e" not in html
        assert "\u2066" not in html
        assert "<script" not in html.lower()
        assert "</script" not in html.lower()
        assert "<img" not in html
        assert "<b>" not in html
        assert "Zq9" not in html  # no value of any field
        for value in [*contacts, *sent]:  # no email or phone, as written or as sent
            if value == shared_phone and flag:
                continue
            assert value not in html, value
        tree = LexborHTMLParser(html)
        fields = {r.attributes["data-field"]: r.css_first("td").text()
                  for r in tree.css("#fill tr[data-kind=custom]")}
        for char, spelled in HIDDEN_CHARS.items():  # each hidden character visibly escaped
            assert fields[f"na{spelled}me"] == f"na{spelled}me", char
        assert fields["x\\u202ey\\u202c"] == "x\\u202ey\\u202c"
        assert "</script><script>alert(1)</script>" in fields
        header = tree.css_first("#headers tr[data-code]")
        assert header.attributes["data-field"] == "</script>\\u0085\\u202e"
        assert header.css("td")[1].text() == "2: </script>\\u0085\\u202e"
        # The file name (bidi control, markup, quotes) read back as text, visibly escaped.
        shown = "r\\u202eport<b>&'\".jsonl"
        assert {Path(r.attributes["data-file"]).name for r in tree.css(".rec")} == {shown}
        assert {Path(n.text()).name for n in tree.css("#problems .path")} == {shown}
        values = [v.text() for v in tree.css("#shared code.shared-value")]
        assert values == ([shared_phone] if flag else [])


def test_report_to_standard_output_is_refused(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    files, _ = write_inputs(tmp_path)
    ran = cli("check", files[0], "--report", "-")
    assert ran.returncode == 2
    assert ran.stdout == ""
    assert "--report" in ran.stderr
    assert "HTML file" in ran.stderr
    assert "usage:" in ran.stderr


def test_a_missing_folder_is_refused_before_reading(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    files, _ = write_inputs(tmp_path)
    before = sorted(tmp_path.iterdir())
    ran = cli("check", files[0], "--report", str(tmp_path / "no" / "r.html"))
    assert ran.returncode == 2
    assert ran.stdout == ""
    assert "does not exist" in ran.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_a_report_that_cannot_be_written_leaves_no_file(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    files, _ = write_inputs(tmp_path)
    expected = cli("check", *files[:2], "--format", "json")
    folder = tmp_path / "out"
    folder.mkdir()
    # The path is a folder: found out when the report is moved into place.
    (folder / "r.html").mkdir()
    ran = cli("check", *files[:2], "--format", "json", "--report", str(folder / "r.html"))
    assert ran.returncode == 2
    assert ran.stdout == expected.stdout  # the JSON output is whole
    assert "could not be written" in ran.stderr
    assert [p.name for p in folder.rglob("*")] == ["r.html"]

    # A disk that fills up halfway through the page.
    def rows(stats: Any) -> Iterator[Any]:
        yield report_module.FillRow("id", 1, 1, "standard")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_module, "_fill_rows", rows)
    ran = cli("check", files[0], "--report", str(folder / "full.html"))
    assert ran.returncode == 2
    assert "No space left on device" in ran.stderr
    assert [p.name for p in folder.rglob("*")] == ["r.html"]


def test_console_script_writes_the_report(tmp_path: Path) -> None:
    files, read = write_inputs(tmp_path)
    out = tmp_path / "report.html"
    ran = run_cli("check", *files, "--format", "json", "--report", str(out))
    assert ran.returncode == 2
    page = read_report(out.read_text(encoding="utf-8"))
    assert page["stats"]["stat-records"] == len(read) == json.loads(ran.stdout)["summary"][
        "profiles"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def generated(count: int) -> Iterator[dict[str, Any]]:
    for i in range(count):
        yield {"id": i + 1, "email": f"u{i}@mail.com" if i % 10 else "bad",
               "age": 20 + i % 50 if i % 7 else 0, "custom": {f"c{i % 80}": i}}


def test_a_20000_row_report_is_bounded(tmp_path: Path, cli: Cli) -> None:  # noqa: F811
    sizes = {}
    for count in (2_000, 20_000):
        source = tmp_path / f"g{count}.jsonl"
        source.write_text("".join(json.dumps(r) + "\n" for r in generated(count)),
                          encoding="utf-8")
        out = tmp_path / f"g{count}.html"
        assert cli("check", str(source), "--report", str(out)).returncode == 1
        html = out.read_text(encoding="utf-8")
        page = read_report(html)
        assert page["stats"]["stat-records"] == count
        bad_email = len(range(0, count, 10))
        bad_age = len(range(0, count, 7))
        assert page["codes"]["invalid_email"][:2] == (bad_email, bad_email)
        assert page["codes"]["invalid_age"][:2] == (bad_age, bad_age)
        fill = {(kind, name): (b, a) for kind, name, b, a, _ in page["fill"]}
        assert fill[("standard", "email")] == (count, count - bad_email)
        assert fill[("custom", "c0")] == (len(range(0, count, 80)),) * 2
        assert fill[("other", "")] == (count - len(range(0, count, 80)) * 50,) * 2
        sizes[count] = len(html.encode("utf-8"))
    # Ten times the records: the same page, only numbers with more digits.
    assert sizes[20_000] - sizes[2_000] < 2_000
    assert sizes[20_000] < 100_000


def test_the_counts_memory_does_not_grow_with_records() -> None:
    def retained(count: int) -> int:
        tracemalloc.start()
        try:
            stats = report_module.ReportStats()
            for number, data in enumerate(generated(count), 1):
                # every record with its own custom name and problem paths
                data["custom"] = {f"n{number}": 1, "Bad Key": 1}
                stats.add(f"f{number % 3}.jsonl", Record(number, number, data),
                          check_record(data))
            gc.collect()  # retained memory, not garbage waiting for the collector
            size = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert stats.records == count
        assert len(stats.custom) == report_module.MAX_CUSTOM
        assert all(len(first) == report_module.FIRST for first in stats.first.values())
        return size

    retained(200)  # the core's caches, filled once
    assert retained(20_000) - retained(2_000) < 16_384


def varied(count: int) -> Iterator[dict[str, Any]]:
    """Records of many shapes: fields present or not, empty, false, custom names
    beyond MAX_CUSTOM, a name too long for a row, records that are not objects."""
    for i in range(count):
        if i % 97 == 0:
            yield [i]  # type: ignore[misc]  # not an object: counts, fills nothing
            continue
        data: dict[str, Any] = {"id": i}
        if i % 2:
            data["email"] = f"u{i}@mail.com" if i % 5 else ""
        if i % 3:
            data["phone"] = "+4915112345678" if i % 11 else None
        if i % 4 == 1:
            data["bought_something"] = bool(i % 8 == 1)  # False is a value
        if i % 6 == 1:
            data["loyalty_bonuses"] = 0 if i % 12 == 1 else i
        if i % 5 == 2:
            data["kids"] = [] if i % 10 == 2 else [{"gender": "m"}]
        if i % 7 == 3:
            data["what"] = i  # not a field: never filled
        if i % 9 == 4:
            data["custom"] = {f"c{i % 70}": i, "note": "" if i % 2 else "x",
                              "x" * (report_module.MAX_NAME + 1): 1}
        yield data


@pytest.mark.parametrize("max_shapes", [1, 3, report_module.MAX_SHAPES])
def test_counting_by_shape_equals_counting_each_record(
    max_shapes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The counts are spread from shapes every max_shapes distinct ones (1: at every
    # record): the numbers are those of counting record by record, here.
    monkeypatch.setattr(report_module, "MAX_SHAPES", max_shapes)
    read = list(enumerate(varied(3_000), 1))
    stats = report_module.ReportStats()
    for number, data in read:
        stats.add("f.jsonl", Record(number, number, data), check_record(data))
        if number % 1_000 == 0:
            assert stats.records == number  # reading a count midway changes nothing
    fill = expected_fill(read)
    custom_names: list[str] = []  # first seen, as read then as sent, record by record
    other = [0, 0]
    for _, data in read:
        names = list(data.get("custom") or {}) if isinstance(data, dict) else []
        sent = [k for k in check_record(data).payload if k not in stats.before]
        for slot, group in ((0, [n for n in names if (data["custom"][n] not in EMPTY)]),
                            (1, sent)):
            outside = False
            for name in group:
                if name not in custom_names:
                    if len(custom_names) >= report_module.MAX_CUSTOM or len(name) > \
                            report_module.MAX_NAME:
                        outside = True
                        continue
                    custom_names.append(name)
            other[slot] += outside
    assert stats.records == len(read)
    assert {k: (stats.before[k], stats.after[k]) for k in stats.before} == {
        k: v for (kind, k), v in fill.items() if kind == "standard"}
    assert list(stats.custom) == custom_names
    assert {k: tuple(v) for k, v in stats.custom.items()} == {
        k: fill[("custom", k)] for k in custom_names}
    assert stats.other_custom == other
    assert other[0] > 0
    payloads = [check_record(data).payload for _, data in read]
    assert stats.identity == sum("email" in p or "phone" in p for p in payloads)
    assert stats.before["bought_something"] > 0
    assert stats.before["loyalty_bonuses"] > 0


# The shortcuts of shape() (a record with no "custom" whose keys are all sent, or all
# but the one its first problem names) beside the field-by-field reading: equal
# shapes over generated records (test_sent's profile strategy: hostile text, empty
# and false values, unknown keys, lists of entries), with and without a "custom"
# section, given the check's problems or made-up ones (a hint is tested, never
# trusted), and equal counts through ReportStats.count().
customs = st.dictionaries(st.text(max_size=5) | st.integers(), st.none() | st.text(max_size=3)
                          | st.integers() | st.booleans() | st.just([]) | st.just({}), max_size=4)
records = st.one_of(
    sent_profiles,
    st.builds(lambda data, custom: {**data, "custom": custom}
              if isinstance(data, dict) else data, sent_profiles, customs | st.none()),
    st.lists(st.integers(), max_size=2), st.none(), st.text(max_size=3),
)
made_up = st.lists(st.builds(Problem, st.sampled_from([*report_module.STANDARD_FIELDS, "x", "",
                                                       "custom", "kids[0].gender"]),
                             st.just("invalid_format"), st.just("made up")), max_size=2)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(records, st.none() | made_up), max_size=6))
def test_the_shape_shortcuts_agree_with_the_full_reading(
        read: list[tuple[Any, list[Problem] | None]]) -> None:
    by_count, by_shape = report_module.ReportStats(), report_module.ReportStats()
    for data, hint in read:
        result = check_record(data)
        problems = result.problems if hint is None else hint
        expected = report_module.read_shape(data, result.payload)
        assert report_module.shape(data, result.payload, problems) == expected
        by_count.count(data, result.payload, problems)
        by_shape.keep(expected)
    assert (by_count.records, by_count.identity, by_count.before, by_count.after,
            by_count.custom, by_count.other_custom) == (
        by_shape.records, by_shape.identity, by_shape.before, by_shape.after,
        by_shape.custom, by_shape.other_custom)
