"""``check --jobs N``: pieces of whole records checked in other processes, reported
exactly as one process reports them.

The oracle is the one-process path (``read_file`` plus ``check_record``, and
``--jobs 1`` through ``main``): every record's number, the lines and problems of
records with problems, the contacts the shared-value check counts, and the error
that stops a file must be the same, for files cut into many small pieces.
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pc_snippets.cli import chunks
from pc_snippets.cli.chunks import NotChunkable, read_chunks
from pc_snippets.cli.jobs import WorkerSettings, checked_in_parallel, sequential
from pc_snippets.cli.main import _KNOWN_FIELDS, check_record
from pc_snippets.cli.paths import MISSING
from pc_snippets.cli.readers import InputError, ReadOptions, read_file

from .test_cli import Cli, cli  # noqa: F401  (the main(argv) fixture)

FIRST = ["Anna", "Jean-Luc", "O'Neil", "Zoë", "李", "Müller, Hans", 'Bob "B"', "Line\nBreak"]


def person(rng: random.Random, n: int) -> dict[str, Any]:
    """A profile with the mistakes exports carry (about a third have problems)."""
    data: dict[str, Any] = {"id": n, "email": f"user{n}@mail.com",
                            "first_name": rng.choice(FIRST)}
    roll = rng.random()
    if roll < 0.1:
        data["email"] = "anonymous@example.com"
    elif roll < 0.2:
        data["phone"] = "0000000"
    elif roll < 0.3:
        data["birthday"] = "1990-02-30"
    if rng.random() < 0.2:
        data["phone"] = "+44 20 7123 4567"  # the shop's own number, on many records
    return data


def write_jsonl(path: Path, rows: list[Any], blank_every: int = 0, newline: str = "\n") -> Path:
    lines = []
    for index, row in enumerate(rows):
        if blank_every and index % blank_every == 0:
            lines.append("")
        lines.append(json.dumps(row, ensure_ascii=False))
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def csv_cell(value: Any) -> str:
    text = str(value)
    if any(c in text for c in ',"\n;'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str],
              encoding: str = "utf-8", newline: str = "\n") -> Path:
    lines = [",".join(columns)]
    lines += [",".join(csv_cell(row.get(c, "")) for c in columns) for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def one_process(path: Path, options: ReadOptions, show: bool = True) -> tuple[list[Any], Any]:
    """Every record as the command sees it in one process, and the error that stopped it."""
    items: list[Any] = []
    unknown: list[Any] = []
    options = dataclasses.replace(options, on_header=unknown.append)
    error = None
    try:
        for record, problems, payload, _ in sequential(read_file(str(path), None, options),
                                                    check_record):
            items.append(summary(record, problems, payload, show))
    except InputError as exc:
        error = (exc.message, exc.line, exc.column)
    return [*unknown, *items], error


def summary(record: Any, problems: Any, payload: Any, show: bool) -> tuple[Any, ...]:
    if not problems:
        return (record.number, None, (), None, payload.get("email"), payload.get("phone"))
    return (record.number, record.line, tuple(problems), record.data if show else MISSING,
            payload.get("email"), payload.get("phone"))


def in_parallel(path: Path, options: ReadOptions, jobs: int = 2, show: bool = True
                ) -> tuple[list[Any], Any]:
    items: list[Any] = []
    unknown: list[Any] = []
    error = None
    work = WorkerSettings(options, None, show, contacts=True)
    try:
        for record, problems, payload, _ in checked_in_parallel(str(path), None, work, jobs,
                                                             unknown.append):
            items.append(summary(record, problems, payload, show))
    except InputError as exc:
        error = (exc.message, exc.line, exc.column)
    return [*unknown, *items], error


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few hundred characters: a small file is cut many times."""
    monkeypatch.setattr(chunks, "CHUNK_SIZE", 300)


