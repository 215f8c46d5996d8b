"""Streaming readers for profile files: JSON, JSON Lines and CSV.

Each reader yields :class:`Record` objects one at a time, so a 1 GB JSON Lines
file (or a 1 GB JSON array) is never loaded whole. Unreadable input raises
:class:`InputError` with the line and column where reading stopped; its message
never quotes the file's content (it may be personal data).

>>> import io
>>> [r.data for r in read_jsonl(io.StringIO('{"email": "a@b.co"}\\n\\n{"age": 3}\\n'))]
[{'email': 'a@b.co'}, {'age': 3}]
>>> [r.data for r in read_csv(io.StringIO("age,bought_something,first_name\\n31,true,\\n"))]
[{'age': 31, 'bought_something': True}]
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Literal

__all__ = [
    "DELIMITERS",
    "FORMATS",
    "InputError",
    "ReadOptions",
    "Record",
    "detect_delimiter",
    "detect_format",
    "read_csv",
    "read_file",
    "read_json",
    "read_jsonl",
]

Format = Literal["json", "jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("json", "jsonl", "csv")

_EXTENSIONS: dict[str, Format] = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".csv": "csv",
}

# The JSON array reader reads this much at a time; a record larger than the
# buffer makes it read more (doubling, so one huge record costs O(n), not O(n^2)).
_CHUNK = 1 << 16
_WHITESPACE = " \t\n\r"
_AFTER_VALUE = ",]" + _WHITESPACE
_MAX_RECORD = 1 << 26  # 64 MiB

# The CSV columns that are not text: CSV cells are always strings, so these are
# converted before the check (other fields are text by nature).
_CSV_NUMBERS = frozenset({"age", "loyalty_bonuses", "loyalty_bonuses_to_next_level"})
_CSV_FLAGS = frozenset({"bought_something"})
_CSV_TRUE = frozenset({"true"})
#: The CSV delimiters recognised from the content (Excel writes ``;`` in most of Europe).
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 20  # lines looked at to recognise the delimiter
_CSV_FALSE = frozenset({"false"})


@dataclass(slots=True)  # not frozen: a frozen __init__ is several times slower (hot path)
class Record:
    """One profile read from a file.

    ``number`` counts records from 1; ``line`` is the line the record starts on;
    ``data`` is what the file holds (normally a dict, but anything JSON allows).
    ``dropped`` is true when a CSV row had a value in a column that is not a
    profile field (the column is reported once, by ``ReadOptions.on_header``).
    """

    number: int
    line: int
    data: Any
    dropped: bool = False


#: ``on_header(columns)``: the CSV header's unknown columns, as (column number, name).
HeaderHook = Callable[[list[tuple[int, str]]], None]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read a file (the command's ``--encoding``, ``--delimiter``, ``--rename``,
    ``--missing``).

    - ``encoding``: a Python codec name; UTF-8 accepts (and skips) a byte order mark.
    - ``delimiter``: the CSV delimiter; ``None`` recognises it from the first lines.
    - ``rename``: old name -> new name, for CSV header names and top-level JSON keys.
    - ``missing``: text values meaning "no value", compared after trimming and
      case-folding (``casefold()``): such values are left out, in CSV and JSON.
    - ``known``: if given, CSV columns whose (renamed) name is not in it are not
      read; ``on_header`` is called once with them, before the first row.
    """

    encoding: str = "utf-8-sig"
    delimiter: str | None = None
    rename: Mapping[str, str] = field(default_factory=dict)
    missing: frozenset[str] = frozenset()
    known: frozenset[str] | None = None
    on_header: HeaderHook | None = None


_DEFAULT_OPTIONS = ReadOptions()


