"""``pc-snippets check FILE... --report PATH``: a data-quality report of a whole run.

One self-contained HTML page (no script, no network, no external fonts; the
charts are inline SVG bars beside the numbers they draw): records read, records
that would send an identity, profiles with problems, the fill rate of every
field before and after the check, problems per rule code with their first
records, CSV header problems, shared values and unreadable files.

Everything is counted while the records stream past: :class:`ReportStats` keeps
a counter per standard field, at most :data:`MAX_CUSTOM` custom property names
(the rest are counted together), a counter and the first :data:`FIRST` records
per rule code. Its memory does not grow with the number of records. Values are
never kept; only the shared values of ``--show-values`` (read again by the
command) are shown.

>>> from pc_snippets.cli.main import check_record
>>> stats = ReportStats()
>>> data = {"email": "jane@mail.com", "age": 300, "custom": {"size": "L", "note": ""}}
>>> stats.add("a.jsonl", Record(1, 1, data), check_record(data))
>>> stats.records, stats.identity, stats.with_problems, stats.counts
(1, 1, 1, {'invalid_age': 1})
>>> stats.before["age"], stats.after["age"], stats.custom
(1, 0, {'size': [1, 1]})
"""

from __future__ import annotations

import datetime
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.check import CheckResult
from ..core.fields import FIELD_RULES
from ..core.problems import Problem
from ..core.rules import RULES
from .page import environment
from .readers import InputError, Record
from .shared import SHARED_RULES

if TYPE_CHECKING:
    from .main import SharedFinding

__all__ = ["FIRST", "MAX_CUSTOM", "STANDARD_FIELDS", "Fields", "ReportStats", "filled", "sent",
           "write_report"]

#: The standard profile fields, in the order of the data model.
STANDARD_FIELDS: tuple[str, ...] = tuple(FIELD_RULES)
#: Custom property names counted one by one; later names share one row.
MAX_CUSTOM = 50
#: A longer custom name (not a valid one anyway) is counted with the others.
MAX_NAME = 200
#: Records listed per rule code.
FIRST = 5
#: Input values that count as no value (compared with ==: 0 and False are values).
_EMPTY: tuple[Any, ...] = (None, "", [], {})


#: A record's fields with a value: (standard field names, custom property names).
Fields = tuple[tuple[str, ...], tuple[Any, ...]]
_STANDARD = frozenset(STANDARD_FIELDS)


def filled(data: Any) -> Fields:
    """The fields of a record as read that hold a value (not None, "", [] or {}).

    >>> filled({"email": "a@b.co", "age": "", "custom": {"size": "L", "note": None}})
    (('email',), ('size',))
    """
    if not isinstance(data, dict):
        return (), ()
    standard = tuple(key for key, value in data.items()
                     if key in _STANDARD and value not in _EMPTY)
    custom = data.get("custom")
    if isinstance(custom, dict):
        return standard, tuple(key for key, value in custom.items() if value not in _EMPTY)
    return standard, ()


def sent(payload: dict[str, Any]) -> Fields:
    """The fields of a checked payload (standard fields, then custom properties)."""
    standard = tuple(key for key in payload if key in _STANDARD)
    if len(standard) == len(payload):
        return standard, ()
    return standard, tuple(key for key in payload if key not in _STANDARD)


