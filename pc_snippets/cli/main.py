"""The ``pc-snippets`` command: check profile files, print snippets, write test pages.

Exit codes: 0 success (``check``: no problems), 1 problems found (``check``,
``render --strict``), 2 a usage mistake or unreadable input (bad JSON with its
line and column, a missing file, a file that cannot be written), 130 when
interrupted. Profile values are personal data: they are never printed unless
``check --show-values`` asks for them.

>>> main(["schema"])  # doctest: +ELLIPSIS
{
  "$defs": {
...
0
"""

from __future__ import annotations

import argparse
import bisect
import codecs
import functools
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from ..core.check import CheckResult, _check, check_profile
from ..core.example import EXAMPLE_PROFILE
from ..core.fields import FIELD_RULES, unknown_field_message
from ..core.phones import check_region
from ..core.problems import Problem
from .paths import MISSING, value_at
from .readers import FORMATS, InputError, ReadOptions, Record, read_file
from .shared import (
    DEFAULT_THRESHOLD,
    MAX_LISTED,
    SHARED_RULES,
    Finding,
    SharedValues,
    parse_threshold,
)

__all__ = ["main"]

PROG = "pc-snippets"
DEFAULT_PAGE = "personaclick-test-page.html"
DEFAULT_SITE = "personaclick-test-pages"

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

_NOT_AN_OBJECT = Problem("(record)", "invalid_type", "a profile must be a JSON object")


class UsageError(Exception):
    """A user mistake the command reports in one line (exit code 2)."""


# --------------------------------------------------------------------------- helpers


def _escape_char(char: str) -> str:
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _printable(text: str) -> str:
    """``text`` with control (and other unprintable) characters escaped as ``\\x1b``,
    ``\\u202e``..., so a file name, a header or an argument can't drive the terminal.

    >>> _printable("kids[0].gender")
    'kids[0].gender'
    >>> print(_printable("\\x1b[31mred\\u202e"))
    \\x1b[31mred\\u202e
    """
    if text.isprintable():
        return text
    return "".join(map(_escape_char, text))


def check_record(data: Any, phone_region: str | None = None, in_place: bool = False
                 ) -> CheckResult:
    """Check one record as read from a file.

    A JSON record may carry custom properties under a ``"custom"`` object (they
    are checked as ``custom=``); anything but an object is a problem.
    ``in_place=True`` (``check``, which reads the payload at once and drops it): the
    payload of a record with nothing to change may be ``data`` itself (never changed).

    >>> check_record({"email": "jane@mail.com", "custom": {"size": "L"}}).payload
    {'email': 'jane@mail.com', 'size': 'L'}
    >>> check_record([1, 2]).problems[0].code
    'invalid_type'
    """
    if not isinstance(data, dict):
        return CheckResult({}, (_NOT_AN_OBJECT,))
    if "custom" in data:
        data = dict(data)
        custom = data.pop("custom")
        if not isinstance(custom, dict):
            result = check_profile(data, phone_region=phone_region)
            problem = Problem("custom", "invalid_type", "custom properties must be an object")
            return CheckResult(result.payload, (*result.problems, problem))
        return check_profile(data, custom=custom, phone_region=phone_region)
    if in_place:
        return _check(data, None, None, None,
                      None if phone_region is None else check_region(phone_region), True)
    return check_profile(data, phone_region=phone_region)


def _phone_region(text: str) -> str:
    """``--phone-region``'s value, checked (argparse shows the message, exit code 2)."""
    try:
        region = check_region(text, "--phone-region")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    assert region is not None
    return region


def _shown_value(data: Any, field: str) -> str:
    value = value_at(data, field)
    if value is MISSING:
        return "(value not found)"
    # ensure_ascii: escapes control characters (terminal escapes) and odd Unicode.
    return json.dumps(value, ensure_ascii=True, default=str)


class Progress:
    """``checked N profiles`` on stderr, updated a few times a second; only on a terminal."""

    def __init__(self, stream: IO[str], verb: str) -> None:
        self.enabled = stream.isatty()
        self.stream = stream
        self.verb = verb
        self.count = 0
        self._last = float("-inf")  # the first update comes at record 1024
        self._shown = False

    def tick(self) -> None:
        self.count += 1
        # Looking at the clock only every 1024 records keeps this off the hot path.
        if self.enabled and not self.count & 1023:
            now = time.monotonic()
            if now - self._last >= 0.25:
                self._last = now
                self.stream.write(f"\r{self.verb} {self.count:,} profiles\u2026")
                self.stream.flush()
                self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _input_error(path: str, error: InputError, stopped: str = "") -> str:
    message = f"{PROG}: {_printable(path)}: {error.describe()}"
    if stopped and error.line:
        message += f" ({stopped} at line {error.line:,})"
    return message