class InputError(Exception):
    """The input cannot be read. ``line``/``column`` are 1-based, 0 when unknown.

    >>> str(InputError("bad JSON: Expecting value", line=3, column=7))
    'line 3, column 7: bad JSON: Expecting value'
    """

    def __init__(self, message: str, *, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        if self.line and self.column:
            return f"line {self.line}, column {self.column}: {self.message}"
        if self.line:
            return f"line {self.line}: {self.message}"
        return self.message


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _json_error(
    exc: json.JSONDecodeError, line_offset: int = 0, first_column: int = 0
) -> InputError:
    # exc.msg is the decoder's description ("Expecting ',' delimiter"): no content.
    column = exc.colno + (first_column if exc.lineno == 1 else 0)
    return InputError(f"bad JSON: {exc.msg}", line=exc.lineno + line_offset, column=column)


def _line_error(line: str, line_number: int) -> InputError:
    # Decoded again without the line ending, so "unexpected end" points into
    # the line rather than at the start of the next one.
    try:
        _DECODER.decode(line.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        return _json_error(exc, line_number - 1)
    except ValueError as exc:
        return InputError(f"bad JSON: {exc}", line=line_number)
    return InputError("bad JSON", line=line_number)


def _slow_line(line: str, line_number: int) -> Any:
    try:
        return _DECODER.decode(line)
    except json.JSONDecodeError:
        raise _line_error(line, line_number) from None
    except ValueError as exc:  # NaN / Infinity
        raise InputError(f"bad JSON: {exc}", line=line_number) from None
    except RecursionError:
        raise InputError("bad JSON: nested too deeply", line=line_number) from None


def read_jsonl(stream: IO[str]) -> Iterator[Record]:
    """JSON Lines: one JSON value per line; blank lines are skipped.

    Only ``\\n``, ``\\r`` and ``\\r\\n`` end a line (U+2028 inside a value does not).
    """
    number = 0
    # The C scanner directly: JSONDecoder.decode adds two regex matches per line,
    # a noticeable share of the time for small records. Anything unusual (leading
    # blanks, trailing text, errors) takes the slow path for an exact message.
    scan = _DECODER.scan_once  # type: ignore[attr-defined]  # set by JSONDecoder.__init__
    # A UnicodeDecodeError goes up to read_file, which knows the line of the byte.
    for line_number, line in enumerate(stream, 1):
        try:
            data, end = scan(line, 0)
            if end != len(line) and not line[end:].isspace():
                raise ValueError("trailing data")
        except StopIteration:
            if not line or line.isspace():
                continue  # a blank line
            data = _slow_line(line, line_number)
        except ValueError:
            data = _slow_line(line, line_number)
        except RecursionError:
            raise InputError("bad JSON: nested too deeply", line=line_number) from None
        number += 1
        yield Record(number, line_number, data)


class _Position:
    """Turns offsets in a sliding text buffer into line and column numbers."""

    __slots__ = ("base_column", "base_line")

    def __init__(self) -> None:
        self.base_line = 1  # line of buffer[0]
        self.base_column = 1  # column of buffer[0]

    def at(self, buffer: str, index: int) -> tuple[int, int]:
        newlines = buffer.count("\n", 0, index)
        if newlines:
            return self.base_line + newlines, index - buffer.rfind("\n", 0, index)
        return self.base_line, self.base_column + index

    def advance(self, buffer: str, index: int) -> None:
        """Forget ``buffer[:index]``."""
        self.base_line, self.base_column = self.at(buffer, index)


def read_json(stream: IO[str]) -> Iterator[Record]:
    """A JSON document: one object (one record) or an array (one record per element).

    Arrays are decoded element by element from a sliding buffer, so a huge array
    never needs to fit in memory at once.
    """
    try:
        yield from _read_json(stream)
    except RecursionError:
        raise InputError("bad JSON: nested too deeply") from None


def _refill(
    stream: IO[str], position: _Position, buffer: str, index: int, amount: int
) -> tuple[str, bool]:
    """Drop the consumed ``buffer[:index]``, append up to ``amount`` more characters.

    Returns the new buffer (consumed part gone, so index 0 is where ``index`` was)
    and whether the stream has ended.
    """
    position.advance(buffer, index)
    more = stream.read(amount)
    return buffer[index:] + more, not more


def _skip_space(buffer: str, index: int) -> int:
    while index < len(buffer) and buffer[index] in _WHITESPACE:
        index += 1
    return index


def _read_json(stream: IO[str]) -> Iterator[Record]:
    position = _Position()
    buffer = stream.read(_CHUNK)
    eof = not buffer
    index = _skip_space(buffer, 0)
    while index >= len(buffer) and not eof:  # a file that starts with lots of blank space
        position.advance(buffer, index)
        buffer = stream.read(_CHUNK)
        eof = not buffer
        index = _skip_space(buffer, 0)
    if index >= len(buffer):
        return  # an empty document holds no records
    if buffer[index] != "[":
        # One value (normally an object): decoded whole, it is a single record.
        line, column = position.at(buffer, index)
        text = buffer[index:] + stream.read()
        try:
            data = _DECODER.decode(text)
        except json.JSONDecodeError as exc:
            raise _json_error(exc, line - 1, column - 1) from None
        except ValueError as exc:
            raise InputError(f"bad JSON: {exc}", line=line, column=column) from None
        yield Record(1, line, data)
        return

    number = 0
    index += 1
    expect_value = True  # after "[" or ","
    first = True
    want = _CHUNK
    while True:
        index = _skip_space(buffer, index)
        if index >= len(buffer) - 1 and not eof:
            # Keep at least one character of lookahead; read more.
            buffer, eof = _refill(stream, position, buffer, index, want)
            index = 0
            continue
        if index >= len(buffer):
            line, column = position.at(buffer, index)
            raise InputError("bad JSON: the array is not closed with ]", line=line, column=column)
        char = buffer[index]
        if char == "]" and (first or not expect_value):
            index += 1
            break
        if not expect_value:
            if char != ",":
                line, column = position.at(buffer, index)
                raise InputError("bad JSON: Expecting ',' delimiter", line=line, column=column)
            index += 1
            expect_value = True
            continue
        try:
            data, end = _DECODER.raw_decode(buffer, index)
        except json.JSONDecodeError as exc:
            # Maybe the value is cut off by the end of the buffer: read more
            # (twice as much each time) before calling it an error, up to a size
            # no real profile reaches (a broken file must not be read whole).
            if not eof and len(buffer) - index < _MAX_RECORD:
                buffer, eof = _refill(stream, position, buffer, index, want)
                index = 0
                want *= 2
                continue
            line, column = position.at(buffer, exc.pos)
            raise InputError(f"bad JSON: {exc.msg}", line=line, column=column) from None
        except ValueError as exc:
            line, column = position.at(buffer, index)
            raise InputError(f"bad JSON: {exc}", line=line, column=column) from None
        if (
            not eof
            and isinstance(data, (int, float))
            and (end >= len(buffer) or buffer[end] not in _AFTER_VALUE)
            and len(buffer) - index < _MAX_RECORD
        ):
            # A number cut by the end of the buffer ("12" of "12e3") continues in the next chunk.
            buffer, eof = _refill(stream, position, buffer, index, want)
            index = 0
            want *= 2
            continue
        want = _CHUNK
        number += 1
        line, _ = position.at(buffer, index)
        yield Record(number, line, data)
        first = False
        expect_value = False
        index = end
        if index > _CHUNK:
            # Drop what has been decoded so the buffer stays small.
            position.advance(buffer, index)
            buffer = buffer[index:]
            index = 0
    rest = buffer[index:]
    while True:
        if rest.strip(_WHITESPACE):
            line, column = position.at(buffer, index + len(rest) - len(rest.lstrip(_WHITESPACE)))
            raise InputError("bad JSON: Extra data after the array", line=line, column=column)
        if eof:
            return
        position.advance(buffer, len(buffer))
        buffer = stream.read(_CHUNK)
        index = 0
        rest = buffer
        eof = not buffer


def _coerce_number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text  # left as text: the check reports it as not a number
    # "nan"/"inf" parse as floats but are refused by the check like any non-finite number.
    return number


def _coerce_flag(text: str) -> bool | str:
    folded = text.lower()
    if folded in _CSV_TRUE:
        return True
    if folded in _CSV_FALSE:
        return False
    return text  # "yes", "1" ...: left as text so the check refuses it (no guessing)


def _coercers(header: list[str]) -> list[Callable[[str], Any] | None]:
    out: list[Callable[[str], Any] | None] = []
    for name in header:
        if name in _CSV_NUMBERS:
            out.append(_coerce_number)
        elif name in _CSV_FLAGS:
            out.append(_coerce_flag)
        else:
            out.append(None)
    return out


def detect_delimiter(lines: list[str]) -> str:
    """The CSV delimiter (``,`` ``;`` tab ``|``) of a file starting with ``lines``.

    Each candidate parses the lines (quotes respected, so a quoted ``;`` inside a
    comma-separated file does not count); the winner splits the header into at
    least two columns and gives the most rows of the header's width. A
    one-column file is comma-separated.

    >>> detect_delimiter(['email;first_name\\n', '"a@b.co";"Smith; John"\\n'])
    ';'
    >>> detect_delimiter(['"x;y",email\\n', '"1;2",a@b.co\\n'])
    ','
    """
    best = (-1, 0)
    chosen = ","
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(row) == width for row in rows[1:]), width)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def _missing(text: str, missing: frozenset[str]) -> bool:
    return text.strip().casefold() in missing


