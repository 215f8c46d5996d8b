"""The ``pc-snippets`` command: ``main(argv)`` in process, and its real entry points.

Most tests call :func:`pc_snippets.cli.main` in this process (the ``cli`` fixture,
output captured with ``capsys``); a few run the installed console script, ``python
-m pc_snippets`` and a wheel in a fresh venv as subprocesses, for the entry points,
their exit codes, standard input and a terminal. Expected output is computed from
the inputs with the core (``check_profile``, ``render_profile_set``,
``Profile.model_json_schema``), never copied from output. Every run also asserts
that no traceback reached the user.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import pty
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomllib

from pc_snippets import EXAMPLE_PROFILE, Profile, check_profile, render_profile_set
from pc_snippets.cli import main
from pc_snippets.cli.readers import read_csv

from .browser_support import PC_SNIPPETS, run_cli

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Ran:
    """What a run of the command gave (like subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Ran]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``cli("check", path)``: ``main(argv)`` in this process, its output captured."""
    def run(*args: str, cwd: Path | None = None) -> Ran:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        logger = logging.getLogger("pc_snippets")
        handlers = list(logger.handlers)  # main() adds a NullHandler each time
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        finally:
            logger.handlers[:] = handlers
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        return Ran(code, out, err)

    return run
SECRET = "Zebediah-Secret-Value"


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def jsonl(path: Path, records: list[Any]) -> Path:
    return write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def expected_lines(path: Path, records: list[Any], lines: list[int]) -> list[str]:
    """The text report computed from the records with the core."""
    out = []
    for number, (record, line) in enumerate(zip(records, lines, strict=True), 1):
        for problem in check_profile(record).problems:
            out.append(f"{path}:{line}: record {number}: {problem.field} [{problem.code}] "
                       f"{problem.message}")
    return out


def json_error_position(text: str) -> tuple[int, int]:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno, exc.colno
    raise AssertionError("the text was meant to be bad JSON")


GOOD = {"email": "jane.doe@mail.com", "first_name": "Jane", "gender": "female", "age": 40}
BAD = {
    "email": f"{SECRET}@", "phone": "12", "first_name": f"{SECRET}\x01",
    "kids": [{"gender": "x"}],
}


# --------------------------------------------------------------------------- check: exit codes


def test_check_clean_file_exits_0(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "good.jsonl", [GOOD, GOOD])
    assert check_profile(GOOD).ok
    result = run_cli("check", str(path))
    assert result.returncode == 0
    assert result.stdout == ""
    assert "checked 2 profiles in 1 file: 0 problems" in result.stderr


def test_check_problems_exit_1_one_line_each_without_values(tmp_path: Path) -> None:
    records = [GOOD, BAD, EXAMPLE_PROFILE]
    path = jsonl(tmp_path / "mixed.jsonl", records)
    result = run_cli("check", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == expected_lines(path, records, [1, 2, 3])
    # The example's age_mismatch is reported, as the seed page's data intends.
    assert any("[age_mismatch]" in line for line in result.stdout.splitlines())
    assert SECRET not in result.stdout + result.stderr


def test_check_show_values_prints_values_only_then(tmp_path: Path, cli: Cli) -> None:
    path = jsonl(tmp_path / "bad.jsonl", [BAD])
    hidden = cli("check", str(path))
    shown = cli("check", "--show-values", str(path))
    assert SECRET not in hidden.stdout + hidden.stderr
    assert shown.returncode == 1
    lines = shown.stdout.splitlines()
    problems = check_profile(BAD).problems
    assert len(lines) == len(problems)
    first_name = next(line for line in lines if ": first_name [" in line)
    assert first_name.endswith(f"(value: {json.dumps(BAD['first_name'])})")


def test_phone_region_flag_reads_national_numbers(tmp_path: Path, cli: Cli) -> None:
    path = jsonl(tmp_path / "phones.jsonl", [{"phone": "8 (912) 954-96-56"},
                                             {"phone": "020 7123 4567"}])
    # Without a region the UK number can only be national: a problem, exit 1.
    plain = cli("check", str(path))
    assert plain.returncode == 1
    assert "record 2: phone [phone_needs_region]" in plain.stdout
    assert "020 7123 4567" not in plain.stdout + plain.stderr
    assert cli("check", "--phone-region", "GB", str(path)).returncode == 1  # 8 (912)... in GB
    ran = cli("render", "--phone-region", "RU", str(tmp_path / "phones.jsonl"))
    expected = render_profile_set({"phone": "8 (912) 954-96-56"}, phone_region="RU")
    assert ran.stdout.splitlines()[0] == str(expected)
    assert '"phone":"79129549656"' in ran.stdout


@pytest.mark.parametrize("region", ["ru", "XX", "RUS"])
def test_a_bad_phone_region_is_a_usage_error(tmp_path: Path, cli: Cli, region: str) -> None:
    path = jsonl(tmp_path / "phones.jsonl", [{"phone": "79129549656"}])
    ran = cli("check", "--phone-region", region, str(path))
    assert ran.returncode == 2
    assert "ISO 3166-1 alpha-2" in ran.stderr


def test_check_json_format(tmp_path: Path, cli: Cli) -> None:
    records = [GOOD, BAD]
    path = jsonl(tmp_path / "mixed.jsonl", records)
    result = cli("check", "--format", "json", str(path))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    expected = [
        {"file": str(path), "record": 2, "line": 2, "field": p.field, "code": p.code,
         "message": p.message}
        for p in check_profile(BAD).problems
    ]
    assert report["problems"] == expected
    assert report["errors"] == []
    assert report["summary"] == {"files": 1, "profiles": 2, "profiles_with_problems": 1,
                                 "problems": len(expected), "unreadable_files": 0}
    assert SECRET not in result.stdout
    with_values = json.loads(cli("check", "--format", "json", "--show-values",
                                     str(path)).stdout)
    values = {p["field"]: p["value"] for p in with_values["problems"]}
    assert values["first_name"] == BAD["first_name"]
    assert values["kids[0].gender"] == "x"


def test_check_missing_file_exits_2(tmp_path: Path, cli: Cli) -> None:
    result = cli("check", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert "nope.json: no such file" in result.stderr


@pytest.mark.parametrize(
    "text",
    ['{"email": "a@b.co",\n "age": }', '[\n  {"email": "a@b.co"},\n  {"age" 3}\n]',
     '[{"a": 1}', '{"a": 1} {"b": 2}\n{', '[{"a": NaN}]'],
)
def test_check_bad_json_reports_line_and_column(tmp_path: Path, text: str, cli: Cli) -> None:
    path = write(tmp_path / "bad.json", text)
    result = cli("check", str(path))
    assert result.returncode == 2
    message = result.stderr.splitlines()[0]
    assert message.startswith(f"pc-snippets: {path}: line ")
    if "NaN" in text:
        assert "NaN is not valid JSON" in message
    else:
        # The same place Python's own json parser points at.
        line, column = json_error_position(text)
        assert f"line {line}, column {column}: bad JSON" in message


@pytest.mark.parametrize(
    "bad", ['{"email": "a@b.co" "age": 3}', '{"email": "a@b.co"} trailing', '{"a": 1}{"b": 2}',
            '  {"a": ', "[1, 2"],
)
def test_check_bad_json_line_in_jsonl(tmp_path: Path, bad: str, cli: Cli) -> None:
    good = json.dumps(GOOD)
    path = write(tmp_path / "bad.jsonl", f"{good}\n\n{bad}\n{good}\n")
    line, column = json_error_position(bad)
    result = cli("check", str(path))
    assert result.returncode == 2
    assert f"{path}: line {3 + line - 1}, column {column}: bad JSON" in result.stderr
    # The good record before the broken line was checked.
    assert "checked 1 profile" in result.stderr


def test_check_exit_2_wins_over_problems_and_other_files_are_still_checked(
    tmp_path: Path, cli: Cli
) -> None:
    bad = jsonl(tmp_path / "bad.jsonl", [BAD])
    result = cli("check", str(tmp_path / "missing.jsonl"), str(bad))
    assert result.returncode == 2
    assert result.stdout.splitlines() == expected_lines(bad, [BAD], [1])


def test_check_directory_and_unreadable_inputs(tmp_path: Path, cli: Cli) -> None:
    assert cli("check", str(tmp_path)).returncode == 2
    latin1 = write(tmp_path / "latin1.jsonl", '{"first_name": "José"}\n'.encode("latin-1"))
    result = cli("check", str(latin1))
    assert result.returncode == 2
    assert "not UTF-8" in result.stderr


def test_check_usage_mistakes_exit_2(tmp_path: Path) -> None:
    for args in (["check"], ["check", "--format", "xml", "x"], ["frobnicate"], [],
                 ["check", "--input-format", "yaml", "x"]):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert "usage:" in result.stderr


def test_check_reads_stdin() -> None:
    completed = subprocess.run(
        [str(PC_SNIPPETS), "check", "--input-format", "jsonl", "-"],
        input=json.dumps(BAD) + "\n", capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 1
    assert len(completed.stdout.splitlines()) == len(check_profile(BAD).problems)


# --------------------------------------------------------------------------- check: formats


def test_check_json_object_array_and_csv_agree(tmp_path: Path, cli: Cli) -> None:
    flat = {"email": "bob@mail.com", "age": 200, "bought_something": True, "loyalty_bonuses": 12.5,
            "first_name": "Bob", "gender": "x"}
    one = write(tmp_path / "one.json", json.dumps(flat, indent=2))
    many = write(tmp_path / "many.json", json.dumps([flat, GOOD], indent=2))
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(flat))
    writer.writeheader()
    writer.writerow({k: str(v).lower() if isinstance(v, bool) else v for k, v in flat.items()})
    sheet = write(tmp_path / "one.csv", table.getvalue())
    expected = [(p.field, p.code) for p in check_profile(flat).problems]
    for path in (one, many, sheet):
        report = json.loads(cli("check", "--format", "json", str(path)).stdout)
        assert [(p["field"], p["code"]) for p in report["problems"]] == expected, path


def test_csv_values_are_coerced_per_field_type(tmp_path: Path, cli: Cli) -> None:
    text = ("email,age,bought_something,loyalty_bonuses,loyalty_bonuses_to_next_level,first_name\n"
            "ann@mail.com,33,TRUE,10.5,7,\n"
            "ann@mail.com,thirty,yes,lots,,Ann\n")
    path = write(tmp_path / "people.csv", text)
    rows = list(csv.DictReader(io.StringIO(text)))
    first = {"email": rows[0]["email"], "age": 33, "bought_something": True,
             "loyalty_bonuses": 10.5, "loyalty_bonuses_to_next_level": 7}
    second = {"email": rows[1]["email"], "age": "thirty", "bought_something": "yes",
              "loyalty_bonuses": "lots", "first_name": "Ann"}
    assert [r.data for r in read_csv(io.StringIO(text))] == [first, second]
    assert check_profile(first).ok
    result = cli("check", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == expected_lines(path, [first, second], [2, 3])


def test_csv_ragged_row_and_duplicate_header_exit_2(tmp_path: Path, cli: Cli) -> None:
    ragged = write(tmp_path / "ragged.csv", "email,age\na@mail.com,3,extra\n")
    result = cli("check", str(ragged))
    assert result.returncode == 2
    assert "line 2:" in result.stderr
    twice = write(tmp_path / "twice.csv", "email,email\n")
    assert cli("check", str(twice)).returncode == 2


def test_format_detected_from_content_without_extension(tmp_path: Path, cli: Cli) -> None:
    lines = write(tmp_path / "export", json.dumps(BAD) + "\n" + json.dumps(GOOD) + "\n")
    pretty = write(tmp_path / "pretty", json.dumps(BAD, indent=2))
    table = write(tmp_path / "table", "email,phone\nx,1\n")
    n = len(check_profile(BAD).problems)
    assert len(cli("check", str(lines)).stdout.splitlines()) == n
    assert len(cli("check", str(pretty)).stdout.splitlines()) == n
    assert len(cli("check", str(table)).stdout.splitlines()) == len(
        check_profile({"email": "x", "phone": "1"}).problems)


def test_custom_properties_in_a_record(tmp_path: Path, cli: Cli) -> None:
    record = {"email": "cy@mail.com", "custom": {"shoe_size": 42, "Bad-Key": 1}}
    path = jsonl(tmp_path / "custom.jsonl", [record])
    expected = check_profile({"email": "cy@mail.com"}, custom=record["custom"])
    report = json.loads(cli("check", "--format", "json", str(path)).stdout)
    assert [(p["field"], p["code"]) for p in report["problems"]] == [
        (p.field, p.code) for p in expected.problems]
    rendered = cli("render", str(path)).stdout
    assert rendered == str(render_profile_set(expected)) + "\n"


# --------------------------------------------------------------------------- hostile files


def test_hostile_keys_and_values_cannot_drive_the_terminal(tmp_path: Path, cli: Cli) -> None:
    record = {"\x1b[2J\x1b]0;owned\x07": 1, "first_name": "\x1b[31mred\u202e", "email": "a\x1b@b"}
    path = jsonl(tmp_path / "hostile.jsonl", [record])
    for args in (["check", str(path)], ["check", "--show-values", str(path)]):
        result = cli(*args)
        assert result.returncode == 1
        assert "\x1b" not in result.stdout + result.stderr
        assert "\x07" not in result.stdout + result.stderr
    shown = cli("check", "--show-values", str(path)).stdout
    assert "\\u001b[31mred\\u202e" in shown


def test_hostile_structures(tmp_path: Path, cli: Cli) -> None:
    cases = {
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "deep.jsonl": '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        "nan.jsonl": '{"loyalty_bonuses": NaN}\n',
        "binary.jsonl": b"\x00\xff\xfe garbage \x80\n",
        "scalar.json": '"just a string"',
    }
    for name, text in cases.items():
        result = cli("check", str(write(tmp_path / name, text)))
        assert result.returncode in (1, 2), name
        assert "Traceback" not in result.stderr
    # A JSON document that is a scalar is one record that is not an object: a problem.
    scalar = cli("check", str(tmp_path / "scalar.json"))
    assert scalar.returncode == 1
    assert "(record) [invalid_type]" in scalar.stdout


def test_line_separators_bom_crlf_and_surrogates(tmp_path: Path, cli: Cli) -> None:
    records = [
        {"first_name": "Ann\u2028Marie", "last_name": "O\u2029Neil"},
        {"first_name": "\ud800"},  # a lone surrogate, written as a JSON escape
        {"email": "eve@mail.com", "location": "Zürich 🏔"},
    ]
    body = "\r\n".join(json.dumps(r) for r in records) + "\r\n"
    path = write(tmp_path / "odd.jsonl", "\ufeff" + body)
    result = cli("check", "--format", "json", str(path))
    report = json.loads(result.stdout)
    expected = [(n, p.field, p.code) for n, r in enumerate(records, 1)
                for p in check_profile(r).problems]
    assert [(p["record"], p["field"], p["code"]) for p in report["problems"]] == expected
    assert report["summary"]["profiles"] == 3  # U+2028 did not split a line


def test_empty_inputs(tmp_path: Path, cli: Cli) -> None:
    for name in ("empty.json", "empty.jsonl", "empty.csv"):
        path = write(tmp_path / name, "")
        result = cli("check", str(path))
        assert result.returncode == 0
        assert "checked 0 profiles" in result.stderr
        page = cli("page", str(path), "-o", str(tmp_path / "p.html"))
        assert page.returncode == 2
        assert "no profiles found" in page.stderr


def test_large_array_streams_with_record_lines(tmp_path: Path, cli: Cli) -> None:
    records = [dict(BAD, id=i + 1) for i in range(3000)]
    text = "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n"
    path = write(tmp_path / "big.json", text)
    result = cli("check", "--format", "json", str(path))
    report = json.loads(result.stdout)
    assert report["summary"]["profiles"] == 3000
    per_record = len(check_profile(records[0]).problems)
    assert [p["line"] for p in report["problems"][::per_record]] == list(range(2, 3002))


# --------------------------------------------------------------------------- progress


def test_progress_only_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    # Distinct emails: one email on 3,000 records would be a shared_email finding.
    people = [{**GOOD, "email": f"jane.doe{n}@mail.com"} for n in range(3000)]
    path = jsonl(tmp_path / "many.jsonl", people)
    piped = run_cli("check", str(path))
    assert "\r" not in piped.stderr
    controller, terminal = pty.openpty()
    try:
        completed = subprocess.run(
            [str(PC_SNIPPETS), "check", str(path)], stdout=subprocess.PIPE, stderr=terminal,
            check=False, timeout=120,
        )
        os.close(terminal)
        terminal = -1
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(controller)
        if terminal != -1:
            os.close(terminal)
    assert completed.returncode == 0
    assert b"\rchecked 1,024 profiles" in seen
    assert b"checked 3,000 profiles in 1 file" in seen


# --------------------------------------------------------------------------- render


def test_render_prints_one_snippet_per_profile(tmp_path: Path, cli: Cli) -> None:
    records = [GOOD, EXAMPLE_PROFILE, {"email": "", "gender": "x"}]
    path = jsonl(tmp_path / "people.jsonl", records)
    result = cli("render", str(path), "--nonce", "r4nd0m+/=")
    assert result.returncode == 0
    expected = [str(render_profile_set(check_profile(r), nonce="r4nd0m+/=")) for r in records]
    assert result.stdout.splitlines() == [e for e in expected if e]
    assert "record 3: nothing valid to send" in result.stderr
    assert "[age_mismatch]" in result.stderr


def test_render_strict_refuses_profiles_with_problems(tmp_path: Path, cli: Cli) -> None:
    path = jsonl(tmp_path / "people.jsonl", [GOOD, BAD])
    result = cli("render", "--strict", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [str(render_profile_set(GOOD))]
    assert "refused (--strict)" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_render_bad_nonce_and_missing_file(tmp_path: Path, cli: Cli) -> None:
    path = jsonl(tmp_path / "one.jsonl", [GOOD])
    bad = cli("render", str(path), "--nonce", '"><script>')
    assert bad.returncode == 2
    assert "--nonce" in bad.stderr
    assert bad.stdout == ""
    missing = cli("render", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr


# --------------------------------------------------------------------------- page


def test_page_default_writes_example_page_in_cwd(tmp_path: Path, cli: Cli) -> None:
    result = cli("page", cwd=tmp_path)
    assert result.returncode == 0
    page = tmp_path / "personaclick-test-page.html"
    assert page.is_file()
    assert "personaclick-test-page.html" in result.stdout
    assert page.resolve().as_uri() in result.stdout
    html = page.read_text(encoding="utf-8")
    assert "window.personaclickRecorder" in html
    # The example's age disagrees with its birthday: the page reports it.
    assert [p.code for p in check_profile(EXAMPLE_PROFILE).problems] == ["age_mismatch"]
    assert "age_mismatch" in html


def test_page_many_profiles_make_a_folder(tmp_path: Path, cli: Cli) -> None:
    path = jsonl(tmp_path / "people.jsonl", [GOOD, BAD, EXAMPLE_PROFILE])
    out = tmp_path / "site"
    result = cli("page", str(path), "-o", str(out))
    assert result.returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html", "profile-000001.html", "profile-000002.html", "profile-000003.html"]
    assert str(out / "index.html") in result.stdout
    index = (out / "index.html").read_text(encoding="utf-8")
    for n in (1, 2, 3):
        assert f'href="profile-00000{n}.html"' in index
    # Default folder name, in the working directory.
    assert cli("page", str(path), cwd=tmp_path).returncode == 0
    assert (tmp_path / "personaclick-test-pages" / "index.html").is_file()


def test_page_usage_mistakes_exit_2(tmp_path: Path, cli: Cli) -> None:
    path = jsonl(tmp_path / "people.jsonl", [GOOD, BAD])
    a_file = write(tmp_path / "file.html", "x")
    cases = [
        (["page", str(path), "-o", str(a_file)], "need a folder"),
        (["page", "--stream", "web"], "shop id"),
        (["page", "--shop-id", "bad id!"], "shop_id"),
        (["page", "--shop-id", "357382bf66ac0ce2f1722677c59511",
          "--stream", "way-too-long-stream-name"], "stream"),
        (["page", "--nonce", "no spaces"], "nonce"),
        (["page", str(tmp_path / "missing.json")], "no such file"),
        (["page", "-o", str(tmp_path / "no" / "such" / "dir" / "p.html")], "No such file"),
    ]
    for args, words in cases:
        result = cli(*args)
        assert result.returncode == 2, args
        assert words in result.stderr, (args, result.stderr)


def test_page_with_shop_id_uses_the_real_loader(tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "live.html"
    result = cli("page", "--shop-id", "357382bf66ac0ce2f1722677c59511", "--stream", "web2",
                     "-o", str(out))
    assert result.returncode == 0
    html = out.read_text(encoding="utf-8")
    assert "https://\"+c.cdn+\"/v3.js" in html
    assert '"init","357382bf66ac0ce2f1722677c59511","web2"' in html
    assert "personaclickRecorder" not in html


def test_python_dash_m_is_the_same_command(tmp_path: Path) -> None:
    completed = subprocess.run([sys.executable, "-m", "pc_snippets", "page", "-o",
                                str(tmp_path / "m.html")], capture_output=True, text=True,
                               check=False)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "m.html").is_file()


# --------------------------------------------------------------------------- schema


def test_schema_is_the_profile_model_schema(cli: Cli) -> None:
    result = cli("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout) == Profile.model_json_schema()


# --------------------------------------------------------------------------- the wheel


def test_wheel_ships_templates_and_page_works_from_a_fresh_venv(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(REPO)], check=True, timeout=600)
    (wheel,) = wheels.glob("pc_snippets-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = {p.relative_to(REPO / "templates").as_posix()
               for p in (REPO / "templates").iterdir()}
    assert {f"pc_snippets/templates/{name}" for name in shipped} <= names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
           "--disable-pip-version-check"]
    # The dependencies from the package index, the package itself only from the wheel.
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["dependencies"]
    subprocess.run([*pip, *dependencies], check=True, timeout=600)
    subprocess.run([*pip, "--no-index", "--find-links", str(wheels), "pc-snippets"], check=True,
                   timeout=600)
    work = tmp_path / "elsewhere"  # not the repository: its templates/ can't be used
    work.mkdir()
    completed = subprocess.run([str(venv / "bin" / "pc-snippets"), "page"], cwd=work,
                               capture_output=True, text=True, check=False, timeout=120)
    assert completed.returncode == 0, completed.stderr
    html = (work / "personaclick-test-page.html").read_text(encoding="utf-8")
    assert "window.personaclickRecorder" in html
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "from pc_snippets.cli.page import templates_dir; print(templates_dir())"],
        cwd=work, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv)


# --------------------------------------------------------------------------- shop exports


def _csv_text(rows: list[dict[str, str]], delimiter: str, header: list[str] | None = None) -> str:
    table = io.StringIO()
    writer = csv.writer(table, delimiter=delimiter, lineterminator="\r\n")
    names = list(rows[0])
    writer.writerow(header or names)
    for row in rows:
        writer.writerow([row[name] for name in names])
    return table.getvalue()


EXPORT = [
    {"email": "jane.doe@mail.com", "first_name": "Smith; Jane", "age": "40"},
    {"email": f"{SECRET}@", "first_name": "Bob", "age": "thirty"},
]


def _expected_export(rows: list[dict[str, str]]) -> list[tuple[int, str, str]]:
    out = []
    for number, row in enumerate(rows, 1):
        data: dict[str, Any] = {k: v for k, v in row.items() if v}
        if "age" in data and data["age"].isdigit():
            data["age"] = int(data["age"])
        out += [(number, p.field, p.code) for p in check_profile(data).problems]
    return out


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_csv_delimiter_is_recognised_with_quoted_delimiters(
    tmp_path: Path, cli: Cli, delimiter: str
) -> None:
    path = write(tmp_path / "export.csv", _csv_text(EXPORT, delimiter))
    assert f'"Smith{delimiter}' in path.read_text() or delimiter not in "Smith; Jane"
    report = json.loads(cli("check", "--format", "json", str(path)).stdout)
    assert [(p["record"], p["field"], p["code"]) for p in report["problems"]] == \
        _expected_export(EXPORT)
    assert report["summary"]["profiles"] == 2
    assert SECRET not in json.dumps(report)


@pytest.mark.parametrize("given", [";", "tab", "\\t", "\t", "|", ","])
def test_delimiter_flag_overrides_detection(tmp_path: Path, cli: Cli, given: str) -> None:
    actual = {"tab": "\t", "\\t": "\t"}.get(given, given)
    path = write(tmp_path / "export.csv", _csv_text(EXPORT, actual))
    report = json.loads(cli("check", "--format", "json", "--delimiter", given, str(path)).stdout)
    assert [(p["record"], p["field"], p["code"]) for p in report["problems"]] == \
        _expected_export(EXPORT)


def test_bad_delimiter_encoding_and_rename_are_usage_errors(tmp_path: Path, cli: Cli) -> None:
    path = write(tmp_path / "x.csv", "email\na@mail.com\n")
    for args in (["--delimiter", ":"], ["--encoding", "no-such-codec"],
                 ["--encoding", "base64"], ["--rename", "no-equals"],
                 ["--rename", "a=b", "--rename", "a=c"], ["--missing", ","],
                 ["--rename-file", str(tmp_path / "none.json")]):
        for command in ("check", "render", "page"):
            ran = cli(command, *args, str(path))
            assert ran.returncode == 2, (command, args)
            assert ran.stdout == ""


def _cp1251_jsonl(path: Path, bad_line: int) -> list[dict[str, str]]:
    good = {"email": "ivan@mail.ru", "first_name": "Ivan"}
    records = [good] * (bad_line - 1) + [{"email": "ivan@mail.ru", "first_name": "Иван"}]
    records += [good] * 3
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("cp1251")
    write(path, data)
    # The line of the first byte UTF-8 cannot decode, computed from the bytes.
    with pytest.raises(UnicodeDecodeError) as caught:
        data.decode("utf-8")
    assert data[:caught.value.start].count(b"\n") + 1 == bad_line
    return records


@pytest.mark.parametrize("bad_line", [2, 20_002])
def test_undecodable_byte_reports_its_true_line(tmp_path: Path, cli: Cli, bad_line: int) -> None:
    path = tmp_path / "cp1251.jsonl"
    records = _cp1251_jsonl(path, bad_line)
    ran = cli("check", str(path))
    assert ran.returncode == 2
    assert f"line {bad_line}: the file is not UTF-8 text" in ran.stderr
    assert "--encoding" in ran.stderr
    assert "cp1251" in ran.stderr
    assert f"stopped at line {bad_line:,}" in ran.stderr
    assert f"checked {bad_line - 1:,} profile" in ran.stderr
    assert "Иван" not in ran.stderr
    rendered = cli("render", str(path))
    assert rendered.returncode == 2
    assert rendered.stdout == ""
    assert f"line {bad_line}:" in rendered.stderr
    assert "no snippets were printed" in rendered.stderr
    site = tmp_path / "site"
    paged = cli("page", str(path), "-o", str(site / "deeper"))
    assert paged.returncode == 2
    assert "no pages were written" in paged.stderr
    assert not site.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cp1251.jsonl"]
    # With the right encoding it all reads.
    fixed = cli("check", "--encoding", "cp1251", "--format", "json", str(path))
    assert json.loads(fixed.stdout)["summary"]["profiles"] == len(records)
    out = cli("render", "--encoding", "CP1251", str(path)).stdout.splitlines()
    assert out[-4] == str(render_profile_set(check_profile(records[-4])))


def test_undecodable_byte_in_csv_and_existing_site_kept(tmp_path: Path, cli: Cli) -> None:
    body = "email;first_name\r\n" + "a@mail.com;Ann\r\n" * 20_000 + "b@mail.com;Иван\r\n"
    path = write(tmp_path / "shop.csv", body.encode("cp1251"))
    ran = cli("check", str(path))
    assert ran.returncode == 2
    assert "line 20002: the file is not UTF-8 text" in ran.stderr
    head = "".join(body.splitlines(keepends=True)[:21])
    small = write(tmp_path / "small.csv", head.encode() + "Иван\r\n".encode("cp1251"))
    site = tmp_path / "site"
    site.mkdir()
    write(site / "keep.txt", "old")
    failed = cli("page", str(small), "-o", str(site))
    assert failed.returncode == 2
    assert f"line {head.count(chr(10)) + 1}:" in failed.stderr
    assert sorted(p.name for p in site.iterdir()) == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    ok = cli("page", "--encoding", "cp1251", str(small), "-o", str(site))
    assert ok.returncode == 0
    assert len(list(site.iterdir())) == 21 + 1 + 1  # 21 profiles, index.html, keep.txt


def test_rename_flag_and_rename_file(tmp_path: Path, cli: Cli) -> None:
    text = "ID,First Name,E-mail\r\n7,Jane,jane.doe@mail.com\r\n"
    path = write(tmp_path / "human.csv", text)
    expected = render_profile_set(check_profile(
        {"id": "7", "first_name": "Jane", "email": "jane.doe@mail.com"}))
    ran = cli("render", "--rename", "First Name=first_name", "--rename", "ID=id",
              "--rename", "E-mail=email", str(path))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == str(expected) + "\n"
    names = write(tmp_path / "names.json", json.dumps(
        {"First Name": "first_name", "ID": "id", "E-mail": "email"}))
    assert cli("render", "--rename-file", str(names), str(path)).stdout == str(expected) + "\n"
    assert cli("check", "--rename-file", str(names), str(path)).returncode == 0
    # JSON keys too (top level).
    lines = jsonl(tmp_path / "human.jsonl", [{"First Name": "Jane", "E-mail": "jane.doe@mail.com"}])
    checked = cli("check", "--rename-file", str(names), str(lines))
    assert checked.returncode == 0
    assert checked.stdout == ""
    bad = write(tmp_path / "bad.json", "[1]")
    assert cli("check", "--rename-file", str(bad), str(path)).returncode == 2


def test_missing_values_are_not_problems(tmp_path: Path, cli: Cli) -> None:
    text = "email,phone,loyalty_bonuses,first_name\r\nN/A, NULL ,-,Ann\r\nn/a,null,12,Bob\r\n"
    path = write(tmp_path / "na.csv", text)
    plain = cli("check", str(path))
    assert plain.returncode == 1
    ran = cli("check", "--missing", "N/A,NULL,-", "--format", "json", str(path))
    report = json.loads(ran.stdout)
    expected = [(n, p.field, p.code) for n, data in
                enumerate([{"first_name": "Ann"}, {"loyalty_bonuses": 12, "first_name": "Bob"}], 1)
                for p in check_profile(data).problems]
    assert [(p["record"], p["field"], p["code"]) for p in report["problems"]] == expected
    records = [{"email": "N/A", "phone": "-", "first_name": "Ann", "kids": [{"gender": "NULL"}]}]
    lines = jsonl(tmp_path / "na.jsonl", records)
    out = cli("render", "--missing", "N/A", "--missing", "NULL,-", str(lines))
    assert out.stdout == str(render_profile_set(
        check_profile({"first_name": "Ann", "kids": [{}]}))) + "\n"


def test_unknown_csv_headers_reported_once_per_column(tmp_path: Path, cli: Cli) -> None:
    long_name = "Customer Loyalty Programme Membership Status " * 5
    header = ["ID", "First Name", "email", long_name.strip()]
    rows = [[str(n), f"Name{n}", f"jane.doe{n}@mail.com", "gold"] for n in range(10_000)]
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(header)
    writer.writerows(rows)
    path = write(tmp_path / "people.csv", table.getvalue())
    unknown = [(column, name) for column, name in enumerate(header, 1)
               if any(p.code == "unknown_field" for p in check_profile({name: "x"}).problems)]
    expected_header = []
    for column, name in unknown:
        (problem,) = check_profile({name: "x"}).problems
        assert problem.code == "unknown_field"
        expected_header.append(f"{path}:1: header column {column}: {name} [unknown_field] "
                               f"{problem.message} (once for the column)")
    row_problems = [(n + 2, n + 1, p) for n, row in enumerate(rows)
                    for p in check_profile({"email": row[2]}).problems]
    ran = cli("check", str(path))
    lines = ran.stdout.splitlines()
    assert lines[:len(unknown)] == expected_header
    assert len(lines) == len(unknown) + len(row_problems)
    assert len(ran.stdout) < 2_000 + 200 * len(row_problems)
    assert "checked 10,000 profiles" in ran.stderr
    report = json.loads(cli("check", "--format", "json", str(path)).stdout)
    assert [(p["line"], p["column"], p["field"]) for p in report["problems"]
            if p["record"] is None] == [(1, c, n) for c, n in unknown]
    rendered = cli("render", str(path))
    assert rendered.stderr.count("[unknown_field]") == len(unknown)
    assert len(rendered.stdout.splitlines()) == sum(
        bool(check_profile({"email": row[2]}).payload) for row in rows)
    strict = cli("render", "--strict", str(path))
    assert strict.returncode == 1
    assert strict.stdout == ""
    assert "10,000 profiles refused (--strict)" in strict.stderr


def test_escape_in_file_and_header_names_is_escaped(tmp_path: Path, cli: Cli) -> None:
    path = write(tmp_path / "evil\x1b[2Jname.csv", "email,\x1b]0;owned\x07col\na@b,1\n")
    for args in (["check", str(path)], ["render", str(path)],
                 ["page", str(path), "-o", str(tmp_path / "o\x1b[31m.html")],
                 ["check", str(tmp_path / "no\x1b[31m.csv")],
                 ["check", "--encoding", "\x1b[31m", str(path)],
                 ["check", str(path), "--\x1b[31m"]):
        ran = cli(*args)
        assert "\x1b" not in ran.stdout + ran.stderr, args
        assert "\x07" not in ran.stdout + ran.stderr, args
    ran = cli("check", str(path))
    assert "evil\\x1b[2Jname.csv:1: header column 2: \\x1b]0;owned\\x07col [unknown_field]" \
        in ran.stdout


@pytest.mark.parametrize("data", [
    {**EXAMPLE_PROFILE, "age": 35},  # clean: the payload may be the record itself
    dict(EXAMPLE_PROFILE),  # a stale age: dropped from a copy
    {"email": "Jane@Mail.COM", "phone": "+7 912 954-96-56", "kids": [{"gender": "female"}]},
    {"email": "jane@mail.com", "custom": {"tier": "gold"}},
    {"First Name": "Jane", "email": None},
    [1, 2],
])
def test_check_reads_records_in_place_with_the_same_result_and_never_changes_them(
    data: Any,
) -> None:
    from pc_snippets.cli.main import check_record

    before = repr(data)
    expected = check_record(data, "RU")
    assert repr(data) == before
    result = check_record(data, "RU", in_place=True)
    assert repr(data) == before
    assert repr(result.payload) == repr(expected.payload)
    assert result.problems == expected.problems
