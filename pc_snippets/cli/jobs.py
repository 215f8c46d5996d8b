"""``check --jobs N``: the records of a file checked in N processes, reported in order.

The main process reads and decodes the file and cuts it into pieces of whole records
(:mod:`.chunks`); each worker parses its piece with the file's own reader, checks
every record and sends back only what the report needs: how many records, the
problems (with the record's data only for ``--show-values``) and, for the shared-value
check, each record's email and phone. The main process puts the pieces back in file
order, so the output is the same as with one process: the same records, numbers,
lines, problems and errors, in the same order. At most ``2 * N`` pieces are in flight,
so memory stays bounded.

Personal data crosses the process boundary only as the pieces' text and, for the
shared-value check, the checked email and phone; nothing is written anywhere.
"""

from __future__ import annotations

import io
import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from ..core.problems import Problem
from .chunks import TextChunk, read_chunks
from .paths import MISSING
from .readers import Format, InputError, ReadOptions, Record, read_stream
from .report import Shape, shape

__all__ = ["Checked", "WorkerSettings", "checked_in_parallel", "parallel_context"]

#: What the command's loop gets for each record: the record (``data`` is ``MISSING``
#: unless the record has problems and values are shown), its problems, a mapping
#: with its checked ``email`` and ``phone`` (for the shared-value check), and for
#: ``--report`` its :func:`~.report.shape` (``None``: work it out from the record).
Checked = tuple[Record, tuple[Problem, ...], dict[str, Any], Shape | None]

_NO_CONTACTS: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker needs besides the piece (picklable: no callables)."""

    options: ReadOptions
    phone_region: str | None
    show_values: bool
    contacts: bool
    report: bool = False


@dataclass(frozen=True, slots=True)
class PieceResult:
    """A checked piece: its record count, the problems of its records as
    ``(number, line, problems, data)`` (numbers and lines in the file), the
    contacts of every record (flat ``[email, phone, ...]``) or ``None``, the
    unknown CSV columns of the header (first piece only) and the error that
    stopped reading, if any."""

    records: int
    problems: list[tuple[int, int, tuple[Problem, ...], Any]]
    contacts: list[Any] | None
    unknown: list[tuple[int, str]] | None
    error: InputError | None
    fields: list[Shape] | None = None


def check_piece(piece: TextChunk, settings: WorkerSettings) -> PieceResult:
    """Parse and check one piece (runs in a worker process)."""
    from .main import check_record  # the command's own check of a record

    unknown: list[tuple[int, str]] = []
    options = replace(settings.options, delimiter=piece.delimiter, on_header=unknown.extend)
    text = piece.header + piece.text
    # Lines in the piece's text -> lines in the file.
    shift = piece.first_line - 1 - (piece.header_lines if piece.header else 0)
    problems: list[tuple[int, int, tuple[Problem, ...], Any]] = []
    contacts: list[Any] | None = [] if settings.contacts else None
    fields: list[Shape] | None = [] if settings.report else None
    count = 0
    error = None
    region = settings.phone_region
    show = settings.show_values
    try:
        for record in read_stream(io.StringIO(text, newline=""), piece.file_format, options):
            count += 1
            result = check_record(record.data, region, True)  # read at once, dropped
            if contacts is not None:
                payload = result.payload
                contacts += (payload.get("email"), payload.get("phone"))
            if fields is not None:
                fields.append(shape(record.data, result.payload, result.problems))
            if result.problems:
                problems.append((record.number, record.line + shift, result.problems,
                                 record.data if show else MISSING))
    except InputError as exc:
        error = InputError(exc.message, line=exc.line + shift if exc.line else 0,
                           column=exc.column)
    return PieceResult(count, problems, contacts, unknown if piece.index == 0 else None, error,
                       fields)


def parallel_context() -> Any:
    """``fork`` where it is safe (POSIX, no other thread running): workers start in
    milliseconds; otherwise ``spawn``."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def checked_in_parallel(
    path: str, file_format: Format | None, settings: WorkerSettings, jobs: int,
    on_header: Callable[[list[tuple[int, str]]], None] | None = None,
    executor: ProcessPoolExecutor | None = None,
) -> Iterator[Checked]:
    """Every record of ``path`` with its problems, in file order (see the module's notes).

    Raises :class:`NotChunkable` before yielding anything when the file must be read
    in one process, and :class:`InputError` where the file stops being readable (after
    every record before that point, as :func:`~.readers.read_file`).
    """
    pieces = read_chunks(path, file_format, settings.options)
    first = next(pieces, None)  # NotChunkable / InputError surface here, before any record
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=jobs, mp_context=parallel_context())
    try:
        yield from _merged(first, pieces, settings, jobs, on_header, pool)
    finally:
        if own:
            pool.shutdown(cancel_futures=True)


def _merged(first: TextChunk | None, pieces: Iterator[TextChunk], settings: WorkerSettings,
            jobs: int, on_header: Callable[[list[tuple[int, str]]], None] | None,
            pool: ProcessPoolExecutor) -> Iterator[Checked]:
    in_flight: deque[Future[PieceResult]] = deque()
    ending: InputError | None = None  # the reading error after the last piece

    def submit(piece: TextChunk | None) -> None:
        if piece is not None:
            in_flight.append(pool.submit(check_piece, piece, settings))

    submit(first)
    base = 0  # records before the piece
    while in_flight:
        while ending is None and len(in_flight) < 2 * jobs:
            try:
                piece = next(pieces, None)
            except InputError as exc:
                ending = exc
                break
            if piece is None:
                break
            submit(piece)
        result = in_flight.popleft().result()
        if result.unknown and on_header is not None:
            on_header(result.unknown)
        yield from _records(result, base)
        base += result.records
        if result.error is not None:
            for future in in_flight:
                future.cancel()
            # As read_file: an error where the text stopped decoding is the decoding error.
            raise ending if ending is not None and not in_flight else result.error
    if ending is not None:
        raise ending


def _records(result: PieceResult, base: int) -> Iterator[Checked]:
    problems = iter(result.problems)
    pending = next(problems, None)
    contacts = result.contacts
    fields = result.fields
    for offset in range(result.records):
        payload = (_NO_CONTACTS if contacts is None else
                   {"email": contacts[2 * offset], "phone": contacts[2 * offset + 1]})
        summary = None if fields is None else fields[offset]
        if pending is not None and pending[0] == offset + 1:
            number, line, found, data = pending
            yield Record(base + number, line, data), found, payload, summary
            pending = next(problems, None)
        else:
            yield Record(base + offset + 1, 0, MISSING), (), payload, summary


def sequential(records: Iterator[Record], check: Callable[[Any], Any]) -> Iterator[Checked]:
    """The same items from one process (``--jobs 1``)."""
    for record in records:
        result = check(record.data)
        yield record, result.problems, result.payload, None
