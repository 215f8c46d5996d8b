"""Static HTML test pages for profile snippets, made from the Jinja templates.

A page shows a profile's snippet at work. Offline (the default) it carries a
*recorder*: a stand-in for the PersonaClick SDK that records every call into
``window.personaclickRecorder.calls`` and shows the calls, the fields sent, the
raw JSON, the problems the check found and a ``profile get`` demo. With a shop
id it loads the real SDK instead.

Templates are compiled once per process (:func:`environment` is cached and a
:class:`PageBuilder` keeps its compiled templates), so writing 100,000 pages
costs 100,000 renders, not 100,000 compilations.

>>> from pc_snippets import EXAMPLE_PROFILE, check_profile
>>> html = PageBuilder().page(check_profile(EXAMPLE_PROFILE))
>>> html.startswith("<!DOCTYPE html>") and "personaclickRecorder" in html
True
"""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup, escape

from ..core.check import CheckResult

# _script: the core's one place that puts a <script> element together.
from ..core.render import (
    _script,
    nonce_attribute,
    render_init,
    render_profile_get,
    render_profile_set,
)
from ..core.rules import RULES
from ..core.serialize import dumps_js
from .consent_page import consent_panel
from .paths import MISSING, value_at

__all__ = [
    "SAMPLE_ANSWER",
    "EventsLink",
    "IndexEntry",
    "PageBuilder",
    "PageItem",
    "environment",
    "ident_html",
    "templates_dir",
    "text_html",
    "visible",
    "write_page",
    "write_site",
]

#: What the recorder answers to ``profile get``: keys from PersonaClick's docs,
#: including an older nested path (``fashion.sizes.shoe``).
SAMPLE_ANSWER: dict[str, Any] = {
    "gender": "m",
    "income_level": "middle",
    "children": True,
    "child_gender": "f",
    "fashion_sizes": {"shoe": ["42"], "shirt": ["L"]},
    "fashion": {"sizes": {"shoe": 42}},
    "pets": [{"type": "dog", "breed": "beagle"}],
}

#: Elements the ``profile get`` demo fills; ``realty.type`` is absent from the
#: sample answer on purpose (the snippet must tolerate missing keys).
FILL_PATHS = ("gender", "income_level", "child_gender", "fashion.sizes.shoe", "realty.type")

# The page function the profile get snippet calls (defined in _page.js).
_ANSWER_CALLBACK = "personaclickTestPage.showAnswer"


def templates_dir() -> Path:
    """Where the templates are: inside the installed package, else the repo's ``templates/``.

    The wheel ships the top-level ``templates/`` as ``pc_snippets/templates``; an
    editable install has no such folder and reads the repository's own.
    """
    package = Path(__file__).resolve().parent.parent
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    repository = package.parent / "templates"
    if repository.is_dir():
        return repository
    raise FileNotFoundError("pc_snippets templates are missing (a broken installation?)")


@functools.cache
def _script_code(name: str) -> str:
    """A page script's constant code (``templates/_page.js``, ``_recorder.js``)."""
    # As a Jinja include would give it: one trailing newline dropped.
    text = (templates_dir() / name).read_text(encoding="utf-8").removesuffix("\n")
    assert "</" not in text.lower(), name  # constant code: nothing can end the element
    return text


# --------------------------------------------------------------------------- escaping
#
# Text on a page never carries a character a person cannot see or that HTML5
# calls a parse error: C0 and C1 controls, DEL, lone surrogates (they cannot even
# be written as UTF-8) and noncharacters are shown as escapes (``\x00``,
# ``\u0085``, ``\ud800``), each in a ``<span class="esc">`` so that it stands
# out from the same letters typed by a person. Identifiers (field paths, rule
# codes) also escape format characters (bidi overrides, zero-width marks) and
# line or paragraph separators, and get a ``<wbr>`` after ``_`` and ``.`` and
# before ``[``: the only places a long name may wrap.

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
#: What text never shows raw: controls (C0, DEL, C1), surrogates, noncharacters.
HIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
_HIDDEN_IN_SOURCE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Co", "Zl", "Zp"})
_BREAKS = re.compile(r"([_.])|(\[)")


def _escape_code(char: str, *, json_style: bool = False) -> str:
    code = ord(char)
    if not json_style and (code < 0x20 or code == 0x7F):
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    if json_style:  # JSON and JavaScript spell a character beyond U+FFFF as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}"
    return f"\\U{code:08x}"