def read_csv(stream: IO[str], options: ReadOptions = _DEFAULT_OPTIONS) -> Iterator[Record]:
    """CSV with a header row of field names; one profile per row.

    Cells are text, so ``age`` and ``loyalty_bonuses*`` become numbers and
    ``bought_something`` becomes ``true``/``false`` (any case); a cell that does
    not convert is passed on as text and the check reports it. Empty cells (and
    ``options.missing`` ones) are omitted (never sent as empty values). Nested
    fields (``kids``, ``auto``) cannot be written in CSV. The delimiter is
    ``options.delimiter``, else recognised from the first lines.
    """
    delimiter = options.delimiter
    lines: Iterator[str] = iter(stream)
    if delimiter is None:
        head = list(itertools.islice(stream, _SNIFF_LINES))
        delimiter = detect_delimiter(head)
        lines = itertools.chain(head, stream)
    reader = csv.reader(lines, strict=True, delimiter=delimiter)
    line = 0
    try:
        try:
            header = next(reader)
        except StopIteration:
            return
        line = reader.line_num
        original = [name.strip() for name in header]
        rename = options.rename
        header = [rename.get(name, name) for name in original]
        if not any(header):
            raise InputError("the CSV header row is empty", line=1)
        seen: dict[str, int] = {}
        for column, name in enumerate(header, 1):
            if not name:
                raise InputError("the CSV header has an empty column name", line=1, column=column)
            if name in seen:
                renamed = " (after --rename)" if original[column - 1] != name or original[
                    seen[name] - 1] != name else ""
                raise InputError(f"the CSV header names a column twice{renamed}: columns "
                                 f"{seen[name]} and {column}", line=1, column=column)
            seen[name] = column
        known = options.known
        unknown = ([(column, name) for column, name in enumerate(header, 1) if name not in known]
                   if known is not None else [])
        if unknown and options.on_header is not None:
            options.on_header(unknown)
        coercers = _coercers(header)
        width = len(header)
        missing = options.missing
        if unknown or missing:
            yield from _csv_rows(reader, header, coercers, width, line, unknown, missing)
            return
        columns = list(zip(header, coercers, strict=True))
        number = 0
        for row in reader:
            start = line + 1
            line = reader.line_num
            if not row:
                continue  # a blank line
            if len(row) > width:
                raise InputError(
                    f"the row has {len(row)} cells but the header has {width} columns", line=start
                )
            data: dict[str, Any] = {}
            for (name, coerce), cell in zip(columns, row, strict=False):
                cell = cell.strip()
                if cell:
                    data[name] = coerce(cell) if coerce is not None else cell
            number += 1
            yield Record(number, start, data)
    except csv.Error as exc:
        raise InputError(f"bad CSV: {exc}", line=reader.line_num) from None