class ReportStats:
    """The counts of a run, added record by record (see the module's notes)."""

    def __init__(self) -> None:
        self.records = 0
        self.identity = 0  # records whose checked payload has an email or a phone
        self.with_problems = 0
        self.before = dict.fromkeys(STANDARD_FIELDS, 0)
        self.after = dict.fromkeys(STANDARD_FIELDS, 0)
        self.custom: dict[str, list[int]] = {}  # name -> [before, after]
        self.other_custom = [0, 0]  # records with other custom names, before / after
        self.counts: dict[str, int] = {}  # rule code -> problems
        self.profiles: dict[str, int] = {}  # rule code -> records with it
        self.first: dict[str, list[tuple[str, int]]] = {}  # rule code -> (file, record)
        self._last: dict[str, int] = {}  # rule code -> ordinal of the last record with it
        self.headers: list[tuple[str, int, Problem]] = []  # (file, column, problem)
        self.errors: list[tuple[str, str]] = []  # (file, what went wrong)

    def _count_custom(self, names: Iterable[Any], slot: int) -> None:
        custom = self.custom
        other = False
        for name in names:
            counts = custom.get(name)
            if counts is None:
                if len(custom) >= MAX_CUSTOM or not isinstance(name, str) or len(name) > MAX_NAME:
                    other = True
                    continue
                counts = custom[name] = [0, 0]
            counts[slot] += 1
        self.other_custom[slot] += other

    def add(self, path: str, record: Record, result: CheckResult) -> None:
        """Count one record as read (``record``) and as checked (``result``)."""
        self.add_summary(path, record.number, filled(record.data), sent(result.payload),
                         result.problems)

    def add_summary(self, path: str, number: int, before: Fields, after: Fields,
                    problems: Sequence[Problem]) -> None:
        """Count one record from its :func:`filled` and :func:`sent` fields (what a
        ``--jobs`` worker sends back instead of the record)."""
        self.records += 1
        standard, custom = before
        counts = self.before
        for key in standard:
            counts[key] += 1
        if custom:
            self._count_custom(custom, 0)
        standard, custom = after
        counts = self.after
        for key in standard:
            counts[key] += 1
        if custom:
            self._count_custom(custom, 1)
        if "email" in standard or "phone" in standard:
            self.identity += 1
        if problems:
            self.with_problems += 1
            ordinal = self.records
            for problem in problems:
                code = problem.code
                self.counts[code] = self.counts.get(code, 0) + 1
                if self._last.get(code) != ordinal:  # a record counts once per code
                    self._last[code] = ordinal
                    self.profiles[code] = self.profiles.get(code, 0) + 1
                    first = self.first.setdefault(code, [])
                    if len(first) < FIRST:
                        first.append((path, number))

    def add_header(self, path: str, problems: Iterable[tuple[int, Problem]]) -> None:
        """A CSV header's columns that are not read (:func:`~.main.header_problems`)."""
        self.headers += [(path, column, problem) for column, problem in problems]

    def add_error(self, path: str, error: InputError) -> None:
        """A file that could not be read (to its end)."""
        self.errors.append((path, error.describe()))


@dataclass(frozen=True)
class FillRow:
    """One row of the fill rate table."""

    name: str
    before: int
    after: int
    kind: str  # "standard", "custom" or "other"


@dataclass(frozen=True)
class CodeRow:
    """One row of the problems table."""

    code: str
    meaning: str
    count: int
    profiles: int
    first: list[tuple[str, int]]


def _percent(count: int, total: int) -> float:
    return 100.0 * count / total if total else 0.0


def _fill_rows(stats: ReportStats) -> list[FillRow]:
    rows = [FillRow(name, stats.before[name], stats.after[name], "standard")
            for name in STANDARD_FIELDS]
    rows += [FillRow(name, before, after, "custom")
             for name, (before, after) in stats.custom.items()]
    if any(stats.other_custom):
        before, after = stats.other_custom
        rows.append(FillRow("", before, after, "other"))
    return rows


def _code_rows(stats: ReportStats) -> list[CodeRow]:
    codes = sorted(stats.counts, key=lambda code: (-stats.counts[code], code))
    return [CodeRow(code, RULES.get(code, ""), stats.counts[code], stats.profiles[code],
                    stats.first[code]) for code in codes]


def _context(stats: ReportStats, summary: dict[str, int], findings: Sequence[SharedFinding],
             show_values: bool) -> dict[str, Any]:
    from .. import __version__

    shared = [{"code": finding.code, "meaning": SHARED_RULES.get(finding.code, ""),
               "field": finding.field, "count": finding.count, "records": records,
               "more": finding.more, "value": value}
              for finding, records, value in findings]
    codes = _code_rows(stats)
    return {
        "version": __version__,
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary,
        "stats": stats,
        "fill": _fill_rows(stats),
        "codes": codes,
        "largest": max((row.count for row in codes), default=0),
        "headers": stats.headers,
        "shared": shared,
        "errors": stats.errors,
        "show_values": show_values,
        "percent": _percent,
    }


def write_report(path: Path, stats: ReportStats, summary: dict[str, int],
                 findings: Sequence[SharedFinding], show_values: bool) -> None:
    """Write the report page to ``path``: to a temporary file beside it, then renamed,
    so a failure (a missing folder, a full disk) leaves no file, not even half a one."""
    template = environment().get_template("report.html.j2")
    chunks = template.generate(_context(stats, summary, findings, show_values))
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as out:
            out.writelines(chunks)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