_KNOWN_FIELDS = frozenset(FIELD_RULES)
HeaderProblems = list[tuple[int, Problem]]  # (column number, problem) of a CSV header


def header_problems(columns: list[tuple[int, str]]) -> HeaderProblems:
    """The problems of CSV columns that are not profile fields, one per column.

    >>> header_problems([(2, "First Name")])[0][1].message
    "unknown field; did you mean 'first_name'?"
    """
    return [(column, Problem(name, "unknown_field", unknown_field_message(name, FIELD_RULES)))
            for column, name in columns]


def _options(args: argparse.Namespace, on_header: Any = None) -> ReadOptions:
    return ReadOptions(
        encoding=args.encoding, delimiter=args.delimiter, rename=args.rename_map,
        missing=args.missing_set, known=_KNOWN_FIELDS, on_header=on_header,
    )


def _records(
    path: str, args: argparse.Namespace, on_header: Any = None
) -> Iterator[Record]:
    yield from read_file(path, args.input_format, _options(args, on_header))


def _header_line(path: str, column: int, problem: Problem) -> str:
    return (f"{_printable(path)}:1: header column {column}: {_printable(problem.field)} "
            f"[{problem.code}] {problem.message}")


# --------------------------------------------------------------------------- check


class TextReport:
    """``FILE:LINE: record N: FIELD [CODE] MESSAGE`` lines on stdout."""

    def __init__(self, out: IO[str], show_values: bool) -> None:
        self.out = out
        self.show_values = show_values
        self.shared_count = 0
        self.threshold = 0

    def problems(self, path: str, record: Record, problems: Sequence[Problem]) -> None:
        where = f"{_printable(path)}:{record.line}: record {record.number}"
        lines = []
        for problem in problems:
            line = f"{where}: {_printable(problem.field)} [{problem.code}] {problem.message}"
            if self.show_values:
                line += f" (value: {_shown_value(record.data, problem.field)})"
            lines.append(line + "\n")
        self.out.write("".join(lines))

    def header(self, path: str, problems: HeaderProblems) -> None:
        self.out.write("".join(_header_line(path, column, problem) + " (once for the column)\n"
                               for column, problem in problems))

    def error(self, path: str, error: InputError) -> None:
        sys.stderr.write(_input_error(path, error, "checking of this file stopped") + "\n")

    def shared(self, findings: Sequence[SharedFinding], threshold: int, found: int) -> None:
        lines = []
        for finding, records, value in findings:
            home = records[0][0]
            listed = ", ".join(str(number) if path == home else
                               f"{_printable(path)} record {number}" for path, number in records)
            more = ", ..." if finding.more else ""
            line = (f"{_printable(home)}: {finding.code}: one {finding.noun} on "
                    f"{_plural(finding.count, 'record')} (records {listed}{more})")
            if self.show_values:
                line += (f" (value: {json.dumps(value, ensure_ascii=True)})"
                         if value is not None else f" (value not available: {_no_value(home)})")
            lines.append(line + "\n")
        if found > len(findings):
            lines.append(f"{_plural(found - len(findings), 'more value')} shared by {threshold} "
                         f"or more records not listed (the first {len(findings):,} are)\n")
        self.out.write("".join(lines))
        self.shared_count = found
        self.threshold = threshold

    def finish(self, summary: dict[str, int], header_problems: int = 0) -> None:
        shared = self.shared_count
        message = (
            f"checked {_plural(summary['profiles'], 'profile')} in "
            f"{_plural(summary['files'], 'file')}: "
            f"{_plural(summary['problems'] - header_problems - shared, 'problem')} in "
            f"{_plural(summary['profiles_with_problems'], 'profile')}"
        )
        if header_problems:
            message += f", {_plural(header_problems, 'problem')} in CSV headers"
        if shared:
            message += (f", {_plural(shared, 'value')} shared by {self.threshold} or more "
                        "records")
        if summary["unreadable_files"]:
            message += f"; {_plural(summary['unreadable_files'], 'file')} could not be read"
        sys.stderr.write(message + "\n")


