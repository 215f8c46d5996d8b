"""The shell examples of README.md's section "The `pc-snippets` command" run as written.

Every ```sh block of the section is read from README.md (nothing is copied here) and run
through :func:`pc_snippets.cli.main` in a temporary working directory that holds the
input files the examples name:

- ``people.jsonl`` and ``checkout.jsonl``: the README's own ``$ cat`` transcripts;
- ``export.csv``: a shop export in cp1251 with ``;`` and the human headers the example
  renames (and the ``N/A``/``NULL``/``-`` values it lists as missing);
- ``columns.json``: the JSON object in the comment of the ``--rename-file`` example;
- ``customers.jsonl`` and ``orders.csv``: clean records built so that one phone number
  sits on the records the ``--shared-threshold`` example names.

Command blocks (``pc-snippets ...`` lines) must end with an exit code that the README's
exit-code table allows for the command, and write the files their comments name.
Transcript blocks (``$ ...`` lines) must print what they show, as a terminal shows it:
stdout and stderr interleaved in the order they are written (like ``2>&1``). A line
``...`` stands for any number of lines, and ``...`` inside a line for any text.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import logging
import random
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pc_snippets import Profile, check_profile
from pc_snippets.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = "The `pc-snippets` command"
SHOP_ID = "357382bf66ac0ce2f1722677c59511"  # for the README's YOUR_SHOP_ID placeholder
PLACEHOLDERS = {"YOUR_SHOP_ID": SHOP_ID}
# "Speed of the command" is not run here: its block holds only `python benchmarks/...` lines,
# which generate and time 10,000 to 1,000,000 profiles (minutes, not a test). Only that
# subsection is left out, and only while it holds nothing but benchmark lines (tested below).
EXCLUDED = {"Speed of the command": "python benchmarks/"}
# Subsections whose examples must be found (the exit codes are a table, used by every test).
EXPECTED_SUBSECTIONS = ("Reading shop exports", "`pc-snippets check", "Values shared by many",
                        "`pc-snippets render", "`pc-snippets page", "`pc-snippets schema")
DEFAULT_PAGE = "personaclick-test-page.html"


# --------------------------------------------------------------------------- reading the README


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else len(README)]


def subsections() -> list[tuple[str, str]]:
    parts = re.split(r"^### (.+)$", section(SECTION), flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


@dataclass(frozen=True)
class Block:
    title: str
    number: int  # in its subsection, from 1
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def is_transcript(self) -> bool:
        return self.lines[0].startswith("$ ")

    def __str__(self) -> str:
        return f"{self.title[:40]} #{self.number}"


def all_blocks() -> list[Block]:
    return [Block(title, number, text)
            for title, body in subsections()
            for number, text in enumerate(re.findall(r"```sh\n(.*?)```", body, re.DOTALL), 1)]


BLOCKS = [b for b in all_blocks() if not b.title.startswith(tuple(EXCLUDED))]
COMMAND_BLOCKS = [b for b in BLOCKS if not b.is_transcript]
TRANSCRIPTS = [b for b in BLOCKS if b.is_transcript]


def split_comment(line: str) -> tuple[str, str]:
    """``cmd  # comment`` -> (``cmd``, ``comment``); the README puts no ``#`` inside quotes."""
    match = re.search(r"(?:^|\s)#\s?(.*)$", line)
    if match is None:
        return line.strip(), ""
    return line[:match.start()].strip(), match.group(1).strip()


def commands(block: Block) -> list[tuple[str, str]]:
    """The block's commands, backslash continuations joined, each with its comment."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in block.lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        out.append(split_comment(pending + line))
        pending = ""
    assert not pending, f"{block}: a continuation runs off the block"
    return [(command, comment) for command, comment in out if command or comment]


def transcript(block: Block) -> list[tuple[str, list[str]]]:
    """``$ command`` lines, each with the output lines shown under it."""
    out: list[tuple[str, list[str]]] = []
    for line in block.lines:
        if line.startswith("$ "):
            out.append((line[2:], []))
        else:
            out[-1][1].append(line)
    return out


def shown_files() -> dict[str, str]:
    """The files whose content the README shows with ``$ cat FILE``."""
    files = {}
    for block in TRANSCRIPTS:
        for command, lines in transcript(block):
            if command.startswith("cat "):
                files[shlex.split(command)[1]] = "".join(line + "\n" for line in lines)
    return files


def exit_codes() -> dict[int, str]:
    (body,) = [body for title, body in subsections() if title == "Exit codes"]
    return {int(code): meaning
            for code, meaning in re.findall(r"^\| (\d+) \| (.*) \|$", body, re.MULTILINE)}


def allowed_codes(argv: list[str]) -> set[int]:
    """0, and 1 where the table's row 1 names the command (`check`, `render --strict`)."""
    table = exit_codes()
    named = re.findall(r"`([^`]+)`", table[1])
    words = [argv[0]] + [f"{argv[0]} {arg}" for arg in argv[1:] if arg.startswith("-")]
    return {0, 1} if any(word in named for word in words) else {0}


