"""The events test page: what a checkout would send, shown in a browser.

``pc-snippets page --events FILE`` reads ``{"event": NAME, "data": ...}`` entries
(a JSON array, one JSON object, or JSON Lines; UTF-8), checks each one with
:func:`~pc_snippets.check_event` and renders it with
:func:`~pc_snippets.render_track` (lenient: refused fields are dropped, an event
left without what it needs is not sent), in file order, with the page's nonce.
The page lists the problems by field path and rule code (values only with
``--show-values``), and the recorder shows every recorded ``track`` call in a
table. The whole file is read and checked before anything is written, so a bad
entry leaves no partial output.

>>> import io
>>> [e.event for e in parse_events(io.StringIO('{"event": "view", "data": "SKU-1"}\\n'))]
['view']
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from markupsafe import Markup

from ..core.events import STANDARD_EVENTS, EventResult, check_event, render_track
from ..core.render import _script, nonce_attribute, render_init
from ..core.rules import RULES
from ..core.serialize import dumps_js
from .page import (
    SAMPLE_ANSWER,
    EventsLink,
    PageBuilder,
    PageItem,
    _script_code,
    _script_safe,
    _write_text,
    environment,
    write_site,
)
from .paths import MISSING, value_at
from .readers import InputError, detect_format, read_json, read_jsonl

__all__ = ["DEFAULT_EVENTS_PAGE", "EVENTS_PAGE", "MAX_EVENTS", "EventItem", "EventsFile",
           "parse_events", "read_events", "write_events_page", "write_site_with_events"]

#: The events page's name beside the profile pages of a site.
EVENTS_PAGE = "events.html"
#: Where an events-only page goes without ``-o``.
DEFAULT_EVENTS_PAGE = "personaclick-events-page.html"
#: More entries than this is not a checkout to look at: refused, not truncated.
MAX_EVENTS = 1000
_MAX_BYTES = 16 << 20
_EXAMPLE = '{"event": "view", "data": "SKU-1"}'


class EventEntry(NamedTuple):
    """One entry as read: its number (from 1), the line it starts on, the name and data."""

    number: int
    line: int
    event: str
    data: Any


class EventItem(NamedTuple):
    """One checked entry: the check's result, its snippet (empty: not sent) and, only
    for ``--show-values``, the data as read."""

    number: int
    line: int
    result: EventResult
    snippet: Markup
    data: Any = MISSING


class EventsFile(NamedTuple):
    """Every entry of an events file, checked and rendered (nothing written yet)."""

    items: tuple[EventItem, ...]

    @property
    def problems(self) -> int:
        """How many problems the checks found, over all entries."""
        return sum(len(item.result.problems) for item in self.items)

    def link(self, href: str = EVENTS_PAGE) -> EventsLink:
        """The index page's line about this page."""
        sent = sum(item.result.sendable for item in self.items)
        return EventsLink(href, len(self.items), sent, self.problems)


def _entry(number: int, line: int, data: Any) -> EventEntry:
    # Messages name the entry and what is wrong, never a value from the file.
    where = f"entry {number}"
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected an object like {_EXAMPLE}", line=line)
    if "event" not in data:
        raise InputError(f'{where}: no "event" (write it like {_EXAMPLE})', line=line)
    for key in data:
        if key not in ("event", "data"):
            shown = repr(key) if key.isidentifier() and key.isascii() else "a key"
            raise InputError(f'{where}: {shown} is not read: an entry has only "event" and '
                             '"data"', line=line)
    event = data["event"]
    try:
        check_event(event)  # the core's own test of an event name (ValueError if wrong)
    except ValueError as exc:
        raise InputError(f"{where}: bad event name: {exc}", line=line) from None
    return EventEntry(number, line, event, data.get("data"))


def parse_events(stream: IO[str], path: str = "-") -> Iterator[EventEntry]:
    """The entries of an events file's text (raises :class:`InputError` with the line)."""
    text = stream.read()
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise InputError("no events found (the file is empty)")
    kind = detect_format(path, stripped.partition("\n")[0])
    if kind == "csv" and not stripped.startswith(("[", "{")):
        line = text[: len(text) - len(stripped)].count("\n") + 1
        raise InputError("not JSON: expected a JSON array or JSON Lines of entries like "
                         f"{_EXAMPLE}", line=line)
    records = read_json(io.StringIO(text)) if kind != "jsonl" else read_jsonl(io.StringIO(text))
    for record in records:
        if record.number > MAX_EVENTS:
            raise InputError(f"more than {MAX_EVENTS:,} events: split the file", line=record.line)
        yield _entry(record.number, record.line, record.data)