def _csv_rows(
    reader: Any,
    header: list[str],
    coercers: list[Callable[[str], Any] | None],
    width: int,
    line: int,
    unknown: list[tuple[int, str]],
    missing: frozenset[str],
) -> Iterator[Record]:
    # The rows when some columns are not read or some values mean "missing".
    skipped = {column - 1 for column, _ in unknown}
    columns = [(name, coerce, index not in skipped)
               for index, (name, coerce) in enumerate(zip(header, coercers, strict=True))]
    number = 0
    for row in reader:
        start = line + 1
        line = reader.line_num
        if not row:
            continue
        if len(row) > width:
            raise InputError(
                f"the row has {len(row)} cells but the header has {width} columns", line=start
            )
        data: dict[str, Any] = {}
        dropped = False
        for (name, coerce, keep), cell in zip(columns, row, strict=False):
            cell = cell.strip()
            if not cell or (missing and cell.casefold() in missing):
                continue
            if not keep:
                dropped = True
            else:
                data[name] = coerce(cell) if coerce is not None else cell
        number += 1
        yield Record(number, start, data, dropped)


def _clean_value(value: Any, missing: frozenset[str]) -> Any:
    # Dicts (at any depth, also inside lists) lose their "missing" text values.
    if isinstance(value, dict):
        return {key: _clean_value(item, missing) for key, item in value.items()
                if not (isinstance(item, str) and _missing(item, missing))}
    if isinstance(value, list):
        return [_clean_value(item, missing) for item in value]
    return value