def options(**changes: Any) -> ReadOptions:
    return ReadOptions(known=_KNOWN_FIELDS, **changes)


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_json_lines_in_pieces_equal_one_process(tmp_path: Path, newline: str) -> None:
    rng = random.Random(1)
    rows = [person(rng, n) for n in range(300)] + ["not an object", [1, 2], None]
    path = write_jsonl(tmp_path / "people.jsonl", rows, blank_every=7, newline=newline)
    expected, error = one_process(path, options())
    assert error is None
    assert len([item for item in expected if item[2]]) > 50  # many records with problems
    assert len(list(read_chunks(str(path), None, options()))) > 20  # many pieces
    assert in_parallel(path, options()) == (expected, None)


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_with_quoted_line_breaks_in_pieces_equals_one_process(tmp_path: Path,
                                                                  delimiter: str) -> None:
    rng = random.Random(2)
    rows = [person(rng, n) for n in range(300)]
    columns = ["id", "email", "First Name", "phone", "birthday"]
    for row in rows:
        row["First Name"] = row.pop("first_name")
    path = write_csv(tmp_path / "people.csv", rows, columns)
    if delimiter == ";":
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(",", ";"), encoding="utf-8")  # quoted cells stay quoted
    opts = options(rename={"First Name": "first_name"}, missing=frozenset({"n/a"}))
    expected, error = one_process(path, opts)
    assert error is None
    assert len(expected) == 300
    assert path.read_text(encoding="utf-8").count("\n") > 310  # quoted line breaks
    assert in_parallel(path, options(rename={"First Name": "first_name"},
                                     missing=frozenset({"n/a"}))) == (expected, None)


@pytest.mark.usefixtures("small_pieces")
def test_unknown_csv_columns_are_reported_once(tmp_path: Path) -> None:
    rows = [{"id": n, "E-mail": f"u{n}@mail.com", "email": f"u{n}@mail.com"} for n in range(200)]
    path = write_csv(tmp_path / "people.csv", rows, ["id", "E-mail", "email"])
    expected, _ = one_process(path, options())
    assert expected[0] == [(2, "E-mail")]
    assert in_parallel(path, options()) == (expected, None)


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("where", [1, 2, 57, 299])
def test_an_undecodable_byte_stops_at_its_true_line(tmp_path: Path, where: int) -> None:
    rng = random.Random(3)
    rows = [person(rng, n) for n in range(300)]
    path = write_jsonl(tmp_path / "people.jsonl", rows)
    lines = path.read_bytes().split(b"\n")
    lines[where - 1] = lines[where - 1].replace(b"mail", b"m\xffil", 1)
    path.write_bytes(b"\n".join(lines))
    expected, error = one_process(path, options())
    assert error is not None
    assert error[1] == where
    assert len(expected) == where - 1
    assert in_parallel(path, options()) == (expected, error)


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("broken", ['{"id": 1,', '{"id": 1} x', "[1, 2", '{"id": 1}}'])
def test_bad_json_stops_at_its_line_and_column(tmp_path: Path, broken: str) -> None:
    rng = random.Random(4)
    rows = [json.dumps(person(rng, n)) for n in range(200)]
    rows[150] = broken
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    expected, error = one_process(path, options())
    assert error is not None
    assert error[1] == 151
    assert in_parallel(path, options()) == (expected, error)


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("broken", ['7,"a@mail.com,x\n', "7,a@mail.com,x,y,z\n"])
def test_bad_csv_stops_where_one_process_stops(tmp_path: Path, broken: str) -> None:
    rows = "".join(f"{n},user{n}@mail.com,Anna\n" for n in range(200))
    lines = rows.splitlines(keepends=True)
    lines[120] = broken
    path = tmp_path / "people.csv"
    path.write_text("id,email,first_name\n" + "".join(lines), encoding="utf-8")
    expected, error = one_process(path, options())
    assert error is not None
    assert in_parallel(path, options()) == (expected, error)


@pytest.mark.usefixtures("small_pieces")
def test_cp1251_with_a_byte_order_mark_free_header(tmp_path: Path) -> None:
    rows = [{"id": n, "first_name": "Иван", "email": f"u{n}@mail.ru"} for n in range(200)]
    path = write_csv(tmp_path / "people.csv", rows, ["id", "first_name", "email"],
                     encoding="cp1251")
    expected, error = one_process(path, options(encoding="cp1251"))
    assert error is None
    assert len(expected) == 200
    assert in_parallel(path, options(encoding="cp1251")) == (expected, None)


def test_a_utf8_byte_order_mark_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"id": 1, "email": "a@mail.com"}\n' * 3)
    expected, _ = one_process(path, options())
    assert [item[0] for item in expected] == [1, 2, 3]
    assert in_parallel(path, options()) == (expected, None)