class JsonReport:
    """One JSON document on stdout: ``{"problems": [...], "errors": [...], "summary": {...}}``.

    Problems are written as they are found, so the report of a huge file is not
    kept in memory.
    """

    def __init__(self, out: IO[str], show_values: bool) -> None:
        self.out = out
        self.show_values = show_values
        self.first = True
        self.errors: list[dict[str, Any]] = []
        self.shared_items: list[dict[str, Any]] = []
        self.not_listed = 0
        out.write('{"problems": [')

    def problems(self, path: str, record: Record, problems: Sequence[Problem]) -> None:
        for problem in problems:
            item: dict[str, Any] = {
                "file": path,
                "record": record.number,
                "line": record.line,
                "field": problem.field,
                "code": problem.code,
                "message": problem.message,
            }
            if self.show_values:
                value = value_at(record.data, problem.field)
                item["value"] = None if value is MISSING else value
            self.out.write(("\n  " if self.first else ",\n  ") + json.dumps(item, default=str))
            self.first = False

    def header(self, path: str, problems: HeaderProblems) -> None:
        for column, problem in problems:
            item: dict[str, Any] = {
                "file": path, "record": None, "line": 1, "column": column,
                "field": problem.field, "code": problem.code, "message": problem.message,
            }
            if self.show_values:
                item["value"] = None
            self.out.write(("\n  " if self.first else ",\n  ") + json.dumps(item))
            self.first = False

    def error(self, path: str, error: InputError) -> None:
        self.errors.append(
            {"file": path, "line": error.line or None, "column": error.column or None,
             "message": error.message}
        )

    def shared(self, findings: Sequence[SharedFinding], threshold: int, found: int) -> None:
        self.not_listed = found - len(findings)
        for finding, records, value in findings:
            item: dict[str, Any] = {
                "code": finding.code, "field": finding.field, "count": finding.count,
                "message": f"one {finding.noun} on {_plural(finding.count, 'record')}",
                "records": [{"file": path, "record": number} for path, number in records],
            }
            if self.show_values:
                item["value"] = value
            self.shared_items.append(item)

    def finish(self, summary: dict[str, int], header_problems: int = 0) -> None:
        self.out.write(("\n" if not self.first else "") + "],\n")
        self.out.write(' "shared": [' + ",".join("\n  " + json.dumps(item)
                                                for item in self.shared_items)
                       + ("\n " if self.shared_items else "") + "],\n")
        self.out.write(f' "shared_not_listed": {self.not_listed},\n')
        self.out.write(f' "errors": {json.dumps(self.errors)},\n')
        self.out.write(f' "summary": {json.dumps(summary)}}}\n')


#: (finding, its first records as (file, record number), its value or None).
SharedFinding = tuple[Finding, list[tuple[str, int]], Any]


def _no_value(path: str) -> str:
    """Why ``--show-values`` has no value for a shared value first seen in ``path``."""
    if path == "-" or not os.path.isfile(path):
        return "standard input and pipes are read only once"
    return "the record, read again, no longer holds it"


def _first_payloads(path: str, numbers: set[int], args: argparse.Namespace
                    ) -> dict[int, dict[str, Any]]:
    """The payloads of records ``numbers`` of ``path``, read again (``--show-values``
    of shared values: they are never kept). Nothing for standard input, a pipe or
    a file that can no longer be read."""
    if path == "-" or not os.path.isfile(path):
        return {}
    out: dict[int, dict[str, Any]] = {}
    last = max(numbers)
    records = _records(path, args)
    try:
        for record in records:
            if record.number in numbers:
                out[record.number] = check_record(record.data, args.phone_region).payload
            if record.number >= last:
                break
    except (InputError, OSError, UnicodeError):
        pass
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()
    return out


def _shared_findings(shared: SharedValues, starts: list[tuple[int, str]],
                     args: argparse.Namespace) -> list[SharedFinding]:
    """The run's shared values, each with its first records located in their files."""
    bases = [base for base, _ in starts]

    def locate(ordinal: int) -> tuple[str, int]:
        base, path = starts[bisect.bisect_left(bases, ordinal) - 1]
        return path, ordinal - base

    located = [(finding, [locate(ordinal) for ordinal in finding.first])
               for finding in shared.findings(limit=MAX_LISTED)]
    values: list[Any] = [None] * len(located)
    if args.show_values and located:
        wanted: dict[str, set[int]] = {}
        for _, records in located:
            path, number = records[0]
            wanted.setdefault(path, set()).add(number)
        payloads = {path: _first_payloads(path, numbers, args)
                    for path, numbers in wanted.items()}
        for index, (finding, records) in enumerate(located):
            path, number = records[0]
            payload = payloads[path].get(number)
            # Shown only if the record read again still holds the counted value.
            if payload is not None and shared.key_of(finding.field, payload) == finding.digest:
                values[index] = payload[finding.field]
    return [(finding, records, value)
            for (finding, records), value in zip(located, values, strict=True)]