def _cleaned(records: Iterator[Record], options: ReadOptions) -> Iterator[Record]:
    """JSON records with ``options.rename`` applied to their keys and missing values left out."""
    rename = options.rename
    missing = options.missing
    for record in records:
        data = record.data
        if isinstance(data, dict):
            if rename:
                data = {rename.get(key, key): value for key, value in data.items()}
            if missing:
                data = _clean_value(data, missing)
            record.data = data
        yield record


def detect_format(path: str, first_line: str) -> Format:
    """Pick the reader from the file name, else from the first line.

    ``.json`` / ``.jsonl`` (``.ndjson``) / ``.csv`` decide by name. Otherwise a
    first line that is a whole JSON value means JSON Lines, one that starts with
    ``{`` or ``[`` means JSON, anything else CSV.

    >>> detect_format("users.ndjson", "")
    'jsonl'
    >>> detect_format("-", '{"email": "a@b.co"}')
    'jsonl'
    >>> detect_format("export", "email,first_name")
    'csv'
    """
    extension = os.path.splitext(path)[1].lower()
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    stripped = first_line.strip()
    if stripped.startswith("{"):
        try:
            _DECODER.decode(stripped)
        except ValueError:
            return "json"
        return "jsonl"
    if stripped.startswith("["):
        return "json"
    return "csv"


class _LineCounter(io.BufferedIOBase):
    """The binary stream under the text decoder: checks that it decodes, counts lines.

    Decoding is buffered, so a decode error inside ``TextIOWrapper`` would lose the
    good lines before the bad byte in the same chunk (and their line count). So each
    chunk is decoded here first: at an undecodable byte, only the lines before the
    byte's line are handed on, then the stream ends, and :attr:`failure` gives the
    byte's true line.
    """

    def __init__(self, raw: io.BufferedReader, encoding: str) -> None:
        super().__init__()
        self.raw = raw
        self.lines = 0  # line breaks in the bytes handed out
        self.boundary = b""  # the last byte handed out
        self.failure = 0  # the line of the first undecodable byte, once found
        self.checker = codecs.getincrementaldecoder(encoding)("strict")
        name = codecs.lookup(encoding).name
        plain = "utf-8" if name == "utf-8-sig" else name  # "".encode adds no BOM then
        # Line breaks are counted in bytes when the encoding writes them as ASCII.
        self.ascii = "\r\n,;az".encode(plain) == b"\r\n,;az"
        # Otherwise (UTF-16 ...) in text, decoded a second time by a decoder that
        # keeps its state across the bad byte.
        self.counter = (None if self.ascii
                        else codecs.getincrementaldecoder(encoding)("replace"))
        self.text_boundary = ""

    def readable(self) -> bool:
        return True

    def _breaks(self, data: bytes, text: str) -> int:
        # Line breaks (\n, \r\n, \r) in ``data`` (decoded: ``text``).
        if self.ascii:
            breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
            if self.boundary == b"\r" and data.startswith(b"\n"):
                breaks -= 1  # a \r\n split between two chunks
            return breaks
        breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
        if self.text_boundary == "\r" and text.startswith("\n"):
            breaks -= 1
        if text:
            self.text_boundary = text[-1]
        return breaks

    def read(self, size: int | None = -1) -> bytes:
        return self._take(self.raw.read(size), final=size is None or size < 0)

    def read1(self, size: int = -1) -> bytes:
        return self._take(self.raw.read1(size), final=False)

    def _take(self, data: bytes, final: bool) -> bytes:
        if self.failure:
            return b""  # the stream ends before the bad byte's line
        try:
            text = self.checker.decode(data, final or not data)
        except UnicodeDecodeError as exc:
            # exc.object is the decoder's input: bytes kept from before, then data.
            good = data[: max(0, exc.start - (len(exc.object) - len(data)))]
            if self.ascii:
                self.failure = self.lines + self._breaks(good, "") + 1
                # Hand on the lines before the bad byte's line (its start may be in
                # an earlier chunk: then read_file drops the part already handed on).
                return good[: max(good.rfind(b"\n"), good.rfind(b"\r")) + 1]
            assert self.counter is not None
            self.failure = self.lines + self._breaks(good, self.counter.decode(good)) + 1
            return b""
        if self.counter is not None:
            text = self.counter.decode(data)  # the same, but never raising
        self.lines += self._breaks(data, text)
        if data:
            self.boundary = data[-1:]
        return data