def test_a_json_array_is_read_in_one_process(tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    path.write_text('[{"id": 1}]', encoding="utf-8")
    with pytest.raises(NotChunkable):
        next(read_chunks(str(path), None, options()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.lists(st.text(alphabet=st.sampled_from('ab,;"\n\r é'), max_size=6),
                               min_size=3, max_size=3), min_size=1, max_size=40),
       size=st.integers(1, 80))
def test_any_csv_text_is_cut_between_its_records(cells: list[list[str]], size: int) -> None:
    # Whatever the quoting, the pieces joined are the text, and parsing each piece
    # (with the header) gives the rows of the whole, as the csv module reads them.
    import csv
    import io

    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([["id", "email", "first_name"], *cells])
    text = buffer.getvalue()
    pieces = list(chunks.chunks_of(io.StringIO(text, newline=""), "csv", ",", size))
    assert "".join(p.text for p in pieces) == text
    whole = list(csv.reader(io.StringIO(text, newline="")))
    rows = []
    for piece in pieces:
        rows += list(csv.reader(io.StringIO(piece.header + piece.text, newline="")))[
            1 if piece.index == 0 or piece.header else 0:]
    assert [whole[0], *rows] == whole


def test_check_jobs_2_prints_what_jobs_1_prints(tmp_path: Path, cli: Cli,  # noqa: F811
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK_SIZE", 2000)
    rng = random.Random(5)
    rows = [person(rng, n) for n in range(2000)]
    path = write_jsonl(tmp_path / "people.jsonl", rows, blank_every=11)
    csv_rows = [dict(row, **{"First Name": row.pop("first_name")}) for row in rows[:500]]
    other = write_csv(tmp_path / "more.csv", csv_rows, ["id", "email", "phone", "First Name"])
    for extra in ([], ["--format", "json"], ["--show-values"], ["--shared-threshold", "off"],
                  ["--format", "json", "--show-values", "--shared-threshold", "3"]):
        argv = ["check", str(path), str(other), *extra]
        one = cli(*argv, "--jobs", "1")
        two = cli(*argv, "--jobs", "2")
        assert one.returncode == 1
        assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout,
                                                            one.stderr)
        assert one.stdout.count("\n") > 500


def test_check_jobs_with_a_file_that_breaks(tmp_path: Path, cli: Cli,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK_SIZE", 500)
    rng = random.Random(6)
    path = write_jsonl(tmp_path / "people.jsonl", [person(rng, n) for n in range(400)])
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) // 2)
    path.write_bytes(data[:cut] + b"\n\xc0\xaf" + data[cut:])
    one = cli("check", str(path), "--jobs", "1")
    two = cli("check", str(path), "--jobs", "2")
    assert one.returncode == 2
    assert "not UTF-8 text" in one.stderr
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)


@pytest.mark.parametrize("value", ["0", "-1", "x", "1000"])
def test_a_bad_jobs_value_is_a_usage_error(tmp_path: Path, cli: Cli, value: str) -> None:  # noqa: F811
    path = write_jsonl(tmp_path / "people.jsonl", [{"id": 1}])
    ran = cli("check", str(path), "--jobs", value)
    assert ran.returncode == 2
    assert "--jobs" in ran.stderr


def test_the_report_of_jobs_2_is_the_report_of_jobs_1(tmp_path: Path, cli: Cli,  # noqa: F811
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    monkeypatch.setattr(chunks, "CHUNK_SIZE", 1500)
    rng = random.Random(7)
    rows = [person(rng, n) for n in range(1500)]
    for n, row in enumerate(rows):
        if n % 5 == 0:
            row["custom"] = {f"size{(n // 5) % 70}": "L", "empty": ""}
    path = write_jsonl(tmp_path / "people.jsonl", rows)
    pages = []
    for jobs in ("1", "2"):
        report = tmp_path / f"report-{jobs}.html"
        ran = cli("check", str(path), "--jobs", jobs, "--report", str(report))
        assert ran.returncode == 1
        # The time it was made is the only difference allowed.
        pages.append(re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "TIME",
                            report.read_text(encoding="utf-8")))
    assert pages[0] == pages[1]
    assert 'data-kind="other"' in pages[0]  # over 50 custom names: 20 share the "other" row