def _shared_threshold(text: str) -> int:
    try:
        return parse_threshold(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: More processes than this only wait on one another (and on the reading process).
MAX_JOBS = 64


def _jobs(text: str) -> int:
    """``--jobs``'s value: 1 to :data:`MAX_JOBS`, or ``auto`` (the CPUs this process may use)."""
    if text.strip().lower() == "auto":
        try:
            count = len(os.sched_getaffinity(0))
        except AttributeError:  # not on every platform
            count = os.cpu_count() or 1
        return max(1, min(count, MAX_JOBS))
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"give a number of processes from 1 to {MAX_JOBS}, "
                                         "or 'auto'")
    return value


def cmd_check(args: argparse.Namespace) -> int:
    report: TextReport | JsonReport
    report_path: Path | None = args.report
    stats = None
    if report_path is not None:
        from .report import ReportStats, write_report

        folder = report_path.absolute().parent
        if not folder.is_dir():  # found out now, not after reading every file
            raise UsageError(f"--report {_printable(str(report_path))}: the folder "
                             f"{_printable(str(folder))} does not exist")
        stats = ReportStats()
    if args.format == "json":
        report = JsonReport(sys.stdout, args.show_values)
    else:
        report = TextReport(sys.stdout, args.show_values)
    progress = Progress(sys.stderr, "checked")
    summary = {"files": 0, "profiles": 0, "profiles_with_problems": 0, "problems": 0,
               "unreadable_files": 0}
    # In place: each payload is digested and counted at once, then dropped.
    check = functools.partial(check_record, phone_region=args.phone_region, in_place=True)
    tick = progress.tick
    in_headers = 0
    shared = SharedValues(args.shared_threshold) if args.shared_threshold else None
    share = shared.add if shared is not None else None
    # (ordinal before the file's first record, path): records are numbered 1, 2 ... in
    # a file, so its record N is ordinal base + N of the run.
    starts: list[tuple[int, str]] = []

    def on_header(columns: list[tuple[int, str]]) -> None:
        nonlocal in_headers
        problems = header_problems(columns)
        in_headers += len(problems)
        summary["problems"] += len(problems)
        report.header(path, problems)
        if stats is not None:
            stats.add_header(path, problems)

    from .jobs import Checked, sequential

    pool = None
    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        from .jobs import WorkerSettings, parallel_context

        work = WorkerSettings(_options(args), args.phone_region, args.show_values,
                              contacts=shared is not None, report=stats is not None)
        pool = ProcessPoolExecutor(max_workers=args.jobs, mp_context=parallel_context())

    def checked(path: str) -> Iterator[Checked]:
        if pool is not None:
            from .chunks import NotChunkable
            from .jobs import checked_in_parallel

            try:
                yield from checked_in_parallel(path, args.input_format, work, args.jobs,
                                               on_header, pool)
                return
            except NotChunkable:
                pass  # a JSON array: read here, in one process
        yield from sequential(_records(path, args, on_header), check)

    if stats is not None:  # bound once: the loop below runs once a record
        count, keep, add_problems = stats.count, stats.keep, stats.add_problems
    try:
        for path in args.files:
            summary["files"] += 1
            base = progress.count
            starts.append((base, path))
            try:
                for record, problems, payload, fields in checked(path):
                    tick()
                    if share is not None:
                        share(payload)  # the n-th call: ordinal n, across files
                    if stats is not None:
                        if fields is None:
                            count(record.data, payload, problems)
                        else:
                            keep(fields)
                        if problems:
                            add_problems(path, record.number, problems)
                    if problems:
                        summary["profiles_with_problems"] += 1
                        summary["problems"] += len(problems)
                        report.problems(path, record, problems)
            except InputError as error:
                progress.clear()
                summary["unreadable_files"] += 1
                report.error(path, error)
                if stats is not None:
                    stats.add_error(path, error)
    finally:
        progress.clear()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    summary["profiles"] = progress.count
    findings: list[SharedFinding] = []
    if shared is not None:
        findings = _shared_findings(shared, starts, args)
        summary["problems"] += shared.found
        report.shared(findings, shared.threshold, shared.found)
    report.finish(summary, in_headers)
    if stats is not None and report_path is not None:
        sys.stdout.flush()  # the text or JSON output is complete before the report
        try:
            write_report(report_path, stats, summary, findings, args.show_values,
                         shared.found if shared is not None else 0)
        except OSError as exc:
            sys.stderr.write(f"{PROG}: error: --report {_printable(str(report_path))}: the report "
                             f"could not be written ({exc.strerror or type(exc).__name__})\n")
            return EXIT_USAGE
    if summary["unreadable_files"]:
        return EXIT_USAGE
    return EXIT_PROBLEMS if summary["problems"] else EXIT_OK


# --------------------------------------------------------------------------- render


def _check_nonce(nonce: str | None) -> None:
    from ..core.render import render_profile_get

    try:
        render_profile_get(nonce=nonce)  # validates the nonce the same way every snippet does
    except ValueError as exc:
        raise UsageError(f"--nonce: {exc}") from None


