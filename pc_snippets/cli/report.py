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
from itertools import filterfalse
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

__all__ = ["FIRST", "MAX_CUSTOM", "MAX_SHAPES", "STANDARD_FIELDS", "ReportStats", "Shape",
           "read_shape", "shape", "write_report"]

#: The standard profile fields, in the order of the data model.
STANDARD_FIELDS: tuple[str, ...] = tuple(FIELD_RULES)
#: Custom property names counted one by one; later names share one row.
MAX_CUSTOM = 50
#: A longer custom name (not a valid one anyway) is counted with the others.
MAX_NAME = 200
#: Records listed per rule code.
FIRST = 5
#: A record's fields with a value, as read and as checked: (standard field names as
#: read, custom property names as read, standard field names sent, custom names sent).
Shape = tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...], tuple[str, ...]]
_STANDARD = frozenset(STANDARD_FIELDS)
#: Types whose false values ("", [], {}) are no value; a false number or flag
#: (0, 0.0, False) is a value.
_EMPTY_TYPES = frozenset({type(None), str, list, dict})
#: Distinct shapes held before they are spread into the per-field counters (bounded
#: memory: field names, not values; a custom name over MAX_NAME characters is not
#: kept, see shape()).
MAX_SHAPES = 1024
#: A record's standard field names with a value, as read and as sent (no custom ones).
_ReadSent = tuple[tuple[str, ...], tuple[str, ...]]


def _with_value(fields: dict[Any, Any]) -> tuple[Any, ...]:
    # C speed for the usual record: every value true, or the false ones all numbers
    # or flags (0, False: values); a Python loop only when a field is really empty.
    if _EMPTY_TYPES.isdisjoint(map(type, filterfalse(None, fields.values()))):
        return tuple(fields)
    return tuple([key for key, value in fields.items()
                  if value or value.__class__ not in _EMPTY_TYPES])


def _plain_shape(data: Any, payload: dict[str, Any],
                 problems: Sequence[Problem]) -> _ReadSent | None:
    # The usual record, read and sent as (read, sent) without a look at each value:
    # an object with no "custom" (so nothing custom is read or sent) whose keys are
    # all sent, or all but one, named by its first problem. The check sends a field
    # only if it was read with a value (None, "", [] and {} are missing or refused:
    # shape()'s "no value") and never adds one, so with equal lengths the keys are
    # equal (in input order), and with one more key read, that key (when read and not
    # sent) is the only other one. The problem is a hint, tested, never trusted.
    # Cheap tests only: a look at every key or value costs more than the rest of the
    # count (the records' objects are spread over memory). tests/test_cli_report.py
    # proves the shapes equal to read_shape()'s over generated records and problems.
    # ReportStats.count() inlines the same.
    if data.__class__ is not dict or "custom" in data:
        return None
    sent = tuple(payload)
    dropped = len(data) - len(sent)
    if dropped == 0:
        return sent, sent
    if dropped == 1 and problems and (field := problems[0][0]) in data \
            and field not in payload:
        value = data[field]
        if field in _STANDARD and (value or value.__class__ not in _EMPTY_TYPES):
            return tuple(data), sent
        return sent, sent  # an unknown key, or a field with no value
    return None


def shape(data: Any, payload: dict[str, Any], problems: Sequence[Problem] = ()) -> Shape:
    """The fields of a record that hold a value (not None, "", [] or {}) as read
    (``data``), and the fields of its checked ``payload`` (its ``problems`` help
    find the fields that were not sent; they change nothing).

    >>> shape({"email": "a@b.co", "age": "", "bought_something": False,
    ...        "custom": {"size": "L", "note": None, "count": 0}}, {"email": "a@b.co"})
    (('email', 'bought_something'), ('size', 'count'), ('email',), ())
    """
    plain = _plain_shape(data, payload, problems)
    if plain is not None and _STANDARD.issuperset(plain[1]):
        return plain[0], (), plain[1], ()
    return read_shape(data, payload)


