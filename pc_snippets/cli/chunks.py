"""A file cut into pieces of whole records, for checking in several processes.

``pc-snippets check --jobs N`` hands each piece (:class:`TextChunk`) to another
process, which reads it with the same reader as :func:`~.readers.read_file`, so the
records, their numbers and lines, and every error are the same as when the file is
read in one go:

- JSON Lines are cut between lines (a record is one line);
- CSV is cut between records as Python's own CSV parser finds them (a quoted cell
  may span lines), with the file's delimiter recognised from its first lines as
  :func:`~.readers.read_csv` does; each later piece carries the header row's text;
- text is decoded here, by the same decoder as ``read_file``: a byte the encoding
  cannot decode ends the last piece before that byte's line and then raises the
  same error, with the same line;
- a JSON array is not cut (:class:`NotChunkable`): it is read in one process.

>>> import io
>>> [(c.first_line, c.text) for c in chunks_of(io.StringIO('{"a": 1}\\n{"a": 2}\\n'), "jsonl",
...                                              size=1)]
[(1, '{"a": 1}\\n'), (2, '{"a": 2}\\n')]
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from .readers import (
    _SNIFF_LINES,
    Format,
    InputError,
    ReadOptions,
    _decode_error,
    _format_of,
    _LineCounter,
    _open_raw,
    detect_delimiter,
)

__all__ = ["CHUNK_SIZE", "NotChunkable", "TextChunk", "chunks_of", "read_chunks"]

#: Characters of text per piece (cut at the next record boundary): large enough that
#: handing a piece to a process costs little beside checking it.
CHUNK_SIZE = 1 << 18


class NotChunkable(Exception):
    """The file is read in one process (a JSON array)."""


@dataclass(frozen=True, slots=True)
class TextChunk:
    """Whole records of a file, as text.

    ``first_line``: the file's line number of ``text``'s first line. For CSV,
    ``delimiter`` is the file's; ``header`` is the header row's text on every piece
    but the first (whose ``text`` starts with it) and ``header_lines`` its line count.
    ``last``: the file ends after this piece (or breaks in it).
    """

    index: int
    first_line: int
    text: str
    file_format: Format
    delimiter: str | None = None
    header: str = ""
    header_lines: int = 0


def read_chunks(path: str, file_format: Format | None, options: ReadOptions,
                size: int | None = None) -> Iterator[TextChunk]:
    """The pieces of ``path`` (``"-"``: standard input); raises :class:`InputError`
    like :func:`~.readers.read_file` (after the pieces before the problem), and
    :class:`NotChunkable` before reading anything for a JSON array."""
    raw = _open_raw(path)
    encoding = options.encoding
    counter = _LineCounter(raw, encoding)
    try:
        file_format = _format_of(path, file_format, raw, encoding)
        if file_format == "json":
            raise NotChunkable(file_format)
        stream = io.TextIOWrapper(counter, encoding=encoding, newline="")  # type: ignore[type-var]
        yield from chunks_of(stream, file_format, options.delimiter, size or CHUNK_SIZE,
                             counter)
        if counter.failure:
            raise _decode_error(counter.failure, encoding)
    except UnicodeDecodeError:
        raise _decode_error(counter.failure, encoding) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or 'error'}") from None
    finally:
        raw.close()


def _lines(stream: IO[str], counter: _LineCounter | None) -> Iterator[str]:
    # As read_file: the (partial) line of an undecodable byte is not read.
    for number, line in enumerate(stream, 1):
        if counter is not None and counter.failure and number >= counter.failure:
            return
        yield line


def chunks_of(stream: IO[str], file_format: Format, delimiter: str | None = None,
              size: int = CHUNK_SIZE, counter: _LineCounter | None = None,
              ) -> Iterator[TextChunk]:
    """The pieces of decoded text (see the module's notes)."""
    lines = _lines(stream, counter)
    if file_format == "jsonl":
        yield from _pieces(_jsonl_records(lines), file_format, size)
        return
    head = list(itertools.islice(lines, _SNIFF_LINES))
    if delimiter is None:
        delimiter = detect_delimiter(head)
    yield from _csv_pieces(itertools.chain(head, lines), delimiter, size)


def _jsonl_records(lines: Iterator[str]) -> Iterator[list[str]]:
    for line in lines:
        yield [line]


def _pieces(records: Iterator[list[str]], file_format: Format, size: int,
            delimiter: str | None = None, header: str = "", header_lines: int = 0,
            first_line: int = 1, index: int = 0) -> Iterator[TextChunk]:
    pending: list[str] = []
    count = 0  # characters in pending
    for record in records:
        pending += record
        count += sum(map(len, record))
        if count >= size:
            yield TextChunk(index, first_line, "".join(pending), file_format, delimiter,
                            header if index else "", header_lines)
            index += 1
            first_line += len(pending)
            pending, count = [], 0
    if pending:
        yield TextChunk(index, first_line, "".join(pending), file_format, delimiter,
                        header if index else "", header_lines)


def _csv_pieces(lines: Iterator[str], delimiter: str, size: int) -> Iterator[TextChunk]:
    taken: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            taken.append(line)
            yield line

    reader = csv.reader(feed(), strict=True, delimiter=delimiter)

    def records() -> Iterator[list[str]]:
        # The CSV parser reads a line only when the record needs it, so after each
        # record ``taken`` holds exactly that record's lines.
        try:
            for _ in reader:
                yield taken[:]
                taken.clear()
        except csv.Error:
            # The piece ends with the broken record: the other process stops there
            # with the same error, and nothing after it is read.
            yield taken[:]

    rows = records()
    header = next(rows, None)
    if header is None:
        return
    header_text = "".join(header)
    yield from _pieces(itertools.chain([header], rows), "csv", size, delimiter, header_text,
                       len(header))