def cmd_render(args: argparse.Namespace) -> int:
    from ..core.render import render_profile_set

    _check_nonce(args.nonce)
    status = EXIT_OK
    strict = args.strict
    action = "refused (--strict)" if strict else "dropped"
    unknown_columns = False

    def on_header(columns: list[tuple[int, str]]) -> None:
        nonlocal status, unknown_columns
        unknown_columns = True
        if strict:
            status = EXIT_PROBLEMS
        for column, problem in header_problems(columns):
            sys.stderr.write(f"{_header_line(args.file, column, problem)} (column not read)\n")

    refused_for_columns = 0
    # Snippets wait in a spool (memory, then a temporary file) until the whole
    # input has been read: unreadable input at line N prints no snippet at all.
    with tempfile.SpooledTemporaryFile(max_size=16 << 20, mode="w+", encoding="utf-8",
                                       newline="") as spool:
        try:
            for record in _records(args.file, args, on_header):
                result = check_record(record.data, args.phone_region)
                where = f"{_printable(args.file)}:{record.line}: record {record.number}"
                for problem in result.problems:
                    sys.stderr.write(f"{where}: {_printable(problem.field)} [{problem.code}] "
                                     f"{problem.message} ({action})\n")
                if strict and (result.problems or record.dropped):
                    status = EXIT_PROBLEMS
                    refused_for_columns += not result.problems
                    continue
                snippet = render_profile_set(result, nonce=args.nonce)
                if not snippet:
                    sys.stderr.write(f"{where}: nothing valid to send, no snippet\n")
                    continue
                spool.write(snippet + "\n")
        except InputError as error:
            sys.stderr.write(_input_error(args.file, error, "stopped") + "; no snippets were "
                             "printed\n")
            return EXIT_USAGE
        if refused_for_columns:
            sys.stderr.write(f"{_printable(args.file)}: "
                             f"{_plural(refused_for_columns, 'profile')} refused (--strict): "
                             "values in the CSV columns above that are not profile fields\n")
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout, 1 << 16)
    return status


# --------------------------------------------------------------------------- page


def _page_output(requested: str | None, many: bool, name: str = DEFAULT_PAGE) -> Path:
    if many:
        path = Path(requested or DEFAULT_SITE)
        if path.exists() and not path.is_dir():
            raise UsageError(f"-o {_printable(str(path))}: several pages need a folder, "
                             "and this is a file")
        return path
    path = Path(requested or name)
    if path.is_dir():
        return path / name
    return path


def _write_one_page(write_page: Any, builder: Any, result: Any, path: Path) -> None:
    try:
        write_page(builder, result, path)
    except BaseException:
        # The page is written to .NAME.tmp and renamed: never leave that behind.
        path.with_name(f".{path.name}.tmp").unlink(missing_ok=True)
        raise


def _write_whole_site(
    write_site: Any, builder: Any, results: Iterator[Any], target: Path
) -> tuple[Path, int]:
    """``write_site`` into a hidden folder next to ``target``, moved into place at the end.

    Unreadable input (or Ctrl-C) halfway leaves nothing behind: neither a partial
    site nor the hidden folder, nor parent folders made for it.
    """
    created: list[Path] = []
    parent = target.absolute().parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    target.absolute().parent.mkdir(parents=True, exist_ok=True)
    temporary = target.absolute().parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    temporary.mkdir()
    try:
        index, count = write_site(builder, results, temporary)
        try:
            os.replace(temporary, target)  # target missing or an empty folder: one step
        except OSError:
            for entry in os.scandir(temporary):  # an existing site: file by file
                os.replace(entry.path, target / entry.name)
            temporary.rmdir()
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        for folder in created:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    return target / index.name, count