def encoding_label(encoding: str) -> str:
    """How messages name an encoding: ``UTF-8`` or the codec's name.

    >>> encoding_label("utf-8-sig"), encoding_label("CP1251")
    ('UTF-8', 'cp1251')
    """
    name = codecs.lookup(encoding).name
    return "UTF-8" if name in ("utf-8", "utf-8-sig") else name


def _decode_error(line: int, encoding: str) -> InputError:
    # Says where, never which byte (the text around it may be personal data).
    label = encoding_label(encoding)
    if label == "UTF-8":
        hint = ("if the file was saved in another encoding, give it with --encoding "
                "(e.g. --encoding cp1251 for Cyrillic Windows, cp1252 for Western Windows)")
    else:
        hint = "is --encoding right?"
    return InputError(f"the file is not {label} text (a byte that {label} cannot decode); "
                      f"{hint}", line=line)


_READERS: dict[Format, Callable[[IO[str]], Iterator[Record]]] = {
    "json": read_json,
    "jsonl": read_jsonl,
}


def read_file(
    path: str, file_format: Format | None = None, options: ReadOptions = _DEFAULT_OPTIONS
) -> Iterator[Record]:
    """Open ``path`` (``"-"`` is standard input) and yield its records.

    ``file_format`` overrides detection. Missing or unreadable files raise
    :class:`InputError`; so does a byte the encoding cannot decode (with its
    true line). A UTF-8 byte order mark is ignored.
    """
    raw = _open_raw(path)
    encoding = options.encoding
    counter = _LineCounter(raw, encoding)
    try:
        file_format = _format_of(path, file_format, raw, encoding)
        # newline="": lines end at "\n", "\r\n" or "\r" only (never U+2028), and the
        # csv module needs the line endings untouched.
        stream = io.TextIOWrapper(counter, encoding=encoding, newline="")  # type: ignore[type-var]
        records = read_stream(stream, file_format, options)
        try:
            for record in records:
                if counter.failure and record.line >= counter.failure:
                    break  # the start of the bad byte's line: not a record
                yield record
        except InputError:
            if not counter.failure:
                raise
            # The input seemed to end (or broke) at the bad byte's line.
        if counter.failure:
            raise _decode_error(counter.failure, encoding)
    except UnicodeDecodeError:
        raise _decode_error(counter.failure, encoding) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or 'error'}") from None
    finally:
        raw.close()


def read_stream(stream: IO[str], file_format: Format, options: ReadOptions = _DEFAULT_OPTIONS
                ) -> Iterator[Record]:
    """The records of already decoded text in ``file_format`` (``read_file``'s readers)."""
    if file_format == "csv":
        return read_csv(stream, options)
    if options.rename or options.missing:
        return _cleaned(_READERS[file_format](stream), options)
    return _READERS[file_format](stream)


def _open_raw(path: str) -> io.BufferedReader:
    import sys

    raw: io.BufferedReader
    if path == "-":
        raw = io.BufferedReader(io.FileIO(sys.stdin.fileno(), "rb", closefd=False), _CHUNK)
    else:
        try:
            raw = io.BufferedReader(io.FileIO(path, "rb"), _CHUNK)
        except FileNotFoundError:
            raise InputError("no such file") from None
        except IsADirectoryError:
            raise InputError("is a directory, not a file") from None
        except PermissionError:
            raise InputError("permission denied") from None
        except OSError as exc:
            raise InputError(f"cannot open: {exc.strerror or 'error'}") from None
    return raw


def _format_of(path: str, file_format: Format | None, raw: io.BufferedReader,
               encoding: str) -> Format:
    if file_format is None:
        extension = os.path.splitext(path)[1].lower()
        file_format = _EXTENSIONS.get(extension)
    if file_format is None:
        # Peek (without consuming) at the start to recognise the format.
        head = raw.peek(_CHUNK)[:_CHUNK].decode(encoding, errors="replace")
        file_format = _sniff(head.removeprefix("\ufeff"))
    return file_format


def _sniff(head: str) -> Format:
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        first_line, newline, _ = stripped.partition("\n")
        if not newline:
            return "jsonl"  # one line: the same single record either way
        return detect_format("", first_line)
    return "csv"