def argv_of(command: str) -> list[str]:
    words = [PLACEHOLDERS.get(word, word) for word in shlex.split(command)]
    assert words[0] == "pc-snippets", command
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "''", command)
    assert not re.search(r"[|<;&`$]|\d>", unquoted), f"shell syntax not handled: {command}"
    return words[1:]


# --------------------------------------------------------------------------- input files


def export_csv() -> bytes:
    """A shop export: cp1251, ``;``, human headers, the missing-value markers."""
    rows = [["ID", "First Name", "E-mail", "phone"],
            ["1", "Иван", "ivan.petrov@mail.ru", "N/A"],
            ["2", "Мария", "NULL", "+7 916 204-71-38"],
            ["3", "Smith; Jane", "jane.doe@mail.com", "-"],
            ["4", "Пётр", "pyotr@yandex.ru", "+7 903 518-26-47"]]
    table = io.StringIO()
    csv.writer(table, delimiter=";", lineterminator="\r\n").writerows(rows)
    return table.getvalue().encode("cp1251")


# The --shared-threshold example: one phone on 412 records, the first at records 3, 17, 58,
# 90 and 101 of customers.jsonl; two of them are in orders.csv (counted across the files).
SHOP_PHONE = "+44 20 7946 1234"
CUSTOMERS_SHARING = [3, 17, 58, 90, 101, *range(111, 516)]
ORDERS_SHARING = [4, 7]


def shared_inputs() -> tuple[str, str]:
    rng = random.Random(7)
    names = ["anna", "boris", "chen", "dana", "emil", "fatima", "goran", "hana"]

    def other_phone() -> str:
        return f"+44 7{rng.randint(10**8, 10**9 - 1)}"

    customers = []
    for number in range(1, 531):
        phone = SHOP_PHONE if number in CUSTOMERS_SHARING else other_phone()
        customers.append({"id": number, "email": f"{names[number % 8]}.{number}@mail.com",
                          "phone": phone})
    orders = []
    for number in range(1, 11):
        phone = SHOP_PHONE if number in ORDERS_SHARING else other_phone()
        orders.append({"id": f"o{number}", "email": f"{names[number % 8]}.o{number}@mail.com",
                       "phone": phone})
    for record in customers + orders:  # clean data: the example prints only the shared value
        assert check_profile(record).problems == (), record
    assert len(CUSTOMERS_SHARING) + len(ORDERS_SHARING) == 412
    table = io.StringIO()
    writer = csv.DictWriter(table, ["id", "email", "phone"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(orders)
    return "".join(json.dumps(r) + "\n" for r in customers), table.getvalue()


def rename_files() -> dict[str, str]:
    """``--rename-file PATH  # {...}``: PATH holds the JSON object of the comment."""
    files = {}
    for block in COMMAND_BLOCKS:
        for command, comment in commands(block):
            argv = argv_of(command)
            if "--rename-file" in argv:
                files[argv[argv.index("--rename-file") + 1]] = json.dumps(json.loads(comment))
    return files


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in {**shown_files(), **rename_files()}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "export.csv").write_bytes(export_csv())
    customers, orders = shared_inputs()
    (tmp_path / "customers.jsonl").write_text(customers, encoding="utf-8")
    (tmp_path / "orders.csv").write_text(orders, encoding="utf-8", newline="")
    # The report's screenshot example reads the export shipped in examples/cli.
    (tmp_path / "examples" / "cli").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "cli" / "customers.csv", tmp_path / "examples" / "cli")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str
    terminal: str  # both streams, in the order they were written


class _Stream(io.StringIO):
    def __init__(self, terminal: io.StringIO) -> None:
        super().__init__()
        self._terminal = terminal

    def write(self, text: str) -> int:
        self._terminal.write(text)
        return super().write(text)


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> Ran:
    terminal = io.StringIO()
    out, err = _Stream(terminal), _Stream(terminal)
    logger = logging.getLogger("pc_snippets")
    handlers = list(logger.handlers)  # main() adds a NullHandler each time
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        finally:
            logger.handlers[:] = handlers
    ran = Ran(code, out.getvalue(), err.getvalue(), terminal.getvalue())
    assert "Traceback" not in ran.terminal, ran.terminal
    return ran