def cmd_page(args: argparse.Namespace) -> int:
    from .page import PageBuilder, PageItem, write_page, write_site

    try:
        builder = PageBuilder(shop_id=args.shop_id, stream=args.stream, nonce=args.nonce,
                              show_values=args.show_values,
                              consent_source=args.consent_source)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    mode = f"live, shop {args.shop_id}" if args.shop_id else "offline recorder"
    events = None
    if args.events is not None:
        # Read and checked whole first: a bad entry writes nothing (events_page.py).
        from .events_page import (
            DEFAULT_EVENTS_PAGE,
            read_events,
            write_events_page,
            write_site_with_events,
        )

        if args.events == "-" and args.file == "-":
            raise UsageError("FILE and --events cannot both be standard input ('-')")
        try:
            events = read_events(args.events, builder, phone_region=args.phone_region)
        except InputError as error:
            sys.stderr.write(_input_error(args.events, error) + "; no pages were written\n")
            return EXIT_USAGE
        event_problems = (f"{_printable(args.events)}: {_plural(events.problems, 'problem')} "
                          "found in the events; the events page shows which fields were "
                          "dropped and why\n" if events.problems else "")
        if args.file is None:  # an events page alone
            path = _page_output(args.output, many=False, name=DEFAULT_EVENTS_PAGE)
            _write_one_page(write_events_page, builder, events, path)
            print(f"wrote events test page ({mode}) for {_printable(args.events)}: "
                  f"{_printable(str(path))}")
            print(f"open it in a browser: {path.resolve().as_uri()}")
            sys.stderr.write(event_problems)
            return EXIT_OK
        # With profiles: always a folder, the events page beside the profile pages.
        write_site = functools.partial(write_site_with_events, events=events)
    if args.file is None:
        source = "the built-in example profile"
        records: Iterator[Record] = iter([Record(1, 1, EXAMPLE_PROFILE)])
    else:
        source = _printable(args.file)
        path_name = args.file

        def on_header(columns: list[tuple[int, str]]) -> None:
            for column, problem in header_problems(columns):
                sys.stderr.write(f"{_header_line(path_name, column, problem)} "
                                 "(column not read)\n")

        records = _records(args.file, args, on_header)
    progress = Progress(sys.stderr, "wrote")
    problems = 0

    def checked() -> Iterator[PageItem]:
        nonlocal problems
        for record in records:
            result = check_record(record.data, args.phone_region)
            problems += len(result.problems)
            progress.tick()
            # The record itself only for --show-values (values are personal data).
            yield PageItem(record.number, result, record.line,
                           record.data if args.show_values else None)

    results = checked()
    try:
        try:
            first = next(results, None)
            if first is None:
                raise UsageError(f"{source}: no profiles found")
            second = next(results, None)
            if second is None and events is None:
                path = _page_output(args.output, many=False)
                single = functools.partial(write_page, line=first.line, data=first.data)
                _write_one_page(single, builder, first.result, path)
                written = path
                count = 1
            else:
                path = _page_output(args.output, many=True)

                def everything() -> Iterator[PageItem]:
                    yield first
                    if second is not None:  # None: one profile, with --events
                        yield second
                        yield from results

                written, count = _write_whole_site(write_site, builder, everything(), path)
        finally:
            progress.clear()
    except InputError as error:
        sys.stderr.write(_input_error(args.file, error, "stopped") + "; no pages were "
                         "written\n")
        return EXIT_USAGE
    what = "test page" if count == 1 else f"{count:,} test pages and an index"
    if events is not None:
        what = f"{_plural(count, 'profile page')}, an events page and an index"
    print(f"wrote {what} ({mode}) for {source}: {_printable(str(written))}")
    print(f"open it in a browser: {written.resolve().as_uri()}")
    if problems:
        sys.stderr.write(f"{_plural(problems, 'problem')} found; the page shows which fields "
                         "were dropped and why\n")
    if events is not None:
        sys.stderr.write(event_problems)
    return EXIT_OK


# --------------------------------------------------------------------------- schema


def cmd_schema(args: argparse.Namespace) -> int:
    from ..core.model import Profile

    print(json.dumps(Profile.model_json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


# --------------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse's own wording, plus a pointer to the help (exit code 2 as usual).
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_printable(message)}\n"
                              f"Try '{self.prog} --help' for more information.\n")


_DELIMITER_NAMES = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}


def _delimiter(text: str) -> str:
    """``--delimiter``'s value: ``,`` ``;`` ``tab`` (or ``\\t``) or ``|``."""
    try:
        return _DELIMITER_NAMES[text.lower()]
    except KeyError:
        raise argparse.ArgumentTypeError("use one of: , ; tab |") from None


def _encoding(text: str) -> str:
    """``--encoding``'s value: a text encoding Python knows (UTF-8 also skips a BOM)."""
    try:
        name = codecs.lookup(text).name
        "".encode(name)  # "base64", "rot13" ...: codecs, but not text encodings
        b"".decode(name)
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown text encoding {_printable(text)!r} (try utf-8, cp1251, cp1252, latin-1, "
            "utf-16)") from None
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def _consent_source(text: str) -> str:
    """``--consent-source``'s value: a consent source kind a test page has a stand-in for."""
    from .consent_page import page_consent_source

    try:
        return page_consent_source(text).kind
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _rename(text: str) -> tuple[str, str]:
    """``--rename OLD=NEW`` (split at the last ``=``: field names have none)."""
    old, equals, new = text.rpartition("=")
    if not equals or not old.strip() or not new.strip():
        raise argparse.ArgumentTypeError("write it as OLD=NEW, e.g. 'First Name=first_name'")
    return old.strip(), new.strip()