def _hidden_in_identifier(text: str) -> list[str]:
    return [c for c in set(text) if HIDDEN.match(c) or unicodedata.category(c) in
            _HIDDEN_CATEGORIES or (c.isspace() and c != " ")]


def visible(text: str, *, identifier: bool = False) -> str:
    r"""``text`` with every hidden character spelled as an escape (plain text, for attributes).

    >>> visible("a\x00b\x85c\ud800")
    'a\\x00b\\u0085c\\ud800'
    >>> visible("x\u202ey", identifier=True)
    'x\\u202ey'
    """
    text = HIDDEN.sub(lambda m: _escape_code(m.group()), text)
    if identifier:
        for char in _hidden_in_identifier(text):
            text = text.replace(char, _escape_code(char))
    return text


def _span(char: str, json_style: bool) -> str:
    return (f'<span class="esc" title="U+{ord(char):04X}">'
            f"{_escape_code(char, json_style=json_style)}</span>")


def text_html(value: Any, *, json_style: bool = False) -> Markup:
    r"""HTML for text shown on a page: escaped, every hidden character a visible escape.

    ``json_style`` spells every escape as ``\uXXXX``, so that JSON or JavaScript
    source stays valid when read back as text.

    >>> text_html("<b>\x00</b>")
    Markup('&lt;b&gt;<span class="esc" title="U+0000">\\x00</span>&lt;/b&gt;')
    """
    text = str(escape(value if isinstance(value, str) else str(value)))
    # Escaped above; only the fixed <span> markup is added.
    if json_style:  # the line breaks and indents of JSON or JavaScript source stay
        return Markup(_HIDDEN_IN_SOURCE.sub(lambda m: _span(m.group(), True), text))  # noqa: S704
    return Markup(HIDDEN.sub(lambda m: _span(m.group(), False), text))  # noqa: S704


def ident_html(value: Any) -> Markup:
    """HTML for an identifier (a field path, a rule code): may wrap only at ``_``, ``.``, ``[``.

    >>> ident_html("kids[0].first_name")
    Markup('kids<wbr>[0].<wbr>first_<wbr>name')
    """
    text = value if isinstance(value, str) else str(value)
    hidden = _hidden_in_identifier(text)
    html = _BREAKS.sub(lambda m: f"{m[1]}<wbr>" if m[1] else "<wbr>[", str(escape(text)))
    html = HIDDEN.sub(lambda m: _span(m.group(), False), html)
    for char in hidden:
        if not HIDDEN.match(char):
            html = html.replace(char, _span(char, False))
    return Markup(html)  # noqa: S704 (escaped above; only <wbr> and <span> markup added)


def _script_safe(script: Markup) -> Markup:
    # dumps_js leaves DEL, C1 and noncharacters raw inside its string literals:
    # valid JavaScript, but HTML5 parse errors. The same characters as \uXXXX
    # escapes are the same strings (nothing else in a snippet is non-ASCII).
    if _HIDDEN_IN_SOURCE.search(script) is None:
        return script
    safe = _HIDDEN_IN_SOURCE.sub(lambda m: _escape_code(m.group(), json_style=True), script)
    return Markup(safe)  # noqa: S704 (the core's script with ASCII escapes put in)


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja environment of the test pages (autoescaping everything, strict undefined).

    >>> environment().autoescape
    True
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates don't change while a command runs
    )
    env.filters["text"] = text_html
    env.filters["json_text"] = functools.partial(text_html, json_style=True)
    env.filters["ident"] = ident_html
    env.filters["attr"] = visible  # for attribute values (autoescaped after)
    env.filters["attr_ident"] = functools.partial(visible, identifier=True)
    return env