def _open(path: str) -> IO[str]:
    # Read whole (bounded): entries are checked before any page is written.
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(_MAX_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file") from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or 'error'}") from None
    if len(raw) > _MAX_BYTES:
        raise InputError(f"larger than {_MAX_BYTES >> 20} MiB: not a checkout to look at")
    try:
        return io.StringIO(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text (JSON is UTF-8)", line=line) from None


def read_events(path: str, builder: PageBuilder, *, phone_region: str | None = None,
                ) -> EventsFile:
    """Read, check and render every entry of ``path`` (``"-"``: standard input)."""
    items = []
    for entry in parse_events(_open(path), path):
        result = check_event(entry.event, entry.data, phone_region=phone_region)
        # render_track checks again (cheap) so the snippet is the public API's own output.
        snippet = render_track(entry.event, entry.data, nonce=builder.nonce,
                               phone_region=phone_region,
                               consent_source=builder.consent_source)
        items.append(EventItem(entry.number, entry.line, result, _script_safe(snippet),
                               entry.data if builder.show_values else MISSING))
    if not items:
        raise InputError("no events found")
    return EventsFile(tuple(items))


def _event_value(event: str, data: Any, field: str) -> Any:
    # Problem paths as the core spells them: "cart[0].id" for a list's entries,
    # "custom.x" for a custom event's own properties, "id" / "query" for bare data.
    candidates = [field]
    if field.startswith(f"{event}["):
        candidates.append(field[len(event):])
    if event not in STANDARD_EVENTS and field.startswith("custom."):
        candidates.append(field[len("custom."):])
    for candidate in candidates:
        value = value_at(data, candidate)
        if value is not MISSING:
            return value
    if not isinstance(data, (dict, list)) and field in ("id", "query"):
        return data
    return MISSING


def _shown(item: EventItem, field: str) -> str | None:
    value = _event_value(item.result.event, item.data, field)
    if value is MISSING:
        return None
    return json.dumps(value, ensure_ascii=False, default=str)


def _summary(total: int, sent: int, problems: int) -> str:
    """The summary sentence.

    >>> _summary(3, 2, 1)
    '3 events in the file: 2 will be sent, 1 will not. 1 problem found (listed below).'
    >>> _summary(1, 1, 0)
    '1 event in the file: it will be sent. No problems found.'
    """
    events = f"{total:,} event{'' if total == 1 else 's'} in the file"
    if sent == total:
        what = "it will be sent" if total == 1 else f"all {total:,} will be sent"
    elif not sent:
        what = "none will be sent" if total > 1 else "it will not be sent"
    else:
        what = f"{sent:,} will be sent, {total - sent:,} will not"
    found = (f"{problems:,} problem{'' if problems == 1 else 's'} found (listed below)."
             if problems else "No problems found.")
    return f"{events}: {what}. {found}"


def events_html(builder: PageBuilder, events: EventsFile, *, index_href: str | None = None,
                ) -> str:
    """The events page's HTML (strict-parsing HTML5; every script with the builder's nonce)."""
    from .. import __version__

    items = events.items
    sent = [item for item in items if item.result.sendable]
    expected = [[item.result.event, item.result.payload] for item in sent]
    attribute = nonce_attribute(builder.nonce)
    live = builder.shop_id is not None
    if live:
        head = render_init(builder.shop_id or "", stream=builder.stream, nonce=builder.nonce,
                           consent_source=builder.consent_source)
    else:
        # The recorder compares the track calls with what the check kept.
        config = dumps_js({"expected": None, "sampleAnswer": SAMPLE_ANSWER,
                           "expectedTracks": expected})
        head = _script_safe(_script(attribute, f"{_script_code('_recorder.js')}({config});",
                                    repeats=False))
    problems = [(item, problem) for item in items for problem in item.result.problems]
    values = ([_shown(item, problem.field) for item, problem in problems]
              if builder.show_values else [])
    return environment().get_template("events.html.j2").render(
        version=__version__, live=live, shop_id=builder.shop_id, stream=builder.stream,
        show_values=builder.show_values, index_href=index_href, consent=builder.consent,
        summary=_summary(len(items), len(sent), events.problems), items=items,
        problems=problems, values=values, rules=RULES, head_script=head,
        payload_json=json.dumps(expected, ensure_ascii=False, indent=2, default=str),
        snippet_source="\n".join(str(item.snippet) for item in sent),
        snippets=[item.snippet for item in sent],
    )


def write_events_page(builder: PageBuilder, events: EventsFile, path: Path) -> Path:
    """Write the events page to ``path`` (atomically: a temporary file renamed)."""
    _write_text(path, events_html(builder, events))
    return path


def write_site_with_events(builder: PageBuilder, results: Iterator[PageItem],
                           directory: Path, events: EventsFile) -> tuple[Path, int]:
    """:func:`~pc_snippets.cli.page.write_site` plus ``events.html``, linked from the index."""
    directory.mkdir(parents=True, exist_ok=True)
    _write_text(directory / EVENTS_PAGE, events_html(builder, events, index_href="index.html"))
    return write_site(builder, results, directory, events=events.link())