def _rename_map(args: argparse.Namespace) -> dict[str, str]:
    """``--rename`` pairs and ``--rename-file`` (a JSON object) as one old -> new map."""
    pairs: list[tuple[str, str, str]] = []
    if args.rename_file is not None:
        where = f"--rename-file {_printable(args.rename_file)}"
        try:
            with open(args.rename_file, encoding="utf-8-sig") as handle:
                loaded = json.load(handle)
        except OSError as exc:
            raise UsageError(f"{where}: {exc.strerror or 'cannot read'}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{where}: not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"{where}: line {exc.lineno}, column {exc.colno}: bad JSON: "
                             f"{exc.msg}") from None
        if not isinstance(loaded, dict) or not all(
            isinstance(key, str) and isinstance(value, str) and key.strip() and value.strip()
            for key, value in loaded.items()
        ):
            raise UsageError(f'{where}: must be a JSON object of names, '
                             '{"Old Name": "new_name", ...}')
        pairs += [(key.strip(), value.strip(), where) for key, value in loaded.items()]
    pairs += [(old, new, "--rename") for old, new in args.rename]
    out: dict[str, str] = {}
    for old, new, where in pairs:
        if out.get(old, new) != new:
            raise UsageError(f"{where}: {_printable(old)!r} is renamed twice, to "
                             f"{_printable(out[old])!r} and {_printable(new)!r}")
        out[old] = new
    return out