def _display(value: Any) -> str:
    # Text as is (the template escapes it), other values as their JSON spelling.
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def flatten(payload: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(field path, displayed value) for every leaf of ``payload``.

    >>> list(flatten({"kids": [{"gender": "m"}], "bought_something": True}))
    [('kids[0].gender', 'm'), ('bought_something', 'true')]
    """
    if isinstance(payload, dict):
        for key, value in payload.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(payload, list) and payload and all(
        isinstance(item, (dict, list)) for item in payload
    ):
        for index, item in enumerate(payload):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, _display(payload)


def _shown_value(data: Any, field: str) -> str | None:
    # The JSON spelling (text in quotes: an empty or blank value is visible);
    # None when the path does not lead to a value (e.g. a hidden field name "?").
    value = value_at(data, field)
    if value is MISSING:
        return None
    return json.dumps(value, ensure_ascii=False, default=str)


def _summary(field_count: int, problem_count: int) -> str:
    """The summary sentences (what is sent, what was dropped).

    >>> _summary(0, 2)
    'Nothing will be sent: no field passed the check. 2 problems found (listed below).'
    >>> _summary(3, 0)
    'All 3 fields will be sent. No problems found.'
    >>> _summary(2, 1)  # doctest: +NORMALIZE_WHITESPACE
    '2 fields will be sent. 1 problem found: the field it names was dropped,
    everything else is sent.'
    """
    problems = f"{problem_count:,} problem{'' if problem_count == 1 else 's'} found"
    if not field_count:
        if not problem_count:
            return "Nothing will be sent: the profile has no fields."
        return f"Nothing will be sent: no field passed the check. {problems} (listed below)."
    if not problem_count:
        if field_count == 1:
            return "The profile's only field will be sent. No problems found."
        return f"All {field_count:,} fields will be sent. No problems found."
    sent = f"{field_count:,} field{' will' if field_count == 1 else 's will'} be sent."
    dropped = ("the field it names was dropped" if problem_count == 1
               else "the fields they name were dropped")
    return f"{sent} {problems}: {dropped}, everything else is sent."


class PageItem(NamedTuple):
    """One profile for :func:`write_site`: its record number, check result, input line
    and (only for ``show_values``) the record as read."""

    number: int
    result: CheckResult
    line: int | None = None
    data: Any = MISSING


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One line of the index page: ``codes`` are the problem codes, in order."""

    number: int
    href: str
    fields: int
    problems: int
    line: int | None = None
    codes: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class EventsLink:
    """The index page's link to an events page (``pc-snippets page FILE --events``)."""

    href: str
    total: int
    sent: int
    problems: int


def _code_counts(result: CheckResult) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for problem in result.problems:
        counts[problem.code] = counts.get(problem.code, 0) + 1
    return tuple(counts.items())


class PageBuilder:
    """Renders test pages and index pages with templates compiled once.

    ``shop_id`` switches from the offline recorder to the real SDK loader and
    ``init`` (``stream`` is passed to ``init``). ``nonce`` is put on every script
    of the page, for serving it under a ``script-src 'nonce-...'`` policy (a real
    server must use a fresh nonce per response). Bad values raise ``ValueError``
    here, before any page is written.

    >>> from pc_snippets import check_profile
    >>> builder = PageBuilder(shop_id="357382bf66ac0ce2f1722677c59511", nonce="abc123")
    >>> "cdn.personaclick.com" in builder.page(check_profile({"email": "jane@mail.com"}))
    True
    """

    def __init__(
        self, *, shop_id: str | None = None, stream: str | None = None, nonce: str | None = None,
        show_values: bool = False, consent_source: str | None = None,
    ) -> None:
        if stream is not None and shop_id is None:
            raise ValueError("a stream needs a shop id (--shop-id)")
        self.shop_id = shop_id
        self.stream = stream
        self.nonce = nonce
        #: Show the values of dropped fields (personal data: only when asked for).
        self.show_values = show_values
        #: ``--consent-source``: the kind the snippets wait for (None: no consent switch).
        self.consent_source = consent_source
        # The consent switch (stand-in CMP, buttons), checked before any page is written.
        self.consent = (None if consent_source is None
                        else consent_panel(consent_source, nonce_attribute(nonce)))
        # Rendered once: the same for every page. These calls validate the nonce,
        # the shop id and the stream.
        self._get_snippet = render_profile_get(
            callback=_ANSWER_CALLBACK, fill=True, event=True, nonce=nonce,
            consent_source=consent_source,
        )
        self._init_snippet = (
            render_init(shop_id, stream=stream, nonce=nonce, consent_source=consent_source)
            if shop_id is not None else Markup()
        )
        # The page's own scripts, put together by the core renderer like every snippet.
        self._attribute = nonce_attribute(nonce)
        self._page_script = _script(self._attribute, _script_code("_page.js"))
        env = environment()
        self._page = env.get_template("page.html.j2")
        self._index = env.get_template("index.html.j2")
        from .. import __version__

        self._common: dict[str, Any] = {
            "version": __version__,
            "live": shop_id is not None,
            "shop_id": shop_id,
            "stream": stream,
            "show_values": show_values,
            "consent": self.consent,
        }

    def page(
        self,
        result: CheckResult,
        *,
        number: int | None = None,
        index_href: str | None = None,
        previous_href: str | None = None,
        next_href: str | None = None,
        line: int | None = None,
        data: Any = MISSING,
    ) -> str:
        """One test page for a checked profile (a :class:`~pc_snippets.CheckResult`).

        ``data`` is the record as read: with ``show_values`` the page shows the
        value of each dropped field (without it, ``data`` is not looked at).
        """
        payload = result.payload
        set_snippet = render_profile_set(result, nonce=self.nonce,
                                         consent_source=self.consent_source)
        values: list[str | None] = []
        if self.show_values:
            values = [None if data is MISSING else _shown_value(data, problem.field)
                      for problem in result.problems]
        return self._page.render(
            self._common,
            number=number,
            line=line,
            summary=_summary(len(payload), len(result.problems)),
            values=values,
            index_href=index_href,
            previous_href=previous_href,
            next_href=next_href,
            field_count=len(payload),
            fields=list(flatten(payload)),
            problems=result.problems,
            rules=RULES,
            payload_json=json.dumps(payload, ensure_ascii=False, indent=2),
            snippet_source=str(set_snippet),  # plain str: shown as escaped text
            set_snippet=_script_safe(set_snippet),
            get_snippet=self._get_snippet,
            init_snippet=self._init_snippet,
            page_script=self._page_script,
            recorder_script=Markup() if self.shop_id is not None else self._recorder(payload),
            fill_paths=FILL_PATHS,
        )

    def _recorder(self, payload: dict[str, Any]) -> Markup:
        # The recorder's code called with its configuration (data through dumps_js).
        config = dumps_js({"expected": payload or None, "sampleAnswer": SAMPLE_ANSWER})
        return _script_safe(_script(
            self._attribute, f"{_script_code('_recorder.js')}({config});", repeats=False))

    def index(
        self, entries: Iterable[IndexEntry], *, total: int, with_problems: int,
        events: EventsLink | None = None,
    ) -> Iterator[str]:
        """The index page linking every profile page (and ``events``), streamed in pieces."""
        return self._index.generate(
            self._common, entries=entries, total=total, with_problems=with_problems,
            events=events,
        )


def _write_text(path: Path, text: str | Iterable[str]) -> None:
    # Written to a temporary name and renamed, so a reader never sees half a page.
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as out:
        if isinstance(text, str):
            out.write(text)
        else:
            out.writelines(text)
    os.replace(temporary, path)


def write_page(
    builder: PageBuilder, result: CheckResult, path: Path, *, line: int | None = None,
    data: Any = MISSING,
) -> Path:
    """Write one test page to ``path``; return the path. ``line``: where the record
    starts in the input; ``data``: the record as read (for ``show_values``)."""
    _write_text(path, builder.page(result, line=line, data=data))
    return path


def page_name(number: int) -> str:
    """File name of a profile's page in a folder of pages.

    >>> page_name(7)
    'profile-000007.html'
    """
    return f"profile-{number:06d}.html"


def write_site(
    builder: PageBuilder,
    results: Iterable[PageItem | tuple[int, CheckResult]],
    directory: Path,
    *,
    events: EventsLink | None = None,
) -> tuple[Path, int]:
    """Write a page per profile plus ``index.html`` into ``directory``.

    ``results`` is streamed (:class:`PageItem` s, or ``(record number, CheckResult)``
    pairs); only a small :class:`IndexEntry` per profile is kept for the index.
    Returns the index path and the number of pages written. ``events``: the index
    also links an events page written beside the profile pages.
    """
    directory.mkdir(parents=True, exist_ok=True)
    entries: list[IndexEntry] = []
    with_problems = 0
    iterator = (PageItem(*item) for item in results)
    current = next(iterator, None)
    previous_number: int | None = None
    while current is not None:
        # One profile of lookahead, so each page can link to the next one.
        following = next(iterator, None)
        number, result, line, data = current
        name = page_name(number)
        html = builder.page(
            result,
            number=number,
            index_href="index.html",
            previous_href=page_name(previous_number) if previous_number is not None else None,
            next_href=page_name(following.number) if following is not None else None,
            line=line,
            data=data if builder.show_values else MISSING,
        )
        _write_text(directory / name, html)
        entries.append(IndexEntry(number, name, len(result.payload), len(result.problems),
                                  line, _code_counts(result)))
        with_problems += bool(result.problems)
        previous_number = number
        current = following
    index = directory / "index.html"
    _write_text(index, builder.index(entries, total=len(entries), with_problems=with_problems,
                                     events=events))
    return index, len(entries)