def run_command(command: str, monkeypatch: pytest.MonkeyPatch) -> Ran:
    argv = argv_of(command)
    target = None
    if ">" in argv:  # `pc-snippets schema > FILE`: stdout goes to FILE
        at = argv.index(">")
        argv, (target,) = argv[:at], argv[at + 1:]
    ran = run(argv, monkeypatch)
    assert ran.code in allowed_codes(argv), (command, ran.code, ran.terminal)
    if target is not None:
        Path(target).write_text(ran.stdout, encoding="utf-8")
    return ran


def line_matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """``expected``'s lines in ``actual``, in order; a ``...`` line skips any lines."""
    segments: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == "...":
            segments.append([])
        else:
            segments[-1].append(line)

    def at(segment: list[str], start: int) -> bool:
        return start + len(segment) <= len(actual) and all(
            line_matches(e, a) for e, a in zip(segment, actual[start:], strict=False))

    if len(segments) == 1:
        return len(expected) == len(actual) and at(expected, 0)
    first, *middle, last = segments
    if not at(first, 0):
        return False
    position = len(first)
    for segment in middle:
        start = next((s for s in range(position, len(actual) + 1) if at(segment, s)), None)
        if start is None:
            return False
        position = start + len(segment)
    return len(actual) - len(last) >= position and at(last, len(actual) - len(last))


# --------------------------------------------------------------------------- tests


def test_section_has_its_examples() -> None:
    assert len(BLOCKS) >= 8
    assert len(COMMAND_BLOCKS) >= 3
    assert len(TRANSCRIPTS) >= 5
    for prefix in EXPECTED_SUBSECTIONS:
        assert any(b.title.startswith(prefix) for b in BLOCKS), prefix
    assert sum(len(commands(b)) for b in COMMAND_BLOCKS) >= 6
    assert {"people.jsonl", "checkout.jsonl"} <= set(shown_files())
    assert {0, 1, 2, 3, 130} <= set(exit_codes())


def test_only_the_benchmark_lines_are_left_out() -> None:
    left_out = [b for b in all_blocks() if b.title.startswith(tuple(EXCLUDED))]
    assert left_out
    for block in left_out:
        (prefix,) = [p for title, p in EXCLUDED.items() if block.title.startswith(title)]
        for command, _comment in commands(block):
            assert command.startswith(prefix), command


@pytest.mark.parametrize("block", COMMAND_BLOCKS, ids=str)
def test_command_block_runs(block: Block, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for command, comment in commands(block):
        ran = run_command(command, monkeypatch)
        assert "error:" not in ran.stderr, (command, ran.stderr)
        named = re.findall(r"[\w./-]+\.html", comment)
        reported = re.findall(r"^wrote .*: (\S+)$", ran.stdout, re.MULTILINE)
        argv = argv_of(command)
        if argv[0] == "page":
            assert reported, (command, ran.stdout)
        if argv[0] == "page" and not {"-o", "--output", "--events"} & set(argv) and not [
                a for a in argv[1:] if Path(a).suffix in {".json", ".jsonl", ".csv"}]:
            assert f"`./{DEFAULT_PAGE}` by default" in README
            named.append(DEFAULT_PAGE)
        for name in named + reported:
            assert (workdir / name).is_file(), (command, name)
        if "--shop-id" in argv:
            html = (workdir / DEFAULT_PAGE).read_text(encoding="utf-8")
            assert f'"init","{SHOP_ID}"' in html
        if argv[0] == "schema":
            target = workdir / shlex.split(command)[-1]
            assert json.loads(target.read_text(encoding="utf-8")) == Profile.model_json_schema()
        if argv[0] == "render":
            assert ran.stdout.count("<script") >= 1, (command, ran.terminal)
        renamed = [argv[i + 1].rpartition("=")[0] for i, a in enumerate(argv) if a == "--rename"]
        renamed += [old for i, a in enumerate(argv) if a == "--rename-file"
                    for old in json.loads((workdir / argv[i + 1]).read_text(encoding="utf-8"))]
        for old in renamed:  # a renamed column is read, not reported as unknown
            assert f"{old} [unknown_field]" not in ran.terminal, (command, old)


@pytest.mark.parametrize("block", TRANSCRIPTS, ids=str)
def test_transcript_output(block: Block, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for command, expected in transcript(block):
        if command.startswith("cat "):
            actual = (workdir / shlex.split(command)[1]).read_text(encoding="utf-8").splitlines()
        else:
            actual = run_command(command, monkeypatch).terminal.splitlines()
        assert lines_match(expected, actual), (
            f"README.md, `$ {command}`: the transcript is not what the command prints\n"
            + "\n".join(difflib.unified_diff(expected, actual, "README", "real", lineterm="")))