def _missing_set(values: list[str]) -> frozenset[str]:
    """``--missing`` values (comma-separated, repeatable), trimmed and case-folded."""
    out = {part.strip().casefold() for value in values for part in value.split(",")}
    out.discard("")
    if values and not out:
        raise UsageError("--missing: give the values that mean 'no value', e.g. 'N/A,NULL,-'")
    return frozenset(out)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (``pc-snippets --help`` shows it)."""
    from .. import __version__

    parser = _Parser(
        prog=PROG,
        description="Validated, XSS-safe PersonaClick snippets: check profile files, "
                    "print snippets, write test pages.",
        epilog="Exit codes: 0 ok, 1 problems found, 2 usage error or unreadable input.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    input_format = _Parser(add_help=False)
    input_format.add_argument(
        "--input-format", choices=FORMATS, default=None,
        help="file format (default: from the extension .json/.jsonl/.ndjson/.csv, else "
             "from the content)",
    )
    input_format.add_argument(
        "--phone-region", metavar="REGION", type=_phone_region, default=None,
        help="read phones without an international prefix as national numbers of this "
             "ISO 3166-1 alpha-2 region (RU, US, GB ...); default: as written",
    )
    input_format.add_argument(
        "--encoding", metavar="NAME", type=_encoding, default="utf-8-sig",
        help="text encoding of the file (default: utf-8, a BOM is skipped); e.g. cp1251, "
             "cp1252, latin-1, utf-16",
    )
    input_format.add_argument(
        "--delimiter", metavar="CHAR", type=_delimiter, default=None,
        help="CSV delimiter: , ; tab or | (default: recognised from the first lines)",
    )
    input_format.add_argument(
        "--rename", metavar="OLD=NEW", type=_rename, action="append", default=[],
        help="read the CSV column (or top-level JSON key) OLD as the field NEW, e.g. "
             "--rename 'First Name=first_name' (repeatable)",
    )
    input_format.add_argument(
        "--rename-file", metavar="PATH", default=None,
        help='renames from a JSON object file: {"First Name": "first_name", ...}',
    )
    input_format.add_argument(
        "--missing", metavar="VALUES", action="append", default=[],
        help="comma-separated values that mean 'no value', e.g. 'N/A,NULL,-' (compared "
             "trimmed, in any letter case; such values are left out, not reported)",
    )

    check = commands.add_parser(
        "check", parents=[input_format],
        help="validate profiles from JSON, JSON Lines or CSV files",
        description="Validate profiles (JSON: one object or an array; JSON Lines; CSV with a "
                    "header row of field names). One line per problem: file:line: record N: "
                    "field [rule] message. Exit 0 clean, 1 problems, 2 unreadable input.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="profile files ('-' = stdin)")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="output format (default: text)")
    check.add_argument("--show-values", action="store_true",
                       help="also print the refused values (personal data!)")
    check.add_argument(
        "--shared-threshold", metavar="N", type=_shared_threshold, default=DEFAULT_THRESHOLD,
        help=f"report an email or phone that {DEFAULT_THRESHOLD} (or N) records share, across "
             f"all the files given ({', '.join(SHARED_RULES)}: a shop, call-centre or test "
             "value); 0 or 'off' disables",
    )
    check.add_argument(
        "--jobs", metavar="N", type=_jobs, default=1,
        help="check JSON Lines and CSV files in N processes (1-64, or 'auto': one per CPU); "
             "the output is the same as with 1",
    )

    def report_path(text: str) -> Path:
        """``--report``'s value: an HTML file to write (not standard output)."""
        if text == "-":
            raise argparse.ArgumentTypeError("the report is an HTML file: give its path, "
                                             "not '-' (standard output)")
        if not text or text.endswith(("/", os.sep)) or not Path(text).name:
            raise argparse.ArgumentTypeError("give the path of the HTML file to write")
        return Path(text)

    check.add_argument(
        "--report", metavar="PATH", type=report_path, default=None,
        help="also write a data-quality report of the whole run to PATH: one self-contained "
             "HTML page (fill rate per field, problems per rule, shared values); values "
             "appear only with --show-values (shared values)",
    )
    check.set_defaults(run=cmd_check)

    render = commands.add_parser(
        "render", parents=[input_format], help="print the profile set snippet(s)",
        description="Print a <script> snippet per profile. Dropped fields are listed on "
                    "stderr; with --strict a profile with any problem is not rendered (exit 1).",
    )
    render.add_argument("file", metavar="FILE", help="profile file ('-' = stdin)")
    render.add_argument("--strict", action="store_true",
                        help="render nothing for a profile with problems, exit 1")
    render.add_argument("--nonce", help="CSP nonce to put on each <script>")
    render.set_defaults(run=cmd_render)

    page = commands.add_parser(
        "page", parents=[input_format], help="write static HTML test pages",
        description="Write a test page (several profiles: a folder with index.html and a page "
                    "per profile). Default: the built-in example profile and an offline recorder "
                    f"in place of the SDK, written to ./{DEFAULT_PAGE} (./{DEFAULT_SITE}/ for "
                    "several profiles).",
    )
    page.add_argument("file", nargs="?", metavar="FILE",
                      help="profile file (default: the built-in example profile)")
    page.add_argument("--shop-id", help="use the real SDK loader and init with this shop id")
    page.add_argument("--stream", help="init stream (with --shop-id)")
    page.add_argument("--nonce", help="CSP nonce on every <script> (for CSP tests: a real "
                                      "server needs a fresh nonce per response)")
    page.add_argument("-o", "--output", metavar="PATH", help="page file or folder to write")
    page.add_argument("--show-values", action="store_true",
                      help="show the values of dropped fields on the pages (personal data)")
    page.add_argument(
        "--events", metavar="EVENTS",
        help='track events to show on an events page: a JSON array or JSON Lines of '
             '{"event": NAME, "data": ...} (UTF-8; \'-\' = stdin). Without FILE: that page '
             "alone; with FILE: a folder, events.html beside the profile pages, linked from "
             "index.html",
    )
    page.add_argument(
        "--consent-source", metavar="KIND", type=_consent_source, default=None,
        help="hold the snippets back until consent in a built-in stand-in consent manager of "
             "this kind (tcf, google, cookiebot, onetrust), with Accept, Refuse and Withdraw "
             "buttons on the page",
    )
    page.set_defaults(run=cmd_page)

    schema = commands.add_parser("schema", help="print the profile's JSON Schema",
                                 description="Print the JSON Schema of a profile.")
    schema.set_defaults(run=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (``pc-snippets`` calls ``sys.exit`` on it)."""
    # A test page or a dropped field is reported by the command itself; the
    # library's warnings would only repeat it.
    logging.getLogger("pc_snippets").addHandler(logging.NullHandler())
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            # Never crash on a terminal that can't show a character.
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        if hasattr(args, "rename"):
            args.rename_map = _rename_map(args)
            args.missing_set = _missing_set(args.missing)
        code: int = args.run(args)
        sys.stdout.flush()
        return code
    except UsageError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    except InputError as exc:
        sys.stderr.write(_input_error(getattr(args, "file", None) or "input", exc) + "\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, without a second error at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PROBLEMS
    except OSError as exc:
        name = f"{_printable(str(exc.filename))}: " if exc.filename else ""
        sys.stderr.write(f"{PROG}: error: {name}{exc.strerror or type(exc).__name__}\n")
        return EXIT_USAGE
    except Exception as exc:  # a bug, not a user mistake: still no traceback full of data
        if os.environ.get("PC_SNIPPETS_DEBUG"):
            raise
        sys.stderr.write(f"{PROG}: internal error ({type(exc).__name__}); please report it. "
                         "Set PC_SNIPPETS_DEBUG=1 to see the traceback.\n")
        return EXIT_INTERNAL