def read_shape(data: Any, payload: dict[str, Any]) -> Shape:
    """:func:`shape` read field by field, with no shortcut (the reference the
    shortcut is proven equal to)."""
    # The hot path of --report for records the shortcut does not take: C-speed steps
    # where the record allows them; the set tests keep names that are not fields
    # (input text of any length) out of the shapes ReportStats holds.
    if data.__class__ is not dict:
        before: tuple[str, ...] = ()
        custom: tuple[Any, ...] = ()
    else:
        before = _with_value(data)
        if not _STANDARD.issuperset(before):  # "custom", or fields that are not read
            before = tuple([key for key in before if key in _STANDARD])
        names = data.get("custom")
        if names is None:  # custom properties come from "custom" only: none sent either
            return before, (), tuple(payload), ()
        custom = _with_value(names) if names.__class__ is dict else ()
        if custom:  # a name too long for a row of its own is not kept, only counted
            custom = tuple([name if name.__class__ is str and len(name) <= MAX_NAME else None
                            for name in custom])
    after = tuple(payload)
    if _STANDARD.issuperset(after):
        return before, custom, after, ()
    return (before, custom, tuple([key for key in after if key in _STANDARD]),
            tuple([key for key in after if key not in _STANDARD]))


class ReportStats:
    """The counts of a run, added record by record (see the module's notes).

    The hot path is one dict update a record, ``stats.count(data, payload)`` (or
    ``stats.keep(shape)`` with a shape from a ``--jobs`` worker), and
    :meth:`add_problems` for a record with problems (:meth:`add` does both).
    Equal shapes are counted together and spread into the per-field counters
    when a count is read or :data:`MAX_SHAPES` distinct shapes are held.
    """

    def __init__(self) -> None:
        self.with_problems = 0
        self._records = 0
        self._identity = 0  # records whose checked payload has an email or a phone
        self._before = dict.fromkeys(STANDARD_FIELDS, 0)
        self._after = dict.fromkeys(STANDARD_FIELDS, 0)
        self._custom: dict[str, list[int]] = {}  # name -> [before, after]
        self._other_custom = [0, 0]  # records with other custom names, before / after
        # Shape -> records with it, spread into the counters above when one is read
        # or when MAX_SHAPES shapes are held: a file's records share a handful.
        self._shapes: dict[Shape, list[int]] = {}
        # The same for the usual records' shapes, (sent, (), sent, ()) kept by ``sent``
        # and (read, (), sent, ()) by (read, sent): shorter keys to hash and compare
        # (see count()); standard field names only.
        self._sent: dict[tuple[str, ...], list[int]] = {}
        self._read_sent: dict[_ReadSent, list[int]] = {}
        self.counts: dict[str, int] = {}  # rule code -> problems
        self.profiles: dict[str, int] = {}  # rule code -> records with it
        self.first: dict[str, list[tuple[str, int]]] = {}  # rule code -> (file, record)
        self.headers: list[tuple[str, int, Problem]] = []  # (file, column, problem)
        self.errors: list[tuple[str, str]] = []  # (file, what went wrong)

    def count(self, data: Any, payload: dict[str, Any],
              problems: Sequence[Problem] = ()) -> None:
        """Count one record as read (``data``) and as checked (``payload``, ``problems``):
        ``keep(shape(data, payload, problems))``."""
        # _plain_shape() inlined (a call costs what the rest does): the usual record
        # counted by its sent names, or by its read and sent names, without building a
        # shape; the names are tested once a key, when first seen (not every record).
        if data.__class__ is dict and "custom" not in data:
            sent = tuple(payload)
            dropped = len(data) - len(sent)
            counts: dict[Any, list[int]] | None = None
            key: Any = None
            if dropped == 0:
                counts, key = self._sent, sent
            elif dropped == 1 and problems and (field := problems[0][0]) in data \
                    and field not in payload:
                value = data[field]
                if field in _STANDARD and (value or value.__class__ not in _EMPTY_TYPES):
                    counts, key = self._read_sent, (tuple(data), sent)
                else:
                    counts, key = self._sent, sent
            if counts is not None:
                cell = counts.get(key)
                if cell is not None:
                    cell[0] += 1
                    return
                if _STANDARD.issuperset(sent):
                    self._new_key(counts, key)
                    return
        self.keep(read_shape(data, payload))

    def _new_key(self, counts: dict[Any, list[int]], key: Any) -> None:
        if len(self._shapes) + len(self._sent) + len(self._read_sent) >= MAX_SHAPES:
            self._count_shapes()
        counts[key] = [1]

    def keep(self, fields: Shape) -> None:
        """Count one record's :func:`shape` (a ``--jobs`` worker sends them back)."""
        count = self._shapes.get(fields)  # a cell: the shape is hashed once, not twice
        if count is None:
            self._new_key(self._shapes, fields)
        else:
            count[0] += 1

    def _count_shapes(self) -> None:
        # The three tables in one way: a sent-names key was read with the same names.
        for sent, (count,) in self._sent.items():  # standard names only, no custom ones
            self._tally(sent, sent, count)
        self._sent.clear()
        for (read, sent), (count,) in self._read_sent.items():
            self._tally(read, sent, count)
        self._read_sent.clear()
        for (read, custom_read, sent, custom_sent), (count,) in self._shapes.items():
            self._tally(read, sent, count)
            # Shapes in the order of their first record, names in record order: the
            # first MAX_CUSTOM names get rows exactly as record-by-record counting.
            if custom_read:
                self._count_custom(custom_read, 0, count)
            if custom_sent:
                self._count_custom(custom_sent, 1, count)
        self._shapes.clear()

    def _tally(self, read: tuple[str, ...], sent: tuple[str, ...], count: int) -> None:
        # ``count`` records that held ``read`` names and sent ``sent`` names.
        self._records += count
        before, after = self._before, self._after
        for key in read:
            before[key] += count
        for key in sent:
            after[key] += count
        if "email" in sent or "phone" in sent:
            self._identity += count

    def _counted(self) -> ReportStats:
        if self._shapes or self._sent or self._read_sent:
            self._count_shapes()
        return self

    @property
    def records(self) -> int:
        """Records counted."""
        return self._counted()._records

    @property
    def identity(self) -> int:
        """Records whose checked payload has an email or a phone."""
        return self._counted()._identity

    @property
    def before(self) -> dict[str, int]:
        """Standard field -> records with a value in it, as read."""
        return self._counted()._before

    @property
    def after(self) -> dict[str, int]:
        """Standard field -> records that send it."""
        return self._counted()._after

    @property
    def custom(self) -> dict[str, list[int]]:
        """Custom property name -> [records with it as read, records sending it]."""
        return self._counted()._custom

    @property
    def other_custom(self) -> list[int]:
        """Records with custom names beyond :data:`MAX_CUSTOM`: [as read, sent]."""
        return self._counted()._other_custom

    def _count_custom(self, names: Iterable[Any], slot: int, count: int) -> None:
        custom = self._custom
        other = False
        for name in names:
            counts = custom.get(name)
            if counts is None:
                if len(custom) >= MAX_CUSTOM or not isinstance(name, str) or len(name) > MAX_NAME:
                    other = True
                    continue
                counts = custom[name] = [0, 0]
            counts[slot] += count
        if other:
            self._other_custom[slot] += count

    def add(self, path: str, record: Record, result: CheckResult) -> None:
        """Count one record as read (``record``) and as checked (``result``)."""
        self.count(record.data, result.payload, result.problems)
        if result.problems:
            self.add_problems(path, record.number, result.problems)

    def add_problems(self, path: str, number: int, problems: Sequence[Problem]) -> None:
        """The problems of record ``number`` of ``path`` (also counted with :meth:`keep`)."""
        self.with_problems += 1
        counts, profiles, first = self.counts, self.profiles, self.first
        seen: list[str] = []  # a record counts once per code
        for problem in problems:
            code = problem.code
            counts[code] = counts.get(code, 0) + 1
            if code not in seen:
                seen.append(code)
                profiles[code] = profiles.get(code, 0) + 1
                listed = first.setdefault(code, [])
                if len(listed) < FIRST:
                    listed.append((path, number))

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
             show_values: bool, shared_found: int) -> dict[str, Any]:
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
        "shared_found": max(shared_found, len(shared)),
        "errors": stats.errors,
        "show_values": show_values,
        "percent": _percent,
    }


def write_report(path: Path, stats: ReportStats, summary: dict[str, int],
                 findings: Sequence[SharedFinding], show_values: bool,
                 shared_found: int = 0) -> None:
    """Write the report page to ``path``: to a temporary file beside it, then renamed,
    so a failure (a missing folder, a full disk) leaves no file, not even half a one."""
    template = environment().get_template("report.html.j2")
    chunks = template.generate(_context(stats, summary, findings, show_values, shared_found))
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as out:
            out.writelines(chunks)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
